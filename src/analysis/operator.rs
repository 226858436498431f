//! The update operator of each method, linearized at an equilibrium: with F(ω) ≈ J(ω − ω*),
//! one iteration of every scheme with the gradient or heavy-ball rule is a linear map M of the
//! method's state, and the method converges locally iff ρ(M) < 1 (Bertsekas Prop. 4.4.1).
//!
//! M is built by composing the elementary linear maps the scheme performs, on the state
//!
//! ```text
//! z = (ω, buf, [saved ω_t], [g_{t−½}], [d_{t−1}])     each block of size n = dim θ + dim φ
//! ```
//!
//! where `buf` is the rule's memory (heavy ball: buf ← B·buf + g; plain gradient: B = 0, so
//! buf is just g) and the optional blocks are those of extragradient, extrapolation from the
//! past and optimistic schemes. H = diag(η_θ I, η_φ I) and B = diag(β_θ I, β_φ I) are per
//! player. Every block is overwritten each iteration, so unused directions only add zero
//! eigenvalues. Heavy ball in buffer form is similar to the (ω_t, ω_{t−1}) companion form of
//! spec §3.5 (same eigenvalues); the tests check both forms and the scalar formulas.
//! Adam-type rules are not linear at ω*: no operator exists for them.

use crate::optim::Order;
use crate::optim::{Optimizer, Rule, Scheme};
use crate::players::Players;
use nalgebra::{Complex, DMatrix};

/// An iteration matrix with its eigenvalues.
#[derive(Clone, Debug)]
pub struct Operator {
    /// M, acting on the state described in the module docs.
    pub matrix: DMatrix<f64>,
    /// Its eigenvalues.
    pub eigenvalues: Vec<Complex<f64>>,
    /// Oracle calls per iteration (to express the rate per gradient evaluation).
    pub calls_per_iteration: f64,
}

impl Operator {
    /// ρ(M) = max |μ|.
    pub fn spectral_radius(&self) -> f64 {
        self.eigenvalues
            .iter()
            .map(|z| z.norm())
            .fold(0.0, f64::max)
    }

    /// The predicted linear rate per oracle call, ρ^{1/calls}.
    pub fn rate_per_call(&self) -> f64 {
        self.spectral_radius().powf(1.0 / self.calls_per_iteration)
    }
}

/// The largest state (rows of M) built densely.
pub const MAX_STATE: usize = 2400;

/// The rows M would have for `scheme` on a game of `n` coordinates, without building it (what
/// a caller weighs before paying the O(rows³) of [`operator`]).
pub fn state_rows(scheme: &Scheme, n: usize) -> usize {
    Layout::new(n, 0, scheme).size
}

/// Block indices into the state.
struct Layout {
    n: usize,
    dt: usize,
    buf: usize,
    saved: Option<usize>,
    past: Option<usize>,
    prev: Option<usize>,
    size: usize,
}

impl Layout {
    fn new(n: usize, dt: usize, scheme: &Scheme) -> Self {
        let mut size = 2 * n;
        let mut next = || {
            size += n;
            Some(size - n)
        };
        let (saved, past, prev) = match scheme {
            Scheme::Extragradient { .. } => (next(), None, None),
            Scheme::PastExtragradient { .. } => {
                let s = next();
                (s, next(), None)
            }
            Scheme::Optimistic { .. } => (None, None, next()),
            _ => (None, None, None),
        };
        Layout {
            n,
            dt,
            buf: n,
            saved,
            past,
            prev,
            size,
        }
    }

    /// Rows (and columns) of player `p`'s part of the block starting at `b`: (start, len).
    fn player(&self, b: usize, theta: bool) -> (usize, usize) {
        if theta {
            (b, self.dt)
        } else {
            (b + self.dt, self.n - self.dt)
        }
    }
}

/// Builds elementary maps as matrices on the state.
struct Builder<'a> {
    l: Layout,
    j: &'a DMatrix<f64>,
    eta: Players<f64>,
    beta: Players<f64>,
}

impl Builder<'_> {
    fn identity(&self) -> DMatrix<f64> {
        DMatrix::identity(self.l.size, self.l.size)
    }

    /// Copies block `from` into block `to` (to ← from).
    fn copy(&self, to: usize, from: usize) -> DMatrix<f64> {
        let mut m = self.identity();
        for i in 0..self.l.n {
            m[(to + i, to + i)] = 0.0;
            m[(to + i, from + i)] = 1.0;
        }
        m
    }

    /// For the players in `who`: g ← J·(block `at`) (rows of those players), buf ← B·buf + g.
    /// `g_from`: the gradient is instead read from block `g_from` (a stored gradient).
    fn advance_rule(&self, who: [bool; 2], at: usize, g_from: Option<usize>) -> DMatrix<f64> {
        let mut m = self.identity();
        for (theta, on) in [(true, who[0]), (false, who[1])] {
            if !on {
                continue;
            }
            let (r0, len) = self.l.player(self.l.buf, theta);
            let beta = if theta {
                self.beta.theta
            } else {
                self.beta.phi
            };
            let jrow = if theta { 0 } else { self.l.dt };
            for i in 0..len {
                m[(r0 + i, r0 + i)] = beta;
                match g_from {
                    Some(g) => m[(r0 + i, g + jrow + i)] += 1.0,
                    None => {
                        for c in 0..self.l.n {
                            m[(r0 + i, at + c)] += self.j[(jrow + i, c)];
                        }
                    }
                }
            }
        }
        m
    }

    /// For the players in `who`: ω ← (block `base`) − η·buf·scale + η·(block `extra`)·extra_scale.
    fn move_players(
        &self,
        who: [bool; 2],
        base: usize,
        scale: f64,
        extra: Option<(usize, f64)>,
    ) -> DMatrix<f64> {
        let mut m = self.identity();
        for (theta, on) in [(true, who[0]), (false, who[1])] {
            if !on {
                continue;
            }
            let eta = if theta { self.eta.theta } else { self.eta.phi };
            let (r0, len) = self.l.player(0, theta);
            for i in 0..len {
                let r = r0 + i;
                m[(r, r)] = 0.0;
                m[(r, base + r)] += 1.0;
                m[(r, self.l.buf + r)] -= eta * scale;
                if let Some((b, s)) = extra {
                    m[(r, b + r)] += eta * s;
                }
            }
        }
        m
    }

    /// block `to` ← J·(block `at`) (the gradient of both players).
    fn gradient_into(&self, to: usize, at: usize) -> DMatrix<f64> {
        let mut m = self.identity();
        for i in 0..self.l.n {
            m[(to + i, to + i)] = 0.0;
            for c in 0..self.l.n {
                m[(to + i, at + c)] = self.j[(i, c)];
            }
        }
        m
    }
}

/// The iteration matrix of `opt` with step sizes `eta`, momenta `beta` and `d_steps`
/// discriminator steps, for the Jacobian `j` (ordered θ then φ, θ of dimension `dt`).
pub fn operator(
    opt: &Optimizer,
    eta: Players<f64>,
    beta: Players<f64>,
    d_steps: u32,
    j: &DMatrix<f64>,
    dt: usize,
) -> Result<Operator, String> {
    for r in [&opt.rules.theta, &opt.rules.phi] {
        if let Rule::Adam { .. } = r {
            return Err("Adam-type rules are not linear at the equilibrium, so their update has no spectral radius".into());
        }
    }
    let n = j.nrows();
    let l = Layout::new(n, dt, &opt.scheme);
    if l.size > MAX_STATE {
        return Err(format!(
            "the iteration matrix would have {} rows (more than {MAX_STATE}); use the per-eigenvalue maps",
            l.size
        ));
    }
    let b = Builder { l, j, eta, beta };
    let both = [true, true];
    let (buf, size) = (b.l.buf, b.l.size);
    let mut m = DMatrix::identity(size, size);
    let mut then = |step: DMatrix<f64>| m = &step * &m;
    let calls = match opt.scheme {
        Scheme::Simultaneous => {
            then(b.advance_rule(both, 0, None));
            then(b.move_players(both, 0, 1.0, None));
            1.0
        }
        Scheme::Alternating { order, .. } => {
            let d = [false, true];
            let g = [true, false];
            if order == Order::GeneratorFirst {
                then(b.advance_rule(g, 0, None));
                then(b.move_players(g, 0, 1.0, None));
            }
            for _ in 0..d_steps {
                then(b.advance_rule(d, 0, None));
                then(b.move_players(d, 0, 1.0, None));
            }
            if order == Order::DiscriminatorFirst {
                then(b.advance_rule(g, 0, None));
                then(b.move_players(g, 0, 1.0, None));
            }
            d_steps as f64 + 1.0
        }
        Scheme::Extragradient { .. } => {
            let saved = b.l.saved.expect("extragradient layout");
            then(b.copy(saved, 0));
            then(b.advance_rule(both, 0, None));
            then(b.move_players(both, saved, 1.0, None));
            then(b.advance_rule(both, 0, None));
            then(b.move_players(both, saved, 1.0, None));
            2.0
        }
        Scheme::PastExtragradient { .. } => {
            let (saved, past) = (b.l.saved.expect("layout"), b.l.past.expect("layout"));
            then(b.copy(saved, 0));
            then(b.advance_rule(both, 0, Some(past)));
            then(b.move_players(both, saved, 1.0, None));
            then(b.gradient_into(past, 0));
            then(b.advance_rule(both, 0, Some(past)));
            then(b.move_players(both, saved, 1.0, None));
            1.0
        }
        Scheme::Optimistic { .. } => {
            let prev = b.l.prev.expect("layout");
            then(b.advance_rule(both, 0, None));
            then(b.move_players(both, 0, 2.0, Some((prev, 1.0))));
            then(b.copy(prev, buf));
            1.0
        }
    };
    let eigenvalues =
        crate::linalg::eigenvalues(&m).map_err(|e| format!("no spectral radius: {e}"))?;
    Ok(Operator {
        matrix: m,
        eigenvalues,
        calls_per_iteration: calls,
    })
}
