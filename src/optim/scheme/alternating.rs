//! Alternating gradient (Gauss–Seidel) with k discriminator steps per generator step.

use super::Order;
use crate::game::Game;
use crate::optim::step::{Base, Grad, Step};
use crate::players::{Player, Players};

/// One move of player `p` on a fresh sample, seeing the other player's newest parameters.
fn move_player<G: Game + ?Sized>(s: &mut Step<'_, G>, w: &mut Players<G::V>, p: Player) {
    let xi = s.sample();
    s.gradient(p, w, xi);
    s.advance(p, w.get_mut(p), Grad::Fresh, Base::Current);
}

/// k = d_steps discriminator steps and one generator step, in `order`.
pub(super) fn step<G: Game + ?Sized>(s: &mut Step<'_, G>, w: &mut Players<G::V>, order: Order) {
    let k = s.st.hyper.d_steps;
    if order == Order::GeneratorFirst {
        move_player(s, w, Player::Theta);
    }
    for _ in 0..k {
        move_player(s, w, Player::Phi);
    }
    if order == Order::DiscriminatorFirst {
        move_player(s, w, Player::Theta);
    }
}
