//! Inception-v3 as the FID and Inception Score reference use it: TensorFlow's 2015-12-05
//! graph as ported by pytorch-fid (`FIDInceptionA/C/E_1/E_2`: average pools without the padded
//! zeros in Mixed_5b–7b, a max pool in Mixed_7c, BatchNorm ε = 0.001, 1008 logits), run for
//! inference on the host.
//!
//! bytes → [`input`] (TF1 resize to 299², (x − 128)/128) → stem → Mixed_5b … 7c → pool_3
//! (2048-d, the FID features) → logits = pool_3 · Wᵀ of `fc` **without its bias** (what the
//! Inception Score reference multiplies: `softmax/logits/MatMul`).
//!
//! Why the host and not dfdx tensors: stable dfdx has no convolution or pooling on any device
//! (saddle's own convolutions are host kernels on both CPU and CUDA), so an inference-only
//! network gains nothing from the tape; here a batch lives channel-major, 1×1 convolutions
//! (most of the network) are one GEMM with no copy, and BatchNorm is folded into the weights.
//! The code is the same in CPU and CUDA builds; scoring always runs on host cores.

pub mod act;
pub mod blocks;
pub mod conv;
pub mod input;
pub mod pool;
pub mod weights;

use self::act::Act;
use self::blocks::{load_conv, Block, PoolBranch, TensorSource};
use self::conv::{ConvBn, ConvShape};
use self::pool::{global_mean, max_pool};
use crate::neural::image_set::ImageSet;
use rayon::prelude::*;

/// Classes of the 2015-12-05 network's softmax (1000 ImageNet classes and 8 unused).
pub const CLASSES: usize = 1008;
/// Dimension of pool_3 in the reference network.
pub const POOL3: usize = 2048;
/// Images each worker thread pushes through the network at once.
pub const CHUNK: usize = 8;

/// The network.
#[derive(Clone, Debug)]
pub struct Inception {
    /// Channel divisor: 1 for the reference network, larger for narrow test copies.
    pub div: usize,
    stem: Vec<ConvBn>,
    blocks: Vec<Block>,
    /// fc.weight, [1008 × dims] row-major.
    fc_weight: Vec<f32>,
    /// fc.bias, [1008].
    fc_bias: Vec<f32>,
}

/// What the network gives for a set of images.
#[derive(Clone, Debug, PartialEq)]
pub struct Features {
    /// Images.
    pub count: usize,
    /// pool_3 width (2048 for the reference network).
    pub dims: usize,
    /// pool_3 features, [count × dims].
    pub pool3: Vec<f32>,
    /// pool_3 · fc.weightᵀ without the bias, [count × 1008].
    pub logits: Vec<f32>,
}

/// Channel divisors the architecture allows (every width of Inception-v3 divides by 16).
pub const DIVISORS: [usize; 5] = [1, 2, 4, 8, 16];

impl Inception {
    /// Builds the network from `src`, with every width divided by `div` (1: the reference).
    pub fn load(src: &mut dyn TensorSource, div: usize) -> Result<Self, String> {
        if !DIVISORS.contains(&div) {
            return Err(format!(
                "width divisor must be one of {DIVISORS:?}, got {div}"
            ));
        }
        let w = |c: usize| c / div;
        let stem = vec![
            load_conv(src, "Conv2d_1a_3x3", ConvShape::square(3, w(32), 3, 2, 0))?,
            load_conv(
                src,
                "Conv2d_2a_3x3",
                ConvShape::square(w(32), w(32), 3, 1, 0),
            )?,
            load_conv(
                src,
                "Conv2d_2b_3x3",
                ConvShape::square(w(32), w(64), 3, 1, 1),
            )?,
            load_conv(
                src,
                "Conv2d_3b_1x1",
                ConvShape::square(w(64), w(80), 1, 1, 0),
            )?,
            load_conv(
                src,
                "Conv2d_4a_3x3",
                ConvShape::square(w(80), w(192), 3, 1, 0),
            )?,
        ];
        let blocks = vec![
            Block::a(src, "Mixed_5b", w(192), w(32), div)?,
            Block::a(src, "Mixed_5c", w(256), w(64), div)?,
            Block::a(src, "Mixed_5d", w(288), w(64), div)?,
            Block::b(src, "Mixed_6a", w(288), div)?,
            Block::c(src, "Mixed_6b", w(768), w(128), div)?,
            Block::c(src, "Mixed_6c", w(768), w(160), div)?,
            Block::c(src, "Mixed_6d", w(768), w(160), div)?,
            Block::c(src, "Mixed_6e", w(768), w(192), div)?,
            Block::d(src, "Mixed_7a", w(768), div)?,
            Block::e(src, "Mixed_7b", w(1280), PoolBranch::Average, div)?,
            Block::e(src, "Mixed_7c", w(2048), PoolBranch::Max, div)?,
        ];
        let fc_weight = src.tensor("fc.weight", &[CLASSES, w(POOL3)])?;
        let fc_bias = src.tensor("fc.bias", &[CLASSES])?;
        Ok(Inception {
            div,
            stem,
            blocks,
            fc_weight,
            fc_bias,
        })
    }

    /// Every tensor the network reads, (PyTorch name, shape), in reading order.
    pub fn parameter_specs(div: usize) -> Vec<(String, Vec<usize>)> {
        struct Record(Vec<(String, Vec<usize>)>);
        impl TensorSource for Record {
            fn tensor(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
                self.0.push((name.to_string(), shape.to_vec()));
                let n = shape.iter().product();
                // Variances must be ≥ 0; everything else may be anything.
                Ok(vec![1.0; n])
            }
        }
        let mut r = Record(vec![]);
        Inception::load(&mut r, div).expect("the recording source accepts every tensor");
        r.0
    }

    /// Width of pool_3: 2048 / div.
    pub fn dims(&self) -> usize {
        POOL3 / self.div
    }

    /// pool_3 of a channel-major input batch (3, B, H, W), image-major [B × dims].
    pub fn pool3(&self, x: &Act) -> Vec<f32> {
        let mut y = self.stem[0].forward(x);
        y = self.stem[1].forward(&y);
        y = self.stem[2].forward(&y);
        y = max_pool(&y, 3, 2, 0);
        y = self.stem[3].forward(&y);
        y = self.stem[4].forward(&y);
        y = max_pool(&y, 3, 2, 0);
        for b in &self.blocks {
            y = b.forward(&y);
        }
        global_mean(&y)
    }

    /// logits[i][k] = Σ_j pool3[i][j]·W[k][j] (+ b[k] when `bias`), accumulated in f64.
    pub fn logits(&self, pool3: &[f32], bias: bool) -> Vec<f32> {
        let d = self.dims();
        let mut out = Vec::with_capacity(pool3.len() / d * CLASSES);
        for f in pool3.chunks(d) {
            for k in 0..CLASSES {
                let w = &self.fc_weight[k * d..(k + 1) * d];
                let mut acc: f64 = w.iter().zip(f).map(|(a, b)| *a as f64 * *b as f64).sum();
                if bias {
                    acc += self.fc_bias[k] as f64;
                }
                out.push(acc as f32);
            }
        }
        out
    }

    /// pool_3 features and unbiased logits of every image of `set`, [`CHUNK`] images per task
    /// on the current rayon pool, in order.
    pub fn features(&self, set: &ImageSet) -> Features {
        let n = set.len();
        let chunks: Vec<std::ops::Range<usize>> = (0..n.div_ceil(CHUNK))
            .map(|i| i * CHUNK..((i + 1) * CHUNK).min(n))
            .collect();
        let parts: Vec<(Vec<f32>, Vec<f32>)> = chunks
            .into_par_iter()
            .map(|r| {
                let p = self.pool3(&input::network_input(set, r));
                let l = self.logits(&p, false);
                (p, l)
            })
            .collect();
        let (mut pool3, mut logits) = (Vec::with_capacity(n * self.dims()), vec![]);
        for (p, l) in parts {
            pool3.extend(p);
            logits.extend(l);
        }
        Features {
            count: n,
            dims: self.dims(),
            pool3,
            logits,
        }
    }
}
