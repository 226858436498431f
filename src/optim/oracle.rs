//! What a method asks of the game while it steps: samples, the field F, one player's
//! gradient, and the Jacobian products J·v and Jᵀ·v at a point on a sample — the "oracle".
//!
//! A run's oracle is its game, counted ([`GameOracle`]); a field transform (ConOpt, SGA,
//! Hamiltonian) is an oracle that wraps another and answers with the transformed field; the
//! iteration operators of `analysis` come from an oracle on symbolic vectors whose field is
//! J·ω. Methods are written against this trait only, so all three run the same code.

use super::notes::Notes;
use crate::game::{Game, Sample};
use crate::players::{Player, Players};
use crate::rng::Rng;
use crate::vector::{Moves, ParamVec};

/// See the module docs. Products that fail (a game without them) write zeros and leave an
/// error the step returns.
pub trait Oracle {
    /// How a player's vectors are stored.
    type V: Moves;
    /// Draws the randomness of one oracle call.
    fn sample(&mut self) -> Sample;
    /// Both players' gradients at `w` on sample `s`: one gradient evaluation.
    fn field(&mut self, w: &Players<Self::V>, s: Sample, out: &mut Players<Self::V>);
    /// One player's gradient: one gradient evaluation.
    fn gradient(&mut self, p: Player, w: &Players<Self::V>, s: Sample, out: &mut Self::V);
    /// J(w)·v on sample `s` (the Jacobian of the field `field(·, s)` computes).
    fn jvp(
        &mut self,
        w: &Players<Self::V>,
        s: Sample,
        v: &Players<Self::V>,
        out: &mut Players<Self::V>,
    );
    /// J(w)ᵀ·v on sample `s`.
    fn vjp(
        &mut self,
        w: &Players<Self::V>,
        s: Sample,
        v: &Players<Self::V>,
        out: &mut Players<Self::V>,
    );
    /// True when L_D = −L_G (then J_φθ = −J_θφᵀ, and CGD's system is symmetric).
    fn zero_sum(&self) -> bool;
    /// Where a method counts what it observed ([`Notes`]); None where nobody reads them (the
    /// symbolic model of `analysis`).
    fn notes(&mut self) -> Option<&mut Notes> {
        None
    }
}

/// Oracle calls made, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Calls {
    /// Field or single-player gradient evaluations.
    pub gradients: u64,
    /// J·v products.
    pub jvp: u64,
    /// Jᵀ·v products.
    pub vjp: u64,
}

/// A game as the oracle of a run: every call counted, samples drawn from the run's sampling
/// stream.
pub struct GameOracle<'a, G: Game + ?Sized> {
    game: &'a mut G,
    rng: &'a mut Rng,
    /// Samples the run has drawn, this oracle's included.
    drawn: &'a mut u64,
    /// The calls made so far.
    pub calls: Calls,
    /// The first product the game could not answer, and why.
    pub error: Option<String>,
    /// What the methods noted.
    pub notes: Notes,
}

impl<'a, G: Game + ?Sized> GameOracle<'a, G> {
    /// The counted oracle of `game`, sampling from `rng`; `drawn` counts the run's samples
    /// (what an epoch data order needs to know which minibatch comes next).
    pub fn new(game: &'a mut G, rng: &'a mut Rng, drawn: &'a mut u64) -> Self {
        GameOracle {
            game,
            rng,
            drawn,
            calls: Calls::default(),
            error: None,
            notes: Notes::default(),
        }
    }

    /// Counts `n` samples a step took as `Sample::Exact` itself (the game is deterministic),
    /// as if drawn.
    pub fn took_exact(&mut self, n: u64) {
        *self.drawn += n;
    }

    fn failed(&mut self, what: &str, e: String, out: &mut Players<G::V>) {
        out.theta.set_zero();
        out.phi.set_zero();
        if self.error.is_none() {
            self.error = Some(format!("{what}: {e}"));
        }
    }
}

impl<G: Game + ?Sized> Oracle for GameOracle<'_, G> {
    type V = G::V;

    fn sample(&mut self) -> Sample {
        let s = self.game.draw_sample(self.rng, *self.drawn);
        *self.drawn += 1;
        s
    }

    #[inline]
    fn field(&mut self, w: &Players<G::V>, s: Sample, out: &mut Players<G::V>) {
        self.calls.gradients += 1;
        self.game.field(w, s, out);
    }

    #[inline]
    fn gradient(&mut self, p: Player, w: &Players<G::V>, s: Sample, out: &mut G::V) {
        self.calls.gradients += 1;
        self.game.gradient(p, w, s, out);
    }

    fn jvp(&mut self, w: &Players<G::V>, s: Sample, v: &Players<G::V>, out: &mut Players<G::V>) {
        self.calls.jvp += 1;
        if let Err(e) = self.game.jvp(w, s, v, out) {
            self.failed("J·v", e, out);
        }
    }

    fn vjp(&mut self, w: &Players<G::V>, s: Sample, v: &Players<G::V>, out: &mut Players<G::V>) {
        self.calls.vjp += 1;
        if let Err(e) = self.game.vjp(w, s, v, out) {
            self.failed("Jᵀ·v", e, out);
        }
    }

    fn zero_sum(&self) -> bool {
        self.game.zero_sum()
    }

    fn notes(&mut self) -> Option<&mut Notes> {
        Some(&mut self.notes)
    }
}
