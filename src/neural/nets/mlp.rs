//! Multi-layer perceptrons with ReLU between layers (\[NM\]'s mixture-of-Gaussians networks):
//! Linear(n₀→n₁) ReLU … Linear(n_{L−1}→n_L), named like PyTorch's `nn.Sequential`
//! (`0.weight`, `0.bias`, `2.weight`, …), biases 0, weights as [`WeightInit`] says.

use crate::neural::bind::Bound;
use crate::neural::device::NeuralDevice;
use crate::neural::layers::linear::{linear_then, Features};
use crate::neural::layout::{Init, Layout};
use crate::neural::ops::activation::Act;
use serde::{Deserialize, Serialize};

/// How an MLP's weights start (its biases start at 0 either way).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum WeightInit {
    /// Every weight from N(0, std²): the seed's reference script (std 0.02).
    Normal {
        /// Standard deviation.
        std: f64,
    },
    /// Sonnet's default for `snt.Linear`: a normal truncated at 2σ with σ = 1/√fan_in, where
    /// fan_in is the layer's input width (the SGA notebook's networks).
    FanIn,
}

impl Default for WeightInit {
    fn default() -> Self {
        WeightInit::Normal { std: 0.02 }
    }
}

impl WeightInit {
    /// The init of a weight with `fan_in` inputs.
    fn weight(self, fan_in: usize) -> Init {
        match self {
            WeightInit::Normal { std } => Init::Normal { std },
            WeightInit::FanIn => Init::TruncatedNormal {
                std: 1.0 / (fan_in as f64).sqrt(),
            },
        }
    }

    /// Why not, for a standard deviation that is not finite and positive.
    pub fn check(self) -> Result<(), String> {
        match self {
            WeightInit::Normal { std } if !(std.is_finite() && std > 0.0) => Err(format!(
                "weights: Normal(std) must be finite and > 0, got {std}"
            )),
            _ => Ok(()),
        }
    }
}

/// An MLP's shape and where its tensors sit in the layout.
#[derive(Clone, Debug)]
pub struct Mlp {
    sizes: Vec<usize>,
    /// (weight, bias) indices per layer.
    tensors: Vec<(usize, usize)>,
}

impl Mlp {
    /// Appends the tensors of an MLP with layer widths `sizes` (input first) to `layout`.
    pub fn new(layout: &mut Layout, prefix: &str, sizes: &[usize], weights: WeightInit) -> Self {
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
                        weights.weight(w[0]),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Sonnet's init: every weight within 2/√fan_in, with the standard deviation of a unit
    /// normal truncated at ±2 (0.8796) times 1/√fan_in; biases 0. The reference init is
    /// N(0, 0.02²) and reaches past 2σ.
    #[test]
    fn fan_in_weights_are_truncated_normals_scaled_by_the_input_width() {
        let sizes = [64, 384, 2];
        let draw = |weights| {
            let mut layout = Layout::default();
            Mlp::new(&mut layout, "", &sizes, weights);
            layout.initial_values(&mut Rng::new(3))
        };
        let values = draw(WeightInit::FanIn);
        for (l, fan_in) in [(0, 64.0f64), (2, 384.0)] {
            let (w, b) = (&values[l], &values[l + 1]);
            let s = 1.0 / fan_in.sqrt();
            let max = w.iter().fold(0.0f64, |m, x| m.max(x.abs() as f64));
            assert!(
                max <= 2.0 * s + 1e-7 && max > 1.9 * s,
                "layer {l}: max {max}, σ {s}"
            );
            let std = (w.iter().map(|x| (*x as f64).powi(2)).sum::<f64>() / w.len() as f64).sqrt();
            assert!(
                (std / s - 0.8796).abs() < 0.02,
                "layer {l}: std {std} = {} σ",
                std / s
            );
            assert!(b.iter().all(|x| *x == 0.0));
        }
        let reference = draw(WeightInit::default());
        let max = reference[0].iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(max > 2.0 * 0.02, "N(0, 0.02²) is not truncated: max {max}");
        assert!(WeightInit::Normal { std: 0.0 }.check().is_err());
        assert!(WeightInit::FanIn.check().is_ok());
    }
}
