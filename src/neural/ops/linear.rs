//! The linear layer y = act(x·Wᵀ + b) as one host op (PyTorch's `nn.Linear`: weight
//! [out, in]), its products through saddle's GEMM.
//!
//! With g = ∂y ⊙ act′: ∂x = g·W, ∂W = gᵀ·x, ∂b = Σ_rows g (in f64).

use super::activation::{par_zip_map, with_act, Act, Pointwise};
use super::conv2d::{cols_of, rows};
use super::gemm::par_matmul;
use super::timing::{self, Op};
use super::{host_operands, FlatT, HostOperands, Traced};
use crate::neural::device::NeuralDevice;
use dfdx::prelude::*;

/// y = act(x·Wᵀ + b) for x: (N, in), `w` flat `[out, in]`, `b` flat `[out]`.
pub fn linear_act<D: NeuralDevice>(
    x: Traced<(usize, usize), D>,
    w: FlatT<D>,
    b: Option<FlatT<D>>,
    out: usize,
    act: Act,
) -> Traced<(usize, usize), D> {
    let started = std::time::Instant::now();
    let (n, inp) = *x.shape();
    let dev = x.device().clone();
    let HostOperands {
        x,
        w,
        b,
        mut tape,
        xh,
        wh,
        bh,
    } = host_operands("linear", x, w, b, (out, inp));
    let mut y = super::par_zeros(n * out);
    par_matmul(n, out, inp, &mut y, false, rows(&xh), cols_of(&wh));
    let zero = vec![0.0f32; out];
    let bias = bh.as_deref().unwrap_or(&zero);
    with_act!(act, f => {
        for row in y.chunks_mut(out.max(1)) {
            row.iter_mut().zip(bias).for_each(|(v, b)| *v = f.apply(*v + b));
        }
    });
    let kept = if act == Act::Identity {
        vec![]
    } else {
        y.clone()
    };
    let t = dev.tensor_from_vec(y, (n, out));
    let out_ref = t.clone();
    timing::add(Op::LinearForward, started);
    tape.add_backward_op(move |grads| {
        let started = std::time::Instant::now();
        let has_bias = b.is_some();
        // ∂z = ∂y·act′(z), ∂W and ∂b, which need ∂y only.
        let pre = |gy: &[f32]| {
            let scaled = (act != Act::Identity).then(|| {
                let mut v = vec![0.0f32; gy.len()];
                // act′(z) from y = act(z): y > 0 exactly when z > 0 for every activation here.
                with_act!(act, f => par_zip_map(&mut v, gy, &kept, move |g, y| g * f.slope(y)));
                v
            });
            let g: &[f32] = scaled.as_deref().unwrap_or(gy);
            let mut gw = vec![0.0f32; out * inp];
            par_matmul(out, inp, n, &mut gw, false, cols_of(g), rows(&xh));
            let gb = has_bias.then(|| {
                let mut gb = vec![0.0f64; out];
                for row in g.chunks(out.max(1)) {
                    gb.iter_mut().zip(row).for_each(|(a, v)| *a += *v as f64);
                }
                gb.into_iter().map(|v| v as f32).collect::<Vec<f32>>()
            });
            (scaled, gw, gb)
        };
        let (gw, gb) =
            D::with_grads_after(grads, &out_ref, &x, pre, |(scaled, gw, gb), gy, gx| {
                let g: &[f32] = scaled.as_deref().unwrap_or(gy);
                par_matmul(n, inp, out, gx, true, rows(g), rows(&wh));
                (gw, gb)
            })?;
        D::add_host(grads.get_or_alloc_mut(&w)?, &gw);
        if let (Some(b), Some(gb)) = (&b, gb) {
            D::add_host(grads.get_or_alloc_mut(b)?, &gb);
        }
        timing::add(Op::LinearBackward, started);
        Ok(())
    });
    t.put_tape(tape)
}
