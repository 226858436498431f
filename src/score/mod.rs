//! Inception Score and FID as the reference computes them, and the machinery that computes
//! them for saddle's runs.
//!
//! * [`inception`]: the FID variant of Inception-v3 (TF 2015-12-05 as ported by pytorch-fid),
//!   its weights from a user-supplied safetensors file ([`inception::weights`]), and the TF1
//!   preprocessing ([`resize`], [`inception::input`]).
//! * [`synthetic`]: seeded weights that Rust and the Python parity script generate alike.
//! * [`images`]: byte images (PNG directories, generator outputs as the seed converts them).
pub mod classifier;
pub mod classifier_train;
pub mod enable;
pub mod evaluate;
pub mod frechet;
pub mod images;
pub mod inception;
pub mod inception_score;
pub mod live;
pub mod moments;
pub mod network;
pub mod npz;
pub mod record;
pub mod reference;
pub mod resize;
pub mod session;
pub mod spec;
pub mod synthetic;
