//! The preset sections of neural games (`MixtureGan(…)`, `ImageGan(…)`) and building them on
//! their device, with validation that names what is wrong (and, for data, where the files
//! come from).

use super::{BuiltGame, GameSpec};
use crate::check::count as check_count;
use crate::game::{DataOrder, Gan, GanSettings};
use crate::neural::data::{DataFiles, Dataset};
use crate::neural::device::{DeviceSpec, NeuralDevice};
use crate::neural::gan_model::GanModel;
use crate::neural::image_gan::{Architecture, BatchNormGamma, ImageModel};
use crate::neural::loss::GanLoss;
use crate::neural::mixture::MixtureSpec;
use crate::neural::mog::{MixtureModel, ModeEval};
use crate::neural::nets::mlp::WeightInit;
use dfdx::prelude::*;
use serde::{Deserialize, Serialize};

fn d_latent_mog() -> usize {
    8
}
fn d_hidden() -> usize {
    256
}
fn d_layers() -> usize {
    3
}
fn d_batch_mog() -> usize {
    128
}
fn d_eval_samples() -> usize {
    2500
}
fn d_hq_sigmas() -> f64 {
    3.0
}
fn d_one() -> usize {
    1
}
fn d_batch_img() -> usize {
    64
}
fn d_latent_img() -> usize {
    128
}
fn d_grid() -> usize {
    64
}

/// `MixtureGan(…)`: a GAN on a 2-D mixture of Gaussians with MLP players (\[NM\] §4.5(b) and
/// the VEEGAN/PacGAN ring and grid); metrics: modes covered and % high-quality samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixtureGanSpec {
    /// The data distribution.
    pub mixture: MixtureSpec,
    /// `Saturating` (zero-sum) or `NonSaturating`.
    pub loss: GanLoss,
    /// Dimension of z ~ N(0, I) (\[NM\]: 8).
    #[serde(default = "d_latent_mog")]
    pub latent_dim: usize,
    /// Width of the hidden layers (\[NM\]: 256).
    #[serde(default = "d_hidden")]
    pub hidden: usize,
    /// Hidden layers of each network (\[NM\]: 3).
    #[serde(default = "d_layers")]
    pub hidden_layers: usize,
    /// Minibatch size (\[NM\]: 128).
    #[serde(default = "d_batch_mog")]
    pub batch: usize,
    /// Generated points scored per metrics row (PacGAN: 2500).
    #[serde(default = "d_eval_samples")]
    pub eval_samples: usize,
    /// High quality = within this many σ of the nearest mode.
    #[serde(default = "d_hq_sigmas")]
    pub hq_sigmas: f64,
    /// A mode is covered with at least this many high-quality samples.
    #[serde(default = "d_one")]
    pub min_count: usize,
    /// How both networks' weights start: `Normal(std: 0.02)` (the reference script's, the
    /// default) or `FanIn` (Sonnet's, as the SGA notebook's networks start).
    #[serde(default)]
    pub weights: WeightInit,
    /// `"cpu"` or `"cuda:N"`.
    #[serde(default)]
    pub device: DeviceSpec,
}

impl GameSpec for MixtureGanSpec {
    fn check(&self, _seed: u64) -> Result<(), String> {
        self.mixture.build()?;
        self.weights.check()?;
        check_count("latent_dim", self.latent_dim, 4096)?;
        check_count("hidden", self.hidden, 16384)?;
        check_count("hidden_layers", self.hidden_layers, 64)?;
        check_count("batch", self.batch, 1 << 20)?;
        check_count("eval_samples", self.eval_samples, 1 << 22)?;
        if !(self.hq_sigmas.is_finite() && self.hq_sigmas > 0.0) {
            return Err(format!(
                "hq_sigmas must be finite and > 0, got {}",
                self.hq_sigmas
            ));
        }
        if matches!(self.loss, GanLoss::Wgan) {
            return Err(
                "loss: the mixture GAN has logistic losses only (Saturating or NonSaturating)"
                    .into(),
            );
        }
        self.device.validate()?;
        // A lower bound, f32: each network's hidden activations for a minibatch, values and
        // gradients, and its weights with their gradients (scoring generates in minibatches,
        // without gradients). A size far past the machine aborted on a failed allocation.
        let (rows, h, l) = (
            self.batch as f64,
            self.hidden as f64,
            self.hidden_layers as f64,
        );
        let bytes = 2.0 * (rows * h * l * 2.0 + h * h * l * 2.0) * 4.0;
        host_memory(
            self.device,
            &format!(
                "batch = {}, hidden = {}, hidden_layers = {} (the networks' activations and weights)",
                self.batch, self.hidden, self.hidden_layers
            ),
            bytes,
        )
    }

    fn build(&self, seed: u64) -> Result<BuiltGame, String> {
        self.check(seed)?;
        let eval = ModeEval {
            samples: self.eval_samples,
            hq_sigmas: self.hq_sigmas,
            min_count: self.min_count,
        };
        let mixture = self.mixture.build()?;
        let model = || {
            MixtureModel::with_weights(
                mixture.clone(),
                self.latent_dim,
                self.hidden,
                self.hidden_layers,
                eval,
                self.weights,
            )
        };
        let settings = GanSettings {
            loss: self.loss,
            batch: self.batch,
            clip: None,
            gp_weight: None,
            seed,
            order: DataOrder::Replacement,
        };
        on_device(self.device, model, settings)
    }
}

/// `ImageGan(…)`: an image GAN (DCGAN or ResNet players) on CIFAR-10, MNIST, Fashion-MNIST or
/// a registered dataset's files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageGanSpec {
    /// Which dataset.
    pub dataset: Dataset,
    /// Directory of its files (default: `$SADDLE_DATA/<dataset's folder>`).
    #[serde(default)]
    pub data_dir: Option<String>,
    /// The networks.
    pub arch: Architecture,
    /// The loss.
    pub loss: GanLoss,
    /// WGAN weight clipping: φ ∈ [−clip, clip] (the reference: 0.01).
    #[serde(default)]
    pub clip: Option<f64>,
    /// WGAN-GP penalty weight λ (the reference: 10).
    #[serde(default)]
    pub gp_weight: Option<f64>,
    /// Minibatch size (the reference: 64).
    #[serde(default = "d_batch_img")]
    pub batch: usize,
    /// Dimension of z ~ N(0, I) (the reference: 128).
    #[serde(default = "d_latent_img")]
    pub latent_dim: usize,
    /// Images in each saved sample grid.
    #[serde(default = "d_grid")]
    pub grid: usize,
    /// How BatchNorm's scales γ start: `One` (PyTorch ≥ 1.2) or `Uniform`, γ ~ U(0, 1) (PyTorch
    /// ≤ 1.1; what REF-VI's PyTorch 0.4.0 drew).
    #[serde(default)]
    pub batchnorm_gamma: BatchNormGamma,
    /// How minibatches take the training images: `Replacement` (uniform draws, the default) or
    /// `Epochs(drop_last: false)`, shuffled epochs as REF-VI's `DataLoader(shuffle=True)`.
    #[serde(default)]
    pub order: DataOrder,
    /// `"cpu"` or `"cuda:N"`.
    #[serde(default)]
    pub device: DeviceSpec,
}

impl ImageGanSpec {
    /// Where the dataset's files are.
    pub fn files(&self) -> Result<DataFiles, String> {
        DataFiles::locate(self.dataset, self.data_dir.as_deref())
    }
}

impl GameSpec for ImageGanSpec {
    fn check(&self, _seed: u64) -> Result<(), String> {
        check_count("batch", self.batch, 1 << 16)?;
        check_count("latent_dim", self.latent_dim, 4096)?;
        check_count("grid", self.grid, 1024)?;
        self.arch.check(self.dataset)?;
        if let Some(c) = self.clip {
            if !(c.is_finite() && c > 0.0) {
                return Err(format!("clip must be finite and > 0, got {c}"));
            }
        }
        if let Some(l) = self.gp_weight {
            if !(l.is_finite() && l >= 0.0) {
                return Err(format!("gp_weight must be finite and ≥ 0, got {l}"));
            }
            if self.arch.discriminator_batchnorm() {
                return Err("gp_weight: the gradient penalty needs a discriminator without BatchNorm (arch: … d_batchnorm: false)".into());
            }
        }
        if self.gp_weight.is_some() && self.loss != GanLoss::Wgan {
            return Err("gp_weight: the gradient penalty goes with loss: Wgan".into());
        }
        self.device.validate()?;
        // A lower bound, f32: the discriminator's first feature maps (nf channels at half the
        // side) for a minibatch of real and one of generated images and the generator's last
        // for the generated one, values and gradients: six maps.
        let side = self.dataset.image_shape().1 as f64;
        let maps = self.batch as f64 * self.arch.filters() as f64 * (side / 2.0).powi(2);
        host_memory(
            self.device,
            &format!(
                "batch = {}, arch.filters = {} (the networks' feature maps)",
                self.batch,
                self.arch.filters()
            ),
            maps * 6.0 * 4.0,
        )?;
        let files = self.files()?;
        // Refused here, before any run directory exists, not when the game is built; the
        // count checks the files on its way.
        if self.order == DataOrder::Replacement {
            files.check()
        } else {
            self.order.check(files.count()?, self.batch)
        }
    }

    fn build(&self, seed: u64) -> Result<BuiltGame, String> {
        self.check(seed)?;
        let data = self.files()?.load()?;
        let model = || {
            ImageModel::new(data.clone(), self.arch, self.latent_dim, self.grid)
                .with_batchnorm_gamma(self.batchnorm_gamma)
        };
        let settings = GanSettings {
            loss: self.loss,
            batch: self.batch,
            clip: self.clip,
            gp_weight: self.gp_weight,
            seed,
            order: self.order,
        };
        on_device(self.device, model, settings)
    }

    fn pin(&mut self) -> Result<(), String> {
        let dir = self.files()?.dir;
        let absolute =
            std::path::absolute(&dir).map_err(|e| format!("data_dir: {}: {e}", dir.display()))?;
        self.data_dir = Some(
            absolute
                .to_str()
                .ok_or_else(|| format!("data_dir: {}: not UTF-8", absolute.display()))?
                .to_string(),
        );
        Ok(())
    }
}

/// On the CPU, `bytes` (what `what` needs at least) fit in the memory this process can still
/// take (see [`crate::check::fits_in_memory`]); a GPU's memory is its own.
fn host_memory(device: DeviceSpec, what: &str, bytes: f64) -> Result<(), String> {
    match device {
        DeviceSpec::Cpu => crate::check::fits_in_memory(what, bytes),
        _ => Ok(()),
    }
}

/// Builds a [`Gan`] of `model` on `device`.
pub(crate) fn on_device<M, F>(
    device: DeviceSpec,
    model: F,
    settings: GanSettings,
) -> Result<BuiltGame, String>
where
    F: Fn() -> M,
    M: GanModel<Cpu> + MaybeCuda + 'static,
{
    match device {
        DeviceSpec::Cpu => Ok(BuiltGame::NeuralCpu(Box::new(Gan::new(
            model(),
            Cpu::shared(0),
            settings,
        )))),
        DeviceSpec::Cuda(n) => cuda_game(n, model(), settings),
    }
}

/// A model that can also run on CUDA (every model, in a build with the `cuda` feature).
#[cfg(feature = "cuda")]
pub trait MaybeCuda: GanModel<Cuda> + 'static {}
#[cfg(feature = "cuda")]
impl<M: GanModel<Cuda> + 'static> MaybeCuda for M {}
/// A model that can also run on CUDA (every model, in a build with the `cuda` feature).
#[cfg(not(feature = "cuda"))]
pub trait MaybeCuda {}
#[cfg(not(feature = "cuda"))]
impl<M> MaybeCuda for M {}

#[cfg(feature = "cuda")]
fn cuda_game<M: MaybeCuda>(n: usize, model: M, settings: GanSettings) -> Result<BuiltGame, String> {
    crate::neural::device::set_load_ordinal(n);
    let dev = std::panic::catch_unwind(|| Cuda::shared(n))
        .map_err(|_| format!("device cuda:{n} is not available"))?;
    Ok(BuiltGame::NeuralCuda(Box::new(Gan::new(
        model, dev, settings,
    ))))
}

#[cfg(not(feature = "cuda"))]
fn cuda_game<M>(n: usize, _model: M, _settings: GanSettings) -> Result<BuiltGame, String> {
    Err(DeviceSpec::Cuda(n)
        .validate()
        .expect_err("CUDA is refused without the feature"))
}
