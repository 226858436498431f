//! saddle: a terminal dashboard and experiment runner for optimization in two-player games.
//!
//! Dependencies point one way: `tui` → `run` → {`optim`, `analysis`} → `game`.

pub mod analysis;
pub mod cli;
pub mod error;
pub mod game;
pub mod linalg;
pub mod machine;
pub mod neural;
pub mod optim;
pub mod players;
pub mod rng;
pub mod run;
pub mod score;
pub mod tui;
pub mod vector;
