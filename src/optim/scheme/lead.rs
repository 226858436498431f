//! Least-action dynamics, LEAD (Hemmat, Mitra, Lajoie & Mitliagkas 2020; reference code
//! ReyhaneAskari/Least_action_dynamics_minmax): a gradient step plus a coupling term built
//! from the other player's last move,
//!
//! ```text
//! x_{k+1} = x_k + β(x_k − x_{k−1}) − η∇_x f − α∇²_xy f (y_k − y_{k−1})
//! y_{k+1} = y_k + β(y_k − y_{k−1}) + η∇_y f + α∇²_yx f (x_k − x_{k−1})
//! ```
//!
//! for min_x max_y f. In saddle's convention (each player minimizes its own loss, F its field,
//! J_pq = ∂F_p/∂q) both lines read p ← p − η·d(F_p + c·J_pq Δq), with the momentum β the
//! `HeavyBall` rule's (its buffer form equals the (x_k − x_{k−1}) form while η is constant).
//! `coupling: Step` puts c = α/η_p, so α enters the step itself as in the paper and in
//! `Lyapunov.py`; `coupling: Gradient` puts c = α, the coupling added to the gradient the rule
//! sees, as `Fig_2_8Gaussians_compare/slead_8g.py`'s LEAD-Adam does (`grad − α·vjp` into
//! Adam; its vjp is J_qpᵀΔq = −J_pqΔq for the zero-sum loss it uses).
//!
//! `order: GeneratorFirst` follows `Lyapunov.py` (figure 1): x moves first; y's gradient sees
//! the new x while its coupling uses the old change of x. (In that script each half-step also
//! resets the other player's saved previous point, so its momentum difference is always zero
//! and its β = 0.5 has no effect: the reproduction runs with β = 0.) Two J·v per step, one per
//! mixed block; LEAD with β = 0, α = η and the `Step` coupling is optimistic gradient on a
//! bilinear game. Linear, so its operator is derived.

use super::{SchemeKind, SchemeState, SchemeStep};
use crate::game::Sample;
use crate::optim::live::{MethodParam, Range};
use crate::optim::method::{Cost, Method, Parts};
use crate::optim::registry::{Memory, Mine};
use crate::optim::step::{Base, Grad, Step};
use crate::optim::Hyper;
use crate::players::{Player, Players};
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// Who moves when.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeadOrder {
    /// Both players at ω_k (the paper's equations).
    #[default]
    Simultaneous,
    /// The generator, then the discriminator seeing it (`Lyapunov.py`).
    GeneratorFirst,
}

/// Where α enters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Coupling {
    /// In the step: the rule sees F_p + (α/η_p)·J_pqΔq (the paper, `Lyapunov.py`).
    #[default]
    Step,
    /// In the gradient: the rule sees F_p + α·J_pqΔq (`slead_8g.py`'s LEAD-Adam).
    Gradient,
}

/// `Lead(alpha: 0.51, order: Simultaneous, coupling: Step)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lead {
    /// The coupling coefficient α (initial value; live-tunable as `alpha`).
    pub alpha: f64,
    /// Simultaneous or generator first.
    #[serde(default)]
    pub order: LeadOrder,
    /// Where α enters.
    #[serde(default)]
    pub coupling: Coupling,
}

/// The previous iterate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V> {
    /// ω_{k−1} (ω₀ at the start, so the first coupling is zero).
    pub previous: Players<V>,
}

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        self.previous.visit(f);
    }
}

const ALPHA: &str = "alpha";

impl Method for Lead {
    fn name(&self) -> &'static str {
        "lead"
    }

    fn params(&self) -> Vec<MethodParam> {
        vec![MethodParam {
            name: ALPHA,
            symbol: "α",
            about: "LEAD's coupling: −α·J_pq(q_k − q_{k−1})",
            range: Range::NonNegative,
            initial: self.alpha,
        }]
    }

    fn cost(&self, _h: &Hyper) -> Cost {
        match self.order {
            LeadOrder::Simultaneous => Cost::new(1.0, 2.0, 0.0),
            LeadOrder::GeneratorFirst => Cost::new(2.0, 2.0, 0.0),
        }
    }

    fn validate(&self) -> Result<(), String> {
        Range::NonNegative.check(ALPHA, self.alpha)
    }

    fn combines(&self, with: &Parts<'_>) -> Result<(), String> {
        match with.field {
            Some(f) => Err(format!(
                "field: LEAD's coupling is built on the game's own Jacobian; a transformed field ({}) has none",
                f.name()
            )),
            None => Ok(()),
        }
    }
}

impl SchemeKind for Lead {
    fn extrapolation(&self) -> Option<&'static str> {
        Some("adds −α·J_pq(q_k − q_{k−1}), the gradient's change along the other player's last move")
    }
}

impl Lead {
    /// g_p ← g_p + c_p·J_pq(Δq) at `w` on `xi` (Δq = q − q_prev), and the previous point of p
    /// ← p.
    #[allow(clippy::too_many_arguments)]
    fn couple<V: Moves>(
        &self,
        s: &mut Step<'_, V>,
        w: &Players<V>,
        xi: Sample,
        p: Player,
        delta_q: &V,
        alpha: f64,
    ) {
        let c = match self.coupling {
            Coupling::Step => alpha / *s.eta.get(p),
            Coupling::Gradient => alpha,
        };
        let j = s.mixed(w, xi, p.other(), delta_q, false);
        s.sc.g.get_mut(p).axpy(c, &j);
    }
}

impl<V: Moves> SchemeStep<V> for Lead {
    fn init(&self, w0: &Players<V>) -> SchemeState<V> {
        State {
            previous: w0.clone(),
        }
        .into()
    }

    fn step(&self, s: &mut Step<'_, V>, w: &mut Players<V>, st: &mut SchemeState<V>) {
        let State { previous } = st.mine();
        let alpha = s.hyper.value(ALPHA);
        let mut delta = w.clone();
        delta.theta.axpy(-1.0, &previous.theta);
        delta.phi.axpy(-1.0, &previous.phi);
        previous.theta.assign(&w.theta);
        previous.phi.assign(&w.phi);
        match self.order {
            LeadOrder::Simultaneous => {
                let xi = s.sample();
                s.field(w, xi);
                self.couple(s, w, xi, Player::Theta, &delta.phi, alpha);
                self.couple(s, w, xi, Player::Phi, &delta.theta, alpha);
                s.advance_both(w, Grad::Fresh, Base::Current);
            }
            LeadOrder::GeneratorFirst => {
                for p in Player::BOTH {
                    let xi = s.sample();
                    s.gradient(p, w, xi);
                    self.couple(s, w, xi, p, delta.get(p.other()), alpha);
                    s.advance(p, w.get_mut(p), Grad::Fresh, Base::Current);
                }
            }
        }
    }
}
