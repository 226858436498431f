//! Training saddle's classifier ([`super::classifier`]) on a labelled idx dataset: Adam
//! (η = 10⁻³, β = (0.9, 0.999)) on the cross-entropy, minibatches of 64 drawn by a seeded
//! shuffle each epoch, the last `holdout` images kept out for the reported accuracy.

use super::classifier::{forward, input, layout, save, ClassifierScorer, CLASSES};
use crate::neural::bind::Bound;
use crate::neural::data::idx::IdxReader;
use crate::neural::image_set::ImageSet;
use crate::neural::params::Params;
use crate::rng::Rng;
use crate::vector::Moves;
use dfdx::losses::cross_entropy_with_logits_loss;
use dfdx::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reads an idx1 label file (magic 0x00000801), raw or .gz, to its end: a gzip file's CRC is
/// checked, and a file of no labels, one cut short or going on past its labels, and a label
/// outside 0–9 are refused, naming the file.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, String> {
    let mut r = IdxReader::open(path)?;
    let mut h = [0u8; 8];
    r.read_exact(&mut h, "expected an 8-byte idx label header")
        .map_err(|e| format!("{e}: not an idx label file"))?;
    if h[..4] != [0, 0, 8, 1] {
        return Err(format!(
            "{}: magic {:#010x}, expected 0x00000801: not an idx label file",
            path.display(),
            u32::from_be_bytes([h[0], h[1], h[2], h[3]])
        ));
    }
    let n = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
    if n == 0 {
        return Err(format!(
            "{}: its header says it holds no labels; a classifier needs at least one",
            path.display()
        ));
    }
    let what = format!("the header announces {n} labels ({} bytes)", 8 + n);
    let labels = r.read_vec(n, &what)?;
    r.finish(&what)?;
    let mut bad = labels
        .iter()
        .enumerate()
        .filter(|(_, &l)| l as usize >= CLASSES);
    if let Some((i, l)) = bad.next() {
        return Err(format!(
            "{}: label {i} is {l}, but labels are 0–9 ({} labels out of range in all)",
            path.display(),
            1 + bad.count()
        ));
    }
    Ok(labels)
}

/// The (images, labels) files of an idx directory: `train-*` if both are present, else
/// `t10k-*`. Each may be raw or `.gz`, whatever the other is; where both forms of one are
/// there, the raw one is read, as the GAN's idx reader does.
pub fn idx_files(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let either = |name: String| {
        let raw = dir.join(&name);
        let gz = dir.join(format!("{name}.gz"));
        [raw, gz].into_iter().find(|p| p.is_file())
    };
    for stem in ["train", "t10k"] {
        let images = either(format!("{stem}-images-idx3-ubyte"));
        let labels = either(format!("{stem}-labels-idx1-ubyte"));
        if let (Some(i), Some(l)) = (images, labels) {
            return Ok((i, l));
        }
    }
    Err(format!(
        "{}: no train-images-idx3-ubyte[.gz] with train-labels-idx1-ubyte[.gz] (or the t10k- pair)",
        dir.display()
    ))
}

/// Settings of a training.
#[derive(Clone, Copy, Debug)]
pub struct Training {
    /// Passes over the training images.
    pub epochs: usize,
    /// Images kept out of training, for the accuracy.
    pub holdout: usize,
    /// Seed of the initial weights and the shuffles.
    pub seed: u64,
}

/// Trains on `images` (28×28 grey) and `labels`, writes the classifier to `out` with
/// `dataset` as its note, and returns the held-out accuracy.
pub fn train(
    images: &ImageSet,
    labels: &[u8],
    t: Training,
    dataset: &str,
    out: &Path,
    log: &mut dyn FnMut(String),
) -> Result<f64, String> {
    if t.epochs == 0 {
        return Err(
            "epochs 0: training needs at least one pass over the images (an untrained classifier scores nothing)"
                .to_string(),
        );
    }
    let n = images.len();
    if labels.len() != n || t.holdout >= n {
        return Err(format!(
            "{n} images, {} labels, holdout {}: need as many labels as images and a holdout smaller than both",
            labels.len(),
            t.holdout
        ));
    }
    let train_n = n - t.holdout;
    let dev = Cpu::default();
    let l = Arc::new(layout());
    let mut rng = Rng::derive(t.seed, "classifier");
    let mut p = Params::from_host(&dev, l.clone(), l.initial_values(&mut rng));
    let (mut m, mut v) = (p.zeros_like(), p.zeros_like());
    let (eta, b1, b2, eps) = (1e-3f32, 0.9f32, 0.999f32, 1e-8f32);
    let batch = 64;
    let mut k = 0i32;
    for epoch in 0..t.epochs {
        let mut order: Vec<usize> = (0..train_n).collect();
        for i in (1..train_n).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut loss_sum = 0.0;
        for (bi, idx) in order.chunks(batch).enumerate() {
            let mut px = Vec::with_capacity(idx.len() * 784);
            let mut target = vec![0.0f32; idx.len() * CLASSES];
            for (r, &i) in idx.iter().enumerate() {
                px.extend_from_slice(images.image(i));
                target[r * CLASSES + labels[i] as usize] = 1.0;
            }
            let set = ImageSet {
                pixels: px,
                ..ImageSet::empty(1, 28, 28)
            };
            let bound = Bound::new(&p);
            let (_, logits) = forward(&bound, input(&dev, &set)?);
            let y = dev.tensor_from_vec(target, (idx.len(), CLASSES));
            let loss = cross_entropy_with_logits_loss(logits, y);
            loss_sum += loss.as_vec()[0] as f64;
            let mut grads = loss.backward();
            let mut g = p.zeros_like();
            bound.gradients_into(&mut grads, &mut g, 1.0);
            k += 1;
            let (c1, c2) = (1.0 - b1.powi(k), 1.0 - b2.powi(k));
            for i in 0..p.tensors.len() {
                let gi = g.tensors[i].clone();
                m.tensors[i] = m.tensors[i].clone() * b1 + gi.clone() * (1.0 - b1);
                v.tensors[i] = v.tensors[i].clone() * b2 + gi.square() * (1.0 - b2);
                let step = (m.tensors[i].clone() / c1) / ((v.tensors[i].clone() / c2).sqrt() + eps);
                p.tensors[i] = p.tensors[i].clone() - step * eta;
            }
            if bi % 50 == 0 {
                log(format!(
                    "epoch {} batch {bi}: mean loss {:.4}",
                    epoch + 1,
                    loss_sum / (bi + 1) as f64
                ));
            }
        }
    }
    save(out, &p, &[("dataset", dataset.to_string())])?;
    let c = ClassifierScorer::from_file(out)?;
    let held = images.slice(train_n..n);
    let acc = c.accuracy(&held, &labels[train_n..])?;
    save(
        out,
        &p,
        &[
            ("dataset", dataset.to_string()),
            (
                "test_accuracy",
                format!("{acc:.4} on {} held-out images", t.holdout),
            ),
        ],
    )?;
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neural::data::idx::tests::{flip_a_bit_only_the_crc_sees, noise};
    use crate::neural::data::idx::write_images;

    /// Writes an idx1 label file, gzip-compressed when `path` ends in `.gz`.
    fn write_labels(path: &Path, labels: &[u8]) {
        let mut bytes = vec![0, 0, 8, 1];
        bytes.extend_from_slice(&(labels.len() as u32).to_be_bytes());
        bytes.extend_from_slice(labels);
        if path.extension().is_some_and(|e| e == "gz") {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut enc, &bytes).unwrap();
            bytes = enc.finish().unwrap();
        }
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn labels_round_trip_raw_and_gz() {
        let dir = tempfile::tempdir().unwrap();
        let labels = noise(500, 10);
        for name in ["l", "l.gz"] {
            let p = dir.path().join(name);
            write_labels(&p, &labels);
            assert_eq!(read_labels(&p).unwrap(), labels);
        }
    }

    /// The real MNIST test labels shipped in `shared/data/mnist` (skipped where absent).
    #[test]
    fn reads_the_real_mnist_test_labels() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/mnist/t10k-labels-idx1-ubyte.gz");
        if !p.exists() {
            eprintln!("skipped: {} not present", p.display());
            return;
        }
        let labels = read_labels(&p).unwrap();
        assert_eq!(labels.len(), 10_000);
        // Every digit is there, about a tenth of the time each.
        for d in 0..10u8 {
            let k = labels.iter().filter(|&&l| l == d).count();
            assert!((800..1200).contains(&k), "{k} labels {d}");
        }
    }

    #[test]
    fn an_out_of_range_label_is_named_by_index_and_value() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("train-labels-idx1-ubyte");
        let mut labels = vec![3u8; 20];
        labels[7] = 42;
        write_labels(&p, &labels);
        let e = read_labels(&p).unwrap_err();
        assert!(e.starts_with(&p.display().to_string()), "{e}");
        assert!(e.contains("label 7 is 42"), "{e}");
    }

    #[test]
    fn a_labels_file_that_is_damaged_cut_short_or_empty_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("train-labels-idx1-ubyte.gz");
        write_labels(&p, &noise(2000, 10));
        let gz = std::fs::read(&p).unwrap();
        let damaged = flip_a_bit_only_the_crc_sees(&gz, |out| {
            out.len() == 8 + 2000
                && out[..8] == [0, 0, 8, 1, 0, 0, 7, 208]
                && out[8..].iter().all(|&l| l < 10)
        });
        std::fs::write(&p, damaged).unwrap();
        let e = read_labels(&p).unwrap_err();
        assert!(e.starts_with(&p.display().to_string()), "{e}");
        assert!(e.contains("damaged") && e.contains("CRC mismatch"), "{e}");

        std::fs::write(&p, &gz[..gz.len() - 30]).unwrap();
        let e = read_labels(&p).unwrap_err();
        assert!(e.contains("cut short (truncated)"), "{e}");

        for name in ["train-labels-idx1-ubyte", "train-labels-idx1-ubyte.gz"] {
            let p = dir.path().join(name);
            write_labels(&p, &[]);
            let e = read_labels(&p).unwrap_err();
            assert!(e.starts_with(&p.display().to_string()), "{e}");
            assert!(e.contains("holds no labels"), "{e}");
        }
    }

    #[test]
    fn idx_files_pairs_raw_and_gz_files_freely() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let px = vec![0u8; 2 * 28 * 28];
        write_images(&d.join("train-images-idx3-ubyte.gz"), 28, &px).unwrap();
        write_labels(&d.join("train-labels-idx1-ubyte"), &[1, 2]);
        assert_eq!(
            idx_files(d).unwrap(),
            (
                d.join("train-images-idx3-ubyte.gz"),
                d.join("train-labels-idx1-ubyte")
            )
        );
        // Both forms of a file: the raw one, as the GAN's reader picks.
        write_images(&d.join("train-images-idx3-ubyte"), 28, &px).unwrap();
        write_labels(&d.join("train-labels-idx1-ubyte.gz"), &[1, 2]);
        assert_eq!(
            idx_files(d).unwrap(),
            (
                d.join("train-images-idx3-ubyte"),
                d.join("train-labels-idx1-ubyte")
            )
        );
        let empty = tempfile::tempdir().unwrap();
        let e = idx_files(empty.path()).unwrap_err();
        assert!(e.starts_with(&empty.path().display().to_string()), "{e}");
    }

    #[test]
    fn zero_epochs_are_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("c.safetensors");
        let images = ImageSet {
            pixels: vec![0u8; 4 * 28 * 28],
            ..ImageSet::empty(1, 28, 28)
        };
        let t = Training {
            epochs: 0,
            holdout: 1,
            seed: 1,
        };
        let e = train(&images, &[0, 1, 2, 3], t, "test", &out, &mut |_| {}).unwrap_err();
        assert!(e.contains("epochs"), "{e}");
        assert!(!out.exists());
    }
}
