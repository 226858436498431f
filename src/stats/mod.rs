//! Statistics over repeated runs: summaries with Student-t confidence intervals, paired
//! comparisons over shared seeds with an exact sign test, and the special functions behind
//! them. Pure functions of numbers, so sweeps, the dashboard and plots share one
//! implementation.

pub mod describe;
pub mod paired;
pub mod special;
pub mod student_t;

pub use describe::{describe, Description};
pub use paired::{paired, sign_test, Paired};
pub use student_t::{t_cdf, t_quantile};
