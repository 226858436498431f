//! Transposed 2-D convolution (PyTorch's `ConvTranspose2d`: weight [c_in, c_out, kh, kw]) as the
//! adjoint of a convolution, so no product ever touches a zero inserted between pixels.
//!
//! Per sample, with x as [c_in, hi·wi] and W as [c_in, c_out·kh·kw]: y = col2im(Wᵀ·x) + b, the
//! output of size ((hi − 1)s − 2p + kh + output_padding) per axis; ∂x = W·im2col(∂y);
//! ∂W = Σ_n x·im2col(∂y)ᵀ; ∂b = Σ ∂y.

use super::conv2d::split_by;
use super::gemm::{matmul, Mat};
use super::geometry::Geometry;
use super::{batch_ranges, bias_grad, host_operands, sum_parts, FlatT, HostOperands, Image};
use crate::neural::device::NeuralDevice;
use dfdx::prelude::*;
use rayon::prelude::*;

/// Hyperparameters of a transposed convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvTranspose {
    /// Output channels.
    pub c_out: usize,
    /// Kernel size (kh, kw).
    pub kernel: (usize, usize),
    /// Stride.
    pub stride: usize,
    /// Padding (removed from the output's borders).
    pub pad: usize,
    /// Extra output rows and columns (< stride).
    pub output_padding: usize,
}

/// y = conv_transpose(x; w, b), x: (N, c_in, hi, wi), `w` flat [c_in, c_out, kh, kw].
pub fn conv_transpose2d<D: NeuralDevice>(
    x: Image<D>,
    w: FlatT<D>,
    b: Option<FlatT<D>>,
    ct: ConvTranspose,
) -> Image<D> {
    let (n, c_in, hi, wi) = *x.shape();
    let co = ct.c_out;
    let g = Geometry::transposed(co, hi, wi, ct.kernel, ct.stride, ct.pad, ct.output_padding)
        .unwrap_or_else(|e| panic!("conv_transpose2d: {e}"));
    let (k, p) = (g.rows(), g.cols());
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
    } = host_operands("conv_transpose2d", x, w, b, (c_in, k));
    let out_len = co * g.h * g.w;
    let pixels = g.h * g.w;
    let mut y = vec![0.0f32; n * out_len];
    y.par_chunks_mut(out_len).enumerate().for_each_init(
        || vec![0.0f32; k * p],
        |cols, (s, ys)| {
            let xs = &xh[s * c_in * p..(s + 1) * c_in * p];
            matmul(
                k,
                p,
                c_in,
                cols,
                false,
                Mat {
                    data: &wh,
                    transposed: true,
                },
                Mat {
                    data: xs,
                    transposed: false,
                },
            );
            match &bh {
                Some(bh) => {
                    for (c, plane) in ys.chunks_mut(pixels).enumerate() {
                        plane.fill(bh[c]);
                    }
                }
                None => ys.fill(0.0),
            }
            g.col2im_add(cols, ys);
        },
    );
    let out = dev.tensor_from_vec(y, (n, co, g.h, g.w));
    let out_ref = out.clone();
    super::timing::add(super::timing::Op::ConvTForward, started);
    tape.add_backward_op(move |grads| {
        let started = std::time::Instant::now();
        let gy = D::read_vec(grads.get_or_alloc_mut(&out_ref)?);
        let in_len = c_in * p;
        let mut gx = vec![0.0f32; n * in_len];
        let parts: Vec<Vec<f32>> = {
            let ranges = batch_ranges(n);
            let gx_chunks = split_by(&mut gx, &ranges, in_len);
            ranges
                .into_par_iter()
                .zip(gx_chunks)
                .map(|(r, gxs)| {
                    let mut gw = vec![0.0f32; c_in * k];
                    let mut gcols = vec![0.0f32; k * p];
                    for (i, s) in r.enumerate() {
                        g.im2col(&gy[s * out_len..(s + 1) * out_len], &mut gcols);
                        let xs = &xh[s * in_len..(s + 1) * in_len];
                        matmul(
                            c_in,
                            k,
                            p,
                            &mut gw,
                            true,
                            Mat {
                                data: xs,
                                transposed: false,
                            },
                            Mat {
                                data: &gcols,
                                transposed: true,
                            },
                        );
                        matmul(
                            c_in,
                            p,
                            k,
                            &mut gxs[i * in_len..(i + 1) * in_len],
                            false,
                            Mat {
                                data: &wh,
                                transposed: false,
                            },
                            Mat {
                                data: &gcols,
                                transposed: false,
                            },
                        );
                    }
                    gw
                })
                .collect()
        };
        D::add_host(grads.get_or_alloc_mut(&x)?, &gx);
        D::add_host(grads.get_or_alloc_mut(&w)?, &sum_parts(parts, c_in * k));
        if let Some(b) = &b {
            D::add_host(grads.get_or_alloc_mut(b)?, &bias_grad(&gy, n, co, pixels));
        }
        super::timing::add(super::timing::Op::ConvTBackward, started);
        Ok(())
    });
    out.put_tape(tape)
}
