//! The mixture-of-Gaussians GAN (\[NM\] §4.5(b); VEEGAN/PacGAN ring and grid): MLP generator
//! z ∈ ℝ^latent → ℝ², MLP discriminator ℝ² → ℝ, metrics "modes covered" and "% high quality"
//! on a fixed set of generated points, and a scatter of them per sample interval.

use super::bind::Bound;
use super::device::NeuralDevice;
use super::gan_model::GanModel;
use super::layers::linear::Features;
use super::layout::Layout;
use super::mixture::Mixture;
use super::nets::mlp::{Mlp, WeightInit};
use super::picture::{sample_path, scatter, write_png};
use crate::players::Players;
use crate::rng::Rng;
use std::path::Path;
use std::sync::Arc;

/// How generated points are scored (`landscape.md` §3.2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModeEval {
    /// Generated points scored (PacGAN: 2500).
    pub samples: usize,
    /// A point is high quality within this many σ of its nearest mode (3).
    pub hq_sigmas: f64,
    /// A mode is covered with at least this many high-quality points (1).
    pub min_count: usize,
}

/// The mixture GAN's networks and data.
pub struct MixtureModel {
    mixture: Mixture,
    latent: usize,
    g: Mlp,
    d: Mlp,
    layouts: Players<Arc<Layout>>,
    eval: ModeEval,
}

impl MixtureModel {
    /// G: latent → hidden ×`hidden_layers` → 2; D: 2 → hidden ×`hidden_layers` → 1, ReLU
    /// between layers; weights N(0, 0.02²) as the reference script's.
    pub fn new(
        mixture: Mixture,
        latent: usize,
        hidden: usize,
        hidden_layers: usize,
        eval: ModeEval,
    ) -> Self {
        Self::with_weights(
            mixture,
            latent,
            hidden,
            hidden_layers,
            eval,
            WeightInit::default(),
        )
    }

    /// [`MixtureModel::new`] with the weights of both networks starting as `weights` says.
    pub fn with_weights(
        mixture: Mixture,
        latent: usize,
        hidden: usize,
        hidden_layers: usize,
        eval: ModeEval,
        weights: WeightInit,
    ) -> Self {
        let widths = |a: usize, b: usize| {
            let mut v = vec![a];
            v.extend(std::iter::repeat_n(hidden, hidden_layers));
            v.push(b);
            v
        };
        let (mut lg, mut ld) = (Layout::default(), Layout::default());
        let g = Mlp::new(&mut lg, "", &widths(latent, 2), weights);
        let d = Mlp::new(&mut ld, "", &widths(2, 1), weights);
        MixtureModel {
            mixture,
            latent,
            g,
            d,
            layouts: Players::new(Arc::new(lg), Arc::new(ld)),
            eval,
        }
    }

    /// The mixture.
    pub fn mixture(&self) -> &Mixture {
        &self.mixture
    }
}

impl<D: NeuralDevice> GanModel<D> for MixtureModel {
    type S = (usize, usize);

    fn describe(&self) -> String {
        format!(
            "mixture-of-Gaussians GAN, {} modes, σ {}",
            self.mixture.centers.len(),
            self.mixture.std
        )
    }
    fn layouts(&self) -> Players<Arc<Layout>> {
        self.layouts.clone()
    }
    fn latent_dim(&self) -> usize {
        self.latent
    }
    fn generate(&self, theta: &Bound<D>, z: Features<D>) -> Features<D> {
        self.g.forward(theta, z)
    }
    fn discriminate(&self, phi: &Bound<D>, x: Features<D>) -> Features<D> {
        self.d.forward(phi, x)
    }
    fn batch_shape(&self, n: usize) -> (usize, usize) {
        (n, 2)
    }
    fn real_batch(&self, rng: &mut Rng, n: usize) -> Vec<f32> {
        self.mixture.sample(rng, n)
    }
    fn metric_names(&self) -> Vec<String> {
        vec!["modes_covered".into(), "high_quality_pct".into()]
    }
    fn metrics(&self, fake: &[f32]) -> Vec<Option<f64>> {
        let s = self
            .mixture
            .stats(fake, self.eval.hq_sigmas, self.eval.min_count);
        vec![Some(s.modes_covered as f64), Some(s.high_quality_pct)]
    }
    fn eval_count(&self) -> usize {
        self.eval.samples
    }
    fn mlp_widths(&self) -> Option<Players<Vec<usize>>> {
        Some(Players::new(
            self.g.sizes().to_vec(),
            self.d.sizes().to_vec(),
        ))
    }
    fn mixture(&self) -> Option<&Mixture> {
        Some(&self.mixture)
    }
    fn write_samples(&self, fake: &[f32], dir: &Path, step: u64) -> Result<(), String> {
        let extent = self.mixture.window().x[1];
        let size = 384;
        write_png(
            &sample_path(dir, "scatter", step, "png")?,
            size as u32,
            size as u32,
            &scatter(fake, &self.mixture.centers, extent, size),
        )?;
        let mut csv = String::from("x,y\n");
        for p in fake.chunks_exact(2) {
            csv.push_str(&format!("{},{}\n", p[0], p[1]));
        }
        let path = sample_path(dir, "points", step, "csv")?;
        std::fs::write(&path, csv).map_err(|e| format!("{}: {e}", path.display()))
    }
}
