//! DCGAN generator and discriminator (spec §4.4, REF-VI `models/dcgan.py`), for 32×32
//! (CIFAR-10: from 4×4, three up-sampling blocks) and 28×28 (MNIST: from 7×7, two blocks).
//!
//! G: Linear(latent → s²·c₀) → BN1d → ReLU → (c₀, s, s) → [ConvT(k4, s2, p1) → BN2d → ReLU]
//! × (ups − 1) → ConvT(k4, s2, p1) → tanh, with c₀ = nf·2^{ups−1} halving per block.
//! D: [Conv(k4, s2, p1) → (BN2d, optional, not on the first block) → LeakyReLU(0.01)] × ups →
//! flatten → Linear(→ 1). Every layer has a bias (PyTorch's default); weights N(0, 0.02),
//! biases 0, BatchNorm scale 1 and shift 0.

use crate::neural::bind::Bound;
use crate::neural::device::NeuralDevice;
use crate::neural::layers::activation::{tanh, LEAKY_SLOPE};
use crate::neural::layers::batch_norm::{batch_norm1d_then, batch_norm2d_then};
use crate::neural::layers::linear::{linear, Features};
use crate::neural::layout::{Init, Layout};
use crate::neural::ops::activation::Act;
use crate::neural::ops::conv2d::{conv2d, conv2d_then, Conv};
use crate::neural::ops::conv_transpose2d::{conv_transpose2d, ConvTranspose};
use crate::neural::ops::Image;
use dfdx::prelude::*;

/// The shape of a DCGAN pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DcganShape {
    /// Image channels (3 for CIFAR-10, 1 for MNIST).
    pub channels: usize,
    /// Side of the first feature map (4 for 32×32, 7 for 28×28).
    pub start: usize,
    /// Up-sampling blocks (3 for 32×32, 2 for 28×28).
    pub ups: usize,
    /// Base filters nf (the reference: 64).
    pub nf: usize,
    /// Latent dimension (the reference: 128).
    pub latent: usize,
}

impl DcganShape {
    /// Side of the images: start·2^ups.
    pub fn side(&self) -> usize {
        self.start << self.ups
    }
    /// Channels after block i of the discriminator (block ups−1 is the widest, c₀).
    fn width(&self, i: usize) -> usize {
        self.nf << i
    }
}

const STD: f64 = 0.02;

fn weight(l: &mut Layout, name: &str, shape: &[usize]) -> (usize, usize) {
    (
        l.push(format!("{name}.weight"), shape, Init::Normal { std: STD }),
        l.push(
            format!("{name}.bias"),
            &[shape[if name.starts_with("deconv") { 1 } else { 0 }]],
            Init::Constant { value: 0.0 },
        ),
    )
}

fn norm(l: &mut Layout, name: &str, c: usize) -> (usize, usize) {
    (
        l.push(
            format!("{name}.weight"),
            &[c],
            Init::Constant { value: 1.0 },
        ),
        l.push(format!("{name}.bias"), &[c], Init::Constant { value: 0.0 }),
    )
}

/// The DCGAN generator.
#[derive(Clone, Debug)]
pub struct DcganGenerator {
    shape: DcganShape,
    fc: (usize, usize),
    bn0: (usize, usize),
    deconv: Vec<(usize, usize)>,
    bn: Vec<(usize, usize)>,
}

impl DcganGenerator {
    /// Appends the generator's tensors to `l` (names `fc`, `bn0`, `deconv{i}`, `bn{i}`).
    pub fn new(l: &mut Layout, shape: DcganShape) -> Self {
        let c0 = shape.width(shape.ups - 1);
        let s2 = shape.start * shape.start;
        let fc = weight(l, "fc", &[s2 * c0, shape.latent]);
        let bn0 = norm(l, "bn0", s2 * c0);
        let (mut deconv, mut bn) = (vec![], vec![]);
        for i in 1..=shape.ups {
            let cin = shape.width(shape.ups - i);
            let cout = if i == shape.ups {
                shape.channels
            } else {
                shape.width(shape.ups - i - 1)
            };
            deconv.push(weight(l, &format!("deconv{i}"), &[cin, cout, 4, 4]));
            if i < shape.ups {
                bn.push(norm(l, &format!("bn{i}"), cout));
            }
        }
        DcganGenerator {
            shape,
            fc,
            bn0,
            deconv,
            bn,
        }
    }

    /// x = G(z), z: (N, latent) → (N, channels, side, side) in (−1, 1).
    pub fn forward<D: NeuralDevice>(&self, p: &Bound<D>, z: Features<D>) -> Image<D> {
        let sh = self.shape;
        let n = z.shape().0;
        let c0 = sh.width(sh.ups - 1);
        let h = linear(
            z,
            p.get(self.fc.0),
            Some(p.get(self.fc.1)),
            sh.start * sh.start * c0,
        );
        let h = batch_norm1d_then(h, p.get(self.bn0.0), p.get(self.bn0.1), Act::Relu);
        let mut x: Image<D> = h.reshape_like(&(n, c0, sh.start, sh.start));
        for (i, &(w, b)) in self.deconv.iter().enumerate() {
            let last = i + 1 == sh.ups;
            let cout = if last {
                sh.channels
            } else {
                sh.width(sh.ups - i - 2)
            };
            let ct = ConvTranspose {
                c_out: cout,
                kernel: (4, 4),
                stride: 2,
                pad: 1,
                output_padding: 0,
            };
            x = conv_transpose2d(x, p.get(w), Some(p.get(b)), ct);
            x = if last {
                tanh(x)
            } else {
                let (g, bt) = self.bn[i];
                batch_norm2d_then(x, p.get(g), p.get(bt), Act::Relu)
            };
        }
        x
    }
}

/// The DCGAN discriminator (critic).
#[derive(Clone, Debug)]
pub struct DcganDiscriminator {
    shape: DcganShape,
    conv: Vec<(usize, usize)>,
    bn: Vec<Option<(usize, usize)>>,
    fc: (usize, usize),
}

impl DcganDiscriminator {
    /// Appends the discriminator's tensors to `l` (names `conv{i}`, `bn{i}`, `fc`); BatchNorm
    /// after every block but the first when `batchnorm`.
    pub fn new(l: &mut Layout, shape: DcganShape, batchnorm: bool) -> Self {
        let (mut conv, mut bn) = (vec![], vec![]);
        for i in 1..=shape.ups {
            let cin = if i == 1 {
                shape.channels
            } else {
                shape.width(i - 2)
            };
            let cout = shape.width(i - 1);
            conv.push(weight(l, &format!("conv{i}"), &[cout, cin, 4, 4]));
            bn.push((batchnorm && i > 1).then(|| norm(l, &format!("bn{i}"), cout)));
        }
        let flat = shape.width(shape.ups - 1) * shape.start * shape.start;
        let fc = weight(l, "fc", &[1, flat]);
        DcganDiscriminator {
            shape,
            conv,
            bn,
            fc,
        }
    }

    /// D(x): (N, channels, side, side) → (N, 1).
    pub fn forward<D: NeuralDevice>(&self, p: &Bound<D>, mut x: Image<D>) -> Features<D> {
        let sh = self.shape;
        for (i, &(w, b)) in self.conv.iter().enumerate() {
            let c = Conv {
                c_out: sh.width(i),
                kernel: (4, 4),
                stride: 2,
                pad: 1,
            };
            let act = Act::Leaky(LEAKY_SLOPE);
            x = match self.bn[i] {
                Some((g, bt)) => {
                    let z = conv2d(x, p.get(w), Some(p.get(b)), c);
                    batch_norm2d_then(z, p.get(g), p.get(bt), act)
                }
                None => conv2d_then(x, p.get(w), Some(p.get(b)), c, act),
            };
        }
        let (n, c, h, w) = *x.shape();
        let flat: Features<D> = x.reshape_like(&(n, c * h * w));
        linear(flat, p.get(self.fc.0), Some(p.get(self.fc.1)), 1)
    }
}
