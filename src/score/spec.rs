//! The `score` section of a preset (and of a run's `config.ron`): live Inception Score and FID
//! every `every` iterations, computed on a thread of its own from snapshots of the generators.
//!
//! ```ron
//! score: Some((
//!     every: 5000,
//!     network: Inception(weights: "pt_inception-2015-12-05.safetensors"),
//!     samples: 50000,              // N (the reference protocol; fewer is faster, FID biased up)
//!     splits: 10,
//!     reference: Some(Data),       // or Some(Stats("fid_stats_cifar10_train.npz")), None: IS only
//!     generators: Some(["raw", "uniform", "ema"]),   // default: raw and every average kept
//!     threads: 1,                  // the scorer's threads; training keeps the rest
//! )),
//! ```

use super::network::{InceptionScorer, Scorer};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which network scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum NetworkSpec {
    /// The reference: pytorch-fid's weights converted to safetensors.
    Inception {
        /// The safetensors file.
        weights: String,
        /// Refuse the file unless its SHA-256 starts with these hex digits.
        #[serde(default)]
        sha256: Option<String>,
    },
    /// Seeded random weights: numbers that measure nothing (demonstrations, tests).
    SyntheticInception {
        /// Seed of the weights.
        seed: u64,
        /// Divisor of every width (1: full size).
        #[serde(default = "one")]
        div: usize,
    },
    /// saddle's MNIST/Fashion-MNIST classifier (`saddle classifier train`): a classifier score,
    /// not comparable with published Inception Scores.
    Classifier {
        /// Its safetensors file.
        weights: String,
    },
}

/// The statistics FID is measured against.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ReferenceSpec {
    /// The run's own training images (computed once by the scorer, cached).
    Data,
    /// An .npz (`mu`, `sigma`) or a dataset directory.
    Stats(String),
}

fn one() -> usize {
    1
}
fn d_samples() -> usize {
    50_000
}
fn d_splits() -> usize {
    10
}

/// Live scoring.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreSpec {
    /// A score every this many iterations.
    pub every: u64,
    /// The network.
    pub network: NetworkSpec,
    /// Images per score (N).
    #[serde(default = "d_samples")]
    pub samples: usize,
    /// Splits of the class-based score.
    #[serde(default = "d_splits")]
    pub splits: usize,
    /// FID's reference statistics (None: no FID).
    #[serde(default)]
    pub reference: Option<ReferenceSpec>,
    /// Generators to score: `raw` and average names (None: raw and every average).
    #[serde(default)]
    pub generators: Option<Vec<String>>,
    /// Threads of the scorer.
    #[serde(default = "one")]
    pub threads: usize,
}

impl ScoreSpec {
    /// Checks the values (files are checked when the run starts); `averages` are the names of
    /// the run's averages.
    pub fn validate(&self, averages: &[String]) -> Result<(), String> {
        if self.every == 0 {
            return Err("score.every must be at least 1".into());
        }
        if self.splits == 0 || self.samples < self.splits {
            return Err(format!(
                "score: need 1 ≤ splits ≤ samples, got splits {} and samples {}",
                self.splits, self.samples
            ));
        }
        if self.threads == 0 || self.threads > 256 {
            return Err(format!(
                "score.threads must be in 1..=256, got {}",
                self.threads
            ));
        }
        if let NetworkSpec::SyntheticInception { div, .. } = self.network {
            if !super::inception::DIVISORS.contains(&div) {
                return Err(format!(
                    "score.network: div must be one of {:?}, got {div}",
                    super::inception::DIVISORS
                ));
            }
        }
        for g in self.generators.iter().flatten() {
            if g != "raw" && !averages.contains(g) {
                return Err(format!(
                    "score.generators: {g:?} is neither \"raw\" nor one of the run's averages ({})",
                    if averages.is_empty() {
                        "none".to_string()
                    } else {
                        averages.join(", ")
                    }
                ));
            }
        }
        Ok(())
    }

    /// Checks that the files it names exist, so that a run is refused before its directory is
    /// made (their contents are checked when the scorer loads them).
    pub fn check_files(&self) -> Result<(), String> {
        let weights = match &self.network {
            NetworkSpec::Inception { weights, .. } | NetworkSpec::Classifier { weights } => {
                Some(weights)
            }
            NetworkSpec::SyntheticInception { .. } => None,
        };
        if let Some(w) = weights {
            if !Path::new(w).is_file() {
                return Err(format!(
                    "score.network: {w}: no such file ({})",
                    match self.network {
                        NetworkSpec::Classifier { .. } => "make one with `saddle classifier train`",
                        _ => "see `saddle score --help` for the one-line conversion of pytorch-fid's weights",
                    }
                ));
            }
        }
        if let Some(ReferenceSpec::Stats(p)) = &self.reference {
            if !Path::new(p).exists() {
                return Err(format!("score.reference: {p}: no such file or directory"));
            }
        }
        Ok(())
    }

    /// The generators scored: `raw` first, then averages.
    pub fn generator_names(&self, averages: &[String]) -> Vec<String> {
        match &self.generators {
            Some(g) => g.clone(),
            None => std::iter::once("raw".to_string())
                .chain(averages.iter().cloned())
                .collect(),
        }
    }
}

impl NetworkSpec {
    /// Loads the network (reads and checks the weights file).
    pub fn load(&self) -> Result<Box<dyn Scorer>, String> {
        match self {
            NetworkSpec::Inception { weights, sha256 } => Ok(Box::new(InceptionScorer::from_file(
                Path::new(weights),
                sha256.as_deref(),
            )?)),
            NetworkSpec::SyntheticInception { seed, div } => {
                Ok(Box::new(InceptionScorer::synthetic(*seed, *div)?))
            }
            NetworkSpec::Classifier { weights } => Ok(Box::new(
                super::classifier::ClassifierScorer::from_file(Path::new(weights))?,
            )),
        }
    }
}
