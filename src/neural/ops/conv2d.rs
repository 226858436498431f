//! 2-D convolution y = W ⋆ x + b as a differentiable dfdx op (PyTorch's `Conv2d`: weight
//! [c_out, c_in, kh, kw], cross-correlation, zero padding).
//!
//! Per sample, with C = im2col(x) of shape [c_in·kh·kw, ho·wo] and W as [c_out, c_in·kh·kw]:
//! y = W·C + b; ∂x = col2im(Wᵀ·∂y); ∂W = Σ_n ∂y·Cᵀ; ∂b = Σ ∂y.

use super::gemm::{matmul, Mat};
use super::geometry::Geometry;
use super::{batch_ranges, bias_grad, host_operands, sum_parts, FlatT, HostOperands, Image};
use crate::neural::device::NeuralDevice;
use dfdx::prelude::*;
use rayon::prelude::*;

/// Hyperparameters of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv {
    /// Output channels.
    pub c_out: usize,
    /// Kernel size (kh, kw).
    pub kernel: (usize, usize),
    /// Stride.
    pub stride: usize,
    /// Zero padding.
    pub pad: usize,
}

/// y = conv(x; w, b), x: (N, c_in, H, W), `w` flat `[c_out, c_in, kh, kw]`, `b` flat `[c_out]`.
pub fn conv2d<D: NeuralDevice>(
    x: Image<D>,
    w: FlatT<D>,
    b: Option<FlatT<D>>,
    conv: Conv,
) -> Image<D> {
    let (n, c_in, h, wd) = *x.shape();
    let g = Geometry::conv(c_in, h, wd, conv.kernel, conv.stride, conv.pad)
        .unwrap_or_else(|e| panic!("conv2d: {e}"));
    let (k, p, co) = (g.rows(), g.cols(), conv.c_out);
    let started = std::time::Instant::now();
    let dev = x.device().clone();
    let HostOperands {
        x,
        w,
        b,
        mut tape,
        xh,
        wh,
        bh,
    } = host_operands("conv2d", x, w, b, (co, k));
    let in_len = c_in * h * wd;
    let mut y = vec![0.0f32; n * co * p];
    y.par_chunks_mut(co * p).enumerate().for_each_init(
        || vec![0.0f32; k * p],
        |cols, (s, ys)| {
            g.im2col(&xh[s * in_len..(s + 1) * in_len], cols);
            matmul(
                co,
                p,
                k,
                ys,
                false,
                Mat {
                    data: &wh,
                    transposed: false,
                },
                Mat {
                    data: cols,
                    transposed: false,
                },
            );
            if let Some(bh) = &bh {
                for (c, row) in ys.chunks_mut(p).enumerate() {
                    row.iter_mut().for_each(|v| *v += bh[c]);
                }
            }
        },
    );
    let out = dev.tensor_from_vec(y, (n, co, g.ho, g.wo));
    let out_ref = out.clone();
    super::timing::add(super::timing::Op::ConvForward, started);
    tape.add_backward_op(move |grads| {
        let started = std::time::Instant::now();
        let gy = D::read_vec(grads.get_or_alloc_mut(&out_ref)?);
        let mut gx = vec![0.0f32; n * in_len];
        let parts: Vec<Vec<f32>> = {
            let ranges = batch_ranges(n);
            let gx_chunks = split_by(&mut gx, &ranges, in_len);
            ranges
                .into_par_iter()
                .zip(gx_chunks)
                .map(|(r, gxs)| {
                    let mut gw = vec![0.0f32; co * k];
                    let mut cols = vec![0.0f32; k * p];
                    let mut gcols = vec![0.0f32; k * p];
                    for (i, s) in r.enumerate() {
                        let gys = &gy[s * co * p..(s + 1) * co * p];
                        g.im2col(&xh[s * in_len..(s + 1) * in_len], &mut cols);
                        matmul(
                            co,
                            k,
                            p,
                            &mut gw,
                            true,
                            Mat {
                                data: gys,
                                transposed: false,
                            },
                            Mat {
                                data: &cols,
                                transposed: true,
                            },
                        );
                        matmul(
                            k,
                            p,
                            co,
                            &mut gcols,
                            false,
                            Mat {
                                data: &wh,
                                transposed: true,
                            },
                            Mat {
                                data: gys,
                                transposed: false,
                            },
                        );
                        g.col2im_add(&gcols, &mut gxs[i * in_len..(i + 1) * in_len]);
                    }
                    gw
                })
                .collect()
        };
        D::add_host(grads.get_or_alloc_mut(&x)?, &gx);
        D::add_host(grads.get_or_alloc_mut(&w)?, &sum_parts(parts, co * k));
        if let Some(b) = &b {
            D::add_host(grads.get_or_alloc_mut(b)?, &bias_grad(&gy, n, co, p));
        }
        super::timing::add(super::timing::Op::ConvBackward, started);
        Ok(())
    });
    out.put_tape(tape)
}

/// Splits `buf` into the disjoint sample blocks of `ranges` (each sample `per` entries long).
pub(crate) fn split_by<'a>(
    mut buf: &'a mut [f32],
    ranges: &[std::ops::Range<usize>],
    per: usize,
) -> Vec<&'a mut [f32]> {
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        let (head, tail) = buf.split_at_mut(r.len() * per);
        out.push(head);
        buf = tail;
    }
    out
}
