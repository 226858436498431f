//! A run's provenance and status as lines of text: what `saddle show RUN` prints and the
//! dashboard's run overview shows, from one place so the two never disagree.

use super::ident::timestamp;
use super::provenance::Provenance;
use super::summary::Summary;

/// `status …` in words: the status, the step of its steps, the method and the preset; "not
/// started" without a summary.
pub fn status(summary: Option<&Summary>) -> String {
    match summary {
        Some(s) => format!(
            "{} at step {} of {} ({}, preset {}){}",
            s.status,
            s.step,
            s.steps,
            s.method,
            s.preset,
            s.message
                .as_ref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        None => "not started".into(),
    }
}

/// The records as indented lines: the first opening in full (code, machine, command, Slurm
/// ids), then each later opening as what changed since the one before, the changes that can
/// change results marked. Empty without records.
pub fn lines(records: &[Provenance]) -> Vec<String> {
    let Some(first) = records.first() else {
        return vec![];
    };
    let mut out = full(first);
    for pair in records.windows(2) {
        let (before, now) = (&pair[0], &pair[1]);
        out.push(opening(now));
        let changes = now.changes_from(before);
        if changes.is_empty() {
            out.push("    same build, machine and threads".into());
        }
        for (field, a, b) in changes {
            let mark = if Provenance::affects_results(field) {
                "  (can change results)"
            } else {
                ""
            };
            out.push(format!("    {field:<14}{a} → {b}{mark}"));
        }
        if now.command != before.command {
            out.push(format!("    {:<14}{}", "command", now.command.join(" ")));
        }
    }
    out
}

/// `provenance N record(s)`, or why there are none.
pub fn heading(records: &[Provenance]) -> String {
    match records.len() {
        0 => "none recorded (a run made before saddle kept provenance.jsonl)".into(),
        1 => "1 record".into(),
        n => format!("{n} records"),
    }
}

fn opening(p: &Provenance) -> String {
    use super::provenance::Opening;
    let from = p.from.as_deref().unwrap_or("another run");
    match p.opening {
        Opening::Fork => format!(
            "  Fork of {from} at step {} ({}): steps up to {} are that run's",
            p.step,
            utc(p.unix_time),
            p.step
        ),
        Opening::Replay => format!("  Replay of {from} ({})", utc(p.unix_time)),
        o => format!("  {o:?} at step {} ({})", p.step, utc(p.unix_time)),
    }
}

fn full(p: &Provenance) -> Vec<String> {
    let simd = format!(
        "{} at run time (compiled for {})",
        p.simd_runtime, p.simd_compiled
    );
    let slurm = p.slurm.as_ref().map(|s| {
        let array = match (&s.array_job_id, &s.array_task_id) {
            (Some(j), Some(t)) => format!(", array {j}_{t}"),
            _ => String::new(),
        };
        let node = s
            .node
            .as_ref()
            .map(|n| format!(", node {n}"))
            .unwrap_or_default();
        format!("job {}{array}{node}", s.job_id)
    });
    let rows = [
        ("saddle", format!("{} (profile {})", p.saddle, p.profile)),
        ("commit", p.commit.clone()),
        ("compiler", p.compiler.clone()),
        ("cpu", p.cpu.clone()),
        ("simd", simd),
        ("threads", p.threads.to_string()),
        ("device", p.device.clone()),
        ("host", p.host.clone()),
        ("os", p.os.clone()),
        ("command", p.command.join(" ")),
        ("slurm", slurm.unwrap_or_else(|| "—".into())),
    ];
    let mut out = vec![opening(p)];
    out.extend(rows.into_iter().map(|(k, v)| format!("    {k:<14}{v}")));
    out
}

/// `2026-12-03 11:45:02 UTC` for seconds since the Unix epoch (from the run ids' stamp).
pub fn utc(unix: f64) -> String {
    let t = timestamp(unix.max(0.0) as u64);
    let (d, h) = (&t[..8], &t[9..]);
    format!(
        "{}-{}-{} {}:{}:{} UTC",
        &d[..4],
        &d[4..6],
        &d[6..],
        &h[..2],
        &h[2..4],
        &h[4..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::provenance::Opening;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400.0), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_796_297_102.0), "2026-12-03 11:25:02 UTC");
    }

    #[test]
    fn the_first_opening_in_full_then_what_changed() {
        assert!(lines(&[]).is_empty());
        assert!(heading(&[]).starts_with("none recorded"));
        let a = Provenance::here(Opening::Start, 0, "cpu");
        let mut b = Provenance::here(Opening::Resume, 40, "cpu");
        b.threads = a.threads + 1;
        let l = lines(&[a.clone(), b]);
        assert!(l[0].starts_with("  Start at step 0 ("), "{}", l[0]);
        assert_eq!(l.len(), 12 + 2, "{l:#?}");
        assert!(l[1].starts_with("    saddle        "), "{}", l[1]);
        assert!(l[12].starts_with("  Resume at step 40"), "{}", l[12]);
        let threads = format!("    threads       {} → {}", a.threads, a.threads + 1);
        assert_eq!(
            l[13], threads,
            "a thread count cannot change results: unmarked"
        );
        assert_eq!(heading(&[a]), "1 record");
    }
}
