//! Element-wise activations as host ops: y = act(x) written once, and ∂x = ∂y ⊙ act′ in one
//! pass, in parallel over fixed chunks (so the bits never depend on the threads).
//!
//! Derivatives at the kink follow PyTorch: ReLU′(0) = 0, LeakyReLU′(0) = slope.

use super::timing::{self, Op};
use super::{host, Traced, PAR_CHUNK};
use crate::neural::device::NeuralDevice;
use dfdx::prelude::*;
use rayon::prelude::*;

/// A piecewise-linear activation (or none), applied after a layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    /// y = z.
    Identity,
    /// y = max(0, z).
    Relu,
    /// y = max(0, z) + slope·min(0, z), slope > 0.
    Leaky(f32),
}

impl Act {
    /// act(z).
    #[inline(always)]
    pub fn apply(self, z: f32) -> f32 {
        match self {
            Act::Identity => z,
            Act::Relu => z.max(0.0),
            Act::Leaky(s) => {
                if z > 0.0 {
                    z
                } else {
                    s * z
                }
            }
        }
    }

    /// act′(z) (PyTorch's value at the kink).
    #[inline(always)]
    pub fn slope(self, z: f32) -> f32 {
        match self {
            Act::Identity => 1.0,
            Act::Relu => {
                if z > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Act::Leaky(s) => {
                if z > 0.0 {
                    1.0
                } else {
                    s
                }
            }
        }
    }

    /// act′ read from the output y = act(z) instead of z: the same value, since for every
    /// activation here y > 0 exactly when z > 0.
    #[inline(always)]
    pub fn slope_from_output(self, y: f32) -> f32 {
        self.slope(y)
    }
}

/// dst[i] = f(a[i], b[i]) over fixed chunks in parallel.
pub(crate) fn par_zip_map(
    dst: &mut [f32],
    a: &[f32],
    b: &[f32],
    f: impl Fn(f32, f32) -> f32 + Sync,
) {
    assert!(a.len() == dst.len() && b.len() == dst.len());
    dst.par_chunks_mut(PAR_CHUNK)
        .zip(a.par_chunks(PAR_CHUNK).zip(b.par_chunks(PAR_CHUNK)))
        .for_each(|(d, (a, b))| {
            for ((d, a), b) in d.iter_mut().zip(a).zip(b) {
                *d = f(*a, *b);
            }
        });
}

/// dst[i] += f(a[i], b[i]) over fixed chunks in parallel.
pub(crate) fn par_zip_add(
    dst: &mut [f32],
    a: &[f32],
    b: &[f32],
    f: impl Fn(f32, f32) -> f32 + Sync,
) {
    assert!(a.len() == dst.len() && b.len() == dst.len());
    dst.par_chunks_mut(PAR_CHUNK)
        .zip(a.par_chunks(PAR_CHUNK).zip(b.par_chunks(PAR_CHUNK)))
        .for_each(|(d, (a, b))| {
            for ((d, a), b) in d.iter_mut().zip(a).zip(b) {
                *d += f(*a, *b);
            }
        });
}

/// dst[i] = f(src[i]) over fixed chunks in parallel.
pub(crate) fn par_map(dst: &mut [f32], src: &[f32], f: impl Fn(f32) -> f32 + Sync) {
    assert_eq!(src.len(), dst.len());
    dst.par_chunks_mut(PAR_CHUNK)
        .zip(src.par_chunks(PAR_CHUNK))
        .for_each(|(d, s)| {
            for (d, s) in d.iter_mut().zip(s) {
                *d = f(*s);
            }
        });
}

/// y = act(x) as a host op (any shape).
pub fn activation<S: Shape, D: NeuralDevice>(x: Traced<S, D>, act: Act) -> Traced<S, D> {
    let started = std::time::Instant::now();
    let shape = *x.shape();
    let dev = x.device().clone();
    let (x, mut tape, xh) = host(x);
    let mut y = vec![0.0f32; xh.len()];
    par_map(&mut y, &xh, |v| act.apply(v));
    drop(xh);
    let kept = y.clone();
    let out = dev.tensor_from_vec(y, shape);
    let out_ref = out.clone();
    timing::add(Op::Activation, started);
    tape.add_backward_op(move |grads| {
        let started = std::time::Instant::now();
        D::with_grads(grads, &out_ref, &x, |gy, gx| {
            par_zip_add(gx, gy, &kept, |g, y| g * act.slope_from_output(y))
        })?;
        timing::add(Op::Activation, started);
        Ok(())
    });
    out.put_tape(tape)
}

/// y = tanh(x) as a host op; ∂x = ∂y ⊙ (1 − y²).
pub fn tanh<S: Shape, D: NeuralDevice>(x: Traced<S, D>) -> Traced<S, D> {
    let started = std::time::Instant::now();
    let shape = *x.shape();
    let dev = x.device().clone();
    let (x, mut tape, xh) = host(x);
    let mut y = vec![0.0f32; xh.len()];
    par_map(&mut y, &xh, f32::tanh);
    drop(xh);
    let kept = y.clone();
    let out = dev.tensor_from_vec(y, shape);
    let out_ref = out.clone();
    timing::add(Op::Activation, started);
    tape.add_backward_op(move |grads| {
        let started = std::time::Instant::now();
        D::with_grads(grads, &out_ref, &x, |gy, gx| {
            par_zip_add(gx, gy, &kept, |g, y| g * (1.0 - y * y))
        })?;
        timing::add(Op::Activation, started);
        Ok(())
    });
    out.put_tape(tape)
}
