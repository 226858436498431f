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

/// Format 2: the optimizer state of the open method design (per-method memories, J·v
/// counters, the methods' live parameters).
const MAGIC: &[u8; 12] = b"SADDLE-CK02\n";

/// Formats this saddle no longer reads, and what changed since.
const OLDER: [(&[u8; 12], &str); 1] = [(
    b"SADDLE-CK01\n",
    "format 1, written before the optimizer state took its per-method shape",
)];

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
    if let Some((_, what)) = OLDER.iter().find(|(m, _)| bytes.starts_with(m.as_slice())) {
        return Err(Error::input(format!(
            "{}: checkpoint {what}; this saddle reads format 2 only, so the run cannot continue from it (`saddle replay` re-runs it from its config and events)",
            path.display()
        )));
    }
    let body = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| Error::failure(format!("{}: not a saddle checkpoint", path.display())))?;
    postcard::from_bytes(body)
        .map_err(|e| Error::failure(format!("{}: unreadable checkpoint: {e}", path.display())))
}

/// The newest readable checkpoint of a run being resumed: None when it has none; an error
/// naming why when it has checkpoints but none can be read (an older format) — never a silent
/// fresh start.
pub fn resumable<V: DeserializeOwned>(dir: &RunDir) -> Result<Option<RunState<V>>> {
    let mut first_error = None;
    for s in dir.checkpoint_steps().into_iter().rev() {
        match load(dir, s) {
            Ok(st) => return Ok(Some(st)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(None), Err)
}

/// The newest readable checkpoint at or before `at` (any step when None).
pub fn latest<V: DeserializeOwned>(dir: &RunDir, at: Option<u64>) -> Option<RunState<V>> {
    dir.checkpoint_steps()
        .into_iter()
        .rev()
        .filter(|s| at.is_none_or(|a| *s <= a))
        .find_map(|s| load(dir, s).ok())
}
