//! Optimistic Adam as Daskalakis et al. 2018 wrote it (their Algorithm; vsyrgkanis/
//! optimistic_GAN_training `script/optimizer.py`, class `optimAdam`): Adam's moments, then
//!
//! ```text
//! ω_{t+1} = ω_t − 2·c_t·m_t/(√v_t + ε) + c_t·m_{t−1}/(√v_{t−1} + ε),   c_t = √(1−β₂ᵗ)/(1−βᵗ)
//! ```
//!
//! — both ratios uncorrected, the current correction c_t on both, m₋₁ = 0 (so the first step is
//! −2η·c₁·m₁/(√v₁ + ε)), ε outside the root. This differs from REF-VI's OptimisticAdam (the
//! `Optimistic` scheme with `Adam`), which corrects each ratio with its own step's factor. The
//! Keras code updates m_old ← m in the same group as m ← m_t with no ordering between them;
//! the paper's algorithm (previous step's moments) is what is implemented.

use super::adam::{check_moments, correction};
use super::{RuleKind, RuleState, RuleStep};
use crate::optim::method::Method;
use crate::optim::registry::{Memory, Mine};
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// `OptimAdam(beta2: 0.999, eps: 1e-8)`; β₁ is the player's live β.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimAdam {
    /// Second-moment decay β₂ (their default 0.999).
    #[serde(default = "default_beta2")]
    pub beta2: f64,
    /// ε, added to √v.
    #[serde(default = "default_eps")]
    pub eps: f64,
}

fn default_beta2() -> f64 {
    0.999
}

fn default_eps() -> f64 {
    1e-8
}

/// The moments, the previous ratio and the step counter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V> {
    /// First moment.
    pub m: V,
    /// Second moment.
    pub v: V,
    /// m_{t−1}/(√v_{t−1} + ε).
    pub previous: V,
    /// Moment updates so far.
    pub k: u64,
}

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        f(&mut self.m);
        f(&mut self.v);
        f(&mut self.previous);
    }
}

impl Method for OptimAdam {
    fn name(&self) -> &'static str {
        "optim-adam"
    }

    fn linear(&self) -> Result<(), String> {
        Err(format!(
            "Adam-type rules are not linear: optimistic Adam {}",
            super::adam::NOT_LINEAR
        ))
    }

    fn validate(&self) -> Result<(), String> {
        check_moments(self.beta2, self.eps)
    }
}

impl RuleKind for OptimAdam {
    fn has_beta(&self) -> bool {
        true
    }

    fn needs_beta(&self) -> Option<&'static str> {
        Some("beta: the OptimAdam rule needs beta (its β₁; Daskalakis et al. use 0.5), e.g. beta: 0.5")
    }

    fn extrapolation(&self) -> Option<&'static str> {
        Some("steps with 2·m_t/(√v_t + ε) − m_{t−1}/(√v_{t−1} + ε)")
    }
}

impl<V: Moves> RuleStep<V> for OptimAdam {
    fn init(&self, like: &V) -> RuleState<V> {
        State {
            m: like.zeros_like(),
            v: like.zeros_like(),
            previous: like.zeros_like(),
            k: 0,
        }
        .into()
    }

    fn direction(&self, st: &mut RuleState<V>, g: &V, beta: f64, out: &mut V) {
        let State { m, v, previous, k } = st.mine();
        *k += 1;
        m.scale_add(beta, 1.0 - beta, g);
        v.scale_add_square(self.beta2, 1.0 - self.beta2, g);
        let c = correction(beta, self.beta2, *k);
        out.adam_ratio(1.0, m, v, self.eps);
        // previous ← 2c·r_t − c·r_{t−1} is the direction; swapping leaves r_t for next time.
        previous.scale_add(-c, 2.0 * c, out);
        std::mem::swap(out, previous);
    }
}
