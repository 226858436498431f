//! One scoring pass: images stream through a [`Scorer`] in batches, feeding the streaming
//! class-based score ([`IsAccumulator`]) and, when a Fréchet distance is wanted, the feature
//! moments ([`Moments`]); nothing of size N is kept unless the features are asked for.

use super::inception::Features;
use super::inception_score::{InceptionScore, IsAccumulator};
use super::moments::{Gaussian, Moments};
use super::network::Scorer;
use crate::neural::image_set::ImageSet;

/// What a pass yields.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Images scored.
    pub samples: usize,
    /// Splits of the class-based score.
    pub splits: usize,
    /// The class-based score (Inception Score for Inception).
    pub score: InceptionScore,
    /// μ and Σ of the features, when asked for.
    pub gaussian: Option<Gaussian>,
    /// Every feature and logit, when asked for.
    pub features: Option<Features>,
}

/// A pass over exactly `samples` images.
pub struct Session<'a> {
    scorer: &'a dyn Scorer,
    samples: usize,
    splits: usize,
    is: IsAccumulator,
    moments: Option<Moments>,
    kept: Option<Features>,
    seen: usize,
}

impl<'a> Session<'a> {
    /// A pass of `samples` images in `splits` parts, with feature moments when `moments` and
    /// every feature kept when `keep`.
    pub fn new(
        scorer: &'a dyn Scorer,
        samples: usize,
        splits: usize,
        moments: bool,
        keep: bool,
    ) -> Result<Self, String> {
        Ok(Session {
            scorer,
            samples,
            splits,
            is: IsAccumulator::new(samples, scorer.classes(), splits)?,
            moments: moments.then(|| Moments::new(scorer.dims())),
            kept: keep.then(|| Features {
                count: 0,
                dims: scorer.dims(),
                pool3: vec![],
                logits: vec![],
            }),
            seen: 0,
        })
    }

    /// Images still expected.
    pub fn remaining(&self) -> usize {
        self.samples - self.seen
    }

    /// Scores the next images (no more than [`Session::remaining`]).
    pub fn add(&mut self, images: &ImageSet) -> Result<(), String> {
        if images.len() > self.remaining() {
            return Err(format!(
                "{} images given, {} expected",
                images.len(),
                self.remaining()
            ));
        }
        let f = self.scorer.features(images)?;
        self.is.add(&f.logits);
        if let Some(m) = &mut self.moments {
            m.add(&f.pool3);
        }
        if let Some(k) = &mut self.kept {
            k.count += f.count;
            k.pool3.extend_from_slice(&f.pool3);
            k.logits.extend_from_slice(&f.logits);
        }
        self.seen += images.len();
        Ok(())
    }

    /// The results, once every image is in.
    pub fn finish(self) -> Result<Outcome, String> {
        let score = self.is.finish()?;
        let gaussian = match &self.moments {
            Some(m) => Some(m.finish()?),
            None => None,
        };
        Ok(Outcome {
            samples: self.samples,
            splits: self.splits,
            score,
            gaussian,
            features: self.kept,
        })
    }
}
