//! Transposed 2-D convolution (PyTorch's `ConvTranspose2d`: weight [c_in, c_out, kh, kw]) as the
//! adjoint of a convolution, so no product ever touches a zero inserted between pixels.
//!
//! For a group of samples (see `sample_groups`), with X = [x_s …] side by side as
//! [c_in, group·hi·wi] and W as [c_in, c_out·kh·kw]: y_s = col2im((Wᵀ·X)_s) + b, the output of
//! size ((hi − 1)s − 2p + kh + output_padding) per axis; with G = [im2col(∂y_s) …]:
//! [∂x_s …] = W·G; ∂W = Σ_groups X·Gᵀ (summed per lane, see `lanes`); ∂b = Σ ∂y. The forward
//! multiplies Wᵀ stored once per op (see `gemm::transposed`).

use super::conv2d::{add_samples, cols_of, rows, to_blocks};
use super::gemm::{matmul, transposed};
use super::geometry::Geometry;
use super::host_buf::HostBuf;
use super::{
    bias_grad, host_operands, lanes, sample_groups, split_by, with_scratch, FlatT, HostOperands,
    Image,
};
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
    let in_len = c_in * p;
    let groups = sample_groups(n, p);
    let mut y = super::par_zeros(n * out_len);
    let chunks = split_by(&mut y, &groups, out_len);
    let wt = transposed(&wh, c_in, k);
    groups.par_iter().zip(chunks).for_each(|(r, ys)| {
        let (count, gp) = (r.len(), r.len() * p);
        with_scratch(k * gp + c_in * gp, |buf| {
            let (cols, xb) = buf.split_at_mut(k * gp);
            let xs = &xh[r.start * in_len..r.end * in_len];
            let xb: &[f32] = if count == 1 {
                xs
            } else {
                to_blocks(xs, xb, count, c_in, p);
                xb
            };
            matmul(k, gp, c_in, cols, false, rows(&wt), rows(xb));
            for (j, yj) in ys.chunks_mut(out_len).enumerate() {
                match &bh {
                    Some(bh) => {
                        for (c, plane) in yj.chunks_mut(pixels).enumerate() {
                            plane.fill(bh[c]);
                        }
                    }
                    None => yj.fill(0.0),
                }
                g.col2im_add_from(cols, gp, j * p, yj);
            }
        });
    });
    let out = dev.tensor_from_vec(y, (n, co, g.h, g.w));
    let out_ref = out.clone();
    super::timing::add(super::timing::Op::ConvTForward, started);
    tape.add_backward_op(move |grads| {
        let started = std::time::Instant::now();
        let has_bias = b.is_some();
        let pre = |gy: &[f32]| has_bias.then(|| bias_grad(gy, n, co, pixels));
        let (parts, gb) = D::with_grads_after(grads, &out_ref, &x, pre, |gb, gy, gx| {
            let parts: Vec<HostBuf> = lanes(&groups, gx, in_len)
                .into_par_iter()
                .map(|lane| {
                    // Each lane's first product overwrites its buffer (no zero fill).
                    let mut gw = HostBuf::take(c_in * k);
                    if lane.is_empty() {
                        gw.fill(0.0);
                    }
                    for (i, (r, gxs)) in lane.into_iter().enumerate() {
                        let (count, gp) = (r.len(), r.len() * p);
                        with_scratch(k * gp + 2 * c_in * gp, |buf| {
                            let (gcols, rest) = buf.split_at_mut(k * gp);
                            let (xb, gxb) = rest.split_at_mut(c_in * gp);
                            for (j, s) in r.clone().enumerate() {
                                let gys = &gy[s * out_len..(s + 1) * out_len];
                                g.im2col_into(gys, gcols, gp, j * p);
                            }
                            let xs = &xh[r.start * in_len..r.end * in_len];
                            let xb: &[f32] = if count == 1 {
                                xs
                            } else {
                                to_blocks(xs, xb, count, c_in, p);
                                xb
                            };
                            matmul(c_in, k, gp, &mut gw, i > 0, rows(xb), cols_of(gcols));
                            if count == 1 {
                                matmul(c_in, gp, k, gxs, true, rows(&wh), rows(gcols));
                            } else {
                                matmul(c_in, gp, k, gxb, false, rows(&wh), rows(gcols));
                                add_samples(gxb, gxs, count, c_in, p);
                            }
                        });
                    }
                    gw
                })
                .collect();
            (parts, gb)
        })?;
        let parts: Vec<&[f32]> = parts.iter().map(|p| &p[..]).collect();
        D::add_host_sum(grads.get_or_alloc_mut(&w)?, &parts);
        if let (Some(b), Some(gb)) = (&b, gb) {
            D::add_host(grads.get_or_alloc_mut(b)?, &gb);
        }
        super::timing::add(super::timing::Op::ConvTBackward, started);
        Ok(())
    });
    out.put_tape(tape)
}
