//! Resolving a PRESET argument: a file path, or the name of a built-in preset.

use crate::error::{io_error, Error, Result};
use crate::run::builtin::{builtin, BUILTIN};
use crate::run::overrides;
use crate::run::{Preset, RunConfig};
use std::path::Path;

/// Reads, parses, overrides (`--set`, `--steps`) and validates a preset; returns it with the
/// resolved config of every run.
pub fn load(arg: &str, sets: &[String], steps: Option<u64>) -> Result<(Preset, Vec<RunConfig>)> {
    let (text, origin) = read(arg)?;
    from_text(&text, &origin, sets, steps)
}

/// The text of a preset given as a file or a built-in name, and its origin for messages (the
/// path, or `<built-in NAME>`).
pub fn read(arg: &str) -> Result<(String, String)> {
    let path = Path::new(arg);
    if path.is_file() {
        // A preset that cannot be read is bad input (exit 2), as one that cannot be parsed.
        let bytes = std::fs::read(path).map_err(|e| {
            Error::input(io_error(path, e).message + " (the preset cannot be read)")
        })?;
        Ok((utf8_text(bytes, arg)?, arg.to_string()))
    } else if path.is_dir() {
        Err(Error::input(format!(
            "{arg}: is a directory, not a preset file (nor a built-in preset's name)"
        )))
    } else if let Some(t) = builtin(arg) {
        Ok((t.to_string(), format!("<built-in {arg}>")))
    } else {
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        Err(Error::input(format!(
            "no preset {arg:?}: not a file, nor a built-in preset ({})",
            names.join(", ")
        )))
    }
}

/// A preset file's bytes as text: UTF-8, a byte-order mark (which editors on Windows write)
/// dropped; anything else is refused at the first byte that is not UTF-8, as
/// `origin:line:col` like every other preset error.
fn utf8_text(mut bytes: Vec<u8>, origin: &str) -> Result<String> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = &bytes[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        // The valid prefix of the line is UTF-8: count its characters for the column.
        let col = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Error::input(format!(
            "{origin}:{line}:{col}: byte 0x{:02X} is not UTF-8 text (a preset is a UTF-8 RON file)",
            bytes[at]
        ))
    })
}

/// [`load`] from preset text already read.
pub fn from_text(
    text: &str,
    origin: &str,
    sets: &[String],
    steps: Option<u64>,
) -> Result<(Preset, Vec<RunConfig>)> {
    let parsed: Preset = crate::run::preset::parse_ron(text, origin)?;
    let mut preset = overrides::apply(&parsed, sets)?;
    if let Some(n) = steps {
        preset.steps = n;
        preset.runs.iter_mut().for_each(|r| r.steps = None);
    }
    // A value out of range is found after parsing: its place in the file is looked up along
    // the path the message names. When the file alone is valid, the flags made the error:
    // they are named instead of a place in the file that does not hold the value.
    let configs = preset.resolve().map_err(|e| {
        let changed = !sets.is_empty() || steps.is_some();
        // The file made the error only if it alone gives the same one.
        let files = |p: &Preset| p.resolve().err().is_some_and(|f| f.message == e.message);
        if changed && !files(&parsed) {
            let flags: Vec<String> = sets
                .iter()
                .map(|s| format!("--set {s}"))
                .chain(steps.map(|n| format!("--steps {n}")))
                .collect();
            return e.context(format!("{} (on {origin})", flags.join(" ")));
        }
        match crate::run::ron_locate::locate_message(text, &e.message) {
            Some((line, col)) => e.context(format!("{origin}:{line}:{col}")),
            None => e.context(origin),
        }
    })?;
    Ok((preset, configs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error the flags made names the flags, not a place in the file; one the file
    /// holds is still placed in the file.
    #[test]
    fn errors_are_blamed_on_what_made_them() {
        let text = builtin("default").unwrap();
        let e = from_text(text, "d.ron", &["runs[*].eta=-1".into()], None).unwrap_err();
        assert!(
            e.message.starts_with(
                "--set runs[*].eta=-1 (on d.ron): runs[0] (\"simultaneous\"): eta.theta"
            ),
            "{}",
            e.message
        );
        let e = from_text(text, "d.ron", &[], Some(0)).unwrap_err();
        assert!(
            e.message.starts_with("--steps 0 (on d.ron): steps:"),
            "{}",
            e.message
        );
        let bad = text.replacen("eta: 0.2", "eta: -0.2", 1);
        assert_ne!(bad, text);
        let e = from_text(&bad, "d.ron", &["steps=10".into()], None).unwrap_err();
        assert!(e.message.starts_with("d.ron:"), "{}", e.message);
        assert!(e.message.contains("got -0.2"), "{}", e.message);
        // The file's own error elsewhere does not take the blame for the flags'.
        let sets = ["runs[0].eta=0.1".into(), "runs[1].eta=-5".into()];
        let e = from_text(&bad, "d.ron", &sets, None).unwrap_err();
        assert!(
            e.message
                .starts_with("--set runs[0].eta=0.1 --set runs[1].eta=-5 (on d.ron): runs[1]"),
            "{}",
            e.message
        );
    }

    /// `--set seed=N` on a preset with `seeds` is refused naming the flag (the seed was
    /// silently ignored); `--set seeds=None` beside it runs with the seed.
    #[test]
    fn a_seed_set_beside_a_presets_seeds_is_refused_naming_the_flag() {
        let text = builtin("mog-negative-momentum").unwrap();
        let e = from_text(text, "m.ron", &["seed=5".into()], None).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.message
                .starts_with("--set seed=5 (on m.ron): seed: ignored beside seeds"),
            "{}",
            e.message
        );
        let sets = ["seed=5".into(), "seeds=None".into()];
        let (_, configs) = from_text(text, "m.ron", &sets, None).unwrap();
        assert!(configs.iter().all(|c| c.seed == 5));
    }

    /// A byte-order mark is dropped; a byte that is not UTF-8 is named with its line and
    /// column (counted in characters).
    #[test]
    fn preset_bytes_become_text_or_a_positioned_error() {
        let text = utf8_text(b"\xEF\xBB\xBFPreset()".to_vec(), "p.ron").unwrap();
        assert_eq!(text, "Preset()");
        let err = utf8_text(b"// a\n// \xCE\xB2 \xFF\xFE\n".to_vec(), "p.ron").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.starts_with("p.ron:2:6: byte 0xFF"),
            "{}",
            err.message
        );
        let err = utf8_text(vec![0x80, b'a'], "g.ron").unwrap_err();
        assert!(
            err.message.starts_with("g.ron:1:1: byte 0x80"),
            "{}",
            err.message
        );
    }
}
