//! Extra anchored gradient (Yoon & Ryu, *Accelerated algorithms for smooth convex-concave
//! minimax problems with O(1/k²) rate on squared gradient norm*, ICML 2021, PMLR 139):
//! extragradient whose two half-steps both start from a point pulled toward the starting point
//! z₀ with weight β_k = 1/(k+2),
//!
//! ```text
//! z_{k+½} = z_k + β_k(z₀ − z_k) − α_k F(z_k)
//! z_{k+1} = z_k + β_k(z₀ − z_k) − α_k F(z_{k+½})
//! ```
//!
//! EAG-C keeps α_k = α (the paper's theorem takes α ≤ 1/(8L)); EAG-V starts at α₀ (≤ 0.618/L)
//! and follows α_{k+1} = α_k/(1 − α_k²L²) · (1 − (k+2)²/((k+1)(k+3)) α_k²L²), which falls to a
//! positive limit. Both reach ‖F(z_k)‖² = O(L²‖z₀ − z*‖²/k²) on smooth convex-concave
//! problems, where extragradient's last iterate has O(1/k); the rate is matched by a lower
//! bound. Here α = η (per player); EAG-V scales both players' η by α_k/α₀ computed from η_θ
//! and the given L, which is the paper's method when the players share η. The anchor weight
//! changes every step, so EAG has no fixed iteration operator. Reference code used to check
//! the update: the paper's algorithm boxes (no official code); the constants of its theorems
//! were not re-read here (see the EAG test).

use super::{SchemeKind, SchemeState, SchemeStep};
use crate::optim::method::{Cost, Method, Parts};
use crate::optim::registry::{Memory, Mine};
use crate::optim::step::{Base, Grad, Step};
use crate::optim::Hyper;
use crate::players::{Player, Players};
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// EAG's step sizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum EagStep {
    /// EAG-C: α_k = η.
    #[default]
    Constant,
    /// EAG-V: α₀ = η, then the paper's recursion with Lipschitz constant L.
    Varying {
        /// L, the Lipschitz constant of F.
        lipschitz: f64,
    },
}

/// `Eag(step: Constant)` or `Eag(step: Varying(lipschitz: 1.0))`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eag {
    /// EAG-C or EAG-V.
    #[serde(default)]
    pub step: EagStep,
}

/// The anchor, the iteration count and EAG-V's step ratio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V> {
    /// z₀.
    pub anchor: Players<V>,
    /// k, the iterations EAG has made.
    pub k: u64,
    /// α_k/α₀ (1 for EAG-C).
    pub ratio: f64,
}

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, f: &mut dyn FnMut(&mut V)) {
        self.anchor.visit(f);
    }
}

impl Method for Eag {
    fn name(&self) -> &'static str {
        match self.step {
            EagStep::Constant => "eag-c",
            EagStep::Varying { .. } => "eag-v",
        }
    }

    fn cost(&self, _h: &Hyper) -> Cost {
        Cost::new(2.0, 0.0, 0.0)
    }

    fn linear(&self) -> Result<(), String> {
        Err("EAG's anchor weight 1/(k+2) (and EAG-V's step) change every step, so it has no fixed iteration operator; its rate is sublinear, ‖F(z_k)‖² = O(1/k²)".into())
    }

    fn validate(&self) -> Result<(), String> {
        if let EagStep::Varying { lipschitz } = self.step {
            crate::optim::live::Range::Positive.check("step.lipschitz", lipschitz)?;
        }
        Ok(())
    }

    fn combines(&self, with: &Parts<'_>) -> Result<(), String> {
        for p in Player::BOTH {
            let r = with.rules.get(p);
            if r.name() != "gradient" {
                return Err(format!(
                    "rules.{p}: EAG's anchoring and step sizes are derived for plain gradient steps (Yoon & Ryu 2021), not for the {} rule; use Gradient",
                    r.name()
                ));
            }
        }
        Ok(())
    }
}

impl SchemeKind for Eag {
    fn extrapolates(&self) -> bool {
        true
    }

    fn extrapolation(&self) -> Option<&'static str> {
        Some("extrapolates to z_{k+½} with F(z_k) and steps from the anchored z_k with F(z_{k+½})")
    }
}

impl<V: Moves> SchemeStep<V> for Eag {
    fn init(&self, w0: &Players<V>) -> SchemeState<V> {
        State {
            anchor: w0.clone(),
            k: 0,
            ratio: 1.0,
        }
        .into()
    }

    fn step(&self, s: &mut Step<'_, V>, w: &mut Players<V>, st: &mut SchemeState<V>) {
        let State { anchor, k, ratio } = st.mine();
        let beta = 1.0 / (*k as f64 + 2.0);
        // The anchored base z_k + β_k(z₀ − z_k), for both half-steps.
        for p in Player::BOTH {
            s.sc.saved.get_mut(p).assign(w.get(p));
            s.sc.saved.get_mut(p).scale_add(1.0 - beta, beta, anchor.get(p));
        }
        let eta = s.eta;
        s.eta = eta.map(|e| e * *ratio);
        let xi = s.sample();
        s.field(w, xi);
        s.advance_both(w, Grad::Fresh, Base::Saved);
        s.observe_extrapolated(w);
        let xi = s.sample();
        s.field(w, xi);
        s.advance_both(w, Grad::Fresh, Base::Saved);
        s.eta = eta;
        if let EagStep::Varying { lipschitz } = self.step {
            let x2 = (*ratio * eta.theta * lipschitz).powi(2);
            let kk = *k as f64;
            let c = (kk + 2.0).powi(2) / ((kk + 1.0) * (kk + 3.0));
            *ratio *= (1.0 - c * x2) / (1.0 - x2);
        }
        *k += 1;
    }
}
