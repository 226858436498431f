//! Observers: whoever wants to watch a run (the headless progress printer, tests, a
//! dashboard in the same process) without the engine knowing who they are. Observers see
//! copies; they can never change the run.

use super::events::EventRecord;
use super::metrics::{format_value, Row, DISTANCE_TO_EQUILIBRIUM, FIELD_NORM};
use super::summary::Summary;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Receives a run's typed events, on the run's thread. Every hook defaults to doing nothing.
pub trait Observer: Send {
    /// The run starts (or resumes); `columns` names the cells of every row.
    fn started(&mut self, _id: &str, _columns: &[String]) {}
    /// A metrics row was logged.
    fn row(&mut self, _row: &Row) {}
    /// An event was recorded.
    fn event(&mut self, _e: &EventRecord) {}
    /// The run ended.
    fn ended(&mut self, _s: &Summary) {}
}

/// Prints one progress line per run to stderr at most every `interval`, and the outcome.
pub struct Progress {
    label: String,
    columns: Vec<String>,
    interval: Duration,
    last: Option<Instant>,
    out: Arc<Mutex<std::io::Stderr>>,
    steps: u64,
}

impl Progress {
    /// A printer for run `label` (of `steps` iterations) sharing `out` with the other runs.
    pub fn new(label: &str, steps: u64, out: Arc<Mutex<std::io::Stderr>>) -> Self {
        Progress {
            label: label.to_string(),
            columns: vec![],
            interval: Duration::from_secs(2),
            last: None,
            out,
            steps,
        }
    }

    fn say(&self, line: &str) {
        let mut o = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(o, "{line}");
    }
}

impl Observer for Progress {
    fn started(&mut self, _id: &str, columns: &[String]) {
        self.columns = columns.to_vec();
        self.last = Some(Instant::now());
    }

    fn row(&mut self, row: &Row) {
        if self.last.is_some_and(|t| t.elapsed() < self.interval) {
            return;
        }
        self.last = Some(Instant::now());
        let show = |name: &str| {
            self.columns
                .iter()
                .position(|c| c == name)
                .and_then(|i| row[i])
                .map(|v| format!(" {name} {}", format_value(Some(v))))
                .unwrap_or_default()
        };
        self.say(&format!(
            "[{}] step {}/{}{}{}",
            self.label,
            row[0].unwrap_or(0.0),
            self.steps,
            show(DISTANCE_TO_EQUILIBRIUM),
            show(FIELD_NORM)
        ));
    }

    fn ended(&mut self, s: &Summary) {
        let at = s
            .status_step
            .map(|t| format!(" at step {t}"))
            .unwrap_or_default();
        self.say(&format!(
            "[{}] {}{at} ({} steps, {} oracle calls, {:.2} s) → {}",
            self.label, s.status, s.step, s.oracle_calls, s.wall_time, s.id
        ));
    }
}
