//! Consensus optimization, ConOpt (Mescheder, Nowozin & Geiger, *The numerics of GANs*,
//! NeurIPS 2017; LMescheder/TheNumericsOfGANs `consensus_gan/optimizer.py`):
//!
//! ```text
//! F̃ = F + γ·JᵀF = F + γ·∇(½‖F‖²)
//! ```
//!
//! with F the concatenated gradients of each player's own loss (their `reg = 0.5 Σ‖g‖²`,
//! `Jgrads = tf.gradients(reg, variables)`), fed to one RMSProp for both players (here: any
//! rule; the `RmsProp` rule has TF 1's conventions). Their experiments use γ = 10 (`alpha`
//! there), learning rate 1e-4, batch 64. On θφ with plain steps,
//! θ ← θ − η(φ + γθ), φ ← φ + η(θ − γφ): ρ = √((1 − ηγ)² + η²). Cost per field evaluation:
//! one gradient and one Jᵀ·v (two J·v-equivalents).

use super::{FieldKind, FieldStep};
use crate::game::Sample;
use crate::optim::live::{MethodParam, Range};
use crate::optim::method::{Cost, Method};
use crate::optim::oracle::Oracle;
use crate::optim::Hyper;
use crate::players::Players;
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// `Consensus(gamma: 10.0)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consensus {
    /// γ (initial value; live-tunable as `gamma`).
    pub gamma: f64,
}

const GAMMA: &str = "gamma";

impl Method for Consensus {
    fn name(&self) -> &'static str {
        "conopt"
    }

    fn params(&self) -> Vec<MethodParam> {
        vec![MethodParam {
            name: GAMMA,
            symbol: "γ",
            about: "consensus weight: F + γJᵀF",
            range: Range::NonNegative,
            initial: self.gamma,
        }]
    }

    fn cost(&self, _h: &Hyper) -> Cost {
        Cost::new(1.0, 0.0, 1.0)
    }

    fn validate(&self) -> Result<(), String> {
        Range::NonNegative.check(GAMMA, self.gamma)
    }
}

impl FieldKind for Consensus {}

impl<V: Moves> FieldStep<V> for Consensus {
    fn transformed(
        &self,
        o: &mut dyn Oracle<V = V>,
        h: &Hyper,
        w: &Players<V>,
        s: Sample,
        out: &mut Players<V>,
    ) {
        o.field(w, s, out);
        let mut jtf = w.map(|v| v.zeros_like());
        o.vjp(w, s, out, &mut jtf);
        let gamma = h.value(GAMMA);
        out.theta.axpy(gamma, &jtf.theta);
        out.phi.axpy(gamma, &jtf.phi);
    }
}
