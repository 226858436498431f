//! The hand-off to live scoring: every `score.every` iterations, host copies of the scored
//! generators (the last iterate `raw` and the averages the run's `score` section names) go to
//! the run's [`LiveScorer`] thread, which never makes training wait (see
//! [`crate::score::live`]).

use crate::error::{Error, Result};
use crate::game::Game;
use crate::optim::AverageState;
use crate::players::Players;
use crate::run::config::RunConfig;
use crate::run::records::JsonLine;
use crate::run::store::RunDir;
use crate::score::live::{LiveScorer, Snapshot};
use crate::score::record::{ScoreRecord, SCORES};
use crate::score::spec::ScoreSpec;
use crate::vector::ParamVec;

/// The live scoring of one run (nothing when its config asks for none).
#[derive(Default)]
pub struct Scoring {
    live: Option<(ScoreSpec, LiveScorer)>,
    averages: Vec<String>,
}

impl Scoring {
    /// Starts the scorer when `config` asks for scores (an image GAN with a `score` section),
    /// for a run keeping the averages named `averages`; a game that makes no images, or a
    /// network or reference that cannot be loaded, is bad input and fails the run before its
    /// first step.
    pub fn start<V: ParamVec>(
        config: &RunConfig,
        game: &dyn Game<V = V>,
        dir: &RunDir,
        averages: Vec<String>,
    ) -> Result<Self> {
        let Some(spec) = &config.score else {
            return Ok(Scoring::default());
        };
        let sampler = game.image_sampler().ok_or_else(|| {
            Error::input(format!(
                "score: the {} game makes no images to score",
                config.game.kind()
            ))
        })?;
        let scorer = LiveScorer::start(spec, sampler, dir.clone()).map_err(Error::input)?;
        Ok(Scoring {
            live: Some((spec.clone(), scorer)),
            averages,
        })
    }

    /// True when generators are handed over after `t` iterations.
    pub fn due(&self, t: u64) -> bool {
        self.live
            .as_ref()
            .is_some_and(|(spec, _)| t.is_multiple_of(spec.every))
    }

    /// Hands host copies of the scored generators after `t` iterations to the scorer; never
    /// waits for it.
    pub fn submit<V: ParamVec>(
        &self,
        game: &dyn Game<V = V>,
        w: &Players<V>,
        averages: &[AverageState<V>],
        t: u64,
    ) {
        let Some((spec, scorer)) = &self.live else {
            return;
        };
        let generators = spec
            .generator_names(&self.averages)
            .into_iter()
            .filter_map(|g| {
                let theta = generator(&g, &self.averages, w, averages)?;
                Some((g, game.host_theta(theta)?))
            })
            .collect();
        scorer.submit(Snapshot {
            step: t,
            generators,
        });
    }

    /// Ends scoring when the run ends: a `finished` run waits for its last scores (a signal
    /// cuts the wait short); any other ending leaves at once.
    pub fn finish(&mut self, finished: bool, interrupted: &dyn Fn() -> bool) {
        if let Some((_, scorer)) = self.live.take() {
            scorer.finish(finished, interrupted);
        }
    }
}

/// θ of the generator named `g`: `raw` (the last iterate) or an average by name (None before
/// its first point, or for a name the run has no average of).
fn generator<'a, V>(
    g: &str,
    names: &[String],
    w: &'a Players<V>,
    averages: &'a [AverageState<V>],
) -> Option<&'a V> {
    if g == "raw" {
        return Some(&w.theta);
    }
    let i = names.iter().position(|n| n == g)?;
    averages.get(i)?.value.as_ref().map(|v| &v.theta)
}

/// Drops the live scores of steps after `at` (a resumed run scores them again, as it logs
/// their metrics rows again); lines that are not scores are kept.
pub fn truncate_scores(dir: &RunDir, at: u64) -> Result<()> {
    let Ok(text) = std::fs::read_to_string(dir.file(SCORES)) else {
        return Ok(());
    };
    let kept: String = text
        .lines()
        .filter(|l| ScoreRecord::parse_line(l).is_none_or(|r| r.step.is_none_or(|s| s <= at)))
        .map(|l| format!("{l}\n"))
        .collect();
    if kept.len() != text.len() {
        dir.replace(SCORES, kept.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_the_last_iterate_or_an_average_by_name() {
        let w = Players::new(vec![1.0], vec![2.0]);
        let avg = |v: Option<f64>| AverageState {
            value: v.map(|x| Players::new(vec![x], vec![0.0])),
            weight: Players::both(1.0),
            beta: 0.0,
        };
        let averages = vec![avg(Some(3.0)), avg(None)];
        let names = vec!["uniform".to_string(), "ema".to_string()];
        let g = |n: &str| generator(n, &names, &w, &averages).cloned();
        assert_eq!(g("raw"), Some(vec![1.0]));
        assert_eq!(g("uniform"), Some(vec![3.0]));
        assert_eq!(g("ema"), None, "no point averaged yet");
        assert_eq!(g("other"), None);
    }

    #[test]
    fn resuming_drops_the_scores_after_the_checkpoint_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: tmp.path().to_path_buf(),
        };
        let record = |step: Option<u64>| ScoreRecord {
            step,
            generator: Some("raw".into()),
            samples: 10,
            splits: 1,
            inception_score: Some(1.5),
            inception_score_std: Some(0.0),
            fid: None,
            network: crate::score::network::NetworkId {
                kind: "synthetic-inception".into(),
                sha256: "ab".repeat(32),
                source: "test".into(),
                comparable: false,
            },
            reference: None,
            images: String::new(),
            preprocessing: String::new(),
            seconds: 0.1,
            time: 0.0,
            error: None,
        };
        for s in [Some(10), Some(50), None, Some(90)] {
            dir.append(&record(s)).unwrap();
        }
        dir.append_line(SCORES, "not a score").unwrap();
        truncate_scores(&dir, 50).unwrap();
        let steps: Vec<Option<u64>> = dir
            .records::<ScoreRecord>()
            .iter()
            .map(|r| r.step)
            .collect();
        assert_eq!(steps, [Some(10), Some(50), None]);
        assert!(dir.read(SCORES).unwrap().ends_with("not a score\n"));
        // Nothing to drop: the file is left alone, and a run without scores has none.
        truncate_scores(&dir, 50).unwrap();
        let empty = tempfile::tempdir().unwrap();
        let none = RunDir {
            path: empty.path().to_path_buf(),
        };
        truncate_scores(&none, 0).unwrap();
        assert!(!none.file(SCORES).exists());
    }
}
