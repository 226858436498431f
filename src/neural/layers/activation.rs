//! Activations with PyTorch's defaults.

use crate::neural::device::NeuralDevice;
use crate::neural::ops::Traced;
use dfdx::prelude::*;

/// PyTorch's default negative slope of `LeakyReLU` (dfdx's default is 0.05).
pub const LEAKY_SLOPE: f32 = 0.01;

/// LeakyReLU: x ↦ max(0, x) + slope·min(0, x).
pub fn leaky_relu<S: Shape, D: NeuralDevice>(x: Traced<S, D>, slope: f32) -> Traced<S, D> {
    x.prelu(slope)
}
