//! Step-size schedules: the η used at iteration t from the base η in force.

use serde::{Deserialize, Serialize};

/// η_t as a function of the base η and the iteration t = 0, 1, 2, …
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Schedule {
    /// η_t = η.
    #[default]
    Constant,
    /// η_t = η/√(t + 1) (\[VI\] App. F; the 2-D toy's AvgSGD uses η = 2).
    InvSqrt,
}

impl Schedule {
    /// η_t.
    #[inline]
    pub fn eta(&self, base: f64, t: u64) -> f64 {
        match self {
            Schedule::Constant => base,
            Schedule::InvSqrt => base / ((t + 1) as f64).sqrt(),
        }
    }
}
