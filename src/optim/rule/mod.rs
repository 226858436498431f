//! Step rules: how a player turns a gradient g into a direction d. The scheme then moves the
//! player by −η·d from its base point, so every rule composes with every scheme.
//!
//! | rule | direction | memory |
//! |---|---|---|
//! | `Gradient` | d = g | none |
//! | `HeavyBall` | buf ← β·buf + g, d = buf | buf |
//! | `Adam` | k ← k+1; m ← β·m + (1−β)g; v ← β₂v + (1−β₂)g²; d = √(1−β₂ᵏ)/(1−βᵏ) · m/(√v + ε) | m, v, k |
//! | `RmsProp` | v ← ρ·v + (1−ρ)g²; d = g/√(v + ε) (TF 1, v₀ = 1) or g/(√v + ε) (PyTorch, v₀ = 0) | v |
//! | `Omd` | m_t = predictor(g); d = g + m_t − m_{t−1} (OFRL/OMD, Daskalakis et al.) | m |
//! | `OptimAdam` | Adam's m, v; d = c_t·(2m_t/(√v_t + ε) − m_{t−1}/(√v_{t−1} + ε)) | m, v, m′, v′, k |
//!
//! β is the player's momentum hyperparameter (β₁ for Adam), read every step so it can change
//! mid-run; negative values are allowed (negative momentum, \[NM\]).
//!
//! A new rule is one file here (its spec, its memory `State<V>`, [`Method`] and [`RuleKind`]
//! for what it declares, [`RuleStep`] for what it does) and one line in the list below.

use super::method::Method;
use super::registry::methods;
use crate::vector::Moves;

/// What a step rule declares beyond [`Method`].
pub trait RuleKind: Method {
    /// True when the rule uses the player's β (heavy ball's momentum, Adam's β₁).
    fn has_beta(&self) -> bool {
        false
    }

    /// What a preset that omits β is told, for rules that need one.
    fn needs_beta(&self) -> Option<&'static str> {
        None
    }

    /// How the rule extrapolates from the past (the optimistic rules), for the refusal of a
    /// scheme that extrapolates too ([`crate::optim::optimism`]); None for the others.
    fn extrapolation(&self) -> Option<&'static str> {
        None
    }
}

/// A rule's step code on vectors `V`.
pub trait RuleStep<V: Moves> {
    /// Fresh memory for parameters shaped like `like`.
    fn init(&self, like: &V) -> RuleState<V>;

    /// Advances the memory with gradient `g` and writes the direction into `out`.
    fn direction(&self, st: &mut RuleState<V>, g: &V, beta: f64, out: &mut V);

    /// True when the direction is the gradient itself (the step uses `g` without a copy).
    fn identity(&self) -> bool {
        false
    }
}

methods! {
    /// A step rule (immutable; its memory lives in [`RuleState`]).
    Rule, RuleState, RuleKind, RuleStep, "a step rule, e.g. Gradient, HeavyBall or Adam()" {
        /// Plain gradient: d = g.
        Gradient = gradient as unit,
        /// Polyak heavy ball in buffer form, any β ∈ (−1, 1).
        HeavyBall = heavy_ball as unit,
        /// Adam with the reference conventions.
        Adam = adam,
        /// RMSProp, with TensorFlow 1's conventions (ConOpt's and SGA's) or PyTorch's.
        RmsProp = rms_prop,
        /// Optimistic mirror descent with a last-gradient or EMA predictor (OFRL/OMDA).
        Omd = omd,
        /// Daskalakis et al.'s optimistic Adam.
        OptimAdam = optim_adam,
    }
}

pub use adam::AdamMoment;
pub use omd::Predictor;
pub use rms_prop::RmsConvention;

impl Rule {
    /// Plain gradient.
    pub fn gradient() -> Rule {
        Rule::Gradient(Gradient)
    }

    /// Heavy ball.
    pub fn heavy_ball() -> Rule {
        Rule::HeavyBall(HeavyBall)
    }

    /// Adam with β₂, ε and the first-moment accumulation.
    pub fn adam(beta2: f64, eps: f64, moment: AdamMoment) -> Rule {
        Rule::Adam(Adam { beta2, eps, moment })
    }

    /// Short name for tables and run ids.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// True when the rule uses β (heavy ball's momentum or Adam's β₁).
    pub fn has_beta(&self) -> bool {
        self.kind().has_beta()
    }

    /// Checks the rule's constants; the message names the offending value.
    pub fn validate(&self) -> Result<(), String> {
        self.kind().validate()
    }

    /// Fresh memory for parameters shaped like `like`.
    pub fn init<V: Moves>(&self, like: &V) -> RuleState<V> {
        self.steps::<V>().init(like)
    }

    /// Advances `state` with gradient `g` and writes the direction into `out`.
    #[inline]
    pub fn direction<V: Moves>(&self, state: &mut RuleState<V>, g: &V, beta: f64, out: &mut V) {
        self.steps::<V>().direction(state, g, beta, out)
    }
}

/// True when `rule`'s direction is the gradient itself ([`RuleStep::identity`]). Plain
/// gradient, the common case, is recognized by its variant alone: asking through the vtable
/// twice a step was 4% of an extragradient step at d = 2 (perf, Intel Xeon, 2026-12-04).
#[inline(always)]
pub fn is_identity<V: crate::vector::Moves>(rule: &Rule) -> bool {
    matches!(rule, Rule::Gradient(_)) || rule.steps::<V>().identity()
}
