//! Neural players on dfdx tensors: the parameter store the optimizer core updates, the layers
//! and ops stable dfdx lacks, the networks of the seed's experiments, their data and metrics.

pub mod bind;
pub mod config;
pub mod data;
pub mod device;
pub mod export;
pub mod gan;
pub mod gradient_penalty;
pub mod image_gan;
pub mod layers;
pub mod layout;
pub mod loss;
pub mod mixture;
pub mod mog;
pub mod nets;
pub mod ops;
pub mod params;
pub mod picture;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod net_tests;
#[cfg(test)]
mod op_tests;
