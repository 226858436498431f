//! Extrapolation from the past (Popov 1980; [VI] eqs. 20–21, Algorithm 3; PastExtraAdam).

use super::PastFirst;
use crate::game::Game;
use crate::optim::step::{Base, Grad, Step};
use crate::players::Players;
use crate::vector::ParamVec;

/// Extrapolate with the gradient stored at ω_{t−½}, take the gradient at ω_{t+½}, update from
/// the saved ω_t, and store that gradient for the next extrapolation.
pub(super) fn step<G: Game + ?Sized>(s: &mut Step<'_, G>, w: &mut Players<G::V>, first: PastFirst) {
    s.save(w);
    if s.st.memory.past_gradient.is_some() {
        s.advance_both(w, Grad::Past, Base::Saved);
    } else if first == PastFirst::Extrapolate {
        let xi = s.sample();
        s.field(w, xi);
        s.advance_both(w, Grad::Fresh, Base::Saved);
    }
    s.observe_extrapolated(w);
    let xi = s.sample();
    s.field(w, xi);
    s.advance_both(w, Grad::Fresh, Base::Saved);
    match s.st.memory.past_gradient.as_mut() {
        Some(past) => {
            past.theta.assign(&s.sc.g.theta);
            past.phi.assign(&s.sc.g.phi);
        }
        None => s.st.memory.past_gradient = Some(s.sc.g.clone()),
    }
}
