//! The two players of a game and per-player values.
//!
//! θ (`theta`) is the generator: it minimizes L_G. φ (`phi`) is the discriminator: it minimizes
//! L_D (for a zero-sum game L_D = −L_G, so φ maximizes L_G). Every per-player quantity in saddle
//! (parameters, gradients, step sizes η, momenta β, optimizer state) is a [`Players`] value, so the
//! two players can never be mixed up by position.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// One of the two players.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Player {
    /// The generator θ, minimizing L_G.
    Theta,
    /// The discriminator φ, minimizing L_D.
    Phi,
}

impl Player {
    /// Both players, generator first (the order of ω = (θ, φ)).
    pub const BOTH: [Player; 2] = [Player::Theta, Player::Phi];

    /// The other player.
    pub fn other(self) -> Player {
        match self {
            Player::Theta => Player::Phi,
            Player::Phi => Player::Theta,
        }
    }

    /// The name used in presets, CLI flags, metrics columns and the dashboard.
    pub fn name(self) -> &'static str {
        match self {
            Player::Theta => "theta",
            Player::Phi => "phi",
        }
    }
}

impl fmt::Display for Player {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value for each player: `theta` (generator) and `phi` (discriminator).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Players<T> {
    /// The generator's value.
    pub theta: T,
    /// The discriminator's value.
    pub phi: T,
}

impl<T> Players<T> {
    /// Builds from the two values.
    pub fn new(theta: T, phi: T) -> Self {
        Players { theta, phi }
    }

    /// The same value for both players.
    pub fn both(v: T) -> Self
    where
        T: Clone,
    {
        Players {
            theta: v.clone(),
            phi: v,
        }
    }

    /// The value of player `p`.
    pub fn get(&self, p: Player) -> &T {
        match p {
            Player::Theta => &self.theta,
            Player::Phi => &self.phi,
        }
    }

    /// The value of player `p`, mutably.
    pub fn get_mut(&mut self, p: Player) -> &mut T {
        match p {
            Player::Theta => &mut self.theta,
            Player::Phi => &mut self.phi,
        }
    }

    /// Applies `f` to both values.
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> Players<U> {
        Players {
            theta: f(&self.theta),
            phi: f(&self.phi),
        }
    }

    /// Applies `f` to both values, with the player.
    pub fn map_with<U>(&self, mut f: impl FnMut(Player, &T) -> U) -> Players<U> {
        Players {
            theta: f(Player::Theta, &self.theta),
            phi: f(Player::Phi, &self.phi),
        }
    }
}

/// A per-player number in a preset: either one number for both players (`eta: 0.1`) or one each
/// (`eta: (theta: 0.01, phi: 0.1)`). It deserializes through `deserialize_any` so that RON keeps
/// the error position, and serializes back to the short form when both values are equal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PerPlayer(pub Players<f64>);

impl Serialize for PerPlayer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.theta.to_bits() == self.0.phi.to_bits() {
            s.serialize_f64(self.0.theta)
        } else {
            self.0.serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for PerPlayer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Scalars;
        impl<'de> Visitor<'de> for Scalars {
            type Value = PerPlayer;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or one per player as (theta: <number>, phi: <number>)")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(PerPlayer(Players::both(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(PerPlayer(Players::both(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(PerPlayer(Players::both(v as f64)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let (mut theta, mut phi) = (None, None);
                while let Some(k) = m.next_key::<String>()? {
                    let slot = match k.as_str() {
                        "theta" => &mut theta,
                        "phi" => &mut phi,
                        other => {
                            return Err(de::Error::custom(format!(
                                "unknown player `{other}`, expected `theta` or `phi`"
                            )))
                        }
                    };
                    if slot.is_some() {
                        return Err(de::Error::custom(format!("player `{k}` given twice")));
                    }
                    *slot = Some(m.next_value::<f64>()?);
                }
                match (theta, phi) {
                    (Some(theta), Some(phi)) => Ok(PerPlayer(Players { theta, phi })),
                    (None, _) => Err(de::Error::custom("missing player `theta`")),
                    (_, None) => Err(de::Error::custom("missing player `phi`")),
                }
            }
        }
        d.deserialize_any(Scalars)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_player_accepts_scalar_and_pair() {
        let a: PerPlayer = ron::from_str("0.5").unwrap();
        assert_eq!(a.0, Players::both(0.5));
        assert_eq!(ron::to_string(&a).unwrap(), "0.5");
        let b: PerPlayer = ron::from_str("(theta: 1, phi: -0.5)").unwrap();
        assert_eq!(b.0, Players::new(1.0, -0.5));
        let back: PerPlayer = ron::from_str(&ron::to_string(&b).unwrap()).unwrap();
        assert_eq!(back, b);
        let e = ron::from_str::<PerPlayer>("(theta: 1)").unwrap_err();
        assert!(e.to_string().contains("missing player `phi`"), "{e}");
        let e = ron::from_str::<PerPlayer>("(theta: 1, psi: 2)").unwrap_err();
        assert!(e.to_string().contains("unknown player `psi`"), "{e}");
    }
}
