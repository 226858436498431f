//! Process-wide time spent in saddle's own ops, for the benchmarks' "where the time goes", and
//! the multiply-adds of its GEMM calls with their thread time (so a benchmark can print the
//! GEMM's achieved GFLOP/s per thread). Counting costs two clock reads per op or GEMM call,
//! far below any of their costs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The ops timed (wall-clock time of the calling thread, parallel parts included).
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
    /// linear (+ activation) forward.
    LinearForward,
    /// linear (+ activation) backward.
    LinearBackward,
    /// batch normalization (+ activation) forward.
    NormForward,
    /// batch normalization (+ activation) backward.
    NormBackward,
    /// element-wise activations (LeakyReLU, ReLU, tanh), forward and backward.
    Activation,
}

/// Every timed op, in report order.
pub const ALL: [Op; 9] = [
    Op::ConvForward,
    Op::ConvBackward,
    Op::ConvTForward,
    Op::ConvTBackward,
    Op::LinearForward,
    Op::LinearBackward,
    Op::NormForward,
    Op::NormBackward,
    Op::Activation,
];

static NANOS: [AtomicU64; 9] = [const { AtomicU64::new(0) }; 9];
static GEMM_FLOPS: AtomicU64 = AtomicU64::new(0);
static GEMM_NANOS: AtomicU64 = AtomicU64::new(0);

/// Adds the time since `start` to `op`.
pub fn add(op: Op, start: Instant) {
    NANOS[op as usize].fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
}

/// Seconds spent in `op` so far.
pub fn seconds(op: Op) -> f64 {
    NANOS[op as usize].load(Ordering::Relaxed) as f64 * 1e-9
}

/// Counts one GEMM call of `flops` floating-point operations that started at `start`.
pub fn add_gemm(flops: u64, start: Instant) {
    GEMM_FLOPS.fetch_add(flops, Ordering::Relaxed);
    GEMM_NANOS.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
}

/// (floating-point operations, thread-seconds) of every GEMM call so far.
pub fn gemm_totals() -> (f64, f64) {
    (
        GEMM_FLOPS.load(Ordering::Relaxed) as f64,
        GEMM_NANOS.load(Ordering::Relaxed) as f64 * 1e-9,
    )
}

/// Sets every counter to zero.
pub fn reset() {
    for n in &NANOS {
        n.store(0, Ordering::Relaxed);
    }
    GEMM_FLOPS.store(0, Ordering::Relaxed);
    GEMM_NANOS.store(0, Ordering::Relaxed);
}
