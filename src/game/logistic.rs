//! The talk's non-convex toy ([VI] App. G.1):
//!
//! ```text
//! min_θ max_φ  f(θ, φ) = −log(1 + e^{−φᵀθ}) − log(1 + e^{φᵀx₀}) = log σ(φᵀθ) + log σ(−φᵀx₀)
//! ```
//!
//! with θ, φ, x₀ ∈ ℝ^d. This is the form the issue states; the paper writes the GAN value
//! log σ(φᵀx₀) + log σ(−φᵀθ), which is the same game under φ → −φ. The equilibrium is
//! (θ, φ) = (x₀, 0), where J = [[0, ½I], [−½I, ½x₀x₀ᵀ]] (order θ, φ): for x₀ = −2 its eigenvalues
//! are 1 ± √3/2 = 1.866 and 0.134, and in d > 1 the directions orthogonal to x₀ rotate (±i/2).

use super::{start_point, Game, Sample, Start, ToyGame, ToySpec, MAX_DIM};
use crate::check::dimension;
use crate::players::{Player, Players};
use crate::special::{log_sigmoid, sigmoid};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// `Logistic(…)`: the talk's non-convex toy min_θ max_φ −log(1 + e^{−φᵀθ}) − log(1 + e^{φᵀx₀}).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticSpec {
    /// The data point x₀ (its length is the dimension). \[VI\] App. G.1 uses x₀ = −2.
    pub x0: Vec<f64>,
    /// Starting point.
    #[serde(default)]
    pub start: Start,
}

impl ToySpec for LogisticSpec {
    fn build(&self, seed: u64) -> Result<ToyGame, String> {
        let x0 = &self.x0;
        dimension("x0 length", x0.len(), MAX_DIM)?;
        if let Some(bad) = x0.iter().find(|v| !v.is_finite()) {
            return Err(format!("x0 entries must be finite, got {bad}"));
        }
        Ok(Box::new(LogisticToy::new(x0.clone(), &self.start, seed)?))
    }

    fn start_mut(&mut self) -> &mut Start {
        &mut self.start
    }

    fn coordinates(&self) -> usize {
        2 * self.x0.len().max(1)
    }
}

/// See the module docs.
pub struct LogisticToy {
    x0: Vec<f64>,
    equilibrium: Players<Vec<f64>>,
    start: Players<Vec<f64>>,
}

impl LogisticToy {
    /// The toy with data point `x0`.
    pub fn new(x0: Vec<f64>, start: &Start, seed: u64) -> Result<Self, String> {
        let d = x0.len();
        let free = Players::both(super::Constraint::Free);
        let start = start_point(start, Players::both(d), &free, seed)?;
        Ok(LogisticToy {
            equilibrium: Players::new(x0.clone(), vec![0.0; d]),
            x0,
            start,
        })
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Game for LogisticToy {
    type V = Vec<f64>;

    fn describe(&self) -> String {
        format!("logistic toy, x₀ = {:?}", self.x0)
    }

    fn initial_point(&self) -> Players<Vec<f64>> {
        self.start.clone()
    }

    fn gradient(&mut self, p: Player, w: &Players<Vec<f64>>, _s: Sample, out: &mut Vec<f64>) {
        let s = sigmoid(-dot(&w.phi, &w.theta));
        match p {
            // ∇_θ f = φ σ(−φᵀθ)
            Player::Theta => {
                for (o, ph) in out.iter_mut().zip(&w.phi) {
                    *o = ph * s;
                }
            }
            // −∇_φ f = x₀ σ(φᵀx₀) − θ σ(−φᵀθ)
            Player::Phi => {
                let sx = sigmoid(dot(&w.phi, &self.x0));
                for ((o, x), th) in out.iter_mut().zip(&self.x0).zip(&w.theta) {
                    *o = x * sx - th * s;
                }
            }
        }
    }

    fn losses(&mut self, w: &Players<Vec<f64>>) -> Players<f64> {
        let f = log_sigmoid(dot(&w.phi, &w.theta)) + log_sigmoid(-dot(&w.phi, &self.x0));
        Players::new(f, -f)
    }

    fn equilibrium(&self) -> Option<&Players<Vec<f64>>> {
        Some(&self.equilibrium)
    }

    fn deterministic(&self) -> bool {
        true
    }

    fn zero_sum(&self) -> bool {
        true
    }

    fn jacobian(&self, w: &Players<Vec<f64>>) -> Option<DMatrix<f64>> {
        let d = self.x0.len();
        let u = dot(&w.phi, &w.theta);
        let v = dot(&w.phi, &self.x0);
        let s = sigmoid(-u);
        let su = sigmoid(u) * sigmoid(-u); // σ'(u), even in u
        let sv = sigmoid(v) * sigmoid(-v);
        let (th, ph, x) = (&w.theta, &w.phi, &self.x0);
        let mut j = DMatrix::zeros(2 * d, 2 * d);
        for a in 0..d {
            for b in 0..d {
                let eye = if a == b { 1.0 } else { 0.0 };
                j[(a, b)] = -su * ph[a] * ph[b];
                j[(a, d + b)] = s * eye - su * ph[a] * th[b];
                j[(d + a, b)] = -s * eye + su * th[a] * ph[b];
                j[(d + a, d + b)] = sv * x[a] * x[b] + su * th[a] * th[b];
            }
        }
        Some(j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::testing::*;

    #[test]
    fn equilibrium_jacobian_and_spectrum() {
        let mut g = LogisticToy::new(vec![-2.0], &Start::Random { scale: 1.0 }, 5).unwrap();
        assert_field_vanishes_at_equilibrium(&mut g);
        let w = g.initial_point();
        assert_jacobian_matches(&mut g, &w);
        let eq = g.equilibrium().unwrap().clone();
        assert_jacobian_matches(&mut g, &eq);
        let mut ev: Vec<f64> = g
            .jacobian(&eq)
            .unwrap()
            .complex_eigenvalues()
            .iter()
            .map(|z| z.re)
            .collect();
        ev.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert!((ev[0] - (1.0 - 0.75f64.sqrt())).abs() < 1e-12, "{ev:?}");
        assert!((ev[1] - (1.0 + 0.75f64.sqrt())).abs() < 1e-12, "{ev:?}");
        let mut g3 = LogisticToy::new(vec![1.0, -0.5, 2.0], &Start::default(), 1).unwrap();
        let w3 = g3.initial_point();
        assert_jacobian_matches(&mut g3, &w3);
    }
}
