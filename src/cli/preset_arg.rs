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
        Ok((
            std::fs::read_to_string(path).map_err(|e| io_error(path, e))?,
            arg.to_string(),
        ))
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
    let configs = preset.resolve().map_err(|e| e.context(origin))?;
    Ok((preset, configs))
}
