//! Lookahead-minmax (Chavdarova, Pagliardini, Stich, Fleuret & Jaggi, *Taming GANs with
//! Lookahead-Minmax*, ICLR 2021; Chavdarova/LAGAN-Lookahead_Minimax `lagan/optim/lookahead.py`
//! and `bilinear_game/batch_methods.ipynb`):
//!
//! ```text
//! ω̃ ← ω_t;  k fast steps of the base optimizer from ω̃;  ω_{t+1} = ω_t + α(ω̃_k − ω_t)
//! ```
//!
//! for both players at the same step (their code slow-updates D and G together), around any
//! base optimizer — extragradient and Adam included; the base's memory (Adam's moments)
//! carries on across outer steps, as in their code. One optimizer iteration is one outer step
//! (k fast steps), so step counts outer steps and the oracle counters all of them. Their
//! defaults: k = 5, α = 0.5. On θφ with simultaneous GD at η = 0.1, one outer step with k = 5,
//! α = 0.5 has ρ = 0.981 (plain GD: 1.005 per step). Linear when the base is.

use super::{WrapperKind, WrapperStep};
use crate::optim::live::{MethodParam, Range};
use crate::optim::method::{Cost, Method};
use crate::optim::Hyper;
use crate::players::Players;
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// `Lookahead(k: 5, alpha: 0.5)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lookahead {
    /// Fast steps per outer step (initial value; live-tunable as `lookahead.k`).
    #[serde(default = "five")]
    pub k: u32,
    /// The slow step α (initial value; live-tunable as `lookahead.alpha`).
    #[serde(default = "half")]
    pub alpha: f64,
}

fn five() -> u32 {
    5
}

fn half() -> f64 {
    0.5
}

const K: &str = "lookahead.k";
const ALPHA: &str = "lookahead.alpha";
const K_RANGE: Range = Range::Integer { lo: 1, hi: 10_000 };
const ALPHA_RANGE: Range = Range::Interval {
    lo: 0.0,
    hi: 1.0,
    lo_closed: false,
    hi_closed: true,
};

impl Method for Lookahead {
    fn name(&self) -> &'static str {
        "lookahead"
    }

    fn params(&self) -> Vec<MethodParam> {
        vec![
            MethodParam {
                name: K,
                symbol: "k",
                about: "Lookahead's fast steps per outer step",
                range: K_RANGE,
                initial: self.k as f64,
            },
            MethodParam {
                name: ALPHA,
                symbol: "α",
                about: "Lookahead's slow step: ω + α(ω̃ − ω)",
                range: ALPHA_RANGE,
                initial: self.alpha,
            },
        ]
    }

    /// The inner step's cost, k times.
    fn cost(&self, h: &Hyper) -> Cost {
        Cost::new(h.value(K), 0.0, 0.0)
    }

    fn validate(&self) -> Result<(), String> {
        K_RANGE.check("k", self.k as f64)?;
        ALPHA_RANGE.check("alpha", self.alpha)
    }
}

impl WrapperKind for Lookahead {}

impl<V: Moves> WrapperStep<V> for Lookahead {
    fn step(&self, h: &Hyper, w: &mut Players<V>, inner: &mut dyn FnMut(&mut Players<V>)) {
        let slow = w.clone();
        for _ in 0..h.value(K) as u64 {
            inner(w);
        }
        let alpha = h.value(ALPHA);
        w.theta.scale_add(alpha, 1.0 - alpha, &slow.theta);
        w.phi.scale_add(alpha, 1.0 - alpha, &slow.phi);
    }
}
