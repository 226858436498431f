//! Eigenvalues of a real square matrix that always come back: isolation of decoupled rows and
//! columns, diagonal balancing, Hessenberg reduction and Francis' implicit double-shift QR
//! with exceptional shifts, under a sweep cap that is the same on every machine.
//!
//! Why not nalgebra's `complex_eigenvalues`: its QR loop has no iteration cap, no exceptional
//! shifts, and deflates a subdiagonal entry only when it is small next to the two diagonal
//! entries beside it — so where those are exactly zero (a zero eigenvalue, as the update
//! operators of momentum methods have) it waits for an exact zero that never comes, forever.
//! Here a zero diagonal pair falls back to the matrix's norm (EISPACK's test), every tenth sweep
//! without progress takes an exceptional shift, and past the cap the routine says so.

use super::budget::{Budget, Exhausted};
use nalgebra::{Complex, DMatrix};
use std::fmt;

/// QR sweeps allowed per eigenvalue (LAPACK's `dlahqr` allows 30 for each); the cap on one
/// matrix is this times max(n, 10).
pub const SWEEPS_PER_EIGENVALUE: usize = 30;

/// Balancing passes at most (each pass rescales every row/column pair by a power of 2).
const BALANCE_PASSES: usize = 64;

/// Why a solve stopped, with the eigenvalues it had found by then.
type Partial = (Reason, Vec<Complex<f64>>);

/// Why the eigenvalues are not (all) there.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    /// The matrix holds NaN or ∞.
    NonFinite,
    /// The QR iteration used its sweep cap.
    NotConverged {
        /// Sweeps made.
        sweeps: usize,
    },
    /// The caller's budget ran out or it cancelled.
    Budget(Exhausted),
}

/// The eigenvalues could not all be found.
#[derive(Clone, Debug, PartialEq)]
pub struct EigenError {
    /// Why.
    pub reason: Reason,
    /// The size of the matrix.
    pub n: usize,
    /// The eigenvalues found before it stopped (exact up to rounding, as those of a full run).
    pub found: Vec<Complex<f64>>,
}

impl fmt::Display for EigenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, k) = (self.n, self.found.len());
        match &self.reason {
            Reason::NonFinite => write!(f, "the {n}×{n} matrix has NaN or infinite entries"),
            Reason::NotConverged { sweeps } => write!(
                f,
                "the QR iteration on the {n}×{n} matrix did not converge within its cap of {sweeps} sweeps ({k} of {n} eigenvalues found)"
            ),
            Reason::Budget(e) => write!(
                f,
                "eigenvalues of the {n}×{n} matrix {e} ({k} of {n} found)"
            ),
        }
    }
}

impl std::error::Error for EigenError {}

/// The eigenvalues of `a` (in no particular order; conjugate pairs exact), within the thread's
/// ambient budget ([`Budget::ambient`]).
pub fn eigenvalues(a: &DMatrix<f64>) -> Result<Vec<Complex<f64>>, EigenError> {
    eigenvalues_within(a, &Budget::ambient())
}

/// The eigenvalues of `a` within `budget`. Balanced first; should the iteration on the
/// balanced matrix use its cap, the unbalanced matrix is tried once more (balancing can hurt
/// on matrices whose small entries matter), then the failure is reported.
pub fn eigenvalues_within(
    a: &DMatrix<f64>,
    budget: &Budget,
) -> Result<Vec<Complex<f64>>, EigenError> {
    assert!(a.is_square(), "eigenvalues of a non-square matrix");
    let n = a.nrows();
    let fail = |reason| EigenError {
        reason,
        n,
        found: vec![],
    };
    if a.iter().any(|x| !x.is_finite()) {
        return Err(fail(Reason::NonFinite));
    }
    let (mut found, rest) = isolate(a);
    let mut balanced = rest.clone();
    balance(&mut balanced);
    let attempt = |m: DMatrix<f64>| -> Result<Vec<Complex<f64>>, Partial> {
        if m.nrows() == 0 {
            return Ok(vec![]);
        }
        let mut h = if m.nrows() > 2 {
            nalgebra::linalg::Hessenberg::new(m).unpack_h()
        } else {
            m
        };
        hessenberg_qr(&mut h, budget)
    };
    let result = match attempt(balanced) {
        Err((Reason::NotConverged { .. }, _)) => attempt(rest),
        other => other,
    };
    match result {
        Ok(v) => {
            found.extend(v);
            Ok(found)
        }
        Err((reason, partial)) => {
            found.extend(partial);
            Err(EigenError { reason, n, found })
        }
    }
}

/// Splits off the eigenvalues that rows or columns decoupled from the rest give away exactly:
/// a row i whose off-diagonal entries (among the remaining indices) are all zero makes a_ii an
/// eigenvalue and can be removed with its column (a permutation makes the matrix block
/// triangular), and so can such a column. Returns those eigenvalues and the remaining matrix.
fn isolate(a: &DMatrix<f64>) -> (Vec<Complex<f64>>, DMatrix<f64>) {
    let n = a.nrows();
    let mut alive = vec![true; n];
    // Nonzero off-diagonal entries per row and per column, among the alive indices.
    let mut row_nz = vec![0usize; n];
    let mut col_nz = vec![0usize; n];
    for i in 0..n {
        for j in 0..n {
            if i != j && a[(i, j)] != 0.0 {
                row_nz[i] += 1;
                col_nz[j] += 1;
            }
        }
    }
    let mut out = vec![];
    let mut queue: Vec<usize> = (0..n)
        .filter(|&i| row_nz[i] == 0 || col_nz[i] == 0)
        .collect();
    while let Some(i) = queue.pop() {
        if !alive[i] {
            continue;
        }
        alive[i] = false;
        out.push(Complex::new(a[(i, i)], 0.0));
        for k in 0..n {
            if alive[k] && k != i {
                if a[(k, i)] != 0.0 {
                    row_nz[k] -= 1;
                    if row_nz[k] == 0 {
                        queue.push(k);
                    }
                }
                if a[(i, k)] != 0.0 {
                    col_nz[k] -= 1;
                    if col_nz[k] == 0 {
                        queue.push(k);
                    }
                }
            }
        }
    }
    let keep: Vec<usize> = (0..n).filter(|&i| alive[i]).collect();
    let rest = DMatrix::from_fn(keep.len(), keep.len(), |r, c| a[(keep[r], keep[c])]);
    (out, rest)
}

/// Parlett–Reinsch balancing: a diagonal similarity by powers of 2 (exact in floating point)
/// that makes each row and column of similar size, so rounding in the QR iteration is relative
/// to the matrix's real scale.
fn balance(a: &mut DMatrix<f64>) {
    let n = a.nrows();
    for _ in 0..BALANCE_PASSES {
        let mut changed = false;
        for i in 0..n {
            let (mut c, mut r) = (0.0, 0.0);
            for j in 0..n {
                if j != i {
                    c += a[(j, i)].abs();
                    r += a[(i, j)].abs();
                }
            }
            if c == 0.0 || r == 0.0 {
                continue;
            }
            let total = c + r;
            let mut f = 1.0;
            let (mut cc, rr) = (c, r);
            while cc < rr / 2.0 {
                f *= 2.0;
                cc *= 4.0;
            }
            while cc >= rr * 2.0 {
                f /= 2.0;
                cc /= 4.0;
            }
            if (c * f + r / f) < 0.95 * total {
                changed = true;
                for j in 0..n {
                    a[(i, j)] /= f;
                    a[(j, i)] *= f;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// Magnitude of `a` with the sign of `b` (+ for b = 0).
fn with_sign(a: f64, b: f64) -> f64 {
    if b >= 0.0 {
        a.abs()
    } else {
        -a.abs()
    }
}

/// Francis' implicit double-shift QR on an upper Hessenberg matrix, eigenvalues only (the
/// active window alone is updated). Deflates a subdiagonal entry when it is below machine
/// precision times its diagonal neighbours — or times the matrix's norm where both are zero;
/// takes an exceptional shift after every ten sweeps without a deflation; stops at
/// [`SWEEPS_PER_EIGENVALUE`]·max(n, 10) sweeps, and between sweeps when the budget says so.
fn hessenberg_qr(h: &mut DMatrix<f64>, budget: &Budget) -> Result<Vec<Complex<f64>>, Partial> {
    let n = h.nrows();
    let cap = SWEEPS_PER_EIGENVALUE * n.max(10);
    let eps = f64::EPSILON;
    let mut out: Vec<Complex<f64>> = Vec::with_capacity(n);
    let mut norm = 0.0;
    for i in 0..n {
        for j in i.saturating_sub(1)..n {
            norm += h[(i, j)].abs();
        }
    }
    if norm == 0.0 {
        return Ok(vec![Complex::new(0.0, 0.0); n]);
    }
    // The exceptional shifts move the whole remaining diagonal; `shift` is their sum.
    let mut shift = 0.0;
    let (mut sweeps, mut its) = (0usize, 0usize);
    let mut top = n; // the active window is l..top (exclusive end)
    while top > 0 {
        let nn = top - 1;
        let mut l = nn;
        while l >= 1 {
            let s = h[(l - 1, l - 1)].abs() + h[(l, l)].abs();
            let s = if s == 0.0 { norm } else { s };
            if h[(l, l - 1)].abs() <= eps * s {
                h[(l, l - 1)] = 0.0;
                break;
            }
            l -= 1;
        }
        let mut x = h[(nn, nn)];
        if l == nn {
            out.push(Complex::new(x + shift, 0.0));
            top -= 1;
            its = 0;
            continue;
        }
        let mut y = h[(nn - 1, nn - 1)];
        let mut w = h[(nn, nn - 1)] * h[(nn - 1, nn)];
        if l + 1 == nn {
            let p = 0.5 * (y - x);
            let q = p * p + w;
            let z = q.abs().sqrt();
            x += shift;
            if q >= 0.0 {
                let z = p + with_sign(z, p);
                let second = if z != 0.0 { x - w / z } else { x + z };
                out.push(Complex::new(x + z, 0.0));
                out.push(Complex::new(second, 0.0));
            } else {
                out.push(Complex::new(x + p, z));
                out.push(Complex::new(x + p, -z));
            }
            top -= 2;
            its = 0;
            continue;
        }
        if sweeps >= cap {
            return Err((Reason::NotConverged { sweeps }, out));
        }
        if let Err(e) = budget.check() {
            return Err((Reason::Budget(e), out));
        }
        if its > 0 && its % 10 == 0 {
            // An exceptional shift breaks the symmetric cycles a standard shift can fall into;
            // each successive one is a little larger, so they cannot cycle either.
            shift += x;
            for i in 0..=nn {
                h[(i, i)] -= x;
            }
            let s = (h[(nn, nn - 1)].abs() + h[(nn - 1, nn - 2)].abs())
                * (1.0 + 0.05 * (its / 10) as f64);
            x = 0.75 * s;
            y = x;
            w = -0.4375 * s * s;
        }
        its += 1;
        sweeps += 1;
        // Two consecutive small subdiagonal entries let the step start lower (at m).
        let mut m = nn - 2;
        let (mut p, mut q, mut r);
        loop {
            let z = h[(m, m)];
            let (r0, s0) = (x - z, y - z);
            p = (r0 * s0 - w) / h[(m + 1, m)] + h[(m, m + 1)];
            q = h[(m + 1, m + 1)] - z - r0 - s0;
            r = h[(m + 2, m + 1)];
            let s = p.abs() + q.abs() + r.abs();
            p /= s;
            q /= s;
            r /= s;
            if m == l {
                break;
            }
            let u = h[(m, m - 1)].abs() * (q.abs() + r.abs());
            let v = p.abs() * (h[(m - 1, m - 1)].abs() + z.abs() + h[(m + 1, m + 1)].abs());
            if u <= eps * v {
                break;
            }
            m -= 1;
        }
        for i in m + 2..=nn {
            h[(i, i - 2)] = 0.0;
            if i != m + 2 {
                h[(i, i - 3)] = 0.0;
            }
        }
        // The double step as a chase of 3×3 Householder reflections down the window.
        for k in m..nn {
            let mut scale = 1.0;
            if k != m {
                p = h[(k, k - 1)];
                q = h[(k + 1, k - 1)];
                r = if k + 1 != nn { h[(k + 2, k - 1)] } else { 0.0 };
                scale = p.abs() + q.abs() + r.abs();
                if scale != 0.0 {
                    p /= scale;
                    q /= scale;
                    r /= scale;
                }
            }
            let s = with_sign((p * p + q * q + r * r).sqrt(), p);
            if s == 0.0 {
                continue;
            }
            if k == m {
                if l != m {
                    h[(k, k - 1)] = -h[(k, k - 1)];
                }
            } else {
                h[(k, k - 1)] = -s * scale;
            }
            p += s;
            let (vx, vy, vz) = (p / s, q / s, r / s);
            q /= p;
            r /= p;
            for j in k..=nn {
                let mut t = h[(k, j)] + q * h[(k + 1, j)];
                if k + 1 != nn {
                    t += r * h[(k + 2, j)];
                    h[(k + 2, j)] -= t * vz;
                }
                h[(k + 1, j)] -= t * vy;
                h[(k, j)] -= t * vx;
            }
            for i in l..=nn.min(k + 3) {
                let mut t = vx * h[(i, k)] + vy * h[(i, k + 1)];
                if k + 1 != nn {
                    t += vz * h[(i, k + 2)];
                    h[(i, k + 2)] -= t * r;
                }
                h[(i, k + 1)] -= t * q;
                h[(i, k)] -= t;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests;
