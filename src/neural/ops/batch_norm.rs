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
//! Channel sums are accumulated in f64 (Σx and Σx² in one pass: σ² = mean x² − μ²), in
//! parallel over fixed blocks of samples (block sums added in order); the element-wise passes
//! run over fixed chunks of rows, each piece at the CPU's vector width (`ops::wide`). Nothing
//! depends on the number of threads or on the SIMD level.

use super::activation::{with_act, Act, Pointwise};
use super::timing::{self, Op};
use super::wide::{pair_sums_into, pairwise, wide, Kernel, Lanes, SUM_LANES};
use super::{host, FlatT, Traced, PAR_CHUNK};
use crate::neural::device::NeuralDevice;
use dfdx::prelude::*;
use rayon::prelude::*;
use std::ops::Range;

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

/// The terms (u, v) a reduction sums: one pair per entry, from the entry's values in the two
/// inputs and its channel's parameters.
trait RowSums: Sync {
    /// The two inputs, entry by entry (the same slice twice when there is one).
    fn inputs(&self) -> (&[f32], &[f32]);
    /// (u, v) of an entry of channel c from its two input values.
    fn terms(&self, c: usize) -> impl Fn(f32, f32) -> (f64, f64);
}

/// One row of an element-wise pass: writes (or adds into) `out`, the entries at the index
/// range r of one sample and channel c; or, when P = 1, a run of one sample's channels.
trait RowMap: Sync {
    /// `out` for the entries r of channel c.
    fn map(&self, out: &mut [f32], c: usize, r: Range<usize>);
    /// `out[j]` for entry `first + j`, of channel `c0 + j` (P = 1).
    fn map_across(&self, out: &mut [f32], c0: usize, first: usize);
}

/// Samples `samples` of a reduction, in memory order, each channel's rows summed into its
/// lanes in `acc`.
struct SumBlock<'a, K> {
    dims: Channels,
    rows: &'a K,
    samples: Range<usize>,
    acc: &'a mut [(Lanes, Lanes)],
}

impl<K: RowSums> Kernel for SumBlock<'_, K> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        let Channels { c, p, .. } = self.dims;
        let (a, b) = self.rows.inputs();
        for s in self.samples {
            for (ch, (u, v)) in self.acc.iter_mut().enumerate() {
                let r = (s * c + ch) * p..(s * c + ch + 1) * p;
                pair_sums_into(&a[r.clone()], &b[r], self.rows.terms(ch), u, v);
            }
        }
    }
}

/// [`SumBlock`] when P = 1: each sample is one row across the channels, so the sums run
/// across channels (at the vector width) into one f64 per channel, samples in order. These
/// are the bits of SumBlock's lane 0, where every term of a one-entry row goes.
struct SumAcross<'a, K> {
    c: usize,
    rows: &'a K,
    samples: Range<usize>,
    u: &'a mut [f64],
    v: &'a mut [f64],
}

impl<K: RowSums> Kernel for SumAcross<'_, K> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        let (a, b) = self.rows.inputs();
        for s in self.samples {
            let (a, b) = (
                &a[s * self.c..(s + 1) * self.c],
                &b[s * self.c..(s + 1) * self.c],
            );
            let sums = self.u.iter_mut().zip(self.v.iter_mut());
            for (ch, ((u, v), (x, y))) in sums.zip(a.iter().zip(b)).enumerate() {
                let (tu, tv) = self.rows.terms(ch)(*x, *y);
                *u += tu;
                *v += tv;
            }
        }
    }
}

/// The rows of `out`, whose first entry is entry `first` of the tensor.
struct MapChunk<'a, K> {
    dims: Channels,
    rows: &'a K,
    first: usize,
    out: &'a mut [f32],
}

impl<K: RowMap> Kernel for MapChunk<'_, K> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        let (c, p) = (self.dims.c, self.dims.p.max(1));
        if p == 1 {
            // Runs of one sample's channels: contiguous parameters, so the loop vectorizes.
            let (mut j, mut ch) = (0, self.first % c);
            while j < self.out.len() {
                let len = (c - ch).min(self.out.len() - j);
                self.rows
                    .map_across(&mut self.out[j..j + len], ch, self.first + j);
                (j, ch) = (j + len, 0);
            }
            return;
        }
        let mut ch = (self.first / p) % c;
        for (r, orow) in self.out.chunks_mut(p).enumerate() {
            let base = self.first + r * p;
            self.rows.map(orow, ch, base..base + p);
            ch = if ch + 1 == c { 0 } else { ch + 1 };
        }
    }
}

/// At most this many blocks of samples per reduction (a constant: never the thread count).
const MAX_BLOCKS: usize = 8;

impl Channels {
    /// Samples per block of the reductions: at least ~PAR_CHUNK entries each, and at most
    /// [`MAX_BLOCKS`] blocks (each block keeps 16 + 16 f64 lanes per channel: on 4×4 maps
    /// those were as large as the block's data).
    fn block(&self) -> usize {
        PAR_CHUNK
            .div_ceil((self.c * self.p).max(1))
            .max(self.n.div_ceil(MAX_BLOCKS))
            .clamp(1, self.n.max(1))
    }

    /// Per channel: the sums of its rows, added in f64. Fixed blocks of samples in parallel,
    /// each read in memory order (a channel's rows lie c·p entries apart: read channel by
    /// channel, every row of a 4×4 map was a cache miss of its own), each at the CPU's vector
    /// width; the blocks' sums are then added in block order.
    fn reduce(&self, rows: &impl RowSums) -> Vec<(f64, f64)> {
        let (b, n, c) = (self.block(), self.n, self.c);
        let blocks: Vec<Vec<(f64, f64)>> = (0..n.div_ceil(b))
            .into_par_iter()
            .map(|i| {
                let samples = i * b..((i + 1) * b).min(n);
                if self.p == 1 {
                    let (mut u, mut v) = (vec![0.0f64; c], vec![0.0f64; c]);
                    let (u_acc, v_acc) = (&mut u[..], &mut v[..]);
                    wide(SumAcross {
                        c,
                        rows,
                        samples,
                        u: u_acc,
                        v: v_acc,
                    });
                    return u.into_iter().zip(v).collect();
                }
                let mut acc = vec![([0.0f64; SUM_LANES], [0.0f64; SUM_LANES]); c];
                let dims = *self;
                wide(SumBlock {
                    dims,
                    rows,
                    samples,
                    acc: &mut acc,
                });
                acc.into_iter()
                    .map(|(u, v)| (pairwise(u), pairwise(v)))
                    .collect()
            })
            .collect();
        let mut sums = vec![(0.0f64, 0.0f64); c];
        for block in blocks {
            for (s, a) in sums.iter_mut().zip(block) {
                s.0 += a.0;
                s.1 += a.1;
            }
        }
        sums
    }

    /// Every row of `out` through `rows`, in parallel over fixed chunks of rows, each at the
    /// CPU's vector width.
    fn par_rows(&self, out: &mut [f32], rows: &impl RowMap) {
        let p = self.p.max(1);
        let rows_per = PAR_CHUNK.div_ceil(p).max(1);
        out.par_chunks_mut(rows_per * p)
            .enumerate()
            .for_each(|(t, out)| {
                let (dims, first) = (*self, t * rows_per * p);
                wide(MapChunk {
                    dims,
                    rows,
                    first,
                    out,
                })
            });
    }
}

/// Σx and Σx² (one pass: σ² = mean x² − μ² loses nothing at f32 data precision).
struct Moments<'a>(&'a [f32]);

impl RowSums for Moments<'_> {
    #[inline(always)]
    fn inputs(&self) -> (&[f32], &[f32]) {
        (self.0, self.0)
    }
    #[inline(always)]
    fn terms(&self, _c: usize) -> impl Fn(f32, f32) -> (f64, f64) {
        |x, _| {
            let v = x as f64;
            (v, v * v)
        }
    }
}

/// y = act(x·scale + shift), scale = γ/√(σ² + ε), shift = β − μ·scale.
struct Normalize<'a, F> {
    x: &'a [f32],
    scale: &'a [f32],
    shift: &'a [f32],
    f: F,
}

impl<F: Pointwise> RowMap for Normalize<'_, F> {
    #[inline(always)]
    fn map(&self, y: &mut [f32], c: usize, r: Range<usize>) {
        let (a, b) = (self.scale[c], self.shift[c]);
        for (y, x) in y.iter_mut().zip(&self.x[r]) {
            *y = self.f.apply(x * a + b);
        }
    }
    #[inline(always)]
    fn map_across(&self, y: &mut [f32], c0: usize, first: usize) {
        let params = self.scale[c0..].iter().zip(&self.shift[c0..]);
        for ((y, x), (a, b)) in y.iter_mut().zip(&self.x[first..]).zip(params) {
            *y = self.f.apply(x * a + b);
        }
    }
}

/// (Σ g, Σ g·(x − μ)) with g = ∂y·act′(x·scale + shift).
struct Slope<'a, F> {
    gy: &'a [f32],
    n: Normalize<'a, F>,
    mean: &'a [f32],
}

impl<F: Pointwise> RowSums for Slope<'_, F> {
    #[inline(always)]
    fn inputs(&self) -> (&[f32], &[f32]) {
        (self.gy, self.n.x)
    }
    #[inline(always)]
    fn terms(&self, c: usize) -> impl Fn(f32, f32) -> (f64, f64) {
        let (a, b, mu, f) = (self.n.scale[c], self.n.shift[c], self.mean[c], self.n.f);
        move |gy, x| {
            let g = gy * f.slope(x * a + b);
            (g as f64, (g * (x - mu)) as f64)
        }
    }
}

/// ∂x += scale·(g − mean g − (x − μ)·inv_std·mean g·x̂).
struct GradInput<'a, F> {
    s: Slope<'a, F>,
    inv_std: &'a [f32],
    mean_g: &'a [f32],
    mean_gx: &'a [f32],
}

impl<F: Pointwise> RowMap for GradInput<'_, F> {
    #[inline(always)]
    fn map(&self, gx: &mut [f32], c: usize, r: Range<usize>) {
        let (n, f) = (&self.s.n, self.s.n.f);
        let (a, b, mu) = (n.scale[c], n.shift[c], self.s.mean[c]);
        let (s, mg, mgx) = (self.inv_std[c], self.mean_g[c], self.mean_gx[c]);
        for ((gx, gy), x) in gx.iter_mut().zip(&self.s.gy[r.clone()]).zip(&n.x[r]) {
            *gx += grad_input(f, *gy, *x, [a, b, mu, s, mg, mgx]);
        }
    }
    #[inline(always)]
    fn map_across(&self, gx: &mut [f32], c0: usize, first: usize) {
        let (n, f) = (&self.s.n, self.s.n.f);
        let len = gx.len();
        let (a, b, mu) = (&n.scale[c0..], &n.shift[c0..], &self.s.mean[c0..]);
        let (s, mg, mgx) = (&self.inv_std[c0..], &self.mean_g[c0..], &self.mean_gx[c0..]);
        let (gy, x) = (&self.s.gy[first..first + len], &n.x[first..first + len]);
        for j in 0..len {
            gx[j] += grad_input(f, gy[j], x[j], [a[j], b[j], mu[j], s[j], mg[j], mgx[j]]);
        }
    }
}

/// One entry of ∂x (see [`GradInput`]) from ∂y, x and its channel's [scale, shift, μ,
/// inv_std, mean g, mean g·x̂].
#[inline(always)]
fn grad_input<F: Pointwise>(f: F, gy: f32, x: f32, k: [f32; 6]) -> f32 {
    let [a, b, mu, s, mg, mgx] = k;
    let g = gy * f.slope(x * a + b);
    a * (g - mg - (x - mu) * s * mgx)
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
    let sums = dims.reduce(&Moments(&xh));
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
    let mut y = super::par_zeros(xh.len());
    with_act!(act, f => dims.par_rows(&mut y, &Normalize { x: &xh, scale: &scale, shift: &shift, f }));
    let out = dev.tensor_from_vec(y, shape);
    let out_ref = out.clone();
    timing::add(Op::NormForward, started);
    tape.add_backward_op(move |grads| {
        let started = std::time::Instant::now();
        let (xv, scale, shift, mean) = (&xh[..], &scale[..], &shift[..], &mean32[..]);
        // (Σ g, Σ g·(x − μ)) per channel, g = ∂y·act′(x·scale + shift).
        let slope_sums = |gy: &[f32]| {
            with_act!(act, f => dims.reduce(&Slope {
                gy,
                n: Normalize { x: xv, scale, shift, f },
                mean,
            }))
        };
        let (dgamma, dbeta) =
            D::with_grads_after(grads, &out_ref, &x, slope_sums, |sums, gy, gx| {
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
                with_act!(act, f => dims.par_rows(gx, &GradInput {
                    s: Slope { gy, n: Normalize { x: xv, scale, shift, f }, mean },
                    inv_std: &inv_std,
                    mean_g: &mean_g,
                    mean_gx: &mean_gx,
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
