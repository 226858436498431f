//! Extrapolation from the past (Popov 1980; \[VI\] eqs. 20–21, Algorithm 3; PastExtraAdam).

use super::{SchemeKind, SchemeState, SchemeStep};
use crate::optim::method::{Cost, Method};
use crate::optim::registry::{Memory, Mine};
use crate::optim::step::{Base, Grad, Step};
use crate::optim::Hyper;
use crate::players::Players;
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// How extrapolation from the past makes its first extrapolation, when no gradient is stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PastFirst {
    /// ω_{−½} = ω₀: the first extrapolation is a gradient step from ω₀ (one extra oracle call;
    /// the convention of \[VI\]'s proofs and notebook).
    #[default]
    Extrapolate,
    /// The first extrapolation is a no-op (REF-VI's PastExtraAdam).
    Skip,
}

/// `PastExtragradient(first: Extrapolate)`: ω_{t+½} = P[ω_t − η d(g_{t−½})] with the gradient
/// stored at the previous extrapolated point, then ω_{t+1} = P[ω_t − η d(F(ω_{t+½}))]. One
/// oracle call per step; with `Adam` this is PastExtraAdam (the stale gradient is fed to the
/// moments again).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PastExtragradient {
    /// The first extrapolation.
    #[serde(default)]
    pub first: PastFirst,
}

/// The gradient at the last extrapolated point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V> {
    /// g_{t−½} (None before the first step).
    pub past_gradient: Option<Players<V>>,
}

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        self.past_gradient.visit(f);
    }
}

impl Method for PastExtragradient {
    fn name(&self) -> &'static str {
        "past-extragradient"
    }

    /// One call per step (the proof convention pays one more at the first step).
    fn cost(&self, _h: &Hyper) -> Cost {
        Cost::new(1.0, 0.0, 0.0)
    }
}

impl SchemeKind for PastExtragradient {
    fn extrapolates(&self) -> bool {
        true
    }

    fn extrapolation(&self) -> Option<&'static str> {
        Some("extrapolates with the stored F(ω_{t−½}): unconstrained, optimistic gradient on the half-iterates")
    }
}

impl<V: Moves> SchemeStep<V> for PastExtragradient {
    fn init(&self, _w0: &Players<V>) -> SchemeState<V> {
        State {
            past_gradient: None,
        }
        .into()
    }

    /// Extrapolate with the gradient stored at ω_{t−½}, take the gradient at ω_{t+½}, update
    /// from the saved ω_t, and store that gradient for the next extrapolation.
    fn step(&self, s: &mut Step<'_, V>, w: &mut Players<V>, st: &mut SchemeState<V>) {
        let State { past_gradient } = st.mine();
        s.save(w);
        if let Some(past) = past_gradient.as_ref() {
            s.advance_both(w, Grad::Given(past), Base::Saved);
        } else if self.first == PastFirst::Extrapolate {
            let xi = s.sample();
            s.field(w, xi);
            s.advance_both(w, Grad::Fresh, Base::Saved);
        }
        s.observe_extrapolated(w);
        let xi = s.sample();
        s.field(w, xi);
        s.advance_both(w, Grad::Fresh, Base::Saved);
        match past_gradient.as_mut() {
            Some(past) => {
                past.theta.assign(&s.sc.g.theta);
                past.phi.assign(&s.sc.g.phi);
            }
            None => *past_gradient = Some(s.sc.g.clone()),
        }
    }
}
