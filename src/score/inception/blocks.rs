//! The mixed blocks of Inception-v3 as pytorch-fid patches them (`FIDInceptionA/C/E_1/E_2`;
//! torchvision's `InceptionB/D` unchanged). Module and tensor names are PyTorch's, so a
//! state dict maps one to one. Channel counts are the reference's divided by `div` (1 for the
//! real network; larger divisors give the same graph, narrower, for fast tests).

use super::act::Act;
use super::conv::{ConvBn, ConvShape};
use super::pool::{avg_pool_valid, max_pool};

/// Where a network's tensors come from: a weights file, or a generator of synthetic values.
pub trait TensorSource {
    /// The tensor `name` of PyTorch shape `shape`, flattened row-major.
    fn tensor(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String>;
}

/// BatchNorm ε of every BasicConv2d (TensorFlow's 0.001).
pub const BN_EPS: f64 = 1e-3;

/// Reads `<name>.conv.weight` and `<name>.bn.{weight, bias, running_mean, running_var}` and
/// folds them.
pub fn load_conv(src: &mut dyn TensorSource, name: &str, s: ConvShape) -> Result<ConvBn, String> {
    let w = src.tensor(&format!("{name}.conv.weight"), &s.weight_shape())?;
    let c = [s.c_out];
    let gamma = src.tensor(&format!("{name}.bn.weight"), &c)?;
    let beta = src.tensor(&format!("{name}.bn.bias"), &c)?;
    let mean = src.tensor(&format!("{name}.bn.running_mean"), &c)?;
    let var = src.tensor(&format!("{name}.bn.running_var"), &c)?;
    if let Some(v) = var.iter().find(|v| v.is_nan() || **v < 0.0) {
        return Err(format!(
            "{name}.bn.running_var holds {v}: a variance must be ≥ 0"
        ));
    }
    Ok(ConvBn::fold(
        name, s, &w, &gamma, &beta, &mean, &var, BN_EPS,
    ))
}

fn k1(c_in: usize, c_out: usize) -> ConvShape {
    ConvShape::square(c_in, c_out, 1, 1, 0)
}

fn row(c_in: usize, c_out: usize, k: usize) -> ConvShape {
    ConvShape {
        c_in,
        c_out,
        kernel: (1, k),
        stride: 1,
        pad: (0, k / 2),
    }
}

fn col(c_in: usize, c_out: usize, k: usize) -> ConvShape {
    ConvShape {
        c_in,
        c_out,
        kernel: (k, 1),
        stride: 1,
        pad: (k / 2, 0),
    }
}

fn chain(x: &Act, convs: &[ConvBn]) -> Act {
    let mut y = convs[0].forward(x);
    for c in &convs[1..] {
        y = c.forward(&y);
    }
    y
}

/// The pooling branch of an A, C or E block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolBranch {
    /// 3×3 stride-1 average without the padded zeros (A, C, E_1).
    Average,
    /// 3×3 stride-1 max (E_2: Mixed_7c).
    Max,
}

impl PoolBranch {
    fn apply(self, x: &Act) -> Act {
        match self {
            PoolBranch::Average => avg_pool_valid(x, 3, 1, 1),
            PoolBranch::Max => max_pool(x, 3, 1, 1),
        }
    }
}

/// One mixed block.
#[derive(Clone, Debug)]
pub enum Block {
    /// FIDInceptionA (Mixed_5b–5d): 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | avg→1×1.
    A {
        /// 1×1.
        b1: ConvBn,
        /// 1×1 → 5×5.
        b5: [ConvBn; 2],
        /// 1×1 → 3×3 → 3×3.
        b3: [ConvBn; 3],
        /// After the average pool.
        pool: ConvBn,
    },
    /// InceptionB (Mixed_6a): 3×3/2 | 1×1→3×3→3×3/2 | max/2.
    B {
        /// 3×3 stride 2.
        b3: ConvBn,
        /// 1×1 → 3×3 → 3×3 stride 2.
        b3dbl: [ConvBn; 3],
    },
    /// FIDInceptionC (Mixed_6b–6e): 1×1 | 1×1→1×7→7×1 | 1×1→7×1→1×7→7×1→1×7 | avg→1×1.
    C {
        /// 1×1.
        b1: ConvBn,
        /// 1×1 → 1×7 → 7×1.
        b7: [ConvBn; 3],
        /// 1×1 → 7×1 → 1×7 → 7×1 → 1×7.
        b7dbl: [ConvBn; 5],
        /// After the average pool.
        pool: ConvBn,
    },
    /// InceptionD (Mixed_7a): 1×1→3×3/2 | 1×1→1×7→7×1→3×3/2 | max/2.
    D {
        /// 1×1 → 3×3 stride 2.
        b3: [ConvBn; 2],
        /// 1×1 → 1×7 → 7×1 → 3×3 stride 2.
        b7x3: [ConvBn; 4],
    },
    /// FIDInceptionE_1/E_2 (Mixed_7b, 7c): 1×1 | 1×1→(1×3, 3×1) | 1×1→3×3→(1×3, 3×1) | pool→1×1.
    E {
        /// 1×1.
        b1: ConvBn,
        /// 1×1, then 1×3 and 3×1 side by side.
        b3: [ConvBn; 3],
        /// 1×1 → 3×3, then 1×3 and 3×1 side by side.
        b3dbl: [ConvBn; 4],
        /// The pooling (average in 7b, max in 7c).
        kind: PoolBranch,
        /// After the pool.
        pool: ConvBn,
    },
}

fn arr<const N: usize>(v: Vec<ConvBn>) -> [ConvBn; N] {
    v.try_into().expect("branch length")
}

impl Block {
    /// FIDInceptionA(c_in, pool_features) as module `name`.
    pub fn a(
        src: &mut dyn TensorSource,
        name: &str,
        c_in: usize,
        pool_features: usize,
        div: usize,
    ) -> Result<Block, String> {
        let n = |b: &str| format!("{name}.{b}");
        let (c64, c48, c96) = (64 / div, 48 / div, 96 / div);
        Ok(Block::A {
            b1: load_conv(src, &n("branch1x1"), k1(c_in, c64))?,
            b5: arr(vec![
                load_conv(src, &n("branch5x5_1"), k1(c_in, c48))?,
                load_conv(src, &n("branch5x5_2"), ConvShape::square(c48, c64, 5, 1, 2))?,
            ]),
            b3: arr(vec![
                load_conv(src, &n("branch3x3dbl_1"), k1(c_in, c64))?,
                load_conv(
                    src,
                    &n("branch3x3dbl_2"),
                    ConvShape::square(c64, c96, 3, 1, 1),
                )?,
                load_conv(
                    src,
                    &n("branch3x3dbl_3"),
                    ConvShape::square(c96, c96, 3, 1, 1),
                )?,
            ]),
            pool: load_conv(src, &n("branch_pool"), k1(c_in, pool_features))?,
        })
    }

    /// InceptionB(c_in) as module `name`.
    pub fn b(
        src: &mut dyn TensorSource,
        name: &str,
        c_in: usize,
        div: usize,
    ) -> Result<Block, String> {
        let n = |b: &str| format!("{name}.{b}");
        let (c384, c64, c96) = (384 / div, 64 / div, 96 / div);
        Ok(Block::B {
            b3: load_conv(src, &n("branch3x3"), ConvShape::square(c_in, c384, 3, 2, 0))?,
            b3dbl: arr(vec![
                load_conv(src, &n("branch3x3dbl_1"), k1(c_in, c64))?,
                load_conv(
                    src,
                    &n("branch3x3dbl_2"),
                    ConvShape::square(c64, c96, 3, 1, 1),
                )?,
                load_conv(
                    src,
                    &n("branch3x3dbl_3"),
                    ConvShape::square(c96, c96, 3, 2, 0),
                )?,
            ]),
        })
    }

    /// FIDInceptionC(c_in, channels_7x7) as module `name`.
    pub fn c(
        src: &mut dyn TensorSource,
        name: &str,
        c_in: usize,
        c7: usize,
        div: usize,
    ) -> Result<Block, String> {
        let n = |b: &str| format!("{name}.{b}");
        let c192 = 192 / div;
        Ok(Block::C {
            b1: load_conv(src, &n("branch1x1"), k1(c_in, c192))?,
            b7: arr(vec![
                load_conv(src, &n("branch7x7_1"), k1(c_in, c7))?,
                load_conv(src, &n("branch7x7_2"), row(c7, c7, 7))?,
                load_conv(src, &n("branch7x7_3"), col(c7, c192, 7))?,
            ]),
            b7dbl: arr(vec![
                load_conv(src, &n("branch7x7dbl_1"), k1(c_in, c7))?,
                load_conv(src, &n("branch7x7dbl_2"), col(c7, c7, 7))?,
                load_conv(src, &n("branch7x7dbl_3"), row(c7, c7, 7))?,
                load_conv(src, &n("branch7x7dbl_4"), col(c7, c7, 7))?,
                load_conv(src, &n("branch7x7dbl_5"), row(c7, c192, 7))?,
            ]),
            pool: load_conv(src, &n("branch_pool"), k1(c_in, c192))?,
        })
    }

    /// InceptionD(c_in) as module `name`.
    pub fn d(
        src: &mut dyn TensorSource,
        name: &str,
        c_in: usize,
        div: usize,
    ) -> Result<Block, String> {
        let n = |b: &str| format!("{name}.{b}");
        let (c192, c320) = (192 / div, 320 / div);
        Ok(Block::D {
            b3: arr(vec![
                load_conv(src, &n("branch3x3_1"), k1(c_in, c192))?,
                load_conv(
                    src,
                    &n("branch3x3_2"),
                    ConvShape::square(c192, c320, 3, 2, 0),
                )?,
            ]),
            b7x3: arr(vec![
                load_conv(src, &n("branch7x7x3_1"), k1(c_in, c192))?,
                load_conv(src, &n("branch7x7x3_2"), row(c192, c192, 7))?,
                load_conv(src, &n("branch7x7x3_3"), col(c192, c192, 7))?,
                load_conv(
                    src,
                    &n("branch7x7x3_4"),
                    ConvShape::square(c192, c192, 3, 2, 0),
                )?,
            ]),
        })
    }

    /// FIDInceptionE_1 (`kind` Average) or E_2 (`kind` Max) as module `name`.
    pub fn e(
        src: &mut dyn TensorSource,
        name: &str,
        c_in: usize,
        kind: PoolBranch,
        div: usize,
    ) -> Result<Block, String> {
        let n = |b: &str| format!("{name}.{b}");
        let (c320, c384, c448, c192) = (320 / div, 384 / div, 448 / div, 192 / div);
        Ok(Block::E {
            b1: load_conv(src, &n("branch1x1"), k1(c_in, c320))?,
            b3: arr(vec![
                load_conv(src, &n("branch3x3_1"), k1(c_in, c384))?,
                load_conv(src, &n("branch3x3_2a"), row(c384, c384, 3))?,
                load_conv(src, &n("branch3x3_2b"), col(c384, c384, 3))?,
            ]),
            b3dbl: arr(vec![
                load_conv(src, &n("branch3x3dbl_1"), k1(c_in, c448))?,
                load_conv(
                    src,
                    &n("branch3x3dbl_2"),
                    ConvShape::square(c448, c384, 3, 1, 1),
                )?,
                load_conv(src, &n("branch3x3dbl_3a"), row(c384, c384, 3))?,
                load_conv(src, &n("branch3x3dbl_3b"), col(c384, c384, 3))?,
            ]),
            kind,
            pool: load_conv(src, &n("branch_pool"), k1(c_in, c192))?,
        })
    }

    /// The block's output: its branches concatenated along channels in PyTorch's order.
    pub fn forward(&self, x: &Act) -> Act {
        match self {
            Block::A { b1, b5, b3, pool } => Act::concat(vec![
                b1.forward(x),
                chain(x, b5),
                chain(x, b3),
                pool.forward(&avg_pool_valid(x, 3, 1, 1)),
            ]),
            Block::B { b3, b3dbl } => {
                Act::concat(vec![b3.forward(x), chain(x, b3dbl), max_pool(x, 3, 2, 0)])
            }
            Block::C {
                b1,
                b7,
                b7dbl,
                pool,
            } => Act::concat(vec![
                b1.forward(x),
                chain(x, b7),
                chain(x, b7dbl),
                pool.forward(&avg_pool_valid(x, 3, 1, 1)),
            ]),
            Block::D { b3, b7x3 } => {
                Act::concat(vec![chain(x, b3), chain(x, b7x3), max_pool(x, 3, 2, 0)])
            }
            Block::E {
                b1,
                b3,
                b3dbl,
                kind,
                pool,
            } => {
                let t = b3[0].forward(x);
                let u = chain(x, &b3dbl[..2]);
                Act::concat(vec![
                    b1.forward(x),
                    b3[1].forward(&t),
                    b3[2].forward(&t),
                    b3dbl[2].forward(&u),
                    b3dbl[3].forward(&u),
                    pool.forward(&kind.apply(x)),
                ])
            }
        }
    }
}
