//! One score as saddle stores it: a line of a run's `scores.jsonl` (written by the live
//! scorer) and the `--json` output of `saddle score`. Every score carries what it depends on:
//! sample count, splits, the network and its weights' SHA-256, the reference statistics, the
//! preprocessing and how the images were made.

use super::network::NetworkId;
use super::reference::ReferenceId;
use serde::{Deserialize, Serialize};

/// The file, in a run directory, that live scores are appended to.
pub const SCORES: &str = "scores.jsonl";

/// What every score's images go through before the network.
pub const PREPROCESSING: &str =
    "uint8 → TF1 bilinear resize to 299×299 (align_corners = false, no half-pixel centres) → (x − 128)/128";

/// One score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreRecord {
    /// Iterations the scored generator had (run scores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
    /// `raw` (the last iterate) or an average's name (`uniform`, `ema`, …) (run scores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// Images scored (N).
    pub samples: usize,
    /// Splits of the class-based score.
    pub splits: usize,
    /// The class-based score, mean over splits (Inception Score for Inception).
    pub inception_score: Option<f64>,
    /// Its population standard deviation over splits.
    pub inception_score_std: Option<f64>,
    /// The Fréchet distance to the reference statistics (FID for Inception).
    pub fid: Option<f64>,
    /// The network.
    pub network: NetworkId,
    /// The reference statistics of `fid`.
    #[serde(default)]
    pub reference: Option<ReferenceId>,
    /// What was scored and how the images were made.
    pub images: String,
    /// The preprocessing ([`PREPROCESSING`], or the classifier's).
    pub preprocessing: String,
    /// Seconds the score took (sampling included).
    pub seconds: f64,
    /// Unix time it was written.
    pub time: f64,
    /// Why there is no score (e.g. the scorer was still busy with an earlier step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The records of a `scores.jsonl` text (lines that are not records are skipped).
pub fn parse_records(text: &str) -> Vec<ScoreRecord> {
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}
