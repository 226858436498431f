//! Simultaneous gradient (Jacobi): both players' gradients at ω_t on one sample, then both
//! move (\[VI\] §2.1).

use super::{SchemeKind, SchemeState, SchemeStep};
use crate::optim::method::{Cost, Method};
use crate::optim::registry::Memory;
use crate::optim::step::{Base, Grad, Step};
use crate::optim::Hyper;
use crate::players::Players;
use crate::vector::Moves;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// `Simultaneous`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Simultaneous;

/// Nothing is remembered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V>(PhantomData<V>);

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, _f: &mut dyn FnMut(&mut V)) {}
}

impl Method for Simultaneous {
    fn name(&self) -> &'static str {
        "simultaneous"
    }

    fn cost(&self, _h: &Hyper) -> Cost {
        Cost::new(1.0, 0.0, 0.0)
    }
}

impl SchemeKind for Simultaneous {}

impl<V: Moves> SchemeStep<V> for Simultaneous {
    fn init(&self, _w0: &Players<V>) -> SchemeState<V> {
        State(PhantomData).into()
    }

    /// ω_{t+1} = P[ω_t − η d(F(ω_t, ξ_t))].
    fn step(&self, s: &mut Step<'_, V>, w: &mut Players<V>, _st: &mut SchemeState<V>) {
        let xi = s.sample();
        s.field(w, xi);
        s.advance_both(w, Grad::Fresh, Base::Current);
    }
}
