//! saddle's classifier for MNIST-like data (28×28 grey, 10 classes), the network behind the
//! classifier score offered where Inception makes no sense:
//!
//! x/127.5 − 1 → Conv(1→32, k4, s2, p1) → ReLU (14×14) → Conv(32→64, k4, s2, p1) → ReLU (7×7)
//! → Linear(3136 → 128) → ReLU (the features of the Fréchet classifier distance) →
//! Linear(128 → 10) (the logits of the classifier score).
//!
//! Its scores are computed like the Inception Score and FID but with this network: they are
//! labelled as classifier scores and are NOT comparable with published Inception Scores.
//! Weights: a safetensors file written by `saddle classifier train` (PyTorch names and shapes,
//! metadata `saddle` = `mnist-classifier`).

use super::inception::weights::sha256_hex;
use super::inception::Features;
use super::network::{NetworkId, Scorer};
use crate::neural::bind::Bound;
use crate::neural::image_set::ImageSet;
use crate::neural::layers::linear::{linear, Features as Rows};
use crate::neural::layout::{Init, Layout};
use crate::neural::ops::conv2d::{conv2d, Conv};
use crate::neural::ops::Image;
use crate::neural::params::Params;
use ::safetensors::tensor::{Dtype, TensorView};
use dfdx::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Classes.
pub const CLASSES: usize = 10;
/// Feature width.
pub const FEATURES: usize = 128;
/// Image side.
pub const SIDE: usize = 28;
/// Metadata value marking saddle's classifier files.
pub const MARK: &str = "mnist-classifier";
/// Preprocessing of the classifier's input.
pub const PREPROCESSING: &str = "uint8 28×28 grey → x/127.5 − 1";

/// The tensors, in order: (name, shape).
pub fn layout() -> Layout {
    let mut l = Layout::default();
    let he = |fan_in: usize| Init::Normal {
        std: (2.0 / fan_in as f64).sqrt(),
    };
    let zero = Init::Constant { value: 0.0 };
    l.push("conv1.weight", &[32, 1, 4, 4], he(16));
    l.push("conv1.bias", &[32], zero);
    l.push("conv2.weight", &[64, 32, 4, 4], he(512));
    l.push("conv2.bias", &[64], zero);
    l.push("fc1.weight", &[FEATURES, 64 * 7 * 7], he(64 * 49));
    l.push("fc1.bias", &[FEATURES], zero);
    l.push("fc2.weight", &[CLASSES, FEATURES], he(FEATURES));
    l.push("fc2.bias", &[CLASSES], zero);
    l
}

/// (features after fc1 and ReLU, copied to the host; logits on the tape) of a batch
/// x: (N, 1, 28, 28) in [−1, 1].
pub fn forward<D: crate::neural::device::NeuralDevice>(
    p: &Bound<D>,
    x: Image<D>,
) -> (Vec<f32>, Rows<D>) {
    let c = |c_out| Conv {
        c_out,
        kernel: (4, 4),
        stride: 2,
        pad: 1,
    };
    let x = conv2d(x, p.get(0), Some(p.get(1)), c(32)).relu();
    let x = conv2d(x, p.get(2), Some(p.get(3)), c(64)).relu();
    let n = x.shape().0;
    let flat: Rows<D> = x.reshape_like(&(n, 64 * 49));
    let h = linear(flat, p.get(4), Some(p.get(5)), FEATURES).relu();
    let features = h.as_vec();
    let logits = linear(h, p.get(6), Some(p.get(7)), CLASSES);
    (features, logits)
}

/// Images as the classifier's input batch.
pub fn input(dev: &Cpu, images: &ImageSet) -> Result<Image<Cpu>, String> {
    if (images.channels, images.height, images.width) != (1, SIDE, SIDE) {
        return Err(format!(
            "the classifier reads 28×28 grey images, got {}×{} with {} channel(s)",
            images.height, images.width, images.channels
        ));
    }
    let v: Vec<f32> = images
        .pixels
        .iter()
        .map(|&p| p as f32 / 127.5 - 1.0)
        .collect();
    Ok(dev
        .tensor_from_vec(v, (images.len(), 1, SIDE, SIDE))
        .leaky_traced())
}

/// Writes the classifier's parameters with its marker and `note` entries as metadata.
pub fn save(path: &Path, p: &Params<Cpu>, note: &[(&str, String)]) -> Result<(), String> {
    let values = p.to_host();
    let bytes: Vec<Vec<u8>> = values
        .iter()
        .map(|v| v.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let views = p
        .layout
        .specs
        .iter()
        .zip(&bytes)
        .map(|(s, b)| TensorView::new(Dtype::F32, s.shape.clone(), b).map(|v| (s.name.clone(), v)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{e:?}"))?;
    let mut meta: HashMap<String, String> = note
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    meta.insert("saddle".into(), MARK.into());
    let out = ::safetensors::tensor::serialize(views, &Some(meta)).map_err(|e| format!("{e:?}"))?;
    crate::files::write_atomic(path, &out).map_err(|e| e.message)
}

/// The classifier as a scorer.
pub struct ClassifierScorer {
    params: Params<Cpu>,
    id: NetworkId,
}

impl ClassifierScorer {
    /// Reads a file written by `saddle classifier train`.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "{}: {e} (make one with `saddle classifier train`)",
                path.display()
            )
        })?;
        let (_, meta) = ::safetensors::SafeTensors::read_metadata(&bytes)
            .map_err(|e| format!("{}: not a safetensors file ({e:?})", path.display()))?;
        let m = meta.metadata().clone().unwrap_or_default();
        if m.get("saddle").map(String::as_str) != Some(MARK) {
            return Err(format!(
                "{}: not a saddle classifier (made by `saddle classifier train`); Inception weights go to --weights",
                path.display()
            ));
        }
        let st = ::safetensors::SafeTensors::deserialize(&bytes).map_err(|e| format!("{e:?}"))?;
        let l = layout();
        let mut values = vec![];
        for s in &l.specs {
            let t = st
                .tensor(&s.name)
                .map_err(|_| format!("{}: no tensor {}", path.display(), s.name))?;
            if t.shape() != s.shape.as_slice() || t.dtype() != Dtype::F32 {
                return Err(format!(
                    "{}: tensor {} is not f32 {:?}",
                    path.display(),
                    s.name,
                    s.shape
                ));
            }
            values.push(
                t.data()
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            );
        }
        let dataset = m.get("dataset").cloned().unwrap_or_else(|| "?".into());
        let acc = m
            .get("test_accuracy")
            .cloned()
            .unwrap_or_else(|| "?".into());
        Ok(ClassifierScorer {
            params: Params::from_host(&Cpu::default(), Arc::new(l), values),
            id: NetworkId {
                kind: "classifier".into(),
                sha256: sha256_hex(&bytes),
                source: format!(
                    "saddle's classifier {} (trained on {dataset}, held-out accuracy {acc})",
                    path.display()
                ),
                comparable: false,
            },
        })
    }

    /// (features, logits) of images, batch by batch.
    fn run(&self, images: &ImageSet) -> Result<(Vec<f32>, Vec<f32>), String> {
        let dev = self.params.tensors[0].device().clone();
        let (mut f, mut l) = (vec![], vec![]);
        for start in (0..images.len()).step_by(500) {
            let part = images.slice(start..(start + 500).min(images.len()));
            let (h, z) = forward(&Bound::new(&self.params), input(&dev, &part)?);
            f.extend(h);
            l.extend(z.as_vec());
        }
        Ok((f, l))
    }

    /// Fraction of `images` classified as `labels`.
    pub fn accuracy(&self, images: &ImageSet, labels: &[u8]) -> Result<f64, String> {
        let (_, l) = self.run(images)?;
        let right = l
            .chunks(CLASSES)
            .zip(labels)
            .filter(|(row, y)| {
                let best = (0..CLASSES)
                    .max_by(|a, b| row[*a].total_cmp(&row[*b]))
                    .unwrap_or(0);
                best == **y as usize
            })
            .count();
        Ok(right as f64 / labels.len().max(1) as f64)
    }
}

// SAFETY: CPU tensors; the scorer only reads its parameters.
unsafe impl Sync for ClassifierScorer {}

impl Scorer for ClassifierScorer {
    fn id(&self) -> &NetworkId {
        &self.id
    }
    fn classes(&self) -> usize {
        CLASSES
    }
    fn dims(&self) -> usize {
        FEATURES
    }
    fn preprocessing(&self) -> &'static str {
        PREPROCESSING
    }
    fn features(&self, images: &ImageSet) -> Result<Features, String> {
        let (pool3, logits) = self.run(images)?;
        Ok(Features {
            count: images.len(),
            dims: FEATURES,
            pool3,
            logits,
        })
    }
}
