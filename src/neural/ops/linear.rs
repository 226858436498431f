//! The linear layer y = act(x·Wᵀ + b) as one host op (PyTorch's `nn.Linear`: weight
//! [out, in]), its products through saddle's GEMM.
//!
//! With g = ∂y ⊙ act′: ∂x = g·W, ∂W = gᵀ·x, ∂b = Σ_rows g (in f64).

use super::activation::{par_zip_map, Act};
use super::conv2d::{cols_of, rows};
use super::gemm::par_matmul;
use super::{host_operands, FlatT, HostOperands, Traced};
use crate::neural::device::NeuralDevice;
use dfdx::prelude::*;

/// y = act(x·Wᵀ + b) for x: (N, in), `w` flat [out, in], `b` flat [out].
pub fn linear_act<D: NeuralDevice>(
    x: Traced<(usize, usize), D>,
    w: FlatT<D>,
    b: Option<FlatT<D>>,
    out: usize,
    act: Act,
) -> Traced<(usize, usize), D> {
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
    let mut y = vec![0.0f32; n * out];
    par_matmul(n, out, inp, &mut y, false, rows(&xh), cols_of(&wh));
    if bh.is_some() || act != Act::Identity {
        for row in y.chunks_mut(out.max(1)) {
            match &bh {
                Some(bh) => row
                    .iter_mut()
                    .zip(bh)
                    .for_each(|(v, b)| *v = act.apply(*v + b)),
                None => row.iter_mut().for_each(|v| *v = act.apply(*v)),
            }
        }
    }
    let kept = if act == Act::Identity { vec![] } else { y.clone() };
    let t = dev.tensor_from_vec(y, (n, out));
    let out_ref = t.clone();
    tape.add_backward_op(move |grads| {
        let mut g = D::read_vec(grads.get_or_alloc_mut(&out_ref)?);
        if act != Act::Identity {
            let gy = std::mem::take(&mut g);
            g = vec![0.0; gy.len()];
            par_zip_map(&mut g, &gy, &kept, |g, y| g * act.slope_from_output(y));
        }
        let mut gx = vec![0.0f32; n * inp];
        par_matmul(n, inp, out, &mut gx, false, rows(&g), rows(&wh));
        let mut gw = vec![0.0f32; out * inp];
        par_matmul(out, inp, n, &mut gw, false, cols_of(&g), rows(&xh));
        D::add_host(grads.get_or_alloc_mut(&x)?, &gx);
        D::add_host(grads.get_or_alloc_mut(&w)?, &gw);
        if let Some(b) = &b {
            let mut gb = vec![0.0f64; out];
            for row in g.chunks(out.max(1)) {
                gb.iter_mut().zip(row).for_each(|(a, v)| *a += *v as f64);
            }
            let gb: Vec<f32> = gb.into_iter().map(|v| v as f32).collect();
            D::add_host(grads.get_or_alloc_mut(b)?, &gb);
        }
        Ok(())
    });
    t.put_tape(tape)
}
