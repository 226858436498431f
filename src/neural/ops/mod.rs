//! Differentiable operations dfdx lacks on stable Rust, as custom ops on its tape
//! (`Tape::add_backward_op`, `Gradients::get_or_alloc_mut`).
//!
//! Convolutions run on the host: im2col (or col2im) per sample, one GEMM per product, samples
//! in parallel, padding handled by index ranges so no product touches an inserted zero; the
//! transposed convolution is the adjoint of a convolution (GEMM then col2im), never a
//! convolution over a zero-dilated input.

pub mod conv2d;
pub mod conv_transpose2d;
pub mod gemm;
pub mod geometry;
pub mod timing;

use super::device::NeuralDevice;
use super::params::Flat;
use dfdx::prelude::*;

/// A tensor on the tape of a forward pass.
pub type Traced<S, D> = Tensor<S, f32, D, OwnedTape<f32, D>>;
/// A batch of images (N, C, H, W) on the tape.
pub type Image<D> = Traced<(usize, usize, usize, usize), D>;
/// A flat parameter tensor on the tape.
pub type FlatT<D> = Traced<(usize,), D>;

/// Splits `0..n` into about one contiguous range per thread.
pub(crate) fn batch_ranges(n: usize) -> Vec<std::ops::Range<usize>> {
    let parts = rayon::current_num_threads().max(1).min(n.max(1));
    (0..parts)
        .map(|i| (i * n / parts)..((i + 1) * n / parts))
        .collect()
}

/// Sums per-thread partial buffers into one.
pub(crate) fn sum_parts(parts: Vec<Vec<f32>>, len: usize) -> Vec<f32> {
    let mut out = vec![0.0; len];
    for p in parts {
        for (o, v) in out.iter_mut().zip(p) {
            *o += v;
        }
    }
    out
}

/// Bias gradient: gb[c] = Σ_{n, pixel} g[n, c, pixel].
pub(crate) fn bias_grad(g: &[f32], n: usize, c: usize, pixels: usize) -> Vec<f32> {
    let mut gb = vec![0.0f64; c];
    for b in 0..n {
        for (ch, acc) in gb.iter_mut().enumerate() {
            let s = &g[(b * c + ch) * pixels..(b * c + ch + 1) * pixels];
            *acc += s.iter().map(|v| *v as f64).sum::<f64>();
        }
    }
    gb.into_iter().map(|v| v as f32).collect()
}

/// Reads a traced tensor's values to the host and splits off its tape.
/// A layer's input, weight and optional bias on the host: the tensors (to address their
/// gradients), one tape holding all three, and their values.
pub(crate) struct HostOperands<S: Shape, D: NeuralDevice> {
    pub x: Tensor<S, f32, D>,
    pub w: Flat<D>,
    pub b: Option<Flat<D>>,
    pub tape: OwnedTape<f32, D>,
    pub xh: Vec<f32>,
    pub wh: Vec<f32>,
    pub bh: Option<Vec<f32>>,
}

/// Moves x, w and b of the custom op `op` to the host (see [`HostOperands`]), after checking
/// that w holds a `w_shape.0 × w_shape.1` matrix.
pub(crate) fn host_operands<S: Shape, D: NeuralDevice>(
    op: &str,
    x: Traced<S, D>,
    w: FlatT<D>,
    b: Option<FlatT<D>>,
    w_shape: (usize, usize),
) -> HostOperands<S, D> {
    let (r, c) = w_shape;
    assert_eq!(
        w.shape().0,
        r * c,
        "{op}: weight has {} entries, expected {r}×{c}",
        w.shape().0
    );
    let (x, tx, xh) = host(x);
    let (w, tw, wh) = host(w);
    let mut tape = tx.merge(tw);
    let (b, bh) = match b {
        Some(b) => {
            let (b, tb, bh) = host(b);
            tape = tape.merge(tb);
            (Some(b), Some(bh))
        }
        None => (None, None),
    };
    HostOperands {
        x,
        w,
        b,
        tape,
        xh,
        wh,
        bh,
    }
}

pub(crate) fn host<S: Shape, D: NeuralDevice>(
    t: Traced<S, D>,
) -> (Tensor<S, f32, D>, OwnedTape<f32, D>, Vec<f32>) {
    let (t, tape) = t.split_tape();
    let v = t.as_vec();
    (t, tape, v)
}
