//! `--set PATH=VALUE`: changes one field of a preset (or of a run config) before it is
//! validated, e.g. `steps=5000`, `runs[2].beta=-0.3`, `runs[alt-hb].eta.phi=0.05`,
//! `runs[*].scheme=Simultaneous`, `game.dim=10`.
//!
//! Paths walk the config's fields; `[i]`, `[name]` or `[*]` select runs; a segment that names
//! a field inside an enum variant (`game.dim` for `game: Bilinear(dim: …)`) reaches through the
//! variant. VALUE is written as in a preset: a number, `true`/`false`, `None`, a list
//! (`[2.0, 0.5]`), a bare word for a unit variant (`Simultaneous`), a variant with fields
//! (`Alternating(d_steps: 2)`) or a per-player pair (`(theta: 0.0, phi: -0.2)`). Setting one
//! player of a per-player option that is unset (`runs[1].beta.phi=-0.2` on a run without β)
//! starts the other player at the option's default (β 0, the run's `rule`, `Free`).

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Splits `PATH=VALUE`.
pub fn split(arg: &str) -> Result<(&str, &str)> {
    // The first `=` outside brackets: run names hold `=` (`runs[sim β=0].eta=0.3`).
    let mut depth = 0i32;
    let at = arg.char_indices().find_map(|(i, c)| {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '=' if depth <= 0 => return Some(i),
            _ => {}
        }
        None
    });
    if at.is_none() && depth > 0 {
        return Err(Error::input(format!("--set {arg:?}: unclosed [")));
    }
    at.map(|i| (arg[..i].trim(), arg[i + 1..].trim()))
        .filter(|(p, _)| !p.is_empty())
        .ok_or_else(|| {
            Error::input(format!(
                "--set {arg:?}: expected PATH=VALUE, e.g. runs[0].eta=0.05"
            ))
        })
}

fn parse_value(path: &str, v: &str) -> Result<Value> {
    // `eta=0,1` (a European 0.1) read as the string "0,1" and was refused as "invalid type".
    if let Some((whole, fraction)) = v.split_once(',') {
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if digits(whole.trim_start_matches(['-', '+'])) && digits(fraction) {
            return Err(Error::input(format!(
                "--set {path}={v}: `{v}` — a decimal comma? write {whole}.{fraction}"
            )));
        }
    }
    if v.starts_with(['[', '(']) || v.contains('(') {
        return super::ron_value::parse(v)
            .map_err(|e| Error::input(format!("--set {path}={v}: {e}")));
    }
    // A number past f64's range (1e400) or inf/NaN was taken for a string ("invalid type:
    // string"): say what it is.
    if v.parse::<f64>().is_ok_and(|f| !f.is_finite()) {
        return Err(Error::input(format!(
            "--set {path}={v}: not a finite number (f64 reaches about ±1.8e308)"
        )));
    }
    Ok(plain_value(v))
}

fn plain_value(v: &str) -> Value {
    if let Ok(i) = v.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(f) = v.parse::<f64>() {
        if f.is_finite() {
            return Value::from(f);
        }
    }
    match v {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "None" | "null" => Value::Null,
        _ => Value::String(v.trim_matches('"').to_string()),
    }
}

enum Seg {
    Field(String),
    Index(String),
}

fn segments(path: &str) -> Result<Vec<Seg>> {
    let mut out = vec![];
    let mut rest = path;
    // Fields end at `.` or `[`; a run's name in brackets may hold both (`runs[sim β=-0.5]`).
    loop {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        if end > 0 {
            out.push(Seg::Field(rest[..end].to_string()));
        }
        rest = &rest[end..];
        while let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or_else(|| Error::input(format!("--set {path}: unclosed [")))?;
            out.push(Seg::Index(r[..end].to_string()));
            rest = &r[end + 1..];
        }
        match rest.strip_prefix('.') {
            Some(r) => rest = r,
            None if rest.is_empty() => return Ok(out),
            None => return Err(Error::input(format!("--set {path}: unexpected {rest:?}"))),
        }
    }
}

/// Descends through an externally tagged enum (`{"Bilinear": {...}}`) when `key` is not a
/// field of `node` itself.
fn reach<'a>(node: &'a mut Value, key: &str) -> &'a mut Value {
    let through = match node {
        Value::Object(m) if !m.contains_key(key) && m.len() == 1 => m
            .keys()
            .next()
            .is_some_and(|k| k.starts_with(|c: char| c.is_ascii_uppercase())),
        _ => false,
    };
    if through {
        node.as_object_mut()
            .and_then(|m| m.values_mut().next())
            .expect("one variant")
    } else {
        node
    }
}

/// `--set PATH` named field `f` of a value that has no fields: says what the value is (the
/// variant in force, a number, a list) and, for a variant, how to set another with its
/// fields. It said only "`f` is not inside a struct".
fn not_a_field(path: &str, f: &str, node: &Value) -> Error {
    let what = match node {
        Value::String(v) => format!("`{v}`, which has no fields"),
        Value::Array(_) => "a list: pick an entry with [i], [name] or [*] first".into(),
        Value::Null => "None".into(),
        other => format!("`{other}`, a plain value"),
    };
    let at = path.rfind(&format!(".{f}")).map_or(path, |i| &path[..i]);
    let hint = match node {
        Value::String(_) => format!("; to use a variant that has it, set the whole value, e.g. --set '{at}=Variant({f}: …)'"),
        _ => String::new(),
    };
    Error::input(format!(
        "--set {path}: `{f}` is not a field of {at}: it is {what}{hint}"
    ))
}

fn set_at(node: &mut Value, segs: &[Seg], value: &Value, path: &str) -> Result<()> {
    let Some((head, tail)) = segs.split_first() else {
        *node = value.clone();
        return Ok(());
    };
    match head {
        Seg::Field(f) => {
            // A per-player number written once for both players splits on first use.
            if let (Value::Number(n), "theta" | "phi") = (&*node, f.as_str()) {
                let n = n.clone();
                *node = serde_json::json!({ "theta": n.clone(), "phi": n });
            }
            let node = reach(node, f);
            let Value::Object(m) = node else {
                return Err(not_a_field(path, f, node));
            };
            // One player of an unset per-player option: the other keeps the default.
            let other_default = match (f.as_str(), tail.first()) {
                ("beta", Some(Seg::Field(p))) if p == "theta" || p == "phi" => {
                    Some(Value::from(0.0))
                }
                ("projection", Some(Seg::Field(p))) if p == "theta" || p == "phi" => {
                    Some(Value::String("Free".into()))
                }
                ("rules", Some(Seg::Field(p))) if p == "theta" || p == "phi" => Some(
                    m.get("rule")
                        .filter(|r| !r.is_null())
                        .cloned()
                        .unwrap_or_else(|| Value::String("Gradient".into())),
                ),
                _ => None,
            };
            let child = m.entry(f.clone()).or_insert(Value::Null);
            if child.is_null() && !tail.is_empty() {
                *child = match other_default {
                    Some(d) => serde_json::json!({ "theta": d.clone(), "phi": d }),
                    None => Value::Object(Default::default()),
                };
            }
            set_at(child, tail, value, path)
        }
        Seg::Index(ix) => {
            let Value::Array(items) = node else {
                return Err(Error::input(format!(
                    "--set {path}: [{ix}] applied to something that is not a list"
                )));
            };
            let chosen: Vec<usize> = if ix == "*" {
                (0..items.len()).collect()
            } else if let Ok(i) = ix.parse::<usize>() {
                if i >= items.len() {
                    return Err(Error::input(format!(
                        "--set {path}: index {i} out of range (there are {})",
                        items.len()
                    )));
                }
                vec![i]
            } else {
                let found: Vec<usize> = (0..items.len())
                    .filter(|&i| {
                        items[i]
                            .get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| {
                                n == ix || super::ident::sanitize(n) == super::ident::sanitize(ix)
                            })
                    })
                    .collect();
                if found.is_empty() {
                    return Err(Error::input(format!("--set {path}: no run named {ix:?}")));
                }
                found
            };
            for i in chosen {
                set_at(&mut items[i], tail, value, path)?;
            }
            Ok(())
        }
    }
}

/// Applies `PATH=VALUE` overrides to `config` and returns the changed config.
pub fn apply<T: Serialize + DeserializeOwned + Clone>(config: &T, sets: &[String]) -> Result<T> {
    if sets.is_empty() {
        return Ok(config.clone());
    }
    let mut v = serde_json::to_value(config).map_err(|e| Error::input(format!("--set: {e}")))?;
    for s in sets {
        let (path, raw) = split(s)?;
        set_at(&mut v, &segments(path)?, &parse_value(path, raw)?, path)?;
    }
    // Each pass can name one struct written with its type name; the cap only bounds the loop.
    for _ in 0..1000 {
        match serde_path_to_error::deserialize(&v) {
            Ok(t) => return Ok(t),
            Err(e) if without_struct_name(&mut v, &e) => {}
            Err(e) => {
                if let Some(unset) = field_of_unset_option::<T>(&v, &e, sets) {
                    return Err(unset);
                }
                let at = e.path().to_string();
                return Err(Error::input(format!(
                    "--set {}: {at}: {}",
                    sets.join(" --set "),
                    in_plain_words(&e)
                )));
            }
        }
    }
    Err(Error::input(format!(
        "--set {}: too many nested values",
        sets.join(" --set ")
    )))
}

/// serde_json's message for `e`, with Rust's type names (`expected u64`) in words, a unit
/// variant given fields (`Simultaneous()`: "invalid type: map, expected unit") named, and a
/// name in the wrong case answered with the right one.
fn in_plain_words(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    use serde_path_to_error::Segment;
    let inner = e.inner().to_string();
    if inner.starts_with("invalid type: map, expected unit") {
        if let Some(Segment::Enum { variant }) = e.path().iter().next_back() {
            return format!(
                "`{variant}` takes no fields: write it without parentheses, `{variant}`"
            );
        }
    }
    if let Some((found, names)) = unknown_variant(&inner) {
        if let Some(name) = names.iter().find(|n| n.eq_ignore_ascii_case(found)) {
            return format!("{inner}; names are case-sensitive: write `{name}`");
        }
    }
    // Rust's type names in words; a whole number past its type's range said "invalid value:
    // integer `5000000000`" or, past u64, was read as a float ("floating point `1e+23`"),
    // neither saying too large.
    for (rust, words, max) in [
        ("u64", "a whole number ≥ 0", Some(u64::MAX)),
        ("u32", "a whole number ≥ 0", Some(u64::from(u32::MAX))),
        ("usize", "a whole number ≥ 0", Some(usize::MAX as u64)),
        ("f64", "a number", None),
    ] {
        let Some(head) = inner.strip_suffix(&format!("expected {rust}")) else {
            continue;
        };
        if let (Some(max), Some(n)) = (max, head.split('`').nth(1)) {
            let too_large = if head.starts_with("invalid value: integer") {
                !n.starts_with('-')
            } else {
                head.starts_with("invalid type: floating point")
                    && n.parse::<f64>()
                        .is_ok_and(|x| x >= max as f64 && x.fract() == 0.0)
            };
            if too_large {
                return format!("{n} is too large for this field (at most {max})");
            }
        }
        return format!("{head}expected {words}");
    }
    inner
}

/// serde's "unknown variant `beta2`, expected one of `Gradient`, `HeavyBall`, …" read: the
/// name found and the names it expected.
fn unknown_variant(inner: &str) -> Option<(&str, Vec<&str>)> {
    let quoted: Vec<&str> = inner
        .strip_prefix("unknown variant ")?
        .split('`')
        .skip(1)
        .step_by(2)
        .collect();
    let (found, names) = quoted.split_first()?;
    Some((found, names.to_vec()))
}

/// The value at `path` in `v`.
fn node_at<'a>(
    mut at: &'a mut Value,
    path: &[&serde_path_to_error::Segment],
) -> Option<&'a mut Value> {
    use serde_path_to_error::Segment;
    for s in path {
        at = match s {
            Segment::Seq { index } => at.get_mut(*index),
            Segment::Map { key } | Segment::Enum { variant: key } => at.get_mut(key.as_str()),
            Segment::Unknown => None,
        }?;
    }
    Some(at)
}

/// `--set runs[0].rule.beta2=0.5` on a run without `rule`: the unset option became an object
/// of the fields set, which reads as a variant named `beta2` ("unknown variant `beta2`").
/// Where the error is that, says the option is unset and which of its variants have the
/// field, trying each in its place.
fn field_of_unset_option<T: DeserializeOwned>(
    v: &Value,
    e: &serde_path_to_error::Error<serde_json::Error>,
    sets: &[String],
) -> Option<Error> {
    use serde_path_to_error::Segment;
    let inner = e.inner().to_string();
    let (field, variants) = unknown_variant(&inner)?;
    let segments: Vec<&Segment> = e.path().iter().collect();
    let Some(Segment::Map { key: option }) = segments.last() else {
        return None;
    };
    // The --set that named the field through the option.
    let (path, raw) = sets.iter().filter_map(|s| split(s).ok()).find(|(p, _)| {
        p.strip_suffix(&format!(".{field}"))
            .is_some_and(|at| at == option || at.ends_with(&format!(".{option}")))
    })?;
    let at = &path[..path.len() - field.len() - 1];
    let owner = at
        .strip_suffix(option.as_str())
        .and_then(|o| o.strip_suffix('.'))
        .unwrap_or("the preset");
    let mut fields = v.clone();
    let fields = node_at(&mut fields, &segments)?.take();
    let under = e.path().to_string();
    let has_field = |variant: &str| {
        let mut trial = v.clone();
        if let Some(node) = node_at(&mut trial, &segments) {
            *node = serde_json::json!({ variant: fields.clone() });
        }
        match serde_path_to_error::deserialize::<_, T>(&trial) {
            Ok(_) => true,
            // Another field the variant needs is missing: it has this one.
            Err(t) => {
                t.path().to_string().starts_with(&under)
                    && t.inner().to_string().starts_with("missing field")
            }
        }
    };
    let having: Vec<&str> = variants.iter().copied().filter(|n| has_field(n)).collect();
    let unset = format!("--set {path}: {owner} has no {option}, so it has no `{field}` to set");
    Some(Error::input(match having.split_first() {
        Some((first, _)) => {
            let list = match having.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => first.to_string(),
            };
            format!(
                "{unset}; set the whole {option} to a variant that has one, e.g. --set '{at}={first}({field}: {raw})' (`{field}` is a field of {list})"
            )
        }
        None => format!(
            "{unset}; no {option} has a field `{field}` (the {option}s: {})",
            variants.join(", ")
        ),
    }))
}

/// The structs whose type name a preset may write before their fields (`Run(name: …)`): JSON
/// keeps no struct names, so a name is checked against this list rather than the type.
const NAMED_STRUCTS: &[&str] = &["Run"];

/// A struct written with its type name, as preset files may (`runs=[Run(name: "a", …)]`),
/// reads like a variant — `{"Run": {…}}` — and is refused as an unknown field `Run`. Where the
/// error is that, the one-key object at the error's place becomes its fields; true if it did.
fn without_struct_name(v: &mut Value, e: &serde_path_to_error::Error<serde_json::Error>) -> bool {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = e.path().iter().collect();
    let Some((Segment::Map { key: name }, parents)) = segments.split_last() else {
        return false;
    };
    if !NAMED_STRUCTS.contains(&name.as_str())
        || !e
            .inner()
            .to_string()
            .starts_with(&format!("unknown field `{name}`"))
    {
        return false;
    }
    let Some(at) = node_at(v, parents) else {
        return false;
    };
    let fields = match at {
        Value::Object(m) if m.len() == 1 => match m.get(name.as_str()) {
            Some(f @ Value::Object(_)) => f.clone(),
            _ => return false,
        },
        _ => return false,
    };
    *at = fields;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Preset;

    const P: &str = r#"Preset(name: "p", steps: 10, game: Bilinear(dim: 2),
        runs: [Run(name: "a", scheme: Simultaneous, eta: 0.1),
               Run(name: "b b", scheme: Alternating(d_steps: 2), rule: HeavyBall, eta: 0.1, beta: -0.5)])"#;

    #[test]
    fn a_run_named_with_an_equals_sign_is_reached_by_name() {
        let text = P.replace(r#""b b""#, r#""alt β=-0.5""#);
        let p = Preset::parse(&text, "p.ron").unwrap();
        let q = apply(&p, &["runs[alt β=-0.5].eta.phi=0.25".into()]).unwrap();
        assert_eq!(q.runs[1].eta.0.phi, 0.25);
        assert_eq!(
            split("runs[a=b].eta=0.1").unwrap(),
            ("runs[a=b].eta", "0.1")
        );
        assert_eq!(split("steps=10").unwrap(), ("steps", "10"));
        assert!(split("runs[a=b]").is_err());
        let e = split("runs[a=b.eta=1").unwrap_err();
        assert!(e.message.ends_with("unclosed ["), "{}", e.message);
    }

    #[test]
    fn a_struct_may_be_written_with_its_type_name() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let q = apply(
            &p,
            &[
                r#"runs=[Run(name: "c", scheme: Simultaneous, eta: 0.3), (name: "d", scheme: Simultaneous, eta: 0.2)]"#
                    .into(),
            ],
        )
        .unwrap();
        let names: Vec<(&str, f64)> = q
            .runs
            .iter()
            .map(|r| (r.name.as_str(), r.eta.0.phi))
            .collect();
        assert_eq!(names, [("c", 0.3), ("d", 0.2)]);
        // A field that is not there is still named as such.
        let e = apply(&p, &[r#"runs=[Run(nom: "c", eta: 0.3)]"#.into()]).unwrap_err();
        assert!(e.to_string().contains("unknown field `nom`"), "{e}");
        // A variant name where a struct is expected is still refused.
        let e = apply(&p, &[r#"runs=[Walk(name: "c", eta: 0.3)]"#.into()]).unwrap_err();
        assert!(e.to_string().contains("unknown field `Walk`"), "{e}");
    }

    #[test]
    fn paths_reach_fields_runs_and_variants() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let q = apply(
            &p,
            &[
                "steps=20".into(),
                "runs[1].beta.phi=0.25".into(),
                "game.dim=3".into(),
                "runs[a].eta=0.5".into(),
            ],
        )
        .unwrap();
        assert_eq!(q.steps, 20);
        assert_eq!(q.runs[1].beta.unwrap().0.phi, 0.25);
        assert_eq!(q.runs[1].beta.unwrap().0.theta, -0.5);
        assert_eq!(q.runs[0].eta.0.theta, 0.5);
        assert!(matches!(
            q.game,
            crate::setup::GameConfig::Bilinear(crate::game::BilinearSpec { dim: 3, .. })
        ));
        let q = apply(
            &p,
            &[
                "runs[*].scheme=Simultaneous".into(),
                "runs[b-b].steps=7".into(),
            ],
        )
        .unwrap();
        assert!(q
            .runs
            .iter()
            .all(|r| r.scheme == crate::optim::Scheme::simultaneous()));
        assert_eq!(q.runs[1].steps, Some(7));
    }

    #[test]
    fn values_take_the_preset_syntax_and_one_player_of_an_unset_option() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let q = apply(&p, &["runs[0].beta.phi=-0.2".into()]).unwrap();
        let b = q.runs[0].beta.unwrap().0;
        assert_eq!((b.theta, b.phi), (0.0, -0.2));
        let q = apply(
            &p,
            &[
                "runs[0].beta=(theta: 0.1, phi: -0.3)".into(),
                "runs[0].scheme=Alternating(d_steps: 3)".into(),
                "runs[1].scheme=Extragradient()".into(),
                "runs[a].rule=Adam()".into(),
            ],
        )
        .unwrap();
        let b = q.runs[0].beta.unwrap().0;
        assert_eq!((b.theta, b.phi), (0.1, -0.3));
        assert!(matches!(
            q.runs[0].scheme,
            crate::optim::Scheme::Alternating(crate::optim::scheme::Alternating { d_steps: 3, .. })
        ));
        assert!(matches!(
            q.runs[1].scheme,
            crate::optim::Scheme::Extragradient { .. }
        ));
        assert!(matches!(
            q.runs[0].rule,
            Some(crate::optim::Rule::Adam { .. })
        ));
        let e = apply(&p, &["runs[0].scheme=Alternating(d_steps 3)".into()]).unwrap_err();
        assert!(e.message.contains("expected at column 21"), "{e}");
    }

    /// A field of an option the run leaves unset (`rule`: both players step with the
    /// gradient) says the option is unset and how to set it, naming the variants that have
    /// the field; it said "unknown variant `beta2`".
    #[test]
    fn a_field_of_an_unset_option_says_how_to_set_the_option() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let e = apply(&p, &["runs[0].rule.beta2=0.5".into()]).unwrap_err();
        assert_eq!(
            e.message,
            "--set runs[0].rule.beta2: runs[0] has no rule, so it has no `beta2` to set; set the whole rule to a variant that has one, e.g. --set 'runs[0].rule=Adam(beta2: 0.5)' (`beta2` is a field of Adam and OptimAdam)"
        );
        let e = apply(&p, &["steps=20".into(), "runs[a].rule.rho=0.9".into()]).unwrap_err();
        assert_eq!(
            e.message,
            "--set runs[a].rule.rho: runs[a] has no rule, so it has no `rho` to set; set the whole rule to a variant that has one, e.g. --set 'runs[a].rule=RmsProp(rho: 0.9)' (`rho` is a field of RmsProp)"
        );
        let e = apply(&p, &["runs[0].rule.gamma=1".into()]).unwrap_err();
        assert_eq!(
            e.message,
            "--set runs[0].rule.gamma: runs[0] has no rule, so it has no `gamma` to set; no rule has a field `gamma` (the rules: Gradient, HeavyBall, Adam, RmsProp, Omd, OptimAdam)"
        );
        // Set, the rule's own fields are reached.
        let q = apply(
            &p,
            &[
                "runs[0].rule=Adam()".into(),
                "runs[0].rule.beta2=0.5".into(),
            ],
        )
        .unwrap();
        assert!(matches!(
            q.runs[0].rule,
            Some(crate::optim::Rule::Adam(crate::optim::rule::Adam { beta2, .. })) if beta2 == 0.5
        ));
    }

    /// A new user's slips in --set values are named in words: a decimal comma, Rust's type
    /// names, a fieldless variant given `()`, a name in the wrong case.
    #[test]
    fn slips_in_values_are_named() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let message = |set: &str| apply(&p, &[set.into()]).unwrap_err().message;
        assert_eq!(
            message("runs[0].eta=0,1"),
            "--set runs[0].eta=0,1: `0,1` — a decimal comma? write 0.1"
        );
        assert_eq!(
            message("steps=-5"),
            "--set steps=-5: steps: invalid value: integer `-5`, expected a whole number ≥ 0"
        );
        assert_eq!(
            message("runs[0].scheme=Alternating(d_steps: 1.5)"),
            "--set runs[0].scheme=Alternating(d_steps: 1.5): runs[0].scheme.Alternating.d_steps: invalid type: floating point `1.5`, expected a whole number ≥ 0"
        );
        assert_eq!(
            message("runs[0].scheme=Alternating(d_steps: 5000000000)"),
            "--set runs[0].scheme=Alternating(d_steps: 5000000000): runs[0].scheme.Alternating.d_steps: 5000000000 is too large for this field (at most 4294967295)"
        );
        assert_eq!(
            message("steps=99999999999999999999999"),
            "--set steps=99999999999999999999999: steps: 1e+23 is too large for this field (at most 18446744073709551615)"
        );
        assert_eq!(
            message("runs[0].scheme=Simultaneous()"),
            "--set runs[0].scheme=Simultaneous(): runs[0].scheme.Simultaneous: `Simultaneous` takes no fields: write it without parentheses, `Simultaneous`"
        );
        assert!(
            message("runs[0].scheme=simultaneous")
                .ends_with("; names are case-sensitive: write `Simultaneous`"),
            "{}",
            message("runs[0].scheme=simultaneous")
        );
    }

    #[test]
    fn bad_overrides_say_what_and_where() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let e = apply(&p, &["runs[0].etaa=1".into()]).unwrap_err();
        assert!(e.message.contains("unknown field `etaa`"), "{e}");
        let e = apply(&p, &["runs[5].eta=1".into()]).unwrap_err();
        assert!(e.message.contains("out of range"), "{e}");
        let e = apply(&p, &["steps".into()]).unwrap_err();
        assert!(e.message.contains("expected PATH=VALUE"), "{e}");
        // A field of a variant without fields names the variant in force and how to set
        // another (it said "`gamma` is not inside a struct").
        let e = apply(&p, &["runs[0].scheme.gamma=1".into()]).unwrap_err();
        assert_eq!(
            e.message,
            "--set runs[0].scheme.gamma: `gamma` is not a field of runs[0].scheme: it is `Simultaneous`, which has no fields; to use a variant that has it, set the whole value, e.g. --set 'runs[0].scheme=Variant(gamma: …)'"
        );
        let e = apply(&p, &["runs[a].eta.x=1".into()]).unwrap_err();
        assert!(
            e.message
                .contains("`x` is not a field of runs[a].eta: it is `0.1`, a plain value"),
            "{e}"
        );
        let e = apply(&p, &["runs[0].scheme=Sideways".into()]).unwrap_err();
        assert!(e.message.contains("unknown variant `Sideways`"), "{e}");
        for v in ["1e400", "-1e400", "inf", "NaN"] {
            let e = apply(&p, &[format!("runs[0].eta={v}")]).unwrap_err();
            assert!(e.message.contains("not a finite number"), "{v}: {e}");
        }
    }
}
