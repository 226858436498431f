//! Step rules: how a player turns a gradient g into a direction d. The scheme then moves the
//! player by −η·d from its base point, so every rule composes with every scheme.
//!
//! | rule | direction | state |
//! |---|---|---|
//! | `Gradient` | d = g | none |
//! | `HeavyBall` | buf ← β·buf + g, d = buf (buf₀ = 0, so the first d is g) | buf |
//! | `Adam` | k ← k+1; m ← β·m + (1−β)g; v ← β₂v + (1−β₂)g²; d = √(1−β₂ᵏ)/(1−βᵏ) · m/(√v + ε) | m, v, k |
//!
//! β is the player's momentum hyperparameter (β₁ for Adam), read every step so it can change
//! mid-run; negative values are allowed (negative momentum, [NM]). With the buffer form of heavy
//! ball, ω_{t+1} = ω_t − ηg_t + β(ω_t − ω_{t−1}) while η is constant. Adam's ε sits outside the
//! square root of the uncorrected v, as in PyTorch 0.4 (the reference code). `moment: Sum`
//! drops the (1−β) factor of the first moment, as REF-NM's `Adamp` does.

use crate::vector::ParamVec;
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

/// A step rule (immutable; its memory lives in [`RuleState`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Rule {
    /// Plain gradient: d = g. Its β must be 0.
    Gradient,
    /// Polyak heavy ball in buffer form, any β ∈ (−1, 1).
    HeavyBall,
    /// Adam with the reference conventions.
    Adam {
        /// Second-moment decay β₂ (the seed uses 0.9).
        #[serde(default = "default_beta2")]
        beta2: f64,
        /// ε, added to √v (not to √v̂).
        #[serde(default = "default_eps")]
        eps: f64,
        /// First-moment accumulation.
        #[serde(default)]
        moment: AdamMoment,
    },
}

fn default_beta2() -> f64 {
    0.9
}

fn default_eps() -> f64 {
    1e-8
}

/// The memory of a step rule for one player.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RuleState<V> {
    /// Plain gradient keeps nothing.
    Gradient,
    /// The heavy-ball buffer.
    HeavyBall {
        /// buf = Σ β^{t−s} g_s.
        buf: V,
    },
    /// Adam's moments and step counter.
    Adam {
        /// First moment.
        m: V,
        /// Second moment (uncorrected).
        v: V,
        /// Number of moment updates so far.
        k: u64,
    },
}

impl Rule {
    /// Fresh state for parameters shaped like `like`.
    pub fn init<V: ParamVec>(&self, like: &V) -> RuleState<V> {
        match self {
            Rule::Gradient => RuleState::Gradient,
            Rule::HeavyBall => RuleState::HeavyBall {
                buf: like.zeros_like(),
            },
            Rule::Adam { .. } => RuleState::Adam {
                m: like.zeros_like(),
                v: like.zeros_like(),
                k: 0,
            },
        }
    }

    /// Short name for tables and run ids.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Gradient => "gradient",
            Rule::HeavyBall => "heavy-ball",
            Rule::Adam { .. } => "adam",
        }
    }

    /// True when the rule uses β (heavy ball's momentum or Adam's β₁).
    pub fn has_beta(&self) -> bool {
        !matches!(self, Rule::Gradient)
    }

    /// Checks the rule's constants; the message names the offending value.
    pub fn validate(&self) -> Result<(), String> {
        if let Rule::Adam { beta2, eps, .. } = *self {
            if !(beta2.is_finite() && (0.0..1.0).contains(&beta2)) {
                return Err(format!("beta2 must be in [0, 1), got {beta2}"));
            }
            if !(eps.is_finite() && eps >= 0.0) {
                return Err(format!("eps must be finite and ≥ 0, got {eps}"));
            }
        }
        Ok(())
    }

    /// Advances `state` with gradient `g` and writes the direction into `out` (see module docs).
    #[inline]
    pub fn direction<V: ParamVec>(&self, state: &mut RuleState<V>, g: &V, beta: f64, out: &mut V) {
        match (self, state) {
            (Rule::Gradient, _) => out.assign(g),
            (Rule::HeavyBall, RuleState::HeavyBall { buf }) => {
                buf.scale_add(beta, 1.0, g);
                out.assign(buf);
            }
            (Rule::Adam { beta2, eps, moment }, RuleState::Adam { m, v, k }) => {
                *k += 1;
                match moment {
                    AdamMoment::Ema => m.scale_add(beta, 1.0 - beta, g),
                    AdamMoment::Sum => m.scale_add(beta, 1.0, g),
                }
                v.scale_add_square(*beta2, 1.0 - beta2, g);
                let kk = (*k).min(i32::MAX as u64) as i32;
                let correction = (1.0 - beta2.powi(kk)).sqrt() / (1.0 - beta.powi(kk));
                out.adam_ratio(correction, m, v, *eps);
            }
            (rule, _) => unreachable!("state does not belong to rule {rule:?}"),
        }
    }
}
