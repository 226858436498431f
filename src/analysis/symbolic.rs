//! Symbolic vectors and the linear model of a game: what derives a method's iteration
//! operator from the very code that steps it.
//!
//! A [`Sym`] is a player's vector written as a linear function of the method's whole state z
//! (parameters and memory) at the start of a step: a matrix with one row per coordinate and one
//! column per entry of z. The linear moves ([`Moves::axpy`], `scale_add`, …) combine these
//! matrices exactly; the non-linear ones (Adam's normalization, RMSProp's) mark the result as
//! not linear and say why; projections are the identity (an interior equilibrium is a point
//! where every constraint is locally inactive); inner products are unknown, so a method that
//! branches on one takes the branch it takes near the equilibrium. [`LinearModel`] is a game
//! whose field is F(ω) = J·ω, the linearization at ω* in coordinates centred there.
//! Running one step of an optimizer on these gives z_{t+1} = M·z_t: M is the iteration matrix.

use crate::game::Sample;
use crate::optim::oracle::{Calls, Oracle};
use crate::players::{Player, Players};
use crate::vector::Moves;
use nalgebra::DMatrix;
use std::sync::Arc;

/// A player's vector as a linear function of the state (see the module docs).
#[derive(Clone, Debug)]
pub struct Sym {
    rows: usize,
    /// None: exactly zero, of any width.
    m: Option<DMatrix<f64>>,
    /// Why the vector is not a linear function of the state, if it is not.
    nonlinear: Option<Arc<str>>,
}

impl Sym {
    /// The zero vector of `rows` coordinates.
    pub fn zero(rows: usize) -> Sym {
        Sym {
            rows,
            m: None,
            nonlinear: None,
        }
    }

    /// The state's entries `offset..offset + rows` of a state of size `width`: [0 | I | 0].
    pub fn seeded(rows: usize, offset: usize, width: usize) -> Sym {
        let mut m = DMatrix::zeros(rows, width);
        for i in 0..rows {
            m[(i, offset + i)] = 1.0;
        }
        Sym {
            rows,
            m: Some(m),
            nonlinear: None,
        }
    }

    /// Number of coordinates.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The matrix with `cols` columns (zeros for the zero vector).
    pub fn matrix(&self, cols: usize) -> DMatrix<f64> {
        match &self.m {
            Some(m) => m.clone(),
            None => DMatrix::zeros(self.rows, cols),
        }
    }

    /// Why it is not linear, if it is not.
    pub fn nonlinear(&self) -> Option<&str> {
        self.nonlinear.as_deref()
    }

    fn taint(&mut self, why: &str) {
        if self.nonlinear.is_none() {
            self.nonlinear = Some(Arc::from(why));
        }
    }

    fn merge(&mut self, other: &Sym) {
        if self.nonlinear.is_none() {
            self.nonlinear.clone_from(&other.nonlinear);
        }
    }

    /// `b·a + c·x` on optional matrices.
    fn combine(
        a: Option<&DMatrix<f64>>,
        b: f64,
        x: Option<&DMatrix<f64>>,
        c: f64,
    ) -> Option<DMatrix<f64>> {
        match (a, x) {
            (None, None) => None,
            (Some(a), None) => Some(a * b),
            (None, Some(x)) => Some(x * c),
            (Some(a), Some(x)) => Some(a * b + x * c),
        }
    }
}

const ELEMENTWISE: &str =
    "an element-wise normalization (square roots and quotients of running means of g²)";

impl Moves for Sym {
    fn zeros_like(&self) -> Self {
        Sym::zero(self.rows)
    }
    fn assign(&mut self, src: &Self) {
        *self = src.clone();
    }
    fn fill(&mut self, value: f64) {
        self.m = None;
        if value != 0.0 {
            self.taint("a vector filled with a constant");
        }
    }
    fn axpy(&mut self, a: f64, x: &Self) {
        self.m = Sym::combine(self.m.as_ref(), 1.0, x.m.as_ref(), a);
        self.merge(x);
    }
    fn scale_add(&mut self, b: f64, a: f64, x: &Self) {
        self.m = Sym::combine(self.m.as_ref(), b, x.m.as_ref(), a);
        self.merge(x);
    }
    fn assign_axpy(&mut self, base: &Self, a: f64, x: &Self) {
        self.m = Sym::combine(base.m.as_ref(), 1.0, x.m.as_ref(), a);
        self.nonlinear.clone_from(&base.nonlinear);
        self.merge(x);
    }
    fn scale_add_square(&mut self, _b: f64, _a: f64, x: &Self) {
        self.merge(x);
        self.taint(ELEMENTWISE);
    }
    fn adam_ratio(&mut self, _c: f64, m: &Self, v: &Self, _eps: f64) {
        self.merge(m);
        self.merge(v);
        self.taint(ELEMENTWISE);
    }
    fn rms_ratio(&mut self, _c: f64, m: &Self, v: &Self, _eps: f64) {
        self.merge(m);
        self.merge(v);
        self.taint(ELEMENTWISE);
    }
    fn project(&mut self, _c: &crate::constraint::Constraint) {}
    fn dot(&self, _other: &Self) -> Option<f64> {
        None
    }
    /// A·x = b exactly: A's matrix from `apply` on the identity.
    fn solve_exactly(apply: &mut dyn FnMut(&Self) -> Self, b: &Self) -> Option<Self> {
        let k = b.rows;
        let id = Sym::seeded(k, 0, k);
        let a = apply(&id);
        let mut x = Sym {
            rows: k,
            m: None,
            nonlinear: a.nonlinear.clone(),
        };
        x.merge(b);
        let inverse = a.matrix(k).try_inverse();
        match (inverse, &b.m) {
            (Some(inv), Some(bm)) => x.m = Some(inv * bm),
            (None, _) => x.taint("a singular linear system"),
            (Some(_), None) => {}
        }
        Some(x)
    }
}

/// The game F(ω) = J·ω on symbolic vectors (see the module docs), counting its calls.
pub struct LinearModel<'a> {
    j: &'a DMatrix<f64>,
    dt: usize,
    /// The calls made so far.
    pub calls: Calls,
}

impl<'a> LinearModel<'a> {
    /// J ordered (θ, φ) with dim θ = `dt`.
    pub fn new(j: &'a DMatrix<f64>, dt: usize) -> Self {
        LinearModel {
            j,
            dt,
            calls: Calls::default(),
        }
    }

    /// M·(v_θ; v_φ) split into players.
    fn times(&self, m: &DMatrix<f64>, v: &Players<Sym>) -> Players<Sym> {
        let n = m.nrows();
        let dp = n - self.dt;
        let cols = [&v.theta, &v.phi]
            .iter()
            .find_map(|s| s.m.as_ref().map(|x| x.ncols()));
        let mut out = Players::new(Sym::zero(self.dt), Sym::zero(dp));
        if let Some(c) = cols {
            let mut z = DMatrix::zeros(n, c);
            z.view_mut((0, 0), (self.dt, c))
                .copy_from(&v.theta.matrix(c));
            z.view_mut((self.dt, 0), (dp, c))
                .copy_from(&v.phi.matrix(c));
            let r = m * z;
            out.theta.m = Some(r.rows(0, self.dt).into_owned());
            out.phi.m = Some(r.rows(self.dt, dp).into_owned());
        }
        for p in Player::BOTH {
            out.get_mut(p).merge(&v.theta);
            out.get_mut(p).merge(&v.phi);
        }
        out
    }
}

impl Oracle for LinearModel<'_> {
    type V = Sym;

    fn sample(&mut self) -> Sample {
        Sample::Exact
    }

    fn field(&mut self, w: &Players<Sym>, _s: Sample, out: &mut Players<Sym>) {
        self.calls.gradients += 1;
        *out = self.times(self.j, w);
    }

    fn gradient(&mut self, p: Player, w: &Players<Sym>, _s: Sample, out: &mut Sym) {
        self.calls.gradients += 1;
        let mut all = self.times(self.j, w);
        *out = std::mem::replace(all.get_mut(p), Sym::zero(0));
    }

    fn jvp(&mut self, _w: &Players<Sym>, _s: Sample, v: &Players<Sym>, out: &mut Players<Sym>) {
        self.calls.jvp += 1;
        *out = self.times(self.j, v);
    }

    fn vjp(&mut self, _w: &Players<Sym>, _s: Sample, v: &Players<Sym>, out: &mut Players<Sym>) {
        self.calls.vjp += 1;
        *out = self.times(&self.j.transpose(), v);
    }

    /// Not used: the symbolic solve is exact whichever system a method sets up.
    fn zero_sum(&self) -> bool {
        false
    }
}
