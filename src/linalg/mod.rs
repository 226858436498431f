//! Dense row-major matrices for the toy games' hot loops, the few decompositions saddle
//! needs from nalgebra (random orthogonal factors, linear solves), and the eigenvalues of
//! nonsymmetric matrices with an iteration cap and a time budget ([`eigen`], [`budget`]).

pub mod budget;
pub mod eigen;

pub use budget::{Budget, Exhausted};
pub use eigen::{eigenvalues, eigenvalues_within, EigenError};

use crate::rng::Rng;
use nalgebra::DMatrix;

/// A dense row-major matrix. The games' matrix–vector products run through its loops, which
/// the compiler vectorizes; nalgebra is used only off the hot path.
#[derive(Clone, Debug, PartialEq)]
pub struct Mat {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Entries, row after row.
    pub data: Vec<f64>,
}

impl Mat {
    /// The zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Mat {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// The identity of size n.
    pub fn identity(n: usize) -> Self {
        Self::diagonal(&vec![1.0; n])
    }

    /// diag(d).
    pub fn diagonal(d: &[f64]) -> Self {
        let n = d.len();
        let mut m = Self::zeros(n, n);
        for (i, &x) in d.iter().enumerate() {
            m.data[i * n + i] = x;
        }
        m
    }

    /// Entry (i, j).
    #[inline]
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    /// `out ← out + s·M x`.
    #[inline]
    pub fn mul_add(&self, s: f64, x: &[f64], out: &mut [f64]) {
        debug_assert_eq!(x.len(), self.cols);
        debug_assert_eq!(out.len(), self.rows);
        for (row, o) in self.data.chunks_exact(self.cols.max(1)).zip(out.iter_mut()) {
            *o += s * dot(row, x);
        }
    }

    /// `out ← c + s·M x`, in one pass.
    #[inline]
    pub fn affine_into(&self, c: &[f64], s: f64, x: &[f64], out: &mut [f64]) {
        debug_assert_eq!(x.len(), self.cols);
        debug_assert_eq!(out.len(), self.rows);
        for ((row, o), ci) in self
            .data
            .chunks_exact(self.cols.max(1))
            .zip(out.iter_mut())
            .zip(c)
        {
            *o = ci + s * dot(row, x);
        }
    }

    /// `out ← out + s·Mᵀ x`.
    #[inline]
    pub fn mul_t_add(&self, s: f64, x: &[f64], out: &mut [f64]) {
        debug_assert_eq!(x.len(), self.rows);
        debug_assert_eq!(out.len(), self.cols);
        for (row, &xi) in self.data.chunks_exact(self.cols.max(1)).zip(x) {
            let k = s * xi;
            for (o, a) in out.iter_mut().zip(row) {
                *o += k * a;
            }
        }
    }

    /// The matrix as an nalgebra matrix.
    pub fn to_dmatrix(&self) -> DMatrix<f64> {
        DMatrix::from_row_slice(self.rows, self.cols, &self.data)
    }

    /// From an nalgebra matrix.
    pub fn from_dmatrix(m: &DMatrix<f64>) -> Self {
        let mut out = Self::zeros(m.nrows(), m.ncols());
        for i in 0..m.nrows() {
            for j in 0..m.ncols() {
                out.data[i * m.ncols() + j] = m[(i, j)];
            }
        }
        out
    }

    /// From rows; every row must have the same length.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, String> {
        let cols = rows.first().map_or(0, |r| r.len());
        if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != cols) {
            return Err(format!(
                "row {i} has {} entries but row 0 has {cols}",
                r.len()
            ));
        }
        Ok(Mat {
            rows: rows.len(),
            cols,
            data: rows.iter().flatten().copied().collect(),
        })
    }
}

/// xᵀy with four independent accumulators, so the additions pipeline (a single running sum
/// serializes on the adder's latency).
#[inline]
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    let (xc, yc) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: f64 = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    let mut acc = [0.0; 4];
    for (a, b) in xc.zip(yc) {
        for k in 0..4 {
            acc[k] += a[k] * b[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// A Haar-distributed random orthogonal matrix (QR of a Gaussian matrix, signs fixed by R's
/// diagonal).
pub fn random_orthogonal(n: usize, rng: &mut Rng) -> DMatrix<f64> {
    let g = DMatrix::from_fn(n, n, |_, _| rng.normal());
    let qr = g.qr();
    let mut q = qr.q();
    let r = qr.r();
    for j in 0..n {
        if r[(j, j)] < 0.0 {
            q.column_mut(j).neg_mut();
        }
    }
    q
}

/// U diag(s) Vᵀ with U, V random orthogonal: a square matrix with prescribed singular values.
pub fn with_singular_values(s: &[f64], rng: &mut Rng) -> Mat {
    let n = s.len();
    let u = random_orthogonal(n, rng);
    let v = random_orthogonal(n, rng);
    let d = DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(s));
    Mat::from_dmatrix(&(u * d * v.transpose()))
}

/// Q diag(e) Qᵀ with Q random orthogonal: a symmetric matrix with prescribed eigenvalues.
pub fn with_eigenvalues(e: &[f64], rng: &mut Rng) -> Mat {
    let n = e.len();
    let q = random_orthogonal(n, rng);
    let d = DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(e));
    let m = &q * d * q.transpose();
    // Symmetrize away rounding so the potential part is exactly symmetric.
    Mat::from_dmatrix(&((&m + m.transpose()) * 0.5))
}

/// n points evenly spaced from `lo` to `hi` (both included; `lo` alone when n = 1).
pub fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![lo];
    }
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prescribed_singular_values_are_recovered() {
        let mut rng = Rng::new(1);
        let s = [3.0, 1.0, 0.25];
        let m = with_singular_values(&s, &mut rng).to_dmatrix();
        let mut got: Vec<f64> = m.singular_values().iter().copied().collect();
        got.sort_by(|a, b| b.partial_cmp(a).unwrap());
        for (g, e) in got.iter().zip(s) {
            assert!((g - e).abs() < 1e-12, "{got:?}");
        }
    }

    #[test]
    fn products_match_nalgebra() {
        let mut rng = Rng::new(2);
        let m = Mat::from_dmatrix(&DMatrix::from_fn(3, 2, |_, _| rng.normal()));
        let x = [0.5, -1.5];
        let y = [1.0, 2.0, -3.0];
        let mut out = vec![0.0; 3];
        m.mul_add(2.0, &x, &mut out);
        let want = m.to_dmatrix() * nalgebra::DVector::from_column_slice(&x) * 2.0;
        for i in 0..3 {
            assert!((out[i] - want[i]).abs() < 1e-14);
        }
        let mut out_t = vec![0.0; 2];
        m.mul_t_add(1.0, &y, &mut out_t);
        let want_t = m.to_dmatrix().transpose() * nalgebra::DVector::from_column_slice(&y);
        for i in 0..2 {
            assert!((out_t[i] - want_t[i]).abs() < 1e-14);
        }
    }
}
