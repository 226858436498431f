//! Spectral analysis: the Jacobian of the game's field, each method's update operator (derived
//! from the method's own step on symbolic vectors) and its spectral radius, the per-eigenvalue maps (μ± of heavy ball), measured rates and stability
//! maps over (β, η).

pub mod coupling;
mod krylov;
mod operator;
mod rate;
mod scalar;
pub mod symbolic;

pub use krylov::{
    arnoldi_ritz, arnoldi_steps, arnoldi_top, converged, jacobian_ritz, jacobian_top, Ritz,
    ARNOLDI_STEPS, RITZ_TOLERANCE,
};
pub use operator::{derived_operator, operator, state_rows, Operator, MAX_STATE};
pub use rate::measured_rate;
pub use scalar::{heavy_ball_mu, scalar_radius, ScalarMethod};

#[cfg(test)]
mod bounded_tests;
#[cfg(test)]
mod method_tests;
#[cfg(test)]
mod tests;
