//! Competitive gradient descent (Schäfer & Anandkumar, NeurIPS 2019), following the reference
//! package devzhk/cgds-package (`src/CGDs/cgd.py`, class `BCGD`, and `cgd_utils.py`).
//!
//! Each player steps to the Nash equilibrium of the local bilinear approximation of the game:
//! with F = (F_θ, F_φ) and J's off-diagonal blocks J_θφ = ∂F_θ/∂φ, J_φθ = ∂F_φ/∂θ,
//!
//! ```text
//! Δθ = −η_θ d_θ,   Δφ = −η_φ d_φ,
//! d_θ = F_θ − η_φ J_θφ d_φ,   d_φ = F_φ − η_θ J_φθ d_θ
//! ⇒ (I − η_θη_φ J_θφ J_φθ) d_θ = F_θ − η_φ J_θφ F_φ
//! ```
//!
//! One player's system is solved by conjugate gradients, the other's direction then follows
//! from its equation (one more J·v). As `BCGD` does, the solved player alternates from step to
//! step (`alternate`), the solve starts from the previous step's direction (`warm_start`), and
//! it stops at ‖r‖ ≤ tolerance·‖b‖ (`BCGD`'s `tol = 1e-12` on squared norms is 1e-6 here) or
//! after `max_iterations`. For a zero-sum game J_φθ = −J_θφᵀ, so the system is
//! I + η_θη_φ J_θφJ_θφᵀ, symmetric positive definite, and plain CG applies; for a general-sum
//! game CG runs on the normal equations (AᵀA x = Aᵀb, with Jᵀ·v products). Products are J·v
//! and Jᵀ·v of the game at ω on the step's sample (a mixed block is one product with the
//! other player's part zero).
//!
//! The time budget never changes the trajectory: a solve always runs to its tolerance or cap
//! (both deterministic); one that took longer than `time_budget` seconds ends the run after
//! its step, saying so, and the run resumes exactly. Where `cgds` keeps its solution in float32
//! and crashes when warm-starting a one-number player (zoo-notes), this solve keeps the
//! players' precision and starts from any shape. On a linear game the step is linear (the
//! exact solve), so `analysis` derives its operator.

use super::{SchemeKind, SchemeState, SchemeStep};
use crate::optim::live::Range;
use crate::optim::method::{Cost, Method, Parts};
use crate::optim::registry::{Memory, Mine};
use crate::optim::step::Step;
use crate::optim::Hyper;
use crate::players::{Player, Players};
use crate::vector::Moves;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// `Cgd(tolerance: 1e-6, max_iterations: 100, time_budget: 10.0, warm_start: true,
/// alternate: true)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cgd {
    /// CG stops at ‖r‖ ≤ tolerance·‖b‖.
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// CG iterations per solve at most.
    #[serde(default = "default_max_iterations")]
    pub max_iterations: u32,
    /// Seconds one solve may take before the run ends after its step.
    #[serde(default = "default_time_budget")]
    pub time_budget: f64,
    /// Start each solve from the previous step's direction.
    #[serde(default = "yes")]
    pub warm_start: bool,
    /// Solve θ's system and φ's in turn (`BCGD`); otherwise always θ's.
    #[serde(default = "yes")]
    pub alternate: bool,
}

fn default_tolerance() -> f64 {
    1e-6
}

fn default_max_iterations() -> u32 {
    100
}

fn default_time_budget() -> f64 {
    10.0
}

fn yes() -> bool {
    true
}

/// The previous directions (the warm start), whose system is solved next, and the last
/// solve's iterations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V> {
    /// (d_θ, d_φ) of the previous step.
    pub previous: Option<Players<V>>,
    /// True when θ's system is solved at the next step.
    pub solve_theta: bool,
    /// CG iterations of the last solve.
    pub iterations: u32,
}

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        self.previous.visit(f);
    }
}

impl Method for Cgd {
    fn name(&self) -> &'static str {
        "cgd"
    }

    /// One field evaluation and two J·v (the right-hand side and the other player's
    /// direction), plus two J·v per CG iteration (two more to warm-start); a general-sum game
    /// adds two Jᵀ·v per iteration.
    fn cost(&self, _h: &Hyper) -> Cost {
        Cost::new(1.0, 2.0, 0.0)
    }

    fn validate(&self) -> Result<(), String> {
        Range::open(0.0, 1.0).check("tolerance", self.tolerance)?;
        if self.max_iterations == 0 {
            return Err("max_iterations must be at least 1, got 0".into());
        }
        Range::Positive.check("time_budget", self.time_budget)
    }

    fn combines(&self, with: &Parts<'_>) -> Result<(), String> {
        for p in Player::BOTH {
            let r = with.rules.get(p);
            if r.name() != "gradient" {
                return Err(format!(
                    "rules.{p}: CGD's step is the Nash equilibrium of a local bilinear game, not a gradient direction the {} rule could transform; use Gradient",
                    r.name()
                ));
            }
        }
        if let Some(f) = with.field {
            return Err(format!(
                "field: CGD solves with the game's own Jacobian blocks; a transformed field ({}) has none",
                f.name()
            ));
        }
        Ok(())
    }
}

impl SchemeKind for Cgd {}

/// What a conjugate-gradient solve did.
struct Solved<V> {
    x: V,
    iterations: u32,
}

/// Conjugate gradients on A·x = b (A symmetric positive definite) from `x0`, to
/// ‖r‖ ≤ tol·‖b‖ or `cap` iterations.
fn conjugate_gradient<V: Moves>(
    apply: &mut dyn FnMut(&V) -> V,
    b: &V,
    x0: Option<&V>,
    tol: f64,
    cap: u32,
) -> Solved<V> {
    let dot = |a: &V, c: &V| a.dot(c).expect("numeric vectors have inner products");
    let bb = dot(b, b);
    let (mut x, mut r) = match x0 {
        Some(x0) => {
            let mut r = b.clone();
            r.axpy(-1.0, &apply(x0));
            (x0.clone(), r)
        }
        None => (b.zeros_like(), b.clone()),
    };
    let stop = (tol * tol * bb).max(1e-300);
    let mut rr = dot(&r, &r);
    let mut p = r.clone();
    let mut iterations = 0;
    while rr > stop && iterations < cap {
        let ap = apply(&p);
        let pap = dot(&p, &ap);
        if pap <= 0.0 || !pap.is_finite() {
            break;
        }
        let alpha = rr / pap;
        x.axpy(alpha, &p);
        r.axpy(-alpha, &ap);
        let next = dot(&r, &r);
        p.scale_add(next / rr, 1.0, &r);
        rr = next;
        iterations += 1;
    }
    Solved { x, iterations }
}

impl<V: Moves> SchemeStep<V> for Cgd {
    fn init(&self, _w0: &Players<V>) -> SchemeState<V> {
        State {
            previous: None,
            solve_theta: true,
            iterations: 0,
        }
        .into()
    }

    fn step(&self, s: &mut Step<'_, V>, w: &mut Players<V>, st: &mut SchemeState<V>) {
        let State {
            previous,
            solve_theta,
            iterations,
        } = st.mine();
        let xi = s.sample();
        s.field(w, xi);
        let f = s.sc.g.clone();
        let p = if *solve_theta {
            Player::Theta
        } else {
            Player::Phi
        };
        let q = p.other();
        let (eta_p, eta_q) = (*s.eta.get(p), *s.eta.get(q));
        // b = F_p − η_q J_pq F_q
        let mut b = f.get(p).clone();
        b.axpy(-eta_q, &s.mixed(w, xi, q, f.get(q), false));
        let zero_sum = s.oracle.zero_sum();
        // A x = x − η_pη_q J_pq (J_qp x)
        let apply = |s: &mut Step<'_, V>, x: &V| -> V {
            let y = s.mixed(w, xi, p, x, false);
            let mut z = x.clone();
            z.axpy(-eta_p * eta_q, &s.mixed(w, xi, q, &y, false));
            z
        };
        let exact = V::solve_exactly(&mut |x| apply(s, x), &b);
        let d_p = match exact {
            Some(x) => x,
            None => {
                let started = Instant::now();
                let warm = previous
                    .as_ref()
                    .filter(|_| self.warm_start)
                    .map(|d| d.get(p).clone());
                let solved = if zero_sum {
                    conjugate_gradient(
                        &mut |x| apply(s, x),
                        &b,
                        warm.as_ref(),
                        self.tolerance,
                        self.max_iterations,
                    )
                } else {
                    // Aᵀu = u − η_pη_q J_qpᵀ (J_pqᵀ u): CG on AᵀA x = Aᵀb.
                    let apply_t = |s: &mut Step<'_, V>, u: &V| -> V {
                        let y = s.mixed(w, xi, p, u, true);
                        let mut z = u.clone();
                        z.axpy(-eta_p * eta_q, &s.mixed(w, xi, q, &y, true));
                        z
                    };
                    let atb = apply_t(s, &b);
                    conjugate_gradient(
                        &mut |x| {
                            let ax = apply(s, x);
                            apply_t(s, &ax)
                        },
                        &atb,
                        warm.as_ref(),
                        self.tolerance,
                        self.max_iterations,
                    )
                };
                *iterations = solved.iterations;
                let took = started.elapsed().as_secs_f64();
                if took > self.time_budget {
                    s.stop = Some(format!(
                        "CGD: a conjugate-gradient solve took {took:.2} s ({} iterations), over its time budget of {} s; the step was finished (the trajectory does not depend on time), then the run stopped: raise time_budget or lower max_iterations, and resume",
                        solved.iterations, self.time_budget
                    ));
                }
                solved.x
            }
        };
        // d_q = F_q − η_p J_qp d_p
        let mut d_q = f.get(q).clone();
        d_q.axpy(-eta_p, &s.mixed(w, xi, p, &d_p, false));
        let mut d = Players::new(d_p.clone(), d_q.clone());
        if p == Player::Phi {
            d = Players::new(d_q, d_p);
        }
        for pl in Player::BOTH {
            let wp = w.get_mut(pl);
            wp.axpy(-*s.eta.get(pl), d.get(pl));
            wp.project(s.constraints.get(pl));
        }
        *previous = Some(d);
        if self.alternate {
            *solve_theta = !*solve_theta;
        }
    }
}
