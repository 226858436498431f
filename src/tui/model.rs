//! What the dashboard knows of one run: plain data, filled by [`super::feed`] from the run
//! directory (or directly by tests and benchmarks), read by the panes.

use super::series::{SeriesStore, XAxis, DEFAULT_CAPACITY};
use crate::run::events::{EventKind, EventRecord};
use crate::run::metrics::{BETA_PHI, BETA_THETA, ETA_PHI, ETA_THETA, X_COLUMNS};
use crate::run::spectrum_record::SpectrumRecord;
use crate::run::store::RunDir;
use crate::run::{RunConfig, Status};
use crate::score::record::ScoreRecord;

/// A change of η or β seen in the run's event log: drawn as a marker on the curves.
#[derive(Clone, Debug, PartialEq)]
pub struct HyperMarker {
    /// Iterations completed when the change took effect.
    pub step: u64,
    /// Canonical parameter name (`eta.theta`, `beta.phi`, …).
    pub param: String,
    /// Value after the change.
    pub value: f64,
}

/// A run's status as the dashboard shows it: the summary's status, or what liveness says
/// before there is one or after its process died.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    /// Created, no process has started it.
    Created,
    /// A process holds it but has not written a summary yet.
    Starting,
    /// A status from `summary.json` or `events.jsonl`.
    Known(Status),
    /// Running or paused according to its files, but no process drives it any more.
    Crashed,
    /// Its directory is gone (deleted or moved while attached): what is shown is what was
    /// read before.
    Missing,
}

impl RunStatus {
    /// The word shown in the runs table (the same words as `saddle ls`).
    pub fn word(self) -> &'static str {
        match self {
            RunStatus::Created => "created",
            RunStatus::Starting => "starting",
            RunStatus::Known(s) => s.as_str(),
            RunStatus::Crashed => "crashed",
            RunStatus::Missing => "missing",
        }
    }

    /// True when a process is stepping it or holding it paused (commands can reach it).
    pub fn is_live(self) -> bool {
        matches!(
            self,
            RunStatus::Starting | RunStatus::Known(Status::Running | Status::Paused)
        )
    }
}

/// Everything the dashboard holds about one run.
#[derive(Clone, Debug)]
pub struct RunData {
    /// Directory name.
    pub id: String,
    /// Name within its preset.
    pub name: String,
    /// Scheme × rule label.
    pub method: String,
    /// Its directory (None for runs made up by tests).
    pub dir: Option<RunDir>,
    /// Its resolved config, when `config.ron` could be read.
    pub config: Option<RunConfig>,
    /// Status.
    pub status: RunStatus,
    /// Iterations completed.
    pub step: u64,
    /// Iterations it runs to.
    pub steps: u64,
    /// Gradient evaluations so far.
    pub oracle_calls: u64,
    /// Seconds spent stepping.
    pub wall_time: f64,
    /// η in force, (θ, φ).
    pub eta: [f64; 2],
    /// β in force, (θ, φ).
    pub beta: [f64; 2],
    /// Value column names: the `metrics.csv` header without step, oracle_calls, wall_time.
    pub columns: Vec<String>,
    /// Downsampled history of those columns.
    pub series: SeriesStore,
    /// Changes of η and β, in order.
    pub markers: Vec<HyperMarker>,
    /// The newest eigenvalues.
    pub spectrum: Option<SpectrumRecord>,
    /// The samples shown (GAN games): the newest the run wrote, or those at or before
    /// [`RunData::samples_at`], and the step they were taken at.
    pub samples: Option<(u64, super::panes::samples::SampleView)>,
    /// The image grid shown, as written (image GANs): what the samples pane draws in real
    /// pixels on terminals with an image protocol.
    pub picture: Option<std::sync::Arc<super::graphics::Picture>>,
    /// Steps with a sample file (`points-*.csv` or `grid-*.png`), ascending.
    pub sample_steps: Vec<u64>,
    /// The data plane shown (2-D GANs), chosen as [`RunData::samples`] is.
    pub plane: Option<crate::run::plane::DataPlane>,
    /// Steps with a data plane (`plane-*.json`), ascending.
    pub plane_steps: Vec<u64>,
    /// Which saved step to show (the newest at or before it); None: the newest. The
    /// dashboard copies its time cursor here before each read.
    pub samples_at: Option<u64>,
    /// Why the sample file or plane wanted could not be read (it names the file).
    pub sample_error: Option<String>,
    /// Rows of `metrics.csv` left out as damaged (a step that is not a whole number at or
    /// after the one before, or a cell that is not a number), by line, for the overview.
    pub damaged_rows: Vec<u64>,
    /// The newest refusal of a command, with its reason.
    pub last_refusal: Option<String>,
    /// The newest [`EVENTS_KEPT`] events of its log, in order.
    pub events: Vec<EventRecord>,
    /// Its live scores (`scores.jsonl`), in the order written.
    pub scores: Vec<ScoreRecord>,
    /// The newest [`SYSTEM_KEPT`] rows of its `system.csv`, in order.
    pub system: std::collections::VecDeque<crate::run::system::SystemSample>,
    /// Palette index, fixed when the run was attached.
    pub color: usize,
    /// A fork re-simulating its source up to its branching step: that step (η and β then
    /// hold the values the fork takes there, not the source's it replays with).
    pub replaying_to: Option<u64>,
    /// Value-column indices of eta_theta, eta_phi, beta_theta, beta_phi.
    hyper_cols: [Option<usize>; 4],
}

/// Events kept per run: more than a screen shows, and a bound on what a run that logs a
/// change every few steps (a long replay) costs the dashboard.
pub const EVENTS_KEPT: usize = 256;

/// System samples kept per run: at the default 10 s, almost three hours.
pub const SYSTEM_KEPT: usize = 1024;

/// Cells of a metrics row before its value columns: step, gradient evaluations, wall time,
/// J·v-equivalents.
const X: usize = X_COLUMNS.len();

/// The value-column indices of η and β, in the order of [`RunData::eta`] then [`RunData::beta`].
fn hyper_cols(columns: &[String]) -> [Option<usize>; 4] {
    [ETA_THETA, ETA_PHI, BETA_THETA, BETA_PHI].map(|name| columns.iter().position(|c| c == name))
}

impl RunData {
    /// An empty run with the given value columns.
    pub fn new(id: &str, name: &str, method: &str, columns: Vec<String>, color: usize) -> Self {
        let n = columns.len();
        RunData {
            hyper_cols: hyper_cols(&columns),
            id: id.into(),
            name: name.into(),
            method: method.into(),
            dir: None,
            config: None,
            status: RunStatus::Created,
            step: 0,
            steps: 0,
            oracle_calls: 0,
            wall_time: 0.0,
            eta: [f64::NAN; 2],
            beta: [f64::NAN; 2],
            columns,
            series: SeriesStore::new(n, DEFAULT_CAPACITY),
            markers: vec![],
            spectrum: None,
            samples: None,
            picture: None,
            sample_steps: vec![],
            plane: None,
            plane_steps: vec![],
            samples_at: None,
            sample_error: None,
            damaged_rows: vec![],
            last_refusal: None,
            events: vec![],
            scores: vec![],
            system: Default::default(),
            color,
            replaying_to: None,
        }
    }

    /// Index of a value column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Replaces the value columns (a header was read): the history restarts.
    pub fn set_columns(&mut self, columns: Vec<String>) {
        if columns != self.columns || self.series.columns() != columns.len() {
            self.series = SeriesStore::new(columns.len(), DEFAULT_CAPACITY);
            self.hyper_cols = hyper_cols(&columns);
            self.columns = columns;
        }
    }

    /// Forgets the rows taken (the table was written again from its header) and what was
    /// noted of them.
    pub fn clear_rows(&mut self) {
        self.series = SeriesStore::new(self.columns.len(), DEFAULT_CAPACITY);
        self.damaged_rows.clear();
    }

    /// Takes one metrics row (x columns first, then one value per value column).
    pub fn push_row(&mut self, row: &[Option<f64>]) {
        if row.len() != X + self.columns.len() {
            return;
        }
        let step = row[0].unwrap_or(f64::NAN);
        let x = [
            step,
            row[1].unwrap_or(f64::NAN),
            row[2].unwrap_or(f64::NAN),
            row[3].unwrap_or(f64::NAN),
        ];
        self.series.push(x, &row[X..]);
        if step.is_finite() {
            self.step = self.step.max(step as u64);
        }
        let replaying = self.replaying_to.is_some_and(|u| self.step < u);
        if !replaying {
            self.replaying_to = None;
        }
        if let Some(o) = row[1] {
            self.oracle_calls = self.oracle_calls.max(o as u64);
        }
        if let Some(w) = row[2] {
            self.wall_time = self.wall_time.max(w);
        }
        for (k, c) in self.hyper_cols.iter().enumerate() {
            if replaying {
                break;
            }
            if let Some(v) = c.and_then(|i| row[X + i]) {
                if k < 2 {
                    self.eta[k] = v;
                } else {
                    self.beta[k - 2] = v;
                }
            }
        }
    }

    /// Takes one event of the run's log.
    pub fn push_event(&mut self, e: &EventRecord) {
        // Events are written at once, metrics rows may still sit in the run's buffer; a
        // fork's planned events lie ahead of a replay and say nothing of its progress.
        if self.replaying_to.is_none_or(|u| e.step < u) {
            self.step = self.step.max(e.step);
        }
        match &e.kind {
            EventKind::Started | EventKind::Resumed { .. } | EventKind::Resume => {
                self.status = RunStatus::Known(Status::Running)
            }
            EventKind::Pause => self.status = RunStatus::Known(Status::Paused),
            EventKind::Ended { status } => self.status = RunStatus::Known(*status),
            EventKind::Set(c) => {
                let k = if c.param.ends_with("theta") { 0 } else { 1 };
                if c.param.starts_with("eta.") {
                    self.eta[k] = c.new;
                } else if c.param.starts_with("beta.") {
                    self.beta[k] = c.new;
                }
                if c.param.starts_with("eta.") || c.param.starts_with("beta.") {
                    self.markers.push(HyperMarker {
                        step: e.step,
                        param: c.param.clone(),
                        value: c.new,
                    });
                }
            }
            EventKind::Refused { command, reason } => {
                self.last_refusal = Some(format!("{command} refused at step {}: {reason}", e.step));
            }
            EventKind::Replaying { until } => {
                if self.step < *until {
                    self.replaying_to = Some(*until);
                }
            }
            EventKind::Checkpoint | EventKind::Warning { .. } => {}
        }
        if self.events.len() == EVENTS_KEPT {
            self.events.remove(0);
        }
        self.events.push(e.clone());
    }

    /// Takes one line of `spectrum.jsonl`.
    pub fn push_spectrum(&mut self, p: SpectrumRecord) {
        self.spectrum = Some(p);
    }

    /// Takes one line of `scores.jsonl`.
    pub fn push_score(&mut self, r: ScoreRecord) {
        self.scores.push(r);
    }

    /// Adds a row of `system.csv`, dropping the oldest beyond [`SYSTEM_KEPT`].
    pub fn push_system(&mut self, s: crate::run::system::SystemSample) {
        if self.system.len() == SYSTEM_KEPT {
            self.system.pop_front();
        }
        self.system.push_back(s);
    }

    /// The newest value of a column.
    pub fn last(&self, name: &str) -> Option<f64> {
        self.series.last_value(self.column(name)?)
    }

    /// Where the x axis ends for this run: its planned steps (so curves do not rescale as the
    /// run advances), or the newest x on other axes.
    pub fn x_extent(&self, axis: XAxis) -> f64 {
        match axis {
            XAxis::Step => self.steps.max(self.step) as f64,
            _ => self.series.last_x(axis).unwrap_or(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_events_are_kept_in_order() {
        let mut r = RunData::new("id", "run", "m", vec![], 0);
        for step in 0..(EVENTS_KEPT as u64 + 10) {
            r.push_event(&EventRecord {
                step,
                time: 0.0,
                source: None,
                request: None,
                kind: EventKind::Checkpoint,
            });
        }
        assert_eq!(r.events.len(), EVENTS_KEPT);
        assert_eq!(r.events[0].step, 10);
        assert_eq!(r.events.last().unwrap().step, EVENTS_KEPT as u64 + 9);
    }

    /// Issue 13 item 13: a fork re-simulating its source up to step 100 says so, and keeps the
    /// η it takes at 100 instead of the source's values its replayed rows carry.
    #[test]
    fn a_fork_replaying_its_source_shows_the_step_it_replays_to() {
        use crate::run::metrics::{ETA_PHI, ETA_THETA, X_COLUMNS};
        let columns = vec![ETA_THETA.to_string(), ETA_PHI.to_string()];
        let mut r = RunData::new("id", "fork", "m", columns, 0);
        r.eta = [0.05, 0.05];
        let event = |step, kind| EventRecord {
            step,
            time: 0.0,
            source: Some("fork".into()),
            request: None,
            kind,
        };
        r.push_event(&event(0, EventKind::Replaying { until: 100 }));
        // The fork's planned change at 100 lies ahead: it says nothing of the progress.
        r.push_event(&event(100, EventKind::Checkpoint));
        assert_eq!((r.replaying_to, r.step), (Some(100), 0));
        let row = |step: f64, eta: f64| {
            let mut v = vec![Some(step); X_COLUMNS.len()];
            v.extend([Some(eta), Some(eta)]);
            v
        };
        r.push_row(&row(50.0, 0.2));
        assert_eq!(
            (r.replaying_to, r.step, r.eta),
            (Some(100), 50, [0.05, 0.05])
        );
        r.push_row(&row(100.0, 0.05));
        assert_eq!((r.replaying_to, r.step, r.eta), (None, 100, [0.05, 0.05]));
        r.push_row(&row(105.0, 0.07));
        assert_eq!(r.eta, [0.07, 0.07]);
    }
}
