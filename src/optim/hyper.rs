//! The hyperparameters in force: read at every step, changed only through validated control
//! messages (and recorded as events), saved in checkpoints.

use crate::players::{Player, Players};
use serde::{Deserialize, Serialize};

/// Live-tunable hyperparameters of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hyper {
    /// Base step size η per player (before the schedule).
    pub eta: Players<f64>,
    /// Momentum β per player (heavy ball's β, Adam's β₁); 0 for plain gradient.
    pub beta: Players<f64>,
    /// Discriminator steps per generator step (alternating schemes).
    pub d_steps: u32,
}

impl Hyper {
    /// Checks η > 0 finite for both players.
    pub fn validate_eta(eta: f64, p: Player) -> Result<(), String> {
        if eta.is_finite() && eta > 0.0 {
            Ok(())
        } else {
            Err(format!("eta.{p} must be finite and > 0, got {eta}"))
        }
    }

    /// Checks β ∈ (−1, 1).
    pub fn validate_beta(beta: f64, p: Player) -> Result<(), String> {
        if beta.is_finite() && beta > -1.0 && beta < 1.0 {
            Ok(())
        } else {
            Err(format!("beta.{p} must be in (-1, 1), got {beta}"))
        }
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
