//! Optimistic gradient (OMD/OGDA, Daskalakis et al. 2018; REF-VI's OptimisticAdam).

use super::OptimisticFirst;
use crate::game::Game;
use crate::optim::step::Step;
use crate::players::{Player, Players};
use crate::vector::ParamVec;

/// ω_{t+1} = P[ω_t − η(2d_t − d_{t−1})] with d_t the rule's direction at ω_t; d_{t−1} is
/// remembered (the current η multiplies both, as in REF-VI).
pub(super) fn step<G: Game + ?Sized>(
    s: &mut Step<'_, G>,
    w: &mut Players<G::V>,
    first: OptimisticFirst,
) {
    let xi = s.sample();
    s.field(w, xi);
    for p in Player::BOTH {
        let beta = *s.st.hyper.beta.get(p);
        let d = s.sc.d.get_mut(p);
        s.opt
            .rules
            .get(p)
            .direction(s.st.rules.get_mut(p), s.sc.g.get(p), beta, d);
        let eta = *s.eta.get(p);
        let wp = w.get_mut(p);
        wp.axpy(-2.0 * eta, d);
        match (&s.st.memory.previous_direction, first) {
            (Some(prev), _) => wp.axpy(eta, prev.get(p)),
            (None, OptimisticFirst::RepeatCurrent) => wp.axpy(eta, d),
            (None, OptimisticFirst::ZeroPrevious) => {}
        }
        wp.project(s.opt.constraints.get(p));
    }
    match s.st.memory.previous_direction.as_mut() {
        Some(prev) => {
            prev.theta.assign(&s.sc.d.theta);
            prev.phi.assign(&s.sc.d.phi);
        }
        None => s.st.memory.previous_direction = Some(s.sc.d.clone()),
    }
}
