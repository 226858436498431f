//! Run ids and names made safe: nothing a preset or a user types can point outside the runs
//! directory.

pub use crate::clock::unix_now;

/// Keeps ASCII letters, digits, `.`, `_` and `+` (lowercased), turns every other run of
/// characters into one `-`, trims `-` and `.` from the ends and caps the length at 64. The
/// result never contains `/`, never starts with `.`, and is never `..`.
pub fn sanitize(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+') {
            out.push(c.to_ascii_lowercase());
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
    trimmed.trim_end_matches(['-', '.']).to_string()
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

/// The id of a new run: `<timestamp>-<preset>-<run>`, sanitized.
pub fn run_id(preset: &str, run: &str, unix: u64) -> String {
    sanitize(&format!(
        "{}-{}-{}",
        timestamp(unix),
        sanitize(preset),
        sanitize(run)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizing_blocks_escapes() {
        assert_eq!(sanitize("../../etc/passwd"), "etc-passwd");
        assert_eq!(sanitize("alt β=-0.5"), "alt-0.5");
        assert_eq!(sanitize("..."), "");
        assert_eq!(sanitize("/"), "");
        assert_eq!(sanitize("Sim GD"), "sim-gd");
        assert!(!is_safe_id(".."));
        assert!(!is_safe_id("a/b"));
        assert!(is_safe_id("20261128-120000-x-y"));
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "19700101-000000");
        assert_eq!(timestamp(1_795_867_200), "20261128-120000");
        assert_eq!(timestamp(951_782_400), "20000229-000000");
    }
}
