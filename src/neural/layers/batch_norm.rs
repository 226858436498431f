//! Batch normalization (PyTorch's `BatchNorm1d` on (N, C) and `BatchNorm2d` on (N, C, H, W)),
//! optionally with the activation after it: on the CPU one fused host op
//! ([`crate::neural::ops::batch_norm`]), elsewhere dfdx ops with runtime shapes.
//!
//! Train mode: y = γ·(x − μ_B)/√(σ²_B + ε) + β with the batch mean μ_B and the *biased* batch
//! variance σ²_B over every axis but the channel. Eval mode uses given running statistics
//! instead. The reference never switches its networks to eval mode (samples, too, use batch
//! statistics), so saddle's games run BatchNorm in train mode and keep no running statistics.

use super::activation::activate;
use crate::neural::device::NeuralDevice;
use crate::neural::ops::activation::Act;
use crate::neural::ops::batch_norm::{batch_norm_act, Channels};
use crate::neural::ops::{FlatT, Image, Traced};
use dfdx::prelude::*;

/// PyTorch's default ε.
pub const BN_EPS: f32 = 1e-5;

type Shape4 = (usize, usize, usize, usize);

/// BatchNorm2d in train mode on x: (N, C, H, W), γ and β flat `[C]`.
pub fn batch_norm2d<D: NeuralDevice>(x: Image<D>, gamma: FlatT<D>, beta: FlatT<D>) -> Image<D> {
    batch_norm2d_then(x, gamma, beta, Act::Identity)
}

/// act(BatchNorm2d(x)) in train mode.
pub fn batch_norm2d_then<D: NeuralDevice>(
    x: Image<D>,
    gamma: FlatT<D>,
    beta: FlatT<D>,
    act: Act,
) -> Image<D> {
    let (n, c, h, w) = *x.shape();
    if D::HOST {
        let dims = Channels { n, c, p: h * w };
        return batch_norm_act(x, gamma, beta, dims, BN_EPS, act);
    }
    activate(composed2d(x, gamma, beta), act)
}

fn composed2d<D: NeuralDevice>(x: Image<D>, gamma: FlatT<D>, beta: FlatT<D>) -> Image<D> {
    let shape = *x.shape();
    let mean = x
        .retaped::<OwnedTape<f32, D>>()
        .mean::<(usize,), Axes3<0, 2, 3>>();
    let centered = x - mean.broadcast_like::<Shape4, Axes3<0, 2, 3>>(&shape);
    let var = centered
        .retaped::<OwnedTape<f32, D>>()
        .square()
        .mean::<(usize,), Axes3<0, 2, 3>>();
    let inv_std = (var + BN_EPS).sqrt().recip();
    let xhat = centered * inv_std.broadcast_like::<Shape4, Axes3<0, 2, 3>>(&shape);
    xhat * gamma.broadcast_like::<Shape4, Axes3<0, 2, 3>>(&shape)
        + beta.broadcast_like::<Shape4, Axes3<0, 2, 3>>(&shape)
}

/// BatchNorm1d in train mode on x: (N, C), γ and β flat `[C]`.
pub fn batch_norm1d<D: NeuralDevice>(
    x: Traced<(usize, usize), D>,
    gamma: FlatT<D>,
    beta: FlatT<D>,
) -> Traced<(usize, usize), D> {
    batch_norm1d_then(x, gamma, beta, Act::Identity)
}

/// act(BatchNorm1d(x)) in train mode.
pub fn batch_norm1d_then<D: NeuralDevice>(
    x: Traced<(usize, usize), D>,
    gamma: FlatT<D>,
    beta: FlatT<D>,
    act: Act,
) -> Traced<(usize, usize), D> {
    let (n, c) = *x.shape();
    if D::HOST {
        let dims = Channels { n, c, p: 1 };
        return batch_norm_act(x, gamma, beta, dims, BN_EPS, act);
    }
    activate(composed1d(x, gamma, beta), act)
}

fn composed1d<D: NeuralDevice>(
    x: Traced<(usize, usize), D>,
    gamma: FlatT<D>,
    beta: FlatT<D>,
) -> Traced<(usize, usize), D> {
    let shape = *x.shape();
    let mean = x.retaped::<OwnedTape<f32, D>>().mean::<(usize,), Axis<0>>();
    let centered = x - mean.broadcast_like::<(usize, usize), Axis<0>>(&shape);
    let var = centered
        .retaped::<OwnedTape<f32, D>>()
        .square()
        .mean::<(usize,), Axis<0>>();
    let inv_std = (var + BN_EPS).sqrt().recip();
    let xhat = centered * inv_std.broadcast_like::<(usize, usize), Axis<0>>(&shape);
    xhat * gamma.broadcast_like::<(usize, usize), Axis<0>>(&shape)
        + beta.broadcast_like::<(usize, usize), Axis<0>>(&shape)
}

/// BatchNorm2d in eval mode: y = γ·(x − mean)/√(var + ε) + β with given running statistics.
pub fn batch_norm2d_eval<D: NeuralDevice>(
    x: Image<D>,
    gamma: FlatT<D>,
    beta: FlatT<D>,
    mean: &[f32],
    var: &[f32],
) -> Image<D> {
    let shape = *x.shape();
    let dev = x.device().clone();
    let c = shape.1;
    let m: Tensor<(usize,), f32, D> = dev.tensor_from_vec(mean.to_vec(), (c,));
    let s: Tensor<(usize,), f32, D> = dev.tensor_from_vec(
        var.iter().map(|v| 1.0 / (v + BN_EPS).sqrt()).collect(),
        (c,),
    );
    let xhat = (x - m.broadcast_like::<Shape4, Axes3<0, 2, 3>>(&shape))
        * s.broadcast_like::<Shape4, Axes3<0, 2, 3>>(&shape);
    xhat * gamma.broadcast_like::<Shape4, Axes3<0, 2, 3>>(&shape)
        + beta.broadcast_like::<Shape4, Axes3<0, 2, 3>>(&shape)
}
