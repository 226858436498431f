//! Wrappers: methods that run the whole inner optimizer (scheme, rules, field transform and
//! any inner wrapper) as a black box and act on the points it produces — Lookahead. One
//! optimizer iteration is one step of the outermost wrapper. A wrapper keeps no memory between
//! iterations.
//!
//! A new wrapper is one file here ([`Method`] and [`WrapperKind`] for what it declares,
//! [`WrapperStep`] for what it does) and one line in the list below.

use super::method::Method;
use super::registry::methods;
use super::Hyper;
use crate::players::Players;
use crate::vector::Moves;

/// What a wrapper declares beyond [`Method`] (its `cost` is the factor on the inner step's:
/// a cost of k gradients means k inner steps).
pub trait WrapperKind: Method {}

/// A wrapper's code on vectors `V`.
pub trait WrapperStep<V: Moves> {
    /// One outer step from `w`, calling `inner` for each inner step.
    fn step(&self, h: &Hyper, w: &mut Players<V>, inner: &mut dyn FnMut(&mut Players<V>));
}

methods! {
    stateless
    /// A wrapper around the inner optimizer (stateless).
    Wrapper, WrapperKind, WrapperStep, "a wrapper, e.g. Lookahead(k: 5, alpha: 0.5)" {
        /// Lookahead-minmax: k inner steps, then ω ← ω + α(ω̃ − ω).
        Lookahead = lookahead,
    }
}

impl Wrapper {
    /// Short name for labels.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }
}
