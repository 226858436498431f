//! Mean and covariance of feature vectors, streamed in f64, as FID's statistics:
//! μ = mean_x x and Σ = Σ_x (x − μ)(x − μ)ᵀ / (N − 1) (`np.cov`, ddof = 1).
//!
//! Rows are centred on a shift c (the first batch's mean) before their outer products are
//! summed — S = Σ (x − c)(x − c)ᵀ, s = Σ (x − c) — and Σ = (S − s sᵀ/N)/(N − 1) at the end;
//! with c near μ this avoids the cancellation of the raw second moment.

use nalgebra::{DMatrix, DVector};

/// A Gaussian fitted to features: what FID compares.
#[derive(Clone, Debug, PartialEq)]
pub struct Gaussian {
    /// μ.
    pub mu: DVector<f64>,
    /// Σ (symmetric).
    pub sigma: DMatrix<f64>,
    /// Samples it was estimated from (0 when unknown, e.g. a loaded .npz).
    pub count: usize,
}

/// Streaming sums of d-dimensional rows.
#[derive(Clone, Debug)]
pub struct Moments {
    d: usize,
    n: usize,
    shift: Option<Vec<f64>>,
    sum: Vec<f64>,
    /// Row-major d×d.
    outer: Vec<f64>,
}

impl Moments {
    /// Empty sums for rows of `d` entries.
    pub fn new(d: usize) -> Self {
        Moments {
            d,
            n: 0,
            shift: None,
            sum: vec![0.0; d],
            outer: vec![0.0; d * d],
        }
    }

    /// Rows so far.
    pub fn count(&self) -> usize {
        self.n
    }

    /// Adds rows (`d` entries each, row-major); the outer products run as one GEMM over the
    /// current rayon pool.
    pub fn add<T: Copy + Into<f64>>(&mut self, rows: &[T]) {
        let d = self.d;
        assert_eq!(rows.len() % d, 0, "whole rows");
        let m = rows.len() / d;
        if m == 0 {
            return;
        }
        let shift = self.shift.get_or_insert_with(|| {
            let mut c = vec![0.0; d];
            for r in rows.chunks(d) {
                for (a, v) in c.iter_mut().zip(r) {
                    *a += (*v).into();
                }
            }
            c.iter_mut().for_each(|a| *a /= m as f64);
            c
        });
        let mut xc = vec![0.0f64; m * d];
        for (dst, r) in xc.chunks_mut(d).zip(rows.chunks(d)) {
            for ((o, v), c) in dst.iter_mut().zip(r).zip(shift.iter()) {
                *o = (*v).into() - c;
            }
        }
        for r in xc.chunks(d) {
            for (s, v) in self.sum.iter_mut().zip(r) {
                *s += v;
            }
        }
        // outer += xcᵀ·xc: lhs (d×m) reads xc transposed, rhs (m×d) reads it as it lies.
        // SAFETY: every stride stays inside xc (m·d) and outer (d·d).
        unsafe {
            gemm::gemm(
                d,
                d,
                m,
                self.outer.as_mut_ptr(),
                1,
                d as isize,
                true,
                xc.as_ptr(),
                d as isize,
                1,
                xc.as_ptr(),
                1,
                d as isize,
                1.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::Rayon(rayon::current_num_threads()),
            );
        }
        self.n += m;
    }

    /// μ and Σ (N − 1 in the denominator); needs at least two rows.
    pub fn finish(&self) -> Result<Gaussian, String> {
        if self.n < 2 {
            return Err(format!(
                "a covariance needs at least 2 samples, got {}",
                self.n
            ));
        }
        let (d, n) = (self.d, self.n as f64);
        let shift = self.shift.as_ref().expect("rows were added");
        let mbar: Vec<f64> = self.sum.iter().map(|s| s / n).collect();
        let mu = DVector::from_iterator(d, shift.iter().zip(&mbar).map(|(c, m)| c + m));
        let mut sigma = DMatrix::zeros(d, d);
        for i in 0..d {
            for j in 0..d {
                // Average the two triangles: the GEMM's rounding is not symmetric.
                let s = 0.5 * (self.outer[i * d + j] + self.outer[j * d + i]);
                sigma[(i, j)] = (s - n * mbar[i] * mbar[j]) / (n - 1.0);
            }
        }
        Ok(Gaussian {
            mu,
            sigma,
            count: self.n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_two_pass_formula_in_any_batching() {
        let mut rng = crate::rng::Rng::new(5);
        let (n, d) = (37, 5);
        let x: Vec<f64> = (0..n * d)
            .map(|i| 1e3 + rng.normal() * (1 + i % d) as f64)
            .collect();
        let mut mu = vec![0.0; d];
        for r in x.chunks(d) {
            for (m, v) in mu.iter_mut().zip(r) {
                *m += v / n as f64;
            }
        }
        let mut want = DMatrix::zeros(d, d);
        for r in x.chunks(d) {
            for i in 0..d {
                for j in 0..d {
                    want[(i, j)] += (r[i] - mu[i]) * (r[j] - mu[j]) / (n - 1) as f64;
                }
            }
        }
        for cut in [1, 4, 20, 37] {
            let mut m = Moments::new(d);
            for part in x.chunks(cut * d) {
                m.add(part);
            }
            let g = m.finish().unwrap();
            assert_eq!(g.count, n);
            for (a, b) in g.mu.iter().zip(&mu) {
                assert!((a - b).abs() < 1e-9);
            }
            assert!((&g.sigma - &want).abs().max() < 1e-9, "cut {cut}");
        }
        assert!(Moments::new(3).finish().is_err());
    }
}
