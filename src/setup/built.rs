//! A built game of any kind, each kind with its own parameter storage.

use crate::constraint::Constraint;
use crate::game::{Game, ToyGame};
use crate::neural::params::Params;
use crate::players::Players;
use dfdx::prelude::*;

/// A neural game on the CPU.
pub type CpuGame = Box<dyn Game<V = Params<Cpu>>>;
/// A neural game on a CUDA device.
#[cfg(feature = "cuda")]
pub type CudaGame = Box<dyn Game<V = Params<Cuda>>>;

/// A built game of any kind; each kind has its own parameter storage.
pub enum BuiltGame {
    /// A toy game on `Vec<f64>` parameters.
    Toy(ToyGame),
    /// A neural game on CPU tensors.
    NeuralCpu(CpuGame),
    /// A neural game on CUDA tensors.
    #[cfg(feature = "cuda")]
    NeuralCuda(CudaGame),
}

impl BuiltGame {
    /// The game's own constraint sets.
    pub fn constraints(&self) -> Players<Constraint> {
        match self {
            BuiltGame::Toy(g) => g.constraints(),
            BuiltGame::NeuralCpu(g) => g.constraints(),
            #[cfg(feature = "cuda")]
            BuiltGame::NeuralCuda(g) => g.constraints(),
        }
    }
}
