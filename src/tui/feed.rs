//! Keeps a [`RunData`] up to date from its run directory, cheaply: the growing files are read
//! incrementally with [`Tail`] (only the bytes appended since the last poll), the small
//! `summary.json` and the liveness probe at most once a second.

use super::graphics::Picture;
use super::job::Job;
use super::model::{RunData, RunStatus};
use super::panes::samples::SampleView;
use super::panes::Reads;
use super::sample_files;
use crate::run::events::EventRecord;
use crate::run::metrics::{parse_header, parse_row, X_COLUMNS};
use crate::run::records::RecordTail;
use crate::run::sample_files::pick;
use crate::run::spectrum_record::SpectrumRecord;
use crate::run::store::{RunDir, Tail, CONFIG, METRICS};
use crate::run::{RunConfig, Summary};
use crate::score::record::ScoreRecord;
use std::time::{Duration, Instant};

/// A sample file read and decoded: its view and, for a grid, the picture as written.
type SampleLoad = Result<(SampleView, Option<Picture>), String>;

/// A data plane read.
type PlaneLoad = Result<crate::run::plane::DataPlane, String>;

/// A load in flight, with the step it reads.
type Loading<T> = Option<(u64, Job<T>)>;

/// The result of the load in `slot` once its thread is done, with its step; the slot is
/// emptied then. A load whose thread panicked is an error.
fn finished<T: Send + 'static>(
    slot: &mut Loading<Result<T, String>>,
) -> Option<(u64, Result<T, String>)> {
    let result = slot.as_ref()?.1.poll()?;
    let (step, job) = slot.take()?;
    Some((
        step,
        result.unwrap_or_else(|| Err(format!("reading the {} failed", job.what))),
    ))
}

/// How often the summary and liveness are re-read.
const SLOW_EVERY: Duration = Duration::from_millis(500);

/// The reader of one run directory.
#[derive(Debug)]
pub struct RunFeed {
    dir: RunDir,
    metrics: Tail,
    events: RecordTail<EventRecord>,
    spectrum: Option<RecordTail<SpectrumRecord>>,
    scores: Option<RecordTail<ScoreRecord>>,
    system: Option<Tail>,
    samples: bool,
    plane: bool,
    /// Steps whose file could not be read (samples, plane): not retried before the next
    /// listing of `samples/` (a file may still be being written).
    failed: [Option<u64>; 2],
    /// The sample file and the plane being read and decoded off the UI thread, with their
    /// steps (a PNG grid of a large image GAN takes tens of milliseconds to decode).
    loading: (Loading<SampleLoad>, Loading<PlaneLoad>),
    header_read: bool,
    /// The x columns the table's header has: all of [`X_COLUMNS`], or the first three in a
    /// table written before `jv_equivalents` existed (its rows get that cell empty).
    x_cells: usize,
    last_slow: Option<Instant>,
    /// Lines of `metrics.csv` read (the header is line 1).
    line: u64,
    /// The step of the last row shown: the next must not be earlier.
    last_step: f64,
}

impl RunFeed {
    /// Starts reading `dir` from the beginning of its files: its config, metrics, events and
    /// summary, and what `reads` names (what the panes shown need).
    pub fn new(dir: RunDir, reads: &[Reads]) -> Self {
        RunFeed {
            metrics: Tail::new(dir.file(METRICS), 0),
            events: RecordTail::new(&dir),
            spectrum: reads
                .contains(&Reads::Spectrum)
                .then(|| RecordTail::new(&dir)),
            scores: reads
                .contains(&Reads::Scores)
                .then(|| RecordTail::new(&dir)),
            system: reads
                .contains(&Reads::System)
                .then(|| Tail::new(dir.file(crate::run::system::SYSTEM), 0)),
            samples: reads.contains(&Reads::Samples),
            plane: reads.contains(&Reads::Plane),
            failed: [None; 2],
            loading: (None, None),
            dir,
            header_read: false,
            x_cells: X_COLUMNS.len(),
            last_slow: None,
            line: 1,
            last_step: 0.0,
        }
    }

    /// The directory.
    pub fn dir(&self) -> &RunDir {
        &self.dir
    }

    /// A [`RunData`] for the directory with what its config says (name, steps, η, β), before
    /// anything else is read; the feed reads what `reads` names besides (see [`RunFeed::new`]).
    pub fn open(dir: RunDir, color: usize, reads: &[Reads]) -> (RunFeed, RunData) {
        let mut data = RunData::new(&dir.id(), &dir.id(), "", vec![], color);
        if let Ok(c) = dir
            .read(CONFIG)
            .and_then(|t| RunConfig::from_ron(&t, CONFIG))
        {
            // Bidi overrides in a name would reorder the row around it.
            data.name = crate::run::console::printable(&c.name).into_owned();
            data.steps = c.steps;
            data.eta = [c.eta.0.theta, c.eta.0.phi];
            data.beta = [c.beta.0.theta, c.beta.0.phi];
            data.method = c.method();
            data.config = Some(c);
        }
        data.dir = Some(dir.clone());
        (RunFeed::new(dir, reads), data)
    }

    /// Reads what was appended since the last call; true when anything changed. `now` lets
    /// tests drive the once-a-second reads.
    pub fn poll(&mut self, data: &mut RunData, now: Instant) -> bool {
        let mut changed = false;
        for line in self.metrics.poll() {
            if !self.header_read {
                let columns = parse_header(&line);
                self.x_cells = columns
                    .iter()
                    .zip(X_COLUMNS)
                    .take_while(|(c, x)| c.as_str() == *x)
                    .count();
                data.set_columns(columns.into_iter().skip(self.x_cells).collect());
                self.header_read = true;
                changed = true;
                continue;
            }
            self.line += 1;
            // The header again: the table was cut back and is read from its start (a resume
            // from an earlier checkpoint), so its steps start again too.
            if line.starts_with("step,") {
                self.line = 1;
                self.last_step = 0.0;
                data.clear_rows();
                changed = true;
                continue;
            }
            if let Some(mut row) = parse_row(&line, self.x_cells + data.columns.len()) {
                // One garbage row (a step of 10²², a word where a number goes) would stretch
                // the x axis past every real row or bend every curve: left out, and noted.
                let step_ok = row[0].is_some_and(|s| {
                    s.fract() == 0.0 && (0.0..=9.0e15).contains(&s) && s >= self.last_step
                });
                let cells_ok = line
                    .trim_end()
                    .split(',')
                    .zip(&row)
                    .all(|(c, v)| c.is_empty() || v.is_some());
                if !(step_ok && cells_ok) {
                    data.damaged_rows.push(self.line);
                    changed = true;
                    continue;
                }
                self.last_step = row[0].unwrap_or(0.0);
                for at in self.x_cells..X_COLUMNS.len() {
                    row.insert(at, None);
                }
                data.push_row(&row);
                changed = true;
            }
        }
        for e in self.events.poll() {
            data.push_event(&e);
            changed = true;
        }
        for p in self.spectrum.iter_mut().flat_map(|t| t.poll()) {
            data.push_spectrum(p);
            changed = true;
        }
        for r in self.scores.iter_mut().flat_map(|t| t.poll()) {
            data.push_score(r);
            changed = true;
        }
        for line in self.system.iter_mut().flat_map(|t| t.poll()) {
            if let Some(s) = crate::run::system::SystemSample::parse(&line) {
                data.push_system(s);
                changed = true;
            }
        }
        if self
            .last_slow
            .is_none_or(|t| now.duration_since(t) >= SLOW_EVERY)
        {
            self.last_slow = Some(now);
            changed |= self.poll_summary(data);
            if self.samples || self.plane {
                changed |= self.list_samples(data);
            }
        }
        changed |= self.load_samples(data);
        changed
    }

    /// Lists the steps of `samples/`; true when they changed.
    fn list_samples(&mut self, data: &mut RunData) -> bool {
        let (views, planes) = sample_files::steps(&self.dir);
        self.failed = [None; 2];
        let changed = views != data.sample_steps || planes != data.plane_steps;
        data.sample_steps = views;
        data.plane_steps = planes;
        changed
    }

    /// Loads the samples and the plane at the step [`RunData::samples_at`] asks for (the
    /// newest saved at or before it), when it is not the one loaded, on threads of their own;
    /// true when a load finished (or failed) and the screen must change. A file that cannot
    /// be read is named in [`RunData::sample_error`]. A load no longer wanted is dropped.
    fn load_samples(&mut self, data: &mut RunData) -> bool {
        let mut changed = false;
        if self.samples {
            let want = pick(&data.sample_steps, data.samples_at);
            let have = data.samples.as_ref().map(|(s, _)| *s);
            let wanted = want.filter(|w| Some(*w) != have && Some(*w) != self.failed[0]);
            if wanted != self.loading.0.as_ref().map(|(s, _)| *s) {
                let game = data.config.as_ref().map(|c| c.game.clone());
                self.loading.0 = wanted.map(|step| {
                    let dir = self.dir.clone();
                    let job = Job::spawn(format!("samples of step {step}"), move |_| {
                        sample_files::load_step(&dir, step, game.as_ref())
                    });
                    (step, job)
                });
            }
            if let Some((step, result)) = finished(&mut self.loading.0) {
                match result {
                    Ok((view, picture)) => {
                        data.samples = Some((step, view));
                        data.picture = picture.map(std::sync::Arc::new);
                        data.sample_error = None;
                    }
                    Err(e) => {
                        self.failed[0] = Some(step);
                        data.sample_error = Some(e);
                    }
                }
                changed = true;
            }
        }
        if self.plane {
            let want = pick(&data.plane_steps, data.samples_at);
            let have = data.plane.as_ref().map(|p| p.step);
            let wanted = want.filter(|w| Some(*w) != have && Some(*w) != self.failed[1]);
            if wanted != self.loading.1.as_ref().map(|(s, _)| *s) {
                self.loading.1 = wanted.map(|step| {
                    let dir = self.dir.clone();
                    let job = Job::spawn(format!("data plane of step {step}"), move |_| {
                        crate::run::plane::read(&dir, step)
                    });
                    (step, job)
                });
            }
            if let Some((step, result)) = finished(&mut self.loading.1) {
                match result {
                    Ok(p) => {
                        data.plane = Some(p);
                        data.sample_error = None;
                    }
                    Err(e) => {
                        self.failed[1] = Some(step);
                        data.sample_error = Some(e);
                    }
                }
                changed = true;
            }
        }
        changed
    }

    /// True while a sample file or plane is being read off the UI thread.
    pub fn loading(&self) -> bool {
        self.loading.0.is_some() || self.loading.1.is_some()
    }

    fn poll_summary(&mut self, data: &mut RunData) -> bool {
        let before = (data.status, data.step, data.steps, data.method.clone());
        let live = self.dir.is_live();
        if matches!(self.dir.path.try_exists(), Ok(false)) {
            data.status = RunStatus::Missing;
            return before.0 != data.status;
        }
        match Summary::read(&self.dir) {
            Some(s) => {
                data.status = if !s.status.is_final() && !live {
                    RunStatus::Crashed
                } else {
                    match data.status {
                        // The event log is fresher than a summary written up to a second ago.
                        RunStatus::Known(e) if e.is_final() || live => RunStatus::Known(e),
                        _ => RunStatus::Known(s.status),
                    }
                };
                data.step = data.step.max(s.step);
                data.steps = s.steps;
                data.oracle_calls = data.oracle_calls.max(s.oracle_calls);
                data.wall_time = data.wall_time.max(s.wall_time);
                data.method = s.method;
                data.name = crate::run::console::printable(&s.name).into_owned();
            }
            None => {
                data.status = if live {
                    RunStatus::Starting
                } else {
                    RunStatus::Created
                };
            }
        }
        before != (data.status, data.step, data.steps, data.method.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::store::{EVENTS, SPECTRUM};

    /// A run directory removed while attached says `missing` (it showed `created`, keeping
    /// its old rows as if it had never started), and its run again when it is back.
    #[test]
    fn a_directory_gone_while_attached_is_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path(), "r").unwrap();
        dir.replace(
            crate::run::store::SUMMARY,
            br#"{"name":"r","method":"sim","status":"finished","step":5,"steps":5,"oracle_calls":5,"wall_time":0.1}"#,
        )
        .unwrap();
        let (mut feed, mut data) = RunFeed::open(dir.clone(), 0, &[]);
        feed.poll_summary(&mut data);
        let moved = tmp.path().join("elsewhere");
        std::fs::rename(&dir.path, &moved).unwrap();
        assert!(feed.poll_summary(&mut data));
        assert_eq!(data.status.word(), "missing");
        std::fs::rename(&moved, &dir.path).unwrap();
        feed.poll_summary(&mut data);
        assert_ne!(data.status.word(), "missing");
    }

    #[test]
    fn rows_events_and_spectra_are_read_incrementally() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: tmp.path().to_path_buf(),
        };
        let m = dir.file(METRICS);
        std::fs::write(
            &m,
            "step,oracle_calls,wall_time,loss_theta,eta_theta,beta_phi\n0,0,0,1,0.2,0\n5,5,0.1,",
        )
        .unwrap();
        let (mut feed, mut data) = RunFeed::open(dir.clone(), 3, &crate::tui::panes::reads());
        let t0 = Instant::now();
        assert!(feed.poll(&mut data, t0));
        // A table from before `jv_equivalents` (three x columns) still reads.
        assert_eq!(data.columns, ["loss_theta", "eta_theta", "beta_phi"]);
        assert_eq!(data.series.rows(), 1, "the torn row waits");
        assert_eq!(data.status, RunStatus::Created);
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&m).unwrap();
        writeln!(f, "0.5,0.2,-0.5").unwrap();
        dir.append_line(EVENTS, r#"{"step":5,"time":1.0,"event":"started"}"#)
            .unwrap();
        dir.append_line(
            EVENTS,
            r#"{"step":5,"time":1.0,"event":"set","param":"beta.phi","old":0.0,"new":-0.5}"#,
        )
        .unwrap();
        dir.append_line(SPECTRUM, r#"{"step":0,"jacobian":[[0,1],[0,-1]],"operator":[[1,0.2]],"spectral_radius":1.02,"note":null}"#).unwrap();
        assert!(feed.poll(&mut data, t0));
        assert_eq!(data.series.rows(), 2);
        assert_eq!(data.step, 5);
        assert_eq!(data.beta[1], -0.5);
        assert_eq!(data.markers.len(), 1);
        assert_eq!(data.events.len(), 2, "the log, as written");
        assert_eq!(data.status, RunStatus::Known(crate::run::Status::Running));
        assert_eq!(data.spectrum.as_ref().unwrap().jacobian.len(), 2);
        assert!(!feed.poll(&mut data, t0), "nothing new");
        // A garbage row (a step past any run, a word for a number) and a step going back are
        // left out and noted by line; the rows after them are read.
        writeln!(f, "9999999999999999999999,abc,,,,").unwrap();
        writeln!(f, "10,10,0.2,abc,0.2,-0.5").unwrap();
        writeln!(f, "3,3,0.2,0.4,0.2,-0.5").unwrap();
        writeln!(f, "10,10,0.2,0.4,0.2,-0.5").unwrap();
        assert!(feed.poll(&mut data, t0));
        assert_eq!(data.damaged_rows, [4, 5, 6]);
        assert_eq!(data.series.rows(), 3);
        assert_eq!(data.step, 10);
        // A table cut back and written again from its header starts its steps again.
        std::fs::write(
            &m,
            "step,oracle_calls,wall_time,loss_theta,eta_theta,beta_phi\n0,0,0,1,0.2,0\n",
        )
        .unwrap();
        assert!(feed.poll(&mut data, t0));
        assert!(data.damaged_rows.is_empty(), "{:?}", data.damaged_rows);
        assert_eq!(data.series.rows(), 1, "the rows of the new table only");
        // Replaced by a rename with a longer table than was read: read from its start too.
        let longer = dir.file("longer.csv");
        std::fs::write(
            &longer,
            "step,oracle_calls,wall_time,loss_theta,eta_theta,beta_phi\n0,0,0,1,0.2,0\n5,5,0,1,0.2,0\n10,10,0,1,0.2,0\n15,15,0,1,0.2,0\n",
        )
        .unwrap();
        std::fs::rename(&longer, &m).unwrap();
        assert!(feed.poll(&mut data, t0));
        assert!(data.damaged_rows.is_empty(), "{:?}", data.damaged_rows);
        assert_eq!(data.series.rows(), 4);
    }
}
