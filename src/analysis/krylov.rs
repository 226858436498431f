//! Arnoldi's method for the eigenvalues of largest modulus of a game's Jacobian, from the
//! game's own Jacobian-vector products ([`Linearization`]): exact f64 forward mode for the MLP
//! GANs, central differences or closed forms for the toy games.

use crate::game::{Game, Linearization};
use crate::players::Players;
use crate::rng::Rng;
use nalgebra::{Complex, DMatrix};

/// Arnoldi steps for the eigenvalues of a network's J, at one exact JVP each (≈ 3 field
/// evaluations); the Ritz values that have not converged by then are reported as such.
pub const ARNOLDI_STEPS: usize = 40;

/// A Ritz value λ counts as an eigenvalue of a network's J when its residual is at most this
/// fraction of |λ|.
pub const RITZ_TOLERANCE: f64 = 1e-3;

/// Sweeps of the SVD that finds a Ritz vector (nalgebra's own default is unbounded).
const SVD_SWEEPS: usize = 1000;

/// Seed of Arnoldi's random start vector for a game's J (fixed, so records repeat exactly).
const START_SEED: u64 = 0x5add1e;

/// The `k` Ritz values of J(w) of largest modulus (first) with their residuals, after
/// [`ARNOLDI_STEPS`] Arnoldi steps on the game's J·v at `w` (fewer where the ambient budget
/// ran out: the steps made come second); why not, where the game cannot linearize there;
/// `None` for games with no Jacobian at all.
pub fn jacobian_top<G: Game + ?Sized>(
    game: &mut G,
    w: &Players<G::V>,
    k: usize,
) -> Option<Result<(Vec<Ritz>, usize), String>> {
    let lin = game.linearize(w)?;
    Some(lin.map(|l| {
        let d = l.dims();
        arnoldi_steps(|v| l.jvp(v), d.theta + d.phi, k, ARNOLDI_STEPS, START_SEED)
    }))
}

/// The `k` Ritz values of the linearization's J of largest modulus after `steps` Arnoldi steps.
pub fn jacobian_ritz(lin: &dyn Linearization, k: usize, steps: usize) -> Vec<Ritz> {
    let d = lin.dims();
    arnoldi_ritz(|v| lin.jvp(v), d.theta + d.phi, k, steps, START_SEED)
}

/// An approximate eigenvalue from Arnoldi's method and its residual ‖A·x − λ·x‖ for the unit
/// Ritz vector x: |h_{m+1,m}|·|e_mᵀ·s| where s is the unit eigenvector of the Hessenberg matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ritz {
    /// The Ritz value λ.
    pub value: Complex<f64>,
    /// ‖A·x − λ·x‖ (0 after a breakdown: then λ is exact).
    pub residual: f64,
}

/// The `k` Ritz values of largest modulus after `m` Arnoldi steps on `matvec` (dimension n),
/// from a random start; modified Gram–Schmidt with one reorthogonalization pass. An invariant
/// subspace found early (breakdown) gives exact eigenvalues.
pub fn arnoldi_top(
    matvec: impl FnMut(&[f64]) -> Vec<f64>,
    n: usize,
    k: usize,
    m: usize,
    seed: u64,
) -> Vec<Complex<f64>> {
    arnoldi_ritz(matvec, n, k, m, seed)
        .into_iter()
        .map(|r| r.value)
        .collect()
}

/// As [`arnoldi_top`], with each Ritz value's residual: a value whose residual is small next to
/// the spectrum's scale has converged; the others are approximations still moving.
pub fn arnoldi_ritz(
    matvec: impl FnMut(&[f64]) -> Vec<f64>,
    n: usize,
    k: usize,
    m: usize,
    seed: u64,
) -> Vec<Ritz> {
    arnoldi_steps(matvec, n, k, m, seed).0
}

/// [`arnoldi_ritz`] and the Arnoldi steps it made: `m` (at most n), fewer after a breakdown
/// or where the ambient budget ran out.
pub fn arnoldi_steps(
    mut matvec: impl FnMut(&[f64]) -> Vec<f64>,
    n: usize,
    k: usize,
    m: usize,
    seed: u64,
) -> (Vec<Ritz>, usize) {
    let m = m.min(n).max(1);
    let mut rng = Rng::new(seed);
    let mut q: Vec<Vec<f64>> = Vec::with_capacity(m + 1);
    let v0: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let norm = v0.iter().map(|a| a * a).sum::<f64>().sqrt();
    q.push(v0.iter().map(|a| a / norm).collect());
    let mut h = DMatrix::<f64>::zeros(m + 1, m);
    let mut size = m;
    let budget = crate::linalg::Budget::ambient();
    let mut broke_down = false;
    for j in 0..m {
        // Out of time (or cancelled): the Ritz values of the steps made so far, whose
        // residuals say they are unconverged.
        if j > 0 && budget.check().is_err() {
            size = j;
            break;
        }
        let mut w = matvec(&q[j]);
        for _pass in 0..2 {
            for (i, qi) in q.iter().enumerate() {
                // Gram–Schmidt over long network vectors is mostly these dots.
                let c = crate::linalg::dot(qi, &w);
                h[(i, j)] += c;
                w.iter_mut().zip(qi).for_each(|(a, b)| *a -= c * b);
            }
        }
        let beta = w.iter().map(|a| a * a).sum::<f64>().sqrt();
        h[(j + 1, j)] = beta;
        if beta < 1e-12 * h.view((0, 0), (j + 1, j + 1)).norm().max(1e-300) {
            size = j + 1;
            broke_down = true;
            break;
        }
        q.push(w.iter().map(|a| a / beta).collect());
    }
    let hm = h.view((0, 0), (size, size)).into_owned();
    // Past a breakdown the last subdiagonal entry is (numerically) zero: exact eigenvalues.
    let last = if broke_down { 0.0 } else { h[(size, size - 1)] };
    // The Hessenberg matrix is at most m × m (tens of rows): its eigenvalues are solved
    // whatever is left of the budget, which Arnoldi may have used up — the Ritz values of the
    // steps made are what a cut-short record has to show (it used to show none).
    let mut values = crate::linalg::Budget::unlimited()
        .scope(|| crate::linalg::eigenvalues(&hm))
        .unwrap_or_else(|e| e.found);
    // Conjugates have one modulus: the positive imaginary part first, so the order is fixed.
    values.sort_by(|a, b| b.norm().total_cmp(&a.norm()).then(b.im.total_cmp(&a.im)));
    values.truncate(k);
    let hc = hm.map(|x| Complex::new(x, 0.0));
    let ritz = values
        .into_iter()
        .map(|value| {
            // s spans the null space of H − λI: the right singular vector of its smallest
            // singular value.
            let shifted = &hc - DMatrix::<Complex<f64>>::identity(size, size) * value;
            let residual =
                match nalgebra::SVD::try_new(shifted, false, true, f64::EPSILON, SVD_SWEEPS) {
                    Some(svd) => {
                        let v_t = svd.v_t.expect("asked for V");
                        let (at, _) = svd
                            .singular_values
                            .iter()
                            .enumerate()
                            .min_by(|a, b| a.1.total_cmp(b.1))
                            .expect("a non-empty matrix");
                        last.abs() * v_t[(at, size - 1)].norm()
                    }
                    // No null vector within the cap: the value cannot be vouched for.
                    None => f64::INFINITY,
                };
            Ritz { value, residual }
        })
        .collect();
    (ritz, size)
}

/// The Ritz values λ whose residual is at most `rel_tol`·|λ| (ARPACK's test): the eigenvalues
/// Arnoldi has found, as opposed to those it is still approaching.
pub fn converged(ritz: &[Ritz], rel_tol: f64) -> Vec<Complex<f64>> {
    ritz.iter()
        .filter(|r| r.residual <= rel_tol * r.value.norm())
        .map(|r| r.value)
        .collect()
}
