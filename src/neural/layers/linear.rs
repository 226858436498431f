//! Linear layer y = x·Wᵀ + b (PyTorch's `nn.Linear`: weight [out, in]), optionally with the
//! activation after it.

use crate::neural::device::NeuralDevice;
use crate::neural::ops::activation::Act;
use crate::neural::ops::{linear::linear_act, FlatT, Traced};
use dfdx::prelude::*;

/// A batch of feature vectors (N, features) on the tape.
pub type Features<D> = Traced<(usize, usize), D>;

/// y = x·Wᵀ + b for x: (N, in), `w` flat `[out, in]`, `b` flat `[out]`.
pub fn linear<D: NeuralDevice>(
    x: Features<D>,
    w: FlatT<D>,
    b: Option<FlatT<D>>,
    out: usize,
) -> Features<D> {
    linear_then(x, w, b, out, Act::Identity)
}

/// y = act(x·Wᵀ + b): one fused host op on the CPU, dfdx's matmul and activation elsewhere.
pub fn linear_then<D: NeuralDevice>(
    x: Features<D>,
    w: FlatT<D>,
    b: Option<FlatT<D>>,
    out: usize,
    act: Act,
) -> Features<D> {
    if D::HOST {
        return linear_act(x, w, b, out, act);
    }
    let (n, inp) = *x.shape();
    assert_eq!(
        w.shape().0,
        out * inp,
        "linear: weight has {} entries, expected {out}×{inp}",
        w.shape().0
    );
    let w = w
        .reshape_like(&(out, inp))
        .permute::<(usize, usize), Axes2<1, 0>>();
    let y = x.matmul(w);
    let y = match b {
        Some(b) => y + b.broadcast_like::<(usize, usize), Axis<0>>(&(n, out)),
        None => y,
    };
    super::activation::activate(y, act)
}
