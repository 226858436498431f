//! Games with an affine vector field: bilinear and quadratic.
//!
//! f(θ, φ) = ½θᵀPθ + θᵀBφ − ½φᵀQφ + c_θᵀθ − c_φᵀφ, L_G = f, L_D = −f, so
//!
//! ```text
//! F(ω) = J ω + c,   J = [[P, B], [−Bᵀ, Q]],   c = (c_θ, c_φ)
//! ```
//!
//! The bilinear game θᵀAφ + aᵀθ + bᵀφ is P = Q = 0, B = A, c = (a, −b); its Jacobian has the
//! eigenvalues ±iσ_k(A).

use super::{start_point, Constraint, Game, Sample, Start};
use crate::linalg::{linspace, with_eigenvalues, with_singular_values, Mat};
use crate::players::{Player, Players};
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};

/// A game whose field is affine in ω (see the module docs).
pub struct LinearGame {
    label: String,
    p: Option<Mat>,
    b: Mat,
    q: Option<Mat>,
    c: Players<Vec<f64>>,
    equilibrium: Option<Players<Vec<f64>>>,
    constraints: Players<Constraint>,
    start: Players<Vec<f64>>,
}

impl LinearGame {
    /// The bilinear game θᵀAφ + aᵀθ + bᵀφ.
    pub fn bilinear(
        a: Mat,
        lin_a: Vec<f64>,
        lin_b: Vec<f64>,
        constraints: Players<Constraint>,
        start: &Start,
        seed: u64,
    ) -> Result<Self, String> {
        let d = a.rows;
        let label = format!("bilinear θᵀAφ + aᵀθ + bᵀφ, dim {d}");
        let c = Players::new(lin_a, lin_b.iter().map(|x| -x).collect());
        Self::assemble(label, None, a, None, c, constraints, start, seed)
    }

    /// The quadratic game mixing potential and rotational parts (see `GameConfig::Quadratic`).
    pub fn quadratic(
        dim: usize,
        mix: f64,
        mu: f64,
        ell: f64,
        start: &Start,
        seed: u64,
        rng: &mut Rng,
    ) -> Result<Self, String> {
        let spread = linspace(ell, mu, dim);
        let mut s = with_eigenvalues(&spread, rng);
        let mut r = with_singular_values(&spread, rng);
        s.data.iter_mut().for_each(|x| *x *= 1.0 - mix);
        r.data.iter_mut().for_each(|x| *x *= mix);
        let label = format!("quadratic, dim {dim}, mix {mix}, spectrum in [{mu}, {ell}]");
        let zero = Players::both(vec![0.0; dim]);
        Self::assemble(
            label,
            Some(s.clone()),
            r,
            Some(s),
            zero,
            Players::both(Constraint::Free),
            start,
            seed,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        label: String,
        p: Option<Mat>,
        b: Mat,
        q: Option<Mat>,
        c: Players<Vec<f64>>,
        constraints: Players<Constraint>,
        start: &Start,
        seed: u64,
    ) -> Result<Self, String> {
        let dims = Players::new(b.rows, b.cols);
        let start = start_point(start, dims, &constraints, seed)?;
        let mut g = LinearGame {
            label,
            p,
            b,
            q,
            c,
            equilibrium: None,
            constraints,
            start,
        };
        g.equilibrium = g.solve_equilibrium();
        Ok(g)
    }

    /// ω* solving J ω* = −c, when J is invertible and ω* lies in the constraint set.
    fn solve_equilibrium(&self) -> Option<Players<Vec<f64>>> {
        let j = self.jacobian_matrix();
        let dt = self.b.rows;
        let rhs = DVector::from_iterator(
            j.nrows(),
            self.c.theta.iter().chain(&self.c.phi).map(|x| -x),
        );
        let lu = j.clone().lu();
        let x = lu.solve(&rhs)?;
        // A nearly singular J gives a meaningless ω*: require a small residual.
        let resid = (&j * &x - &rhs).norm();
        if !x.iter().all(|v| v.is_finite()) || resid > 1e-8 * (1.0 + rhs.norm()) {
            return None;
        }
        let eq = Players::new(
            x.rows(0, dt).iter().copied().collect::<Vec<_>>(),
            x.rows(dt, j.nrows() - dt)
                .iter()
                .copied()
                .collect::<Vec<_>>(),
        );
        let inside = self.constraints.theta.contains(&eq.theta, 1e-12)
            && self.constraints.phi.contains(&eq.phi, 1e-12);
        inside.then_some(eq)
    }

    fn jacobian_matrix(&self) -> DMatrix<f64> {
        let (dt, dp) = (self.b.rows, self.b.cols);
        let mut j = DMatrix::zeros(dt + dp, dt + dp);
        for i in 0..dt {
            for k in 0..dp {
                j[(i, dt + k)] = self.b.at(i, k);
                j[(dt + k, i)] = -self.b.at(i, k);
            }
        }
        if let Some(p) = &self.p {
            for i in 0..dt {
                for k in 0..dt {
                    j[(i, k)] = p.at(i, k);
                }
            }
        }
        if let Some(q) = &self.q {
            for i in 0..dp {
                for k in 0..dp {
                    j[(dt + i, dt + k)] = q.at(i, k);
                }
            }
        }
        j
    }

    fn quad(m: &Option<Mat>, x: &[f64]) -> f64 {
        m.as_ref().map_or(0.0, |m| {
            let mut y = vec![0.0; x.len()];
            m.mul_add(1.0, x, &mut y);
            0.5 * y.iter().zip(x).map(|(a, b)| a * b).sum::<f64>()
        })
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Game for LinearGame {
    type V = Vec<f64>;

    fn describe(&self) -> String {
        self.label.clone()
    }

    fn initial_point(&self) -> Players<Vec<f64>> {
        self.start.clone()
    }

    #[inline]
    fn gradient(&mut self, p: Player, w: &Players<Vec<f64>>, _s: Sample, out: &mut Vec<f64>) {
        match p {
            Player::Theta => {
                self.b.affine_into(&self.c.theta, 1.0, &w.phi, out);
                if let Some(pm) = &self.p {
                    pm.mul_add(1.0, &w.theta, out);
                }
            }
            Player::Phi => {
                self.b.mul_t_affine(&self.c.phi, -1.0, &w.theta, out);
                if let Some(q) = &self.q {
                    q.mul_add(1.0, &w.phi, out);
                }
            }
        }
    }

    /// Both gradients in one pass over B (the bits of `gradient` for each player).
    #[inline]
    fn field(&mut self, w: &Players<Vec<f64>>, _s: Sample, out: &mut Players<Vec<f64>>) {
        self.b.affine_pair(
            (&self.c.theta, 1.0, &w.phi, &mut out.theta),
            (&self.c.phi, -1.0, &w.theta, &mut out.phi),
        );
        if let Some(pm) = &self.p {
            pm.mul_add(1.0, &w.theta, &mut out.theta);
        }
        if let Some(q) = &self.q {
            q.mul_add(1.0, &w.phi, &mut out.phi);
        }
    }

    fn losses(&mut self, w: &Players<Vec<f64>>) -> Players<f64> {
        let mut bphi = vec![0.0; self.b.rows];
        self.b.mul_add(1.0, &w.phi, &mut bphi);
        let f = Self::quad(&self.p, &w.theta) + dot(&w.theta, &bphi) - Self::quad(&self.q, &w.phi)
            + dot(&self.c.theta, &w.theta)
            - dot(&self.c.phi, &w.phi);
        Players::new(f, -f)
    }

    fn equilibrium(&self) -> Option<&Players<Vec<f64>>> {
        self.equilibrium.as_ref()
    }

    fn constraints(&self) -> Players<Constraint> {
        self.constraints
    }

    fn jacobian(&self, _w: &Players<Vec<f64>>) -> Option<DMatrix<f64>> {
        Some(self.jacobian_matrix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::testing::*;
    use crate::game::{GameConfig, LinearTerms, MatrixSpec};

    #[test]
    fn bilinear_field_equilibrium_and_spectrum() {
        let cfg = GameConfig::Bilinear {
            dim: 3,
            matrix: MatrixSpec::SingularValues(vec![2.0, 1.0, 0.5]),
            linear: LinearTerms::Random { scale: 1.0 },
            constraint: None,
            start: Start::default(),
        };
        let mut g = cfg.build(4).unwrap();
        assert_field_vanishes_at_equilibrium(g.as_mut());
        let w = g.initial_point();
        assert_jacobian_matches(g.as_mut(), &w);
        let j = g.jacobian(&w).unwrap();
        let mut im: Vec<f64> = j
            .complex_eigenvalues()
            .iter()
            .map(|z| {
                assert!(z.re.abs() < 1e-10);
                z.im.abs()
            })
            .collect();
        im.sort_by(|a, b| a.partial_cmp(b).unwrap());
        for (got, want) in im.iter().zip([0.5, 0.5, 1.0, 1.0, 2.0, 2.0]) {
            assert!((got - want).abs() < 1e-10, "{im:?}");
        }
        // Zero-sum: the losses are opposite.
        let l = g.losses(&w);
        assert_eq!(l.theta, -l.phi);
    }

    #[test]
    fn quadratic_mixes_potential_and_rotation() {
        for mix in [0.0, 0.5, 1.0] {
            let cfg = GameConfig::Quadratic {
                dim: 4,
                mix,
                mu: 0.2,
                ell: 1.0,
                start: Start::default(),
            };
            let mut g = cfg.build(1).unwrap();
            assert_field_vanishes_at_equilibrium(g.as_mut());
            let w = g.initial_point();
            assert_jacobian_matches(g.as_mut(), &w);
            let eig = g.jacobian(&w).unwrap().complex_eigenvalues();
            for z in eig.iter() {
                if mix == 0.0 {
                    assert!(z.im.abs() < 1e-9 && z.re > 0.1);
                }
                if mix == 1.0 {
                    assert!(z.re.abs() < 1e-9);
                }
            }
            // ∇_θ L_G is F_θ: compare with a finite difference of the loss.
            let h = 1e-6;
            let mut wp = w.clone();
            wp.theta[0] += h;
            let mut wm = w.clone();
            wm.theta[0] -= h;
            let fd = (g.losses(&wp).theta - g.losses(&wm).theta) / (2.0 * h);
            let mut gt = vec![0.0; 4];
            g.gradient(Player::Theta, &w, Sample::Exact, &mut gt);
            assert!((fd - gt[0]).abs() < 1e-7);
        }
    }

    #[test]
    fn equilibrium_outside_the_box_is_not_claimed() {
        let cfg = GameConfig::Bilinear {
            dim: 1,
            matrix: MatrixSpec::Identity,
            linear: LinearTerms::Explicit {
                a: vec![3.0],
                b: vec![0.0],
            },
            constraint: Some(crate::game::PlayerConstraints {
                theta: Constraint::Free,
                phi: Constraint::Box { lo: -1.0, hi: 1.0 },
            }),
            start: Start::default(),
        };
        assert!(cfg.build(0).unwrap().equilibrium().is_none());
    }
}
