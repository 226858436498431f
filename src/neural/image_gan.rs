//! Image GANs: DCGAN (32×32 for CIFAR-10, 28×28 for MNIST/Fashion-MNIST) and ResNet-32 players
//! on image data, with PNG sample grids.

use super::bind::Bound;
use super::data::{Dataset, ImageData};
use super::device::NeuralDevice;
use super::gan_model::GanModel;
use super::image_sampler::CpuImageSampler;
use super::layers::linear::Features;
use super::layout::{Init, Layout};
use super::nets::dcgan::{DcganDiscriminator, DcganGenerator, DcganShape};
use super::nets::resnet::{ResnetDiscriminator, ResnetGenerator};
use super::ops::Image;
use super::picture::{grid, sample_path, write_png};
use crate::neural::sampler::ImageSampler;
use crate::players::Players;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

fn d_filters_dcgan() -> usize {
    64
}
fn d_filters_resnet() -> usize {
    128
}
fn yes() -> bool {
    true
}

/// The players' networks (spec §4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Architecture {
    /// DCGAN; the discriminator has BatchNorm when `d_batchnorm` (WGAN-clip: yes; GP: no).
    Dcgan {
        /// Base filters nf (64).
        #[serde(default = "d_filters_dcgan")]
        filters: usize,
        /// BatchNorm in the discriminator.
        #[serde(default = "yes")]
        d_batchnorm: bool,
    },
    /// ResNet-32 (32×32 images only), no BatchNorm in the discriminator.
    Resnet {
        /// Filters nf (128).
        #[serde(default = "d_filters_resnet")]
        filters: usize,
    },
}

impl Architecture {
    /// True when the discriminator has BatchNorm.
    pub fn discriminator_batchnorm(&self) -> bool {
        matches!(
            self,
            Architecture::Dcgan {
                d_batchnorm: true,
                ..
            }
        )
    }

    /// Base filters nf.
    pub fn filters(&self) -> usize {
        match *self {
            Architecture::Dcgan { filters, .. } | Architecture::Resnet { filters } => filters,
        }
    }

    /// Checks the architecture fits the dataset.
    pub fn check(&self, dataset: Dataset) -> Result<(), String> {
        let f = match *self {
            Architecture::Dcgan { filters, .. } | Architecture::Resnet { filters } => filters,
        };
        crate::check::count("arch.filters", f, 4096)?;
        if matches!(self, Architecture::Resnet { .. }) && dataset.image_shape().1 != 32 {
            return Err(format!(
                "arch: ResNet-32 needs 32×32 images, {dataset:?} has {}×{}",
                dataset.image_shape().1,
                dataset.image_shape().1
            ));
        }
        Ok(())
    }
}

/// How BatchNorm's scales γ start (its shifts start at 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BatchNormGamma {
    /// γ = 1: PyTorch's default since 1.2.
    #[default]
    One,
    /// γ ~ U(0, 1): PyTorch's default up to 1.1. REF-VI pins PyTorch 0.4.0 and its
    /// `weight_init` leaves BatchNorm alone, so its networks started this way.
    Uniform,
}

impl BatchNormGamma {
    /// The initialization of a γ tensor.
    pub fn init(self) -> Init {
        match self {
            BatchNormGamma::One => Init::Constant { value: 1.0 },
            BatchNormGamma::Uniform => Init::Uniform { lo: 0.0, hi: 1.0 },
        }
    }
}

enum Nets {
    Dcgan(DcganGenerator, DcganDiscriminator),
    Resnet(ResnetGenerator, ResnetDiscriminator),
}

/// An image GAN's networks and data.
pub struct ImageModel {
    data: ImageData,
    arch: Architecture,
    nets: Nets,
    layouts: Players<Arc<Layout>>,
    latent: usize,
    grid: usize,
    label: String,
}

impl ImageModel {
    /// The images it learns.
    pub fn data(&self) -> &ImageData {
        &self.data
    }

    /// The networks of `arch` for `data`'s images.
    pub fn new(data: ImageData, arch: Architecture, latent: usize, grid: usize) -> Self {
        let (mut lg, mut ld) = (Layout::default(), Layout::default());
        let (c, side) = (data.channels, data.side);
        let (nets, label) = match arch {
            Architecture::Dcgan {
                filters,
                d_batchnorm,
            } => {
                let shape = DcganShape {
                    channels: c,
                    start: if side == 32 { 4 } else { 7 },
                    ups: if side == 32 { 3 } else { 2 },
                    nf: filters,
                    latent,
                };
                assert_eq!(shape.side(), side, "DCGAN supports 32×32 and 28×28 images");
                (
                    Nets::Dcgan(
                        DcganGenerator::new(&mut lg, shape),
                        DcganDiscriminator::new(&mut ld, shape, d_batchnorm),
                    ),
                    format!(
                        "DCGAN-{side} (nf {filters}{})",
                        if d_batchnorm {
                            ", D with BatchNorm"
                        } else {
                            ""
                        }
                    ),
                )
            }
            Architecture::Resnet { filters } => (
                Nets::Resnet(
                    ResnetGenerator::new(&mut lg, filters, latent, c),
                    ResnetDiscriminator::new(&mut ld, filters, c),
                ),
                format!("ResNet-32 (nf {filters})"),
            ),
        };
        ImageModel {
            label: format!("{label} on {:?} ({} images)", data.dataset, data.count),
            data,
            arch,
            nets,
            layouts: Players::new(Arc::new(lg), Arc::new(ld)),
            latent,
            grid,
        }
    }
}

impl ImageModel {
    /// The same networks with BatchNorm scales γ starting as `gamma` says (in both players).
    pub fn with_batchnorm_gamma(mut self, gamma: BatchNormGamma) -> Self {
        for l in [&mut self.layouts.theta, &mut self.layouts.phi] {
            Arc::make_mut(l).set_batchnorm_scale(gamma.init());
        }
        self
    }
}

impl<D: NeuralDevice> GanModel<D> for ImageModel {
    type S = (usize, usize, usize, usize);

    fn describe(&self) -> String {
        self.label.clone()
    }
    fn layouts(&self) -> Players<Arc<Layout>> {
        self.layouts.clone()
    }
    fn latent_dim(&self) -> usize {
        self.latent
    }
    fn generate(&self, theta: &Bound<D>, z: Features<D>) -> Image<D> {
        match &self.nets {
            Nets::Dcgan(g, _) => g.forward(theta, z),
            Nets::Resnet(g, _) => g.forward(theta, z),
        }
    }
    fn discriminate(&self, phi: &Bound<D>, x: Image<D>) -> Features<D> {
        match &self.nets {
            Nets::Dcgan(_, d) => d.forward(phi, x),
            Nets::Resnet(_, d) => d.forward(phi, x),
        }
    }
    fn batch_shape(&self, n: usize) -> Self::S {
        (n, self.data.channels, self.data.side, self.data.side)
    }
    /// Images drawn uniformly with replacement (`order: Replacement`; the reference's
    /// shuffled epochs are `order: Epochs`, through [`GanModel::real_points`]).
    fn real_batch(&self, rng: &mut Rng, n: usize) -> Vec<f32> {
        let at: Vec<usize> = (0..n)
            .map(|_| rng.below(self.data.count as u64) as usize)
            .collect();
        <Self as GanModel<D>>::real_points(self, &at)
    }
    fn training_set_len(&self) -> Option<usize> {
        Some(self.data.count)
    }
    fn real_points(&self, indices: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(indices.len() * self.data.image_len());
        for &i in indices {
            self.data.push_image(i, &mut out);
        }
        out
    }
    fn eval_count(&self) -> usize {
        self.grid
    }
    fn image_sampler(&self) -> Option<Box<dyn ImageSampler>> {
        let copy = ImageModel::new(self.data.clone(), self.arch, self.latent, self.grid);
        Some(Box::new(CpuImageSampler::new(copy)))
    }
    fn write_samples(&self, fake: &[f32], dir: &Path, step: u64) -> Result<(), String> {
        let n = fake.len() / self.data.image_len();
        let cols = (n as f64).sqrt().ceil() as usize;
        let (w, h, rgb) = grid(
            fake,
            n,
            self.data.channels,
            self.data.side,
            self.data.side,
            cols,
        );
        write_png(&sample_path(dir, "grid", step, "png")?, w, h, &rgb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neural::net_tests::tiny_images;
    use dfdx::prelude::Cpu;

    /// The γ tensors of a layout: (name, initial values).
    fn gammas(l: &Layout, seed: u64) -> Vec<(String, Vec<f32>)> {
        let values = l.initial_values(&mut Rng::new(seed));
        l.specs
            .iter()
            .zip(values)
            .filter(|(s, _)| s.shape.len() == 1 && s.name.ends_with(".weight"))
            .map(|(s, v)| (s.name.clone(), v))
            .collect()
    }

    #[test]
    fn batchnorm_gamma_starts_at_one_or_uniform_in_0_1_as_pytorch_0_4_drew_it() {
        let arch = Architecture::Dcgan {
            filters: 4,
            d_batchnorm: true,
        };
        let one = ImageModel::new(tiny_images(3, 32), arch, 8, 4);
        let uni = ImageModel::new(tiny_images(3, 32), arch, 8, 4)
            .with_batchnorm_gamma(BatchNormGamma::Uniform);
        let (lo, lu) = (
            GanModel::<Cpu>::layouts(&one),
            GanModel::<Cpu>::layouts(&uni),
        );
        // G: the BatchNorm1d after the projection and two BatchNorm2d; D: two BatchNorm2d.
        let (g1, d1) = (gammas(&lo.theta, 1), gammas(&lo.phi, 1));
        assert_eq!((g1.len(), d1.len()), (3, 2), "{g1:?}");
        assert!(g1
            .iter()
            .chain(&d1)
            .all(|(_, v)| v.iter().all(|x| *x == 1.0)));
        let (gu, du) = (gammas(&lu.theta, 1), gammas(&lu.phi, 1));
        let all: Vec<f32> = gu.iter().chain(&du).flat_map(|(_, v)| v.clone()).collect();
        assert!(all.iter().all(|x| (0.0..1.0).contains(x)), "{all:?}");
        let mean = all.iter().sum::<f32>() / all.len() as f32;
        assert!(
            (mean - 0.5).abs() < 0.1,
            "mean {mean} of {} draws",
            all.len()
        );
        // Nothing else changes: same names, shapes and the other tensors' inits.
        for (a, b) in lo.theta.specs.iter().zip(&lu.theta.specs) {
            assert_eq!((&a.name, &a.shape), (&b.name, &b.shape));
            if !(a.shape.len() == 1 && a.name.ends_with(".weight")) {
                assert_eq!(a.init, b.init, "{}", a.name);
            }
        }
        // Seeded: the same draw again.
        assert_eq!(gammas(&lu.theta, 1), gu);
    }
}
