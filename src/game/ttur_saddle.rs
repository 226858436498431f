//! The saddle of the TTUR paper's toy example (Heusel, Ramsauer, Unterthiner, Nessler &
//! Hochreiter, NeurIPS 2017; bioinf-jku/TTUR `Toy_Data_Example/ttur_example_saddle.ipynb`):
//!
//! ```text
//! min_x max_y  f(x, y) = (1 + x²)(100 − y²),     F = (2x(100 − y²), 2y(1 + x²)) + noise
//! ```
//!
//! with the saddle point (0, 0), f = 100 there, and Gaussian noise of standard deviation
//! `noise` added to each gradient coordinate to simulate a stochastic gradient (the notebook's
//! σ = 1; its start is (0.5, −0.4), its steps alternating, 5000 of them). The curvatures at the
//! saddle are 200 in x and 2 in y: one learning rate for both is either too large for x
//! (ηx·200 ≥ 2: x flips sign) or slow for y, which is the two-time-scale point. The noise does
//! not depend on ω, so J is the noise-free field's.

use super::{start_point, Game, Sample, Start, ToyGame, ToySpec};
use crate::players::{Player, Players};
use crate::rng::Rng;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// `TturSaddle(noise: 1.0, start: Point(theta: [0.5], phi: [-0.4]))`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TturSaddleSpec {
    /// Standard deviation of the Gaussian noise on each gradient coordinate.
    #[serde(default = "one")]
    pub noise: f64,
    /// Starting point (the notebook's: x = 0.5, y = −0.4).
    #[serde(default = "notebook_start")]
    pub start: Start,
}

fn one() -> f64 {
    1.0
}

fn notebook_start() -> Start {
    Start::Point {
        theta: vec![0.5],
        phi: vec![-0.4],
    }
}

impl ToySpec for TturSaddleSpec {
    fn build(&self, seed: u64) -> Result<ToyGame, String> {
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(format!("noise must be finite and ≥ 0, got {}", self.noise));
        }
        let free = Players::both(super::Constraint::Free);
        let start = start_point(&self.start, Players::both(1), &free, seed)?;
        Ok(Box::new(TturSaddle {
            noise: self.noise,
            start,
            equilibrium: Players::both(vec![0.0]),
        }))
    }

    fn start_mut(&mut self) -> &mut Start {
        &mut self.start
    }

    fn coordinates(&self) -> usize {
        2
    }
}

/// See the module docs.
pub struct TturSaddle {
    noise: f64,
    start: Players<Vec<f64>>,
    equilibrium: Players<Vec<f64>>,
}

impl TturSaddle {
    /// The noise of one oracle call on both coordinates.
    fn noise(&self, s: Sample) -> Players<f64> {
        match s {
            Sample::Seed(k) if self.noise > 0.0 => {
                let mut r = Rng::new(k);
                Players::new(self.noise * r.normal(), self.noise * r.normal())
            }
            _ => Players::both(0.0),
        }
    }
}

impl Game for TturSaddle {
    type V = Vec<f64>;

    fn describe(&self) -> String {
        format!("TTUR saddle (1 + x²)(100 − y²), noise σ = {}", self.noise)
    }

    fn initial_point(&self) -> Players<Vec<f64>> {
        self.start.clone()
    }

    fn draw_sample(&self, rng: &mut Rng, _drawn: u64) -> Sample {
        if self.noise > 0.0 {
            Sample::Seed(rng.next_u64())
        } else {
            Sample::Exact
        }
    }

    fn gradient(&mut self, p: Player, w: &Players<Vec<f64>>, s: Sample, out: &mut Vec<f64>) {
        let (x, y) = (w.theta[0], w.phi[0]);
        let e = self.noise(s);
        out[0] = match p {
            Player::Theta => 2.0 * x * (100.0 - y * y) + e.theta,
            Player::Phi => 2.0 * y * (1.0 + x * x) + e.phi,
        };
    }

    fn losses(&mut self, w: &Players<Vec<f64>>) -> Players<f64> {
        let (x, y) = (w.theta[0], w.phi[0]);
        let f = (1.0 + x * x) * (100.0 - y * y);
        Players::new(f, -f)
    }

    fn equilibrium(&self) -> Option<&Players<Vec<f64>>> {
        Some(&self.equilibrium)
    }

    fn jacobian(&self, w: &Players<Vec<f64>>) -> Option<DMatrix<f64>> {
        let (x, y) = (w.theta[0], w.phi[0]);
        Some(DMatrix::from_row_slice(
            2,
            2,
            &[
                2.0 * (100.0 - y * y),
                -4.0 * x * y,
                4.0 * x * y,
                2.0 * (1.0 + x * x),
            ],
        ))
    }

    fn zero_sum(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::testing::*;

    #[test]
    fn field_jacobian_and_noise() {
        let spec = TturSaddleSpec {
            noise: 0.0,
            start: Start::Point {
                theta: vec![0.3],
                phi: vec![-0.7],
            },
        };
        let mut g = spec.build(0).unwrap();
        assert_field_vanishes_at_equilibrium(g.as_mut());
        let w = g.initial_point();
        assert_jacobian_matches(g.as_mut(), &w);
        // At the saddle: curvature 200 in x (minimized), 2 in y (maximized, as −f).
        let j = g.jacobian(&Players::both(vec![0.0])).unwrap();
        assert_eq!((j[(0, 0)], j[(1, 1)]), (200.0, 2.0));
        let noisy = TturSaddleSpec { noise: 1.0, ..spec };
        let mut g = noisy.build(0).unwrap();
        let mut rng = Rng::new(3);
        let s = g.draw_sample(&mut rng, 0);
        let mut a = Players::both(vec![0.0]);
        let mut b = a.clone();
        g.field(&w, s, &mut a);
        g.field(&w, s, &mut b);
        assert_eq!(a, b, "one sample, one noise");
        let mut t = vec![0.0];
        g.gradient(Player::Phi, &w, s, &mut t);
        assert_eq!(
            t[0], a.phi[0],
            "a player's gradient is its part of the field"
        );
        g.field(&w, Sample::Exact, &mut b);
        assert!((a.theta[0] - b.theta[0]).abs() > 1e-6, "noise on θ");
    }
}
