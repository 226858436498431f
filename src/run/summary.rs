//! `summary.json`: a run's status and last metrics, rewritten atomically as it goes.

use super::store::{RunDir, SUMMARY};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stepping.
    Running,
    /// Paused by a command.
    Paused,
    /// ‖ω − ω*‖ fell below the stop rule's threshold.
    Converged,
    /// The iterate became NaN/∞ or left the stop rule's bound.
    Diverged,
    /// Reached its number of steps.
    Finished,
    /// Stopped by a command.
    Stopped,
    /// Stopped by SIGINT, SIGTERM or SIGHUP (checkpointed; resumable).
    Interrupted,
    /// Ended by an error (see `message`).
    Failed,
}

impl Status {
    /// True for statuses a run ends with.
    pub fn is_final(self) -> bool {
        !matches!(self, Status::Running | Status::Paused)
    }

    /// The word used in files and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Converged => "converged",
            Status::Diverged => "diverged",
            Status::Finished => "finished",
            Status::Stopped => "stopped",
            Status::Interrupted => "interrupted",
            Status::Failed => "failed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The content of `summary.json` (and of `saddle run --json` lines).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Run id (directory name).
    pub id: String,
    /// Run name within its preset.
    pub name: String,
    /// Preset name.
    pub preset: String,
    /// Scheme and rule, e.g. `extragradient+adam`.
    pub method: String,
    /// Status.
    pub status: Status,
    /// The step at which it converged or diverged.
    pub status_step: Option<u64>,
    /// Iterations completed.
    pub step: u64,
    /// Iterations it runs to.
    pub steps: u64,
    /// Oracle calls so far.
    pub oracle_calls: u64,
    /// Seconds spent stepping (across resumes).
    pub wall_time: f64,
    /// The latest logged value of every metric; step, oracle calls and wall time are the
    /// fields above. Written as a number, or as `"NaN"`, `"Infinity"` or `"-Infinity"` (null
    /// could not tell a diverged metric from one not measured) and read back as such; None
    /// (null) where not measured.
    #[serde(with = "metric_values")]
    pub metrics: BTreeMap<String, Option<f64>>,
    /// What went wrong, for `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Summary {
    /// The run's `summary.json`; None before its first start, or when unreadable (being
    /// replaced never makes it unreadable: it is written atomically).
    pub fn read(dir: &RunDir) -> Option<Summary> {
        Summary::read_checked(dir).ok().flatten()
    }

    /// The run's `summary.json` (None before its first start), or why the file that is there
    /// cannot be read: [`Summary::read`] for those who must name a damaged file.
    pub fn read_checked(dir: &RunDir) -> std::result::Result<Option<Summary>, String> {
        let path = dir.file(SUMMARY);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("{}: not a run summary ({e})", path.display()))
    }

    /// Replaces the run's `summary.json` (pretty-printed) atomically.
    pub fn write(&self, dir: &RunDir) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::failure(e.to_string()))?;
        dir.replace(SUMMARY, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ±∞ and NaN are written as text and read back as themselves (`ls` shows a diverged
    /// run's `inf`, not `—`); numbers and the nulls of earlier files read as before.
    #[test]
    fn non_finite_metrics_are_text_in_the_file() {
        let mut s = Summary {
            id: "r".into(),
            name: "r".into(),
            preset: "p".into(),
            method: "sim".into(),
            status: Status::Diverged,
            status_step: Some(6),
            step: 6,
            steps: 20,
            oracle_calls: 6,
            wall_time: 0.1,
            metrics: BTreeMap::new(),
            message: None,
        };
        for (k, v) in [
            ("a", Some(f64::INFINITY)),
            ("b", Some(f64::NEG_INFINITY)),
            ("c", Some(f64::NAN)),
            ("d", Some(1.5)),
            ("e", None),
        ] {
            s.metrics.insert(k.into(), v);
        }
        let text = serde_json::to_string(&s).unwrap();
        assert!(
            text.contains(
                r#""metrics":{"a":"Infinity","b":"-Infinity","c":"NaN","d":1.5,"e":null}"#
            ),
            "{text}"
        );
        let back: Summary = serde_json::from_str(&text).unwrap();
        let values: Vec<String> = back.metrics.values().map(|v| format!("{v:?}")).collect();
        assert_eq!(
            values,
            ["Some(inf)", "Some(-inf)", "Some(NaN)", "Some(1.5)", "None"]
        );
    }
}

/// A metric as JSON: a number, or for the values JSON has no number for, the string
/// `"NaN"`, `"Infinity"` or `"-Infinity"` (the spellings JavaScript and Python print), so that
/// a diverged value stays in a file instead of looking like one not measured.
pub fn json_number(x: f64) -> serde_json::Value {
    match x {
        x if x.is_nan() => "NaN".into(),
        x if x.is_infinite() => (if x > 0.0 { "Infinity" } else { "-Infinity" }).into(),
        x => serde_json::json!(x),
    }
}

/// [`Summary::metrics`] in JSON: non-finite values as [`json_number`] writes them, read back
/// as those values (readers that average metrics leave non-finite ones out themselves).
mod metric_values {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(
        m: &BTreeMap<String, Option<f64>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let out: BTreeMap<&String, Option<Value>> = m
            .iter()
            .map(|(k, v)| (k, v.map(super::json_number)))
            .collect();
        out.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Option<f64>>, D::Error> {
        let m: BTreeMap<String, Option<Value>> = BTreeMap::deserialize(d)?;
        let number = |v: &Value| match v {
            Value::String(s) if s == "NaN" => Some(f64::NAN),
            Value::String(s) if s == "Infinity" => Some(f64::INFINITY),
            Value::String(s) if s == "-Infinity" => Some(f64::NEG_INFINITY),
            v => v.as_f64(),
        };
        Ok(m.into_iter()
            .map(|(k, v)| (k, v.as_ref().and_then(number)))
            .collect())
    }
}
