//! Reference statistics (μ, Σ of real images' features) for the Fréchet distance: loaded from
//! the standard `.npz` (`mu`, `sigma`; TTUR's `fid_stats_cifar10_train.npz`, pytorch-fid's
//! `--save-stats` output), or computed once from a dataset — a directory of CIFAR-10 binary
//! batches, of MNIST-format idx files, or of PNGs — and cached as an .npz beside a JSON note.
//!
//! The cache key is the SHA-256 of the network's identity and the images' bytes, so a cached
//! file is reused exactly when the same network would see the same images. Every score
//! records the statistics it used by the SHA-256 of their file.

use super::frechet::SqrtGaussian;
use super::images::read_png_dir;
use super::inception::weights::sha256_hex;
use super::moments::Gaussian;
use super::network::Scorer;
use super::npz;
use super::session::Session;
use crate::neural::image_set::ImageSet;
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Which statistics a score was measured against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceId {
    /// SHA-256 of the statistics file.
    pub sha256: String,
    /// The statistics file.
    pub path: String,
    /// What the statistics were computed from, when saddle computed them.
    pub source: Option<String>,
    /// Images behind them, when known.
    pub samples: Option<usize>,
}

/// Statistics ready for distances.
#[derive(Clone, Debug)]
pub struct Reference {
    /// Which.
    pub id: ReferenceId,
    /// μ, Σ and Σ^{1/2}.
    pub stats: SqrtGaussian,
}

/// What saddle writes next to a computed .npz.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Note {
    source: String,
    samples: usize,
    network: super::network::NetworkId,
}

/// Reads μ and Σ from an .npz with arrays `mu` (d) and `sigma` (d × d).
pub fn read_npz(path: &Path) -> Result<Gaussian, String> {
    let a = npz::read(path, &["mu", "sigma"])?;
    let (mu, sigma) = (&a[0], &a[1]);
    let d = mu.data.len();
    if mu.shape.len() != 1 || sigma.shape != vec![d, d] {
        return Err(format!(
            "{}: mu has shape {:?} and sigma {:?}; expected (d,) and (d, d)",
            path.display(),
            mu.shape,
            sigma.shape
        ));
    }
    Ok(Gaussian {
        mu: DVector::from_vec(mu.data.clone()),
        sigma: DMatrix::from_row_slice(d, d, &sigma.data),
        count: 0,
    })
}

/// Writes μ and Σ as an uncompressed .npz (`mu`, `sigma`, f64) that `np.load` and
/// pytorch-fid read.
pub fn write_npz(path: &Path, g: &Gaussian) -> Result<(), String> {
    let d = g.mu.len();
    let rows: Vec<f64> = (0..d)
        .flat_map(|i| (0..d).map(move |j| (i, j)))
        .map(|(i, j)| g.sigma[(i, j)])
        .collect();
    let bytes = npz::archive(&[
        ("mu", npz::npy_f64(&[d], g.mu.as_slice())),
        ("sigma", npz::npy_f64(&[d, d], &rows)),
    ]);
    crate::files::write_atomic(path, &bytes).map_err(|e| e.message)
}

/// Loads statistics from an .npz file.
pub fn load(path: &Path) -> Result<Reference, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let g = read_npz(path)?;
    let note: Option<Note> = std::fs::read_to_string(path.with_extension("json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    Ok(Reference {
        id: ReferenceId {
            sha256: sha256_hex(&bytes),
            path: path.display().to_string(),
            source: note.as_ref().map(|n| n.source.clone()),
            samples: note.map(|n| n.samples),
        },
        stats: SqrtGaussian::new(g)?,
    })
}

/// The real images of a dataset directory: CIFAR-10 binary batches (the 50 000 training
/// images), MNIST-format idx files (`train-images-idx3-ubyte[.gz]`, else
/// `t10k-images-idx3-ubyte[.gz]`), or PNGs (in name order). Returns the images and a
/// description.
pub fn dataset_images(dir: &Path) -> Result<(ImageSet, String), String> {
    use crate::neural::data::{DataFiles, Dataset};
    let has = |f: &str| dir.join(f).is_file();
    let files = |d: Dataset| DataFiles {
        dataset: d,
        dir: dir.to_path_buf(),
    };
    let from_data = |d: Dataset, what: &str| -> Result<(ImageSet, String), String> {
        let data = files(d).load()?;
        let set = ImageSet {
            channels: data.channels,
            height: data.side,
            width: data.side,
            pixels: data.pixels.as_ref().clone(),
        };
        let n = set.len();
        Ok((set, format!("{what} in {} ({n} images)", dir.display())))
    };
    if has("data_batch_1.bin") {
        from_data(Dataset::Cifar10, "CIFAR-10 training batches")
    } else if has("train-images-idx3-ubyte") || has("train-images-idx3-ubyte.gz") {
        from_data(Dataset::Mnist, "idx training images")
    } else if let Some(f) = ["t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz"]
        .into_iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
    {
        let (n, px) = crate::neural::data::idx::read_images(&f, 28)?;
        let set = ImageSet {
            pixels: px,
            ..ImageSet::empty(1, 28, 28)
        };
        Ok((set, format!("idx test images {} ({n} images)", f.display())))
    } else if dir.is_dir() {
        let set = read_png_dir(dir, None).map_err(|e| {
            format!("{e} (a reference directory holds CIFAR-10 data_batch_*.bin, train-images-idx3-ubyte[.gz] or PNG files)")
        })?;
        let n = set.len();
        Ok((set, format!("PNG images in {} ({n} images)", dir.display())))
    } else {
        Err(format!(
            "{}: neither an .npz file of statistics (mu, sigma) nor a dataset directory",
            dir.display()
        ))
    }
}

/// Where computed statistics are cached: `$SADDLE_CACHE`, else `$XDG_CACHE_HOME/saddle`,
/// else `$HOME/.cache/saddle`, else `.saddle-cache`.
pub fn cache_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("SADDLE_CACHE")
        .or_else(|| env("XDG_CACHE_HOME").map(|p| p.join("saddle")))
        .or_else(|| env("HOME").map(|p| p.join(".cache").join("saddle")))
        .unwrap_or_else(|| PathBuf::from(".saddle-cache"))
}

/// Batches images go through the network in (bounds the memory of decoded images).
const BATCH: usize = 256;

/// Statistics of `images` under `scorer`, from the cache under `cache` or computed (with
/// progress lines to `progress`) and cached there.
pub fn of_images(
    scorer: &dyn Scorer,
    images: &ImageSet,
    source: &str,
    cache: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Reference, String> {
    let mut h = Sha256::new();
    h.update(scorer.id().sha256.as_bytes());
    h.update(scorer.id().kind.as_bytes());
    h.update(format!(
        "{}x{}x{}",
        images.channels, images.height, images.width
    ));
    h.update(&images.pixels);
    let key: String = h
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = cache.join(format!("fid-stats-{key}.npz"));
    if path.is_file() {
        return load(&path);
    }
    let n = images.len();
    if n < 2 {
        return Err(format!("{source}: statistics need at least 2 images"));
    }
    let mut s = Session::new(scorer, n, 1, true, false)?;
    let mut done = 0;
    while done < n {
        let end = (done + BATCH).min(n);
        s.add(&images.slice(done..end))?;
        done = end;
        progress(done, n);
    }
    let g = s.finish()?.gaussian.expect("moments were asked for");
    std::fs::create_dir_all(cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    write_npz(&path, &g)?;
    let note = Note {
        source: source.to_string(),
        samples: n,
        network: scorer.id().clone(),
    };
    crate::files::write_atomic(
        &path.with_extension("json"),
        serde_json::to_string_pretty(&note)
            .expect("notes serialize")
            .as_bytes(),
    )
    .map_err(|e| e.message)?;
    load(&path)
}

/// `arg` as statistics: an .npz file, or a dataset directory (computed once, cached).
pub fn resolve(
    arg: &Path,
    scorer: &dyn Scorer,
    cache: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Reference, String> {
    if arg.is_file() {
        return load(arg);
    }
    let (images, source) = dataset_images(arg)?;
    of_images(scorer, &images, &source, cache, progress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::network::InceptionScorer;

    #[test]
    fn statistics_are_computed_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let imgs = dir.path().join("imgs");
        std::fs::create_dir(&imgs).unwrap();
        let mut rng = crate::rng::Rng::new(3);
        let set = ImageSet {
            channels: 3,
            height: 8,
            width: 8,
            pixels: (0..5 * 192).map(|_| rng.below(256) as u8).collect(),
        };
        for i in 0..5 {
            crate::score::images::write_png(&set, i, &imgs.join(format!("{i}.png"))).unwrap();
        }
        let scorer = InceptionScorer::synthetic(1, 16).unwrap();
        let cache = dir.path().join("cache");
        let mut calls = 0;
        let r = resolve(&imgs, &scorer, &cache, &mut |_, _| calls += 1).unwrap();
        assert_eq!(calls, 1);
        assert_eq!(r.id.samples, Some(5));
        assert_eq!(r.stats.gaussian.mu.len(), 128);
        let again = resolve(&imgs, &scorer, &cache, &mut |_, _| calls += 1).unwrap();
        assert_eq!(calls, 1, "the cache is used");
        assert_eq!(again.id, r.id);
        assert!(
            (&again.stats.gaussian.sigma - &r.stats.gaussian.sigma)
                .abs()
                .max()
                == 0.0
        );
        // Another network does not reuse them.
        let other = InceptionScorer::synthetic(2, 16).unwrap();
        resolve(&imgs, &other, &cache, &mut |_, _| calls += 1).unwrap();
        assert_eq!(calls, 2);
        let e = resolve(&dir.path().join("missing"), &scorer, &cache, &mut |_, _| ()).unwrap_err();
        assert!(e.contains("neither an .npz"), "{e}");
    }
}
