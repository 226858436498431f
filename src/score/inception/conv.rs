//! BasicConv2d of Inception-v3 in inference: y = ReLU(BN(W ⋆ x)) with the BatchNorm folded into
//! the convolution, W' = W·γ/√(σ² + ε), b' = β − μ·γ/√(σ² + ε), so y = ReLU(W' ⋆ x + b').
//!
//! The product runs on the channel-major batch ([`Act`]): a 1×1 stride-1 convolution is one
//! GEMM on the input as it lies; other kernels build the column matrix (im2col) for a tile of
//! output rows at a time — small enough to be read back from cache, large enough for an
//! efficient GEMM — and write the GEMM straight into the tile's columns of the output.

use super::act::Act;
use crate::neural::ops::gemm::{gemm_strided, Strided};

/// The hyperparameters of one convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Kernel (kh, kw).
    pub kernel: (usize, usize),
    /// Stride (both axes; Inception uses 1 or 2).
    pub stride: usize,
    /// Zero padding (ph, pw); Inception pads (0, 3), (3, 0), (0, 1), (1, 0) around 1×n kernels.
    pub pad: (usize, usize),
}

impl ConvShape {
    /// A square kernel k×k with the given stride and padding.
    pub fn square(c_in: usize, c_out: usize, k: usize, stride: usize, pad: usize) -> Self {
        ConvShape {
            c_in,
            c_out,
            kernel: (k, k),
            stride,
            pad: (pad, pad),
        }
    }

    /// Output size (⌊(h + 2ph − kh)/s⌋ + 1, ⌊(w + 2pw − kw)/s⌋ + 1); None when the kernel does
    /// not fit the padded input.
    pub fn output(&self, h: usize, w: usize) -> Option<(usize, usize)> {
        let (kh, kw) = self.kernel;
        let (ph, pw) = self.pad;
        if h + 2 * ph < kh || w + 2 * pw < kw {
            return None;
        }
        Some((
            (h + 2 * ph - kh) / self.stride + 1,
            (w + 2 * pw - kw) / self.stride + 1,
        ))
    }

    /// The weight tensor's shape in PyTorch's order [c_out, c_in, kh, kw].
    pub fn weight_shape(&self) -> [usize; 4] {
        [self.c_out, self.c_in, self.kernel.0, self.kernel.1]
    }

    /// Rows of the column matrix, c_in·kh·kw (the fan-in).
    pub fn fan_in(&self) -> usize {
        self.c_in * self.kernel.0 * self.kernel.1
    }
}

/// A convolution with its BatchNorm folded in, followed by ReLU.
#[derive(Clone, Debug)]
pub struct ConvBn {
    /// The PyTorch module name (e.g. `Mixed_5b.branch1x1`).
    pub name: String,
    /// Its shape.
    pub shape: ConvShape,
    /// W' as [c_out × c_in·kh·kw], row-major.
    weight: Vec<f32>,
    /// b' per output channel.
    shift: Vec<f32>,
}

/// Column buffers hold as many output rows as fit in this many floats (1 MiB: the tile is
/// written and read back while it is still in cache)…
const TILE_FLOATS: usize = 1 << 19;
/// … but at least this many columns, so the GEMM stays efficient on small late maps.
const MIN_TILE_COLS: usize = 1024;

impl ConvBn {
    /// Folds BatchNorm (γ, β, running μ, running σ², ε) into the convolution weight `w`
    /// ([c_out, c_in, kh, kw] flattened). The scale γ/√(σ² + ε) is formed in f64.
    #[allow(clippy::too_many_arguments)]
    pub fn fold(
        name: impl Into<String>,
        shape: ConvShape,
        w: &[f32],
        gamma: &[f32],
        beta: &[f32],
        mean: &[f32],
        var: &[f32],
        eps: f64,
    ) -> Self {
        let k = shape.fan_in();
        assert_eq!(w.len(), shape.c_out * k, "conv weight size");
        let mut weight = vec![0.0f32; w.len()];
        let mut shift = vec![0.0f32; shape.c_out];
        for o in 0..shape.c_out {
            let scale = gamma[o] as f64 / (var[o] as f64 + eps).sqrt();
            for (d, s) in weight[o * k..(o + 1) * k]
                .iter_mut()
                .zip(&w[o * k..(o + 1) * k])
            {
                *d = (*s as f64 * scale) as f32;
            }
            shift[o] = (beta[o] as f64 - mean[o] as f64 * scale) as f32;
        }
        ConvBn {
            name: name.into(),
            shape,
            weight,
            shift,
        }
    }

    /// y = ReLU(W' ⋆ x + b') for the whole batch `x`.
    pub fn forward(&self, x: &Act) -> Act {
        let s = self.shape;
        assert_eq!(x.c, s.c_in, "{}: input has {} channels", self.name, x.c);
        let (ho, wo) = s.output(x.h, x.w).unwrap_or_else(|| {
            panic!(
                "{}: kernel {:?} larger than the padded {}×{} input",
                self.name, s.kernel, x.h, x.w
            )
        });
        let p = ho * wo;
        let total = x.b * p;
        let mut out = Act::zeros(s.c_out, x.b, ho, wo);
        let k = s.fan_in();
        if s.kernel == (1, 1) && s.stride == 1 && s.pad == (0, 0) {
            gemm_rows(
                s.c_out,
                total,
                k,
                &mut out.data,
                total,
                &self.weight,
                &x.data,
                total,
            );
        } else {
            // Tiles of whole output rows (image, oh) sized so the column buffer stays in cache.
            let rows = x.b * ho;
            let per_tile = (TILE_FLOATS / (k * wo))
                .max(MIN_TILE_COLS.div_ceil(wo))
                .clamp(1, rows);
            let mut cols = vec![0.0f32; k * per_tile * wo];
            let mut first = 0;
            while first < rows {
                let last = (first + per_tile).min(rows);
                let t = (last - first) * wo;
                im2col(x, s, ho, wo, first..last, &mut cols[..k * t]);
                gemm_rows(
                    s.c_out,
                    t,
                    k,
                    &mut out.data[first * wo..],
                    total,
                    &self.weight,
                    &cols[..k * t],
                    t,
                );
                first = last;
            }
        }
        for (o, row) in out.data.chunks_mut(total).enumerate() {
            let b = self.shift[o];
            for v in row {
                *v = (*v + b).max(0.0);
            }
        }
        out
    }
}

/// The output positions o ∈ [lo, hi) whose input index o·s − p + i lies in [0, n).
fn valid(i: usize, n: usize, out: usize, s: usize, p: usize) -> (usize, usize) {
    let (s, off) = (s as isize, i as isize - p as isize);
    let lo = if off >= 0 { 0 } else { (-off + s - 1) / s } as usize;
    let top = n as isize - 1 - off;
    let hi = if top < 0 { 0 } else { (top / s + 1) as usize };
    (lo.min(out), hi.min(out).max(lo.min(out)))
}

/// cols[(c, i, j)][(g − first)·wo + ow] = x[c][image][oh·s − ph + i][ow·s − pw + j] for the
/// output rows g = image·ho + oh in `rows`, zero outside the image.
fn im2col(
    x: &Act,
    s: ConvShape,
    ho: usize,
    wo: usize,
    rows: std::ops::Range<usize>,
    cols: &mut [f32],
) {
    let (kh, kw) = s.kernel;
    let (ph, pw) = s.pad;
    let t = rows.len() * wo;
    for c in 0..s.c_in {
        for i in 0..kh {
            for j in 0..kw {
                let (ow_lo, ow_hi) = valid(j, x.w, wo, s.stride, pw);
                let row = ((c * kh + i) * kw + j) * t;
                for (r, g) in rows.clone().enumerate() {
                    let (image, oh) = (g / ho, g % ho);
                    let dst = &mut cols[row + r * wo..row + (r + 1) * wo];
                    let y = (oh * s.stride + i) as isize - ph as isize;
                    if y < 0 || y >= x.h as isize {
                        dst.fill(0.0);
                        continue;
                    }
                    dst[..ow_lo].fill(0.0);
                    dst[ow_hi..].fill(0.0);
                    let src = x.map(c, image);
                    let line = &src[y as usize * x.w..(y as usize + 1) * x.w];
                    if s.stride == 1 {
                        let x0 = ow_lo + j - pw;
                        dst[ow_lo..ow_hi].copy_from_slice(&line[x0..x0 + (ow_hi - ow_lo)]);
                    } else {
                        for ow in ow_lo..ow_hi {
                            dst[ow] = line[ow * s.stride + j - pw];
                        }
                    }
                }
            }
        }
    }
}

/// dst[m × n] (row stride `dst_rs`) ← a[m × k] · b[k × n] (row stride `b_rs`), all row-major,
/// single-threaded: callers run one batch per thread.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_rows(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [f32],
    dst_rs: usize,
    a: &[f32],
    b: &[f32],
    b_rs: usize,
) {
    let a = Strided {
        data: a,
        rs: k,
        cs: 1,
    };
    let b = Strided {
        data: b,
        rs: b_rs,
        cs: 1,
    };
    gemm_strided(m, n, k, dst, dst_rs, false, a, b);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The definition: y[o][b][y][x] = ReLU(Σ_{c,i,j} W'[o][c][i][j]·x[c][b][y·s−ph+i][x·s−pw+j] + b'[o]).
    fn naive(conv: &ConvBn, x: &Act) -> Act {
        let s = conv.shape;
        let (ho, wo) = s.output(x.h, x.w).unwrap();
        let (kh, kw) = s.kernel;
        let mut out = Act::zeros(s.c_out, x.b, ho, wo);
        for o in 0..s.c_out {
            for b in 0..x.b {
                for oy in 0..ho {
                    for ox in 0..wo {
                        let mut acc = conv.shift[o] as f64;
                        for c in 0..s.c_in {
                            for i in 0..kh {
                                for j in 0..kw {
                                    let y = (oy * s.stride + i) as isize - s.pad.0 as isize;
                                    let xx = (ox * s.stride + j) as isize - s.pad.1 as isize;
                                    if y < 0 || xx < 0 || y >= x.h as isize || xx >= x.w as isize {
                                        continue;
                                    }
                                    let wv = conv.weight[((o * s.c_in + c) * kh + i) * kw + j];
                                    let xv = x.map(c, b)[y as usize * x.w + xx as usize];
                                    acc += wv as f64 * xv as f64;
                                }
                            }
                        }
                        out.data[((o * x.b + b) * ho + oy) * wo + ox] = acc.max(0.0) as f32;
                    }
                }
            }
        }
        out
    }

    #[test]
    fn matches_the_definition_for_every_inception_kernel() {
        let mut rng = Rng::new(11);
        let shapes = [
            (ConvShape::square(3, 4, 3, 2, 0), 9, 11),
            (ConvShape::square(4, 5, 1, 1, 0), 6, 7),
            (ConvShape::square(3, 2, 5, 1, 2), 7, 6),
            (
                ConvShape {
                    c_in: 3,
                    c_out: 4,
                    kernel: (1, 7),
                    stride: 1,
                    pad: (0, 3),
                },
                5,
                8,
            ),
            (
                ConvShape {
                    c_in: 3,
                    c_out: 4,
                    kernel: (3, 1),
                    stride: 1,
                    pad: (1, 0),
                },
                6,
                4,
            ),
            (ConvShape::square(2, 3, 3, 2, 0), 8, 8),
            (ConvShape::square(2, 3, 3, 1, 1), 4, 5),
        ];
        for (s, h, w) in shapes {
            let n =
                |r: &mut Rng, k: usize| -> Vec<f32> { (0..k).map(|_| r.normal() as f32).collect() };
            let wt = n(&mut rng, s.c_out * s.fan_in());
            let gamma = n(&mut rng, s.c_out);
            let beta = n(&mut rng, s.c_out);
            let mean = n(&mut rng, s.c_out);
            let var: Vec<f32> = n(&mut rng, s.c_out).iter().map(|v| v * v + 0.1).collect();
            let conv = ConvBn::fold("t", s, &wt, &gamma, &beta, &mean, &var, 1e-3);
            let x = Act {
                c: s.c_in,
                b: 3,
                h,
                w,
                data: n(&mut rng, s.c_in * 3 * h * w),
            };
            let (got, want) = (conv.forward(&x), naive(&conv, &x));
            assert_eq!(
                (got.c, got.b, got.h, got.w),
                (want.c, want.b, want.h, want.w)
            );
            let err = got
                .data
                .iter()
                .zip(&want.data)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(err < 1e-4, "{s:?}: max error {err}");
            assert!(want.data.iter().any(|v| *v > 0.0));
        }
    }

    #[test]
    fn folding_is_batch_norm_in_eval_mode() {
        // One 1×1 channel: y = ReLU(γ(w·x − μ)/√(σ² + ε) + β).
        let s = ConvShape::square(1, 1, 1, 1, 0);
        let conv = ConvBn::fold("t", s, &[2.0], &[3.0], &[0.5], &[1.0], &[4.0], 1e-3);
        let x = Act {
            c: 1,
            b: 1,
            h: 1,
            w: 2,
            data: vec![1.5, -4.0],
        };
        let y = conv.forward(&x);
        let want = |v: f64| (3.0 * (2.0 * v - 1.0) / (4.0f64 + 1e-3).sqrt() + 0.5).max(0.0);
        assert!((y.data[0] as f64 - want(1.5)).abs() < 1e-6);
        assert_eq!(y.data[1], 0.0);
    }
}
