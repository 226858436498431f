//! The stochastic finite-sum bilinear game of [VI] §7.1.
//!
//! (1/n) Σᵢ θᵀM⁽ⁱ⁾φ + θᵀa⁽ⁱ⁾ + φᵀb⁽ⁱ⁾ with θ, φ ∈ [−1, 1]^d; one oracle call evaluates the
//! field of one component i drawn uniformly.
//!
//! The paper does not give its sampling law (spec §8, item 4), so saddle's is stated here. The
//! mean matrix M̄ = U diag(σ) Vᵀ has singular values evenly spread in a given range; the
//! solution (θ*, φ*) is drawn uniformly in [−½, ½]^d — inside the box, as the paper requires —
//! and ā = −M̄φ*, b̄ = −M̄ᵀθ*. Components come in antithetic pairs
//! M⁽ⁱ⁾ = M̄ ± uₖvₖᵀ, a⁽ⁱ⁾ = ā ± αₖ, b⁽ⁱ⁾ = b̄ ± βₖ (u, v, α, β with N(0, noise/d) entries), so
//! the mean over components is exactly the mean game, storage is O(nd) rather than O(nd²),
//! and one call costs two d×d products like the deterministic game.

use super::linearization::{zero_sum_transpose, Linearization};
use super::{start_point, Constraint, Game, Sample, Start, ToyGame, ToySpec};
use crate::check::{dimension, positive};
use crate::linalg::{linspace, with_singular_values, Mat};
use crate::players::{Player, Players};
use crate::rng::Rng;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// `StochasticBilinear(…)`: the finite-sum bilinear game of \[VI\] §7.1 on [−1, 1]^dim, one
/// component per oracle call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StochasticBilinearSpec {
    /// Dimension of each player (the paper: 1000).
    pub dim: usize,
    /// Number of components n (the paper: 1000); must be even (components come in
    /// antithetic pairs so the mean is exact).
    pub components: usize,
    /// Scale of each component's deviation from the mean game: u, v, α, β have N(0, noise/d)
    /// entries, so the variance of one θ coordinate of a component's field about the mean
    /// field is (noise/d)(1 + noise‖φ‖²/d) (‖θ‖² for φ): linear in `noise` through α and β,
    /// quadratic through uvᵀ.
    #[serde(default = "default_noise")]
    pub noise: f64,
    /// Range of the mean matrix's singular values (min, max).
    #[serde(default = "default_sv_range")]
    pub singular_values: (f64, f64),
    /// Starting point.
    #[serde(default)]
    pub start: Start,
}

fn default_noise() -> f64 {
    1.0
}

fn default_sv_range() -> (f64, f64) {
    (0.5, 1.0)
}

impl ToySpec for StochasticBilinearSpec {
    fn build(&self, seed: u64) -> Result<ToyGame, String> {
        let (dim, components, noise) = (self.dim, self.components, self.noise);
        dimension("dim", dim, 5_000)?;
        dimension("components", components, 100_000)?;
        if components % 2 != 0 {
            return Err(format!(
                "components must be even (they come in antithetic pairs), got {components}"
            ));
        }
        if !(noise.is_finite() && noise >= 0.0) {
            return Err(format!("noise must be finite and ≥ 0, got {noise}"));
        }
        let (lo, hi) = self.singular_values;
        positive("singular_values.0", lo)?;
        positive("singular_values.1", hi)?;
        if lo > hi {
            return Err(format!("singular_values: min {lo} > max {hi}"));
        }
        Ok(Box::new(StochasticBilinear::generate(
            dim,
            components,
            noise,
            (lo, hi),
            &self.start,
            seed,
        )?))
    }

    fn start_mut(&mut self) -> &mut Start {
        &mut self.start
    }

    /// Games whose components would take more than 4·10⁶ numbers count as too large to build
    /// for a picture (`usize::MAX`).
    fn coordinates(&self) -> usize {
        let (dim, components) = (self.dim, self.components);
        if dim.saturating_mul(dim).saturating_mul(components) > 4_000_000 {
            usize::MAX
        } else {
            2 * dim
        }
    }
}

/// See the module docs.
pub struct StochasticBilinear {
    dim: usize,
    components: usize,
    noise: f64,
    mbar: Mat,
    abar: Vec<f64>,
    bbar: Vec<f64>,
    /// Pair k's vectors, row k of each (n/2 × d).
    u: Vec<f64>,
    v: Vec<f64>,
    alpha: Vec<f64>,
    beta: Vec<f64>,
    equilibrium: Players<Vec<f64>>,
    start: Players<Vec<f64>>,
}

impl StochasticBilinear {
    /// Draws a game from `seed` (see the module docs for the law).
    pub fn generate(
        dim: usize,
        components: usize,
        noise: f64,
        singular_values: (f64, f64),
        start: &Start,
        seed: u64,
    ) -> Result<Self, String> {
        let mut rng = Rng::derive(seed, "game");
        let mbar = with_singular_values(
            &linspace(singular_values.1, singular_values.0, dim),
            &mut rng,
        );
        let theta_star: Vec<f64> = (0..dim).map(|_| rng.uniform() - 0.5).collect();
        let phi_star: Vec<f64> = (0..dim).map(|_| rng.uniform() - 0.5).collect();
        let mut abar = vec![0.0; dim];
        mbar.mul_add(-1.0, &phi_star, &mut abar);
        let mut bbar = vec![0.0; dim];
        mbar.mul_t_add(-1.0, &theta_star, &mut bbar);
        let pairs = components / 2;
        let sd = (noise / dim as f64).sqrt();
        let mut draw = |n: usize| -> Vec<f64> { (0..n).map(|_| sd * rng.normal()).collect() };
        let (u, v, alpha, beta) = (
            draw(pairs * dim),
            draw(pairs * dim),
            draw(pairs * dim),
            draw(pairs * dim),
        );
        let box1 = Constraint::Box { lo: -1.0, hi: 1.0 };
        let start = start_point(start, Players::both(dim), &Players::both(box1), seed)?;
        Ok(StochasticBilinear {
            dim,
            components,
            noise,
            mbar,
            abar,
            bbar,
            u,
            v,
            alpha,
            beta,
            equilibrium: Players::new(theta_star, phi_star),
            start,
        })
    }

    /// The pair index and sign of component i (0 for the exact field).
    #[inline]
    fn pair(&self, s: Sample) -> (usize, f64) {
        match s {
            Sample::Component(i) => {
                let half = self.components / 2;
                if i < half {
                    (i, 1.0)
                } else {
                    (i - half, -1.0)
                }
            }
            _ => (0, 0.0),
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Game for StochasticBilinear {
    type V = Vec<f64>;

    fn describe(&self) -> String {
        format!(
            "stochastic bilinear, dim {}, {} components, noise {}, box [−1, 1]",
            self.dim, self.components, self.noise
        )
    }

    fn initial_point(&self) -> Players<Vec<f64>> {
        self.start.clone()
    }

    fn draw_sample(&self, rng: &mut Rng, _drawn: u64) -> Sample {
        Sample::Component(rng.below(self.components as u64) as usize)
    }

    fn gradient(&mut self, p: Player, w: &Players<Vec<f64>>, s: Sample, out: &mut Vec<f64>) {
        let (k, sign) = self.pair(s);
        let d = self.dim;
        fn row(m: &[f64], k: usize, d: usize) -> &[f64] {
            &m[k * d..(k + 1) * d]
        }
        match p {
            Player::Theta => {
                // M⁽ⁱ⁾φ + a⁽ⁱ⁾ = M̄φ + ā ± (u (vᵀφ) + α)
                out.copy_from_slice(&self.abar);
                self.mbar.mul_add(1.0, &w.phi, out);
                if sign != 0.0 {
                    let (u, v, a) = (
                        row(&self.u, k, d),
                        row(&self.v, k, d),
                        row(&self.alpha, k, d),
                    );
                    let vphi = sign * dot(v, &w.phi);
                    for ((o, ui), ai) in out.iter_mut().zip(u).zip(a) {
                        *o += ui * vphi + sign * ai;
                    }
                }
            }
            Player::Phi => {
                // −(M⁽ⁱ⁾ᵀθ + b⁽ⁱ⁾)
                out.iter_mut().zip(&self.bbar).for_each(|(o, b)| *o = -b);
                self.mbar.mul_t_add(-1.0, &w.theta, out);
                if sign != 0.0 {
                    let (u, v, b) = (
                        row(&self.u, k, d),
                        row(&self.v, k, d),
                        row(&self.beta, k, d),
                    );
                    let utheta = sign * dot(u, &w.theta);
                    for ((o, vi), bi) in out.iter_mut().zip(v).zip(b) {
                        *o -= vi * utheta + sign * bi;
                    }
                }
            }
        }
    }

    fn losses(&mut self, w: &Players<Vec<f64>>) -> Players<f64> {
        let mut mphi = vec![0.0; self.dim];
        self.mbar.mul_add(1.0, &w.phi, &mut mphi);
        let f = dot(&w.theta, &mphi) + dot(&self.abar, &w.theta) + dot(&self.bbar, &w.phi);
        Players::new(f, -f)
    }

    fn equilibrium(&self) -> Option<&Players<Vec<f64>>> {
        Some(&self.equilibrium)
    }

    fn constraints(&self) -> Players<Constraint> {
        Players::both(Constraint::Box { lo: -1.0, hi: 1.0 })
    }

    fn zero_sum(&self) -> bool {
        true
    }

    /// J_i·v of the sample's component i: its field is affine, so J_i·v = F_i(v) − F_i(0).
    fn jvp(
        &mut self,
        _w: &Players<Vec<f64>>,
        s: Sample,
        v: &Players<Vec<f64>>,
        out: &mut Players<Vec<f64>>,
    ) -> Result<(), String> {
        let zero = Players::both(vec![0.0; self.dim]);
        let mut f0 = zero.clone();
        self.field(v, s, out);
        self.field(&zero, s, &mut f0);
        for p in Player::BOTH {
            out.get_mut(p)
                .iter_mut()
                .zip(f0.get(p))
                .for_each(|(o, z)| *o -= z);
        }
        Ok(())
    }

    /// J_iᵀ·v = D·J_i·D·v (each component is zero-sum).
    fn vjp(
        &mut self,
        w: &Players<Vec<f64>>,
        s: Sample,
        v: &Players<Vec<f64>>,
        out: &mut Players<Vec<f64>>,
    ) -> Result<(), String> {
        let dv = Players::new(v.theta.clone(), v.phi.iter().map(|x| -x).collect());
        self.jvp(w, s, &dv, out)?;
        out.phi.iter_mut().for_each(|x| *x = -*x);
        Ok(())
    }

    fn jacobian(&self, _w: &Players<Vec<f64>>) -> Option<DMatrix<f64>> {
        let d = self.dim;
        let mut j = DMatrix::zeros(2 * d, 2 * d);
        for i in 0..d {
            for k in 0..d {
                j[(i, d + k)] = self.mbar.at(i, k);
                j[(d + k, i)] = -self.mbar.at(i, k);
            }
        }
        Some(j)
    }

    fn linearize(
        &mut self,
        _w: &Players<Vec<f64>>,
    ) -> Option<Result<Box<dyn Linearization + '_>, String>> {
        Some(Ok(Box::new(MeanJ(&self.mbar))))
    }
}

/// J of the mean game without forming it: J·v = (M̄ v_φ, −M̄ᵀ v_θ); zero-sum, so
/// Jᵀ·v = D·J·D·v.
struct MeanJ<'a>(&'a Mat);

impl Linearization for MeanJ<'_> {
    fn dims(&self) -> Players<usize> {
        Players::new(self.0.rows, self.0.cols)
    }

    fn jvp(&self, v: &[f64]) -> Vec<f64> {
        let (vt, vp) = v.split_at(self.0.rows);
        let mut out = vec![0.0; v.len()];
        let (ot, op) = out.split_at_mut(self.0.rows);
        self.0.mul_add(1.0, vp, ot);
        self.0.mul_t_add(-1.0, vt, op);
        out
    }

    fn vjp(&self, v: &[f64]) -> Result<Vec<f64>, String> {
        Ok(zero_sum_transpose(|x| self.jvp(x), self.0.rows, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::testing::*;

    #[test]
    fn components_average_to_the_exact_field() {
        let mut g =
            StochasticBilinear::generate(5, 8, 1.0, (0.5, 1.0), &Start::default(), 3).unwrap();
        assert_field_vanishes_at_equilibrium(&mut g);
        let eq = g.equilibrium().unwrap();
        assert!(eq.theta.iter().chain(&eq.phi).all(|x| x.abs() <= 0.5));
        let w = g.initial_point();
        assert!(w.theta.iter().chain(&w.phi).all(|x| x.abs() <= 1.0));
        let mut exact = Players::both(vec![0.0; 5]);
        g.field(&w, Sample::Exact, &mut exact);
        let mut mean = Players::both(vec![0.0; 5]);
        let mut f = Players::both(vec![0.0; 5]);
        for i in 0..8 {
            g.field(&w, Sample::Component(i), &mut f);
            for k in 0..5 {
                mean.theta[k] += f.theta[k] / 8.0;
                mean.phi[k] += f.phi[k] / 8.0;
            }
            // Components really differ from the mean.
            assert!((f.theta[0] - exact.theta[0]).abs() > 1e-6);
        }
        for k in 0..5 {
            assert!((mean.theta[k] - exact.theta[k]).abs() < 1e-12);
            assert!((mean.phi[k] - exact.phi[k]).abs() < 1e-12);
        }
        assert_jacobian_matches(&mut g, &w);
    }
}
