//! A small MLP GAN in f64 with hand-written backpropagation: a neural game small enough to
//! analyze exactly, and the reference for Jacobian-vector-product spectral methods.
//!
//! Data: `samples` points from `modes` Gaussians (σ = 0.1) on the unit circle; latent codes
//! z ~ N(0, I₂), both drawn once from the seed, so the field is deterministic (full batch).
//!
//! ```text
//! G_θ(z) = A₂ tanh(A₁z + a₁) + a₂            θ = (A₁, a₁, A₂, a₂)
//! D_φ(x) = uᵀ tanh(B₁x + b₁) + b₀            φ = (B₁, b₁, u, b₀)
//! V(θ, φ) = mean log σ(D(x_real)) + mean log σ(−D(G(z))),   L_G = V, L_D = −V
//! ```
//!
//! The saturating zero-sum GAN of [VI] §1. Its Jacobian is taken column by column from
//! Jacobian-vector products (central differences of F, [`CentralDifferences`]).

use super::linearization::{dense_jacobian, CentralDifferences, Field, Linearization};
use super::{start_point, Game, Sample, Start, ToyGame, ToySpec};
use crate::check::dimension;
use crate::players::{Player, Players};
use crate::rng::Rng;
use crate::special::{log_sigmoid, sigmoid};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// `MlpGan(…)`: a small MLP GAN in f64 ([`MlpGan`]): generator and discriminator with one
/// tanh layer of `hidden` units, full batch of `samples` points from `modes` Gaussians on a ring.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpGanSpec {
    /// Hidden units of each network.
    pub hidden: usize,
    /// Real samples and latent codes (drawn once).
    pub samples: usize,
    /// Number of Gaussians on the unit circle.
    pub modes: usize,
    /// Starting weights (default N(0, 0.5²)).
    #[serde(default = "mlp_start")]
    pub start: Start,
}

fn mlp_start() -> Start {
    Start::Random { scale: 0.5 }
}

impl ToySpec for MlpGanSpec {
    fn build(&self, seed: u64) -> Result<ToyGame, String> {
        dimension("hidden", self.hidden, 256)?;
        dimension("samples", self.samples, 100_000)?;
        dimension("modes", self.modes, 1000)?;
        Ok(Box::new(MlpGan::new(
            self.hidden,
            self.samples,
            self.modes,
            &self.start,
            seed,
        )?))
    }

    fn start_mut(&mut self) -> &mut Start {
        &mut self.start
    }

    fn coordinates(&self) -> usize {
        let d = mlp_dims(self.hidden);
        d.theta + d.phi
    }
}

/// See the module docs.
pub struct MlpGan {
    hidden: usize,
    real: Vec<[f64; 2]>,
    latent: Vec<[f64; 2]>,
    start: Players<Vec<f64>>,
}

/// Parameter counts: θ has 5h + 2 entries, φ has 4h + 1.
pub fn mlp_dims(hidden: usize) -> Players<usize> {
    Players::new(5 * hidden + 2, 4 * hidden + 1)
}

impl MlpGan {
    /// Draws the data, the latent codes and (for `Start::Random`) the weights from `seed`.
    pub fn new(
        hidden: usize,
        samples: usize,
        modes: usize,
        start: &Start,
        seed: u64,
    ) -> Result<Self, String> {
        let mut rng = Rng::derive(seed, "game");
        let real = (0..samples)
            .map(|_| {
                let k = rng.below(modes as u64) as f64;
                let a = std::f64::consts::TAU * k / modes as f64;
                [a.cos() + 0.1 * rng.normal(), a.sin() + 0.1 * rng.normal()]
            })
            .collect();
        let latent = (0..samples).map(|_| [rng.normal(), rng.normal()]).collect();
        let free = Players::both(super::Constraint::Free);
        let start = start_point(start, mlp_dims(hidden), &free, seed)?;
        Ok(MlpGan {
            hidden,
            real,
            latent,
            start,
        })
    }

    /// D_φ(x), and what backpropagation needs: q = tanh(B₁x + b₁).
    fn disc(&self, phi: &[f64], x: [f64; 2], q: &mut [f64]) -> f64 {
        let h = self.hidden;
        let (b1, rest) = phi.split_at(2 * h);
        let (c, rest) = rest.split_at(h);
        let (u, b0) = rest.split_at(h);
        let mut d = b0[0];
        for i in 0..h {
            q[i] = (b1[2 * i] * x[0] + b1[2 * i + 1] * x[1] + c[i]).tanh();
            d += u[i] * q[i];
        }
        d
    }

    /// Adds g·∂D/∂φ into `gphi` and returns g·∂D/∂x.
    fn disc_back(&self, phi: &[f64], x: [f64; 2], q: &[f64], g: f64, gphi: &mut [f64]) -> [f64; 2] {
        let h = self.hidden;
        let u = &phi[3 * h..4 * h];
        let mut gx = [0.0; 2];
        for i in 0..h {
            let delta = g * u[i] * (1.0 - q[i] * q[i]);
            gphi[2 * i] += delta * x[0];
            gphi[2 * i + 1] += delta * x[1];
            gphi[2 * h + i] += delta;
            gphi[3 * h + i] += g * q[i];
            gx[0] += phi[2 * i] * delta;
            gx[1] += phi[2 * i + 1] * delta;
        }
        gphi[4 * h] += g;
        gx
    }

    /// G_θ(z) and its hidden activations.
    fn gen(&self, theta: &[f64], z: [f64; 2], hid: &mut [f64]) -> [f64; 2] {
        let h = self.hidden;
        let (a1, rest) = theta.split_at(2 * h);
        let (c, rest) = rest.split_at(h);
        let (a2, a2b) = rest.split_at(2 * h);
        for i in 0..h {
            hid[i] = (a1[2 * i] * z[0] + a1[2 * i + 1] * z[1] + c[i]).tanh();
        }
        let mut x = [a2b[0], a2b[1]];
        for (o, xo) in x.iter_mut().enumerate() {
            for i in 0..h {
                *xo += a2[o * h + i] * hid[i];
            }
        }
        x
    }

    /// V and, when asked, ∇_θ V and ∇_φ V.
    fn value_and_grads(
        &self,
        w: &Players<Vec<f64>>,
        mut grads: Option<(&mut [f64], &mut [f64])>,
    ) -> f64 {
        let h = self.hidden;
        let n = self.real.len() as f64;
        let (mut q, mut hid) = (vec![0.0; h], vec![0.0; h]);
        let mut v = 0.0;
        if let Some((gt, gp)) = grads.as_mut() {
            gt.iter_mut().for_each(|x| *x = 0.0);
            gp.iter_mut().for_each(|x| *x = 0.0);
        }
        for x in &self.real {
            let d = self.disc(&w.phi, *x, &mut q);
            v += log_sigmoid(d) / n;
            if let Some((_, gp)) = grads.as_mut() {
                self.disc_back(&w.phi, *x, &q, sigmoid(-d) / n, gp);
            }
        }
        for z in &self.latent {
            let x = self.gen(&w.theta, *z, &mut hid);
            let d = self.disc(&w.phi, x, &mut q);
            v += log_sigmoid(-d) / n;
            if let Some((gt, gp)) = grads.as_mut() {
                let gx = self.disc_back(&w.phi, x, &q, -sigmoid(d) / n, gp);
                let (a2, a1off, coff) = (3 * h, 0, 2 * h);
                for o in 0..2 {
                    gt[5 * h + o] += gx[o];
                }
                for i in 0..h {
                    let mut gh = 0.0;
                    for o in 0..2 {
                        gt[a2 + o * h + i] += gx[o] * hid[i];
                        gh += w.theta[a2 + o * h + i] * gx[o];
                    }
                    let ds = gh * (1.0 - hid[i] * hid[i]);
                    gt[a1off + 2 * i] += ds * z[0];
                    gt[a1off + 2 * i + 1] += ds * z[1];
                    gt[coff + i] += ds;
                }
            }
        }
        v
    }

    /// The field linearized at `w` by central differences; zero-sum, so Jᵀ·v = D·J·D·v.
    pub fn central_differences(
        &self,
        w: &Players<Vec<f64>>,
    ) -> CentralDifferences<impl Field + '_> {
        CentralDifferences::new(|x, out| self.field_at(x, out), w, true)
    }

    /// F(ω) = (∇θ V, −∇φ V).
    pub fn field_at(&self, w: &Players<Vec<f64>>, out: &mut Players<Vec<f64>>) {
        let (gt, gp) = (&mut out.theta, &mut out.phi);
        self.value_and_grads(w, Some((gt, gp)));
        out.phi.iter_mut().for_each(|x| *x = -*x);
    }
}

impl Game for MlpGan {
    type V = Vec<f64>;

    fn describe(&self) -> String {
        format!(
            "MLP GAN, {} hidden units, {} samples",
            self.hidden,
            self.real.len()
        )
    }

    fn initial_point(&self) -> Players<Vec<f64>> {
        self.start.clone()
    }

    fn gradient(&mut self, p: Player, w: &Players<Vec<f64>>, _s: Sample, out: &mut Vec<f64>) {
        let mut f = w.map(|v| vec![0.0; v.len()]);
        self.field_at(w, &mut f);
        *out = std::mem::take(f.get_mut(p));
    }

    fn field(&mut self, w: &Players<Vec<f64>>, _s: Sample, out: &mut Players<Vec<f64>>) {
        self.field_at(w, out);
    }

    fn losses(&mut self, w: &Players<Vec<f64>>) -> Players<f64> {
        let v = self.value_and_grads(w, None);
        Players::new(v, -v)
    }

    fn equilibrium(&self) -> Option<&Players<Vec<f64>>> {
        None
    }

    fn deterministic(&self) -> bool {
        true
    }

    fn zero_sum(&self) -> bool {
        true
    }

    fn jacobian(&self, w: &Players<Vec<f64>>) -> Option<DMatrix<f64>> {
        Some(dense_jacobian(&self.central_differences(w)))
    }

    fn linearize(
        &mut self,
        w: &Players<Vec<f64>>,
    ) -> Option<Result<Box<dyn Linearization + '_>, String>> {
        Some(Ok(Box::new(self.central_differences(w))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backpropagation_matches_finite_differences_of_the_value() {
        let g = MlpGan::new(5, 16, 4, &Start::Random { scale: 0.7 }, 3).unwrap();
        let w = g.initial_point();
        let mut f = w.map(|v| vec![0.0; v.len()]);
        g.field_at(&w, &mut f);
        let h = 1e-6;
        for (p, sign) in [(Player::Theta, 1.0), (Player::Phi, -1.0)] {
            for i in 0..w.get(p).len() {
                let mut a = w.clone();
                a.get_mut(p)[i] += h;
                let mut b = w.clone();
                b.get_mut(p)[i] -= h;
                let fd =
                    sign * (g.value_and_grads(&a, None) - g.value_and_grads(&b, None)) / (2.0 * h);
                assert!(
                    (fd - f.get(p)[i]).abs() < 1e-8,
                    "{p}[{i}]: backprop {} vs fd {fd}",
                    f.get(p)[i]
                );
            }
        }
    }
}
