//! Samples: every `sample_every` iterations the game draws what it shows of the iterate
//! (scatter plots, image grids, and for 2-D GANs the data plane, `super::super::plane`) into
//! the run directory's `samples/` ([`crate::run::sample_files`]); a fresh run also at step 0, and every
//! run that ends off the sampling grid once more at its last step (unless it failed).

use crate::error::{Error, Result};
use crate::game::Game;
use crate::players::Players;
use crate::run::store::RunDir;
use crate::vector::ParamVec;

/// When a run draws samples.
#[derive(Clone, Copy, Debug)]
pub struct Samples {
    every: Option<u64>,
}

impl Samples {
    /// Every `every` iterations (never when None).
    pub fn new(every: Option<u64>) -> Self {
        Samples { every }
    }

    /// True when samples are due after `t` iterations.
    pub fn due(&self, t: u64) -> bool {
        self.every.is_some_and(|k| t.is_multiple_of(k))
    }

    /// True when a run that ended after `t` iterations (`failed` or not) still owes the
    /// picture of its final iterate.
    pub fn due_at_end(&self, t: u64, failed: bool) -> bool {
        self.every.is_some_and(|k| !t.is_multiple_of(k)) && !failed
    }

    /// Lets the game draw its samples of `w` after `t` iterations into `dir` (nothing for a
    /// run without samples).
    pub fn write<V: ParamVec>(
        &self,
        game: &mut dyn Game<V = V>,
        w: &Players<V>,
        dir: &RunDir,
        t: u64,
    ) -> Result<()> {
        if self.every.is_none() {
            return Ok(());
        }
        let failed = |e: String| Error::failure(format!("samples at step {t}: {e}"));
        game.write_samples(w, &dir.path, t).map_err(failed)?;
        match game.data_plane(w, t) {
            Some(plane) => super::super::plane::write(dir, &plane.map_err(failed)?),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Preset;

    #[test]
    fn samples_follow_their_grid_and_the_end_off_it() {
        let s = Samples::new(Some(100));
        assert!(s.due(0) && s.due(200) && !s.due(150));
        assert!(s.due_at_end(150, false) && !s.due_at_end(200, false));
        assert!(!s.due_at_end(150, true), "a failed run draws nothing more");
        let none = Samples::new(None);
        assert!(!none.due(0) && !none.due_at_end(7, false));
    }

    #[test]
    fn a_mixture_game_draws_its_scatter_into_the_run_directory() {
        let text = crate::run::builtin::builtin("mog-extragradient").unwrap();
        let c = Preset::parse(text, "mog")
            .unwrap()
            .resolve()
            .unwrap()
            .remove(0);
        let crate::setup::BuiltGame::NeuralCpu(mut game) = c.build().unwrap().game else {
            panic!("a network game")
        };
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: tmp.path().to_path_buf(),
        };
        let w = game.initial_point();
        Samples::new(None)
            .write(game.as_mut(), &w, &dir, 0)
            .unwrap();
        assert_eq!(
            std::fs::read_dir(&dir.path).unwrap().count(),
            0,
            "no samples asked"
        );
        Samples::new(Some(10))
            .write(game.as_mut(), &w, &dir, 0)
            .unwrap();
        assert!(
            std::fs::read_dir(&dir.path).unwrap().count() > 0,
            "nothing drawn"
        );
        // The data plane: D on the grid over the 25 modes, the generated points.
        assert_eq!(crate::run::plane::steps(&dir), vec![0]);
        let p = crate::run::plane::read(&dir, 0).unwrap();
        assert_eq!((p.side, p.modes.len()), (64, 25));
        assert_eq!(p.generated.len(), 2 * 2500);
        assert!(p.logits.iter().all(|l| l.is_finite()));
        let (lo, hi) = p
            .logits
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), l| {
                (a.min(*l), b.max(*l))
            });
        assert!(hi > lo, "D is not constant over the plane");
        // The same plane again: drawing reads ω only.
        let again = game.data_plane(&w, 0).unwrap().unwrap();
        assert_eq!(again, p);
    }
}
