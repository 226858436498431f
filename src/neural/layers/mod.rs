//! Layers built from dfdx ops (and saddle's convolution ops), with runtime shapes and
//! PyTorch's conventions, reading their weights from a [`Bound`](super::bind::Bound) player.

pub mod activation;
pub mod batch_norm;
pub mod linear;
