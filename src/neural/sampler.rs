//! What the scorer needs of a game: images from a generator whose parameters arrive as host
//! copies, made on the scorer's own thread so training never waits, and the game's real
//! images for reference statistics.
//!
//! Samples follow the seed's protocol (\[VI\] §4.4, `train_extraadam.py`): generated in batches
//! of [`GENERATION_BATCH`] (the generator's BatchNorm uses batch statistics, so the batch is
//! part of the protocol), converted to bytes as int32((x·0.5 + 0.5)·255). The latents come from
//! a fixed seed, so every scored step sees the same z (curves differ by θ, not by noise).

use super::data::Dataset;
use super::image_set::ImageSet;

/// Images per generator call when sampling for a score (the seed: 100).
pub const GENERATION_BATCH: usize = 100;
/// Seed of the latents every score draws.
pub const SCORE_SEED: u64 = 0x5c0_2e5;

/// A generator the scorer can run.
pub trait ImageSampler: Send {
    /// One line for records.
    fn describe(&self) -> String;
    /// θ's tensors (PyTorch name, shape) in the order [`ImageSampler::sample`] reads them.
    fn theta_specs(&self) -> Vec<(String, Vec<usize>)>;
    /// `n` images of G_θ(z), θ given as one host vector per tensor, z ~ N(0, I) from `seed`.
    fn sample(&self, theta: &[Vec<f32>], n: usize, seed: u64) -> Result<ImageSet, String>;
    /// The real images the generator learns, with a description.
    fn real_images(&self) -> Option<(ImageSet, String)>;
    /// The dataset, when it is a known one.
    fn dataset(&self) -> Option<Dataset>;
}
