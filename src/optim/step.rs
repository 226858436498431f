//! The context of one optimizer step and the moves every scheme is built from: draw a sample,
//! take the field or one player's gradient, turn a gradient into a direction with the
//! player's rule, move from a base point, project, let the averages see extrapolated points,
//! and take Jacobian products. Schemes are written against these and the [`Moves`] of their
//! vectors only, so the same code steps runs and, on symbolic vectors, gives `analysis` each
//! method's iteration operator.

use super::oracle::Oracle;
use super::{AverageSpec, AverageState, Hyper, Rule, RuleState};
use crate::constraint::Constraint;
use crate::game::Sample;
use crate::players::{Player, Players};
use crate::vector::Moves;

/// Where a move starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// The player's current parameters.
    Current,
    /// The point in the scratch buffer `saved` (ω_t in extragradient schemes, EAG's anchored
    /// point).
    Saved,
}

/// Which gradient a move uses.
#[derive(Debug)]
pub enum Grad<'g, V> {
    /// The gradient just taken (the scratch buffer `g`).
    Fresh,
    /// A gradient the scheme keeps (extrapolation from the past).
    Given(&'g Players<V>),
}

impl<V> Clone for Grad<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Grad<'_, V> {}

/// Reusable buffers (gradient, direction, saved point); not part of any checkpoint.
#[derive(Clone, Debug)]
pub struct Scratch<V> {
    /// The gradient of the last oracle call.
    pub g: Players<V>,
    /// A direction.
    pub d: Players<V>,
    /// A saved point.
    pub saved: Players<V>,
}

impl<V: Moves> Scratch<V> {
    /// Buffers shaped like `w`.
    pub fn new(w: &Players<V>) -> Self {
        let z = w.map(|v| v.zeros_like());
        Scratch {
            g: z.clone(),
            d: z.clone(),
            saved: z,
        }
    }
}

/// Everything one step reads and writes.
pub struct Step<'a, V: Moves> {
    /// The oracle (the counted game, possibly behind a field transform).
    pub oracle: &'a mut dyn Oracle<V = V>,
    /// Each player's rule.
    pub rules: &'a Players<Rule>,
    /// Each player's rule memory.
    pub rule_states: &'a mut Players<RuleState<V>>,
    /// The hyperparameters in force.
    pub hyper: &'a Hyper,
    /// η_t of both players.
    pub eta: Players<f64>,
    /// Each player's constraint set.
    pub constraints: &'a Players<Constraint>,
    /// The averages' specs.
    pub averaging: &'a [AverageSpec],
    /// The averages' values.
    pub averages: &'a mut [AverageState<V>],
    /// Scratch buffers.
    pub sc: &'a mut Scratch<V>,
    /// Whether each player's rule is the identity (d = g), asked once per step: a toy step
    /// takes tens of nanoseconds, and asking the rule at each of its moves was a tenth of it.
    pub identity: Players<bool>,
    /// Whether every sample is `Sample::Exact` (a deterministic game,
    /// [`crate::game::Game::deterministic`], asked once per step): [`Step::sample`] then
    /// takes it without asking the oracle.
    pub exact: bool,
    /// Exact samples this step took itself, which the caller counts as drawn.
    pub exact_taken: u64,
    /// A reason to end the run after this step, which the step itself still finishes (a
    /// solve over its time budget): the trajectory never depends on it.
    pub stop: Option<String>,
}

impl<V: Moves> Step<'_, V> {
    /// Draws the randomness of one oracle call.
    #[inline]
    pub fn sample(&mut self) -> Sample {
        if self.exact {
            self.exact_taken += 1;
            return Sample::Exact;
        }
        self.oracle.sample()
    }

    /// Both players' gradients at `w` into the scratch buffer `g`.
    #[inline]
    pub fn field(&mut self, w: &Players<V>, s: Sample) {
        self.oracle.field(w, s, &mut self.sc.g);
    }

    /// One player's gradient at `w` into the scratch buffer `g`.
    #[inline]
    pub fn gradient(&mut self, p: Player, w: &Players<V>, s: Sample) {
        self.oracle.gradient(p, w, s, self.sc.g.get_mut(p));
    }

    /// J(w)·v on sample `s` into `out`.
    pub fn jvp(&mut self, w: &Players<V>, s: Sample, v: &Players<V>, out: &mut Players<V>) {
        self.oracle.jvp(w, s, v, out);
    }

    /// J(w)ᵀ·v on sample `s` into `out`.
    pub fn vjp(&mut self, w: &Players<V>, s: Sample, v: &Players<V>, out: &mut Players<V>) {
        self.oracle.vjp(w, s, v, out);
    }

    /// J_{qp}·v for the other player q of `from` = p: q's part of J(w)·(v in p's place, 0 in
    /// q's) on sample `s` (a mixed block of J, one J·v); `transposed`: of J(w)ᵀ·(…).
    pub fn mixed(&mut self, w: &Players<V>, s: Sample, from: Player, v: &V, transposed: bool) -> V {
        let zero = |p: Player| w.get(p).zeros_like();
        let mut input = Players::new(zero(Player::Theta), zero(Player::Phi));
        input.get_mut(from).assign(v);
        let mut out = Players::new(zero(Player::Theta), zero(Player::Phi));
        if transposed {
            self.vjp(w, s, &input, &mut out);
        } else {
            self.jvp(w, s, &input, &mut out);
        }
        let to = from.other();
        std::mem::replace(out.get_mut(to), zero(to))
    }

    /// Saves ω into the scratch buffer `saved` (the base of extragradient updates).
    #[inline]
    pub fn save(&mut self, w: &Players<V>) {
        self.sc.saved.theta.assign(&w.theta);
        self.sc.saved.phi.assign(&w.phi);
    }

    /// The player's β in force.
    #[inline]
    pub fn beta(&self, p: Player) -> f64 {
        *self.hyper.beta.get(p)
    }

    /// d_p ← rule_p(g_p), then w_p ← base − η_p·d_p, then w_p ← P_Ω(w_p).
    #[inline(always)]
    pub fn advance(&mut self, p: Player, w: &mut V, grad: Grad<'_, V>, base: Base) {
        let eta = *self.eta.get(p);
        // The reference, not the constraint, leaves `self`: the projection reads it in place
        // (copying its three words for each move was a visible part of a d = 2 step).
        let constraints: &Players<Constraint> = self.constraints;
        let g = match grad {
            Grad::Fresh => self.sc.g.get(p),
            Grad::Given(g) => g.get(p),
        };
        let d: &V = if *self.identity.get(p) {
            g
        } else {
            let beta = self.beta(p);
            let d = self.sc.d.get_mut(p);
            let rule = self.rules.get(p).steps::<V>();
            rule.direction(self.rule_states.get_mut(p), g, beta, d);
            d
        };
        match base {
            Base::Current => w.axpy(-eta, d),
            Base::Saved => w.assign_axpy(self.sc.saved.get(p), -eta, d),
        }
        w.project(constraints.get(p));
    }

    /// [`Step::advance`] for both players.
    #[inline]
    pub fn advance_both(&mut self, w: &mut Players<V>, grad: Grad<'_, V>, base: Base) {
        self.advance(Player::Theta, &mut w.theta, grad, base);
        self.advance(Player::Phi, &mut w.phi, grad, base);
    }

    /// Lets the averages over extrapolated points see ω_{t+½}.
    #[inline]
    pub fn observe_extrapolated(&mut self, w: &Players<V>) {
        for (spec, a) in self.averaging.iter().zip(self.averages.iter_mut()) {
            spec.extrapolated(a, w, self.eta);
        }
    }
}
