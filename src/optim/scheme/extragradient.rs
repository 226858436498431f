//! Extragradient (Korpelevich 1976; \[VI\] eqs. 14–15, Algorithm 2; ExtraAdam = Algorithm 4).

use super::{SchemeKind, SchemeState, SchemeStep};
use crate::optim::method::{Cost, Method};
use crate::optim::registry::Memory;
use crate::optim::step::{Base, Grad, Step};
use crate::optim::Hyper;
use crate::players::Players;
use crate::vector::Moves;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// `Extragradient(resample: true)`: ω_{t+½} = P[ω_t − η d(F(ω_t, ξ))],
/// ω_{t+1} = P[ω_t − η d(F(ω_{t+½}, ξ′))], the update taken from the saved ω_t. With `Adam`
/// this is ExtraAdam (moments updated at both half-steps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extragradient {
    /// A fresh sample ξ′ for the update (Algorithm 2) or the extrapolation's ξ re-used
    /// (ReExtraSGD, \[VI\] App. D).
    #[serde(default = "yes")]
    pub resample: bool,
}

fn yes() -> bool {
    true
}

/// Nothing is remembered between iterations (ω_t is saved in scratch).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V>(PhantomData<V>);

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, _f: &mut dyn FnMut(&mut V)) {}
}

impl Method for Extragradient {
    fn name(&self) -> &'static str {
        if self.resample {
            "extragradient"
        } else {
            "re-extragradient"
        }
    }

    fn cost(&self, _h: &Hyper) -> Cost {
        Cost::new(2.0, 0.0, 0.0)
    }
}

impl SchemeKind for Extragradient {
    fn extrapolates(&self) -> bool {
        true
    }

    fn extrapolation(&self) -> Option<&'static str> {
        Some("extrapolates to ω_{t+½} with F(ω_t) and steps from ω_t with F(ω_{t+½})")
    }
}

impl<V: Moves> SchemeStep<V> for Extragradient {
    fn init(&self, _w0: &Players<V>) -> SchemeState<V> {
        State(PhantomData).into()
    }

    /// Extrapolate from ω_t, then update from the saved ω_t with the gradient at ω_{t+½}.
    /// Two oracle calls; the rules' memories advance at both half-steps.
    fn step(&self, s: &mut Step<'_, V>, w: &mut Players<V>, _st: &mut SchemeState<V>) {
        s.save(w);
        let xi = s.sample();
        s.field(w, xi);
        s.advance_both(w, Grad::Fresh, Base::Saved);
        s.observe_extrapolated(w);
        let xi2 = if self.resample { s.sample() } else { xi };
        s.field(w, xi2);
        s.advance_both(w, Grad::Fresh, Base::Saved);
    }
}
