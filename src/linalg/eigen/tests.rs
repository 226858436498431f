//! The eigen-solver on matrices whose spectra are known, the defective ones included, each
//! under a watchdog so that a hang fails the test instead of stalling the suite.

use super::*;
use crate::linalg::random_orthogonal;
use crate::rng::Rng;
use std::sync::mpsc;
use std::time::{Duration, Instant};

type C = Complex<f64>;

/// Runs `f` on its own thread; a result later than `limit` fails the test as a hang.
pub(crate) fn within<R: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("{what}: no answer within {limit:?} (a hang)"))
}

/// Each wanted eigenvalue has its own partner in `got` within `tol`.
fn assert_spectrum(got: &[C], want: &[C], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?}");
    let mut used = vec![false; got.len()];
    for w in want {
        let (i, d) = got
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .map(|(i, g)| (i, (g - w).norm()))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        assert!(
            d <= tol,
            "{what}: {w} has no partner within {tol:e} (closest {})",
            got[i]
        );
        used[i] = true;
    }
}

/// Q·B·Qᵀ with Q random orthogonal (n ≥ 2) — the same spectrum, every entry filled.
fn conjugated(b: &DMatrix<f64>, rng: &mut Rng) -> DMatrix<f64> {
    let q = random_orthogonal(b.nrows(), rng);
    &q * b * q.transpose()
}

/// A block-diagonal matrix with the given real eigenvalues and complex pairs a ± bi (as 2×2
/// rotation-scaling blocks), and its spectrum.
fn known(reals: &[f64], pairs: &[(f64, f64)]) -> (DMatrix<f64>, Vec<C>) {
    let n = reals.len() + 2 * pairs.len();
    let mut m = DMatrix::zeros(n, n);
    let mut want = vec![];
    for (i, r) in reals.iter().enumerate() {
        m[(i, i)] = *r;
        want.push(C::new(*r, 0.0));
    }
    for (k, (a, b)) in pairs.iter().enumerate() {
        let i = reals.len() + 2 * k;
        m[(i, i)] = *a;
        m[(i + 1, i + 1)] = *a;
        m[(i, i + 1)] = -b;
        m[(i + 1, i)] = *b;
        want.push(C::new(*a, *b));
        want.push(C::new(*a, -b));
    }
    (m, want)
}

#[test]
fn random_spectra_of_every_size_from_1_to_40() {
    within(Duration::from_secs(60), "sizes 1–40", || {
        let mut rng = Rng::new(7);
        for n in 1..=40usize {
            let pairs: Vec<(f64, f64)> = (0..n / 3)
                .map(|_| (rng.normal(), rng.normal().abs() + 0.1))
                .collect();
            let reals: Vec<f64> = (0..n - 2 * pairs.len()).map(|_| rng.normal()).collect();
            let (b, want) = known(&reals, &pairs);
            let a = if n > 1 { conjugated(&b, &mut rng) } else { b };
            let got = eigenvalues_within(&a, &Budget::unlimited()).unwrap();
            assert_spectrum(&got, &want, 1e-9, &format!("n = {n}"));
        }
    });
}

#[test]
fn repeated_eigenvalues_and_repeated_rotations() {
    within(Duration::from_secs(30), "repeated", || {
        let mut rng = Rng::new(3);
        for n in [4usize, 9, 16, 30] {
            let reals = vec![1.0; n / 2];
            let pairs = vec![(0.5, 2.0); (n - n / 2) / 2];
            let (b, want) = known(&reals, &pairs);
            let a = conjugated(&b, &mut rng);
            let got = eigenvalues_within(&a, &Budget::unlimited()).unwrap();
            // A semisimple repeated eigenvalue is well conditioned.
            assert_spectrum(&got, &want, 1e-8, &format!("repeated, n = {n}"));
        }
    });
}

/// The Jordan block of size k at λ: λ on the diagonal, ones above it.
fn jordan(k: usize, lambda: f64) -> DMatrix<f64> {
    DMatrix::from_fn(k, k, |i, j| {
        if i == j {
            lambda
        } else if j == i + 1 {
            1.0
        } else {
            0.0
        }
    })
}

#[test]
fn defective_matrices_jordan_blocks_nilpotent_and_shear() {
    within(Duration::from_secs(60), "defective", || {
        let mut rng = Rng::new(11);
        for k in 1..=40usize {
            // A size-k Jordan block's eigenvalue moves by up to (ε‖A‖)^(1/k) under rounding.
            let tol = 20.0 * (f64::EPSILON * 4.0).powf(1.0 / k as f64);
            for (what, b) in [
                ("Jordan block at 0.7", jordan(k, 0.7)),
                ("Jordan block at 0 (nilpotent)", jordan(k, 0.0)),
                ("its transpose (a shift)", jordan(k, 0.0).transpose()),
            ] {
                let lambda = b[(0, 0)];
                for a in [
                    b.clone(),
                    if k > 1 {
                        conjugated(&b, &mut rng)
                    } else {
                        b.clone()
                    },
                ] {
                    let got = eigenvalues_within(&a, &Budget::unlimited())
                        .unwrap_or_else(|e| panic!("{what}, k = {k}: {e}"));
                    let want = vec![C::new(lambda, 0.0); k];
                    assert_spectrum(&got, &want, tol, &format!("{what}, k = {k}"));
                }
            }
            // A strictly upper-triangular random matrix, hidden by a rotation: nilpotent.
            let strict = DMatrix::from_fn(k, k, |i, j| if j > i { rng.normal() } else { 0.0 });
            let a = if k > 1 {
                conjugated(&strict, &mut rng)
            } else {
                strict
            };
            let got = eigenvalues_within(&a, &Budget::unlimited()).unwrap();
            let scale = a.norm().max(1.0);
            assert_spectrum(
                &got,
                &vec![C::new(0.0, 0.0); k],
                tol * scale,
                &format!("nilpotent, k = {k}"),
            );
        }
        // Rotation + shear: [[c, −s + h], [s, c]] repeated, two defective-looking pairs.
        for h in [0.0, 0.5, 3.0] {
            let (c, s) = (0.6f64, 0.8f64);
            let mut b = DMatrix::zeros(6, 6);
            for blk in 0..3 {
                let i = 2 * blk;
                b[(i, i)] = c;
                b[(i + 1, i + 1)] = c;
                b[(i, i + 1)] = -s + h;
                b[(i + 1, i)] = s;
                if blk > 0 {
                    b[(i - 2, i)] = 1.0; // couples the blocks: a repeated pair in a Jordan chain
                }
            }
            let a = conjugated(&b, &mut rng);
            let d = s * (s - h);
            let pair = if d > 0.0 {
                [C::new(c, d.sqrt()), C::new(c, -d.sqrt())]
            } else {
                [C::new(c + (-d).sqrt(), 0.0), C::new(c - (-d).sqrt(), 0.0)]
            };
            let want: Vec<C> = (0..3).flat_map(|_| pair).collect();
            let got = eigenvalues_within(&a, &Budget::unlimited()).unwrap();
            assert_spectrum(&got, &want, 1e-4, &format!("rotation + shear h = {h}"));
        }
    });
}

#[test]
fn cyclic_permutations_need_the_exceptional_shifts() {
    // The shift of a permutation's QR step is the permutation again: without exceptional
    // shifts the iteration makes no progress at all.
    within(Duration::from_secs(30), "cyclic", || {
        for n in 2..=40usize {
            let a = DMatrix::from_fn(n, n, |i, j| if i == (j + 1) % n { 1.0 } else { 0.0 });
            let got = eigenvalues_within(&a, &Budget::unlimited()).unwrap();
            let want: Vec<C> = (0..n)
                .map(|k| C::from_polar(1.0, 2.0 * std::f64::consts::PI * k as f64 / n as f64))
                .collect();
            assert_spectrum(&got, &want, 1e-8, &format!("cycle of {n}"));
        }
    });
}

#[test]
fn zero_tiny_and_bad_matrices() {
    assert_eq!(eigenvalues(&DMatrix::zeros(0, 0)).unwrap(), vec![]);
    assert_eq!(
        eigenvalues(&DMatrix::zeros(3, 3)).unwrap(),
        vec![C::new(0.0, 0.0); 3]
    );
    assert_eq!(
        eigenvalues(&DMatrix::from_element(1, 1, -2.5)).unwrap(),
        vec![C::new(-2.5, 0.0)]
    );
    let rot = DMatrix::from_row_slice(2, 2, &[0.0, 1.0, -1.0, 0.0]);
    assert_spectrum(
        &eigenvalues(&rot).unwrap(),
        &[C::new(0.0, 1.0), C::new(0.0, -1.0)],
        1e-15,
        "rotation",
    );
    let mut bad = DMatrix::identity(3, 3);
    bad[(1, 2)] = f64::NAN;
    let e = eigenvalues(&bad).unwrap_err();
    assert_eq!(e.reason, Reason::NonFinite);
    assert_eq!(e.to_string(), "the 3×3 matrix has NaN or infinite entries");
}

#[test]
fn a_spent_budget_or_a_cancel_stops_between_sweeps_and_says_so() {
    let mut rng = Rng::new(5);
    let a = DMatrix::from_fn(30, 30, |_, _| rng.normal());
    let e = eigenvalues_within(&a, &Budget::within(Duration::ZERO)).unwrap_err();
    assert!(
        matches!(e.reason, Reason::Budget(Exhausted::OutOfTime(_))),
        "{e}"
    );
    assert!(
        e.to_string().contains("not done within its 0.0 s budget"),
        "{e}"
    );
    let e = Budget::unlimited()
        .or_cancelled(|| true)
        .scope(|| eigenvalues(&a))
        .unwrap_err();
    assert_eq!(e.reason, Reason::Budget(Exhausted::Cancelled));
    // A cancelled solve of a large matrix comes back at once.
    let big = DMatrix::from_fn(400, 400, |_, _| rng.normal());
    let t = Instant::now();
    let _ = eigenvalues_within(&big, &Budget::unlimited().or_cancelled(|| true));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

#[test]
fn the_same_matrix_gives_the_same_bits() {
    let mut rng = Rng::new(9);
    let a = DMatrix::from_fn(25, 25, |_, _| rng.normal());
    let one = eigenvalues(&a).unwrap();
    let two = eigenvalues(&a).unwrap();
    assert_eq!(one, two);
}
