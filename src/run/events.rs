//! `events.jsonl`: every lifecycle and control event of a run, with the step at which it took
//! effect — what `replay` and `resume` read back.

use super::control::Change;
use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The run started from its config.
    Started,
    /// The run continued from a checkpoint.
    Resumed {
        /// Step of the checkpoint.
        checkpoint: u64,
        /// Total steps it now runs to.
        steps: u64,
    },
    /// A parameter changed before the iteration numbered `step`.
    Set(Change),
    /// A command was refused; the run is untouched.
    Refused {
        /// The command, as received.
        command: String,
        /// Why.
        reason: String,
    },
    /// Stepping paused.
    Pause,
    /// Stepping resumed.
    Resume,
    /// A checkpoint was written.
    Checkpoint,
    /// Something the run went on despite, said once here and on stderr (a checkpoint that
    /// could not be read and was set aside, a restart from step 0).
    Warning {
        /// What happened, with the files concerned.
        message: String,
    },
    /// A fork re-simulates its source from the checkpoint before its branching step, with the
    /// source's parameters, up to `until`; its own parameters apply from there.
    Replaying {
        /// The fork's branching step.
        until: u64,
    },
    /// The run ended.
    Ended {
        /// Final status.
        status: super::Status,
    },
}

/// One line of `events.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Iterations completed when the event took effect.
    pub step: u64,
    /// Unix time (seconds).
    pub time: f64,
    /// Who asked (`control-file`, `channel`, `replay`, `fork`, …), for control events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The request id of the command that caused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// The event.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Reads an `events.jsonl` text, skipping a torn last line.
pub fn parse_events(text: &str) -> Vec<EventRecord> {
    <EventRecord as super::records::JsonLine>::parse_all(text)
}

/// The parameter changes of an event log, in order: (step, param, value).
pub fn scheduled_changes(events: &[EventRecord]) -> Vec<(u64, String, f64)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Set(c) => Some((e.step, c.param.clone(), c.new)),
            _ => None,
        })
        .collect()
}
