//! Symplectic gradient adjustment, SGA (Balduzzi, Racanière, Martens, Foerster, Tuyls &
//! Graepel, *The mechanics of n-player differentiable games*, ICML 2018; the
//! deepmind/symplectic-gradient-adjustment notebook, `SymplecticOptimizer`, which wraps TF 1's
//! RMSProp):
//!
//! ```text
//! Aᵀξ = ½(Jᵀ − J)ξ,   F̃ = ξ + λ·Aᵀξ,
//! λ = sign(⟨ξ, Jᵀξ⟩·⟨Aᵀξ, Jᵀξ⟩/n + 0.1)·reg      (with the alignment rule; else λ = reg)
//! ```
//!
//! with ξ the field and n the number of variable tensors (both players'). One J·v and one
//! Jᵀ·v per field evaluation (three J·v-equivalents with the gradient). On θφ, ⟨ξ, Jᵀξ⟩ = 0,
//! so λ = +reg and SGA is ConOpt with γ = reg. Near an equilibrium ξ → 0, the product of inner
//! products (fourth order in ξ) vanishes against 0.1, so λ = +reg there: that is the linear
//! map `analysis` derives (symbolic vectors have no inner products and take this branch).
//! Each choice of the rule is counted in the oracle's notes, and the run logs the share of
//! negative choices between two rows as `lambda_negative_share`.

use super::{dot, FieldKind, FieldStep};
use crate::game::Sample;
use crate::optim::live::{MethodParam, Range};
use crate::optim::method::{Cost, Method};
use crate::optim::notes::Note;
use crate::optim::oracle::Oracle;
use crate::optim::Hyper;
use crate::players::Players;
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// `Sga(lambda: 1.0, align: true)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sga {
    /// reg, the magnitude of λ (initial value; live-tunable as `lambda`).
    #[serde(default = "one")]
    pub lambda: f64,
    /// Choose λ's sign by the alignment rule (the notebook's `use_signs=True`).
    #[serde(default = "yes")]
    pub align: bool,
}

fn one() -> f64 {
    1.0
}

fn yes() -> bool {
    true
}

const LAMBDA: &str = "lambda";

impl Method for Sga {
    fn name(&self) -> &'static str {
        "sga"
    }

    fn params(&self) -> Vec<MethodParam> {
        vec![MethodParam {
            name: LAMBDA,
            symbol: "λ",
            about: "SGA's adjustment: ξ + λAᵀξ (its sign by alignment)",
            range: Range::NonNegative,
            initial: self.lambda,
        }]
    }

    fn cost(&self, _h: &Hyper) -> Cost {
        Cost::new(1.0, 1.0, 1.0)
    }

    fn notes(&self) -> Vec<Note> {
        if self.align {
            vec![Note::LambdaNegativeShare]
        } else {
            vec![]
        }
    }

    fn validate(&self) -> Result<(), String> {
        Range::NonNegative.check(LAMBDA, self.lambda)
    }
}

impl FieldKind for Sga {}

impl<V: Moves> FieldStep<V> for Sga {
    fn transformed(
        &self,
        o: &mut dyn Oracle<V = V>,
        h: &Hyper,
        w: &Players<V>,
        s: Sample,
        out: &mut Players<V>,
    ) {
        o.field(w, s, out);
        let mut jxi = w.map(|v| v.zeros_like());
        let mut jtxi = w.map(|v| v.zeros_like());
        o.jvp(w, s, out, &mut jxi);
        o.vjp(w, s, out, &mut jtxi);
        // Aᵀξ = ½(Jᵀξ − Jξ), into jxi.
        jxi.theta.scale_add(-0.5, 0.5, &jtxi.theta);
        jxi.phi.scale_add(-0.5, 0.5, &jtxi.phi);
        let reg = h.value(LAMBDA);
        let n = (w.theta.parts() + w.phi.parts()) as f64;
        let lambda = if self.align {
            match (dot(out, &jtxi), dot(&jxi, &jtxi)) {
                (Some(a), Some(b)) => {
                    let x = a * b / n + 0.1;
                    if let Some(notes) = o.notes() {
                        notes.sga_aligned += 1;
                        notes.sga_negative += u64::from(x < 0.0);
                    }
                    // tf.sign(0) = 0; NaN (a diverged run) keeps the local branch.
                    if x > 0.0 || x.is_nan() {
                        reg
                    } else if x < 0.0 {
                        -reg
                    } else {
                        0.0
                    }
                }
                _ => reg,
            }
        } else {
            reg
        };
        out.theta.axpy(lambda, &jxi.theta);
        out.phi.axpy(lambda, &jxi.phi);
    }
}
