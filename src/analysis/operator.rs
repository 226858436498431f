//! The update operator of each method, linearized at an equilibrium: with F(ω) ≈ J(ω − ω*),
//! one iteration of a linear method is a linear map M of the method's state
//! z = (ω, the rules' memories, the scheme's memory), and the method converges locally iff
//! ρ(M) < 1 (Bertsekas Prop. 4.4.1).
//!
//! M is not written down per method: it is *derived* by running the optimizer's own step
//! ([`Optimizer::step_with`], the code runs use) on symbolic vectors against the linear model
//! F = J·ω ([`super::symbolic`]). A couple of warm-up steps give the memory its steady shape
//! (extrapolation from the past stores its first gradient, optimistic methods their first
//! direction); then every vector of the state is replaced by its own block of the identity,
//! one more step is taken, and the vectors' matrices are the rows of M. A new method therefore
//! gets its operator — and `saddle spectrum`, the stability map and the spectral pane their
//! predictions — without a line here. Methods that are not linear (Adam-type rules) or have no
//! fixed operator (EAG's anchor weight changes every step) say why. Averages do not act on the
//! dynamics and are left out; projections are the identity at an interior equilibrium; a
//! schedule is taken at its first step.

use super::symbolic::{LinearModel, Sym};
use crate::optim::{Cost, Hyper, Memory, OptimState, Optimizer, Schedule, Scratch};
use crate::players::Players;
use nalgebra::{Complex, DMatrix};

/// An iteration matrix with its eigenvalues.
#[derive(Clone, Debug)]
pub struct Operator {
    /// M, acting on the state described in the module docs.
    pub matrix: DMatrix<f64>,
    /// Its eigenvalues.
    pub eigenvalues: Vec<Complex<f64>>,
    /// Gradient evaluations per iteration (to express the rate per gradient evaluation).
    pub calls_per_iteration: f64,
    /// Every oracle call of one iteration, counted while deriving M.
    pub cost: Cost,
}

impl Operator {
    /// ρ(M) = max |μ|.
    pub fn spectral_radius(&self) -> f64 {
        self.eigenvalues
            .iter()
            .map(|z| z.norm())
            .fold(0.0, f64::max)
    }

    /// The predicted linear rate per gradient evaluation, ρ^{1/calls}.
    pub fn rate_per_call(&self) -> f64 {
        self.spectral_radius().powf(1.0 / self.calls_per_iteration)
    }

    /// The predicted rate per J·v-equivalent (gradients and products each count one).
    pub fn rate_per_jv_equivalent(&self) -> f64 {
        self.spectral_radius()
            .powf(1.0 / self.cost.jv_equivalents().max(1.0))
    }
}

/// The largest state (rows of M) built densely.
pub const MAX_STATE: usize = 2400;

/// Warm-up steps before seeding: enough for every memory to reach its steady shape.
const WARM_UP: usize = 2;

/// Every vector of the state, in a fixed order: ω, the rules' memories, the scheme's.
fn visit(w: &mut Players<Sym>, st: &mut OptimState<Sym>, f: &mut dyn FnMut(&mut Sym)) {
    w.visit(f);
    st.rules.theta.visit(f);
    st.rules.phi.visit(f);
    st.scheme.visit(f);
}

/// The rows M would have for `opt` on a game of `n` coordinates whose θ has `dt`, without
/// building it (what a caller weighs before paying the O(rows³) of [`operator`]): the state's
/// vectors are counted on a game with one θ and two φ coordinates, each then as long as its
/// player's part (or the whole ω). 0 for a method that is not linear (it has no M).
pub fn state_rows(opt: &Optimizer, dt: usize, n: usize) -> usize {
    if opt.linear().is_err() {
        return 0;
    }
    let mut opt = opt.clone();
    opt.averaging.clear();
    opt.schedule = Schedule::Constant;
    let h = opt.initial_hyper(Players::both(0.1), Players::both(0.0));
    let j = DMatrix::zeros(3, 3);
    let mut w = Players::new(Sym::seeded(1, 0, 3), Sym::seeded(2, 1, 3));
    let mut st = opt.init_state(&w, h);
    let mut sc = Scratch::new(&w);
    let mut model = LinearModel::new(&j, 1);
    for _ in 0..WARM_UP {
        if opt.step_with(&mut model, &mut w, &mut st, &mut sc).is_err() {
            return 0;
        }
    }
    let mut rows = 0;
    visit(&mut w, &mut st, &mut |v| {
        rows += match v.rows() {
            1 => dt,
            2 => n - dt,
            _ => n,
        }
    });
    rows
}

/// The iteration matrix of `opt` with step sizes `eta`, momenta `beta`, `d_steps`
/// discriminator steps and the methods' parameters at their initial values, for the Jacobian
/// `j` (ordered θ then φ, θ of dimension `dt`).
pub fn operator(
    opt: &Optimizer,
    eta: Players<f64>,
    beta: Players<f64>,
    d_steps: u32,
    j: &DMatrix<f64>,
    dt: usize,
) -> Result<Operator, String> {
    let mut h = opt.initial_hyper(eta, beta);
    h.d_steps = d_steps;
    derived_operator(opt, &h, j, dt)
}

/// The iteration matrix of `opt` under the hyperparameters `h` for the Jacobian `j`, derived
/// from its step (see the module docs).
pub fn derived_operator(
    opt: &Optimizer,
    h: &Hyper,
    j: &DMatrix<f64>,
    dt: usize,
) -> Result<Operator, String> {
    opt.linear()?;
    let n = j.nrows();
    let mut opt = opt.clone();
    opt.averaging.clear();
    opt.schedule = Schedule::Constant;
    let mut w = Players::new(Sym::seeded(dt, 0, n), Sym::seeded(n - dt, dt, n));
    let mut st = opt.init_state(&w, h.clone());
    let mut sc = Scratch::new(&w);
    let mut model = LinearModel::new(j, dt);
    for _ in 0..WARM_UP {
        opt.step_with(&mut model, &mut w, &mut st, &mut sc)?;
    }
    let mut rows = 0;
    visit(&mut w, &mut st, &mut |v| rows += v.rows());
    if rows > MAX_STATE {
        return Err(format!(
            "the iteration matrix would have {rows} rows (more than {MAX_STATE}); use the per-eigenvalue maps"
        ));
    }
    let mut offset = 0;
    visit(&mut w, &mut st, &mut |v| {
        *v = Sym::seeded(v.rows(), offset, rows);
        offset += v.rows();
    });
    model.calls = Default::default();
    opt.step_with(&mut model, &mut w, &mut st, &mut sc)?;
    let mut m = DMatrix::zeros(rows, rows);
    let (mut at, mut why) = (0, None);
    visit(&mut w, &mut st, &mut |v| {
        if at + v.rows() <= rows {
            m.view_mut((at, 0), (v.rows(), rows))
                .copy_from(&v.matrix(rows));
        }
        at += v.rows();
        if why.is_none() {
            why = v.nonlinear().map(str::to_string);
        }
    });
    if let Some(why) = why {
        return Err(format!(
            "{} is declared linear but its step used {why}, which is not linear",
            opt.label()
        ));
    }
    if at != rows {
        return Err(format!(
            "{}'s memory changes shape from step to step ({rows} then {at} numbers), so it has no fixed iteration operator",
            opt.label()
        ));
    }
    // Capped and within the caller's budget (a plain QR can cycle on these matrices).
    let eigenvalues =
        crate::linalg::eigenvalues(&m).map_err(|e| format!("no spectral radius: {e}"))?;
    let c = model.calls;
    Ok(Operator {
        matrix: m,
        eigenvalues,
        calls_per_iteration: c.gradients as f64,
        cost: Cost::new(c.gradients as f64, c.jvp as f64, c.vjp as f64),
    })
}
