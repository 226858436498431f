//! Games: what is optimized.
//!
//! Sign convention (the only place it is decided): each player *minimizes* its own loss, and the
//! game's vector field is
//!
//! ```text
//! F(ω) = ( ∇_θ L_G(θ, φ),  ∇_φ L_D(θ, φ) ),   ω = (θ, φ)
//! ```
//!
//! so every method moves against F (`ω ← ω − η F`). For a zero-sum game min_θ max_φ f,
//! L_G = f and L_D = −f. The Jacobian J = ∇F is ordered (θ, φ) too.

mod config;
mod dirac;
mod gan;
#[cfg(test)]
pub(crate) mod gan_tests;
mod linear;
mod linearization;
mod logistic;
mod mlp;
mod stochastic_bilinear;

pub use config::{DiracLoss, GameConfig, LinearTerms, MatrixSpec, PlayerConstraints, Start};
pub use dirac::DiracGan;
pub use gan::{wide, Gan, GanSettings};
pub use linear::LinearGame;
pub use linearization::{
    dense_jacobian, zero_sum_transpose, CentralDifferences, Dense, Field, Linearization,
};
pub use logistic::LogisticToy;
pub use mlp::{mlp_dims, MlpGan};
pub use stochastic_bilinear::StochasticBilinear;

use crate::constraint::Constraint;
use crate::players::{Player, Players};
use crate::rng::Rng;
use crate::vector::ParamVec;
use nalgebra::DMatrix;

/// The randomness of one oracle call: which component of a finite sum, or the seed of a
/// minibatch. `Exact` asks for the expected (full) field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sample {
    /// The exact field E_ξ F(ω, ξ).
    Exact,
    /// Component i of a finite-sum game.
    Component(usize),
    /// A seed from which the game draws a minibatch and latent noise.
    Seed(u64),
}

/// A two-player differentiable game.
pub trait Game: Send {
    /// How a player's parameters are stored.
    type V: ParamVec;

    /// One line describing the game and its parameters, for logs and the dashboard.
    fn describe(&self) -> String;

    /// The starting point ω₀.
    fn initial_point(&self) -> Players<Self::V>;

    /// Draws the randomness of one oracle call. Deterministic games return `Sample::Exact`
    /// without touching `rng`.
    fn draw_sample(&self, _rng: &mut Rng) -> Sample {
        Sample::Exact
    }

    /// Writes player `p`'s gradient of its own loss at `w` into `out`:
    /// ∇_θ L_G for θ, ∇_φ L_D for φ.
    fn gradient(&mut self, p: Player, w: &Players<Self::V>, sample: Sample, out: &mut Self::V);

    /// Writes both players' gradients at the same point and sample (one oracle call).
    fn field(&mut self, w: &Players<Self::V>, sample: Sample, out: &mut Players<Self::V>) {
        self.gradient(Player::Theta, w, sample, &mut out.theta);
        self.gradient(Player::Phi, w, sample, &mut out.phi);
    }

    /// The players' expected losses (L_G, L_D) at `w`.
    fn losses(&mut self, w: &Players<Self::V>) -> Players<f64>;

    /// The equilibrium ω*, where the game has a unique known one.
    fn equilibrium(&self) -> Option<&Players<Self::V>>;

    /// The game's own constraint set Ω (a run may override it).
    fn constraints(&self) -> Players<Constraint> {
        Players::both(Constraint::Free)
    }

    /// The exact Jacobian J = ∇F(ω) of the expected field, ordered (θ, φ), where the game has a
    /// closed form.
    fn jacobian(&self, _w: &Players<Self::V>) -> Option<DMatrix<f64>> {
        None
    }

    /// The field linearized at `w`: J(w)·v and Jᵀ(w)·v without a dense matrix (what Arnoldi
    /// and Jacobian-based methods need), or why the game has none there. `None`: the game has
    /// neither this nor [`Game::jacobian`]. The default wraps the closed-form dense Jacobian.
    fn linearize(
        &mut self,
        w: &Players<Self::V>,
    ) -> Option<Result<Box<dyn Linearization + '_>, String>> {
        let j = self.jacobian(w)?;
        Some(Ok(Box::new(Dense::new(j, w.theta.len()))))
    }

    /// Names of the game's own metrics columns (e.g. modes covered), fixed for a run.
    fn extra_metric_names(&self) -> Vec<String> {
        vec![]
    }

    /// The game's own metrics at `w`, one per name of [`Game::extra_metric_names`].
    fn extra_metrics(&mut self, _w: &Players<Self::V>) -> Vec<Option<f64>> {
        vec![]
    }

    /// Writes what the game shows of `w` after `step` iterations (sample grids, scatters…)
    /// into the run directory `dir`; called every `sample_every` iterations.
    fn write_samples(
        &mut self,
        _w: &Players<Self::V>,
        _dir: &std::path::Path,
        _step: u64,
    ) -> Result<(), String> {
        Ok(())
    }

    /// A sampler of the generator's images that runs on another thread from host copies of θ
    /// (image GANs; what live scoring needs).
    fn image_sampler(&self) -> Option<Box<dyn crate::neural::sampler::ImageSampler>> {
        None
    }

    /// θ copied to the host, one vector per tensor, in the order the image sampler reads
    /// (games with an image sampler).
    fn host_theta(&self, _theta: &Self::V) -> Option<Vec<Vec<f32>>> {
        None
    }

    /// Writes `w` and the named `averages` in a portable format to `path` (neural games:
    /// safetensors with PyTorch-mappable names), next to each checkpoint; the default does
    /// nothing.
    fn export_weights(
        &self,
        _w: &Players<Self::V>,
        _averages: &[(String, Players<Self::V>)],
        _path: &std::path::Path,
    ) -> Result<(), String> {
        Ok(())
    }
}

/// The toy games, all on `Vec<f64>` parameters, behind one type so runs can hold any of them.
pub type ToyGame = Box<dyn Game<V = Vec<f64>>>;

/// A built game of any kind; each kind has its own parameter storage.
pub enum BuiltGame {
    /// A toy game on `Vec<f64>` parameters.
    Toy(ToyGame),
    /// A neural game on CPU tensors.
    NeuralCpu(crate::neural::config::CpuGame),
    /// A neural game on CUDA tensors.
    #[cfg(feature = "cuda")]
    NeuralCuda(crate::neural::config::CudaGame),
}

impl BuiltGame {
    /// The game's own constraint sets.
    pub fn constraints(&self) -> Players<Constraint> {
        match self {
            BuiltGame::Toy(g) => g.constraints(),
            BuiltGame::NeuralCpu(g) => g.constraints(),
            #[cfg(feature = "cuda")]
            BuiltGame::NeuralCuda(g) => g.constraints(),
        }
    }
}

/// Draws the starting point described by `start` for players of dimensions `dims`, then
/// projects it onto `constraints`.
pub(crate) fn start_point(
    start: &Start,
    dims: Players<usize>,
    constraints: &Players<Constraint>,
    seed: u64,
) -> Result<Players<Vec<f64>>, String> {
    let mut w = match start {
        Start::Random { scale } => {
            let mut rng = Rng::derive(seed, "start");
            Players {
                theta: (0..dims.theta).map(|_| scale * rng.normal()).collect(),
                phi: (0..dims.phi).map(|_| scale * rng.normal()).collect(),
            }
        }
        Start::Point { theta, phi } => {
            for (p, v, d) in [
                (Player::Theta, theta, dims.theta),
                (Player::Phi, phi, dims.phi),
            ] {
                if v.len() != d {
                    return Err(format!(
                        "start.{p} has {} entries but the game's {p} has dimension {d}",
                        v.len()
                    ));
                }
            }
            Players {
                theta: theta.clone(),
                phi: phi.clone(),
            }
        }
    };
    w.theta.project(&constraints.theta);
    w.phi.project(&constraints.phi);
    Ok(w)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Checks shared by the games' tests.
    use super::*;

    /// The Jacobian by central differences of the exact field, ordered (θ, φ).
    pub fn numeric_jacobian(g: &mut dyn Game<V = Vec<f64>>, w: &Players<Vec<f64>>) -> DMatrix<f64> {
        let (dt, dp) = (w.theta.len(), w.phi.len());
        let n = dt + dp;
        let mut j = DMatrix::zeros(n, n);
        let h = 1e-6;
        for col in 0..n {
            let mut plus = w.clone();
            let mut minus = w.clone();
            if col < dt {
                plus.theta[col] += h;
                minus.theta[col] -= h;
            } else {
                plus.phi[col - dt] += h;
                minus.phi[col - dt] -= h;
            }
            let mut fp = Players::new(vec![0.0; dt], vec![0.0; dp]);
            let mut fm = fp.clone();
            g.field(&plus, Sample::Exact, &mut fp);
            g.field(&minus, Sample::Exact, &mut fm);
            for row in 0..n {
                let (a, b) = if row < dt {
                    (fp.theta[row], fm.theta[row])
                } else {
                    (fp.phi[row - dt], fm.phi[row - dt])
                };
                j[(row, col)] = (a - b) / (2.0 * h);
            }
        }
        j
    }

    /// Asserts that the closed-form Jacobian matches central differences at `w`.
    pub fn assert_jacobian_matches(g: &mut dyn Game<V = Vec<f64>>, w: &Players<Vec<f64>>) {
        let exact = g.jacobian(w).expect("closed-form Jacobian");
        let numeric = numeric_jacobian(g, w);
        let err = (&exact - &numeric).abs().max();
        assert!(
            err < 1e-7,
            "Jacobian mismatch {err}\nexact {exact}\nnumeric {numeric}"
        );
    }

    /// Asserts that the field at the equilibrium vanishes.
    pub fn assert_field_vanishes_at_equilibrium(g: &mut dyn Game<V = Vec<f64>>) {
        let eq = g.equilibrium().expect("equilibrium").clone();
        let mut f = Players::new(vec![0.0; eq.theta.len()], vec![0.0; eq.phi.len()]);
        g.field(&eq, Sample::Exact, &mut f);
        let n = f.theta.norm_sq() + f.phi.norm_sq();
        assert!(n.sqrt() < 1e-10, "‖F(ω*)‖ = {}", n.sqrt());
    }
}
