//! Training saddle's classifier ([`super::classifier`]) on a labelled idx dataset: Adam
//! (η = 10⁻³, β = (0.9, 0.999)) on the cross-entropy, minibatches of 64 drawn by a seeded
//! shuffle each epoch, the last `holdout` images kept out for the reported accuracy.

use super::classifier::{forward, input, layout, save, ClassifierScorer, CLASSES};
use crate::neural::bind::Bound;
use crate::neural::image_set::ImageSet;
use crate::neural::params::Params;
use crate::rng::Rng;
use crate::vector::Moves;
use dfdx::losses::cross_entropy_with_logits_loss;
use dfdx::prelude::*;
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reads an idx1 label file (magic 0x00000801), raw or .gz.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut r: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(GzDecoder::new(std::io::BufReader::new(f)))
    } else {
        Box::new(std::io::BufReader::new(f))
    };
    let mut b = vec![];
    r.read_to_end(&mut b)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if b.len() < 8 || b[..4] != [0, 0, 8, 1] {
        return Err(format!("{}: not an idx label file", path.display()));
    }
    let n = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) as usize;
    let labels = b[8..].to_vec();
    if labels.len() != n || labels.iter().any(|l| *l as usize >= CLASSES) {
        return Err(format!(
            "{}: {} labels in 0–9 expected, found {} bytes",
            path.display(),
            n,
            labels.len()
        ));
    }
    Ok(labels)
}

/// The (images, labels) files of an idx directory: `train-*` if present, else `t10k-*`.
pub fn idx_files(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    for stem in ["train", "t10k"] {
        for ext in ["", ".gz"] {
            let i = dir.join(format!("{stem}-images-idx3-ubyte{ext}"));
            let l = dir.join(format!("{stem}-labels-idx1-ubyte{ext}"));
            if i.is_file() && l.is_file() {
                return Ok((i, l));
            }
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
