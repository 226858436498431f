//! The small vector interface the optimizer core is written against.
//!
//! Schemes, step rules, projections and averages only ever need these few element-wise
//! operations, so one implementation of every algorithm serves any parameter storage that
//! provides them (plain `Vec<f64>` for the toy games; tensor-backed stores for networks).

use crate::constraint::Constraint;

/// A player's parameters (or a gradient, a momentum buffer, a moment estimate…).
///
/// Every operation is element-wise or a reduction, and none allocates except `zeros_like`.
pub trait ParamVec: Clone + Send + 'static {
    /// Number of scalar parameters.
    fn len(&self) -> usize;
    /// True when there are no parameters.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// A vector of the same shape filled with zeros.
    fn zeros_like(&self) -> Self;
    /// `self ← 0`.
    fn set_zero(&mut self);
    /// `self ← src`.
    fn assign(&mut self, src: &Self);
    /// `self ← self + a·x`.
    fn axpy(&mut self, a: f64, x: &Self);
    /// `self ← b·self + a·x` (momentum buffers, EMAs, first moments).
    fn scale_add(&mut self, b: f64, a: f64, x: &Self);
    /// `self ← b·self + a·x⊙x` (Adam's second moment).
    fn scale_add_square(&mut self, b: f64, a: f64, x: &Self);
    /// `self ← c·m ⊘ (√v + ε)` (Adam's normalized direction, PyTorch-0.4 ε placement).
    fn adam_ratio(&mut self, c: f64, m: &Self, v: &Self, eps: f64);
    /// `self ← base + a·x`.
    fn assign_axpy(&mut self, base: &Self, a: f64, x: &Self);
    /// Euclidean projection onto `c` (box clamping or ball rescaling).
    fn project(&mut self, c: &Constraint);
    /// ‖self‖².
    fn norm_sq(&self) -> f64;
    /// ‖self − other‖².
    fn dist_sq(&self, other: &Self) -> f64;
    /// True when no entry is NaN or ±∞.
    fn all_finite(&self) -> bool;
    /// The entries as f64, for metrics, the Jacobian and checkpoints of toy games.
    fn to_f64(&self) -> Vec<f64>;
    /// Entry i (None when out of range): the coordinates of phase portraits.
    fn coordinate(&self, i: usize) -> Option<f64>;
}

impl ParamVec for Vec<f64> {
    #[inline]
    fn len(&self) -> usize {
        <[f64]>::len(self)
    }
    fn zeros_like(&self) -> Self {
        vec![0.0; self.len()]
    }
    #[inline]
    fn set_zero(&mut self) {
        self.iter_mut().for_each(|x| *x = 0.0);
    }
    #[inline]
    fn assign(&mut self, src: &Self) {
        self.copy_from_slice(src);
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
    fn assign_axpy(&mut self, base: &Self, a: f64, x: &Self) {
        for ((s, b), x) in self.iter_mut().zip(base).zip(x) {
            *s = b + a * x;
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
