//! Batch normalization in train mode fused with the activation after it, as one host op with a
//! hand-written backward.
//!
//! On x viewed as (N, C, P) (P = H·W, or 1 for feature vectors), per channel c over its
//! M = N·P entries: μ = mean x, σ² = mean (x − μ)² (biased), x̂ = (x − μ)/√(σ² + ε),
//! z = γ·x̂ + β, y = act(z). With g = ∂y ⊙ act′(z):
//!
//! ```text
//! ∂β = Σ g,   ∂γ = Σ g·x̂,   ∂x = (γ/√(σ² + ε))·(g − ∂β/M − x̂·∂γ/M)
//! ```
//!
//! Channel sums are accumulated in f64 (the variance in a second pass over x − μ), in parallel
//! over fixed blocks of channels; the element-wise passes run over fixed chunks of rows.
//! Nothing depends on the number of threads.

use super::activation::Act;
use super::timing::{self, Op};
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

/// Lanes of the f64 accumulators (independent partial sums, so the loops vectorize; their
/// order is fixed).
const LANES: usize = 8;

/// Σ f(i) for i in 0..len in f64 over [`LANES`] partial sums, added in a fixed order.
#[inline(always)]
fn lane_sum(len: usize, f: impl Fn(usize) -> f64) -> f64 {
    let mut acc = [0.0f64; LANES];
    let full = len / LANES * LANES;
    let mut i = 0;
    while i < full {
        for (l, a) in acc.iter_mut().enumerate() {
            *a += f(i + l);
        }
        i += LANES;
    }
    for (l, a) in acc.iter_mut().enumerate().take(len - full) {
        *a += f(full + l);
    }
    acc.iter().sum()
}

impl Channels {
    /// Channels per block of the reductions: at least ~PAR_CHUNK entries each.
    fn block(&self) -> usize {
        PAR_CHUNK
            .div_ceil((self.n * self.p).max(1))
            .clamp(1, self.c.max(1))
    }

    /// Per channel: (Σ u, Σ v) over its N·P entries, where `row(c, s)` gives the (u, v) sums
    /// of sample s's P entries of channel c (for P = 1, `row` is called per entry as well).
    /// Blocks of channels in parallel, samples in order.
    fn reduce(&self, row: impl Fn(usize, usize) -> (f64, f64) + Sync) -> Vec<(f64, f64)> {
        let b = self.block();
        let blocks: Vec<Vec<(f64, f64)>> = (0..self.c.div_ceil(b))
            .into_par_iter()
            .map(|i| {
                let (c0, c1) = (i * b, ((i + 1) * b).min(self.c));
                let mut acc = vec![(0.0f64, 0.0f64); c1 - c0];
                for s in 0..self.n {
                    for (a, c) in acc.iter_mut().zip(c0..c1) {
                        let (u, v) = row(c, s);
                        a.0 += u;
                        a.1 += v;
                    }
                }
                acc
            })
            .collect();
        blocks.concat()
    }

    /// out[s, c, ·] = f(c, s, rows of `srcs` at (s, c)) for every (sample, channel) row, rows in
    /// parallel over fixed chunks.
    fn par_rows(&self, out: &mut [f32], f: impl Fn(usize, usize, &mut [f32]) + Sync) {
        let (c, p) = (self.c, self.p);
        let rows_per = PAR_CHUNK.div_ceil(p.max(1)).max(1);
        out.par_chunks_mut(rows_per * p)
            .enumerate()
            .for_each(|(t, o)| {
                for (r, orow) in o.chunks_mut(p).enumerate() {
                    let row = t * rows_per + r;
                    f(row % c, row / c, orow);
                }
            });
    }

    /// The P entries of sample s, channel c.
    #[inline(always)]
    fn at<'a>(&self, data: &'a [f32], c: usize, s: usize) -> &'a [f32] {
        let o = (s * self.c + c) * self.p;
        &data[o..o + self.p]
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
    let started = std::time::Instant::now();
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
        .reduce(|c, s| {
            let r = dims.at(&xh, c, s);
            (lane_sum(r.len(), |i| r[i] as f64), 0.0)
        })
        .into_iter()
        .map(|(u, _)| u / m)
        .collect();
    let inv_std: Vec<f32> = dims
        .reduce(|c, s| {
            let (r, mu) = (dims.at(&xh, c, s), means[c]);
            let sq = lane_sum(r.len(), |i| {
                let d = r[i] as f64 - mu;
                d * d
            });
            (sq, 0.0)
        })
        .into_iter()
        .map(|(u, _)| (1.0 / (u / m + eps as f64).sqrt()) as f32)
        .collect();
    let mean32: Vec<f32> = means.iter().map(|v| *v as f32).collect();
    // z = γ·(x − μ)·inv_std + β = x·scale + shift.
    let scale: Vec<f32> = gh.iter().zip(&inv_std).map(|(g, s)| g * s).collect();
    let shift: Vec<f32> = (0..dims.c).map(|c| bh[c] - mean32[c] * scale[c]).collect();
    let mut y = vec![0.0f32; xh.len()];
    dims.par_rows(&mut y, |c, s, out| {
        let (a, b) = (scale[c], shift[c]);
        for (o, x) in out.iter_mut().zip(dims.at(&xh, c, s)) {
            *o = act.apply(x * a + b);
        }
    });
    let out = dev.tensor_from_vec(y, shape);
    let out_ref = out.clone();
    timing::add(Op::NormForward, started);
    tape.add_backward_op(move |grads| {
        let started = std::time::Instant::now();
        let (dgamma, dbeta) = D::with_grads(grads, &out_ref, &x, |gy, gx| {
            // (Σ g, Σ g·(x − μ)) per channel, g = ∂y·act′(x·scale + shift).
            let sums = dims.reduce(|c, s| {
                let (xr, gr) = (dims.at(&xh, c, s), dims.at(gy, c, s));
                let (a, b, mu) = (scale[c], shift[c], mean32[c]);
                let g = |i: usize| gr[i] * act.slope(xr[i] * a + b);
                (
                    lane_sum(xr.len(), |i| g(i) as f64),
                    lane_sum(xr.len(), |i| (g(i) * (xr[i] - mu)) as f64),
                )
            });
            let (mut dgamma, mut dbeta) = (vec![0.0f32; dims.c], vec![0.0f32; dims.c]);
            let (mut mean_g, mut mean_gx) = (vec![0.0f32; dims.c], vec![0.0f32; dims.c]);
            for (c, (sg, sgx)) in sums.iter().enumerate() {
                let sgxhat = sgx * inv_std[c] as f64;
                dbeta[c] = *sg as f32;
                dgamma[c] = sgxhat as f32;
                mean_g[c] = (sg / m) as f32;
                mean_gx[c] = (sgxhat / m) as f32;
            }
            dims.par_rows(gx, |c, s, out| {
                let (xr, gr) = (dims.at(&xh, c, s), dims.at(gy, c, s));
                let (a, b, mu, inv) = (scale[c], shift[c], mean32[c], inv_std[c]);
                let (mg, mgx) = (mean_g[c], mean_gx[c]);
                for ((o, x), g) in out.iter_mut().zip(xr).zip(gr) {
                    let g = g * act.slope(x * a + b);
                    *o += a * (g - mg - (x - mu) * inv * mgx);
                }
            });
            (dgamma, dbeta)
        })?;
        D::add_host(grads.get_or_alloc_mut(&gamma)?, &dgamma);
        D::add_host(grads.get_or_alloc_mut(&beta)?, &dbeta);
        timing::add(Op::NormBackward, started);
        Ok(())
    });
    out.put_tape(tape)
}
