//! The hyperparameters in force: read at every step, changed only through validated control
//! messages (and recorded as events), saved in checkpoints.

use crate::players::{Player, Players};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Live-tunable hyperparameters of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hyper {
    /// Base step size η per player (before the schedule).
    pub eta: Players<f64>,
    /// Momentum β per player (heavy ball's β, Adam's β₁); 0 for plain gradient.
    pub beta: Players<f64>,
    /// Discriminator steps per generator step (alternating schemes).
    pub d_steps: u32,
    /// The methods' own live parameters by name (ConOpt's `gamma`, `lookahead.k`, …), as
    /// [`super::Optimizer::live`] lists them.
    #[serde(default)]
    pub values: BTreeMap<String, f64>,
}

impl Hyper {
    /// η and β per player, `d_steps` discriminator steps, no method parameters (they take
    /// their initial values when a state is made).
    pub fn new(eta: Players<f64>, beta: Players<f64>, d_steps: u32) -> Self {
        Hyper {
            eta,
            beta,
            d_steps,
            values: BTreeMap::new(),
        }
    }

    /// The method parameter `name` in force.
    ///
    /// # Panics
    /// When the optimizer does not have it: a method reads only the parameters it declares,
    /// which `init_state` fills in.
    pub fn value(&self, name: &str) -> f64 {
        *self
            .values
            .get(name)
            .unwrap_or_else(|| panic!("no live parameter `{name}` in force"))
    }

    /// Checks η > 0 finite for both players.
    pub fn validate_eta(eta: f64, p: Player) -> Result<(), String> {
        super::live::Range::Positive.check(&format!("eta.{p}"), eta)
    }

    /// Checks β ∈ (−1, 1).
    pub fn validate_beta(beta: f64, p: Player) -> Result<(), String> {
        super::live::Range::open(-1.0, 1.0).check(&format!("beta.{p}"), beta)
    }

    /// Checks d_steps ≥ 1.
    pub fn validate_d_steps(k: u32) -> Result<(), String> {
        if (1..=10_000).contains(&k) {
            Ok(())
        } else {
            Err(format!("d_steps must be in 1..=10000, got {k}"))
        }
    }
}
