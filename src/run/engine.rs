//! The step loop of one run: it steps the optimizer, logs metrics, obeys control commands,
//! checkpoints, and decides the run's status. It knows nothing of any user interface; it
//! writes the run directory and tells its observers.

use super::checkpoint::{self, RunState};
use super::config::RunConfig;
use super::control::{Command, ControlFile, ControlSource, Live, Request, MALFORMED};
use super::events::{parse_events, scheduled_changes, EventKind, EventRecord};
use super::ident::{run_id, unix_now};
use super::metrics::{
    MetricsTable, MetricsWriter, Row, BASE_COLUMNS, SPECTRAL_RADIUS, TRACE_COLUMNS, X_COLUMNS,
};
use super::observer::Observer;
use super::store::{
    write_atomic, RunDir, RunLock, CONFIG, CONTROL, EVENTS, METRICS, SPECTRUM, SUMMARY,
};
use super::summary::{Status, Summary};
use crate::analysis;
use crate::error::{Error, Result};
use crate::game::{Game, Sample};
use crate::optim::{Optimizer, Scratch};
use crate::players::{Player, Players};
use crate::rng::Rng;
use crate::score::live::{LiveScorer, Snapshot};
use crate::score::record::{ScoreRecord, SCORES};
use crate::setup::BuiltGame;
use crate::vector::ParamVec;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Ritz values of J computed for a network (largest modulus first).
const TOP_EIGENVALUES: usize = 16;

/// What a network's spectrum record holds.
pub fn network_note(found: usize, of: usize) -> String {
    format!(
        "J: the {found} of the {of} eigenvalues of largest modulus that converged (residual ≤ {}·|λ|) after {} Arnoldi steps on exact JVPs, on the metrics' minibatch; no ρ: the update operator needs the whole spectrum",
        analysis::RITZ_TOLERANCE,
        analysis::ARNOLDI_STEPS
    )
}

fn interrupt_flag() -> &'static Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// True once SIGINT, SIGTERM or SIGHUP arrived (see [`install_signal_handlers`]): every run
/// then checkpoints and ends with status `interrupted`.
pub fn interrupted() -> bool {
    interrupt_flag().load(Ordering::Relaxed)
}

/// Routes SIGINT, SIGTERM and SIGHUP to [`interrupted`] instead of killing the process; a
/// second signal while the runs wind down exits at once (code 1).
pub fn install_signal_handlers() {
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 1, interrupt_flag().clone());
        let _ = signal_hook::flag::register(sig, interrupt_flag().clone());
    }
}

/// How long a poll of the control sources may lag behind a command.
const POLL_EVERY: Duration = Duration::from_millis(10);
/// How often buffered metrics rows are pushed to `metrics.csv` (without fsync), so a
/// dashboard watching the file sees them within this delay whatever the logging rate.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// How often `summary.json` is refreshed while running.
const SUMMARY_EVERY: Duration = Duration::from_secs(1);
/// Checkpoints kept per run.
const KEEP_CHECKPOINTS: u64 = 3;

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
    columns: Vec<String>,
    metrics: MetricsWriter,
    last_row: Option<Row>,
    last_values: BTreeMap<String, Option<f64>>,
    observers: Vec<Box<dyn Observer>>,
    controls: Vec<Box<dyn ControlSource>>,
    scheduled: VecDeque<(u64, String, f64)>,
    status: Status,
    status_step: Option<u64>,
    message: Option<String>,
    last_checkpoint: Option<u64>,
    paused: bool,
    scorer: Option<LiveScorer>,
    _lock: RunLock,
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
}

impl<V: ParamVec + Serialize + DeserializeOwned> Drive for Engine<V> {
    fn observe(&mut self, o: Box<dyn Observer>) {
        self.observers.push(o);
    }
    fn control(&mut self, c: Box<dyn ControlSource>) {
        self.controls.push(c);
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
}

/// Opens a run directory to drive it (see [`Engine::open`]), whatever kind of game it plays.
pub fn open(dir: RunDir, steps: Option<u64>) -> Result<Box<dyn Drive>> {
    let lock = dir.lock()?;
    let origin_name = dir.file(CONFIG).display().to_string();
    let config = RunConfig::from_ron(&dir.read(CONFIG)?, &origin_name)?;
    let built = config
        .build()
        .map_err(|e| Error::input(format!("{origin_name}: {e}")))?;
    let (opt, hyper) = (built.optimizer, built.hyper);
    match built.game {
        BuiltGame::Toy(game) => boxed(dir, lock, config, game, opt, hyper, steps),
        BuiltGame::NeuralCpu(game) => boxed(dir, lock, config, game, opt, hyper, steps),
        #[cfg(feature = "cuda")]
        BuiltGame::NeuralCuda(game) => boxed(dir, lock, config, game, opt, hyper, steps),
    }
}

/// Creates the directory of a new run under `runs_dir` and writes its config. Nothing
/// runs yet (see [`Engine::open`]).
pub fn create_dir(runs_dir: &Path, config: &RunConfig, suffix: &str) -> Result<RunDir> {
    let name = if suffix.is_empty() {
        config.name.clone()
    } else {
        format!("{}-{suffix}", config.name)
    };
    let dir = RunDir::create(runs_dir, &run_id(&config.preset, &name, unix_now() as u64))?;
    write_atomic(&dir.file(CONFIG), config.to_ron().as_bytes())?;
    Ok(dir)
}

/// The state of a run before its first iteration.
pub fn initial_state<V: ParamVec>(
    config: &RunConfig,
    game: &dyn Game<V = V>,
    optimizer: &Optimizer,
    hyper: crate::optim::Hyper,
) -> RunState<V> {
    let w0 = game.initial_point();
    RunState {
        optim: optimizer.init_state(&w0, hyper),
        w: w0,
        rng: Rng::derive(config.seed, "sampling"),
        log_every: config.log_every,
        steps: config.steps,
        wall_time: 0.0,
    }
}

/// [`Engine::open`] behind the storage-independent [`Drive`] interface.
fn boxed<V: ParamVec + Serialize + DeserializeOwned>(
    dir: RunDir,
    lock: RunLock,
    config: RunConfig,
    game: Box<dyn Game<V = V>>,
    optimizer: Optimizer,
    hyper: crate::optim::Hyper,
    steps: Option<u64>,
) -> Result<Box<dyn Drive>> {
    Ok(Box::new(Engine::open(
        dir, lock, config, game, optimizer, hyper, steps,
    )?))
}

/// What opening a run directory found.
enum Origin<V> {
    Fresh,
    Checkpoint(Box<RunState<V>>),
}

impl<V: ParamVec + Serialize + DeserializeOwned> Engine<V> {
    /// Opens a run directory to drive it: from its newest checkpoint if it has one (re-applying
    /// the parameter changes its event log holds after that checkpoint), else from its config.
    /// `steps` extends or shortens the run.
    pub fn open(
        dir: RunDir,
        lock: RunLock,
        config: RunConfig,
        game: Box<dyn Game<V = V>>,
        optimizer: Optimizer,
        hyper: crate::optim::Hyper,
        steps: Option<u64>,
    ) -> Result<Self> {
        let events = parse_events(&std::fs::read_to_string(dir.file(EVENTS)).unwrap_or_default());
        let origin = match checkpoint::latest::<V>(&dir, None) {
            Some(s) => Origin::Checkpoint(Box::new(s)),
            None => Origin::Fresh,
        };
        let fresh_state = initial_state(&config, game.as_ref(), &optimizer, hyper);
        let (state, resumed) = match origin {
            Origin::Fresh => (fresh_state, false),
            Origin::Checkpoint(s) => (*s, true),
        };
        let at = state.optim.iteration;
        let mut columns = Self::columns_for(&config, &optimizer);
        columns.extend(game.extra_metric_names());
        let metrics = if resumed {
            // An end-of-run row off the logging grid would not exist in an uninterrupted run.
            let off_grid = (at % state.log_every != 0).then_some(at);
            MetricsWriter::reopen(&dir.file(METRICS), &columns, at, off_grid)?
        } else {
            MetricsWriter::create(&dir.file(METRICS), &columns)?
        };
        let mut engine =
            Engine::assemble(dir, config, game, optimizer, state, lock, columns, metrics);
        if let Some(s) = steps {
            if s == 0 {
                return Err(Error::input("--steps must be at least 1"));
            }
            engine.state.steps = s;
        }
        if resumed {
            if let Some(last) = events.iter().rev().find_map(|e| match e.kind {
                EventKind::Ended {
                    status: st @ (Status::Diverged | Status::Converged),
                } => Some(st),
                _ => None,
            }) {
                if last == Status::Diverged {
                    return Err(Error::input(format!(
                        "run {} diverged; nothing to resume (fork it with other hyperparameters: saddle fork {} --at STEP --set …)",
                        engine.dir.id(),
                        engine.dir.id()
                    )));
                }
            }
            engine.last_checkpoint = Some(at);
            engine.truncate_scores(at)?;
            engine.scheduled = scheduled_changes(&events)
                .into_iter()
                .filter(|(s, _, _)| *s > at)
                .collect();
            engine.scheduled.make_contiguous().sort_by_key(|c| c.0);
            let steps = engine.state.steps;
            engine.record(
                EventKind::Resumed {
                    checkpoint: at,
                    steps,
                },
                None,
                None,
            )?;
        } else {
            engine.scheduled = scheduled_changes(&events).into_iter().collect();
            engine.scheduled.make_contiguous().sort_by_key(|c| c.0);
            engine.record(EventKind::Started, None, None)?;
        }
        Ok(engine)
    }

    fn columns_for(config: &RunConfig, opt: &Optimizer) -> Vec<String> {
        let mut columns: Vec<String> = X_COLUMNS
            .iter()
            .chain(&BASE_COLUMNS)
            .map(|s| s.to_string())
            .collect();
        columns.extend(
            opt.averaging
                .iter()
                .map(|a| format!("distance_to_equilibrium_{}", a.name())),
        );
        columns.extend(TRACE_COLUMNS.map(String::from));
        if config.spectral_every.is_some() {
            columns.push(SPECTRAL_RADIUS.into());
        }
        columns
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        dir: RunDir,
        config: RunConfig,
        game: Box<dyn Game<V = V>>,
        opt: Optimizer,
        state: RunState<V>,
        lock: RunLock,
        columns: Vec<String>,
        metrics: MetricsWriter,
    ) -> Self {
        let control = ControlFile::new(dir.file(CONTROL));
        Engine {
            scratch: Scratch::new(&state.w),
            probe: state.w.map(|v| v.zeros_like()),
            dir,
            config,
            game,
            opt,
            state,
            columns,
            metrics,
            last_row: None,
            last_values: BTreeMap::new(),
            observers: vec![],
            controls: vec![Box::new(control)],
            scheduled: VecDeque::new(),
            status: Status::Running,
            status_step: None,
            message: None,
            last_checkpoint: None,
            paused: false,
            scorer: None,
            _lock: lock,
        }
    }

    /// The metrics columns.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The scheme × rule label.
    pub fn method(&self) -> String {
        self.opt.label()
    }

    fn record(
        &mut self,
        kind: EventKind,
        source: Option<String>,
        request: Option<String>,
    ) -> Result<()> {
        let e = EventRecord {
            step: self.state.optim.iteration,
            time: unix_now(),
            source,
            request,
            kind,
        };
        let line = serde_json::to_string(&e).map_err(|x| Error::failure(x.to_string()))?;
        self.dir.append_line(EVENTS, &line)?;
        for o in &mut self.observers {
            o.event(&e);
        }
        Ok(())
    }

    fn distance(&self, a: &Players<V>) -> Option<f64> {
        let eq = self.game.equilibrium()?;
        Some((a.theta.dist_sq(&eq.theta) + a.phi.dist_sq(&eq.phi)).sqrt())
    }

    fn make_row(&mut self, wall: f64) -> Row {
        let st = &self.state;
        let w = &st.w;
        let h = &st.optim.hyper;
        let t = st.optim.iteration;
        let losses = self.game.losses(w);
        self.game.field(w, Sample::Exact, &mut self.probe);
        let field_norm = (self.probe.theta.norm_sq() + self.probe.phi.norm_sq()).sqrt();
        let mut row: Row = vec![
            Some(t as f64),
            Some(st.optim.oracle_calls as f64),
            Some(wall),
            Some(losses.theta),
            Some(losses.phi),
            Some(field_norm),
            self.distance(w),
        ];
        for a in &st.optim.averages {
            row.push(a.value.as_ref().and_then(|v| self.distance(v)));
        }
        row.extend([h.eta.theta, h.eta.phi, h.beta.theta, h.beta.phi].map(Some));
        row.push(w.theta.coordinate(0));
        row.push(w.phi.coordinate(0));
        if let Some(k) = self.config.spectral_every {
            row.push(if t.is_multiple_of(k) {
                self.record_spectrum()
            } else {
                None
            });
        }
        row.extend(self.game.extra_metrics(&self.state.w));
        row
    }

    /// Appends the eigenvalues of J at the current iterate and of the update operator to
    /// `spectrum.jsonl`; returns the operator's spectral radius where it has one.
    fn record_spectrum(&mut self) -> Option<f64> {
        let Some(j) = self.game.jacobian(&self.state.w) else {
            self.record_top_spectrum();
            return None;
        };
        let st = &self.state;
        let h = &st.optim.hyper;
        let eta = self.opt.eta_at(h, st.optim.iteration);
        let op = analysis::operator(&self.opt, eta, h.beta, h.d_steps, &j, st.w.theta.len());
        let top = |mut z: Vec<nalgebra::Complex<f64>>| -> Vec<[f64; 2]> {
            z.sort_by(|a, b| b.norm().total_cmp(&a.norm()));
            z.iter().take(32).map(|c| [c.re, c.im]).collect()
        };
        let radius = op.as_ref().ok().map(|o| o.spectral_radius());
        let eig: Vec<nalgebra::Complex<f64>> = j.complex_eigenvalues().iter().copied().collect();
        // The slow, rotational directions: eigenvalues of J closest to the imaginary axis.
        let mut axis = eig.clone();
        axis.sort_by(|a, b| a.re.abs().total_cmp(&b.re.abs()));
        let line = serde_json::json!({
            "step": st.optim.iteration,
            "jacobian": top(eig),
            "nearest_imaginary_axis": axis.iter().take(8).map(|c| [c.re, c.im]).collect::<Vec<_>>(),
            "operator": op.as_ref().ok().map(|o| top(o.eigenvalues.clone())),
            "spectral_radius": radius.filter(|r| r.is_finite()),
            "note": op.as_ref().err(),
        });
        let _ = self.dir.append_line(SPECTRUM, &line.to_string());
        radius
    }

    /// For games without a dense Jacobian (the networks): J's eigenvalues of largest modulus
    /// from Arnoldi on exact JVPs where the game has them (MLP GANs), else why there are none.
    /// No spectral radius either way: ρ of the update operator needs the whole spectrum.
    fn record_top_spectrum(&mut self) {
        let (found, unconverged, note) =
            match analysis::jacobian_top(&mut *self.game, &self.state.w, TOP_EIGENVALUES) {
                Some(Ok(ritz)) => {
                    let found = analysis::converged(&ritz, analysis::RITZ_TOLERANCE);
                    let note = network_note(found.len(), ritz.len());
                    let unconverged = ritz.len() - found.len();
                    (found, Some(unconverged), note)
                }
                Some(Err(why)) => (vec![], None, why),
                None => (vec![], None, "this game has no Jacobian".to_string()),
            };
        let line = serde_json::json!({
            "step": self.state.optim.iteration,
            "jacobian": found.iter().map(|c| [c.re, c.im]).collect::<Vec<_>>(),
            "unconverged": unconverged,
            "operator": null,
            "spectral_radius": null,
            "note": note,
        });
        let _ = self.dir.append_line(SPECTRUM, &line.to_string());
    }

    fn log_row(&mut self, wall: f64) -> Result<()> {
        let row = self.make_row(wall);
        self.metrics.write_row(&row)?;
        for o in &mut self.observers {
            o.row(&row);
        }
        for (c, v) in self.columns.iter().zip(&row).skip(3) {
            if let Some(v) = v {
                self.last_values
                    .insert(c.clone(), v.is_finite().then_some(*v));
            }
        }
        self.last_row = Some(row);
        Ok(())
    }

    /// The summary of the run as it stands.
    pub fn summary(&self) -> Summary {
        let metrics = self.last_values.clone();
        Summary {
            id: self.dir.id(),
            name: self.config.name.clone(),
            preset: self.config.preset.clone(),
            method: self.opt.label(),
            status: if self.paused && !self.status.is_final() {
                Status::Paused
            } else {
                self.status
            },
            status_step: self.status_step,
            step: self.state.optim.iteration,
            steps: self.state.steps,
            oracle_calls: self.state.optim.oracle_calls,
            wall_time: self.state.wall_time,
            metrics,
            message: self.message.clone(),
        }
    }

    fn write_summary(&self) -> Result<()> {
        let s = serde_json::to_string_pretty(&self.summary())
            .map_err(|e| Error::failure(e.to_string()))?;
        write_atomic(&self.dir.file(SUMMARY), s.as_bytes())
    }

    fn checkpoint(&mut self) -> Result<()> {
        let t = self.state.optim.iteration;
        if self.last_checkpoint == Some(t) {
            return Ok(());
        }
        // Rows up to t must be on disk before a checkpoint at t claims them.
        self.metrics.flush(true)?;
        checkpoint::save(&self.dir, &self.state)?;
        let averages: Vec<(String, Players<V>)> = self
            .opt
            .averaging
            .iter()
            .zip(&self.state.optim.averages)
            .filter_map(|(spec, a)| a.value.clone().map(|v| (spec.name(), v)))
            .collect();
        let path = self.dir.checkpoint_path(t).with_extension("safetensors");
        self.game
            .export_weights(&self.state.w, &averages, &path)
            .map_err(|e| Error::failure(format!("weights export at step {t}: {e}")))?;
        let keep = self.config.keep_checkpoints.unwrap_or(KEEP_CHECKPOINTS);
        self.dir.prune_checkpoints(keep as usize);
        self.last_checkpoint = Some(t);
        Ok(())
    }

    /// Handles one command; returns true when the run must stop.
    fn handle(&mut self, req: Request, source: &str) -> Result<bool> {
        let src = Some(source.to_string());
        let id = req.request.clone().filter(|r| r != MALFORMED);
        match req.command.clone() {
            Command::Pause if !self.paused => {
                self.paused = true;
                self.metrics.flush(false)?;
                self.record(EventKind::Pause, src, id)?;
                self.write_summary()?;
            }
            Command::Resume if self.paused => {
                self.paused = false;
                self.record(EventKind::Resume, src, id)?;
                self.write_summary()?;
            }
            Command::Pause | Command::Resume => {
                let what = if self.paused { "paused" } else { "running" };
                self.record(
                    EventKind::Refused {
                        command: format!("{:?}", req.command).to_lowercase(),
                        reason: format!("the run is already {what}"),
                    },
                    src,
                    id,
                )?;
            }
            Command::Stop => {
                self.status = Status::Stopped;
                return Ok(true);
            }
            Command::Checkpoint => {
                self.last_checkpoint = None;
                self.checkpoint()?;
                self.record(EventKind::Checkpoint, src, id)?;
            }
            Command::Set { param, value } => {
                if req.request.as_deref() == Some(MALFORMED) {
                    self.record(
                        EventKind::Refused {
                            command: param,
                            reason: "not a JSON command (see `saddle control --help`)".into(),
                        },
                        src,
                        None,
                    )?;
                    return Ok(false);
                }
                let mut live = Live {
                    opt: &self.opt,
                    st: &mut self.state.optim,
                    log_every: &mut self.state.log_every,
                };
                match live.set(&param, value) {
                    Ok(changes) => {
                        for c in changes {
                            self.record(EventKind::Set(c), src.clone(), id.clone())?;
                        }
                    }
                    Err(reason) => {
                        self.record(
                            EventKind::Refused {
                                command: format!("set {param}={value}"),
                                reason,
                            },
                            src,
                            id,
                        )?;
                    }
                }
            }
        }
        Ok(false)
    }

    /// Applies scheduled changes due now and any commands that arrived; true means stop.
    fn poll(&mut self, include_sources: bool) -> Result<bool> {
        let t = self.state.optim.iteration;
        while self.scheduled.front().is_some_and(|c| c.0 <= t) {
            let (_, param, value) = self.scheduled.pop_front().expect("front exists");
            let mut live = Live {
                opt: &self.opt,
                st: &mut self.state.optim,
                log_every: &mut self.state.log_every,
            };
            // Already in the event log: applied, not recorded again.
            live.set(&param, value).map_err(|e| {
                Error::failure(format!("re-applying {param}={value} at step {t}: {e}"))
            })?;
        }
        if include_sources {
            let mut requests = vec![];
            for (i, c) in self.controls.iter_mut().enumerate() {
                let source = if i == 0 { "control-file" } else { "channel" };
                requests.extend(c.poll().into_iter().map(|r| (r, source)));
            }
            for (r, source) in requests {
                if self.handle(r, source)? {
                    return Ok(true);
                }
            }
        }
        if interrupted() {
            self.status = Status::Interrupted;
            return Ok(true);
        }
        Ok(false)
    }

    /// Runs to the end (or until stopped, interrupted, converged or diverged) and returns the
    /// summary. Errors after the start end the run as `failed` (and are returned).
    pub fn run(&mut self) -> Result<Summary> {
        match self.run_inner() {
            Ok(()) => Ok(self.summary()),
            Err(e) => {
                self.status = Status::Failed;
                self.message = Some(e.message.clone());
                let _ = self.finish(Instant::now(), self.state.wall_time);
                Err(e)
            }
        }
    }

    fn run_inner(&mut self) -> Result<()> {
        let started = Instant::now();
        let wall0 = self.state.wall_time;
        let wall = |s: &Instant| wall0 + s.elapsed().as_secs_f64();
        let (id, columns) = (self.dir.id(), self.columns.clone());
        for o in &mut self.observers {
            o.started(&id, &columns);
        }
        self.start_scorer()?;
        if self.state.optim.iteration == 0 && self.last_checkpoint.is_none() {
            self.log_row(0.0)?;
            self.write_samples(0)?;
        }
        self.write_summary()?;
        let (mut stride, mut since, mut last_poll, mut last_summary) =
            (1u64, 0u64, Instant::now(), Instant::now());
        let mut last_flush = Instant::now();
        let eq_known = self.game.equilibrium().is_some();
        let stop = self.config.stop;
        let (mut paced, mut pace_clock) = (0u64, Instant::now());
        loop {
            let t = self.state.optim.iteration;
            since += 1;
            let due = since >= stride || self.paused;
            if self.poll(due)? {
                break;
            }
            if due {
                let el = last_poll.elapsed().as_secs_f64();
                // Aim for one poll per POLL_EVERY whatever the step cost; the stride at most
                // doubles per poll, so one fast stretch cannot make the run deaf for long.
                let target = (since as f64 * POLL_EVERY.as_secs_f64() / el.max(1e-9)) as u64;
                stride = target.min(stride.saturating_mul(2)).clamp(1, 1 << 16);
                since = 0;
                last_poll = Instant::now();
                if last_flush.elapsed() >= FLUSH_EVERY {
                    // Readers (the dashboard) see rows within FLUSH_EVERY; durability comes
                    // from the synced flush before each checkpoint.
                    self.metrics.flush(false)?;
                    last_flush = Instant::now();
                }
                if last_summary.elapsed() >= SUMMARY_EVERY {
                    self.state.wall_time = wall(&started);
                    self.write_summary()?;
                    last_summary = Instant::now();
                }
            }
            if self.paused {
                std::thread::sleep(POLL_EVERY);
                (paced, pace_clock) = (0, Instant::now());
                continue;
            }
            if t.is_multiple_of(self.config.checkpoint_every) {
                self.state.wall_time = wall(&started);
                self.checkpoint()?;
            }
            if t >= self.state.steps {
                self.status = Status::Finished;
                break;
            }
            let st = &mut self.state;
            self.opt.step(
                self.game.as_mut(),
                &mut st.w,
                &mut st.optim,
                &mut self.scratch,
                &mut st.rng,
            );
            let t = t + 1;
            let norm_sq = st.w.theta.norm_sq() + st.w.phi.norm_sq();
            let diverged =
                !norm_sq.is_finite() || stop.diverge_above.is_some_and(|b| norm_sq > b * b);
            let converged = !diverged
                && eq_known
                && stop
                    .converge_below
                    .is_some_and(|c| self.distance(&self.state.w).is_some_and(|d| d < c));
            if diverged || converged {
                self.status = if diverged {
                    Status::Diverged
                } else {
                    Status::Converged
                };
                self.status_step = Some(t);
                break;
            }
            if t.is_multiple_of(self.state.log_every) {
                self.log_row(wall(&started))?;
            }
            if self
                .config
                .sample_every
                .is_some_and(|k| t.is_multiple_of(k))
            {
                self.write_samples(t)?;
            }
            if self
                .config
                .score
                .as_ref()
                .is_some_and(|s| t.is_multiple_of(s.every))
            {
                self.submit_score(t);
            }
            if let Some(pace) = self.config.pace {
                paced += 1;
                let ahead = paced as f64 / pace - pace_clock.elapsed().as_secs_f64();
                if ahead > 1e-3 {
                    std::thread::sleep(Duration::from_secs_f64(ahead));
                }
            }
        }
        self.finish(started, wall0)
    }

    fn finish(&mut self, started: Instant, wall0: f64) -> Result<()> {
        self.state.wall_time = wall0 + started.elapsed().as_secs_f64();
        let t = self.state.optim.iteration;
        if self.last_row.as_ref().and_then(|r| r[0]) != Some(t as f64) {
            self.log_row(self.state.wall_time)?;
        }
        // The last picture shows the final iterate even off the sampling grid.
        if self
            .config
            .sample_every
            .is_some_and(|k| !t.is_multiple_of(k))
            && self.status != Status::Failed
        {
            let _ = self.write_samples(t);
        }
        self.checkpoint()?;
        self.metrics.flush(true)?;
        let status = self.status;
        self.record(EventKind::Ended { status }, None, None)?;
        self.write_summary()?;
        let s = self.summary();
        for o in &mut self.observers {
            o.ended(&s);
        }
        if let Some(scorer) = self.scorer.take() {
            // The run has ended (its status is final for every reader); a finished run's
            // process still waits for its last scores, which a signal cuts short. Any other
            // ending leaves at once.
            scorer.finish(status == Status::Finished, &interrupted);
        }
        Ok(())
    }

    /// Drops live scores of steps after `at` (a resumed run scores them again, as it logs
    /// their metrics rows again).
    fn truncate_scores(&self, at: u64) -> Result<()> {
        let path = self.dir.file(SCORES);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(());
        };
        let kept: String = text
            .lines()
            .filter(|l| {
                serde_json::from_str::<ScoreRecord>(l)
                    .map_or(true, |r| r.step.is_none_or(|s| s <= at))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        if kept.len() != text.len() {
            write_atomic(&path, kept.as_bytes())?;
        }
        Ok(())
    }

    /// Starts the live scorer when the run asks for scores (an image GAN with a `score`
    /// section); a network or reference that cannot be loaded fails the run here, before its
    /// first step.
    fn start_scorer(&mut self) -> Result<()> {
        let Some(spec) = &self.config.score else {
            return Ok(());
        };
        let sampler = self.game.image_sampler().ok_or_else(|| {
            Error::input(format!(
                "score: the {} game makes no images to score",
                self.config.game.kind()
            ))
        })?;
        let scorer = LiveScorer::start(spec, sampler, self.dir.clone()).map_err(Error::input)?;
        self.scorer = Some(scorer);
        Ok(())
    }

    /// Hands host copies of the scored generators after `t` iterations to the scorer; never
    /// waits for it.
    fn submit_score(&mut self, t: u64) {
        let (Some(scorer), Some(spec)) = (&self.scorer, &self.config.score) else {
            return;
        };
        let names: Vec<String> = self.opt.averaging.iter().map(|a| a.name()).collect();
        let mut generators = vec![];
        for g in spec.generator_names(&names) {
            let theta = if g == "raw" {
                Some(&self.state.w.theta)
            } else {
                names
                    .iter()
                    .position(|n| *n == g)
                    .and_then(|i| self.state.optim.averages[i].value.as_ref())
                    .map(|v| &v.theta)
            };
            if let Some(host) = theta.and_then(|v| self.game.host_theta(v)) {
                generators.push((g, host));
            }
        }
        scorer.submit(Snapshot {
            step: t,
            generators,
        });
    }

    /// Lets the game draw its samples at step `t` into the run directory (when the run asks
    /// for samples at all).
    fn write_samples(&mut self, t: u64) -> Result<()> {
        if self.config.sample_every.is_none() {
            return Ok(());
        }
        self.game
            .write_samples(&self.state.w, &self.dir.path, t)
            .map_err(|e| Error::failure(format!("samples at step {t}: {e}")))
    }

    /// The player's current parameters.
    pub fn params(&self, p: Player) -> &V {
        self.state.w.get(p)
    }
}

/// Reads a run's metrics table.
pub fn read_metrics(dir: &RunDir) -> Result<MetricsTable> {
    MetricsTable::read(&dir.file(METRICS))
}
