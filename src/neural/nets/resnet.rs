//! ResNet-32 generator and discriminator for WGAN-GP (spec §4.4, REF-VI `models/resnet.py`).
//!
//! G: Linear(latent → 4·4·nf) → (nf, 4, 4) → 3 × up-block → BN → ReLU → Conv(nf → c, k3, p1)
//! → tanh; up-block: [BN → ReLU → ConvT(k4, s2, p1) → BN → ReLU → Conv(k3, p1)] +
//! ConvT(k1, s2, output_padding 1).
//! D (no BatchNorm): [Conv(k3, p1) → ReLU → Conv(k3, s2, p1)] + Conv(k1, s2) (16×16); down-block
//! [ReLU → Conv(k3, p1) → ReLU → Conv(k3, s2, p1)] + Conv(k1, s2) (8×8); 2 × [ReLU → Conv(k3, p1)
//! → ReLU → Conv(k3, p1)] + identity; ReLU → mean over pixels → Linear(nf → 1).

use crate::neural::bind::Bound;
use crate::neural::device::NeuralDevice;
use crate::neural::layers::activation::{relu, tanh};
use crate::neural::layers::batch_norm::batch_norm2d_then;
use crate::neural::layers::linear::{linear, Features};
use crate::neural::layout::{Init, Layout};
use crate::neural::ops::activation::Act;
use crate::neural::ops::conv2d::{conv2d, Conv};
use crate::neural::ops::conv_transpose2d::{conv_transpose2d, ConvTranspose};
use crate::neural::ops::Image;
use dfdx::prelude::*;

const STD: f64 = 0.02;
type Pair = (usize, usize);

fn layer(l: &mut Layout, name: &str, shape: &[usize], bias: usize) -> Pair {
    (
        l.push(format!("{name}.weight"), shape, Init::Normal { std: STD }),
        l.push(
            format!("{name}.bias"),
            &[bias],
            Init::Constant { value: 0.0 },
        ),
    )
}

fn norm(l: &mut Layout, name: &str, c: usize) -> Pair {
    (
        l.push(
            format!("{name}.weight"),
            &[c],
            Init::Constant { value: 1.0 },
        ),
        l.push(format!("{name}.bias"), &[c], Init::Constant { value: 0.0 }),
    )
}

fn conv<D: NeuralDevice>(
    p: &Bound<D>,
    x: Image<D>,
    w: Pair,
    c_out: usize,
    k: usize,
    stride: usize,
    pad: usize,
) -> Image<D> {
    conv2d(
        x,
        p.get(w.0),
        Some(p.get(w.1)),
        Conv {
            c_out,
            kernel: (k, k),
            stride,
            pad,
        },
    )
}

struct UpBlock {
    bn1: Pair,
    deconv: Pair,
    bn2: Pair,
    conv: Pair,
    shortcut: Pair,
}

/// The ResNet-32 generator.
pub struct ResnetGenerator {
    nf: usize,
    channels: usize,
    fc: Pair,
    blocks: Vec<UpBlock>,
    bn: Pair,
    out: Pair,
}

impl ResnetGenerator {
    /// Appends the generator's tensors to `l`.
    pub fn new(l: &mut Layout, nf: usize, latent: usize, channels: usize) -> Self {
        let fc = layer(l, "fc", &[16 * nf, latent], 16 * nf);
        let blocks = (1..=3)
            .map(|i| UpBlock {
                bn1: norm(l, &format!("block{i}.bn1"), nf),
                deconv: layer(l, &format!("block{i}.deconv"), &[nf, nf, 4, 4], nf),
                bn2: norm(l, &format!("block{i}.bn2"), nf),
                conv: layer(l, &format!("block{i}.conv"), &[nf, nf, 3, 3], nf),
                shortcut: layer(l, &format!("block{i}.shortcut"), &[nf, nf, 1, 1], nf),
            })
            .collect();
        let bn = norm(l, "bn", nf);
        let out = layer(l, "conv_out", &[channels, nf, 3, 3], channels);
        ResnetGenerator {
            nf,
            channels,
            fc,
            blocks,
            bn,
            out,
        }
    }

    /// x = G(z): (N, latent) → (N, channels, 32, 32).
    pub fn forward<D: NeuralDevice>(&self, p: &Bound<D>, z: Features<D>) -> Image<D> {
        let (n, nf) = (z.shape().0, self.nf);
        let h = linear(z, p.get(self.fc.0), Some(p.get(self.fc.1)), 16 * nf);
        let mut x: Image<D> = h.reshape_like(&(n, nf, 4, 4));
        for b in &self.blocks {
            let up = |k: usize, pad: usize, op: usize| ConvTranspose {
                c_out: nf,
                kernel: (k, k),
                stride: 2,
                pad,
                output_padding: op,
            };
            let skip = conv_transpose2d(
                x.retaped::<OwnedTape<f32, D>>(),
                p.get(b.shortcut.0),
                Some(p.get(b.shortcut.1)),
                up(1, 0, 1),
            );
            let r = batch_norm2d_then(x, p.get(b.bn1.0), p.get(b.bn1.1), Act::Relu);
            let r = conv_transpose2d(r, p.get(b.deconv.0), Some(p.get(b.deconv.1)), up(4, 1, 0));
            let r = batch_norm2d_then(r, p.get(b.bn2.0), p.get(b.bn2.1), Act::Relu);
            x = conv(p, r, b.conv, nf, 3, 1, 1) + skip;
        }
        let x = batch_norm2d_then(x, p.get(self.bn.0), p.get(self.bn.1), Act::Relu);
        tanh(conv(p, x, self.out, self.channels, 3, 1, 1))
    }
}

struct DownBlock {
    conv1: Pair,
    conv2: Pair,
    shortcut: Option<Pair>,
    first: bool,
    down: bool,
}

/// The ResNet-32 discriminator (critic), without BatchNorm.
pub struct ResnetDiscriminator {
    nf: usize,
    blocks: Vec<DownBlock>,
    fc: Pair,
}

impl ResnetDiscriminator {
    /// Appends the discriminator's tensors to `l`.
    pub fn new(l: &mut Layout, nf: usize, channels: usize) -> Self {
        let blocks = (1..=4)
            .map(|i| {
                let cin = if i == 1 { channels } else { nf };
                let down = i <= 2;
                DownBlock {
                    conv1: layer(l, &format!("block{i}.conv1"), &[nf, cin, 3, 3], nf),
                    conv2: layer(l, &format!("block{i}.conv2"), &[nf, nf, 3, 3], nf),
                    shortcut: down
                        .then(|| layer(l, &format!("block{i}.shortcut"), &[nf, cin, 1, 1], nf)),
                    first: i == 1,
                    down,
                }
            })
            .collect();
        let fc = layer(l, "fc", &[1, nf], 1);
        ResnetDiscriminator { nf, blocks, fc }
    }

    /// D(x): (N, channels, 32, 32) → (N, 1).
    pub fn forward<D: NeuralDevice>(&self, p: &Bound<D>, mut x: Image<D>) -> Features<D> {
        let nf = self.nf;
        for b in &self.blocks {
            let skip = match b.shortcut {
                Some(s) => conv(p, x.retaped::<OwnedTape<f32, D>>(), s, nf, 1, 2, 0),
                None => x.retaped::<OwnedTape<f32, D>>(),
            };
            let r = if b.first { x } else { relu(x) };
            let r = relu(conv(p, r, b.conv1, nf, 3, 1, 1));
            let r = conv(p, r, b.conv2, nf, 3, if b.down { 2 } else { 1 }, 1);
            x = r + skip;
        }
        let pooled = relu(x).mean::<(usize, usize), Axes2<2, 3>>();
        linear(pooled, p.get(self.fc.0), Some(p.get(self.fc.1)), 1)
    }
}
