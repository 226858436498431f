//! Run ids and names made safe: nothing a preset or a user types can point outside the runs
//! directory.

pub use crate::clock::unix_now;

/// Greek letters that name parameters, spelled out in ids (`β=-0.5` → `beta=-0.5`).
const GREEK: &[(char, &str)] = &[
    ('α', "alpha"),
    ('β', "beta"),
    ('γ', "gamma"),
    ('δ', "delta"),
    ('ε', "eps"),
    ('η', "eta"),
    ('θ', "theta"),
    ('λ', "lambda"),
    ('μ', "mu"),
    ('ρ', "rho"),
    ('σ', "sigma"),
    ('τ', "tau"),
    ('φ', "phi"),
    ('ω', "omega"),
];

/// Keeps ASCII letters, digits, `.`, `_`, `+` and `=` (lowercased), spells out the Greek
/// letters of parameters (β → `beta`), keeps a minus sign (a `-` or `−` before a digit or `.`
/// that does not follow a letter or digit) as `-`, turns every other run of characters into
/// one `-`, trims `-` and `.` from the ends (a leading minus sign stays) and caps the length at
/// 64. So `sim β=-0.5` is `sim-beta=-0.5`, apart from `sim β=0.5` (`sim-beta=0.5`), and
/// `alt -0.5` is `alt--0.5`. The result never contains `/`, never starts with `.`, and is never
/// `..`; ids made by earlier versions (which dropped minus signs) are left unchanged by it.
pub fn sanitize(name: &str) -> String {
    // A minus sign is built as MINUS, so that trimming the ends cannot remove it.
    const MINUS: char = '\u{1}';
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    let mut dash = false;
    for (i, &c) in chars.iter().enumerate() {
        let after_word = i > 0 && chars[i - 1].is_alphanumeric();
        let before_number = chars
            .get(i + 1)
            .is_some_and(|n| n.is_ascii_digit() || *n == '.');
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '=') {
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else if let Some((_, word)) = GREEK
            .iter()
            .find(|(g, _)| *g == c.to_lowercase().next().unwrap_or(c))
        {
            out.push_str(word);
            dash = false;
        } else if matches!(c, '-' | '−') && !after_word && before_number {
            out.push(MINUS);
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    let trimmed: String = out
        .trim_matches(|c| c == '-' || c == '.')
        .chars()
        .take(64)
        .collect();
    trimmed
        .trim_end_matches(['-', '.', MINUS])
        .replace(MINUS, "-")
}

/// True when `id` could have been made by [`run_id`] (no path separators, no dot files).
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty() && sanitize(id) == id.to_ascii_lowercase() && id == id.to_ascii_lowercase()
}

/// UTC `YYYYmmdd-HHMMSS` of a Unix time (civil-from-days, Hinnant's algorithm).
pub fn timestamp(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The longest id [`run_id`] makes: [`sanitize`]'s 64 characters less room for the `-N`
/// that tells apart two runs created in the same second under the same name.
const RUN_ID_MAX: usize = 60;

/// The first `n` characters of an ASCII id, without a dash or dot left at the cut.
fn head(id: &str, n: usize) -> &str {
    id[..n.min(id.len())].trim_end_matches(['-', '.'])
}

/// The id of a new run: `<timestamp>-<preset>-<run>`, sanitized, at most 60 characters.
/// A long id is shortened in the middle of the preset's and the run's names, never at the
/// end: a run's name ends with what tells it from its siblings (`seed=11`, `fork@300`,
/// `replay`), which a plain cut at the end made into another sibling's (`seed=1`).
pub fn run_id(preset: &str, run: &str, unix: u64) -> String {
    let (time, mut preset, run) = (timestamp(unix), sanitize(preset), sanitize(run));
    let room = RUN_ID_MAX - time.len() - 2;
    if preset.len() + run.len() > room {
        // The preset keeps a recognizable start; the run keeps both its ends.
        let keep = room.saturating_sub(run.len()).max(room / 3);
        preset = head(&preset, keep).to_string();
    }
    let room = room - preset.len();
    let run = if run.len() > room {
        let front = head(&run, room / 2 - 1);
        let back = &run[run.len() - (room - front.len() - 1)..];
        format!("{front}_{back}")
    } else {
        run
    };
    sanitize(&format!("{time}-{preset}-{run}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_run_ids_keep_the_end_that_tells_siblings_apart() {
        let t = 1_764_900_000;
        let id = |run: &str| run_id("mog-negative-momentum-sgd", run, t);
        let (one, eleven) = (id("sgd d beta=+0.5 seed=1"), id("sgd d beta=+0.5 seed=11"));
        assert_ne!(one, eleven);
        assert!(eleven.ends_with("seed=11"), "{eleven}");
        let long = "extragradient adam beta=(theta: -0.5, phi: 0.9) eta=0.0001 seed=12 fork@12000";
        for run in [long, &format!("{long} replay")] {
            let id = run_id("a-preset-with-a-very-long-name-indeed", run, t);
            assert!(id.len() <= RUN_ID_MAX, "{id}");
            assert!(is_safe_id(&id), "{id}");
            assert!(
                id.ends_with(&sanitize(run)[sanitize(run).len() - 10..]),
                "{id}"
            );
            assert!(id.starts_with("20251205-020000-a-preset-with"), "{id}");
        }
        // A sweep's id (no preset) keeps its name's end too, with room for `-N`.
        let sweep = run_id("", &"a very long sweep name ".repeat(5), t);
        assert!(
            sweep.len() <= RUN_ID_MAX && is_safe_id(&format!("{sweep}-12")),
            "{sweep}"
        );
        assert_eq!(run_id("", "grid", t), "20251205-020000-grid");
        // Short ids are as before.
        assert_eq!(
            run_id("default", "alt hb β=-0.5", t),
            "20251205-020000-default-alt-hb-beta=-0.5"
        );
    }

    #[test]
    fn sanitizing_blocks_escapes() {
        assert_eq!(sanitize("../../etc/passwd"), "etc-passwd");
        assert_eq!(sanitize("alt β=-0.5"), "alt-beta=-0.5");
        assert_eq!(sanitize("..."), "");
        assert_eq!(sanitize("/"), "");
        assert_eq!(sanitize("Sim GD"), "sim-gd");
        assert!(!is_safe_id(".."));
        assert!(!is_safe_id("a/b"));
        assert!(is_safe_id("20261128-120000-x-y"));
    }

    #[test]
    fn minus_signs_survive_and_old_ids_are_unchanged() {
        let (neg, pos) = (sanitize("sim β=-0.5"), sanitize("sim β=0.5"));
        assert_eq!(
            (neg.as_str(), pos.as_str()),
            ("sim-beta=-0.5", "sim-beta=0.5")
        );
        assert_eq!(sanitize("alternating −0.5"), "alternating--0.5");
        assert_eq!(sanitize("alternating 0.5"), "alternating-0.5");
        assert_eq!(sanitize("-0.5"), "-0.5");
        assert_eq!(sanitize("(-.5)"), "-.5");
        assert_eq!(sanitize("x-1"), "x-1", "a hyphen after a word is a hyphen");
        assert_eq!(sanitize("β=+0.5 Θ"), "beta=+0.5-theta");
        for id in ["sim-beta=-0.5", "alt--0.5", "-0.5", "beta=+0.5-theta"] {
            assert_eq!(sanitize(id), id, "new ids are fixed points");
            assert!(is_safe_id(id));
        }
        // Ids of runs made before minus signs were kept: still found, still safe.
        for old in [
            "20261128-120000-default-alternating-0.5",
            "20261128-120000-x-a_-0.5",
            "20261128-120000-p-run.-1-2",
        ] {
            assert_eq!(sanitize(old), old);
            assert!(is_safe_id(old));
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "19700101-000000");
        assert_eq!(timestamp(1_795_867_200), "20261128-120000");
        assert_eq!(timestamp(951_782_400), "20000229-000000");
    }
}
