//! Constraint sets Ω of a player, and the Euclidean projection P_Ω onto them.

use serde::{Deserialize, Serialize};

/// A player's constraint set. Projection is applied after every parameter change (after the
/// extrapolation *and* after the update in extragradient methods).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Constraint {
    /// Unconstrained (P_Ω is the identity).
    #[default]
    Free,
    /// The box [lo, hi]^d: projection clamps each entry (WGAN weight clipping is Box(−c, c)).
    Box {
        /// Lower bound of every entry.
        lo: f64,
        /// Upper bound of every entry.
        hi: f64,
    },
    /// The Euclidean ball ‖x‖ ≤ radius around the origin: projection rescales.
    Ball {
        /// Radius of the ball.
        radius: f64,
    },
}

impl Constraint {
    /// Checks the set is non-empty and finite; the message names what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            Constraint::Free => Ok(()),
            Constraint::Box { lo, hi } => {
                if !(lo.is_finite() && hi.is_finite()) {
                    Err(format!(
                        "box bounds must be finite, got lo = {lo}, hi = {hi}"
                    ))
                } else if lo > hi {
                    Err(format!("box is empty: lo = {lo} > hi = {hi}"))
                } else {
                    Ok(())
                }
            }
            Constraint::Ball { radius } => {
                if radius.is_finite() && radius > 0.0 {
                    Ok(())
                } else {
                    Err(format!("ball radius must be finite and > 0, got {radius}"))
                }
            }
        }
    }

    /// True when `x` lies in the set (up to `tol`).
    pub fn contains(&self, x: &[f64], tol: f64) -> bool {
        match *self {
            Constraint::Free => true,
            Constraint::Box { lo, hi } => x.iter().all(|&v| v >= lo - tol && v <= hi + tol),
            Constraint::Ball { radius } => {
                x.iter().map(|v| v * v).sum::<f64>().sqrt() <= radius + tol
            }
        }
    }
}

/// Per-player constraint sets in a preset.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PlayerConstraints {
    /// The generator's set.
    #[serde(default)]
    pub theta: Constraint,
    /// The discriminator's set.
    #[serde(default)]
    pub phi: Constraint,
}
