//! Optimistic gradient (OMD/OGDA, Daskalakis et al. 2018; REF-VI's `omd.py` and
//! OptimisticAdam).

use super::{SchemeKind, SchemeState, SchemeStep};
use crate::optim::method::{Cost, Method};
use crate::optim::registry::{Memory, Mine};
use crate::optim::step::Step;
use crate::optim::Hyper;
use crate::players::{Player, Players};
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// How the optimistic method treats the missing previous direction at its first step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptimisticFirst {
    /// d_{−1} = 0, so the first step is −2η·d₀ (REF-VI's OMD and OptimisticAdam).
    #[default]
    ZeroPrevious,
    /// d_{−1} = d₀, so the first step is −η·d₀ (optax after its issue #1082).
    RepeatCurrent,
}

/// `Optimistic(first: ZeroPrevious)`: ω_{t+1} = P[ω_t − η(2d_t − d_{t−1})], d_t = d(F(ω_t)).
/// With `Gradient` this is OMD/OGDA, with `Adam` REF-VI's OptimisticAdam; an optimistic rule
/// under it would extrapolate twice and is refused (`optim::optimism`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Optimistic {
    /// The missing d_{−1}.
    #[serde(default)]
    pub first: OptimisticFirst,
}

/// The previous direction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V> {
    /// d_{t−1} (None before the first step).
    pub previous_direction: Option<Players<V>>,
}

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        self.previous_direction.visit(f);
    }
}

impl Method for Optimistic {
    fn name(&self) -> &'static str {
        "optimistic"
    }

    fn cost(&self, _h: &Hyper) -> Cost {
        Cost::new(1.0, 0.0, 0.0)
    }
}

impl SchemeKind for Optimistic {
    fn extrapolation(&self) -> Option<&'static str> {
        Some("steps with 2d_t − d_{t−1}")
    }
}

impl<V: Moves> SchemeStep<V> for Optimistic {
    fn init(&self, _w0: &Players<V>) -> SchemeState<V> {
        State {
            previous_direction: None,
        }
        .into()
    }

    /// ω_{t+1} = P[ω_t − η(2d_t − d_{t−1})] with d_t the rule's direction at ω_t; d_{t−1} is
    /// remembered (the current η multiplies both, as in REF-VI).
    fn step(&self, s: &mut Step<'_, V>, w: &mut Players<V>, st: &mut SchemeState<V>) {
        let State { previous_direction } = st.mine();
        let xi = s.sample();
        s.field(w, xi);
        for p in Player::BOTH {
            let (eta, beta) = (*s.eta.get(p), s.beta(p));
            let d = s.sc.d.get_mut(p);
            s.rules
                .get(p)
                .direction(s.rule_states.get_mut(p), s.sc.g.get(p), beta, d);
            let wp = w.get_mut(p);
            wp.axpy(-2.0 * eta, d);
            match (previous_direction.as_mut(), self.first) {
                (Some(prev), _) => {
                    wp.axpy(eta, prev.get(p));
                    prev.get_mut(p).assign(d);
                }
                (None, OptimisticFirst::RepeatCurrent) => wp.axpy(eta, d),
                (None, OptimisticFirst::ZeroPrevious) => {}
            }
            wp.project(s.constraints.get(p));
        }
        if previous_direction.is_none() {
            *previous_direction = Some(s.sc.d.clone());
        }
    }
}
