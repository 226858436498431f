//! Image datasets read from their standard files — CIFAR-10 binary batches, MNIST and
//! Fashion-MNIST idx (raw or .gz) — from a directory given in the preset or under
//! `$SADDLE_DATA`. Nothing is downloaded: a missing or malformed file is an error that names
//! the path and where the files come from.

pub mod cifar;
pub mod idx;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A dataset saddle can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dataset {
    /// CIFAR-10, the five training batches (50 000 RGB images 32×32).
    Cifar10,
    /// MNIST training images (60 000 grey images 28×28).
    Mnist,
    /// Fashion-MNIST training images (60 000 grey images 28×28).
    FashionMnist,
}

impl Dataset {
    /// The folder under `$SADDLE_DATA` holding the files.
    pub fn folder(&self) -> &'static str {
        match self {
            Dataset::Cifar10 => "cifar-10-batches-bin",
            Dataset::Mnist => "mnist",
            Dataset::FashionMnist => "fashion-mnist",
        }
    }

    /// (channels, side) of its images.
    pub fn image_shape(&self) -> (usize, usize) {
        match self {
            Dataset::Cifar10 => (3, 32),
            Dataset::Mnist | Dataset::FashionMnist => (1, 28),
        }
    }

    /// Where the files come from, for error messages.
    pub fn origin(&self) -> &'static str {
        match self {
            Dataset::Cifar10 => "the CIFAR-10 binary version (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html), extracted: data_batch_1.bin … data_batch_5.bin",
            Dataset::Mnist => "MNIST's train-images-idx3-ubyte(.gz) (http://yann.lecun.com/exdb/mnist/ or any mirror)",
            Dataset::FashionMnist => "Fashion-MNIST's train-images-idx3-ubyte(.gz) (https://github.com/zalandoresearch/fashion-mnist, folder data/fashion)",
        }
    }
}

/// Images in memory as bytes (pixels 0–255), scaled to [−1, 1] per batch.
#[derive(Clone, Debug)]
pub struct ImageData {
    /// Which dataset.
    pub dataset: Dataset,
    /// Number of images.
    pub count: usize,
    /// Channels per image.
    pub channels: usize,
    /// Side of the square images.
    pub side: usize,
    /// Pixels, image by image, channel planes row-major (C, H, W).
    pub pixels: Arc<Vec<u8>>,
}

impl ImageData {
    /// Values per image.
    pub fn image_len(&self) -> usize {
        self.channels * self.side * self.side
    }

    /// Image i scaled to [−1, 1] (x/127.5 − 1, as the reference's Normalize(0.5, 0.5)) appended
    /// to `out`.
    pub fn push_image(&self, i: usize, out: &mut Vec<f32>) {
        let len = self.image_len();
        out.extend(
            self.pixels[i * len..(i + 1) * len]
                .iter()
                .map(|&p| p as f32 / 127.5 - 1.0),
        );
    }
}

/// The files of a dataset in a directory.
#[derive(Clone, Debug, PartialEq)]
pub struct DataFiles {
    /// Which dataset.
    pub dataset: Dataset,
    /// Their directory.
    pub dir: PathBuf,
}

impl DataFiles {
    /// The directory `dir` or, when None, `$SADDLE_DATA/<folder>`.
    pub fn locate(dataset: Dataset, dir: Option<&str>) -> Result<DataFiles, String> {
        let dir = match dir {
            Some(d) => PathBuf::from(d),
            None => match std::env::var_os("SADDLE_DATA") {
                Some(root) => Path::new(&root).join(dataset.folder()),
                None => {
                    return Err(format!(
                        "data_dir: no directory for {dataset:?}: set data_dir in the preset or SADDLE_DATA (files expected in $SADDLE_DATA/{}); the files are {}",
                        dataset.folder(),
                        dataset.origin()
                    ))
                }
            },
        };
        Ok(DataFiles { dataset, dir })
    }

    /// The image files to read, each checked to exist.
    pub fn paths(&self) -> Result<Vec<PathBuf>, String> {
        let missing = |p: &Path| {
            format!(
                "{}: missing; the files are {}",
                p.display(),
                self.dataset.origin()
            )
        };
        if !self.dir.is_dir() {
            return Err(format!(
                "{}: no such directory; it should hold {}",
                self.dir.display(),
                self.dataset.origin()
            ));
        }
        match self.dataset {
            Dataset::Cifar10 => (1..=5)
                .map(|i| {
                    let p = self.dir.join(format!("data_batch_{i}.bin"));
                    if p.is_file() {
                        Ok(p)
                    } else {
                        Err(missing(&p))
                    }
                })
                .collect(),
            Dataset::Mnist | Dataset::FashionMnist => {
                let raw = self.dir.join("train-images-idx3-ubyte");
                let gz = self.dir.join("train-images-idx3-ubyte.gz");
                if raw.is_file() {
                    Ok(vec![raw])
                } else if gz.is_file() {
                    Ok(vec![gz])
                } else {
                    Err(missing(&raw))
                }
            }
        }
    }

    /// Checks the files exist and their sizes or headers are right, without reading them all.
    pub fn check(&self) -> Result<(), String> {
        for p in self.paths()? {
            match self.dataset {
                Dataset::Cifar10 => cifar::check(&p)?,
                Dataset::Mnist | Dataset::FashionMnist => {
                    idx::read_header(&p, self.dataset.image_shape().1)?;
                }
            }
        }
        Ok(())
    }

    /// Reads every image.
    pub fn load(&self) -> Result<ImageData, String> {
        let (channels, side) = self.dataset.image_shape();
        let mut pixels = vec![];
        let mut count = 0;
        for p in self.paths()? {
            let (n, px) = match self.dataset {
                Dataset::Cifar10 => cifar::read(&p)?,
                Dataset::Mnist | Dataset::FashionMnist => idx::read_images(&p, side)?,
            };
            count += n;
            pixels.extend(px);
        }
        Ok(ImageData {
            dataset: self.dataset,
            count,
            channels,
            side,
            pixels: Arc::new(pixels),
        })
    }
}
