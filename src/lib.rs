//! saddle: a terminal dashboard and experiment runner for optimization in two-player games.
//!
//! Dependencies point one way: `tui` → `run` → {`optim`, `analysis`} → `game`.

pub mod analysis;
pub mod check;
pub mod cli;
pub mod clock;
pub mod constraint;
pub mod error;
pub mod files;
pub mod game;
pub mod linalg;
pub mod neural;
pub mod optim;
pub mod players;
pub mod rng;
pub mod run;
pub mod score;
pub mod setup;
pub mod special;
pub mod tui;
pub mod variant_name;
pub mod vector;
