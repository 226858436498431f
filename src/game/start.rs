//! Where the players start: drawn at random from the preset's seed, or given.

use crate::constraint::Constraint;
use crate::players::{Player, Players};
use crate::rng::Rng;
use crate::vector::Moves;
use serde::{Deserialize, Serialize};

/// Where the players start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Start {
    /// Every entry drawn from N(0, scale²) (seeded by the preset's seed), then projected.
    Random {
        /// Standard deviation of each entry.
        scale: f64,
    },
    /// An explicit point.
    Point {
        /// The generator's starting parameters.
        theta: Vec<f64>,
        /// The discriminator's starting parameters.
        phi: Vec<f64>,
    },
}

impl Default for Start {
    fn default() -> Self {
        Start::Random { scale: 1.0 }
    }
}

/// Draws the starting point described by `start` for players of dimensions `dims`, then
/// projects it onto `constraints`.
pub fn start_point(
    start: &Start,
    dims: Players<usize>,
    constraints: &Players<Constraint>,
    seed: u64,
) -> Result<Players<Vec<f64>>, String> {
    let mut w = match start {
        Start::Random { scale } if !scale.is_finite() || *scale < 0.0 => {
            return Err(format!(
                "start: Random scale must be finite and ≥ 0, got {scale}"
            ));
        }
        Start::Random { scale } => {
            let mut rng = Rng::derive(seed, "start");
            Players {
                theta: (0..dims.theta).map(|_| scale * rng.normal()).collect(),
                phi: (0..dims.phi).map(|_| scale * rng.normal()).collect(),
            }
        }
        Start::Point { theta, phi } => {
            for (p, v, d) in [
                (Player::Theta, theta, dims.theta),
                (Player::Phi, phi, dims.phi),
            ] {
                if v.len() != d {
                    return Err(format!(
                        "start.{p} has {} entries but the game's {p} has dimension {d}",
                        v.len()
                    ));
                }
                if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
                    return Err(format!(
                        "start.{p}[{i}] must be finite, got {x} (numbers beyond ±1.8e308, such as 1e400, read as inf)"
                    ));
                }
            }
            Players {
                theta: theta.clone(),
                phi: phi.clone(),
            }
        }
    };
    w.theta.project(&constraints.theta);
    w.phi.project(&constraints.phi);
    Ok(w)
}
