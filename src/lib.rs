//! saddle: a terminal dashboard and experiment runner for optimization in two-player games.
//!
//! Dependencies point one way: `tui` → `run` → {`optim`, `analysis`} → `game`.

pub mod game;
pub mod neural;
pub mod linalg;
pub mod optim;
pub mod players;
pub mod rng;
pub mod vector;
pub mod analysis;
pub mod error;
pub mod run;
pub mod cli;
