//! Averaging of iterates ([VI] §3.1, eqs. 7–8, Algorithms 1–3), as its own component: it only
//! watches the points a scheme produces and never changes them.
//!
//! | kind | over `Updates` (ω₀ … ω_T) | over `Extrapolated` (ω′₀ … ω′_{T−1}) |
//! |---|---|---|
//! | `Uniform` | (1/(T+1)) Σ ω_t, ω₀ included (REF-VI) | (1/T) Σ ω′_t |
//! | `Ema` | ω̄ ← β ω̄ + (1−β) ω, ω̄₀ = ω₀, no bias correction (REF-VI) | same, ω̄ starts at ω′₀ |
//! | `EtaWeighted` | Σ_{t<T} η_t ω_t / Σ η_t (Algorithm 1) | Σ η_t ω′_t / Σ η_t (Algorithms 2–3) |
//!
//! Both players are averaged, each with its own η weights. Averaging does not change the
//! dynamics or their spectral radius; it can turn a bounded cycle into O(1/t) convergence.

use crate::players::{Player, Players};
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// Which weights the average uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AverageKind {
    /// Equal weights.
    Uniform,
    /// Exponential moving average with the averager's β.
    Ema,
    /// Weights η_t (uniform when η is constant).
    EtaWeighted,
}

/// Which points are averaged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AveragePoints {
    /// The iterates ω_t after each update (and ω₀).
    #[default]
    Updates,
    /// The extrapolated points ω_{t+½} of extragradient-type schemes.
    Extrapolated,
}

/// One average a run keeps, as a preset writes it: `(kind: Ema, beta: 0.999)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AverageSpec {
    /// Weights.
    pub kind: AverageKind,
    /// Points.
    #[serde(default)]
    pub over: AveragePoints,
    /// The EMA's β (required for `Ema`, refused otherwise); live-tunable.
    #[serde(default)]
    pub beta: Option<f64>,
}

impl AverageSpec {
    /// The name used in metrics columns (`distance_to_equilibrium_<name>`) and the dashboard.
    pub fn name(&self) -> String {
        let base = match self.kind {
            AverageKind::Uniform => "uniform",
            AverageKind::Ema => "ema",
            AverageKind::EtaWeighted => "eta_weighted",
        };
        match self.over {
            AveragePoints::Updates => base.to_string(),
            AveragePoints::Extrapolated => format!("{base}_extrapolated"),
        }
    }

    /// Checks β is given exactly for EMAs and lies in [0, 1).
    pub fn validate(&self) -> Result<(), String> {
        match (self.kind, self.beta) {
            (AverageKind::Ema, None) => {
                Err("an Ema average needs beta, e.g. (kind: Ema, beta: 0.999)".into())
            }
            (AverageKind::Ema, Some(b)) if !(b.is_finite() && (0.0..1.0).contains(&b)) => {
                Err(format!("the Ema average's beta must be in [0, 1), got {b}"))
            }
            (AverageKind::Uniform | AverageKind::EtaWeighted, Some(_)) => Err(format!(
                "beta applies only to Ema averages, not {:?}",
                self.kind
            )),
            _ => Ok(()),
        }
    }
}

/// The running value of one average.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AverageState<V> {
    /// The current average (None until the first point).
    pub value: Option<Players<V>>,
    /// Total weight so far, per player (number of points for `Uniform`).
    pub weight: Players<f64>,
    /// β in force (Ema only).
    pub beta: f64,
}

impl AverageSpec {
    /// Initial state; averages over updates start at ω₀.
    pub fn init<V: Moves>(&self, w0: &Players<V>) -> AverageState<V> {
        let mut st = AverageState {
            value: None,
            weight: Players::both(0.0),
            beta: self.beta.unwrap_or(0.0),
        };
        if self.over == AveragePoints::Updates && self.kind != AverageKind::EtaWeighted {
            st.value = Some(w0.clone());
            st.weight = Players::both(1.0);
        }
        st
    }

    fn add<V: Moves>(&self, st: &mut AverageState<V>, w: &Players<V>, eta: Players<f64>) {
        let Some(avg) = st.value.as_mut() else {
            st.value = Some(w.clone());
            st.weight = match self.kind {
                AverageKind::EtaWeighted => eta,
                _ => Players::both(1.0),
            };
            return;
        };
        for p in Player::BOTH {
            let (a, x) = (avg.get_mut(p), w.get(p));
            match self.kind {
                AverageKind::Uniform => {
                    let n = st.weight.get_mut(p);
                    *n += 1.0;
                    a.scale_add(1.0 - 1.0 / *n, 1.0 / *n, x);
                }
                AverageKind::EtaWeighted => {
                    let s = st.weight.get_mut(p);
                    *s += eta.get(p);
                    let r = eta.get(p) / *s;
                    a.scale_add(1.0 - r, r, x);
                }
                AverageKind::Ema => a.scale_add(st.beta, 1.0 - st.beta, x),
            }
        }
    }

    /// Called with ω_t and η_t before the step that leaves ω_t.
    pub fn before_step<V: Moves>(
        &self,
        st: &mut AverageState<V>,
        w: &Players<V>,
        eta: Players<f64>,
    ) {
        if self.over == AveragePoints::Updates && self.kind == AverageKind::EtaWeighted {
            self.add(st, w, eta);
        }
    }

    /// Called with an extrapolated point ω_{t+½} and its η_t.
    pub fn extrapolated<V: Moves>(
        &self,
        st: &mut AverageState<V>,
        w: &Players<V>,
        eta: Players<f64>,
    ) {
        if self.over == AveragePoints::Extrapolated {
            self.add(st, w, eta);
        }
    }

    /// Called with ω_{t+1} after an update.
    pub fn after_step<V: Moves>(
        &self,
        st: &mut AverageState<V>,
        w: &Players<V>,
        eta: Players<f64>,
    ) {
        if self.over == AveragePoints::Updates && self.kind != AverageKind::EtaWeighted {
            self.add(st, w, eta);
        }
    }
}
