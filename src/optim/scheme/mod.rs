//! Schemes: where and in which order the players' gradients are taken.

mod alternating;
mod extragradient;
mod optimistic;
mod past;
mod simultaneous;

use super::step::Step;
use crate::game::Game;
use crate::players::Players;
use serde::{Deserialize, Serialize};

/// Which player moves first in an alternating scheme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Order {
    /// k discriminator steps, then the generator step sees the new φ (\[VI\] §7, \[NM\]).
    #[default]
    DiscriminatorFirst,
    /// The generator step, then k discriminator steps seeing the new θ (\[VI\] eq. 11).
    GeneratorFirst,
}

/// How extrapolation from the past makes its first extrapolation, when no gradient is stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PastFirst {
    /// ω_{−½} = ω₀: the first extrapolation is a gradient step from ω₀ (one extra oracle call;
    /// the convention of \[VI\]'s proofs and notebook).
    #[default]
    Extrapolate,
    /// The first extrapolation is a no-op (REF-VI's PastExtraAdam).
    Skip,
}

/// How the optimistic method treats the missing previous direction at its first step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptimisticFirst {
    /// d_{−1} = 0, so the first step is −2η·d₀ (REF-VI's OMD and OptimisticAdam).
    #[default]
    ZeroPrevious,
    /// d_{−1} = d₀, so the first step is −η·d₀ (optax after its issue #1082).
    RepeatCurrent,
}

/// A scheme (immutable; its memory lives in [`SchemeMemory`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Scheme {
    /// ω_{t+1} = P[ω_t − η d(F(ω_t, ξ_t))]: both gradients at the same point and sample.
    Simultaneous,
    /// k discriminator steps and one generator step, each on its own sample and seeing the
    /// other player's newest parameters. REF-VI's "AltAdam5" is `d_steps: 4`.
    Alternating {
        /// Discriminator steps per generator step (initial value; live-tunable).
        #[serde(default = "one")]
        d_steps: u32,
        /// Who moves first.
        #[serde(default)]
        order: Order,
    },
    /// ω_{t+½} = P[ω_t − η d(F(ω_t, ξ))], ω_{t+1} = P[ω_t − η d(F(ω_{t+½}, ξ′))], the update
    /// taken from the saved ω_t. With `Adam` this is ExtraAdam (moments updated at both
    /// half-steps).
    Extragradient {
        /// A fresh sample ξ′ for the update (Algorithm 2) or the extrapolation's ξ re-used
        /// (ReExtraSGD, \[VI\] App. D).
        #[serde(default = "yes")]
        resample: bool,
    },
    /// Extrapolation from the past (Popov): ω_{t+½} = P[ω_t − η d(g_{t−½})] with the gradient
    /// stored at the previous extrapolated point, then ω_{t+1} = P[ω_t − η d(F(ω_{t+½}))]. One
    /// oracle call per step; with `Adam` this is PastExtraAdam (the stale gradient is fed to the
    /// moments again).
    PastExtragradient {
        /// The first extrapolation.
        #[serde(default)]
        first: PastFirst,
    },
    /// Optimistic gradient: ω_{t+1} = P[ω_t − η(2d_t − d_{t−1})], d_t = d(F(ω_t)). With
    /// `Gradient` this is OMD/OGDA, with `Adam` REF-VI's OptimisticAdam.
    Optimistic {
        /// The missing d_{−1}.
        #[serde(default)]
        first: OptimisticFirst,
    },
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// What a scheme remembers between iterations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SchemeMemory<V> {
    /// The gradient at the last extrapolated point (extrapolation from the past).
    pub past_gradient: Option<Players<V>>,
    /// The previous direction d_{t−1} (optimistic).
    pub previous_direction: Option<Players<V>>,
}

impl<V> Default for SchemeMemory<V> {
    fn default() -> Self {
        SchemeMemory {
            past_gradient: None,
            previous_direction: None,
        }
    }
}

impl Scheme {
    /// Short name for tables and run ids.
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::Simultaneous => "simultaneous",
            Scheme::Alternating { .. } => "alternating",
            Scheme::Extragradient { resample: true } => "extragradient",
            Scheme::Extragradient { resample: false } => "re-extragradient",
            Scheme::PastExtragradient { .. } => "past-extragradient",
            Scheme::Optimistic { .. } => "optimistic",
        }
    }

    /// True when the scheme produces extrapolated points ω_{t+½}.
    pub fn extrapolates(&self) -> bool {
        matches!(
            self,
            Scheme::Extragradient { .. } | Scheme::PastExtragradient { .. }
        )
    }

    /// The initial discriminator steps per generator step.
    pub fn d_steps(&self) -> u32 {
        match self {
            Scheme::Alternating { d_steps, .. } => *d_steps,
            _ => 1,
        }
    }

    pub(crate) fn step<G: Game + ?Sized>(&self, s: &mut Step<'_, G>, w: &mut Players<G::V>) {
        match *self {
            Scheme::Simultaneous => simultaneous::step(s, w),
            Scheme::Alternating { order, .. } => alternating::step(s, w, order),
            Scheme::Extragradient { resample } => extragradient::step(s, w, resample),
            Scheme::PastExtragradient { first } => past::step(s, w, first),
            Scheme::Optimistic { first } => optimistic::step(s, w, first),
        }
    }
}
