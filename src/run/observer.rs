//! Observers: whoever wants to watch a run (the headless progress printer, tests, a
//! dashboard in the same process) without the engine knowing who they are. Observers see
//! copies; they can never change the run.

use super::console::{duration, sig3, Console, Shared};
use super::events::EventRecord;
use super::metrics::{Row, DISTANCE_TO_EQUILIBRIUM, FIELD_NORM};
use super::summary::Summary;
use std::time::{Duration, Instant};

/// Receives a run's typed events, on the run's thread. Every hook defaults to doing nothing.
pub trait Observer: Send {
    /// The run starts (or resumes); `columns` names the cells of every row.
    fn started(&mut self, _id: &str, _columns: &[String]) {}
    /// A metrics row was logged.
    fn row(&mut self, _row: &Row) {}
    /// The run is at step `step` (said a few times a second, between rows).
    fn progress(&mut self, _step: u64) {}
    /// An event was recorded.
    fn event(&mut self, _e: &EventRecord) {}
    /// The run ended.
    fn ended(&mut self, _s: &Summary) {}
}

/// Reports one run's progress to a [`Console`]: on a terminal a bar redrawn a few times a
/// second, piped a line every [`PIPED_EVERY`]; each says the step, the share done, steps per
/// second, the time left at that pace and the newest distance to equilibrium and ‖F‖ (three
/// significant digits). The outcome is always a line.
pub struct Progress {
    label: String,
    columns: Vec<String>,
    console: Shared,
    steps: u64,
    /// The first step seen and when: the pace is measured from there (a resumed run starts
    /// past 0).
    origin: Option<(u64, Instant)>,
    /// The newest step seen.
    step: u64,
    /// The newest distance to equilibrium and ‖F‖.
    values: [Option<f64>; 2],
    last: Option<Instant>,
}

/// How often a piped progress line is printed.
pub const PIPED_EVERY: Duration = Duration::from_secs(5);
/// How often a bar is redrawn.
pub const BAR_EVERY: Duration = Duration::from_millis(250);
/// Cells of a bar.
const BAR: usize = 20;

impl Progress {
    /// A reporter for run `label` (of `steps` iterations) on `console`.
    pub fn new(label: &str, steps: u64, console: Shared) -> Self {
        Progress {
            label: label.to_string(),
            columns: vec![],
            console,
            steps,
            origin: None,
            step: 0,
            values: [None; 2],
            last: None,
        }
    }

    fn console(&self) -> std::sync::MutexGuard<'_, Console> {
        self.console.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The progress text (without the label), as of `now`.
    pub fn text(&self, now: Instant, bar: bool) -> String {
        let (t, n) = (self.step, self.steps.max(1));
        let share = (t as f64 / n as f64).clamp(0.0, 1.0);
        let mut out = String::new();
        if bar {
            let full = (share * BAR as f64).round() as usize;
            out.push_str(&"█".repeat(full));
            out.push_str(&"░".repeat(BAR - full));
            out.push(' ');
        } else {
            out.push_str("step ");
        }
        out.push_str(&format!("{t}/{} {:.0}%", self.steps, 100.0 * share));
        if let Some((t0, at)) = self.origin {
            let secs = now.duration_since(at).as_secs_f64();
            if t > t0 && secs > 0.0 {
                let rate = (t - t0) as f64 / secs;
                out.push_str(&format!(" · {} steps/s", sig3(rate)));
                if t < self.steps {
                    out.push_str(&format!(
                        " · ETA {}",
                        duration((self.steps - t) as f64 / rate)
                    ));
                }
            }
        }
        for (name, v) in [DISTANCE_TO_EQUILIBRIUM, FIELD_NORM]
            .iter()
            .zip(self.values)
        {
            if let Some(v) = v {
                out.push_str(&format!(" · {name} {}", sig3(v)));
            }
        }
        out
    }

    fn report(&mut self, force: bool) {
        let now = Instant::now();
        let tty = self.console().is_tty();
        let every = if tty { BAR_EVERY } else { PIPED_EVERY };
        if !force && self.last.is_some_and(|l| now.duration_since(l) < every) {
            return;
        }
        self.last = Some(now);
        let text = self.text(now, tty);
        let label = self.label.clone();
        if tty {
            self.console()
                .bar(&label, Some(format!("[{label}] {text}")));
        } else {
            self.console().line(&format!("[{label}] {text}"));
        }
    }

    fn at(&mut self, step: u64) {
        self.step = self.step.max(step);
        if self.origin.is_none() {
            self.origin = Some((step, Instant::now()));
        }
    }
}

impl Observer for Progress {
    fn started(&mut self, _id: &str, columns: &[String]) {
        self.columns = columns.to_vec();
    }

    fn progress(&mut self, step: u64) {
        self.at(step);
        self.report(false);
    }

    fn row(&mut self, row: &Row) {
        let cell = |name: &str| {
            self.columns
                .iter()
                .position(|c| c == name)
                .and_then(|i| row[i])
        };
        self.values = [cell(DISTANCE_TO_EQUILIBRIUM), cell(FIELD_NORM)];
        let first = self.origin.is_none();
        self.at(row[0].unwrap_or(0.0) as u64);
        // The first row says at once that the run is under way.
        self.report(first);
    }

    fn ended(&mut self, s: &Summary) {
        let at = s
            .status_step
            .map(|t| format!(" at step {t}"))
            .unwrap_or_default();
        let label = self.label.clone();
        let mut c = self.console();
        c.bar(&label, None);
        c.line(&format!(
            "[{}] {}{at} ({} steps, {} oracle calls, {}) → {}",
            self.label,
            s.status,
            s.step,
            s.oracle_calls,
            duration(s.wall_time),
            s.id
        ));
        // Why a run failed is said where it ended, not only in its summary.json.
        if let Some(m) = &s.message {
            c.line(&format!("[{}] {m}", self.label));
        }
    }
}
