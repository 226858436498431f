//! Field transforms: methods that replace the game's field F by another field built from F
//! and its Jacobian at the same point and sample — consensus optimization (F + γJᵀF),
//! symplectic gradient adjustment (ξ + λAᵀξ), Hamiltonian gradient descent (JᵀF). As their
//! authors ran them, they compose with any step rule (SGD, RMSProp, Adam) and any scheme: the
//! transformed field is an oracle of its own ([`Transformed`]), so a scheme asks it for F and
//! gets F̃. A transform keeps no memory between calls.
//!
//! A new transform is one file here ([`Method`] and [`FieldKind`] for what it declares,
//! [`FieldStep`] for what it computes) and one line in the list below.

use super::method::Method;
use super::oracle::Oracle;
use super::registry::methods;
use super::Hyper;
use crate::game::Sample;
use crate::players::{Player, Players};
use crate::vector::Moves;

/// What a field transform declares beyond [`Method`] (its `cost` is per field evaluation it
/// replaces).
pub trait FieldKind: Method {}

/// A transform's code on vectors `V`.
pub trait FieldStep<V: Moves> {
    /// `out` ← F̃(w) on sample `s`, from the game's oracle `o` (F and its products there).
    fn transformed(
        &self,
        o: &mut dyn Oracle<V = V>,
        h: &Hyper,
        w: &Players<V>,
        s: Sample,
        out: &mut Players<V>,
    );
}

methods! {
    stateless
    /// A field transform (stateless).
    FieldTransform, FieldKind, FieldStep, "a field transform, e.g. Consensus(gamma: 10.0)" {
        /// Consensus optimization (ConOpt): F + γJᵀF.
        Consensus = consensus,
        /// Symplectic gradient adjustment: ξ + λAᵀξ with the alignment sign.
        Sga = sga,
        /// Hamiltonian gradient descent: JᵀF.
        Hamiltonian = hamiltonian,
    }
}

impl FieldTransform {
    /// Short name for tables and run ids.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }
}

/// The game's oracle seen through a field transform: `field` and `gradient` answer with F̃
/// (one player's gradient is its part of F̃, which needs the whole F); products and samples
/// are the game's.
pub struct Transformed<'a, V: Moves> {
    inner: &'a mut dyn Oracle<V = V>,
    transform: &'a FieldTransform,
    hyper: &'a Hyper,
}

impl<'a, V: Moves> Transformed<'a, V> {
    /// `inner` through `transform` with the hyperparameters `hyper`.
    pub fn new(
        inner: &'a mut dyn Oracle<V = V>,
        transform: &'a FieldTransform,
        hyper: &'a Hyper,
    ) -> Self {
        Transformed {
            inner,
            transform,
            hyper,
        }
    }
}

impl<V: Moves> Oracle for Transformed<'_, V> {
    type V = V;

    fn sample(&mut self) -> Sample {
        self.inner.sample()
    }

    fn field(&mut self, w: &Players<V>, s: Sample, out: &mut Players<V>) {
        self.transform
            .steps::<V>()
            .transformed(&mut *self.inner, self.hyper, w, s, out);
    }

    fn gradient(&mut self, p: Player, w: &Players<V>, s: Sample, out: &mut V) {
        let mut all = w.map(|v| v.zeros_like());
        self.field(w, s, &mut all);
        out.assign(all.get(p));
    }

    fn jvp(&mut self, w: &Players<V>, s: Sample, v: &Players<V>, out: &mut Players<V>) {
        self.inner.jvp(w, s, v, out);
    }

    fn vjp(&mut self, w: &Players<V>, s: Sample, v: &Players<V>, out: &mut Players<V>) {
        self.inner.vjp(w, s, v, out);
    }

    fn zero_sum(&self) -> bool {
        self.inner.zero_sum()
    }

    fn notes(&mut self) -> Option<&mut super::notes::Notes> {
        self.inner.notes()
    }
}

/// ⟨a, b⟩ over both players, None for symbolic vectors.
pub(crate) fn dot<V: Moves>(a: &Players<V>, b: &Players<V>) -> Option<f64> {
    Some(a.theta.dot(&b.theta)? + a.phi.dot(&b.phi)?)
}
