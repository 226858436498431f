//! Hamiltonian gradient descent (Balduzzi et al. 2018; Loizou, Berard, Jolicoeur-Martineau,
//! Vincent, Lacoste-Julien & Mitliagkas, *Stochastic Hamiltonian gradient methods for smooth
//! games*, ICML 2020): descent on the Hamiltonian H = ½‖F‖²,
//!
//! ```text
//! F̃ = ∇H = JᵀF,      stochastic and unbiased: ½(J₁ᵀξ₂ + J₂ᵀξ₁)
//! ```
//!
//! with two independent samples in the unbiased form (`independent_samples: true`; two
//! gradients and two Jᵀ·v), else one sample (one gradient and one Jᵀ·v, biased for stochastic
//! games, exact for deterministic ones). No official code was found; the update follows the
//! papers. On θφ, JᵀF = (θ, φ), so ρ = 1 − η.

use super::{FieldKind, FieldStep};
use crate::game::Sample;
use crate::optim::method::{Cost, Method};
use crate::optim::oracle::Oracle;
use crate::optim::Hyper;
use crate::players::Players;
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// `Hamiltonian(independent_samples: false)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hamiltonian {
    /// The unbiased two-sample estimate ½(J₁ᵀξ₂ + J₂ᵀξ₁).
    #[serde(default)]
    pub independent_samples: bool,
}

impl Method for Hamiltonian {
    fn name(&self) -> &'static str {
        "hamiltonian"
    }

    fn cost(&self, _h: &Hyper) -> Cost {
        if self.independent_samples {
            Cost::new(2.0, 0.0, 2.0)
        } else {
            Cost::new(1.0, 0.0, 1.0)
        }
    }
}

impl FieldKind for Hamiltonian {}

impl<V: Moves> FieldStep<V> for Hamiltonian {
    fn transformed(
        &self,
        o: &mut dyn Oracle<V = V>,
        _h: &Hyper,
        w: &Players<V>,
        s: Sample,
        out: &mut Players<V>,
    ) {
        let mut xi = w.map(|v| v.zeros_like());
        o.field(w, s, &mut xi);
        if !self.independent_samples {
            o.vjp(w, s, &xi, out);
            return;
        }
        let s2 = o.sample();
        let mut xi2 = w.map(|v| v.zeros_like());
        o.field(w, s2, &mut xi2);
        let mut other = w.map(|v| v.zeros_like());
        o.vjp(w, s, &xi2, out);
        o.vjp(w, s2, &xi, &mut other);
        out.theta.scale_add(0.5, 0.5, &other.theta);
        out.phi.scale_add(0.5, 0.5, &other.phi);
    }
}
