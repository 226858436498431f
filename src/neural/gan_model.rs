//! What differs between the GAN games: the two networks, the data and the model's own metrics
//! and pictures. The game around them (minibatches, losses, the field) is `game::Gan`.

use super::bind::Bound;
use super::device::NeuralDevice;
use super::layers::linear::Features;
use super::layout::Layout;
use super::ops::Traced;
use super::sampler::ImageSampler;
use crate::players::Players;
use crate::rng::Rng;
use dfdx::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// The networks and data of one GAN: what differs between the mixture and the image games.
pub trait GanModel<D: NeuralDevice>: Send {
    /// Shape of a batch of data points, e.g. (N, 2) or (N, C, H, W).
    type S: Shape;
    /// One line for logs and the dashboard.
    fn describe(&self) -> String;
    /// The players' parameter layouts.
    fn layouts(&self) -> Players<Arc<Layout>>;
    /// Dimension of the latent z ~ N(0, I).
    fn latent_dim(&self) -> usize;
    /// x = G_θ(z).
    fn generate(&self, theta: &Bound<D>, z: Features<D>) -> Traced<Self::S, D>;
    /// D_φ(x): one raw output per point, shape (N, 1).
    fn discriminate(&self, phi: &Bound<D>, x: Traced<Self::S, D>) -> Features<D>;
    /// The shape of a batch of n points.
    fn batch_shape(&self, n: usize) -> Self::S;
    /// n real points (row-major, as `batch_shape(n)`), drawn from `rng`.
    fn real_batch(&self, rng: &mut Rng, n: usize) -> Vec<f32>;
    /// The number of points of a finite training set, which an epoch data order permutes;
    /// `None` where real points come from a distribution (the mixtures).
    fn training_set_len(&self) -> Option<usize> {
        None
    }
    /// The training set's points at `indices` (row-major, as `batch_shape(indices.len())`).
    /// Asked only of models with a [`GanModel::training_set_len`]; the others have none.
    fn real_points(&self, _indices: &[usize]) -> Vec<f32> {
        Vec::new()
    }
    /// Names of the model's own metrics.
    fn metric_names(&self) -> Vec<String> {
        vec![]
    }
    /// The model's metrics of generated points `fake` (as many as `eval_count`).
    fn metrics(&self, _fake: &[f32]) -> Vec<Option<f64>> {
        vec![]
    }
    /// The widths (input first) of the generator and discriminator when both are plain ReLU
    /// MLPs: then the field has exact Jacobian-vector products (`neural::mog_field`).
    fn mlp_widths(&self) -> Option<Players<Vec<usize>>> {
        None
    }
    /// How many generated points metrics and pictures use.
    fn eval_count(&self) -> usize;
    /// A sampler of the generator's images for scoring on another thread (image models).
    fn image_sampler(&self) -> Option<Box<dyn ImageSampler>> {
        None
    }
    /// The mixture of Gaussians a model on 2-D data learns: its data plane (modes, generated
    /// points, the discriminator's decision map) is drawn in `mixture.window()`. None for
    /// other data.
    fn mixture(&self) -> Option<&super::mixture::Mixture> {
        None
    }
    /// Writes pictures of generated points `fake` into `dir` (after `step` iterations).
    fn write_samples(&self, _fake: &[f32], _dir: &Path, _step: u64) -> Result<(), String> {
        Ok(())
    }
}
