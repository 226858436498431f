//! The optimizer core: a **scheme** (where gradients are taken: simultaneous, alternating,
//! extragradient, extrapolation from the past, optimistic) composed with a per-player **step
//! rule** (gradient, heavy ball, Adam), a **schedule**, a **projection** and any number of
//! **averages**. Every combination works, and ExtraAdam is simply `Extragradient` ∘ `Adam`.
//!
//! [`Optimizer`] is the immutable configuration; all memory lives in [`OptimState`], which
//! checkpoints save; [`Scratch`] holds reusable buffers so a step never allocates.

mod averaging;
mod hyper;
mod rule;
mod schedule;
mod scheme;
mod step;

pub use averaging::{AverageKind, AveragePoints, AverageSpec, AverageState};
pub use hyper::Hyper;
pub use rule::{AdamMoment, Rule, RuleState};
pub use schedule::Schedule;
pub use scheme::{OptimisticFirst, Order, PastFirst, Scheme, SchemeMemory};

use crate::constraint::Constraint;
use crate::game::Game;
use crate::players::{Player, Players};
use crate::rng::Rng;
use crate::vector::ParamVec;
use serde::{Deserialize, Serialize};
use step::Step;

/// An optimizer: scheme × per-player rule × schedule × projection × averages.
#[derive(Clone, Debug, PartialEq)]
pub struct Optimizer {
    /// Where gradients are taken.
    pub scheme: Scheme,
    /// Each player's step rule.
    pub rules: Players<Rule>,
    /// η_t from the base η.
    pub schedule: Schedule,
    /// Each player's constraint set, projected onto after every change.
    pub constraints: Players<Constraint>,
    /// The averages kept next to the last iterate.
    pub averaging: Vec<AverageSpec>,
}

/// Everything an optimizer remembers between steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimState<V> {
    /// Completed iterations t.
    pub iteration: u64,
    /// Oracle calls so far: evaluations of the field (or of one player's gradient) at a point
    /// on one sample — the cost axis that compares methods per gradient.
    pub oracle_calls: u64,
    /// Hyperparameters in force.
    pub hyper: Hyper,
    /// Each player's rule memory.
    pub rules: Players<RuleState<V>>,
    /// The scheme's memory across steps.
    pub memory: SchemeMemory<V>,
    /// One state per entry of `Optimizer::averaging`.
    pub averages: Vec<AverageState<V>>,
}

/// Reusable buffers (gradient, direction, saved point); not part of any checkpoint.
#[derive(Clone, Debug)]
pub struct Scratch<V> {
    pub(crate) g: Players<V>,
    pub(crate) d: Players<V>,
    pub(crate) saved: Players<V>,
}

impl<V: ParamVec> Scratch<V> {
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

impl Optimizer {
    /// `scheme` with `rule` for both players: constant η, no projection, no averages.
    pub fn plain(scheme: Scheme, rule: Rule) -> Self {
        Optimizer {
            scheme,
            rules: Players::both(rule),
            schedule: Schedule::Constant,
            constraints: Players::both(Constraint::Free),
            averaging: vec![],
        }
    }

    /// Fresh state at ω₀ with hyperparameters `hyper`.
    pub fn init_state<V: ParamVec>(&self, w0: &Players<V>, hyper: Hyper) -> OptimState<V> {
        OptimState {
            iteration: 0,
            oracle_calls: 0,
            hyper,
            rules: Players::new(
                self.rules.theta.init(&w0.theta),
                self.rules.phi.init(&w0.phi),
            ),
            memory: SchemeMemory::default(),
            averages: self.averaging.iter().map(|a| a.init(w0)).collect(),
        }
    }

    /// η_t of both players at iteration t under `hyper`.
    pub fn eta_at(&self, hyper: &Hyper, t: u64) -> Players<f64> {
        hyper.eta.map(|&e| self.schedule.eta(e, t))
    }

    /// One iteration: ω_t → ω_{t+1} (several oracle calls for some schemes).
    pub fn step<G: Game + ?Sized>(
        &self,
        game: &mut G,
        w: &mut Players<G::V>,
        st: &mut OptimState<G::V>,
        sc: &mut Scratch<G::V>,
        rng: &mut Rng,
    ) {
        let eta = self.eta_at(&st.hyper, st.iteration);
        for (spec, a) in self.averaging.iter().zip(&mut st.averages) {
            spec.before_step(a, w, eta);
        }
        let mut s = Step {
            opt: self,
            game,
            rng,
            st,
            sc,
            eta,
        };
        self.scheme.step(&mut s, w);
        let st = s.st;
        st.iteration += 1;
        for (spec, a) in self.averaging.iter().zip(&mut st.averages) {
            spec.after_step(a, w, eta);
        }
    }

    /// Short label such as `extragradient+adam` for tables and run ids.
    pub fn label(&self) -> String {
        let rule = if self.rules.theta == self.rules.phi {
            self.rules.theta.name().to_string()
        } else {
            format!("{}/{}", self.rules.theta.name(), self.rules.phi.name())
        };
        format!("{}+{rule}", self.scheme.name())
    }

    /// True when the player's rule takes a β.
    pub fn has_beta(&self, p: Player) -> bool {
        self.rules.get(p).has_beta()
    }
}

#[cfg(test)]
mod tests;
