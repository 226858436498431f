//! Dirac-GAN (Mescheder, Geiger & Nowozin 2018): real data δ₀, generator δ_θ, discriminator
//! logit D(x) = φx, θ, φ ∈ ℝ.
//!
//! | loss | L_G | L_D |
//! |---|---|---|
//! | saturating | log σ(0) + log σ(−φθ) | −L_G |
//! | non-saturating | −log σ(φθ) | −log σ(0) − log σ(−φθ) |
//! | WGAN | −φθ | φθ |
//!
//! The equilibrium is (0, 0), where J = [[0, −f′(0)], [f′(0), 0]] has the eigenvalues ±i f′(0)
//! (½ for the logistic losses, 1 for WGAN): simultaneous gradient descent spirals out and
//! alternating gradient descent cycles. (Mescheder writes the field with ψ = −φ.)

use super::{start_point, Constraint, Game, Sample, Start, ToyGame, ToySpec};
use crate::check::positive;
use crate::players::{Player, Players};
use crate::special::{log_sigmoid, sigmoid};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

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

/// `DiracGan(…)`: θ, φ ∈ ℝ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiracGanSpec {
    /// Which loss.
    pub loss: DiracLoss,
    /// Clip φ to [−clip, clip] after every change (WGAN weight clipping).
    #[serde(default)]
    pub clip: Option<f64>,
    /// Starting point.
    #[serde(default)]
    pub start: Start,
}

impl ToySpec for DiracGanSpec {
    fn build(&self, seed: u64) -> Result<ToyGame, String> {
        if let Some(c) = self.clip {
            positive("clip", c)?;
        }
        Ok(Box::new(DiracGan::new(
            self.loss,
            self.clip,
            &self.start,
            seed,
        )?))
    }

    fn start_mut(&mut self) -> &mut Start {
        &mut self.start
    }

    fn coordinates(&self) -> usize {
        2
    }
}

/// See the module docs.
pub struct DiracGan {
    loss: DiracLoss,
    clip: Option<f64>,
    equilibrium: Players<Vec<f64>>,
    start: Players<Vec<f64>>,
}

impl DiracGan {
    /// The Dirac-GAN with `loss`, and φ clipped to [−clip, clip] when given.
    pub fn new(
        loss: DiracLoss,
        clip: Option<f64>,
        start: &Start,
        seed: u64,
    ) -> Result<Self, String> {
        let mut g = DiracGan {
            loss,
            clip,
            equilibrium: Players::both(vec![0.0]),
            start: Players::both(vec![0.0]),
        };
        g.start = start_point(start, Players::both(1), &g.constraints(), seed)?;
        Ok(g)
    }

    /// (F_θ, F_φ) at (θ, φ).
    fn field_at(&self, t: f64, p: f64) -> (f64, f64) {
        let u = p * t;
        match self.loss {
            DiracLoss::Saturating => (-p * sigmoid(u), t * sigmoid(u)),
            DiracLoss::NonSaturating => (-p * sigmoid(-u), t * sigmoid(u)),
            DiracLoss::Wgan => (-p, t),
        }
    }
}

impl Game for DiracGan {
    type V = Vec<f64>;

    fn describe(&self) -> String {
        let clip = self
            .clip
            .map_or(String::new(), |c| format!(", φ clipped to ±{c}"));
        format!("Dirac-GAN, {:?} loss{clip}", self.loss)
    }

    fn initial_point(&self) -> Players<Vec<f64>> {
        self.start.clone()
    }

    fn gradient(&mut self, pl: Player, w: &Players<Vec<f64>>, _s: Sample, out: &mut Vec<f64>) {
        let (ft, fp) = self.field_at(w.theta[0], w.phi[0]);
        out[0] = match pl {
            Player::Theta => ft,
            Player::Phi => fp,
        };
    }

    fn losses(&mut self, w: &Players<Vec<f64>>) -> Players<f64> {
        let u = w.theta[0] * w.phi[0];
        let ld = -log_sigmoid(0.0) - log_sigmoid(-u);
        match self.loss {
            DiracLoss::Saturating => Players::new(-ld, ld),
            DiracLoss::NonSaturating => Players::new(-log_sigmoid(u), ld),
            DiracLoss::Wgan => Players::new(-u, u),
        }
    }

    fn equilibrium(&self) -> Option<&Players<Vec<f64>>> {
        Some(&self.equilibrium)
    }

    fn deterministic(&self) -> bool {
        true
    }

    fn zero_sum(&self) -> bool {
        self.loss != DiracLoss::NonSaturating
    }

    fn constraints(&self) -> Players<Constraint> {
        Players::new(
            Constraint::Free,
            self.clip
                .map_or(Constraint::Free, |c| Constraint::Box { lo: -c, hi: c }),
        )
    }

    fn jacobian(&self, w: &Players<Vec<f64>>) -> Option<DMatrix<f64>> {
        let (t, p) = (w.theta[0], w.phi[0]);
        let u = t * p;
        let ds = sigmoid(u) * sigmoid(-u); // σ′(u) = σ′(−u)
        let [a, b, c, d] = match self.loss {
            DiracLoss::Saturating => [
                -p * p * ds,
                -sigmoid(u) - u * ds,
                sigmoid(u) + u * ds,
                t * t * ds,
            ],
            DiracLoss::NonSaturating => [
                p * p * ds,
                -sigmoid(-u) + u * ds,
                sigmoid(u) + u * ds,
                t * t * ds,
            ],
            DiracLoss::Wgan => [0.0, -1.0, 1.0, 0.0],
        };
        Some(DMatrix::from_row_slice(2, 2, &[a, b, c, d]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::testing::*;

    #[test]
    fn fields_match_losses_and_jacobians() {
        for loss in [
            DiracLoss::Saturating,
            DiracLoss::NonSaturating,
            DiracLoss::Wgan,
        ] {
            let mut g = DiracGan::new(
                loss,
                None,
                &Start::Point {
                    theta: vec![0.7],
                    phi: vec![-1.3],
                },
                0,
            )
            .unwrap();
            assert_field_vanishes_at_equilibrium(&mut g);
            let w = g.initial_point();
            assert_jacobian_matches(&mut g, &w);
            // F_θ = ∂L_G/∂θ and F_φ = ∂L_D/∂φ, by central differences of the losses.
            let h = 1e-6;
            let lg = |g: &mut DiracGan, t: f64, p: f64| g.losses(&Players::new(vec![t], vec![p]));
            let dt =
                (lg(&mut g, 0.7 + h, -1.3).theta - lg(&mut g, 0.7 - h, -1.3).theta) / (2.0 * h);
            let dp = (lg(&mut g, 0.7, -1.3 + h).phi - lg(&mut g, 0.7, -1.3 - h).phi) / (2.0 * h);
            let (ft, fp) = g.field_at(0.7, -1.3);
            assert!((dt - ft).abs() < 1e-8 && (dp - fp).abs() < 1e-8, "{loss:?}");
            let j0 = g.jacobian(&Players::both(vec![0.0])).unwrap();
            let k = if loss == DiracLoss::Wgan { 1.0 } else { 0.5 };
            assert_eq!(j0.as_slice(), &[0.0, k, -k, 0.0]); // column-major [[0, −k], [k, 0]]
        }
    }
}
