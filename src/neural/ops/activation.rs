//! Element-wise activations as host ops: y = act(x) written once, and ∂x = ∂y ⊙ act′ in one
//! pass, in parallel over fixed chunks (so the bits never depend on the threads).
//!
//! Derivatives at the kink follow PyTorch: ReLU′(0) = 0, LeakyReLU′(0) = slope.

use super::timing::{self, Op};
use super::wide::{wide, Kernel};
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
}

/// An activation as a type, so element-wise loops are compiled once per activation (no
/// per-element dispatch) and vectorize.
pub(crate) trait Pointwise: Copy + Send + Sync {
    /// act(z).
    fn apply(self, z: f32) -> f32;
    /// act′(z).
    fn slope(self, z: f32) -> f32;
}

/// [`Act::Identity`] as a type.
#[derive(Clone, Copy)]
pub(crate) struct IdentityFn;
/// [`Act::Relu`] as a type.
#[derive(Clone, Copy)]
pub(crate) struct ReluFn;
/// [`Act::Leaky`] as a type.
#[derive(Clone, Copy)]
pub(crate) struct LeakyFn(pub f32);

impl Pointwise for IdentityFn {
    #[inline(always)]
    fn apply(self, z: f32) -> f32 {
        z
    }
    #[inline(always)]
    fn slope(self, _: f32) -> f32 {
        1.0
    }
}

impl Pointwise for ReluFn {
    #[inline(always)]
    fn apply(self, z: f32) -> f32 {
        if z > 0.0 {
            z
        } else {
            0.0
        }
    }
    #[inline(always)]
    fn slope(self, z: f32) -> f32 {
        if z > 0.0 {
            1.0
        } else {
            0.0
        }
    }
}

impl Pointwise for LeakyFn {
    #[inline(always)]
    fn apply(self, z: f32) -> f32 {
        if z > 0.0 {
            z
        } else {
            z * self.0
        }
    }
    #[inline(always)]
    fn slope(self, z: f32) -> f32 {
        if z > 0.0 {
            1.0
        } else {
            self.0
        }
    }
}

/// Evaluates `$body` with `$f` bound to the [`Pointwise`] type of the [`Act`] `$act` (the body
/// is compiled once per activation).
macro_rules! with_act {
    ($act:expr, $f:ident => $body:expr) => {
        match $act {
            $crate::neural::ops::activation::Act::Identity => {
                let $f = $crate::neural::ops::activation::IdentityFn;
                $body
            }
            $crate::neural::ops::activation::Act::Relu => {
                let $f = $crate::neural::ops::activation::ReluFn;
                $body
            }
            $crate::neural::ops::activation::Act::Leaky(s) => {
                let $f = $crate::neural::ops::activation::LeakyFn(s);
                $body
            }
        }
    };
}
pub(crate) use with_act;

/// One chunk of an element-wise pass: dst[i] = f(a[i], b[i]), or dst[i] += f(a[i], b[i])
/// when `add`, at the CPU's vector width.
struct Zip<'a, F> {
    dst: &'a mut [f32],
    a: &'a [f32],
    b: &'a [f32],
    f: &'a F,
    add: bool,
}

impl<F: Fn(f32, f32) -> f32> Kernel for Zip<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        let f = self.f;
        let pairs = self.dst.iter_mut().zip(self.a).zip(self.b);
        if self.add {
            pairs.for_each(|((d, a), b)| *d += f(*a, *b));
        } else {
            pairs.for_each(|((d, a), b)| *d = f(*a, *b));
        }
    }
}

/// dst[i] = f(a[i], b[i]) (or += when `add`) over fixed chunks in parallel.
fn par_zip(dst: &mut [f32], a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32 + Sync, add: bool) {
    assert!(a.len() == dst.len() && b.len() == dst.len());
    dst.par_chunks_mut(PAR_CHUNK)
        .zip(a.par_chunks(PAR_CHUNK).zip(b.par_chunks(PAR_CHUNK)))
        .for_each(|(dst, (a, b))| {
            let f = &f;
            wide(Zip { dst, a, b, f, add })
        });
}

/// dst[i] = f(a[i], b[i]) over fixed chunks in parallel.
pub(crate) fn par_zip_map(
    dst: &mut [f32],
    a: &[f32],
    b: &[f32],
    f: impl Fn(f32, f32) -> f32 + Sync,
) {
    par_zip(dst, a, b, f, false)
}

/// dst[i] += f(a[i], b[i]) over fixed chunks in parallel.
pub(crate) fn par_zip_add(
    dst: &mut [f32],
    a: &[f32],
    b: &[f32],
    f: impl Fn(f32, f32) -> f32 + Sync,
) {
    par_zip(dst, a, b, f, true)
}

/// dst[i] = f(src[i]) over fixed chunks in parallel.
pub(crate) fn par_map(dst: &mut [f32], src: &[f32], f: impl Fn(f32) -> f32 + Sync) {
    par_zip(dst, src, src, |x, _| f(x), false)
}

/// y = act(x) as a host op (any shape).
pub fn activation<S: Shape, D: NeuralDevice>(x: Traced<S, D>, act: Act) -> Traced<S, D> {
    let started = std::time::Instant::now();
    let shape = *x.shape();
    let dev = x.device().clone();
    let (x, mut tape, xh) = host(x);
    let mut y = super::par_zeros(xh.len());
    with_act!(act, f => par_map(&mut y, &xh, move |v| f.apply(v)));
    let out = dev.tensor_from_vec(y, shape);
    let out_ref = out.clone();
    timing::add(Op::Activation, started);
    tape.add_backward_op(move |grads| {
        let started = std::time::Instant::now();
        D::with_grads(
            grads,
            &out_ref,
            &x,
            |gy, gx| with_act!(act, f => par_zip_add(gx, gy, &xh, move |g, x| g * f.slope(x))),
        )?;
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
    let mut y = super::par_zeros(xh.len());
    par_map(&mut y, &xh, super::tanh32::tanh);
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
