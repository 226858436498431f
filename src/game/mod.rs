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
//!
//! A game gives its primitives — F, the losses, a closed-form J where it has one, and J·v / Jᵀ·v
//! through [`Game::linearize`] — and never analysis or score types: Arnoldi's eigenvalues
//! (`analysis`) and live scores (`score`) are computed from these by the layers above. Toy
//! games come with their preset section ([`ToySpec`]); `setup` turns sections into games.

mod data_order;
mod dirac;
mod gan;
#[cfg(test)]
pub(crate) mod gan_tests;
mod linear;
mod linearization;
mod logistic;
mod mlp;
#[cfg(test)]
mod product_tests;
mod start;
mod stochastic_bilinear;
mod ttur_saddle;

pub use data_order::DataOrder;
pub use dirac::{DiracGan, DiracGanSpec, DiracLoss};
pub use gan::{wide, Gan, GanSettings};
pub use linear::{BilinearSpec, LinearGame, LinearTerms, MatrixSpec, QuadraticSpec};
pub use linearization::{
    dense_jacobian, zero_sum_transpose, CentralDifferences, Dense, Field, Linearization,
};
pub use logistic::{LogisticSpec, LogisticToy};
pub use mlp::{mlp_dims, MlpGan, MlpGanSpec};
pub use start::{start_point, Start};
pub use stochastic_bilinear::{StochasticBilinear, StochasticBilinearSpec};
pub use ttur_saddle::{TturSaddle, TturSaddleSpec};

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
    /// Minibatch number `draw` of the run in a fixed data order (shuffled epochs), with latent
    /// noise drawn from `seed`.
    Ordered {
        /// Seed of the latent noise (and of the gradient penalty's interpolation).
        seed: u64,
        /// Minibatches the run drew before this one.
        draw: u64,
    },
}

/// A two-player differentiable game.
pub trait Game: Send {
    /// How a player's parameters are stored.
    type V: ParamVec;

    /// One line describing the game and its parameters, for logs and the dashboard.
    fn describe(&self) -> String;

    /// The starting point ω₀.
    fn initial_point(&self) -> Players<Self::V>;

    /// Draws the randomness of one oracle call, the run's `drawn`-th (counted from 0 over the
    /// whole run, across resumes). Deterministic games return `Sample::Exact` without touching
    /// `rng`.
    fn draw_sample(&self, _rng: &mut Rng, _drawn: u64) -> Sample {
        Sample::Exact
    }

    /// True when every sample is `Sample::Exact` and drawing one touches nothing (the default
    /// [`Game::draw_sample`]): a step may then take `Sample::Exact` itself. False by default,
    /// so a game that draws and forgets to say so is slower, never wrong.
    fn deterministic(&self) -> bool {
        false
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

    /// J(w)·v of the field on `sample`'s randomness — the minibatch, latents and BatchNorm
    /// mode that `field(w, sample)` uses — into `out`: what Jacobian-based methods (ConOpt,
    /// SGA, CGD, LEAD) step with. The default uses [`Game::linearize`], right for games whose
    /// field does not depend on the sample (the deterministic toy games); why not, for games
    /// without Jacobian products.
    fn jvp(
        &mut self,
        w: &Players<Self::V>,
        _sample: Sample,
        v: &Players<Self::V>,
        out: &mut Players<Self::V>,
    ) -> Result<(), String> {
        let lin = self.linearize(w).ok_or(NO_JACOBIAN)??;
        let r = lin.jvp(&flat(v));
        write_flat(&r, out);
        Ok(())
    }

    /// J(w)ᵀ·v on `sample`'s randomness, as [`Game::jvp`].
    fn vjp(
        &mut self,
        w: &Players<Self::V>,
        _sample: Sample,
        v: &Players<Self::V>,
        out: &mut Players<Self::V>,
    ) -> Result<(), String> {
        let lin = self.linearize(w).ok_or(NO_JACOBIAN)??;
        let r = lin.vjp(&flat(v))?;
        write_flat(&r, out);
        Ok(())
    }

    /// True when L_D = −L_G: then Jᵀ = D·J·D, and J_φθ = −J_θφᵀ.
    fn zero_sum(&self) -> bool {
        false
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

    /// The data plane of a GAN on 2-D data at `w` after `step` iterations (the real modes,
    /// the generator's points, the discriminator's values on a grid), drawn next to the
    /// samples every `sample_every` iterations; None for games without one. It reads `w`
    /// only, so drawing it never changes a run's trajectory.
    fn data_plane(
        &mut self,
        _w: &Players<Self::V>,
        _step: u64,
    ) -> Option<Result<crate::neural::mixture::DataPlane, String>> {
        None
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

/// Why a game answers no Jacobian product.
pub const NO_JACOBIAN: &str =
    "this game has no Jacobian products (neither a closed-form J nor J·v)";

/// (θ, φ) as one flat f64 vector, the order of [`Linearization`]'s vectors.
pub fn flat<V: ParamVec>(w: &Players<V>) -> Vec<f64> {
    let mut x = w.theta.to_f64();
    x.extend(w.phi.to_f64());
    x
}

/// Writes a flat f64 vector ordered (θ, φ) into `out`.
pub fn write_flat<V: ParamVec>(x: &[f64], out: &mut Players<V>) {
    let dt = out.theta.len();
    out.theta.assign_f64(&x[..dt]);
    out.phi.assign_f64(&x[dt..]);
}

/// The toy games, all on `Vec<f64>` parameters, behind one type so runs can hold any of them.
pub type ToyGame = Box<dyn Game<V = Vec<f64>>>;

/// The preset section of a toy game: its parameters, checked and turned into the game.
///
/// A new toy game is one file holding the game (its [`Game`] implementation) and its section
/// (this trait), plus one line in `setup`'s list of games.
pub trait ToySpec {
    /// Builds the game; random parts are drawn from `seed`. Errors say what is wrong.
    fn build(&self, seed: u64) -> Result<ToyGame, String>;
    /// Where the players start (a run of the preset may start elsewhere).
    fn start_mut(&mut self) -> &mut Start;
    /// Coordinates of θ and φ together, from the parameters alone (without building);
    /// `usize::MAX` for games too large to build for a picture.
    fn coordinates(&self) -> usize;
}

/// The largest dimension the dense toy games accept.
pub(crate) const MAX_DIM: usize = 20_000;

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
