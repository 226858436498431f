//! Multi-layer perceptrons with ReLU between layers (\[NM\]'s mixture-of-Gaussians networks):
//! Linear(n₀→n₁) ReLU … Linear(n_{L−1}→n_L), named like PyTorch's `nn.Sequential`
//! (`0.weight`, `0.bias`, `2.weight`, …), weights N(0, 0.02), biases 0.

use crate::neural::bind::Bound;
use crate::neural::device::NeuralDevice;
use crate::neural::layers::linear::{linear_then, Features};
use crate::neural::layout::{Init, Layout};
use crate::neural::ops::activation::Act;

/// An MLP's shape and where its tensors sit in the layout.
#[derive(Clone, Debug)]
pub struct Mlp {
    sizes: Vec<usize>,
    /// (weight, bias) indices per layer.
    tensors: Vec<(usize, usize)>,
}

impl Mlp {
    /// Appends the tensors of an MLP with layer widths `sizes` (input first) to `layout`.
    pub fn new(layout: &mut Layout, prefix: &str, sizes: &[usize], std: f64) -> Self {
        assert!(
            sizes.len() >= 2,
            "an MLP needs an input and an output width"
        );
        let tensors = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                let name = format!("{prefix}{}", 2 * i);
                (
                    layout.push(
                        format!("{name}.weight"),
                        &[w[1], w[0]],
                        Init::Normal { std },
                    ),
                    layout.push(
                        format!("{name}.bias"),
                        &[w[1]],
                        Init::Constant { value: 0.0 },
                    ),
                )
            })
            .collect();
        Mlp {
            sizes: sizes.to_vec(),
            tensors,
        }
    }

    /// The layer widths, input first.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// The forward pass on x: (N, sizes[0]).
    pub fn forward<D: NeuralDevice>(&self, p: &Bound<D>, mut x: Features<D>) -> Features<D> {
        let last = self.tensors.len() - 1;
        for (i, &(w, b)) in self.tensors.iter().enumerate() {
            let act = if i < last { Act::Relu } else { Act::Identity };
            x = linear_then(x, p.get(w), Some(p.get(b)), self.sizes[i + 1], act);
        }
        x
    }
}
