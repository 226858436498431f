//! Plain gradient: d = g.

use super::{RuleKind, RuleState, RuleStep};
use crate::optim::method::Method;
use crate::optim::registry::Memory;
use crate::vector::Moves;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// `Gradient`: the direction is the gradient. Its β must be 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gradient;

/// Plain gradient keeps nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V>(PhantomData<V>);

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, _f: &mut dyn FnMut(&mut V)) {}
}

impl Method for Gradient {
    fn name(&self) -> &'static str {
        "gradient"
    }
}

impl RuleKind for Gradient {}

impl<V: Moves> RuleStep<V> for Gradient {
    fn init(&self, _like: &V) -> RuleState<V> {
        State(PhantomData).into()
    }

    #[inline]
    fn direction(&self, _st: &mut RuleState<V>, g: &V, _beta: f64, out: &mut V) {
        out.assign(g);
    }

    fn identity(&self) -> bool {
        true
    }
}
