//! saddle: a terminal dashboard and experiment runner for optimization in two-player games.
//!
//! # Your own game or dataset
//!
//! A program of your own runs saddle — the same command line, presets, run directories and
//! dashboard — with games and dataset readers of its own: implement [`Game`] for the game
//! (or [`DatasetReader`] for the reader), add it to a [`Registry`] with one line, and hand the
//! registry to [`cli::main_with`]. Presets then name it like a built-in one.
//!
//! ```no_run
//! use saddle::{Game, Player, Players, Registry, Sample};
//!
//! /// min_θ max_φ θ·φ + (a/2)(θ² − φ²) on ℝ × ℝ.
//! struct Damped {
//!     a: f64,
//! }
//!
//! #[derive(serde::Deserialize)]
//! struct Params {
//!     a: f64,
//! }
//!
//! impl Game for Damped {
//!     type V = Vec<f64>;
//!     fn describe(&self) -> String {
//!         format!("damped rotation, a = {}", self.a)
//!     }
//!     fn initial_point(&self) -> Players<Vec<f64>> {
//!         Players::new(vec![1.0], vec![1.0])
//!     }
//!     fn gradient(&mut self, p: Player, w: &Players<Vec<f64>>, _: Sample, out: &mut Vec<f64>) {
//!         let (t, f) = (w.theta[0], w.phi[0]);
//!         out[0] = match p {
//!             Player::Theta => f + self.a * t, // ∇_θ L_G, L_G = f
//!             Player::Phi => -t + self.a * f,  // ∇_φ L_D, L_D = −f
//!         };
//!     }
//!     fn losses(&mut self, w: &Players<Vec<f64>>) -> Players<f64> {
//!         let (t, f) = (w.theta[0], w.phi[0]);
//!         let v = t * f + 0.5 * self.a * (t * t - f * f);
//!         Players::new(v, -v)
//!     }
//!     fn equilibrium(&self) -> Option<&Players<Vec<f64>>> {
//!         None
//!     }
//! }
//!
//! fn main() {
//!     let registry = Registry::builtin()
//!         .game("Damped", |p: Params, _seed| Ok(Damped { a: p.a }));
//!     std::process::exit(saddle::cli::main_with(registry));
//! }
//! ```
//!
//! and a preset says `game: Damped(a: 0.1)`. `examples/custom_game.rs` and
//! `examples/custom_dataset.rs` are complete programs.
//!
//! # Layers
//!
//! Dependencies point one way; nothing below knows what is above it:
//!
//! ```text
//! cli → {tui, figure} → sweep → run → {setup, optim, analysis, score} → game → neural
//!     → {players, rng, linalg, stats, vector, constraint, special, check, files, clock, error, variant, variant_name}
//! ```
//!
//! `setup` builds games from presets (it knows every game and network); `game` defines the
//! games and their primitives (the field F, and J·v, Jᵀ·v through [`Game::linearize`]), which
//! `analysis` works from; `neural` holds the networks, their data and the image sampler that
//! `game` and `score` share; atomic writes (`files`) sit at the bottom. `tests/module_graph.rs`
//! checks the direction on every `crate::` path.
//!
//! The modules marked hidden in these docs are saddle's own internals, public for its
//! integration tests and benchmarks only; what a program builds on is re-exported here.

#![warn(missing_docs)]

pub mod cli;

#[doc(hidden)]
pub mod analysis;
#[doc(hidden)]
pub mod figure;
#[doc(hidden)]
pub mod game;
#[doc(hidden)]
pub mod linalg;
#[doc(hidden)]
pub mod machine;
#[doc(hidden)]
pub mod neural;
#[doc(hidden)]
pub mod optim;
#[doc(hidden)]
pub mod players;
#[doc(hidden)]
pub mod rng;
#[doc(hidden)]
pub mod run;
#[doc(hidden)]
pub mod score;
#[doc(hidden)]
pub mod setup;
#[doc(hidden)]
pub mod stats;
#[doc(hidden)]
pub mod sweep;
#[doc(hidden)]
pub mod tui;
#[doc(hidden)]
pub mod vector;

mod check;
mod clock;
mod constraint;
mod csv;
mod error;
mod files;
mod special;
mod variant;
mod variant_name;

pub use constraint::{Constraint, PlayerConstraints};
pub use game::{Game, Linearization, Sample};
pub use nalgebra::DMatrix;
pub use neural::data::DatasetReader;
pub use players::{Player, Players};
pub use rng::Rng;
pub use setup::Registry;
pub use vector::ParamVec;
