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

use super::activation::{with_act, Act, Pointwise};
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

/// (Σ u(i), Σ v(i)) for i in 0..len, in f64 over four partial sums each (fixed order).
#[inline(always)]
fn row_sums(len: usize, uv: impl Fn(usize) -> (f64, f64)) -> (f64, f64) {
    let (mut u, mut v) = ([0.0f64; 4], [0.0f64; 4]);
    let full = len / 4 * 4;
    for i in (0..full).step_by(4) {
        for l in 0..4 {
            let (a, b) = uv(i + l);
            u[l] += a;
            v[l] += b;
        }
    }
    for i in full..len {
        let (a, b) = uv(i);
        u[0] += a;
        v[0] += b;
    }
    ((u[0] + u[1]) + (u[2] + u[3]), (v[0] + v[1]) + (v[2] + v[3]))
}

impl Channels {
    /// Channels per block of the reductions: at least ~PAR_CHUNK entries each.
    fn block(&self) -> usize {
        PAR_CHUNK
            .div_ceil((self.n * self.p).max(1))
            .clamp(1, self.c.max(1))
    }

    /// Per channel c: (Σ u, Σ v) of `uv(c, i)` over the indices i of its N·P entries, in f64.
    /// Blocks of channels in parallel; within a channel, samples in order.
    fn reduce(&self, uv: impl Fn(usize, usize) -> (f64, f64) + Sync) -> Vec<(f64, f64)> {
        let (b, c, p) = (self.block(), self.c, self.p);
        let blocks: Vec<Vec<(f64, f64)>> = (0..c.div_ceil(b))
            .into_par_iter()
            .map(|i| {
                let (c0, c1) = (i * b, ((i + 1) * b).min(c));
                let mut acc = vec![(0.0f64, 0.0f64); c1 - c0];
                for s in 0..self.n {
                    if p == 1 {
                        // One entry per channel: accumulate across the block's channels.
                        for (a, ch) in acc.iter_mut().zip(c0..c1) {
                            let (u, v) = uv(ch, s * c + ch);
                            a.0 += u;
                            a.1 += v;
                        }
                    } else {
                        for (a, ch) in acc.iter_mut().zip(c0..c1) {
                            let base = (s * c + ch) * p;
                            let (u, v) = row_sums(p, |j| uv(ch, base + j));
                            a.0 += u;
                            a.1 += v;
                        }
                    }
                }
                acc
            })
            .collect();
        blocks.concat()
    }

    /// out[i] += f(c, i) for every entry i.
    fn par_map_add(&self, out: &mut [f32], f: impl Fn(usize, usize) -> f32 + Sync) {
        self.par_walk(out, |v, c, i| *v += f(c, i));
    }

    /// out[i] = f(c, i) for every entry i.
    fn par_map(&self, out: &mut [f32], f: impl Fn(usize, usize) -> f32 + Sync) {
        self.par_walk(out, |v, c, i| *v = f(c, i));
    }

    /// Calls `f(&mut out[i], c, i)` for every entry i (c its channel), in parallel over fixed
    /// chunks.
    #[inline(always)]
    fn par_walk(&self, out: &mut [f32], f: impl Fn(&mut f32, usize, usize) + Sync) {
        let (c, p) = (self.c, self.p);
        let rows_per = PAR_CHUNK.div_ceil(p.max(1)).max(1);
        out.par_chunks_mut(rows_per * p)
            .enumerate()
            .for_each(|(t, o)| {
                let first = t * rows_per * p;
                if p == 1 {
                    for (j, v) in o.iter_mut().enumerate() {
                        let i = first + j;
                        f(v, i % c, i);
                    }
                } else {
                    for (r, orow) in o.chunks_mut(p).enumerate() {
                        let base = first + r * p;
                        let ch = (base / p) % c;
                        for (j, v) in orow.iter_mut().enumerate() {
                            f(v, ch, base + j);
                        }
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
    // One pass: Σx and Σx² in f64 (σ² = E[x²] − μ² loses nothing at f32 data precision).
    let sums = dims.reduce(|_, i| {
        let v = xh[i] as f64;
        (v, v * v)
    });
    let means: Vec<f64> = sums.iter().map(|(s, _)| s / m).collect();
    let inv_std: Vec<f32> = sums
        .iter()
        .zip(&means)
        .map(|((_, sq), mu)| (1.0 / ((sq / m - mu * mu).max(0.0) + eps as f64).sqrt()) as f32)
        .collect();
    let mean32: Vec<f32> = means.iter().map(|v| *v as f32).collect();
    // z = γ·(x − μ)·inv_std + β = x·scale + shift.
    let scale: Vec<f32> = gh.iter().zip(&inv_std).map(|(g, s)| g * s).collect();
    let shift: Vec<f32> = (0..dims.c).map(|c| bh[c] - mean32[c] * scale[c]).collect();
    let mut y = vec![0.0f32; xh.len()];
    with_act!(act, f => dims.par_map(&mut y, |c, i| f.apply(xh[i] * scale[c] + shift[c])));
    let out = dev.tensor_from_vec(y, shape);
    let out_ref = out.clone();
    timing::add(Op::NormForward, started);
    tape.add_backward_op(move |grads| {
        let started = std::time::Instant::now();
        let (dgamma, dbeta) = D::with_grads(grads, &out_ref, &x, |gy, gx| {
            // (Σ g, Σ g·(x − μ)) per channel, g = ∂y·act′(x·scale + shift).
            let sums = with_act!(act, f => dims.reduce(|c, i| {
                let g = gy[i] * f.slope(xh[i] * scale[c] + shift[c]);
                (g as f64, (g * (xh[i] - mean32[c])) as f64)
            }));
            let (mut dgamma, mut dbeta) = (vec![0.0f32; dims.c], vec![0.0f32; dims.c]);
            let (mut mean_g, mut mean_gx) = (vec![0.0f32; dims.c], vec![0.0f32; dims.c]);
            for (c, (sg, sgx)) in sums.iter().enumerate() {
                let sgxhat = sgx * inv_std[c] as f64;
                dbeta[c] = *sg as f32;
                dgamma[c] = sgxhat as f32;
                mean_g[c] = (sg / m) as f32;
                mean_gx[c] = (sgxhat / m) as f32;
            }
            // ∂x is added into the existing gradient: read it, add, write it back.
            with_act!(act, f => dims.par_map_add(gx, |c, i| {
                let (x, a) = (xh[i], scale[c]);
                let g = gy[i] * f.slope(x * a + shift[c]);
                a * (g - mean_g[c] - (x - mean32[c]) * inv_std[c] * mean_gx[c])
            }));
            (dgamma, dbeta)
        })?;
        D::add_host(grads.get_or_alloc_mut(&gamma)?, &dgamma);
        D::add_host(grads.get_or_alloc_mut(&beta)?, &dbeta);
        timing::add(Op::NormBackward, started);
        Ok(())
    });
    out.put_tape(tape)
}
