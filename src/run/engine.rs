//! The step loop of one run. It knows nothing of any user interface: it writes the run
//! directory and tells its observers.
//!
//! Opening a run (new or resumed) is [`open`]'s. [`Engine::run`] is a short loop over parts
//! that each own their state: [`metrics_log`]
//! (the columns and values of `metrics.csv`, from one list), [`spectrum_log`]
//! (`spectrum.jsonl`), [`scoring`] (the hand-off to live scoring), [`signals`], [`steering`]
//! (commands, scheduled changes, pause), [`cadence`] (adaptive polling, flushing, pacing),
//! [`checkpointer`] (checkpoints and weight exports), [`samples`] and [`journal`] (the event
//! log and the observers).

pub mod cadence;
pub mod checkpointer;
pub mod journal;
pub mod metrics_log;
mod opening;
pub mod samples;
pub mod scoring;
pub mod signals;
pub mod spectrum_log;
pub mod steering;

pub use opening::{check_resumable, create_dir, initial_state, open, Opening};
pub use signals::{install_interrupt_handlers, install_signal_handlers, interrupted, Interrupt};
pub use spectrum_log::network_note;

use super::checkpoint::RunState;
use super::config::RunConfig;
use super::control::{ControlSource, Live, Request};
use super::events::EventKind;
use super::metrics::MetricsTable;
use super::observer::Observer;
use super::store::{RunDir, RunLock, METRICS};
use super::summary::{Status, Summary};
use crate::error::Result;
use crate::game::Game;
use crate::optim::Note;
use crate::optim::{Optimizer, Scratch};
use crate::players::{Player, Players};
use crate::run::system::{self, SystemSampler};
use crate::vector::ParamVec;
use cadence::{Cadence, Chores};
use checkpointer::Checkpointer;
use journal::Journal;
use metrics_log::MetricsLog;
use samples::Samples;
use scoring::Scoring;
use serde::de::DeserializeOwned;
use serde::Serialize;
use spectrum_log::SpectrumLog;
use std::time::Instant;
use steering::{request_id, Act, Steering};

/// One run being driven by this process, on parameters stored as `V`.
pub struct Engine<V: ParamVec> {
    /// Its directory.
    pub dir: RunDir,
    /// Its configuration.
    pub config: RunConfig,
    game: Box<dyn Game<V = V>>,
    opt: Optimizer,
    /// Its current state.
    pub state: RunState<V>,
    scratch: Scratch<V>,
    probe: Players<V>,
    metrics: MetricsLog,
    /// The methods' live parameters traced in the metrics, in column order.
    params: Vec<String>,
    /// The methods' notes in the metrics, in column order.
    notes: Vec<Note>,
    spectrum: SpectrumLog,
    journal: Journal,
    steering: Steering,
    checkpoints: Checkpointer,
    scoring: Scoring,
    samples: Samples,
    interrupt: Interrupt,
    /// What opening the run went on despite (unreadable checkpoints, a repaired table).
    warnings: Vec<String>,
    outcome: Outcome,
    _lock: RunLock,
}

/// Where the run stands, as its summary tells it.
struct Outcome {
    status: Status,
    /// The step at which it converged or diverged.
    status_step: Option<u64>,
    /// What went wrong, for `failed`.
    message: Option<String>,
}

/// Seconds spent stepping, across resumes: the time before this start plus this start's.
struct Clock {
    started: Instant,
    before: f64,
}

impl Clock {
    fn start(before: f64) -> Self {
        Clock {
            started: Instant::now(),
            before,
        }
    }

    fn now(&self) -> f64 {
        self.before + self.started.elapsed().as_secs_f64()
    }
}

/// A run being driven, whatever its parameter storage: what the command line and the worker
/// need of an [`Engine`].
pub trait Drive: Send {
    /// Adds an observer.
    fn observe(&mut self, o: Box<dyn Observer>);
    /// Adds a source of commands.
    fn control(&mut self, c: Box<dyn ControlSource>);
    /// Runs to the end; see [`Engine::run`].
    fn run(&mut self) -> Result<Summary>;
    /// The run's configuration.
    fn config(&self) -> &RunConfig;
    /// The run's directory.
    fn dir(&self) -> &RunDir;
    /// The iterations it runs to.
    fn target_steps(&self) -> u64;
    /// Its summary as it stands.
    fn summary(&self) -> Summary;
    /// What opening it went on despite (each also an event of its log), for stderr.
    fn warnings(&self) -> &[String];
}

impl<V: ParamVec + Serialize + DeserializeOwned> Drive for Engine<V> {
    fn observe(&mut self, o: Box<dyn Observer>) {
        self.journal.observe(o);
    }
    fn control(&mut self, c: Box<dyn ControlSource>) {
        self.steering.add(c);
    }
    fn run(&mut self) -> Result<Summary> {
        Engine::run(self)
    }
    fn config(&self) -> &RunConfig {
        &self.config
    }
    fn dir(&self) -> &RunDir {
        &self.dir
    }
    fn target_steps(&self) -> u64 {
        self.state.steps
    }
    fn summary(&self) -> Summary {
        Engine::summary(self)
    }
    fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// The live parameters of a run: its optimizer's state and its logging interval.
fn live<'a, V>(opt: &'a Optimizer, st: &'a mut RunState<V>) -> Live<'a, V> {
    Live {
        opt,
        st: &mut st.optim,
        log_every: &mut st.log_every,
    }
}

impl<V: ParamVec + Serialize + DeserializeOwned> Engine<V> {
    /// The metrics columns.
    pub fn columns(&self) -> &[String] {
        self.metrics.names()
    }

    /// The scheme × rule label.
    pub fn method(&self) -> String {
        self.opt.label()
    }

    /// The player's current parameters.
    pub fn params(&self, p: Player) -> &V {
        self.state.w.get(p)
    }

    /// Ends this run when `flag` is raised instead of on the process's signals.
    pub fn interrupt_on(&mut self, flag: Interrupt) {
        self.interrupt = flag;
    }

    /// The summary of the run as it stands.
    pub fn summary(&self) -> Summary {
        let o = &self.outcome;
        Summary {
            id: self.dir.id(),
            name: self.config.name.clone(),
            preset: self.config.preset.clone(),
            method: self.config.method(),
            status: if self.steering.paused() && !o.status.is_final() {
                Status::Paused
            } else {
                o.status
            },
            status_step: o.status_step,
            step: self.state.optim.iteration,
            steps: self.state.steps,
            oracle_calls: self.state.optim.oracle_calls,
            wall_time: self.state.wall_time,
            metrics: self.metrics.last_values().clone(),
            message: o.message.clone(),
        }
    }

    /// Runs to the end (or until stopped, interrupted, converged or diverged) and returns the
    /// summary. Errors after the start end the run as `failed` (and are returned).
    pub fn run(&mut self) -> Result<Summary> {
        match self.run_inner() {
            Ok(()) => Ok(self.summary()),
            Err(e) => {
                self.outcome.status = Status::Failed;
                self.outcome.message = Some(e.message.clone());
                let _ = self.finish(&Clock::start(self.state.wall_time));
                Err(e)
            }
        }
    }

    fn run_inner(&mut self) -> Result<()> {
        let clock = Clock::start(self.state.wall_time);
        // Sampled on its own thread until this function returns (dropped), off the step path.
        let _system = match system::interval_from_env()? {
            Some(every) => Some(SystemSampler::start(
                self.dir.file(system::SYSTEM),
                every,
                system::this_thread_id(),
            )?),
            None => None,
        };
        self.journal.started(&self.dir.id(), self.metrics.names());
        let averages = self.opt.averaging.iter().map(|a| a.name()).collect();
        self.scoring = Scoring::start(&self.config, self.game.as_ref(), &self.dir, averages)?;
        if self.state.optim.iteration == 0 && self.checkpoints.last().is_none() {
            self.log_row(0.0)?;
            self.samples
                .write(self.game.as_mut(), &self.state.w, &self.dir, 0)?;
        }
        self.write_summary()?;
        let mut cadence = Cadence::new(self.config.pace, Instant::now());
        loop {
            let t = self.state.optim.iteration;
            let poll_sources = cadence.tick(self.steering.paused());
            if self.poll(poll_sources)? {
                break;
            }
            if poll_sources {
                self.chores(cadence.polled(Instant::now()), &clock)?;
                self.journal.progress(t);
            }
            if self.steering.paused() {
                cadence.idle();
                continue;
            }
            if self.checkpoints.due(t) {
                self.state.wall_time = clock.now();
                self.checkpoint(false)?;
            }
            if t >= self.state.steps {
                self.outcome.status = Status::Finished;
                break;
            }
            if let Some(end) = self.step() {
                (self.outcome.status, self.outcome.status_step) = (end, Some(t + 1));
                break;
            }
            self.after_step(t + 1, &clock)?;
            cadence.pace();
        }
        self.finish(&clock)
    }

    /// One iteration; the status it ends the run with (diverged, converged, failed), if any.
    fn step(&mut self) -> Option<Status> {
        let st = &mut self.state;
        let stepped = self.opt.step(
            self.game.as_mut(),
            &mut st.w,
            &mut st.optim,
            &mut self.scratch,
            &mut st.rng,
            &mut st.samples_drawn,
        );
        // The step is complete either way (its state is checkpointed at the end): what went
        // wrong ends the run, named.
        match stepped {
            Ok(notes) => self.state.notes.add(&notes),
            Err(why) => {
                self.outcome.message = Some(why);
                return Some(Status::Failed);
            }
        }
        let (w, stop) = (&self.state.w, &self.config.stop);
        let norm_sq = w.theta.norm_sq() + w.phi.norm_sq();
        if !norm_sq.is_finite() || stop.diverge_above.is_some_and(|b| norm_sq > b * b) {
            return Some(Status::Diverged);
        }
        let near = |c: f64| metrics_log::distance(self.game.as_ref(), w).is_some_and(|d| d < c);
        stop.converge_below
            .is_some_and(near)
            .then_some(Status::Converged)
    }

    /// What iteration `t` owes the run directory: its metrics row, samples, a score hand-off.
    fn after_step(&mut self, t: u64, clock: &Clock) -> Result<()> {
        if t.is_multiple_of(self.state.log_every) {
            self.log_row(clock.now())?;
            // Notes are per interval of the grid: the end-of-run row, off the grid, leaves
            // them to the next grid row, as resuming a finished run drops that row.
            self.state.notes = Default::default();
        }
        if self.samples.due(t) {
            self.samples
                .write(self.game.as_mut(), &self.state.w, &self.dir, t)?;
        }
        if self.scoring.due(t) {
            let st = &self.state;
            self.scoring
                .submit(self.game.as_ref(), &st.w, &st.optim.averages, t);
        }
        Ok(())
    }

    /// Applies the scheduled changes due now and, with `sources`, the commands that arrived;
    /// true when the run must stop.
    fn poll(&mut self, sources: bool) -> Result<bool> {
        let t = self.state.optim.iteration;
        self.steering
            .apply_scheduled(t, live(&self.opt, &mut self.state))?;
        if sources {
            for (req, source) in self.steering.poll() {
                if self.obey(req, source)? {
                    return Ok(true);
                }
            }
        }
        if self.interrupt.is_set() {
            self.outcome.status = Status::Interrupted;
            return Ok(true);
        }
        Ok(false)
    }

    /// Carries out one command from `source`; true when the run must stop.
    fn obey(&mut self, req: Request, source: &str) -> Result<bool> {
        let (src, id) = (Some(source.to_string()), request_id(&req));
        let decision = self.steering.decide(req, live(&self.opt, &mut self.state));
        match decision.act {
            Act::Stop => {
                self.outcome.status = Status::Stopped;
                return Ok(true);
            }
            Act::Paused => self.flush_records(false)?,
            Act::Checkpoint => self.checkpoint(true)?,
            Act::Nothing | Act::Resumed => {}
        }
        let t = self.state.optim.iteration;
        for e in decision.events {
            self.journal.record(t, e, src.clone(), id.clone())?;
        }
        if matches!(decision.act, Act::Paused | Act::Resumed) {
            self.write_summary()?;
        }
        Ok(false)
    }

    /// The chores a poll found due: pushing rows to readers, refreshing the summary.
    fn chores(&mut self, due: Chores, clock: &Clock) -> Result<()> {
        if due.flush {
            self.flush_records(false)?;
        }
        if due.summary {
            self.state.wall_time = clock.now();
            self.write_summary()?;
        }
        Ok(())
    }

    /// Measures the iterate and logs its row (and, when due, its spectrum record).
    fn log_row(&mut self, wall: f64) -> Result<()> {
        let mut m = metrics_log::measure(
            self.game.as_mut(),
            &self.state,
            &self.params,
            &self.notes,
            &mut self.probe,
            wall,
        );
        if self.spectrum.due(m.step) {
            let interrupt = self.interrupt.clone();
            m.spectral_radius =
                self.spectrum
                    .record(self.game.as_mut(), &self.opt, &self.state, move || {
                        interrupt.is_set()
                    });
        }
        m.game = self.game.extra_metrics(&self.state.w);
        let row = self.metrics.log(&m)?;
        self.journal.row(&row);
        Ok(())
    }

    /// Pushes the rows and spectrum records logged so far to their files (with `sync`, the
    /// rows to the disk as well).
    fn flush_records(&mut self, sync: bool) -> Result<()> {
        self.spectrum.flush();
        self.metrics.flush(sync)
    }

    /// An error when the run directory was deleted (or moved) under the live run: its rows
    /// since went to a file no one can open, and a checkpoint or summary would make a
    /// directory that holds only that. Only a definite "not there": a failed look (a stale
    /// NFS handle) is not a deletion.
    fn gone(&self) -> Result<()> {
        if matches!(
            self.dir.file(crate::run::store::CONFIG).try_exists(),
            Ok(false)
        ) {
            return Err(crate::error::Error::failure(format!(
                "{}: the run directory (its config.ron) is gone while the run went on: it stops here, at step {}, writing nothing more",
                self.dir.path.display(),
                self.state.optim.iteration
            )));
        }
        Ok(())
    }

    fn checkpoint(&mut self, force: bool) -> Result<()> {
        self.gone()?;
        self.spectrum.flush();
        self.checkpoints.save(
            &self.dir,
            &self.state,
            self.game.as_ref(),
            &self.opt.averaging,
            &mut self.metrics,
            force,
        )
    }

    fn write_summary(&self) -> Result<()> {
        self.gone()?;
        self.summary().write(&self.dir)
    }

    /// Ends the run: its last row and picture, a checkpoint, the `ended` event, the summary.
    fn finish(&mut self, clock: &Clock) -> Result<()> {
        self.state.wall_time = clock.now();
        let t = self.state.optim.iteration;
        if !self.metrics.logged_at(t) {
            self.log_row(self.state.wall_time)?;
        }
        // The last picture shows the final iterate even off the sampling grid.
        if self
            .samples
            .due_at_end(t, self.outcome.status == Status::Failed)
        {
            let _ = self
                .samples
                .write(self.game.as_mut(), &self.state.w, &self.dir, t);
        }
        self.checkpoint(false)?;
        self.flush_records(true)?;
        let status = self.outcome.status;
        self.journal
            .record(t, EventKind::Ended { status }, None, None)?;
        self.write_summary()?;
        self.journal.ended(&self.summary());
        // The run has ended (its status is final for every reader); a finished run's process
        // still waits for its last scores, which a signal cuts short.
        let interrupt = self.interrupt.clone();
        self.scoring
            .finish(status == Status::Finished, &|| interrupt.is_set());
        Ok(())
    }
}

/// Reads a run's metrics table.
pub fn read_metrics(dir: &RunDir) -> Result<MetricsTable> {
    MetricsTable::read(&dir.file(METRICS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::control::Command;
    use crate::run::events::parse_events;
    use crate::run::spectrum_record::SpectrumRecord;
    use crate::run::store::{CONFIG, EVENTS};
    use crate::run::Preset;
    use crate::setup::BuiltGame;
    use std::path::Path;

    /// The default preset's run `i` (0 simultaneous, 1 alternating, 2 heavy ball, 3
    /// extragradient), unpaced, `steps` long, in a new directory under `runs`.
    fn engine(runs: &Path, i: usize, steps: u64) -> Engine<Vec<f64>> {
        let text = crate::run::builtin::builtin("default").unwrap();
        let mut c = Preset::parse(text, "default").unwrap().resolve().unwrap()[i].clone();
        (c.pace, c.steps, c.checkpoint_every) = (None, steps, 40);
        let dir = create_dir(runs, &c, "").unwrap();
        reopen(dir, None)
    }

    fn reopen(dir: RunDir, steps: Option<u64>) -> Engine<Vec<f64>> {
        let c = RunConfig::from_ron(&dir.read(CONFIG).unwrap(), "config").unwrap();
        let built = c.build().unwrap();
        let BuiltGame::Toy(game) = built.game else {
            panic!("a toy game")
        };
        let lock = dir.lock().unwrap();
        let mut e = Engine::open(dir, lock, c, game, built.optimizer, built.hyper, steps).unwrap();
        e.interrupt_on(Interrupt::default());
        e
    }

    fn kinds(dir: &RunDir) -> Vec<EventKind> {
        parse_events(&dir.read(EVENTS).unwrap())
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }

    #[test]
    fn a_run_to_its_end_writes_rows_spectra_checkpoints_and_events() {
        let tmp = tempfile::tempdir().unwrap();
        let mut e = engine(tmp.path(), 1, 120);
        let s = e.run().unwrap();
        assert_eq!(
            (s.status, s.step, s.oracle_calls),
            (Status::Finished, 120, 240)
        );
        let t = read_metrics(&e.dir).unwrap();
        assert_eq!(t.columns, e.columns());
        let steps: Vec<u64> = t.rows.iter().map(|r| r[0].unwrap() as u64).collect();
        assert_eq!(steps, (0..=120).step_by(5).collect::<Vec<_>>());
        assert_eq!(s.metrics["eta_phi"], Some(0.2));
        let spectra: Vec<u64> = e
            .dir
            .records::<SpectrumRecord>()
            .iter()
            .map(|r| r.step)
            .collect();
        assert_eq!(spectra, [0, 50, 100]);
        assert_eq!(e.dir.checkpoint_steps(), [40, 80, 120]);
        assert_eq!(
            kinds(&e.dir),
            [
                EventKind::Started,
                EventKind::Ended {
                    status: Status::Finished
                }
            ]
        );
        assert_eq!(Summary::read(&e.dir).unwrap(), s);
    }

    #[test]
    fn a_raised_interrupt_checkpoints_and_ends_the_run_interrupted() {
        let tmp = tempfile::tempdir().unwrap();
        let mut e = engine(tmp.path(), 1, 1000);
        let flag = Interrupt::default();
        e.interrupt_on(flag.clone());
        flag.set();
        let s = e.run().unwrap();
        assert_eq!((s.status, s.step), (Status::Interrupted, 0));
        assert_eq!(e.dir.checkpoint_steps(), [0]);
        assert!(!interrupted(), "the process's flag is another one");
    }

    #[test]
    fn commands_change_the_run_and_stop_it() {
        let tmp = tempfile::tempdir().unwrap();
        let mut e = engine(tmp.path(), 2, 1000);
        let (tx, rx) = std::sync::mpsc::channel();
        Drive::control(&mut e, Box::new(rx));
        for c in [
            Command::Set {
                param: "beta.phi".into(),
                value: -0.3,
            },
            Command::Resume,
            Command::Stop,
        ] {
            tx.send(c).unwrap();
        }
        let s = e.run().unwrap();
        assert_eq!((s.status, s.step), (Status::Stopped, 0));
        let k = kinds(&e.dir);
        assert!(matches!(&k[1], EventKind::Set(c) if c.param == "beta.phi" && c.new == -0.3));
        assert!(matches!(&k[2], EventKind::Refused { command, .. } if command == "resume"));
        assert_eq!(k.len(), 4, "{k:?}");
        assert_eq!(e.state.optim.hyper.beta.phi, -0.3);
    }

    #[test]
    fn a_run_resumed_from_its_checkpoint_ends_where_an_uninterrupted_one_does() {
        let tmp = tempfile::tempdir().unwrap();
        let mut whole = engine(&tmp.path().join("a"), 3, 100);
        whole.run().unwrap();
        let mut half = engine(&tmp.path().join("b"), 3, 100);
        let dir = half.dir.clone();
        half.state.steps = 50;
        half.run().unwrap();
        drop(half);
        let mut rest = reopen(dir, Some(100));
        let s = rest.run().unwrap();
        assert_eq!(s.status, whole.summary().status);
        assert_eq!(rest.state.w, whole.state.w);
        assert_eq!(rest.state.optim, whole.state.optim);
        let without_wall = |t: MetricsTable| -> Vec<Vec<Option<f64>>> {
            t.rows
                .into_iter()
                .map(|mut r| {
                    r.remove(2);
                    r
                })
                .collect()
        };
        assert_eq!(
            without_wall(read_metrics(&rest.dir).unwrap()),
            without_wall(read_metrics(&whole.dir).unwrap())
        );
        assert!(matches!(
            kinds(&rest.dir)[2],
            EventKind::Resumed {
                checkpoint: 50,
                steps: 100
            }
        ));
    }
}
