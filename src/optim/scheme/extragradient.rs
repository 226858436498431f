//! Extragradient (Korpelevich 1976; [VI] eqs. 14–15, Algorithm 2; ExtraAdam = Algorithm 4).

use crate::game::Game;
use crate::optim::step::{Base, Grad, Step};
use crate::players::Players;

/// Extrapolate from ω_t, then update from the saved ω_t with the gradient at ω_{t+½}.
/// Two oracle calls; the rules' memories advance at both half-steps.
pub(super) fn step<G: Game + ?Sized>(s: &mut Step<'_, G>, w: &mut Players<G::V>, resample: bool) {
    s.save(w);
    let xi = s.sample();
    s.field(w, xi);
    s.advance_both(w, Grad::Fresh, Base::Saved);
    s.observe_extrapolated(w);
    let xi2 = if resample { s.sample() } else { xi };
    s.field(w, xi2);
    s.advance_both(w, Grad::Fresh, Base::Saved);
}
