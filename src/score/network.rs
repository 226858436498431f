//! The networks scores are computed with, behind one interface: the reference Inception
//! (pytorch-fid's weights, from a file), a synthetic Inception (seeded weights: scores that
//! mean nothing, for demonstrations and tests), and saddle's MNIST/Fashion-MNIST classifier.
//! Each is identified by a [`NetworkId`] stored with every score.

use super::inception::weights::{load_inception, sha256_hex};
use super::inception::{Features, Inception, CLASSES};
use super::synthetic::Synthetic;
use crate::neural::image_set::ImageSet;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a score was computed with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkId {
    /// `inception-2015-12-05`, `synthetic-inception` or `classifier`.
    pub kind: String,
    /// SHA-256 of the weights file (of the generator's parameters for synthetic weights).
    pub sha256: String,
    /// The weights file, or a description of synthetic weights.
    pub source: String,
    /// True only for the reference network: its scores compare with published ones.
    pub comparable: bool,
}

impl NetworkId {
    /// The name of the class-based score this network gives.
    pub fn score_name(&self) -> &'static str {
        match self.kind.as_str() {
            "classifier" => "classifier score",
            _ => "Inception Score",
        }
    }

    /// The name of the Fréchet distance on its features.
    pub fn distance_name(&self) -> &'static str {
        match self.kind.as_str() {
            "classifier" => "Fréchet classifier distance",
            _ => "FID",
        }
    }

    /// A warning to print next to its scores, when they are not the published kind.
    pub fn caveat(&self) -> Option<String> {
        match self.kind.as_str() {
            "inception-2015-12-05" => None,
            "synthetic-inception" => Some(format!(
                "{}: random weights — these numbers measure nothing and compare with nothing",
                self.source
            )),
            _ => Some(format!(
                "{} ({}): not comparable with published Inception Scores or FIDs",
                self.score_name(),
                self.source
            )),
        }
    }
}

/// A network that maps byte images to features (for the Fréchet distance) and class logits
/// (for the class-based score).
pub trait Scorer: Send + Sync {
    /// Which network.
    fn id(&self) -> &NetworkId;
    /// Number of classes of its logits.
    fn classes(&self) -> usize;
    /// Width of its features.
    fn dims(&self) -> usize;
    /// Features and logits of every image, in order, on the current rayon pool.
    fn features(&self, images: &ImageSet) -> Result<Features, String>;
    /// What images go through before the network, for records.
    fn preprocessing(&self) -> &'static str {
        super::record::PREPROCESSING
    }
}

/// The Inception network with its identity.
pub struct InceptionScorer {
    /// The network.
    pub net: Inception,
    /// Its identity.
    pub id: NetworkId,
}

impl InceptionScorer {
    /// The reference network from pytorch-fid's weights converted to safetensors; `sha256`
    /// (hex, ≥ 8 digits) must prefix the file's hash when given.
    pub fn from_file(path: &Path, sha256: Option<&str>) -> Result<Self, String> {
        let (net, w) = load_inception(path, sha256)?;
        Ok(InceptionScorer {
            net,
            id: NetworkId {
                kind: "inception-2015-12-05".into(),
                sha256: w.sha256,
                source: path.display().to_string(),
                comparable: true,
            },
        })
    }

    /// Seeded synthetic weights (see [`super::synthetic`]) with widths divided by `div`.
    pub fn synthetic(seed: u64, div: usize) -> Result<Self, String> {
        let net = Inception::load(&mut Synthetic { seed }, div)?;
        let source = format!("synthetic weights (seed {seed}, widths ÷{div})");
        Ok(InceptionScorer {
            net,
            id: NetworkId {
                kind: "synthetic-inception".into(),
                sha256: sha256_hex(source.as_bytes()),
                source,
                comparable: false,
            },
        })
    }
}

impl Scorer for InceptionScorer {
    fn id(&self) -> &NetworkId {
        &self.id
    }
    fn classes(&self) -> usize {
        CLASSES
    }
    fn dims(&self) -> usize {
        self.net.dims()
    }
    fn features(&self, images: &ImageSet) -> Result<Features, String> {
        if images.channels != 1 && images.channels != 3 {
            return Err(format!(
                "images have {} channels; Inception reads grey or RGB",
                images.channels
            ));
        }
        Ok(self.net.features(images))
    }
}
