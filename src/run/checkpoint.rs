//! Checkpoints: everything needed to continue a run exactly — parameters, every optimizer
//! memory (momentum buffers, Adam moments and counters, stored gradients and directions), the
//! averages, the RNG state, the counters and the hyperparameters in force.

use super::store::{write_atomic, RunDir};
use crate::error::{io_error, Error, Result};
use crate::optim::OptimState;
use crate::players::Players;
use crate::rng::Rng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

const MAGIC: &[u8; 12] = b"SADDLE-CK01\n";

/// The state of a run between two iterations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunState<V> {
    /// Current parameters ω_t.
    pub w: Players<V>,
    /// The optimizer's memory, counters and hyperparameters.
    pub optim: OptimState<V>,
    /// The sampling RNG.
    pub rng: Rng,
    /// Iterations between metrics rows (live-tunable).
    pub log_every: u64,
    /// Iterations the run goes to.
    pub steps: u64,
    /// Seconds spent stepping so far.
    pub wall_time: f64,
}

/// Writes the checkpoint of `state` (taken after `state.optim.iteration` iterations).
pub fn save<V: Serialize>(dir: &RunDir, state: &RunState<V>) -> Result<()> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend(
        postcard::to_allocvec(state)
            .map_err(|e| Error::failure(format!("checkpoint encoding: {e}")))?,
    );
    write_atomic(&dir.checkpoint_path(state.optim.iteration), &bytes)
}

/// Reads the checkpoint taken after `step` iterations.
pub fn load<V: DeserializeOwned>(dir: &RunDir, step: u64) -> Result<RunState<V>> {
    let path = dir.checkpoint_path(step);
    let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
    let body = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| Error::failure(format!("{}: not a saddle checkpoint", path.display())))?;
    postcard::from_bytes(body)
        .map_err(|e| Error::failure(format!("{}: unreadable checkpoint: {e}", path.display())))
}

/// The newest readable checkpoint at or before `at` (any step when None).
pub fn latest<V: DeserializeOwned>(dir: &RunDir, at: Option<u64>) -> Option<RunState<V>> {
    dir.checkpoint_steps()
        .into_iter()
        .rev()
        .filter(|s| at.is_none_or(|a| *s <= a))
        .find_map(|s| load(dir, s).ok())
}
