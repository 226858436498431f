//! Opening a run directory to drive it: a new run from its config, or a resumed one from its
//! newest checkpoint — its metrics table cut back to the checkpoint, the parameter changes its
//! event log holds after it scheduled again, its later live scores dropped.

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
use crate::run::store::{RunDir, RunLock, CONFIG, CONTROL, METRICS};
use crate::run::summary::Status;
use crate::setup::BuiltGame;
use crate::vector::ParamVec;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;

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

/// Why an event log forbids resuming: the run diverged (its state is not worth continuing).
fn refuse_resume(dir: &RunDir, events: &[EventRecord]) -> Result<()> {
    let last = events.iter().rev().find_map(|e| match e.kind {
        EventKind::Ended {
            status: st @ (Status::Diverged | Status::Converged),
        } => Some(st),
        _ => None,
    });
    if last == Some(Status::Diverged) {
        let id = dir.id();
        return Err(Error::input(format!(
            "run {id} diverged; nothing to resume (fork it with other hyperparameters: saddle fork {id} --at STEP --set …)"
        )));
    }
    Ok(())
}

impl<V: ParamVec + Serialize + DeserializeOwned> Engine<V> {
    /// Opens a run directory to drive it: from its newest checkpoint if it has one (re-applying
    /// the parameter changes its event log holds after that checkpoint), else from its config.
    /// `steps` extends or shortens the run. Bad input is refused before anything is written.
    pub fn open(
        dir: RunDir,
        lock: RunLock,
        config: RunConfig,
        game: Box<dyn Game<V = V>>,
        optimizer: Optimizer,
        hyper: crate::optim::Hyper,
        steps: Option<u64>,
    ) -> Result<Self> {
        if steps == Some(0) {
            return Err(Error::input("--steps must be at least 1"));
        }
        let events: Vec<EventRecord> = dir.records();
        let checkpointed = checkpoint::resumable::<V>(&dir)?;
        let resumed = checkpointed.is_some();
        if resumed {
            refuse_resume(&dir, &events)?;
        }
        let mut state = checkpointed
            .unwrap_or_else(|| initial_state(&config, game.as_ref(), &optimizer, hyper));
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
        let columns = metrics_log::columns(
            &averages,
            &param_columns,
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
                config.checkpoint_every,
                config.keep_checkpoints.unwrap_or(KEEP_CHECKPOINTS),
                resumed.then_some(at),
            ),
            scoring: Scoring::default(),
            samples: Samples::new(config.sample_every),
            interrupt: Interrupt::process(),
            outcome: Outcome {
                status: Status::Running,
                status_step: None,
                message: None,
            },
            metrics,
            params,
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
        Ok(engine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::store::EVENTS;
    use crate::run::Preset;

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
}
