//! New runs made from old ones: `replay` (the same config and parameter changes, from step 0)
//! and `fork` (the state of a run at some step, then different live parameters).
//!
//! Both write the parameter changes they plan into the new run's `events.jsonl` before it
//! starts, each with the step at which it takes effect; the engine applies every `set` event
//! of its own log at its step (the same mechanism that makes a resumed run re-apply changes
//! made after its last checkpoint).

use super::checkpoint::{self, RunState};
use super::config::RunConfig;
use super::control::Live;
use super::engine::{create_dir, initial_state};
use super::events::{EventKind, EventRecord};
use super::ident::unix_now;
use super::metrics::MetricsTable;
use super::provenance::{Opening, Provenance};
use super::records::JsonLine;
use super::store::{RunDir, EVENTS, METRICS};
use crate::error::{Error, Result};
use crate::game::Game;
use crate::optim::{Hyper, Optimizer};
use crate::setup::BuiltGame;
use crate::vector::ParamVec;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;

fn write_events(dir: &RunDir, events: &[EventRecord]) -> Result<()> {
    let mut text = String::new();
    for e in events {
        text.push_str(&e.to_line()?);
        text.push('\n');
    }
    dir.replace(EVENTS, text.as_bytes())
}

/// The steps a run was last asked to run to (its config's, or a later `resume --steps`). A
/// run that finished did so at exactly that step, which counts where no `resumed` event says
/// it: a resume that had to start again from step 0 journals `started` (a fork of a run
/// resumed so to 400 was told it ended at its config's 300).
pub fn target_steps(config: &RunConfig, events: &[EventRecord]) -> u64 {
    events
        .iter()
        .rev()
        .find_map(|e| match e.kind {
            EventKind::Resumed { steps, .. } => Some(steps),
            EventKind::Ended {
                status: super::Status::Finished,
            } => Some(e.step),
            _ => None,
        })
        .unwrap_or(config.steps)
}

/// The steps a replay of a run with `events` runs to: the step where a command stopped it
/// (`control stop`; a replay that ran on to the full budget showed steps its source never
/// took), else [`target_steps`].
pub fn replay_steps(config: &RunConfig, events: &[EventRecord]) -> u64 {
    let last_end = events.iter().rev().find_map(|e| match e.kind {
        EventKind::Ended { status } => Some(Some((e.step, status))),
        EventKind::Resumed { .. } => Some(None),
        _ => None,
    });
    match last_end.flatten() {
        Some((step, super::Status::Stopped)) => step,
        _ => target_steps(config, events),
    }
}

/// Creates the replay of `src` under `runs_dir`: same config, every parameter change of its
/// log planned at its step. Returns the new directory and the steps to run to (see
/// [`replay_steps`]).
pub fn replay(src: &RunDir, runs_dir: &Path) -> Result<(RunDir, u64)> {
    let config = src.config()?;
    let events = src.records_checked::<EventRecord>()?;
    let planned: Vec<EventRecord> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Set(_)))
        .map(|e| EventRecord {
            source: Some("replay".into()),
            request: None,
            time: unix_now(),
            ..e.clone()
        })
        .collect();
    // Named apart from its source: side by side on the dashboard the two were one name.
    let mut replayed = config.clone();
    replayed.name = format!("{} replay", config.name);
    let dir = create_dir(runs_dir, &replayed, "")?;
    dir.append(&Provenance::made_from(Opening::Replay, 0, src))?;
    write_events(&dir, &planned)?;
    Ok((dir, replay_steps(&config, &events)))
}

/// A fork, created and not yet run.
#[derive(Debug)]
pub struct Fork {
    /// Its directory.
    pub dir: RunDir,
    /// The steps it runs to.
    pub steps: u64,
    /// Checkpoints of the source that could not be read (the fork starts from an older one).
    pub warnings: Vec<String>,
}

/// Creates a fork of `src` at `at`: the state `src` had after `at` iterations (its checkpoint
/// at or before `at`, re-simulated forward by the engine — the fork's log says so with a
/// `replaying` event up to `at`), then the live parameter changes `sets` (`param=value`).
/// The fork runs to `steps` iterations (None: the source's), which must pass `at`: a fork
/// that ends at its branch step never applies its changes. Validates everything before
/// creating anything.
pub fn fork(
    src: &RunDir,
    at: u64,
    sets: &[String],
    steps: Option<u64>,
    runs_dir: &Path,
) -> Result<Fork> {
    let config = src.config()?;
    let built = config.build().map_err(Error::input)?;
    let (opt, hyper) = (&built.optimizer, built.hyper.clone());
    match &built.game {
        BuiltGame::Toy(g) => fork_with(
            src,
            at,
            sets,
            steps,
            runs_dir,
            &config,
            g.as_ref(),
            opt,
            hyper,
        ),
        BuiltGame::NeuralCpu(g) => fork_with(
            src,
            at,
            sets,
            steps,
            runs_dir,
            &config,
            g.as_ref(),
            opt,
            hyper,
        ),
        #[cfg(feature = "cuda")]
        BuiltGame::NeuralCuda(g) => fork_with(
            src,
            at,
            sets,
            steps,
            runs_dir,
            &config,
            g.as_ref(),
            opt,
            hyper,
        ),
    }
}

/// [`fork`] for a game whose parameters are stored as `V`.
#[allow(clippy::too_many_arguments)]
fn fork_with<V: ParamVec + Serialize + DeserializeOwned>(
    src: &RunDir,
    at: u64,
    sets: &[String],
    steps: Option<u64>,
    runs_dir: &Path,
    config: &RunConfig,
    game: &dyn Game<V = V>,
    optimizer: &Optimizer,
    hyper: Hyper,
) -> Result<Fork> {
    let events = src.records_checked::<EventRecord>()?;
    // Without a checkpoint at or before `at`, start from step 0: the run is deterministic.
    // The fork's metrics are its source's rows up to the checkpoint it starts from, ending
    // with the row at that step: one off the logging grid (`control RUN checkpoint`) has none,
    // so the fork starts from the newest checkpoint that has one (it warned 'running again
    // from step 0' and did).
    let table = MetricsTable::read(&src.file(METRICS))?;
    let logged: std::collections::BTreeSet<u64> = table
        .rows
        .iter()
        .filter_map(|r| r[0].map(|s| s as u64))
        .collect();
    // The newest readable one among those, else the start.
    let mut warnings: Vec<String> = vec![];
    let mut state: Option<RunState<V>> = None;
    let start = initial_state(config, game, optimizer, hyper);
    let candidates: Vec<u64> = src
        .checkpoint_steps()
        .into_iter()
        .rev()
        .filter(|s| *s <= at && logged.contains(s))
        .collect();
    for step in candidates {
        let fits = |s: RunState<V>| match checkpoint::misfit(&s, &start) {
            Some(why) => Err(Error::failure(format!(
                "{}: {why}",
                src.checkpoint_path(step).display()
            ))),
            None => Ok(s),
        };
        match checkpoint::load::<V>(src, step).and_then(fits) {
            Ok(s) => {
                state = Some(s);
                break;
            }
            Err(e) => warnings.push(format!(
                "checkpoint {}: the fork starts from an older state",
                e.message
            )),
        }
    }
    let state: RunState<V> = state.unwrap_or(start);
    let reached = events
        .iter()
        .map(|e| e.step)
        .max()
        .unwrap_or(0)
        .max(state.optim.iteration);
    if at > reached.max(target_steps(config, &events)) {
        return Err(Error::input(format!(
            "--at {at}: run {} never reached that step",
            src.id()
        )));
    }
    let given = steps;
    let steps = steps.unwrap_or_else(|| target_steps(config, &events));
    if steps <= at {
        let why = "a fork must take a step past its branch, or its changes never apply";
        return Err(Error::input(match given {
            Some(n) => format!("--steps {n}: must be more than --at {at} ({why})"),
            None => format!(
                "--at {at}: run {} ends at step {steps}, so the fork would too ({why}): \
                 give --steps more than {at}",
                src.id()
            ),
        }));
    }
    let c = state.optim.iteration;
    let history: Vec<EventRecord> = events
        .iter()
        .filter(|e| match &e.kind {
            EventKind::Set(_) => e.step <= at,
            EventKind::Started
            | EventKind::Pause
            | EventKind::Resume
            | EventKind::Refused { .. } => e.step <= c,
            _ => false,
        })
        .cloned()
        .collect();
    // Dry run: the parameters in force at `at`, then the fork's changes on top (validated).
    let mut st = state.optim.clone();
    let mut log_every = state.log_every;
    let mut planned = history.clone();
    {
        let mut live = Live {
            opt: optimizer,
            st: &mut st,
            log_every: &mut log_every,
        };
        for e in history.iter().filter(|e| e.step > c) {
            if let EventKind::Set(ch) = &e.kind {
                live.set(&ch.param, ch.new)
                    .map_err(|x| Error::failure(format!("history of {}: {x}", src.id())))?;
            }
        }
        for s in sets {
            let (param, value) = s
                .split_once('=')
                .ok_or_else(|| Error::input(format!("--set {s:?}: expected PARAM=VALUE")))?;
            let value: f64 = value
                .trim()
                .parse()
                .map_err(|_| Error::input(format!("--set {s:?}: {value:?} is not a number")))?;
            let changes = live.set(param.trim(), value).map_err(|e| {
                Error::input(format!(
                    "--set {s}: {e} (a fork changes live parameters; other changes need a new run)"
                ))
            })?;
            planned.extend(changes.into_iter().map(|ch| EventRecord {
                step: at,
                time: unix_now(),
                source: Some("fork".into()),
                request: None,
                kind: EventKind::Set(ch),
            }));
        }
    }
    if c < at {
        planned.push(EventRecord {
            step: c,
            time: unix_now(),
            source: Some("fork".into()),
            request: None,
            kind: EventKind::Replaying { until: at },
        });
    }
    planned.extend(warnings.iter().map(|w| EventRecord {
        step: c,
        time: unix_now(),
        source: Some("fork".into()),
        request: None,
        kind: EventKind::Warning { message: w.clone() },
    }));
    // In step order (a stable sort keeps the history's order within a step).
    planned.sort_by_key(|e| e.step);
    let mut forked = config.clone();
    forked.name = format!("{} fork@{at}", config.name);
    let dir = create_dir(runs_dir, &forked, "")?;
    dir.append(&Provenance::made_from(Opening::Fork, at, src))?;
    // A resume applies only the changes after its checkpoint's step: forked at that very step,
    // the fork's own changes go into the checkpoint it starts from (else they were dropped).
    let mut state = state;
    if at == c {
        state.optim = st;
        state.log_every = log_every;
    }
    checkpoint::save(&dir, &state)?;
    let text = table.to_csv(|r| r[0].is_some_and(|s| s as u64 <= c));
    dir.replace(METRICS, text.as_bytes())?;
    // Its samples up to the checkpoint are its parent's; those after, it draws again.
    super::sample_files::inherit(src, &dir, c)?;
    write_events(&dir, &planned)?;
    Ok(Fork {
        dir,
        steps,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Status;

    fn at(step: u64, kind: EventKind) -> EventRecord {
        EventRecord {
            step,
            time: 0.0,
            source: None,
            request: None,
            kind,
        }
    }

    #[test]
    fn a_replay_stops_where_a_command_stopped_its_source() {
        let text = crate::run::builtin::builtin("default").unwrap();
        let mut c = crate::run::Preset::parse(text, "default")
            .unwrap()
            .resolve()
            .unwrap()[0]
            .clone();
        c.steps = 3000;
        let ended = |s: Status| at(1709, EventKind::Ended { status: s });
        let started = at(0, EventKind::Started);
        assert_eq!(
            replay_steps(&c, &[started.clone(), ended(Status::Stopped)]),
            1709
        );
        // Ended by its dynamics or a signal: the replay runs to the same budget and finds the
        // same end itself (or resumes past it).
        for s in [Status::Converged, Status::Diverged, Status::Interrupted] {
            assert_eq!(
                replay_steps(&c, &[started.clone(), ended(s)]),
                3000,
                "{s:?}"
            );
        }
        // Stopped, then resumed to 5000: the budget of the resume.
        let resumed = at(
            1709,
            EventKind::Resumed {
                steps: 5000,
                checkpoint: 1709,
            },
        );
        assert_eq!(
            replay_steps(&c, &[started.clone(), ended(Status::Stopped), resumed]),
            5000
        );
        // Finished at 300, then started again from step 0 and finished at 400: 400.
        let finished = |s: u64| {
            at(
                s,
                EventKind::Ended {
                    status: Status::Finished,
                },
            )
        };
        let events = [started.clone(), finished(300), started, finished(400)];
        assert_eq!(target_steps(&c, &events), 400);
        assert_eq!(replay_steps(&c, &events), 400);
    }
}
