//! `saddle classifier train`: the MNIST-like classifier behind the classifier score.

use crate::error::{Error, Result};
use crate::neural::image_set::ImageSet;
use crate::score::classifier_train::{idx_files, read_labels, train, Training};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Arguments of `saddle classifier`.
#[derive(Args, Debug)]
pub struct ClassifierArgs {
    #[command(subcommand)]
    command: ClassifierCommand,
}

#[derive(Subcommand, Debug)]
enum ClassifierCommand {
    /// Train on an idx directory's images and labels (MNIST or Fashion-MNIST; `train-*` files,
    /// else `t10k-*`), keep the last --holdout images out, print their accuracy.
    Train {
        /// The directory of idx files.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Where to write the classifier (safetensors).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Passes over the training images.
        #[arg(long, default_value_t = 3)]
        epochs: usize,
        /// Images kept out of training to measure the accuracy.
        #[arg(long, default_value_t = 2000)]
        holdout: usize,
        /// Seed of the weights and the shuffles.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// `saddle classifier`.
pub fn classifier(args: ClassifierArgs) -> Result<i32> {
    let ClassifierCommand::Train {
        data,
        out,
        epochs,
        holdout,
        seed,
    } = args.command;
    let (images_path, labels_path) = idx_files(&data).map_err(Error::input)?;
    let (n, px) = crate::neural::data::idx::read_images(&images_path, 28).map_err(Error::input)?;
    let labels = read_labels(&labels_path).map_err(Error::input)?;
    if labels.len() != n {
        return Err(Error::input(format!(
            "{} has {n} images but {} has {} labels",
            images_path.display(),
            labels_path.display(),
            labels.len()
        )));
    }
    let images = ImageSet {
        pixels: px,
        ..ImageSet::empty(1, 28, 28)
    };
    let dataset = format!("{} ({} images)", images_path.display(), n - holdout.min(n));
    let acc = train(
        &images,
        &labels,
        Training {
            epochs,
            holdout,
            seed,
        },
        &dataset,
        &out,
        &mut |l| eprintln!("{l}"),
    )
    .map_err(Error::input)?;
    println!(
        "classifier written to {}: held-out accuracy {:.2}% on {holdout} images",
        out.display(),
        acc * 100.0
    );
    println!("score with it: saddle score --classifier {} … (a classifier score, not comparable with published Inception Scores)", out.display());
    Ok(0)
}
