//! The small vector interfaces the optimizer core is written against.
//!
//! [`Moves`] holds what a step of any method does to vectors — linear combinations, the step
//! rules' element-wise normalizations, projections and inner products — so one implementation
//! of every method serves any storage that provides them: plain `Vec<f64>` for the toy games,
//! tensor stores for networks, and the symbolic matrices with which `analysis` derives a
//! method's iteration operator from the very code that steps (there, the non-linear moves mark
//! the result as not linear instead of computing it). [`ParamVec`] adds what runs need of real
//! parameters: norms, finiteness, host copies.

use crate::constraint::Constraint;

/// The scalars of one [`Moves::adam_step`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamScalars {
    /// The first moment's decay b (β₁).
    pub b: f64,
    /// The gradient's weight a in the first moment (1 − β₁, or 1 for a summed moment).
    pub a: f64,
    /// The second moment's decay β₂.
    pub beta2: f64,
    /// The factor c of the direction (the bias correction).
    pub c: f64,
    /// ε, added to √v.
    pub eps: f64,
}

/// [`Moves::adam_step`] as its three moves, one after the other (the default, and what a store
/// that fuses them falls back to where it cannot).
pub fn adam_by_moves<V: Moves>(out: &mut V, m: &mut V, v: &mut V, g: &V, k: &AdamScalars) {
    m.scale_add(k.b, k.a, g);
    v.scale_add_square(k.beta2, 1.0 - k.beta2, g);
    out.adam_ratio(k.c, m, v, k.eps);
}

/// A player's vector as a method moves it (parameters, a gradient, a momentum buffer, a moment
/// estimate…). Every operation is element-wise or a reduction; none allocates except
/// `zeros_like` and `clone`.
pub trait Moves: Clone + Send + 'static {
    /// A vector of the same shape filled with zeros.
    fn zeros_like(&self) -> Self;
    /// `self ← src`.
    fn assign(&mut self, src: &Self);
    /// Every entry ← `value` (RMSProp's v₀ = 1; not linear unless 0).
    fn fill(&mut self, value: f64);
    /// `self ← self + a·x`.
    fn axpy(&mut self, a: f64, x: &Self);
    /// `self ← b·self + a·x` (momentum buffers, EMAs, first moments).
    fn scale_add(&mut self, b: f64, a: f64, x: &Self);
    /// `self ← base + a·x`.
    fn assign_axpy(&mut self, base: &Self, a: f64, x: &Self);
    /// `self ← b·self + a·x⊙x` (second moments; not linear).
    fn scale_add_square(&mut self, b: f64, a: f64, x: &Self);
    /// `self ← c·m ⊘ (√v + ε)` (Adam's normalized direction, PyTorch-0.4 ε placement; not
    /// linear).
    fn adam_ratio(&mut self, c: f64, m: &Self, v: &Self, eps: f64);
    /// Adam's moments and direction in one move: m ← b·m + a·g, v ← β₂·v + (1 − β₂)·g⊙g,
    /// `self ← c·m ⊘ (√v + ε)`. By default the three moves above, one after the other; a
    /// store may fuse them into one pass over its entries, rounding every entry as they do.
    fn adam_step(&mut self, m: &mut Self, v: &mut Self, g: &Self, k: &AdamScalars) {
        adam_by_moves(self, m, v, g, k);
    }
    /// `self ← c·m ⊘ √(v + ε)` (TensorFlow 1's RMSProp, ε inside the root; not linear).
    fn rms_ratio(&mut self, c: f64, m: &Self, v: &Self, eps: f64);
    /// Euclidean projection onto `c` (box clamping or ball rescaling). Symbolic vectors
    /// linearize at an interior equilibrium, where every projection is locally the identity.
    fn project(&mut self, c: &Constraint);
    /// ⟨self, other⟩, or None where the value depends on the point in a way a linear analysis
    /// does not see (symbolic vectors): a method branching on an inner product says what it
    /// does near the equilibrium instead.
    fn dot(&self, other: &Self) -> Option<f64>;
    /// How many tensors the vector is made of (SGA's n; 1 for a flat vector).
    fn parts(&self) -> usize {
        1
    }
    /// The exact solution x of A·x = b where the vector type can build A from `apply` (the
    /// symbolic vectors of `analysis`); None where it cannot, and the caller iterates (CGD's
    /// conjugate gradients).
    fn solve_exactly(_apply: &mut dyn FnMut(&Self) -> Self, _b: &Self) -> Option<Self> {
        None
    }
}

/// A player's parameters as a run stores them: [`Moves`] plus what metrics, checkpoints and
/// Jacobian products need of real values.
pub trait ParamVec: Moves {
    /// Number of scalar parameters.
    fn len(&self) -> usize;
    /// True when there are no parameters.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `self ← 0`.
    fn set_zero(&mut self);
    /// ‖self‖².
    fn norm_sq(&self) -> f64;
    /// ‖self − other‖².
    fn dist_sq(&self, other: &Self) -> f64;
    /// True when no entry is NaN or ±∞.
    fn all_finite(&self) -> bool;
    /// The entries as f64, for metrics, the Jacobian and checkpoints of toy games.
    fn to_f64(&self) -> Vec<f64>;
    /// `self ← x` from the flat f64 entries [`ParamVec::to_f64`] gives (Jacobian products
    /// computed on the host).
    fn assign_f64(&mut self, x: &[f64]);
    /// Entry i (None when out of range): the coordinates of phase portraits.
    fn coordinate(&self, i: usize) -> Option<f64>;
}

impl Moves for Vec<f64> {
    fn zeros_like(&self) -> Self {
        vec![0.0; self.len()]
    }
    #[inline]
    fn assign(&mut self, src: &Self) {
        // Short vectors (the toy games' players) copy in registers: `copy_from_slice` of an
        // unknown length is a call into memmove, which costs more than a step of a d = 2 game.
        if self.len() <= 8 && self.len() == src.len() {
            for (s, x) in self.iter_mut().zip(src) {
                *s = *x;
            }
        } else {
            self.copy_from_slice(src);
        }
    }
    fn fill(&mut self, value: f64) {
        self.iter_mut().for_each(|x| *x = value);
    }
    #[inline]
    fn axpy(&mut self, a: f64, x: &Self) {
        for (s, x) in self.iter_mut().zip(x) {
            *s += a * x;
        }
    }
    #[inline]
    fn scale_add(&mut self, b: f64, a: f64, x: &Self) {
        for (s, x) in self.iter_mut().zip(x) {
            *s = b * *s + a * x;
        }
    }
    #[inline]
    fn assign_axpy(&mut self, base: &Self, a: f64, x: &Self) {
        for ((s, b), x) in self.iter_mut().zip(base).zip(x) {
            *s = b + a * x;
        }
    }
    #[inline]
    fn scale_add_square(&mut self, b: f64, a: f64, x: &Self) {
        for (s, x) in self.iter_mut().zip(x) {
            *s = b * *s + a * x * x;
        }
    }
    #[inline]
    fn adam_ratio(&mut self, c: f64, m: &Self, v: &Self, eps: f64) {
        for ((s, m), v) in self.iter_mut().zip(m).zip(v) {
            *s = c * m / (v.sqrt() + eps);
        }
    }
    #[inline]
    fn rms_ratio(&mut self, c: f64, m: &Self, v: &Self, eps: f64) {
        for ((s, m), v) in self.iter_mut().zip(m).zip(v) {
            *s = c * m / (v + eps).sqrt();
        }
    }
    #[inline]
    fn project(&mut self, c: &Constraint) {
        match *c {
            Constraint::Free => {}
            Constraint::Box { lo, hi } => {
                for s in self.iter_mut() {
                    *s = s.clamp(lo, hi);
                }
            }
            Constraint::Ball { radius } => {
                let n = self.norm_sq().sqrt();
                if n > radius {
                    let k = radius / n;
                    self.iter_mut().for_each(|s| *s *= k);
                }
            }
        }
    }
    #[inline]
    fn dot(&self, other: &Self) -> Option<f64> {
        Some(self.iter().zip(other).map(|(a, b)| a * b).sum())
    }
}

impl ParamVec for Vec<f64> {
    #[inline]
    fn len(&self) -> usize {
        <[f64]>::len(self)
    }
    #[inline]
    fn set_zero(&mut self) {
        self.iter_mut().for_each(|x| *x = 0.0);
    }
    #[inline]
    fn norm_sq(&self) -> f64 {
        self.iter().map(|x| x * x).sum()
    }
    #[inline]
    fn dist_sq(&self, other: &Self) -> f64 {
        self.iter().zip(other).map(|(a, b)| (a - b) * (a - b)).sum()
    }
    #[inline]
    fn all_finite(&self) -> bool {
        self.iter().all(|x| x.is_finite())
    }
    fn to_f64(&self) -> Vec<f64> {
        self.clone()
    }
    fn assign_f64(&mut self, x: &[f64]) {
        self.copy_from_slice(x);
    }
    fn coordinate(&self, i: usize) -> Option<f64> {
        self.get(i).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projections() {
        let mut x = vec![-2.0, 0.5, 3.0];
        x.project(&Constraint::Box { lo: -1.0, hi: 1.0 });
        assert_eq!(x, vec![-1.0, 0.5, 1.0]);
        let mut y = vec![3.0, 4.0];
        y.project(&Constraint::Ball { radius: 1.0 });
        assert!((y[0] - 0.6).abs() < 1e-15 && (y[1] - 0.8).abs() < 1e-15);
        let mut z = vec![0.3, 0.4];
        z.project(&Constraint::Ball { radius: 1.0 });
        assert_eq!(z, vec![0.3, 0.4]);
        assert!(Constraint::Box { lo: 1.0, hi: 0.0 }.validate().is_err());
    }
}
