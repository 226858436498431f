//! The context of one optimizer step and the moves every scheme is built from.

use super::{OptimState, Optimizer, Rule, Scratch};
use crate::game::{Game, Sample};
use crate::players::{Player, Players};
use crate::rng::Rng;
use crate::vector::ParamVec;

/// Where a move starts from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    /// The player's current parameters.
    Current,
    /// The point saved at the start of the iteration (ω_t in extragradient schemes).
    Saved,
}

/// Which gradient a move uses.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grad {
    /// The gradient just computed (in the scratch buffer).
    Fresh,
    /// The gradient stored at the previous extrapolated point (extrapolation from the past).
    Past,
}

/// Everything one step reads and writes.
pub(crate) struct Step<'a, G: Game + ?Sized> {
    pub opt: &'a Optimizer,
    pub game: &'a mut G,
    pub rng: &'a mut Rng,
    pub st: &'a mut OptimState<G::V>,
    pub sc: &'a mut Scratch<G::V>,
    /// η_t of both players.
    pub eta: Players<f64>,
}

impl<G: Game + ?Sized> Step<'_, G> {
    /// Draws the randomness of one oracle call.
    #[inline]
    pub fn sample(&mut self) -> Sample {
        self.game.draw_sample(self.rng)
    }

    /// Both players' gradients at `w` into the scratch buffer: one oracle call.
    #[inline]
    pub fn field(&mut self, w: &Players<G::V>, s: Sample) {
        self.game.field(w, s, &mut self.sc.g);
        self.st.oracle_calls += 1;
    }

    /// One player's gradient at `w` into the scratch buffer: one oracle call.
    #[inline]
    pub fn gradient(&mut self, p: Player, w: &Players<G::V>, s: Sample) {
        self.game.gradient(p, w, s, self.sc.g.get_mut(p));
        self.st.oracle_calls += 1;
    }

    /// Saves ω (the base of extragradient updates).
    #[inline]
    pub fn save(&mut self, w: &Players<G::V>) {
        self.sc.saved.theta.assign(&w.theta);
        self.sc.saved.phi.assign(&w.phi);
    }

    /// d_p ← rule_p(g_p), then w_p ← base − η_p·d_p, then w_p ← P_Ω(w_p).
    #[inline]
    pub fn advance(&mut self, p: Player, w: &mut G::V, grad: Grad, base: Base) {
        let opt = self.opt;
        let beta = *self.st.hyper.beta.get(p);
        let g = match grad {
            Grad::Fresh => self.sc.g.get(p),
            Grad::Past => self
                .st
                .memory
                .past_gradient
                .as_ref()
                .expect("a stored past gradient")
                .get(p),
        };
        let rule = opt.rules.get(p);
        // The plain gradient is its own direction: no copy.
        let d: &G::V = if matches!(rule, Rule::Gradient) {
            g
        } else {
            let d = self.sc.d.get_mut(p);
            rule.direction(self.st.rules.get_mut(p), g, beta, d);
            d
        };
        let eta = *self.eta.get(p);
        match base {
            Base::Current => w.axpy(-eta, d),
            Base::Saved => w.assign_axpy(self.sc.saved.get(p), -eta, d),
        }
        w.project(opt.constraints.get(p));
    }

    /// `advance` for both players.
    #[inline]
    pub fn advance_both(&mut self, w: &mut Players<G::V>, grad: Grad, base: Base) {
        self.advance(Player::Theta, &mut w.theta, grad, base);
        self.advance(Player::Phi, &mut w.phi, grad, base);
    }

    /// Lets the averages over extrapolated points see ω_{t+½}.
    #[inline]
    pub fn observe_extrapolated(&mut self, w: &Players<G::V>) {
        for (spec, a) in self.opt.averaging.iter().zip(&mut self.st.averages) {
            spec.extrapolated(a, w, self.eta);
        }
    }
}
