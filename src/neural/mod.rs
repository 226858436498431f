//! Neural players on dfdx tensors: the parameter store the optimizer core updates, the layers
//! and ops stable dfdx lacks, the networks of the seed's experiments, their data and metrics.
//!
//! * [`params::Params`] implements the optimizer core's `ParamVec` with dfdx tensor ops, so
//!   every scheme × rule × projection × average of `optim` trains networks unchanged; WGAN
//!   weight clipping is the `Box` projection of φ.
//! * [`gan::Gan`] is the `Game`: one oracle call = one minibatch (real data and z drawn from
//!   the sample's seed, so runs replay and resume exactly) and one forward/backward pass.
//! * Convolutions are saddle's own tape ops ([`ops`]), checked against PyTorch f64 fixtures
//!   (`tests/fixtures/neural`, made by `scripts/make_fixtures.py`); BatchNorm, Linear and the
//!   activations are dfdx ops with runtime shapes.
//! * Data ([`data`]) is read from CIFAR-10 binary batches or (Fashion-)MNIST idx files under the
//!   preset's `data_dir` or `$SADDLE_DATA/<dataset>`; nothing is downloaded.
//! * Devices: `device: "cpu"` or `"cuda:N"` per run (the `cuda` cargo feature;
//!   `cargo check --features cuda,dfdx/ci-check` compiles it without a toolkit). On CUDA the
//!   convolutions run their host kernels through copies.

pub mod bind;
pub mod data;
pub mod device;
pub mod export;
pub mod gan_model;
pub mod gradient_penalty;
pub mod image_gan;
pub mod image_sampler;
pub mod image_set;
pub mod layers;
pub mod layout;
pub mod loss;
pub mod mixture;
pub mod mog;
pub mod mog_field;
pub mod nets;
pub mod ops;
pub mod params;
pub mod picture;
pub mod sampler;

#[cfg(test)]
mod fixture;
#[cfg(test)]
pub(crate) mod net_tests;
#[cfg(test)]
mod op_tests;
