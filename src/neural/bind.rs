//! Puts a player's parameters on the tape of one forward pass and collects their gradients
//! back into a [`Params`] of the same layout.

use super::device::NeuralDevice;
use super::ops::FlatT;
use super::params::Params;
use dfdx::prelude::*;

/// The parameters of one player during one forward pass.
pub struct Bound<'a, D: NeuralDevice> {
    params: &'a Params<D>,
}

impl<'a, D: NeuralDevice> Bound<'a, D> {
    /// Binds `params` (nothing is copied).
    pub fn new(params: &'a Params<D>) -> Self {
        Bound { params }
    }

    /// Tensor `i` on a fresh tape: every use adds to the same gradient (keyed by tensor id).
    pub fn get(&self, i: usize) -> FlatT<D> {
        self.params.tensors[i].leaky_trace()
    }

    /// Writes sign·∂/∂params from `grads` into `out` (zero for tensors the pass did not reach).
    pub fn gradients_into(&self, grads: &mut Gradients<f32, D>, out: &mut Params<D>, sign: f32) {
        for (t, o) in self.params.tensors.iter().zip(&mut out.tensors) {
            *o = D::gradient_of(grads, t, sign).expect("gradient allocation");
        }
    }
}
