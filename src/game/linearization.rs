//! The game's field linearized at a point: the Jacobian-vector products J·v and Jᵀ·v that
//! analysis (Arnoldi's eigenvalues) and Jacobian-based methods are built on, without a dense
//! matrix.
//!
//! Vectors are flat and ordered (θ, φ), as the rows and columns of [`super::Game::jacobian`].
//!
//! For a zero-sum game (L_G = f, L_D = −f) F = (∇_θ f, −∇_φ f), so
//!
//! ```text
//! J = [[ ∇²_θθ f,  ∇²_θφ f ],      Jᵀ = D·J·D,   D = diag(I, −I)
//!      [ −∇²_φθ f, −∇²_φφ f ]]
//! ```
//!
//! and Jᵀ·v costs one J·v ([`zero_sum_transpose`]).

use crate::players::Players;
use nalgebra::{DMatrix, DVector};

/// J(ω) and Jᵀ(ω) at one point ω, as products with vectors ordered (θ, φ).
pub trait Linearization {
    /// The players' dimensions: vectors have `theta + phi` entries.
    fn dims(&self) -> Players<usize>;
    /// J·v.
    fn jvp(&self, v: &[f64]) -> Vec<f64>;
    /// Jᵀ·v, or why this game does not have it.
    fn vjp(&self, v: &[f64]) -> Result<Vec<f64>, String>;
}

/// Jᵀ·v = D·J·D·v for a zero-sum game (see the module docs), from its J·v; `theta` is dim θ.
pub fn zero_sum_transpose(jvp: impl Fn(&[f64]) -> Vec<f64>, theta: usize, v: &[f64]) -> Vec<f64> {
    let mut dv = v.to_vec();
    dv[theta..].iter_mut().for_each(|x| *x = -*x);
    let mut out = jvp(&dv);
    out[theta..].iter_mut().for_each(|x| *x = -*x);
    out
}

/// The dense J, column j = J·e_j (n products).
pub fn dense_jacobian(lin: &dyn Linearization) -> DMatrix<f64> {
    let d = lin.dims();
    let n = d.theta + d.phi;
    let mut j = DMatrix::zeros(n, n);
    let mut e = vec![0.0; n];
    for c in 0..n {
        e[c] = 1.0;
        for (r, v) in lin.jvp(&e).iter().enumerate() {
            j[(r, c)] = *v;
        }
        e[c] = 0.0;
    }
    j
}

/// A closed-form dense J (the small toy games): J·v and Jᵀ·v are matrix products.
pub struct Dense {
    j: DMatrix<f64>,
    theta: usize,
}

impl Dense {
    /// J, ordered (θ, φ), with dim θ = `theta`.
    pub fn new(j: DMatrix<f64>, theta: usize) -> Self {
        Dense { j, theta }
    }
}

impl Linearization for Dense {
    fn dims(&self) -> Players<usize> {
        Players::new(self.theta, self.j.ncols() - self.theta)
    }
    fn jvp(&self, v: &[f64]) -> Vec<f64> {
        (&self.j * DVector::from_column_slice(v))
            .as_slice()
            .to_vec()
    }
    fn vjp(&self, v: &[f64]) -> Result<Vec<f64>, String> {
        Ok((self.j.tr_mul(&DVector::from_column_slice(v)))
            .as_slice()
            .to_vec())
    }
}

/// An exact field ω ↦ F(ω) on `Vec<f64>` players, written into its second argument.
pub trait Field: Fn(&Players<Vec<f64>>, &mut Players<Vec<f64>>) {}
impl<F: Fn(&Players<Vec<f64>>, &mut Players<Vec<f64>>)> Field for F {}

/// J·v by central differences of the exact field `f` at ω:
///
/// J·v ≈ (F(ω + εv) − F(ω − εv)) / 2ε with ε = 10⁻⁵·(1 + ‖ω‖)/‖v‖: central differences are
/// exact for quadratic F and O(ε²) otherwise; the relative step keeps rounding (≈ 10⁻¹¹) and
/// truncation error (≈ 10⁻¹⁰ for smooth networks) both far below the 10⁻⁴ the spectra need.
/// Jᵀ·v for zero-sum games only (D·J·D).
pub struct CentralDifferences<F> {
    field: F,
    at: Players<Vec<f64>>,
    zero_sum: bool,
}

impl<F: Field> CentralDifferences<F> {
    /// The field `field` linearized at `at`; `zero_sum` when L_D = −L_G.
    pub fn new(field: F, at: &Players<Vec<f64>>, zero_sum: bool) -> Self {
        CentralDifferences {
            field,
            at: at.clone(),
            zero_sum,
        }
    }
}

fn flat(w: &Players<Vec<f64>>) -> Vec<f64> {
    w.theta.iter().chain(&w.phi).copied().collect()
}

fn unflat(x: &[f64], dt: usize) -> Players<Vec<f64>> {
    Players::new(x[..dt].to_vec(), x[dt..].to_vec())
}

impl<F: Field> Linearization for CentralDifferences<F> {
    fn dims(&self) -> Players<usize> {
        self.at.map(|p| p.len())
    }

    fn jvp(&self, v: &[f64]) -> Vec<f64> {
        let w = &self.at;
        let x = flat(w);
        let dt = w.theta.len();
        let vn = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if vn == 0.0 {
            return vec![0.0; v.len()];
        }
        let xn = x.iter().map(|a| a * a).sum::<f64>().sqrt();
        let eps = 1e-5 * (1.0 + xn) / vn;
        let plus: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + eps * b).collect();
        let minus: Vec<f64> = x.iter().zip(v).map(|(a, b)| a - eps * b).collect();
        let mut fp = w.map(|p| vec![0.0; p.len()]);
        let mut fm = fp.clone();
        (self.field)(&unflat(&plus, dt), &mut fp);
        (self.field)(&unflat(&minus, dt), &mut fm);
        flat(&fp)
            .iter()
            .zip(flat(&fm))
            .map(|(a, b)| (a - b) / (2.0 * eps))
            .collect()
    }

    fn vjp(&self, v: &[f64]) -> Result<Vec<f64>, String> {
        if !self.zero_sum {
            return Err("Jᵀ·v by central differences needs a zero-sum game (D·J·D)".into());
        }
        Ok(zero_sum_transpose(|x| self.jvp(x), self.at.theta.len(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::Constraint;
    use crate::game::{
        DiracGan, DiracLoss, Game, LinearGame, LogisticToy, MlpGan, Start, StochasticBilinear,
        ToyGame,
    };
    use crate::linalg::with_singular_values;
    use crate::rng::Rng;

    fn random(n: usize, rng: &mut Rng) -> Vec<f64> {
        (0..n).map(|_| rng.normal()).collect()
    }

    /// J·v and Jᵀ·v of the game's linearization against its closed-form dense Jacobian at the
    /// game's start, for a few random v.
    fn assert_products_match_the_jacobian(name: &str, g: &mut dyn Game<V = Vec<f64>>, tol: f64) {
        let w = g.initial_point();
        let j = g.jacobian(&w).expect("a closed-form Jacobian");
        let lin = g
            .linearize(&w)
            .expect("a linearization")
            .expect("at every point");
        assert_eq!(lin.dims(), w.map(|p| p.len()), "{name}: dims");
        let mut rng = Rng::new(8);
        for _ in 0..3 {
            let v = random(j.ncols(), &mut rng);
            let dv = DVector::from_column_slice(&v);
            let scale = j.norm() * dv.norm();
            for (what, got, want) in [
                ("J·v", lin.jvp(&v), &j * &dv),
                (
                    "Jᵀ·v",
                    lin.vjp(&v).expect("toy games have Jᵀ·v"),
                    j.tr_mul(&dv),
                ),
            ] {
                let err = (DVector::from_vec(got) - want).norm();
                assert!(
                    err <= tol * scale,
                    "{name} {what}: off by {err} (scale {scale})"
                );
            }
        }
    }

    #[test]
    fn toy_games_linearize_in_closed_form() {
        let mut rng = Rng::new(2);
        let free = Players::both(Constraint::Free);
        let start = Start::Random { scale: 0.7 };
        let a = with_singular_values(&[1.0, 0.6, 0.3], &mut rng);
        let (la, lb) = (random(3, &mut rng), random(3, &mut rng));
        let mut games: Vec<(&str, ToyGame, f64)> = vec![
            (
                "bilinear",
                Box::new(LinearGame::bilinear(a, la, lb, free, &start, 1).unwrap()),
                1e-14,
            ),
            (
                "quadratic",
                Box::new(LinearGame::quadratic(4, 0.3, 0.2, 1.0, &start, 1, &mut rng).unwrap()),
                1e-14,
            ),
            (
                "stochastic bilinear",
                Box::new(StochasticBilinear::generate(5, 8, 1.0, (0.5, 1.0), &start, 3).unwrap()),
                1e-14,
            ),
            (
                "logistic",
                Box::new(LogisticToy::new(vec![-2.0, 0.5], &start, 4).unwrap()),
                1e-14,
            ),
            // Central differences: the dense J is built from the same products, Jᵀ·v is D·J·D.
            (
                "mlp",
                Box::new(MlpGan::new(3, 16, 4, &start, 5).unwrap()),
                1e-9,
            ),
        ];
        for loss in [
            DiracLoss::Saturating,
            DiracLoss::NonSaturating,
            DiracLoss::Wgan,
        ] {
            games.push((
                "dirac",
                Box::new(DiracGan::new(loss, None, &start, 6).unwrap()),
                1e-14,
            ));
        }
        for (name, g, tol) in &mut games {
            assert_products_match_the_jacobian(name, g.as_mut(), *tol);
        }
    }

    #[test]
    fn d_j_d_is_the_transpose_of_a_zero_sum_jacobian() {
        // J = [[H_θθ, B], [−Bᵀ, −H_φφ]] with symmetric H: the shape of every zero-sum game's J.
        let mut rng = Rng::new(5);
        let (dt, dp) = (3, 4);
        let m = |r: usize, c: usize, rng: &mut Rng| DMatrix::from_fn(r, c, |_, _| rng.normal());
        let (h1, h2, b) = (
            m(dt, dt, &mut rng),
            m(dp, dp, &mut rng),
            m(dt, dp, &mut rng),
        );
        let mut j = DMatrix::zeros(dt + dp, dt + dp);
        j.view_mut((0, 0), (dt, dt))
            .copy_from(&(&h1 + h1.transpose()));
        j.view_mut((0, dt), (dt, dp)).copy_from(&b);
        j.view_mut((dt, 0), (dp, dt)).copy_from(&(-b.transpose()));
        j.view_mut((dt, dt), (dp, dp))
            .copy_from(&(-(&h2 + h2.transpose())));
        assert!((&j - j.transpose()).norm() > 1.0, "J is far from symmetric");
        let v = random(dt + dp, &mut rng);
        let jv = |x: &[f64]| (&j * DVector::from_column_slice(x)).as_slice().to_vec();
        let got = DVector::from_vec(zero_sum_transpose(jv, dt, &v));
        let want = j.tr_mul(&DVector::from_column_slice(&v));
        assert!((got - want).norm() < 1e-12);
    }

    #[test]
    fn central_differences_refuse_the_transpose_of_a_general_sum_field() {
        let f = |w: &Players<Vec<f64>>, out: &mut Players<Vec<f64>>| {
            out.theta[0] = w.phi[0] * w.phi[0];
            out.phi[0] = w.theta[0];
        };
        let lin = CentralDifferences::new(f, &Players::both(vec![1.0]), false);
        let jv = lin.jvp(&[1.0, 0.0]);
        assert!(
            (jv[0] - 0.0).abs() < 1e-9 && (jv[1] - 1.0).abs() < 1e-9,
            "{jv:?}"
        );
        assert!(lin.vjp(&[1.0, 0.0]).unwrap_err().contains("zero-sum"));
    }
}
