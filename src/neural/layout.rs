//! The layout of a player's parameters: named tensors with runtime shapes, each with its
//! initialization. Names follow PyTorch's `state_dict` (`net.0.weight`, `bn1.bias`), and each
//! weight has PyTorch's memory layout, so a checkpoint maps one to one onto the reference models.

use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// How a parameter tensor starts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Init {
    /// Every entry drawn from N(0, std²) (the reference: std = 0.02 for Linear, Conv and
    /// ConvTranspose weights).
    Normal {
        /// Standard deviation.
        std: f64,
    },
    /// Every entry drawn from N(0, std²) and drawn again while it lies beyond 2·std
    /// (TensorFlow's `truncated_normal`, behind Sonnet's default Linear init).
    TruncatedNormal {
        /// Standard deviation before truncation.
        std: f64,
    },
    /// Every entry equal to `value` (biases 0; BatchNorm scales 1, shifts 0).
    Constant {
        /// The value.
        value: f64,
    },
    /// Every entry drawn from U(lo, hi) (BatchNorm scales γ ~ U(0, 1): PyTorch's default up
    /// to 1.1, which REF-VI's pinned 0.4 used).
    Uniform {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
}

/// One named parameter tensor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    /// PyTorch-style name, e.g. `main.0.weight`.
    pub name: String,
    /// Shape in PyTorch's order (Linear: [out, in]; Conv: [out, in, kh, kw]; ConvTranspose:
    /// [in, out, kh, kw]).
    pub shape: Vec<usize>,
    /// Initialization.
    pub init: Init,
}

impl ParamSpec {
    /// Number of scalars.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// All parameter tensors of one player, in a fixed order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// The tensors, in the order networks read them.
    pub specs: Vec<ParamSpec>,
}

impl Layout {
    /// Appends a tensor and returns its index (what a layer keeps to find it again).
    pub fn push(&mut self, name: impl Into<String>, shape: &[usize], init: Init) -> usize {
        self.specs.push(ParamSpec {
            name: name.into(),
            shape: shape.to_vec(),
            init,
        });
        self.specs.len() - 1
    }

    /// Total number of scalars.
    pub fn numel(&self) -> usize {
        self.specs.iter().map(ParamSpec::numel).sum()
    }

    /// Draws initial values (as host vectors, one per tensor) from `rng`, in order, so a seed
    /// fixes the whole network.
    pub fn initial_values(&self, rng: &mut Rng) -> Vec<Vec<f32>> {
        self.specs
            .iter()
            .map(|s| match s.init {
                Init::Normal { std } => (0..s.numel())
                    .map(|_| (std * rng.normal()) as f32)
                    .collect(),
                Init::TruncatedNormal { std } => (0..s.numel())
                    .map(|_| loop {
                        // Beyond 2σ with probability 4.6%: a handful of redraws at most.
                        let x = rng.normal();
                        if x.abs() <= 2.0 {
                            break (std * x) as f32;
                        }
                    })
                    .collect(),
                Init::Constant { value } => vec![value as f32; s.numel()],
                Init::Uniform { lo, hi } => (0..s.numel())
                    .map(|_| (lo + (hi - lo) * rng.uniform()) as f32)
                    .collect(),
            })
            .collect()
    }

    /// Sets how the BatchNorm scales γ start: the layout's one-dimensional `.weight` tensors
    /// (Linear weights have two dimensions, convolutions four); returns how many it changed.
    pub fn set_batchnorm_scale(&mut self, init: Init) -> usize {
        let mut n = 0;
        for s in self
            .specs
            .iter_mut()
            .filter(|s| s.shape.len() == 1 && s.name.ends_with(".weight"))
        {
            s.init = init;
            n += 1;
        }
        n
    }
}
