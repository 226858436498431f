//! Polyak heavy ball in buffer form (\[NM\]; REF-NM's `SGDNM`): buf ← β·buf + g, d = buf, with
//! buf₀ = 0 so the first direction is g. While η is constant this is
//! ω_{t+1} = ω_t − η·g_t + β(ω_t − ω_{t−1}); any β ∈ (−1, 1), negative included.

use super::{RuleKind, RuleState, RuleStep};
use crate::optim::method::Method;
use crate::optim::registry::{Memory, Mine};
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// `HeavyBall`: momentum β from the player's live β.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeavyBall;

/// The heavy-ball buffer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V> {
    /// buf = Σ β^{t−s} g_s.
    pub buf: V,
}

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        f(&mut self.buf);
    }
}

impl Method for HeavyBall {
    fn name(&self) -> &'static str {
        "heavy-ball"
    }
}

impl RuleKind for HeavyBall {
    fn has_beta(&self) -> bool {
        true
    }

    fn needs_beta(&self) -> Option<&'static str> {
        Some("beta: the HeavyBall rule needs beta (its momentum), e.g. beta: -0.5")
    }
}

impl<V: Moves> RuleStep<V> for HeavyBall {
    fn init(&self, like: &V) -> RuleState<V> {
        State {
            buf: like.zeros_like(),
        }
        .into()
    }

    #[inline]
    fn direction(&self, st: &mut RuleState<V>, g: &V, beta: f64, out: &mut V) {
        let State { buf } = st.mine();
        buf.scale_add(beta, 1.0, g);
        out.assign(buf);
    }
}
