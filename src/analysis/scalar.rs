//! Per-eigenvalue maps: when every player has the same η and β, the simultaneous,
//! extragradient, past-extragradient/optimistic and heavy-ball operators are polynomials in J,
//! so each eigenvalue λ of J maps to one or two eigenvalues μ of the operator (spec §3.2, §3.5).

use nalgebra::Complex;

type C = Complex<f64>;

/// The two eigenvalues of heavy ball (simultaneous, same β) for an eigenvalue λ of J:
/// μ± = (1 − ηλ + β)(1 ± √Δ)/2 with Δ = 1 − 4β/(1 − ηλ + β)², the roots of
/// μ² − (1 − ηλ + β)μ + β = 0 (\[NM\]; HUANG's `shift_eigs`).
pub fn heavy_ball_mu(beta: f64, eta: f64, lambda: C) -> (C, C) {
    let a = C::new(1.0 + beta, 0.0) - lambda * eta;
    if a.norm() == 0.0 {
        let r = C::new(-beta, 0.0).sqrt();
        return (r, -r);
    }
    let delta = C::new(1.0, 0.0) - C::new(4.0 * beta, 0.0) / (a * a);
    let s = delta.sqrt();
    (
        a * (C::new(1.0, 0.0) + s) / 2.0,
        a * (C::new(1.0, 0.0) - s) / 2.0,
    )
}

/// Roots of μ² − bμ − c = 0.
fn quadratic_roots(b: C, c: C) -> (C, C) {
    let s = (b * b + c * 4.0).sqrt();
    ((b + s) / 2.0, (b - s) / 2.0)
}

/// Which per-eigenvalue map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarMethod {
    /// μ = 1 − ηλ.
    Simultaneous,
    /// μ± of heavy ball.
    SimultaneousHeavyBall,
    /// μ = 1 − ηλ + η²λ².
    Extragradient,
    /// μ² − (1 − 2ηλ)μ − ηλ = 0 (past extragradient and optimistic gradient).
    PastExtragradient,
}

/// The largest |μ| the eigenvalue λ of J maps to.
pub fn scalar_radius(method: ScalarMethod, eta: f64, beta: f64, lambda: C) -> f64 {
    let one = C::new(1.0, 0.0);
    let el = lambda * eta;
    match method {
        ScalarMethod::Simultaneous => (one - el).norm(),
        ScalarMethod::SimultaneousHeavyBall => {
            let (a, b) = heavy_ball_mu(beta, eta, lambda);
            a.norm().max(b.norm())
        }
        ScalarMethod::Extragradient => (one - el + el * el).norm(),
        ScalarMethod::PastExtragradient => {
            let (a, b) = quadratic_roots(one - el * 2.0, el);
            a.norm().max(b.norm())
        }
    }
}
