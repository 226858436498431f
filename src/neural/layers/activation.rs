//! Activations with PyTorch's defaults.

use crate::neural::device::NeuralDevice;
use crate::neural::ops::activation::{activation, tanh as host_tanh, Act};
use crate::neural::ops::Traced;
use dfdx::prelude::*;

/// PyTorch's default negative slope of `LeakyReLU` (dfdx's default is 0.05).
pub const LEAKY_SLOPE: f32 = 0.01;

/// LeakyReLU: x ↦ max(0, x) + slope·min(0, x) (slope > 0).
pub fn leaky_relu<S: Shape, D: NeuralDevice>(x: Traced<S, D>, slope: f32) -> Traced<S, D> {
    activate(x, Act::Leaky(slope))
}

/// ReLU: x ↦ max(0, x).
pub fn relu<S: Shape, D: NeuralDevice>(x: Traced<S, D>) -> Traced<S, D> {
    activate(x, Act::Relu)
}

/// act(x): a host op on the CPU, dfdx's kernels elsewhere.
pub fn activate<S: Shape, D: NeuralDevice>(x: Traced<S, D>, act: Act) -> Traced<S, D> {
    if let Act::Leaky(s) = act {
        assert!(s > 0.0, "LeakyReLU needs a positive slope, got {s}");
    }
    match act {
        Act::Identity => x,
        _ if D::HOST => activation(x, act),
        Act::Relu => x.relu(),
        Act::Leaky(s) => x.prelu(s),
    }
}

/// tanh: a host op on the CPU, dfdx's kernel elsewhere.
pub fn tanh<S: Shape, D: NeuralDevice>(x: Traced<S, D>) -> Traced<S, D> {
    if D::HOST {
        host_tanh(x)
    } else {
        x.tanh()
    }
}
