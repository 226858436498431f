//! Adam with the reference code's conventions (REF-VI `optim/extragradient.py`, PyTorch 0.4):
//! k ← k+1; m ← β·m + (1−β)g; v ← β₂v + (1−β₂)g²; d = √(1−β₂ᵏ)/(1−βᵏ) · m/(√v + ε), with ε
//! outside the square root of the uncorrected v. `moment: Sum` drops the (1−β) factor of the
//! first moment, as REF-NM's `Adamp` does (a normalized heavy ball for β < 0). β is the
//! player's live β (β₁).

use super::{RuleKind, RuleState, RuleStep};
use crate::optim::method::Method;
use crate::optim::registry::{Memory, Mine};
use crate::vector::{AdamScalars, Moves};
use serde::{Deserialize, Serialize};

/// How Adam accumulates its first moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdamMoment {
    /// m ← β·m + (1 − β)·g (Kingma & Ba; PyTorch).
    #[default]
    Ema,
    /// m ← β·m + g (REF-NM's `Adamp`, a normalized heavy ball for β < 0).
    Sum,
}

/// `Adam(beta2: 0.9, eps: 1e-8, moment: Ema)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adam {
    /// Second-moment decay β₂ (the seed uses 0.9).
    #[serde(default = "default_beta2")]
    pub beta2: f64,
    /// ε, added to √v (not to √v̂).
    #[serde(default = "default_eps")]
    pub eps: f64,
    /// First-moment accumulation.
    #[serde(default)]
    pub moment: AdamMoment,
}

fn default_beta2() -> f64 {
    0.9
}

fn default_eps() -> f64 {
    1e-8
}

/// Adam's moments and step counter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V> {
    /// First moment.
    pub m: V,
    /// Second moment (uncorrected).
    pub v: V,
    /// Number of moment updates so far.
    pub k: u64,
}

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        f(&mut self.m);
        f(&mut self.v);
    }
}

/// Checks β₂ ∈ [0, 1) and ε ≥ 0 finite (shared by the Adam-type rules).
pub(super) fn check_moments(beta2: f64, eps: f64) -> Result<(), String> {
    if !(beta2.is_finite() && (0.0..1.0).contains(&beta2)) {
        return Err(format!("beta2 must be in [0, 1), got {beta2}"));
    }
    if !(eps.is_finite() && eps >= 0.0) {
        return Err(format!("eps must be finite and ≥ 0, got {eps}"));
    }
    Ok(())
}

/// √(1−β₂ᵏ)/(1−βᵏ): Adam's bias correction after k updates.
pub(super) fn correction(beta: f64, beta2: f64, k: u64) -> f64 {
    let kk = k.min(i32::MAX as u64) as i32;
    (1.0 - beta2.powi(kk)).sqrt() / (1.0 - beta.powi(kk))
}

/// Why adaptive rules have no iteration operator.
pub(super) const NOT_LINEAR: &str = "divides by the square root of a running mean of g², so it is not linear at the equilibrium and its update has no spectral radius";

impl Method for Adam {
    fn name(&self) -> &'static str {
        "adam"
    }

    fn linear(&self) -> Result<(), String> {
        Err(format!("Adam-type rules are not linear: Adam {NOT_LINEAR}"))
    }

    fn validate(&self) -> Result<(), String> {
        check_moments(self.beta2, self.eps)
    }
}

impl RuleKind for Adam {
    fn has_beta(&self) -> bool {
        true
    }

    fn needs_beta(&self) -> Option<&'static str> {
        Some("beta: the Adam rule needs beta (its β₁; the seed uses 0.5), e.g. beta: 0.5")
    }
}

impl<V: Moves> RuleStep<V> for Adam {
    fn init(&self, like: &V) -> RuleState<V> {
        State {
            m: like.zeros_like(),
            v: like.zeros_like(),
            k: 0,
        }
        .into()
    }

    #[inline]
    fn direction(&self, st: &mut RuleState<V>, g: &V, beta: f64, out: &mut V) {
        let State { m, v, k } = st.mine();
        *k += 1;
        let a = match self.moment {
            AdamMoment::Ema => 1.0 - beta,
            AdamMoment::Sum => 1.0,
        };
        let scalars = AdamScalars {
            b: beta,
            a,
            beta2: self.beta2,
            c: correction(beta, self.beta2, *k),
            eps: self.eps,
        };
        out.adam_step(m, v, g, &scalars);
    }
}
