//! GAN losses on the discriminator's raw outputs (logits or critic values), spec §1.
//!
//! With p_r = D(x_real), p_f = D(G(z)) and the game value V that the generator minimizes:
//!
//! | loss | L_G | L_D |
//! |---|---|---|
//! | `Saturating` | V = mean log σ(p_r) + mean log σ(−p_f) | −V |
//! | `NonSaturating` | −mean log σ(p_f) | −V (as above) |
//! | `Wgan` | V = mean p_r − mean p_f | −V (+ λ·GP for WGAN-GP) |
//!
//! log σ(u) = −(max(−u, 0) + log(1 + e^{−|u|})) is computed without overflow.

use super::device::NeuralDevice;
use super::ops::Traced;
use dfdx::prelude::*;
use serde::{Deserialize, Serialize};

/// Which GAN loss a game uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GanLoss {
    /// The original minimax loss (zero-sum): the generator minimizes log(1 − σ(D(G(z)))).
    Saturating,
    /// The generator minimizes −log σ(D(G(z))) instead.
    NonSaturating,
    /// Wasserstein critic (clip φ, or add a gradient penalty).
    Wgan,
}

impl GanLoss {
    /// True when L_D = −L_G, so one backward pass of V yields both players' gradients.
    pub fn zero_sum(&self) -> bool {
        !matches!(self, GanLoss::NonSaturating)
    }
}

type Logits<D> = Traced<(usize, usize), D>;

/// log σ(u), element-wise.
pub fn log_sigmoid<S: Shape, D: NeuralDevice>(u: Traced<S, D>) -> Traced<S, D> {
    let neg = u.retaped::<OwnedTape<f32, D>>().negate().relu();
    let soft = (u.abs().negate().exp() + 1.0).ln();
    (neg + soft).negate()
}

/// V of the zero-sum losses (what the generator minimizes), as a scalar on the tape.
pub fn game_value<D: NeuralDevice>(
    loss: GanLoss,
    real: Logits<D>,
    fake: Logits<D>,
) -> Traced<(), D> {
    match loss {
        GanLoss::Wgan => real.mean::<(), _>() - fake.mean::<(), _>(),
        GanLoss::Saturating | GanLoss::NonSaturating => {
            log_sigmoid(real).mean::<(), _>() + log_sigmoid(fake.negate()).mean::<(), _>()
        }
    }
}

/// The non-saturating generator loss −mean log σ(p_f).
pub fn non_saturating_generator<D: NeuralDevice>(fake: Logits<D>) -> Traced<(), D> {
    log_sigmoid(fake).mean::<(), _>().negate()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neural::device::NeuralDevice;

    #[test]
    fn log_sigmoid_is_stable_and_exact() {
        let dev = Cpu::shared(0);
        let u = [-200.0f32, -3.0, 0.0, 2.5, 200.0];
        let t: Tensor<(usize,), f32, Cpu> = dev.tensor_from_vec(u.to_vec(), (5,));
        let got = log_sigmoid(t.leaky_traced()).as_vec();
        for (g, u) in got.iter().zip(u) {
            let want = crate::special::log_sigmoid(u as f64);
            assert!(
                (*g as f64 - want).abs() <= 1e-6 * (1.0 + want.abs()),
                "log σ({u}) = {g}, want {want}"
            );
        }
    }
}
