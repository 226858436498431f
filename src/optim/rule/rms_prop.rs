//! RMSProp, as the authors of ConOpt and SGA ran it: TensorFlow 1's
//! `tf.train.RMSPropOptimizer` (LMescheder/TheNumericsOfGANs `consensus_gan/optimizer.py`;
//! deepmind/symplectic-gradient-adjustment's `SymplecticOptimizer`): the mean square starts
//! at 1, decays with ρ = 0.9, and ε = 1e-10 sits inside the square root:
//!
//! ```text
//! v ← ρ·v + (1 − ρ)·g²,   d = g / √(v + ε)          (Tf1, v₀ = 1)
//! d = g / (√v + ε)                                   (Torch, v₀ = 0)
//! ```
//!
//! TF 1's optional momentum is left out (both authors used 0); the rule takes no β.

use super::{RuleKind, RuleState, RuleStep};
use crate::optim::method::Method;
use crate::optim::registry::{Memory, Mine};
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// Whose RMSProp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RmsConvention {
    /// TensorFlow 1: v₀ = 1, ε inside the root (ConOpt's and SGA's reference code).
    #[default]
    Tf1,
    /// PyTorch: v₀ = 0, ε outside the root.
    Torch,
}

/// `RmsProp(rho: 0.9, eps: 1e-10, convention: Tf1)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RmsProp {
    /// Decay ρ of the mean square (TF 1 and PyTorch default: 0.9 and 0.99).
    #[serde(default = "default_rho")]
    pub rho: f64,
    /// ε (TF 1 default 1e-10).
    #[serde(default = "default_eps")]
    pub eps: f64,
    /// Whose conventions.
    #[serde(default)]
    pub convention: RmsConvention,
}

fn default_rho() -> f64 {
    0.9
}

fn default_eps() -> f64 {
    1e-10
}

/// The running mean square.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V> {
    /// v.
    pub v: V,
}

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        f(&mut self.v);
    }
}

impl Method for RmsProp {
    fn name(&self) -> &'static str {
        "rmsprop"
    }

    fn linear(&self) -> Result<(), String> {
        Err(format!("RMSProp {}", super::adam::NOT_LINEAR))
    }

    fn validate(&self) -> Result<(), String> {
        super::adam::check_moments(self.rho, self.eps)
            .map_err(|e| e.replace("beta2", "rho"))
    }
}

impl RuleKind for RmsProp {}

impl<V: Moves> RuleStep<V> for RmsProp {
    fn init(&self, like: &V) -> RuleState<V> {
        let mut v = like.zeros_like();
        if self.convention == RmsConvention::Tf1 {
            v.fill(1.0);
        }
        State { v }.into()
    }

    #[inline]
    fn direction(&self, st: &mut RuleState<V>, g: &V, _beta: f64, out: &mut V) {
        let State { v } = st.mine();
        v.scale_add_square(self.rho, 1.0 - self.rho, g);
        match self.convention {
            RmsConvention::Tf1 => out.rms_ratio(1.0, g, v, self.eps),
            RmsConvention::Torch => out.adam_ratio(1.0, g, v, self.eps),
        }
    }
}
