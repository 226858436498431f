//! Batch normalization in train mode fused with the activation after it, as one host op with a
//! hand-written backward.
//!
//! On x viewed as (N, C, P) (P = H·W, or 1 for feature vectors), per channel c over its
//! M = N·P entries: μ = mean x, σ² = mean (x − μ)² (biased), x̂ = (x − μ)/√(σ² + ε),
//! z = γ·x̂ + β, y = act(z). With g = ∂y ⊙ act′(z):
//!
//! ```text
//! ∂β = Σ g,   ∂γ = Σ g·x̂,   ∂x = (γ/√(σ² + ε)) · (g − ∂β/M − x̂·∂γ/M)
//! ```
//!
//! Channel statistics are accumulated in f64 (two passes: mean, then the centred second moment),
//! in parallel over fixed blocks of channels; the element-wise passes run over fixed chunks of
//! rows. Nothing depends on the number of threads.

use super::activation::Act;
use super::{host, FlatT, Traced, PAR_CHUNK};
use crate::neural::device::NeuralDevice;
use dfdx::prelude::*;
use rayon::prelude::*;

/// The (N, C, P) view of a tensor normalized over every axis but C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Channels {
    /// Samples N.
    pub n: usize,
    /// Channels C.
    pub c: usize,
    /// Entries per sample and channel P.
    pub p: usize,
}

impl Channels {
    /// Channels per block of the statistics passes: at least ~PAR_CHUNK entries each.
    fn block(&self) -> usize {
        PAR_CHUNK.div_ceil((self.n * self.p).max(1)).clamp(1, self.c.max(1))
    }

    /// Per channel of c0..c1: (Σ f(x, c), Σ h(x, c)) over its N·P entries, in f64.
    fn channel_sums(
        &self,
        c0: usize,
        c1: usize,
        data: &[f32],
        f: impl Fn(usize, usize, f32) -> (f64, f64),
    ) -> Vec<(f64, f64)> {
        let (c, p) = (self.c, self.p);
        let mut acc = vec![(0.0f64, 0.0f64); c1 - c0];
        for s in 0..self.n {
            let row = &data[(s * c + c0) * p..(s * c + c1) * p];
            for (i, (a, chunk)) in acc.iter_mut().zip(row.chunks(p)).enumerate() {
                let (mut u, mut v) = (0.0f64, 0.0f64);
                for (j, x) in chunk.iter().enumerate() {
                    let (du, dv) = f(c0 + i, (s * c + c0 + i) * p + j, *x);
                    u += du;
                    v += dv;
                }
                a.0 += u;
                a.1 += v;
            }
        }
        acc
    }

    /// [`Channels::channel_sums`] over every channel, blocks in parallel.
    fn all_sums(
        &self,
        data: &[f32],
        f: impl Fn(usize, usize, f32) -> (f64, f64) + Sync,
    ) -> Vec<(f64, f64)> {
        let b = self.block();
        let blocks: Vec<Vec<(f64, f64)>> = (0..self.c.div_ceil(b))
            .into_par_iter()
            .map(|i| self.channel_sums(i * b, ((i + 1) * b).min(self.c), data, &f))
            .collect();
        blocks.concat()
    }

    /// out[s, c, j] = f(c, index, value) for every entry, in parallel over fixed row chunks.
    fn par_rows(&self, out: &mut [f32], src: &[f32], f: impl Fn(usize, usize, f32) -> f32 + Sync) {
        let (c, p) = (self.c, self.p);
        let rows_per = PAR_CHUNK.div_ceil(p.max(1)).max(1);
        out.par_chunks_mut(rows_per * p)
            .enumerate()
            .for_each(|(t, o)| {
                let first = t * rows_per;
                for (r, orow) in o.chunks_mut(p).enumerate() {
                    let row = first + r;
                    let ch = row % c;
                    let base = row * p;
                    for (j, v) in orow.iter_mut().enumerate() {
                        *v = f(ch, base + j, src[base + j]);
                    }
                }
            });
    }
}

/// y = act(BatchNorm(x; γ, β)) in train mode with ε = `eps`, x viewed as `dims`.
pub fn batch_norm_act<S: Shape, D: NeuralDevice>(
    x: Traced<S, D>,
    gamma: FlatT<D>,
    beta: FlatT<D>,
    dims: Channels,
    eps: f32,
    act: Act,
) -> Traced<S, D> {
    let shape = *x.shape();
    assert_eq!(
        shape.num_elements(),
        dims.n * dims.c * dims.p,
        "batch_norm: {dims:?} does not match the input's size"
    );
    assert!(
        gamma.shape().0 == dims.c && beta.shape().0 == dims.c,
        "batch_norm: γ and β need one entry per channel ({})",
        dims.c
    );
    let dev = x.device().clone();
    let (x, tx, xh) = host(x);
    let (gamma, tg, gh) = host(gamma);
    let (beta, tb, bh) = host(beta);
    let mut tape = tx.merge(tg).merge(tb);
    let m = (dims.n * dims.p) as f64;
    let means: Vec<f64> = dims
        .all_sums(&xh, |_, _, v| (v as f64, 0.0))
        .into_iter()
        .map(|(s, _)| s / m)
        .collect();
    let inv_std: Vec<f32> = dims
        .all_sums(&xh, |c, _, v| {
            let d = v as f64 - means[c];
            (d * d, 0.0)
        })
        .into_iter()
        .map(|(s, _)| (1.0 / (s / m + eps as f64).sqrt()) as f32)
        .collect();
    let mean32: Vec<f32> = means.iter().map(|v| *v as f32).collect();
    // z = γ·(x − μ)·inv_std + β = x·scale + shift.
    let scale: Vec<f32> = gh.iter().zip(&inv_std).map(|(g, s)| g * s).collect();
    let shift: Vec<f32> = (0..dims.c).map(|c| bh[c] - mean32[c] * scale[c]).collect();
    let mut y = vec![0.0f32; xh.len()];
    dims.par_rows(&mut y, &xh, |c, _, v| act.apply(v * scale[c] + shift[c]));
    let out = dev.tensor_from_vec(y, shape);
    let out_ref = out.clone();
    tape.add_backward_op(move |grads| {
        let gy = D::read_vec(grads.get_or_alloc_mut(&out_ref)?);
        let g = |c: usize, i: usize| gy[i] * act.slope(xh[i] * scale[c] + shift[c]);
        let xhat = |c: usize, v: f32| (v - mean32[c]) * inv_std[c];
        let sums = dims.all_sums(&xh, |c, i, v| {
            let gi = g(c, i) as f64;
            (gi, gi * xhat(c, v) as f64)
        });
        let dbeta: Vec<f32> = sums.iter().map(|s| s.0 as f32).collect();
        let dgamma: Vec<f32> = sums.iter().map(|s| s.1 as f32).collect();
        let (mean_g, mean_gx): (Vec<f32>, Vec<f32>) = sums
            .iter()
            .map(|s| ((s.0 / m) as f32, (s.1 / m) as f32))
            .unzip();
        let mut gx = vec![0.0f32; xh.len()];
        dims.par_rows(&mut gx, &xh, |c, i, v| {
            scale[c] * (g(c, i) - mean_g[c] - xhat(c, v) * mean_gx[c])
        });
        D::add_host(grads.get_or_alloc_mut(&x)?, &gx);
        D::add_host(grads.get_or_alloc_mut(&gamma)?, &dgamma);
        D::add_host(grads.get_or_alloc_mut(&beta)?, &dbeta);
        Ok(())
    });
    out.put_tape(tape)
}
