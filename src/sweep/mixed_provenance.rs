//! Members of one sweep that ran on builds or machines differing in something that can change
//! their numbers (commit, compiler, SIMD level, CPU, device — see
//! [`Provenance::affects_results`]): a report flags them, since a difference between
//! configurations may then be a difference between machines.

use crate::run::provenance::Provenance;
use std::collections::BTreeMap;

/// One line per field that takes more than one value over the members' provenance records
/// (every opening counts, so a member resumed elsewhere is caught): the field, and each value
/// with the members that recorded it. Empty when every member agrees.
pub fn differences(members: &[(String, Vec<Provenance>)]) -> Vec<String> {
    let mut lines = vec![];
    let fields = Provenance::COMPARED
        .into_iter()
        .filter(|f| Provenance::affects_results(f));
    for field in fields {
        let mut by_value: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (name, records) in members {
            for p in records {
                let who = by_value.entry(p.field(field)).or_default();
                if who.last() != Some(&name.as_str()) {
                    who.push(name);
                }
            }
        }
        if by_value.len() > 1 {
            let parts: Vec<String> = by_value
                .iter()
                .map(|(v, who)| format!("{v} ({})", who.join(", ")))
                .collect();
            lines.push(format!("members differ in {field}: {}", parts.join("; ")));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::provenance::Opening;

    #[test]
    fn a_member_resumed_on_another_simd_level_is_flagged() {
        let a = Provenance::here(Opening::Start, 0, "cpu");
        let mut threads = a.clone();
        threads.threads += 3;
        threads.host = "elsewhere".into();
        let agree = vec![
            ("000".to_string(), vec![a.clone()]),
            ("001".to_string(), vec![a.clone(), threads]),
        ];
        assert!(
            differences(&agree).is_empty(),
            "threads and host do not change results"
        );
        let mut other = a.clone();
        other.opening = Opening::Resume;
        other.simd_runtime = format!("{}-other", a.simd_runtime);
        let mixed = vec![
            ("000".to_string(), vec![a.clone()]),
            ("001".to_string(), vec![a.clone(), other.clone()]),
        ];
        let lines = differences(&mixed);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("members differ in simd_runtime:"));
        assert!(
            lines[0].contains(&format!("{} (000, 001)", a.simd_runtime)),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].contains(&format!("{} (001)", other.simd_runtime)),
            "{}",
            lines[0]
        );
    }
}
