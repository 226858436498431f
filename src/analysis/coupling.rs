//! Bilinear games decouple. Where J = [[0, B], [−Bᵀ, 0]] with B square and B = UΣVᵀ, the change of
//! variables θ = Uθ′, φ = Vφ′ turns the game into d independent θφ games, one per singular value
//! σᵢ, with J′ᵢ = [[0, σᵢ], [−σᵢ, 0]]. Every linear method here steps with scalar coefficients per
//! player on F and on products with J (that is how its operator is derived, see
//! [`super::derived_operator`]), so it commutes with that change of variables: its update operator
//! on the whole game is, up to a permutation and an orthogonal similarity, the direct sum of its
//! operators on the 2-D games. Hence J's eigenvalues are ±iσᵢ and ρ is the largest ρ over the
//! distinct σᵢ — an SVD of a d×d matrix and d small operators, where the dense route needs the
//! eigenvalues of the (2d)×(2d) J and of an operator several times larger.

use nalgebra::DMatrix;
use std::sync::Mutex;

/// Iterations of the SVD per row of B at most (nalgebra's cap; it converges in far fewer).
const SVD_ITERATIONS_PER_ROW: usize = 100;

/// B when `j` (θ first, `dt` rows of θ) is [[0, B], [−Bᵀ, 0]] with B square: both diagonal
/// blocks exactly zero and the lower block −Bᵀ to rounding (1e-12 of B's largest entry).
pub fn skew_coupling(j: &DMatrix<f64>, dt: usize) -> Option<DMatrix<f64>> {
    let n = j.nrows();
    if !j.is_square() || dt == 0 || 2 * dt != n {
        return None;
    }
    let b = j.view((0, dt), (dt, dt)).into_owned();
    let zero = |r: usize, c: usize| j.view((r, c), (dt, dt)).iter().all(|&x| x == 0.0);
    if !zero(0, 0) || !zero(dt, dt) || b.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let tol = 1e-12 * b.amax();
    let skew = (0..dt).all(|i| (0..dt).all(|k| (j[(dt + k, i)] + b[(i, k)]).abs() <= tol));
    skew.then_some(b)
}

/// The singular values of `b`, largest first; None when nalgebra's SVD did not converge
/// within its cap. The last matrix's are kept: every run of a preset, and every record of a
/// run's spectrum log, analyses the same B, and its SVD is the one O(d³) part.
pub fn singular_values(b: &DMatrix<f64>) -> Option<Vec<f64>> {
    static LAST: Mutex<Option<(DMatrix<f64>, Vec<f64>)>> = Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((m, s)) = last.as_ref().filter(|(m, _)| m == b) {
        debug_assert_eq!(m, b);
        return Some(s.clone());
    }
    let cap = SVD_ITERATIONS_PER_ROW * b.nrows().max(1);
    let svd = nalgebra::SVD::try_new(b.clone(), false, false, f64::EPSILON, cap)?;
    let mut s: Vec<f64> = svd.singular_values.iter().copied().collect();
    s.sort_by(|a, b| b.total_cmp(a));
    *last = Some((b.clone(), s.clone()));
    Some(s)
}

/// The distinct values of `sigma` (largest first) with their multiplicities: values within
/// 1e-12 of the largest are one (an identity or a repeated singular value would otherwise give
/// a thousand operators for one).
pub fn distinct(sigma: &[f64]) -> Vec<(f64, usize)> {
    let tol = 1e-12 * sigma.iter().fold(0.0_f64, |m, s| m.max(s.abs()));
    let mut out: Vec<(f64, usize)> = vec![];
    for &s in sigma {
        match out.last_mut() {
            Some((v, k)) if (*v - s).abs() <= tol => *k += 1,
            _ => out.push((s, 1)),
        }
    }
    out
}

/// The Jacobian [[0, B], [−Bᵀ, 0]] of the bilinear game θᵀBφ (B square), θ first: what
/// [`skew_coupling`] recognises.
pub fn jacobian_of(b: &DMatrix<f64>) -> DMatrix<f64> {
    let d = b.nrows();
    let mut j = DMatrix::zeros(2 * d, 2 * d);
    j.view_mut((0, d), (d, d)).copy_from(b);
    j.view_mut((d, 0), (d, d)).copy_from(&(-b.transpose()));
    j
}

/// The θφ game's Jacobian [[0, σ], [−σ, 0]].
pub fn block(sigma: f64) -> DMatrix<f64> {
    DMatrix::from_row_slice(2, 2, &[0.0, sigma, -sigma, 0.0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::rule::HeavyBall;
    use crate::optim::scheme::Alternating;
    use crate::optim::{Optimizer, Order, Rule, Scheme};
    use crate::players::Players;

    #[test]
    fn only_the_skew_block_form_is_decoupled() {
        let b = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 0.0, 0.5]);
        let j = jacobian_of(&b);
        assert_eq!(skew_coupling(&j, 2), Some(b.clone()));
        assert_eq!(skew_coupling(&j, 1), None, "θ has 2 coordinates");
        let mut quadratic = j.clone();
        quadratic[(0, 0)] = 0.1;
        assert_eq!(skew_coupling(&quadratic, 2), None);
        let mut general_sum = j.clone();
        general_sum[(3, 0)] = 7.0;
        assert_eq!(skew_coupling(&general_sum, 2), None);
        // σ of [[1, 2], [0, 0.5]]: √((5.25 ± √(5.25² − 1)) / 2) = 2.2808, 0.2192.
        let s = singular_values(&b).unwrap();
        assert!((s[0] - 2.280_776_406_404_415).abs() < 1e-12, "{s:?}");
        assert!((s[0] * s[1] - 0.5).abs() < 1e-12, "σ₁σ₂ = |det B|");
        assert_eq!(
            distinct(&[2.0, 2.0, 1.0, 1.0 + 1e-15, 0.0]),
            [(2.0, 2), (1.0, 2), (0.0, 1)]
        );
    }

    /// The operator of the whole game has the eigenvalues of the 2-D games' operators, for a
    /// method with momentum on one player and alternation (no per-eigenvalue map).
    #[test]
    fn the_whole_operator_is_the_sum_of_the_blocks() {
        let b = DMatrix::from_row_slice(3, 3, &[1.0, 0.3, 0.0, -0.2, 0.8, 0.1, 0.5, 0.0, 0.4]);
        let alt = Scheme::Alternating(Alternating {
            d_steps: 1,
            order: Order::DiscriminatorFirst,
        });
        let opt = Optimizer::plain(alt, Rule::HeavyBall(HeavyBall));
        let h = opt.initial_hyper(Players::both(0.4), Players::new(0.0, -0.4));
        let whole = crate::analysis::derived_operator(&opt, &h, &jacobian_of(&b), 3).unwrap();
        let mut parts: Vec<f64> = vec![];
        for s in singular_values(&b).unwrap() {
            let op = crate::analysis::derived_operator(&opt, &h, &block(s), 1).unwrap();
            parts.extend(op.eigenvalues.iter().map(|z| z.norm()));
        }
        let mut all: Vec<f64> = whole.eigenvalues.iter().map(|z| z.norm()).collect();
        all.sort_by(f64::total_cmp);
        parts.sort_by(f64::total_cmp);
        assert_eq!(all.len(), parts.len());
        for (a, p) in all.iter().zip(&parts) {
            assert!((a - p).abs() < 1e-9, "{all:?} vs {parts:?}");
        }
    }
}
