//! The networks of the seed's experiments, each a pair (layout, forward) reading its weights
//! from a bound player.

pub mod dcgan;
pub mod mlp;
pub mod resnet;
