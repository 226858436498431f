//! Schemes: where and in which order the players' gradients are taken, and how the step is
//! made of them.
//!
//! | scheme | step | calls |
//! |---|---|---|
//! | `Simultaneous` | ω ← P[ω − η d(F(ω))] | 1 |
//! | `Alternating` | k discriminator steps, then the generator's, each on the other's newest | k + 1 |
//! | `Extragradient` | extrapolate from ω_t, update from ω_t with F(ω_{t+½}) | 2 |
//! | `PastExtragradient` | extrapolate with the stored F(ω_{t−½}), update from ω_t | 1 |
//! | `Optimistic` | ω ← P[ω − η(2d_t − d_{t−1})] | 1 |
//! | `Eag` | extragradient anchored to ω₀ with weight 1/(k+2) (Yoon & Ryu 2021) | 2 |
//! | `Cgd` | the Nash step of the local bilinear game, by conjugate gradients (Schäfer & Anandkumar 2019) | 1 + J·v |
//! | `Lead` | a gradient step with a coupling term −α·J_{pq}Δq (Hemmat et al. 2020) | 1 + 2 J·v |
//!
//! A new scheme is one file here (its spec, its memory `State<V>`, [`Method`] and
//! [`SchemeKind`] for what it declares, [`SchemeStep`] for what it does) and one line in the
//! list below.

use super::method::Method;
use super::registry::methods;
use super::step::Step;
use crate::players::Players;
use crate::vector::Moves;

/// What a scheme declares beyond [`Method`].
pub trait SchemeKind: Method {
    /// True when the scheme produces extrapolated points ω_{t+½}.
    fn extrapolates(&self) -> bool {
        false
    }

    /// How the scheme extrapolates — to a point ahead, or from the past — when it does, for
    /// the refusal of an optimistic rule under it ([`crate::optim::optimism`]); None when it
    /// steps with the gradient where it stands.
    fn extrapolation(&self) -> Option<&'static str> {
        None
    }

    /// The initial discriminator steps per generator step, for schemes that alternate with a
    /// live `d_steps`.
    fn d_steps(&self) -> Option<u32> {
        None
    }
}

/// A scheme's step code on vectors `V`.
pub trait SchemeStep<V: Moves> {
    /// Fresh memory at ω₀.
    fn init(&self, w0: &Players<V>) -> SchemeState<V>;

    /// One iteration ω_t → ω_{t+1}.
    fn step(&self, s: &mut Step<'_, V>, w: &mut Players<V>, st: &mut SchemeState<V>);
}

methods! {
    /// A scheme (immutable; its memory lives in [`SchemeState`]).
    Scheme, SchemeState, SchemeKind, SchemeStep, "a scheme, e.g. Simultaneous or Extragradient()" {
        /// ω_{t+1} = P[ω_t − η d(F(ω_t, ξ_t))]: both gradients at the same point and sample.
        Simultaneous = simultaneous as unit,
        /// k discriminator steps and one generator step, each on its own sample and seeing
        /// the other player's newest parameters.
        Alternating = alternating,
        /// Korpelevich's extragradient; ExtraAdam with `Adam`.
        Extragradient = extragradient,
        /// Extrapolation from the past (Popov); PastExtraAdam with `Adam`.
        PastExtragradient = past_extragradient,
        /// Optimistic gradient: ω_{t+1} = P[ω_t − η(2d_t − d_{t−1})].
        Optimistic = optimistic,
        /// Extra anchored gradient, EAG-C and EAG-V.
        Eag = eag,
        /// Competitive gradient descent.
        Cgd = cgd,
        /// Least-action dynamics (LEAD).
        Lead = lead,
    }
}

pub use alternating::Order;
pub use eag::EagStep;
pub use lead::{Coupling, LeadOrder};
pub use optimistic::OptimisticFirst;
pub use past_extragradient::PastFirst;

impl Scheme {
    /// Short name for tables and run ids.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// True when the scheme produces extrapolated points ω_{t+½}.
    pub fn extrapolates(&self) -> bool {
        self.kind().extrapolates()
    }

    /// The initial discriminator steps per generator step (1 for schemes that do not
    /// alternate).
    pub fn d_steps(&self) -> u32 {
        self.kind().d_steps().unwrap_or(1)
    }

    /// `Simultaneous`.
    pub fn simultaneous() -> Scheme {
        Scheme::Simultaneous(Simultaneous)
    }

    /// `Alternating(d_steps, order)`.
    pub fn alternating(d_steps: u32, order: Order) -> Scheme {
        Scheme::Alternating(Alternating { d_steps, order })
    }

    /// `Extragradient(resample)`.
    pub fn extragradient(resample: bool) -> Scheme {
        Scheme::Extragradient(Extragradient { resample })
    }

    /// `PastExtragradient(first)`.
    pub fn past_extragradient(first: PastFirst) -> Scheme {
        Scheme::PastExtragradient(PastExtragradient { first })
    }

    /// `Optimistic(first)`.
    pub fn optimistic(first: OptimisticFirst) -> Scheme {
        Scheme::Optimistic(Optimistic { first })
    }
}
