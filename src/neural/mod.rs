//! Neural players on dfdx tensors: the parameter store the optimizer core updates, the layers
//! and ops stable dfdx lacks, the networks of the seed's experiments, their data and metrics.
//!
//! * [`params::Params`] implements the optimizer core's `ParamVec` with dfdx tensor ops, so
//!   every scheme × rule × projection × average of `optim` trains networks unchanged; WGAN
//!   weight clipping is the `Box` projection of φ.
//! * [`gan_model::GanModel`] is what differs between the GANs (networks, data, metrics,
//!   pictures); the game around it (`game::Gan`: one oracle call = one minibatch drawn from
//!   the sample's seed, one forward/backward pass) sits above, in `game`.
//! * [`mog_field`] is the MLP GANs' field in f64 with exact Jacobian-vector products.
//! * [`sampler::ImageSampler`] draws a generator's images from host copies of θ, for the
//!   scores (and [`image_set::ImageSet`] holds them as bytes).
//! * Convolutions are saddle's own tape ops ([`ops`]), checked against PyTorch f64 fixtures
//!   (`tests/fixtures/neural`, made by `scripts/make_fixtures.py`); BatchNorm, Linear and the
//!   activations are dfdx ops with runtime shapes.
//! * Data ([`data`]) is read by a [`data::DatasetReader`] — CIFAR-10 binary batches,
//!   (Fashion-)MNIST idx files, or a reader a program registers — from the preset's `data_dir`
//!   or `$SADDLE_DATA/<folder>`; nothing is downloaded.
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
