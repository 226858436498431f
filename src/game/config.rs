//! The game section of a preset.

use super::{DiracGan, LinearGame, LogisticToy, StochasticBilinear, ToyGame};
use crate::constraint::Constraint;
use crate::linalg::{linspace, with_singular_values, Mat};
use crate::neural::config::{self as nc, ImageGanSpec, MixtureGanSpec, NeuralSpec};
use crate::neural::data::Dataset;
use crate::neural::device::DeviceSpec;
use crate::neural::image_gan::Architecture;
use crate::neural::loss::GanLoss;
use crate::neural::mixture::MixtureSpec;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Where the players start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Start {
    /// Every entry drawn from N(0, scale²) (seeded by the preset's seed), then projected.
    Random {
        /// Standard deviation of each entry.
        scale: f64,
    },
    /// An explicit point.
    Point {
        /// The generator's starting parameters.
        theta: Vec<f64>,
        /// The discriminator's starting parameters.
        phi: Vec<f64>,
    },
}

impl Default for Start {
    fn default() -> Self {
        Start::Random { scale: 1.0 }
    }
}

/// The coupling matrix A of a bilinear game θᵀAφ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub enum MatrixSpec {
    /// A = I.
    #[default]
    Identity,
    /// A = diag(values): singular values |values|, no rotation of the axes.
    Diagonal(Vec<f64>),
    /// A given row by row.
    Explicit(Vec<Vec<f64>>),
    /// A = U diag(σ) Vᵀ with random orthogonal U, V: exactly these singular values.
    SingularValues(Vec<f64>),
    /// Singular values evenly spaced from `min` to `max`, randomly rotated as above.
    SingularRange {
        /// Smallest singular value σ_min.
        min: f64,
        /// Largest singular value σ_max.
        max: f64,
    },
}

/// The linear terms aᵀθ + bᵀφ of a bilinear game.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub enum LinearTerms {
    /// a = b = 0: the equilibrium is the origin.
    #[default]
    Zero,
    /// a, b ~ N(0, scale²) entry-wise.
    Random {
        /// Standard deviation of each entry.
        scale: f64,
    },
    /// a and b given.
    Explicit {
        /// Coefficients of θ.
        a: Vec<f64>,
        /// Coefficients of φ.
        b: Vec<f64>,
    },
}

/// Loss of the Dirac-GAN (Mescheder et al. 2018): real data δ₀, generator δ_θ, linear
/// discriminator logit ψx (ψ is the player φ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiracLoss {
    /// Zero-sum: L_G = log σ(0) + log σ(−φθ) = −L_D.
    Saturating,
    /// L_D as above, L_G = −log σ(φθ).
    NonSaturating,
    /// L_G = −φθ = −L_D (Wasserstein critic; clip φ to make it a WGAN).
    Wgan,
}

/// Which game a preset plays.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum GameConfig {
    /// min_θ max_φ θᵀAφ + aᵀθ + bᵀφ, θ, φ ∈ ℝ^dim.
    Bilinear {
        /// Dimension of each player.
        dim: usize,
        /// The coupling matrix A.
        #[serde(default)]
        matrix: MatrixSpec,
        /// The linear terms.
        #[serde(default)]
        linear: LinearTerms,
        /// Constraint sets (unconstrained by default).
        #[serde(default)]
        constraint: Option<PlayerConstraints>,
        /// Starting point.
        #[serde(default)]
        start: Start,
    },
    /// The finite-sum bilinear game of [VI] §7.1: (1/n) Σᵢ θᵀM⁽ⁱ⁾φ + θᵀa⁽ⁱ⁾ + φᵀb⁽ⁱ⁾ on
    /// [−1, 1]^dim, one component per oracle call.
    StochasticBilinear {
        /// Dimension of each player (the paper: 1000).
        dim: usize,
        /// Number of components n (the paper: 1000); must be even (components come in
        /// antithetic pairs so the mean is exact).
        components: usize,
        /// Scale of each component's deviation from the mean game.
        #[serde(default = "default_noise")]
        noise: f64,
        /// Range of the mean matrix's singular values (min, max).
        #[serde(default = "default_sv_range")]
        singular_values: (f64, f64),
        /// Starting point.
        #[serde(default)]
        start: Start,
    },
    /// The talk's non-convex toy: min_θ max_φ −log(1 + e^{−φᵀθ}) − log(1 + e^{φᵀx₀}).
    Logistic {
        /// The data point x₀ (its length is the dimension). [VI] App. G.1 uses x₀ = −2.
        x0: Vec<f64>,
        /// Starting point.
        #[serde(default)]
        start: Start,
    },
    /// Dirac-GAN: θ, φ ∈ ℝ.
    DiracGan {
        /// Which loss.
        loss: DiracLoss,
        /// Clip φ to [−clip, clip] after every change (WGAN weight clipping).
        #[serde(default)]
        clip: Option<f64>,
        /// Starting point.
        #[serde(default)]
        start: Start,
    },
    /// A small MLP GAN in f64 (`game::MlpGan`): generator and discriminator with one tanh
    /// layer of `hidden` units, full batch of `samples` points from `modes` Gaussians on a ring.
    MlpGan {
        /// Hidden units of each network.
        hidden: usize,
        /// Real samples and latent codes (drawn once).
        samples: usize,
        /// Number of Gaussians on the unit circle.
        modes: usize,
        /// Starting weights (default N(0, 0.5²)).
        #[serde(default = "mlp_start")]
        start: Start,
    },
    /// f = ½θᵀPθ + θᵀBφ − ½φᵀQφ with P = Q = (1 − mix)·S (S symmetric, eigenvalues evenly
    /// spread in [mu, ell]) and B = mix·R (singular values in [mu, ell]): mix = 0 is a potential
    /// game, mix = 1 a purely rotational (bilinear) one. Equilibrium at the origin.
    Quadratic {
        /// Dimension of each player.
        dim: usize,
        /// Weight of the rotational part, in [0, 1].
        mix: f64,
        /// Smallest eigenvalue / singular value μ.
        mu: f64,
        /// Largest eigenvalue / singular value ℓ.
        ell: f64,
        /// Starting point.
        #[serde(default)]
        start: Start,
    },
    /// A GAN on a 2-D mixture of Gaussians with MLP players ([NM] §4.5(b) and the
    /// VEEGAN/PacGAN ring and grid); metrics: modes covered and % high-quality samples. The
    /// fields are those of [`MixtureGanSpec`].
    MixtureGan {
        /// The data distribution.
        mixture: MixtureSpec,
        /// `Saturating` (zero-sum) or `NonSaturating`.
        loss: GanLoss,
        /// Dimension of z ~ N(0, I) ([NM]: 8).
        #[serde(default = "nc::d_latent_mog")]
        latent_dim: usize,
        /// Width of the hidden layers ([NM]: 256).
        #[serde(default = "nc::d_hidden")]
        hidden: usize,
        /// Hidden layers of each network ([NM]: 3).
        #[serde(default = "nc::d_layers")]
        hidden_layers: usize,
        /// Minibatch size ([NM]: 128).
        #[serde(default = "nc::d_batch_mog")]
        batch: usize,
        /// Generated points scored per metrics row (PacGAN: 2500).
        #[serde(default = "nc::d_eval_samples")]
        eval_samples: usize,
        /// High quality = within this many σ of the nearest mode.
        #[serde(default = "nc::d_hq_sigmas")]
        hq_sigmas: f64,
        /// A mode is covered with at least this many high-quality samples.
        #[serde(default = "nc::d_one")]
        min_count: usize,
        /// `"cpu"` or `"cuda:N"`.
        #[serde(default)]
        device: DeviceSpec,
    },
    /// An image GAN (DCGAN or ResNet players) on CIFAR-10, MNIST or Fashion-MNIST files. The
    /// fields are those of [`ImageGanSpec`].
    ImageGan {
        /// Which dataset.
        dataset: Dataset,
        /// Directory of its files (default: `$SADDLE_DATA/<dataset's folder>`).
        #[serde(default)]
        data_dir: Option<String>,
        /// The networks.
        arch: Architecture,
        /// The loss.
        loss: GanLoss,
        /// WGAN weight clipping: φ ∈ [−clip, clip] (the reference: 0.01).
        #[serde(default)]
        clip: Option<f64>,
        /// WGAN-GP penalty weight λ (the reference: 10).
        #[serde(default)]
        gp_weight: Option<f64>,
        /// Minibatch size (the reference: 64).
        #[serde(default = "nc::d_batch_img")]
        batch: usize,
        /// Dimension of z ~ N(0, I) (the reference: 128).
        #[serde(default = "nc::d_latent_img")]
        latent_dim: usize,
        /// Images in each saved sample grid.
        #[serde(default = "nc::d_grid")]
        grid: usize,
        /// `"cpu"` or `"cuda:N"`.
        #[serde(default)]
        device: DeviceSpec,
    },
}

/// Per-player constraint sets in a preset.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PlayerConstraints {
    /// The generator's set.
    #[serde(default)]
    pub theta: Constraint,
    /// The discriminator's set.
    #[serde(default)]
    pub phi: Constraint,
}

fn mlp_start() -> Start {
    Start::Random { scale: 0.5 }
}

fn default_noise() -> f64 {
    1.0
}

fn default_sv_range() -> (f64, f64) {
    (0.5, 1.0)
}

fn positive(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be finite and > 0, got {v}"))
    }
}

fn dimension(name: &str, v: usize, max: usize) -> Result<(), String> {
    if v == 0 {
        Err(format!("{name} must be at least 1, got 0"))
    } else if v > max {
        Err(format!("{name} = {v} is larger than the supported {max}"))
    } else {
        Ok(())
    }
}

impl MatrixSpec {
    fn build(&self, dim: usize, rng: &mut Rng) -> Result<Mat, String> {
        let check_len = |what: &str, n: usize| {
            if n == dim {
                Ok(())
            } else {
                Err(format!("matrix: {what} has {n} entries but dim = {dim}"))
            }
        };
        match self {
            MatrixSpec::Identity => Ok(Mat::identity(dim)),
            MatrixSpec::Diagonal(d) => {
                check_len("Diagonal", d.len())?;
                Ok(Mat::diagonal(d))
            }
            MatrixSpec::Explicit(rows) => {
                let m = Mat::from_rows(rows).map_err(|e| format!("matrix: {e}"))?;
                if m.rows != dim || m.cols != dim {
                    return Err(format!(
                        "matrix: Explicit is {}×{} but dim = {dim} needs {dim}×{dim}",
                        m.rows, m.cols
                    ));
                }
                Ok(m)
            }
            MatrixSpec::SingularValues(s) => {
                check_len("SingularValues", s.len())?;
                if let Some(bad) = s.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                    return Err(format!(
                        "matrix: singular values must be finite and ≥ 0, got {bad}"
                    ));
                }
                Ok(with_singular_values(s, rng))
            }
            MatrixSpec::SingularRange { min, max } => {
                positive("matrix.min", *min)?;
                positive("matrix.max", *max)?;
                if min > max {
                    return Err(format!("matrix: min = {min} > max = {max}"));
                }
                Ok(with_singular_values(&linspace(*max, *min, dim), rng))
            }
        }
    }
}

impl GameConfig {
    /// Short name of the game kind, used in run ids and the dashboard.
    pub fn kind(&self) -> &'static str {
        match self {
            GameConfig::Bilinear { .. } => "bilinear",
            GameConfig::StochasticBilinear { .. } => "stochastic-bilinear",
            GameConfig::Logistic { .. } => "logistic",
            GameConfig::DiracGan { .. } => "dirac-gan",
            GameConfig::Quadratic { .. } => "quadratic",
            GameConfig::MlpGan { .. } => "mlp-gan",
            GameConfig::MixtureGan { .. } => "mixture-gan",
            GameConfig::ImageGan { .. } => "image-gan",
        }
    }

    /// The same game started at `start`.
    pub fn with_start(&self, start: Start) -> GameConfig {
        let mut g = self.clone();
        match &mut g {
            GameConfig::Bilinear { start: s, .. }
            | GameConfig::StochasticBilinear { start: s, .. }
            | GameConfig::Logistic { start: s, .. }
            | GameConfig::DiracGan { start: s, .. }
            | GameConfig::Quadratic { start: s, .. }
            | GameConfig::MlpGan { start: s, .. } => *s = start,
            GameConfig::MixtureGan { .. } | GameConfig::ImageGan { .. } => {}
        }
        g
    }

    /// The settings of a neural game (None for toy games).
    pub fn neural(&self) -> Option<Box<dyn NeuralSpec>> {
        match self.clone() {
            GameConfig::MixtureGan {
                mixture,
                loss,
                latent_dim,
                hidden,
                hidden_layers,
                batch,
                eval_samples,
                hq_sigmas,
                min_count,
                device,
            } => Some(Box::new(MixtureGanSpec {
                mixture,
                loss,
                latent_dim,
                hidden,
                hidden_layers,
                batch,
                eval_samples,
                hq_sigmas,
                min_count,
                device,
            })),
            GameConfig::ImageGan {
                dataset,
                data_dir,
                arch,
                loss,
                clip,
                gp_weight,
                batch,
                latent_dim,
                grid,
                device,
            } => Some(Box::new(ImageGanSpec {
                dataset,
                data_dir,
                arch,
                loss,
                clip,
                gp_weight,
                batch,
                latent_dim,
                grid,
                device,
            })),
            _ => None,
        }
    }

    /// True for games whose players are networks (they start from a seeded initialization).
    pub fn is_neural(&self) -> bool {
        self.neural().is_some()
    }

    /// Checks the game can be built, without building what is expensive: neural games check
    /// their values, device and data files; toy games are built.
    pub fn check(&self, seed: u64) -> Result<(), String> {
        match self.neural() {
            Some(n) => n.check(),
            None => self.build(seed).map(|_| ()),
        }
    }

    /// Builds the game whatever its kind.
    pub fn build_any(&self, seed: u64) -> Result<super::BuiltGame, String> {
        match self.neural() {
            Some(n) => n.build(seed),
            None => self.build(seed).map(super::BuiltGame::Toy),
        }
    }

    /// Builds a toy game; random parts are drawn from `seed`. Errors say what is wrong.
    pub fn build(&self, seed: u64) -> Result<ToyGame, String> {
        let mut rng = Rng::derive(seed, "game");
        const MAX_DIM: usize = 20_000;
        match self {
            GameConfig::Bilinear {
                dim,
                matrix,
                linear,
                constraint,
                start,
            } => {
                dimension("dim", *dim, MAX_DIM)?;
                let a = matrix.build(*dim, &mut rng)?;
                let (lin_a, lin_b) = match linear {
                    LinearTerms::Zero => (vec![0.0; *dim], vec![0.0; *dim]),
                    LinearTerms::Random { scale } => {
                        positive("linear.scale", *scale)?;
                        (
                            (0..*dim).map(|_| scale * rng.normal()).collect(),
                            (0..*dim).map(|_| scale * rng.normal()).collect(),
                        )
                    }
                    LinearTerms::Explicit { a, b } => {
                        if a.len() != *dim || b.len() != *dim {
                            return Err(format!(
                                "linear: a has {} and b has {} entries but dim = {dim}",
                                a.len(),
                                b.len()
                            ));
                        }
                        (a.clone(), b.clone())
                    }
                };
                let c = constraint.unwrap_or_default();
                c.theta
                    .validate()
                    .map_err(|e| format!("constraint.theta: {e}"))?;
                c.phi
                    .validate()
                    .map_err(|e| format!("constraint.phi: {e}"))?;
                Ok(Box::new(LinearGame::bilinear(
                    a,
                    lin_a,
                    lin_b,
                    crate::players::Players::new(c.theta, c.phi),
                    start,
                    seed,
                )?))
            }
            GameConfig::StochasticBilinear {
                dim,
                components,
                noise,
                singular_values,
                start,
            } => {
                dimension("dim", *dim, 5_000)?;
                dimension("components", *components, 100_000)?;
                if components % 2 != 0 {
                    return Err(format!(
                        "components must be even (they come in antithetic pairs), got {components}"
                    ));
                }
                if !(noise.is_finite() && *noise >= 0.0) {
                    return Err(format!("noise must be finite and ≥ 0, got {noise}"));
                }
                let (lo, hi) = *singular_values;
                positive("singular_values.0", lo)?;
                positive("singular_values.1", hi)?;
                if lo > hi {
                    return Err(format!("singular_values: min {lo} > max {hi}"));
                }
                Ok(Box::new(StochasticBilinear::generate(
                    *dim,
                    *components,
                    *noise,
                    (lo, hi),
                    start,
                    seed,
                )?))
            }
            GameConfig::Logistic { x0, start } => {
                dimension("x0 length", x0.len(), MAX_DIM)?;
                if let Some(bad) = x0.iter().find(|v| !v.is_finite()) {
                    return Err(format!("x0 entries must be finite, got {bad}"));
                }
                Ok(Box::new(LogisticToy::new(x0.clone(), start, seed)?))
            }
            GameConfig::DiracGan { loss, clip, start } => {
                if let Some(c) = clip {
                    positive("clip", *c)?;
                }
                Ok(Box::new(DiracGan::new(*loss, *clip, start, seed)?))
            }
            GameConfig::MlpGan {
                hidden,
                samples,
                modes,
                start,
            } => {
                dimension("hidden", *hidden, 256)?;
                dimension("samples", *samples, 100_000)?;
                dimension("modes", *modes, 1000)?;
                Ok(Box::new(super::MlpGan::new(
                    *hidden, *samples, *modes, start, seed,
                )?))
            }
            GameConfig::Quadratic {
                dim,
                mix,
                mu,
                ell,
                start,
            } => {
                dimension("dim", *dim, MAX_DIM)?;
                if !(0.0..=1.0).contains(mix) {
                    return Err(format!("mix must be in [0, 1], got {mix}"));
                }
                positive("mu", *mu)?;
                positive("ell", *ell)?;
                if mu > ell {
                    return Err(format!("mu = {mu} > ell = {ell}"));
                }
                Ok(Box::new(LinearGame::quadratic(
                    *dim, *mix, *mu, *ell, start, seed, &mut rng,
                )?))
            }
            GameConfig::MixtureGan { .. } | GameConfig::ImageGan { .. } => {
                Err(format!("{} is a neural game (see build_any)", self.kind()))
            }
        }
    }
}
