//! Checkpoints of a running run: every `checkpoint_every` iterations, on command, and at the
//! end — the exact state ([`crate::run::checkpoint`], written atomically there) plus, for
//! games that have one, a portable export of the weights and averages next to it. The newest
//! `keep_checkpoints` of the run's config (default [`KEEP_CHECKPOINTS`]) are kept.

use super::metrics_log::MetricsLog;
use crate::error::{Error, Result};
use crate::game::Game;
use crate::optim::AverageSpec;
use crate::players::Players;
use crate::run::checkpoint::{self, RunState};
use crate::run::store::RunDir;
use crate::vector::ParamVec;
use serde::Serialize;

/// Checkpoints kept per run unless its config says otherwise (sweep members keep one).
pub const KEEP_CHECKPOINTS: u64 = 3;

/// When a run checkpoints, and its newest checkpoint.
#[derive(Debug)]
pub struct Checkpointer {
    every: u64,
    keep: u64,
    last: Option<u64>,
}

impl Checkpointer {
    /// Every `every` iterations, keeping the newest `keep` (at least one); `last` is the step
    /// of the checkpoint the run resumed from.
    pub fn new(every: u64, keep: u64, last: Option<u64>) -> Self {
        Checkpointer {
            every,
            keep: keep.max(1),
            last,
        }
    }

    /// True when a checkpoint is due after `t` iterations.
    pub fn due(&self, t: u64) -> bool {
        t.is_multiple_of(self.every)
    }

    /// The step of the newest checkpoint this run wrote or resumed from.
    pub fn last(&self) -> Option<u64> {
        self.last
    }

    /// Checkpoints `st` (after `st.optim.iteration` iterations) unless that step has one
    /// already (`force`: even then, as a `checkpoint` command asks). The metrics rows up to
    /// the step reach the disk first: a checkpoint never claims rows that could be lost.
    pub fn save<V: ParamVec + Serialize>(
        &mut self,
        dir: &RunDir,
        st: &RunState<V>,
        game: &dyn Game<V = V>,
        averaging: &[AverageSpec],
        metrics: &mut MetricsLog,
        force: bool,
    ) -> Result<()> {
        let t = st.optim.iteration;
        if self.last == Some(t) && !force {
            return Ok(());
        }
        metrics.flush(true)?;
        checkpoint::save(dir, st)?;
        let averages: Vec<(String, Players<V>)> = averaging
            .iter()
            .zip(&st.optim.averages)
            .filter_map(|(spec, a)| a.value.clone().map(|v| (spec.name(), v)))
            .collect();
        let path = dir.checkpoint_path(t).with_extension("safetensors");
        game.export_weights(&st.w, &averages, &path)
            .map_err(|e| Error::failure(format!("weights export at step {t}: {e}")))?;
        dir.prune_checkpoints(self.keep as usize);
        self.last = Some(t);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::engine::{initial_state, metrics_log};
    use crate::run::metrics::MetricsTable;
    use crate::run::store::METRICS;
    use crate::run::Preset;

    #[test]
    fn checkpoints_hold_the_state_follow_the_rows_and_the_newest_are_kept() {
        let text = crate::run::builtin::builtin("default").unwrap();
        let c = Preset::parse(text, "default").unwrap().resolve().unwrap()[2].clone();
        let built = c.build().unwrap();
        let crate::setup::BuiltGame::Toy(game) = built.game else {
            panic!("a toy game")
        };
        let mut st = initial_state(&c, game.as_ref(), &built.optimizer, built.hyper);
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path(), "r").unwrap();
        let mut metrics = MetricsLog::create(
            &dir.file(METRICS),
            metrics_log::columns(&[], &[], &[], false, &[]),
        )
        .unwrap();
        let mut ck = Checkpointer::new(100, KEEP_CHECKPOINTS, None);
        assert!(ck.due(0) && ck.due(300) && !ck.due(50));
        for t in [0, 100, 200, 300] {
            st.optim.iteration = t;
            st.wall_time = t as f64;
            let m = metrics_log::Measurement {
                step: t,
                ..Default::default()
            };
            metrics.log(&m).unwrap();
            ck.save(&dir, &st, game.as_ref(), &[], &mut metrics, false)
                .unwrap();
            let rows = MetricsTable::read(&dir.file(METRICS)).unwrap().rows;
            assert_eq!(rows.len() as u64, t / 100 + 1, "rows up to {t} are on disk");
        }
        assert_eq!(dir.checkpoint_steps(), [100, 200, 300]);
        assert_eq!(ck.last(), Some(300));
        assert_eq!(checkpoint::load::<Vec<f64>>(&dir, 300).unwrap(), st);
        // Once per step, unless forced.
        st.wall_time = -1.0;
        ck.save(&dir, &st, game.as_ref(), &[], &mut metrics, false)
            .unwrap();
        assert_eq!(
            checkpoint::load::<Vec<f64>>(&dir, 300).unwrap().wall_time,
            300.0
        );
        ck.save(&dir, &st, game.as_ref(), &[], &mut metrics, true)
            .unwrap();
        assert_eq!(
            checkpoint::load::<Vec<f64>>(&dir, 300).unwrap().wall_time,
            -1.0
        );
    }
}
