//! Simultaneous gradient (Jacobi): both players' gradients at ω_t on one sample, then both move.

use crate::game::Game;
use crate::optim::step::{Base, Grad, Step};
use crate::players::Players;

/// ω_{t+1} = P[ω_t − η d(F(ω_t, ξ_t))].
pub(super) fn step<G: Game + ?Sized>(s: &mut Step<'_, G>, w: &mut Players<G::V>) {
    let xi = s.sample();
    s.field(w, xi);
    s.advance_both(w, Grad::Fresh, Base::Current);
}
