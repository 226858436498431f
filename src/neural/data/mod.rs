//! Image datasets read from their standard files — CIFAR-10 binary batches, MNIST and
//! Fashion-MNIST idx (raw or .gz) — from a directory given in the preset or under
//! `$SADDLE_DATA`. Nothing is downloaded: a missing or malformed file is an error that names
//! the path and where the files come from.

pub mod cifar;
pub mod idx;

use crate::variant_name::VariantName;
use serde::de::{self, EnumAccess, VariantAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Reads one image dataset from the files in a directory: the built-in CIFAR-10 and idx
/// readers implement it, and so does a program's own reader, registered under a name that
/// presets then write as `dataset: Name` (`setup::Registry::dataset`).
pub trait DatasetReader: Send + Sync {
    /// The folder under `$SADDLE_DATA` that holds the files when the preset gives no
    /// `data_dir`.
    fn folder(&self) -> &str;
    /// (channels, side) of its square images.
    fn image_shape(&self) -> (usize, usize);
    /// Where the files come from, for error messages (what to download, how to unpack it).
    fn origin(&self) -> &str;
    /// Checks the files in `dir` (an existing directory) exist and their sizes or headers are
    /// right, without reading them all; errors name the file and what is wrong.
    fn check(&self, dir: &Path) -> Result<(), String>;
    /// The number of images in `dir` when sizes or headers tell it without reading the
    /// images (validation uses it to check an epoch data order), checking the files as
    /// [`DatasetReader::check`] does on its way; `None` when they do not tell it.
    fn count(&self, _dir: &Path) -> Result<Option<usize>, String> {
        Ok(None)
    }
    /// Reads every image in `dir`: their number and their pixels 0–255, image after image,
    /// each (C, H, W) row-major as `image_shape` says.
    fn read(&self, dir: &Path) -> Result<(usize, Vec<u8>), String>;
}

/// A dataset a preset can name: its name and its reader.
#[derive(Clone, Copy)]
pub struct Dataset {
    name: &'static str,
    reader: &'static dyn DatasetReader,
}

#[allow(non_upper_case_globals)]
impl Dataset {
    /// CIFAR-10, the five training batches (50 000 RGB images 32×32).
    pub const Cifar10: Dataset = Dataset {
        name: "Cifar10",
        reader: &cifar::Cifar10,
    };
    /// MNIST training images (60 000 grey images 28×28).
    pub const Mnist: Dataset = Dataset {
        name: "Mnist",
        reader: &idx::MNIST,
    };
    /// Fashion-MNIST training images (60 000 grey images 28×28).
    pub const FashionMnist: Dataset = Dataset {
        name: "FashionMnist",
        reader: &idx::FASHION_MNIST,
    };
    /// The built-in datasets, in the order error messages list them: a new built-in reader is
    /// one file in this folder and one line here.
    pub const BUILTIN: &'static [Dataset] =
        &[Dataset::Cifar10, Dataset::Mnist, Dataset::FashionMnist];

    /// The dataset `name` read by `reader`.
    pub const fn new(name: &'static str, reader: &'static dyn DatasetReader) -> Self {
        Dataset { name, reader }
    }

    /// Its name in presets.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its reader.
    pub fn reader(&self) -> &'static dyn DatasetReader {
        self.reader
    }

    /// The folder under `$SADDLE_DATA` holding the files.
    pub fn folder(&self) -> &'static str {
        self.reader.folder()
    }

    /// (channels, side) of its images.
    pub fn image_shape(&self) -> (usize, usize) {
        self.reader.image_shape()
    }

    /// Where the files come from, for error messages.
    pub fn origin(&self) -> &'static str {
        self.reader.origin()
    }
}

impl fmt::Debug for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for Dataset {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Dataset {}

/// The datasets presets can name in this process, with their names for error messages.
struct Installed {
    all: Vec<Dataset>,
    names: &'static [&'static str],
}

static INSTALLED: OnceLock<Installed> = OnceLock::new();

fn installed() -> &'static Installed {
    INSTALLED.get_or_init(|| Installed::new(Dataset::BUILTIN.to_vec()))
}

impl Installed {
    fn new(all: Vec<Dataset>) -> Self {
        let names = all.iter().map(|d| d.name).collect::<Vec<_>>();
        Installed {
            all,
            // Once per process: serde's error messages need the names for the whole run.
            names: Box::leak(names.into_boxed_slice()),
        }
    }
}

/// Makes `all` the datasets presets can name, once per process and before any preset is read
/// (the program's entry point does it); an error when a different list is already in force.
pub fn install(all: Vec<Dataset>) -> Result<(), String> {
    let names: Vec<&str> = all.iter().map(|d| d.name).collect();
    let mut fresh = Some(all);
    let now = INSTALLED.get_or_init(|| Installed::new(fresh.take().expect("set once")));
    if fresh.is_some() && now.names != names.as_slice() {
        return Err(format!(
            "the datasets are already fixed for this process ({})",
            now.names.join(", ")
        ));
    }
    Ok(())
}

impl Dataset {
    /// The dataset presets call `name`, among those installed.
    pub fn named(name: &str) -> Option<Dataset> {
        installed().all.iter().find(|d| d.name == name).copied()
    }
}

impl Serialize for Dataset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let index = installed()
            .names
            .iter()
            .position(|n| *n == self.name)
            .unwrap_or(0);
        s.serialize_unit_variant("Dataset", index as u32, self.name)
    }
}

impl<'de> Deserialize<'de> for Dataset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_enum("Dataset", installed().names, DatasetVisitor)
    }
}

struct DatasetVisitor;

impl<'de> Visitor<'de> for DatasetVisitor {
    type Value = Dataset;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a dataset name, e.g. Cifar10")
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Dataset, A::Error> {
        let (name, variant) = data.variant_seed(VariantName(installed().names))?;
        let Some(d) = Dataset::named(&name) else {
            return Err(de::Error::unknown_variant(&name, installed().names));
        };
        variant.unit_variant()?;
        Ok(d)
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

    /// Checks the directory exists, then the files (sizes or headers), without reading them
    /// all.
    pub fn check(&self) -> Result<(), String> {
        self.exists()?;
        self.dataset.reader.check(&self.dir)
    }

    /// The number of images: from sizes or headers where the reader can tell it so, else by
    /// reading them all.
    pub fn count(&self) -> Result<usize, String> {
        self.exists()?;
        match self.dataset.reader.count(&self.dir)? {
            Some(n) => Ok(n),
            None => {
                self.dataset.reader.check(&self.dir)?;
                Ok(self.load()?.count)
            }
        }
    }

    /// Reads every image.
    pub fn load(&self) -> Result<ImageData, String> {
        self.exists()?;
        let (channels, side) = self.dataset.image_shape();
        let (count, pixels) = self.dataset.reader.read(&self.dir)?;
        if pixels.len() != count * channels * side * side {
            return Err(format!(
                "{}: the {:?} reader gave {} bytes for {count} images of {channels}×{side}×{side}",
                self.dir.display(),
                self.dataset,
                pixels.len()
            ));
        }
        Ok(ImageData {
            dataset: self.dataset,
            count,
            channels,
            side,
            pixels: Arc::new(pixels),
        })
    }

    fn exists(&self) -> Result<(), String> {
        let what = match std::fs::metadata(&self.dir) {
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) => "a file, not a directory",
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "no such directory",
            Err(_) => "not a directory that can be read",
        };
        Err(format!(
            "{}: {what}; data_dir is the directory that holds {}",
            self.dir.display(),
            self.dataset.origin()
        ))
    }
}

/// The message for a missing file of `dataset`.
pub fn missing(path: &Path, origin: &str) -> String {
    format!("{}: missing; the files are {origin}", path.display())
}
