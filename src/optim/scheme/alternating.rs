//! Alternating gradient (Gauss–Seidel) with k discriminator steps per generator step (\[VI\]
//! §2.2, eq. 11; \[NM\]). REF-VI's "AltAdam5" is `d_steps: 4`.

use super::{SchemeKind, SchemeState, SchemeStep};
use crate::optim::method::{Cost, Method};
use crate::optim::registry::Memory;
use crate::optim::step::{Base, Grad, Step};
use crate::optim::Hyper;
use crate::players::{Player, Players};
use crate::vector::Moves;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// Which player moves first in an alternating scheme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Order {
    /// k discriminator steps, then the generator step sees the new φ (\[VI\] §7, \[NM\]).
    #[default]
    DiscriminatorFirst,
    /// The generator step, then k discriminator steps seeing the new θ (\[VI\] eq. 11).
    GeneratorFirst,
}

/// `Alternating(d_steps: 1, order: DiscriminatorFirst)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternating {
    /// Discriminator steps per generator step (initial value; live-tunable).
    #[serde(default = "one")]
    pub d_steps: u32,
    /// Who moves first.
    #[serde(default)]
    pub order: Order,
}

fn one() -> u32 {
    1
}

/// Nothing is remembered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State<V>(PhantomData<V>);

impl<V> Memory<V> for State<V> {
    fn visit(&mut self, _f: &mut dyn FnMut(&mut V)) {}
}

impl Method for Alternating {
    fn name(&self) -> &'static str {
        "alternating"
    }

    fn cost(&self, h: &Hyper) -> Cost {
        Cost::new(h.d_steps as f64 + 1.0, 0.0, 0.0)
    }

    fn validate(&self) -> Result<(), String> {
        Hyper::validate_d_steps(self.d_steps)
    }
}

impl SchemeKind for Alternating {
    fn d_steps(&self) -> Option<u32> {
        Some(self.d_steps)
    }
}

/// One move of player `p` on a fresh sample, seeing the other player's newest parameters.
fn move_player<V: Moves>(s: &mut Step<'_, V>, w: &mut Players<V>, p: Player) {
    let xi = s.sample();
    s.gradient(p, w, xi);
    s.advance(p, w.get_mut(p), Grad::Fresh, Base::Current);
}

impl<V: Moves> SchemeStep<V> for Alternating {
    fn init(&self, _w0: &Players<V>) -> SchemeState<V> {
        State(PhantomData).into()
    }

    /// k = d_steps discriminator steps and one generator step, in `order`.
    fn step(&self, s: &mut Step<'_, V>, w: &mut Players<V>, _st: &mut SchemeState<V>) {
        let k = s.hyper.d_steps;
        if self.order == Order::GeneratorFirst {
            move_player(s, w, Player::Theta);
        }
        for _ in 0..k {
            move_player(s, w, Player::Phi);
        }
        if self.order == Order::DiscriminatorFirst {
            move_player(s, w, Player::Theta);
        }
    }
}
