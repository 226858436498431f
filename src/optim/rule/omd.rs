//! Optimistic mirror descent with a predictor of the next gradient (Daskalakis, Ilyas,
//! Syrgkanis & Zeng 2018; vsyrgkanis/optimistic_GAN_training `script/optimizer.py`, classes
//! `OFRL` and `OMDA`). With the constant schedule both classes step
//!
//! ```text
//! m_t = predictor(m_{t−1}, g_t),   d_t = g_t + m_t − m_{t−1},   m_{−1} = 0
//! ```
//!
//! `Last` (their `version=1`: m_t = g_t) is OMD/OGDA, d_t = 2g_t − g_{t−1} with the first step
//! −2η·g₀; `Ema { rho }` (their `version=3`, `m_rho` default 0.1) predicts with an EMA,
//! m_t = ρ·m_{t−1} + (1 − ρ)·g_t. Their AdaGrad schedule is not reproduced: in that code the
//! scale s is divided by √(Σg²) again at every step, which is not AdaGrad. The rule is linear,
//! so its operator is derived; with `Simultaneous` and `Last` it equals the `Optimistic` scheme
//! with the gradient rule.

use super::{RuleKind, RuleState, RuleStep};
use crate::optim::live::Range;
use crate::optim::method::Method;
use crate::optim::registry::{Memory, Mine};
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// How the next gradient is predicted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Predictor {
    /// The last gradient (OMD).
    #[default]
    Last,
    /// An EMA of the gradients, m ← ρ·m + (1 − ρ)·g.
    Ema {
        /// The weight of the old prediction.
        rho: f64,
    },
}

/// `Omd(predictor: Last)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Omd {
    /// The predictor.
    #[serde(default)]
    pub predictor: Predictor,
}

/// The last prediction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V> {
    /// m_{t−1}.
    pub m: V,
}

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        f(&mut self.m);
    }
}

impl Method for Omd {
    fn name(&self) -> &'static str {
        "omd"
    }

    fn validate(&self) -> Result<(), String> {
        match self.predictor {
            Predictor::Last => Ok(()),
            Predictor::Ema { rho } => Range::closed_open(0.0, 1.0).check("predictor.rho", rho),
        }
    }
}

impl RuleKind for Omd {
    fn extrapolation(&self) -> Option<&'static str> {
        Some("steps with g_t + m_t − m_{t−1}, 2g_t − g_{t−1} with the Last predictor")
    }
}

impl<V: Moves> RuleStep<V> for Omd {
    fn init(&self, like: &V) -> RuleState<V> {
        State {
            m: like.zeros_like(),
        }
        .into()
    }

    #[inline]
    fn direction(&self, st: &mut RuleState<V>, g: &V, _beta: f64, out: &mut V) {
        let State { m } = st.mine();
        out.assign_axpy(g, -1.0, m);
        match self.predictor {
            Predictor::Last => m.assign(g),
            Predictor::Ema { rho } => m.scale_add(rho, 1.0 - rho, g),
        }
        out.axpy(1.0, m);
    }
}
