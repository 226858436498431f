//! Process-wide time spent in saddle's own ops, for the benchmark's "where the time goes".
//! Counting costs two clock reads per op call, far below any convolution's cost.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The ops timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// conv2d forward.
    ConvForward,
    /// conv2d backward.
    ConvBackward,
    /// conv_transpose2d forward.
    ConvTForward,
    /// conv_transpose2d backward.
    ConvTBackward,
}

/// Every timed op, in report order.
pub const ALL: [Op; 4] = [
    Op::ConvForward,
    Op::ConvBackward,
    Op::ConvTForward,
    Op::ConvTBackward,
];

static NANOS: [AtomicU64; 4] = [
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
];

/// Adds the time since `start` to `op`.
pub fn add(op: Op, start: Instant) {
    NANOS[op as usize].fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
}

/// Seconds spent in `op` so far.
pub fn seconds(op: Op) -> f64 {
    NANOS[op as usize].load(Ordering::Relaxed) as f64 * 1e-9
}

/// Sets every counter to zero.
pub fn reset() {
    for n in &NANOS {
        n.store(0, Ordering::Relaxed);
    }
}
