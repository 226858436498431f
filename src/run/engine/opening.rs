//! Opening a run directory to drive it: a new run from its config, or a resumed one from its
//! newest checkpoint — its metrics table cut back to the checkpoint, the parameter changes its
//! event log holds after it scheduled again, its later live scores dropped.
//!
//! Nothing is silent: a checkpoint that cannot be read is named (on stderr through
//! [`Drive::warnings`] and in an event) and set aside (`step-N.ck.unreadable`); with none
//! readable a resume is refused unless it is asked to start over ([`Opening::from_scratch`]).
//! A metrics table whose tail was lost (a torn last row) is repaired by resuming from the
//! newest checkpoint the table reaches, so every logged step is present exactly once.
//! Runs that ended with a result are not resumed: a diverged or converged one is refused with
//! what to do instead, a finished one unless `steps` takes it further.

use super::checkpointer::KEEP_CHECKPOINTS;
use super::{
    journal::Journal, metrics_log, scoring, Checkpointer, Drive, Engine, Interrupt, MetricsLog,
    Outcome, Samples, Scoring, SpectrumLog, Steering,
};
use crate::error::{Error, Result};
use crate::game::Game;
use crate::optim::{Optimizer, Scratch};
use crate::rng::Rng;
use crate::run::checkpoint::{self, RunState};
use crate::run::config::RunConfig;
use crate::run::control::ControlFile;
use crate::run::events::{scheduled_changes, EventKind, EventRecord};
use crate::run::ident::{run_id, unix_now};
use crate::run::provenance::{self, Provenance};
use crate::run::store::{RunDir, RunLock, CONFIG, CONTROL, METRICS};
use crate::run::summary::Status;
use crate::setup::BuiltGame;
use crate::vector::ParamVec;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;

/// Opens a run directory to drive it (see [`Engine::open`]), whatever kind of game it plays.
pub fn open(dir: RunDir, how: impl Into<Opening>) -> Result<Box<dyn Drive>> {
    let steps: Opening = how.into();
    let lock = dir.lock()?;
    let origin_name = dir.file(CONFIG).display().to_string();
    let config = RunConfig::from_ron(&dir.read(CONFIG)?, &origin_name)?;
    let built = config
        .build()
        .map_err(|e| Error::input(format!("{origin_name}: {e}")))?;
    let (opt, hyper) = (built.optimizer, built.hyper);
    let device = device_name(&built.game);
    let engine = match built.game {
        BuiltGame::Toy(game) => boxed(dir.clone(), lock, config, game, opt, hyper, steps),
        BuiltGame::NeuralCpu(game) => boxed(dir.clone(), lock, config, game, opt, hyper, steps),
        #[cfg(feature = "cuda")]
        BuiltGame::NeuralCuda(game) => boxed(dir.clone(), lock, config, game, opt, hyper, steps),
    }?;
    // The engine has just journaled how it opened (warnings may follow): the newest start or
    // resume event says which.
    let events: Vec<EventRecord> = dir.records();
    let opening = events
        .iter()
        .rev()
        .find_map(|e| match e.kind {
            EventKind::Resumed { .. } => Some(provenance::Opening::Resume),
            EventKind::Started => Some(provenance::Opening::Start),
            _ => None,
        })
        .unwrap_or(provenance::Opening::Start);
    let step = engine.summary().step;
    dir.append(&Provenance::here(opening, step, &device))?;
    Ok(engine)
}

/// The device a built game computes on, as provenance names it.
fn device_name(game: &BuiltGame) -> String {
    match game {
        BuiltGame::Toy(_) | BuiltGame::NeuralCpu(_) => "cpu".into(),
        #[cfg(feature = "cuda")]
        BuiltGame::NeuralCuda(_) => format!("cuda:{}", crate::neural::device::load_ordinal()),
    }
}

/// Creates the directory of a new run under `runs_dir` and writes its config. Nothing
/// runs yet (see [`Engine::open`]).
pub fn create_dir(runs_dir: &Path, config: &RunConfig, suffix: &str) -> Result<RunDir> {
    let config = &config.pinned()?;
    let name = if suffix.is_empty() {
        config.name.clone()
    } else {
        format!("{}-{suffix}", config.name)
    };
    let dir = RunDir::create(runs_dir, &run_id(&config.preset, &name, unix_now() as u64))?;
    dir.replace(CONFIG, config.to_ron().as_bytes())?;
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
        samples_drawn: 0,
        notes: Default::default(),
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
    steps: Opening,
) -> Result<Box<dyn Drive>> {
    Ok(Box::new(Engine::open(
        dir, lock, config, game, optimizer, hyper, steps,
    )?))
}

/// How a run directory is opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Opening {
    /// Run to this many iterations in total (extends or shortens the run).
    pub steps: Option<u64>,
    /// Start again from step 0 even though the run has checkpoints (which are set aside):
    /// what a run whose checkpoints are all unreadable needs.
    pub from_scratch: bool,
}

impl From<Option<u64>> for Opening {
    fn from(steps: Option<u64>) -> Self {
        Opening {
            steps,
            from_scratch: false,
        }
    }
}

/// Whether a run that ended can be continued: refused, with what to do instead, for a run that
/// diverged or converged (its end is its result; resuming would end it again at once) and for
/// one that finished unless `steps` goes past the step it finished at; and, for any run,
/// `steps` at or below the step it reached (its summary's, or its metrics' last row where a
/// crash left them further: a total it has already run cannot be resumed to). Read from the run's
/// summary (what `saddle ls` shows; a crash leaves it unfinished), or from its event log where
/// it has no summary.
pub fn check_resumable(dir: &RunDir, steps: Option<u64>) -> Result<()> {
    let ended = match crate::run::summary::Summary::read(dir) {
        Some(s) => Some((s.status_step.unwrap_or(s.step), s.status)),
        None => {
            let events: Vec<EventRecord> = dir.records();
            events.iter().rev().find_map(|e| match &e.kind {
                EventKind::Ended { status } => Some((e.step, *status)),
                EventKind::Started | EventKind::Resumed { .. } => Some((e.step, Status::Running)),
                _ => None,
            })
        }
    };
    let Some((step, status)) = ended else {
        return Ok(());
    };
    let id = dir.handle();
    match status {
        Status::Diverged => Err(Error::input(format!(
            "run {id} diverged; nothing to resume (it diverged at step {step}; fork it with other hyperparameters: saddle fork {id} --at STEP --set …)"
        ))),
        Status::Converged => Err(Error::input(format!(
            "run {id} converged; nothing to resume (it met its stop rule's converge_below at step {step}; fork it with other hyperparameters: saddle fork {id} --at STEP --set …, or start a new run with a smaller stop.converge_below)"
        ))),
        Status::Finished if steps.is_none_or(|n| n <= step) => Err(Error::input(format!(
            "run {id} finished; nothing to resume (it ran all its {step} steps; --steps N with N > {step} extends it)"
        ))),
        _ => {
            let Some(n) = steps else {
                return Ok(());
            };
            // The metrics may have gone past the summary (a crash between checkpoints).
            let reached = crate::run::listing::reached_step(dir, step);
            if n > reached {
                return Ok(());
            }
            Err(Error::input(format!(
                "run {id} has reached step {reached}; --steps {n} is the total it runs to, so it must be more than {reached} (without --steps it runs to its own end)"
            )))
        }
    }
}

/// Renames a checkpoint and its weights export (network games write one) out of the way of
/// later resumes and pruning: `step-N.ck` → `step-N.ck.<suffix>`, `step-N.safetensors` →
/// `step-N.safetensors.<suffix>`. Left in place, the export would be overwritten by the new
/// trajectory's at the same step, or pair with none.
fn set_aside(dir: &RunDir, step: u64, suffix: &str) -> Result<()> {
    let ck = dir.checkpoint_path(step);
    let export = ck.with_extension("safetensors");
    for (path, required) in [(&ck, true), (&export, false)] {
        if !required && !path.exists() {
            continue;
        }
        let mut to = path.clone().into_os_string();
        to.push(format!(".{suffix}"));
        std::fs::rename(path, &to).map_err(|e| crate::error::io_error(path, e))?;
    }
    Ok(())
}

/// The step of the last complete row of a run's metrics table (None: no row, or no table);
/// an error for a table that is there but damaged (see [`MetricsTable::parse`]): a resume
/// must not take a damaged row for the table's end and simulate again what is logged after it.
///
/// [`MetricsTable::parse`]: crate::run::metrics::MetricsTable::parse
fn last_logged(dir: &RunDir) -> Result<Option<u64>> {
    let path = dir.file(METRICS);
    if !path.exists() {
        return Ok(None);
    }
    // No complete header (a table being created when the run died, between opening the file
    // and writing its first line): no row. Readers elsewhere call that bad input.
    let text = std::fs::read_to_string(&path).map_err(|e| crate::error::io_error(&path, e))?;
    if !text.contains('\n') {
        return Ok(None);
    }
    let table = crate::run::metrics::MetricsTable::parse_named(&text, &path.display().to_string())?;
    Ok(table
        .rows
        .last()
        .and_then(|r| r.first().copied().flatten())
        .map(|s| s as u64))
}

/// Whether a table whose last complete row is at step `last` holds every row due up to the
/// checkpoint `at`: its rows reach that step, or the last one due before it on the logging grid
/// in force there (a checkpoint between two rows needs none past the one before it), with no
/// change of `log_every` in between to have moved the grid.
fn rows_reach<V>(last: u64, at: &RunState<V>, events: &[EventRecord]) -> bool {
    let step = at.optim.iteration;
    let every = at.log_every.max(1);
    let due = step - step % every;
    last >= step
        || (last >= due
            && !events.iter().any(|e| {
                e.step > last
                    && e.step <= step
                    && matches!(&e.kind, EventKind::Set(c) if c.param == "log_every")
            }))
}

/// The step of a checkpoint that was written but is gone, if any. A run checkpoints every
/// `every` iterations, after the rows up to that step reach the disk and before any row past
/// it is logged, and at its end before the `ended` event; it keeps its newest checkpoints. So
/// rows that end at `last` prove the checkpoint at the last multiple of `every` below `last`
/// was written, and an `ended` event that is the log's last word (`ended`) proves the one at
/// its step. Newer than `at` (the newest one there) and not set aside as unreadable (named
/// already), it was removed.
fn missing_checkpoint(
    at: u64,
    last: u64,
    every: u64,
    ended: Option<u64>,
    set_aside: &[u64],
) -> Option<u64> {
    let every = every.max(1);
    let due = last.checked_sub(1).map(|b| b - b % every);
    // The end's checkpoint only with the rows that reach the end (a table cut short falls
    // back by its own rule).
    let proven = due.max(ended.filter(|&e| e <= last))?;
    (proven > at && !set_aside.contains(&proven)).then_some(proven)
}

/// The step of the `ended` event when it is the last start, resume or end the log holds.
fn ended_last(events: &[EventRecord]) -> Option<u64> {
    events
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.kind,
                EventKind::Started | EventKind::Resumed { .. } | EventKind::Ended { .. }
            )
        })
        .filter(|e| matches!(e.kind, EventKind::Ended { .. }))
        .map(|e| e.step)
}

impl<V: ParamVec + Serialize + DeserializeOwned> Engine<V> {
    /// Opens a run directory to drive it: from its newest checkpoint if it has one (re-applying
    /// the parameter changes its event log holds after that checkpoint), else from its config;
    /// see the module documentation for unreadable checkpoints, torn metrics and runs that
    /// ended. Bad input is refused before anything is written.
    pub fn open(
        dir: RunDir,
        lock: RunLock,
        config: RunConfig,
        game: Box<dyn Game<V = V>>,
        optimizer: Optimizer,
        hyper: crate::optim::Hyper,
        how: impl Into<Opening>,
    ) -> Result<Self> {
        let how: Opening = how.into();
        let steps = how.steps;
        if steps == Some(0) {
            return Err(Error::input("--steps must be at least 1"));
        }
        // Every recorded parameter change is scheduled again: a damaged line refuses the
        // resume rather than drop a change.
        let events: Vec<EventRecord> = dir.records_checked()?;
        let mut warnings = vec![];
        // A checkpoint shaped for another game or method is not this run's (see `misfit`).
        let start = initial_state(&config, game.as_ref(), &optimizer, hyper);
        let fits = |s: &RunState<V>| checkpoint::misfit(s, &start);
        let mut found = checkpoint::newest::<V>(&dir, None, fits);
        let has_checkpoints = !dir.checkpoint_steps().is_empty();
        if found.state.is_some() && !how.from_scratch {
            check_resumable(&dir, steps)?;
        }
        if found.state.is_none() && !found.unreadable.is_empty() && !how.from_scratch {
            let files: Vec<String> = found.unreadable.iter().map(|u| format!("  {u}")).collect();
            return Err(Error::input(format!(
                "run {id} has no readable checkpoint, so it cannot be resumed:\n{}\n`saddle resume {id} --from-scratch` runs it again from step 0 (its metrics are rewritten; the unreadable checkpoints are kept as step-N.ck.unreadable)",
                files.join("\n"),
                id = dir.handle()
            )));
        }
        let logged = last_logged(&dir)?;
        // Every run checkpoints at step 0, so logged rows past it with no checkpoint at all
        // mean the checkpoints went missing: starting over would rewrite those rows.
        if let Some(l) = logged.filter(|&l| {
            l > 0 && found.state.is_none() && found.unreadable.is_empty() && !how.from_scratch
        }) {
            return Err(Error::input(format!(
                "run {id} has no checkpoint ({} holds none), but its metrics reach step {l}: it cannot be resumed; `saddle resume {id} --from-scratch` runs it again from step 0 (its metrics are rewritten)",
                dir.file(crate::run::store::CHECKPOINTS).display(),
                id = dir.handle()
            )));
        }
        // The rows must reach the checkpoint: a table whose tail was lost resumes from the
        // newest checkpoint at or before its last complete row (the steps after it are
        // simulated again, exactly as they first were).
        if let Some(s) = &found.state {
            let at = s.optim.iteration;
            if !how.from_scratch && !logged.is_some_and(|l| rows_reach(l, s, &events)) {
                let earlier = logged.map(|l| checkpoint::newest::<V>(&dir, Some(l), fits));
                let reached = logged.map_or("no row".to_string(), |l| format!("step {l}"));
                let message = match earlier.as_ref().and_then(|e| e.state.as_ref()) {
                    Some(e) => format!(
                        "{}: its rows end at {reached}, before the checkpoint at step {at}: resuming from the checkpoint at step {} instead",
                        dir.file(METRICS).display(),
                        e.optim.iteration
                    ),
                    None => format!(
                        "{}: its rows end at {reached}, before every readable checkpoint: running again from step 0",
                        dir.file(METRICS).display()
                    ),
                };
                warnings.push(message);
                found.state = earlier.and_then(|e| e.state);
            }
        }
        if let (Some(s), Some(l), false) = (&found.state, logged, how.from_scratch) {
            let at = s.optim.iteration;
            let set_aside: Vec<u64> = found.unreadable.iter().map(|u| u.step).collect();
            let ended = ended_last(&events);
            // The interval of the opening that wrote the rows after the checkpoint: the
            // checkpoint holds that opening's target (a replay's log names none).
            let every = config.checkpoint_every_to(s.steps);
            if let Some(m) = missing_checkpoint(at, l, every, ended, &set_aside) {
                warnings.push(format!(
                    "{} is missing: the rows reach step {l}, so it was written (deleted?); resuming from the checkpoint at step {at}, steps {}–{l} are simulated again, as they first were",
                    dir.checkpoint_path(m).display(),
                    at + 1
                ));
            }
        }
        // Checkpoints that must not be read again (nor pruned in place of good ones): moved
        // once everything else has been checked.
        let mut aside: Vec<(u64, &str)> = vec![];
        for u in &found.unreadable {
            aside.push((u.step, "unreadable"));
            warnings.push(format!(
                "checkpoint {u} — set aside as {}.unreadable",
                u.path.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
        if how.from_scratch && has_checkpoints {
            let readable = dir
                .checkpoint_steps()
                .into_iter()
                .filter(|s| !found.unreadable.iter().any(|u| u.step == *s));
            aside.extend(readable.map(|s| (s, "replaced")));
            found.state = None;
            warnings.push(format!(
                "started again from step 0 (--from-scratch); the earlier checkpoints are kept as {}/step-N.ck.replaced",
                dir.file(crate::run::store::CHECKPOINTS).display()
            ));
        }
        let checkpointed = found.state;
        let resumed = checkpointed.is_some();
        let mut state = checkpointed.unwrap_or(start);
        let at = state.optim.iteration;
        let averages: Vec<String> = optimizer.averaging.iter().map(|a| a.name()).collect();
        let params: Vec<String> = optimizer
            .params()
            .iter()
            .map(|p| p.name.to_string())
            .collect();
        let param_columns: Vec<String> = params
            .iter()
            .map(|n| crate::optim::live::column_name(n))
            .collect();
        let notes = optimizer.notes();
        let columns = metrics_log::columns(
            &averages,
            &param_columns,
            &notes,
            config.spectral_every.is_some(),
            &game.extra_metric_names(),
        );
        let metrics = if resumed {
            // An end-of-run row off the logging grid would not exist in an uninterrupted run.
            let off_grid = (!at.is_multiple_of(state.log_every)).then_some(at);
            MetricsLog::reopen(&dir.file(METRICS), columns, at, off_grid)?
        } else {
            MetricsLog::create(&dir.file(METRICS), columns)?
        };
        for (step, suffix) in aside {
            set_aside(&dir, step, suffix)?;
        }
        // Everything is checked: what a process that died while writing left goes now.
        let left = dir.remove_temporaries();
        if !left.is_empty() {
            let names: Vec<String> = left.iter().map(|p| p.display().to_string()).collect();
            warnings.push(format!(
                "removed {} temporary file(s) a process that died while writing left behind: {}",
                left.len(),
                names.join(", ")
            ));
        }
        if let Some(w) = spectrum_off_the_rows(config.spectral_every, state.log_every) {
            warnings.push(w);
        }
        if let Some(s) = steps {
            state.steps = s;
        }
        let mut steering = Steering::new(ControlFile::new(dir.file(CONTROL)));
        let changes = scheduled_changes(&events);
        steering.schedule(
            changes
                .into_iter()
                .filter(|c| !resumed || c.0 > at)
                .collect(),
        );
        if resumed {
            scoring::truncate_scores(&dir, at)?;
        }
        let mut engine = Engine {
            scratch: Scratch::new(&state.w),
            probe: state.w.map(|v| v.zeros_like()),
            spectrum: SpectrumLog::new(config.spectral_every, dir.clone()),
            journal: Journal::new(dir.clone()),
            steering,
            checkpoints: Checkpointer::new(
                config.checkpoint_every_to(state.steps),
                config.keep_checkpoints.unwrap_or(KEEP_CHECKPOINTS),
                resumed.then_some(at),
            ),
            scoring: Scoring::default(),
            samples: Samples::new(config.sample_every),
            interrupt: Interrupt::process(),
            warnings: vec![],
            outcome: Outcome {
                status: Status::Running,
                status_step: None,
                message: None,
            },
            metrics,
            params,
            notes,
            dir,
            config,
            game,
            opt: optimizer,
            state,
            _lock: lock,
        };
        let event = if resumed {
            EventKind::Resumed {
                checkpoint: at,
                steps: engine.state.steps,
            }
        } else {
            EventKind::Started
        };
        engine.journal.record(at, event, None, None)?;
        for message in &warnings {
            engine.journal.record(
                at,
                EventKind::Warning {
                    message: message.clone(),
                },
                None,
                None,
            )?;
        }
        engine.warnings = warnings;
        Ok(engine)
    }
}

/// A spectrum record is taken with a metrics row (it fills the row's `spectral_radius`), so
/// with `spectral_every` off the rows' grid records come at the steps both divide: said,
/// rather than taken silently at another interval than the preset names.
fn spectrum_off_the_rows(spectral_every: Option<u64>, log_every: u64) -> Option<String> {
    let k = spectral_every?;
    if k.is_multiple_of(log_every.max(1)) {
        return None;
    }
    let (mut a, mut b) = (k, log_every);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    let every = (k / a)
        .checked_mul(log_every)
        .map_or("never".to_string(), |n| format!("every {n} steps"));
    Some(format!(
        "spectral_every = {k} is not a multiple of log_every = {log_every}: a spectrum record is taken with a metrics row, so {every} (a multiple of both); make spectral_every a multiple of log_every"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::store::EVENTS;
    use crate::run::Preset;

    #[test]
    fn a_spectrum_interval_off_the_rows_is_named() {
        assert_eq!(spectrum_off_the_rows(None, 10), None);
        assert_eq!(spectrum_off_the_rows(Some(50), 10), None);
        let w = spectrum_off_the_rows(Some(25), 10).unwrap();
        assert!(w.contains("so every 50 steps"), "{w}");
        let w = spectrum_off_the_rows(Some(15), 10).unwrap();
        assert!(w.contains("so every 30 steps"), "{w}");
        let w = spectrum_off_the_rows(Some(u64::MAX), 2).unwrap();
        assert!(w.contains("so never"), "{w}");
    }

    /// Rows past a multiple of `checkpoint_every` prove its checkpoint was written; rows that
    /// end on it do not (the run may have died between the row and the checkpoint).
    #[test]
    fn a_checkpoint_the_rows_prove_written_is_missed() {
        assert_eq!(missing_checkpoint(1000, 1785, 500, None, &[]), Some(1500));
        assert_eq!(missing_checkpoint(1500, 1785, 500, None, &[]), None);
        let died_before_it = missing_checkpoint(1000, 1500, 500, None, &[]);
        assert_eq!(died_before_it, None);
        assert_eq!(missing_checkpoint(1000, 1501, 500, None, &[]), Some(1500));
        let named = missing_checkpoint(1000, 1785, 500, None, &[1500]);
        assert_eq!(named, None);
        let forks_first = missing_checkpoint(1234, 1400, 500, None, &[]);
        assert_eq!(forks_first, None);
        assert_eq!(missing_checkpoint(0, 0, 500, None, &[]), None);
        assert_eq!(
            missing_checkpoint(0, 3, 0, None, &[]),
            Some(2),
            "every 0 reads as 1"
        );
        // A finished run's end checkpoint, off the grid.
        assert_eq!(
            missing_checkpoint(1000, 1234, 500, Some(1234), &[]),
            Some(1234)
        );
        assert_eq!(missing_checkpoint(1234, 1234, 500, Some(1234), &[]), None);
        let rows_cut_short = missing_checkpoint(150, 147, 50, Some(200), &[]);
        assert_eq!(rows_cut_short, None);
        let ev = |json: &str| -> Vec<EventRecord> { serde_json::from_str(json).unwrap() };
        let ended = r#"{"step":9,"time":1.0,"event":"ended","status":"finished"}"#;
        let resumed = r#"{"step":9,"time":2.0,"event":"resumed","checkpoint":9,"steps":20}"#;
        let warning = r#"{"step":9,"time":3.0,"event":"warning","message":"m"}"#;
        assert_eq!(ended_last(&ev(&format!("[{ended},{warning}]"))), Some(9));
        assert_eq!(ended_last(&ev(&format!("[{ended},{resumed}]"))), None);
    }

    /// A checkpoint between two rows needs no row after the last one due before it, unless
    /// `log_every` changed in between (the grid moved: fall back, to be safe).
    #[test]
    fn rows_reach_a_checkpoint_on_the_grid_in_force_there() {
        let text = crate::run::builtin::builtin("default").unwrap();
        let c = Preset::parse(text, "default").unwrap().resolve().unwrap()[0].clone();
        let built = c.build().unwrap();
        let BuiltGame::Toy(game) = built.game else {
            panic!("a toy game")
        };
        let mut at = initial_state(&c, game.as_ref(), &built.optimizer, built.hyper);
        (at.optim.iteration, at.log_every) = (150, 7);
        assert!(rows_reach(147, &at, &[]));
        assert!(rows_reach(150, &at, &[]));
        assert!(!rows_reach(140, &at, &[]), "the row at 147 is missing");
        let changed: Vec<EventRecord> = serde_json::from_str(
            r#"[{"step":149,"time":1.0,"event":"set","param":"log_every","old":5.0,"new":7.0}]"#,
        )
        .unwrap();
        assert!(!rows_reach(147, &at, &changed));
        let elsewhere: Vec<EventRecord> = serde_json::from_str(
            r#"[{"step":149,"time":1.0,"event":"set","param":"eta","old":0.2,"new":0.1}]"#,
        )
        .unwrap();
        assert!(rows_reach(147, &at, &elsewhere));
    }

    fn open_toy(dir: &RunDir, steps: Option<u64>) -> Result<Engine<Vec<f64>>> {
        let c = RunConfig::from_ron(&dir.read(CONFIG).unwrap(), "config").unwrap();
        let built = c.build().unwrap();
        let BuiltGame::Toy(game) = built.game else {
            panic!("a toy game")
        };
        let lock = dir.lock().unwrap();
        Engine::open(
            dir.clone(),
            lock,
            c,
            game,
            built.optimizer,
            built.hyper,
            steps,
        )
    }

    #[test]
    fn a_diverged_run_or_zero_steps_is_refused_before_anything_is_written() {
        let text = crate::run::builtin::builtin("default").unwrap();
        let mut c = Preset::parse(text, "default").unwrap().resolve().unwrap()[0].clone();
        (c.pace, c.steps) = (None, 2000);
        let tmp = tempfile::tempdir().unwrap();
        let dir = create_dir(tmp.path(), &c, "").unwrap();
        let err = open_toy(&dir, Some(0)).err().unwrap();
        assert_eq!(err.message, "--steps must be at least 1");
        assert!(!dir.file(METRICS).exists() && !dir.file(EVENTS).exists());
        let s = open_toy(&dir, None).unwrap().run().unwrap();
        assert_eq!(s.status, Status::Diverged, "simultaneous GD spirals out");
        let files = |d: &RunDir| (d.read(METRICS).unwrap(), d.read(EVENTS).unwrap());
        let before = files(&dir);
        let err = open_toy(&dir, Some(4000)).err().unwrap();
        assert!(
            err.message.contains("diverged; nothing to resume"),
            "{}",
            err.message
        );
        assert_eq!(files(&dir), before, "nothing written");
    }

    /// A checkpoint set aside takes its weights export with it; one without an export (toy
    /// games write none) is moved alone.
    #[test]
    fn a_checkpoint_is_set_aside_with_its_weights_export() {
        let text = crate::run::builtin::builtin("default").unwrap();
        let c = Preset::parse(text, "default").unwrap().resolve().unwrap()[0].clone();
        let tmp = tempfile::tempdir().unwrap();
        let dir = create_dir(tmp.path(), &c, "").unwrap();
        std::fs::create_dir_all(dir.checkpoint_path(0).parent().unwrap()).unwrap();
        for s in [10, 20] {
            std::fs::write(dir.checkpoint_path(s), b"ck").unwrap();
        }
        let export = dir.checkpoint_path(10).with_extension("safetensors");
        std::fs::write(&export, b"weights").unwrap();
        set_aside(&dir, 10, "unreadable").unwrap();
        set_aside(&dir, 20, "replaced").unwrap();
        let name = |p: &std::path::Path, suffix: &str| {
            let mut n = p.as_os_str().to_owned();
            n.push(suffix);
            std::path::PathBuf::from(n)
        };
        assert!(!dir.checkpoint_path(10).exists() && !export.exists());
        assert!(name(&dir.checkpoint_path(10), ".unreadable").exists());
        assert_eq!(
            std::fs::read(name(&export, ".unreadable")).unwrap(),
            b"weights"
        );
        assert!(name(&dir.checkpoint_path(20), ".replaced").exists());
        assert!(dir.checkpoint_steps().is_empty());
        assert!(
            set_aside(&dir, 30, "replaced").is_err(),
            "a missing checkpoint is an error"
        );
    }
}
