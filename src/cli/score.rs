//! `saddle score`: the Inception Score and FID of a directory of PNGs or of a run's generator,
//! computed the reference way (see `saddle::score`).

use crate::error::{Error, Result};
use crate::neural::sampler::SCORE_SEED;
use crate::run::ident::unix_now;
use crate::run::store::RunDir;
use crate::score::enable::how_to_enable;
use crate::score::evaluate::{self, Scored, Wants};
use crate::score::network::{InceptionScorer, Scorer};
use crate::score::npz;
use crate::score::record::ScoreRecord;
use crate::score::reference::{self, Reference};
use clap::Args;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `saddle score`.
#[derive(Args, Debug)]
#[command(
    after_help = "Weights: convert pytorch-fid's pt_inception-2015-12-05-6726825d.pth once with\n  \
python -c \"import torch; from safetensors.torch import save_file; sd = torch.load('pt_inception-2015-12-05-6726825d.pth', map_location='cpu'); save_file({k: v.float().contiguous() for k, v in sd.items() if not k.endswith('num_batches_tracked')}, 'pt_inception-2015-12-05.safetensors')\"\n\
Preprocessing: uint8 images, TF1 bilinear resize to 299×299, (x − 128)/128; generated images are int32((x·0.5 + 0.5)·255)."
)]
pub struct ScoreArgs {
    /// pytorch-fid's Inception weights converted to safetensors (see below).
    #[arg(long, value_name = "FILE", env = "SADDLE_INCEPTION")]
    weights: Option<PathBuf>,
    /// Refuse the weights unless their SHA-256 starts with these hex digits (8 to 64).
    #[arg(long, value_name = "HEX")]
    weights_sha256: Option<String>,
    /// Seeded random Inception weights instead of a file (SEED or SEED:DIV, DIV dividing every
    /// width): numbers that measure nothing, for demonstrations and tests.
    #[arg(long, value_name = "SEED[:DIV]", conflicts_with = "weights")]
    synthetic: Option<String>,
    /// saddle's MNIST-like classifier (`saddle classifier train`) instead of Inception: a
    /// classifier score, not comparable with published Inception Scores.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["weights", "synthetic"])]
    classifier: Option<PathBuf>,
    /// A directory of PNG images (scored in file-name order), or a dataset directory
    /// (CIFAR-10 batches, idx files).
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "run",
        required_unless_present = "run"
    )]
    images: Option<PathBuf>,
    /// A run (id or directory): its generator as exported with a checkpoint.
    #[arg(long, value_name = "RUN")]
    run: Option<String>,
    /// The run's generator: raw (last iterate), avg (uniform average), ema, or an average's name.
    #[arg(long, default_value = "raw", requires = "run")]
    generator: String,
    /// The run's checkpoint step (default: the newest).
    #[arg(long, requires = "run")]
    step: Option<u64>,
    /// Reference statistics for FID: an .npz with `mu` and `sigma` (TTUR / pytorch-fid), a
    /// dataset directory (CIFAR-10 batches, idx files or PNGs; computed once, cached under
    /// $SADDLE_CACHE), or `data` for the run's own dataset.
    #[arg(long = "ref", value_name = "STATS")]
    reference: Option<String>,
    /// Images to score (default: 50000 for a run, every image for --images).
    #[arg(long)]
    samples: Option<usize>,
    /// Splits of the Inception Score.
    #[arg(long, default_value_t = 10)]
    splits: usize,
    /// Threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Write μ and Σ of the scored images' features to this .npz (reference statistics).
    #[arg(long, value_name = "FILE")]
    save_stats: Option<PathBuf>,
    /// Write every pool_3 feature and logit to this .npz (`pool3`, `logits`).
    #[arg(long, value_name = "FILE")]
    save_features: Option<PathBuf>,
    /// One JSON object (the stored score record) instead of text.
    #[arg(long)]
    json: bool,
}

fn network(args: &ScoreArgs) -> Result<Box<dyn Scorer>> {
    if let Some(s) = &args.synthetic {
        let (seed, div) = match s.split_once(':') {
            Some((a, b)) => (a.parse(), b.parse()),
            None => (s.parse(), Ok(1)),
        };
        let (seed, div) = match (seed, div) {
            (Ok(a), Ok(b)) => (a, b),
            _ => {
                return Err(Error::input(format!(
                    "--synthetic {s:?}: expected SEED or SEED:DIV"
                )))
            }
        };
        return Ok(Box::new(
            InceptionScorer::synthetic(seed, div)
                .map_err(|e| Error::input(format!("--synthetic: {e}")))?,
        ));
    }
    if let Some(c) = &args.classifier {
        return Ok(Box::new(
            crate::score::classifier::ClassifierScorer::from_file(c).map_err(Error::input)?,
        ));
    }
    let Some(w) = &args.weights else {
        return Err(Error::input(how_to_enable()));
    };
    Ok(Box::new(
        InceptionScorer::from_file(w, args.weights_sha256.as_deref()).map_err(Error::input)?,
    ))
}

/// Progress on stderr at most every 2 s, only on a terminal.
fn progress(what: &str) -> impl FnMut(usize, usize) + '_ {
    let (start, mut last) = (Instant::now(), Instant::now());
    let tty = std::io::stderr().is_terminal();
    move |done, total| {
        if tty && (last.elapsed().as_secs_f64() > 2.0 || done == total) {
            last = Instant::now();
            let rate = done as f64 / start.elapsed().as_secs_f64().max(1e-9);
            eprint!("\r{what}: {done}/{total} images ({rate:.1}/s)   ");
            if done == total {
                eprintln!();
            }
        }
    }
}

/// `saddle score`.
pub fn score(args: ScoreArgs, runs_dir: &Path) -> Result<i32> {
    if args.splits == 0 {
        return Err(Error::input("--splits must be at least 1"));
    }
    if args.samples == Some(0) {
        return Err(Error::input("--samples must be at least 1"));
    }
    if let Some(dir) = args.images.as_ref().filter(|d| !d.is_dir()) {
        return Err(Error::input(format!(
            "--images {}: no such directory (it holds the images to score: PNGs, CIFAR-10 batches or idx files)",
            dir.display()
        )));
    }
    // Before minutes of scoring: a typo in an output path lost the scores at the end.
    let inputs: Vec<&std::path::Path> = [args.weights.as_deref(), args.classifier.as_deref()]
        .into_iter()
        .flatten()
        .chain(args.reference.as_deref().map(std::path::Path::new))
        .collect();
    for (p, flag) in [
        (&args.save_stats, "--save-stats"),
        (&args.save_features, "--save-features"),
    ] {
        if let Some(p) = p {
            super::launch::check_output_file(p, flag)?;
            super::launch::check_not_an_input(p, flag, &inputs)?;
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::failure(e.to_string()))?;
    pool.install(|| score_in_pool(&args, runs_dir))
}

fn score_in_pool(args: &ScoreArgs, runs_dir: &Path) -> Result<i32> {
    let scorer = network(args)?;
    let started = Instant::now();
    let run = match &args.run {
        Some(r) => {
            let dir = RunDir::find(r, runs_dir)?;
            let g = crate::run::generator::load(&dir, &args.generator, args.step)
                .map_err(Error::input)?;
            Some((dir, g))
        }
        None => None,
    };
    let reference: Option<Reference> = match args.reference.as_deref() {
        None => None,
        Some("data") => {
            let (_, g) = run
                .as_ref()
                .ok_or_else(|| Error::input("--ref data: only with --run (the run's dataset)"))?;
            let (images, source) = g
                .sampler
                .real_images()
                .ok_or_else(|| Error::input("--ref data: the run's game has no dataset"))?;
            Some(
                reference::of_images(
                    scorer.as_ref(),
                    &images,
                    &source,
                    &reference::cache_dir(),
                    &mut progress("reference statistics"),
                )
                .map_err(Error::input)?,
            )
        }
        Some(p) => Some(
            reference::resolve(
                Path::new(p),
                scorer.as_ref(),
                &reference::cache_dir(),
                &mut progress("reference statistics"),
            )
            .map_err(|e| Error::input(format!("--ref: {e}")))?,
        ),
    };
    let wants = Wants {
        splits: args.splits,
        reference: reference.as_ref(),
        moments: args.save_stats.is_some(),
        features: args.save_features.is_some(),
    };
    let (scored, what, step, generator): (Scored, String, Option<u64>, Option<String>) = match (
        &args.images,
        run,
    ) {
        (Some(dir), _) => {
            let (mut set, source) = reference::dataset_images(dir).map_err(Error::input)?;
            if let Some(n) = args.samples {
                if set.len() < n {
                    return Err(Error::input(format!(
                        "--samples {n}: {} holds only {} PNG images",
                        dir.display(),
                        set.len()
                    )));
                }
                set = set.slice(0..n);
            }
            let s = evaluate::images(scorer.as_ref(), &set, wants, &mut progress("scoring"))
                .map_err(Error::input)?;
            let what = format!(
                "{} images {}×{}×{} of {source}",
                set.len(),
                set.channels,
                set.height,
                set.width
            );
            (s, what, None, None)
        }
        (None, Some((dir, g))) => {
            let n = args.samples.unwrap_or(50_000);
            let s = evaluate::generator(
                scorer.as_ref(),
                g.sampler.as_ref(),
                &g.theta,
                n,
                SCORE_SEED,
                wants,
                &mut progress("scoring"),
            )
            .map_err(Error::input)?;
            let what = format!(
                    "{n} samples of run {}'s {} generator at step {} ({}; export sha256 {}; latents from seed {SCORE_SEED:#x} in batches of {}; pixels int32((x·0.5 + 0.5)·255))",
                    dir.id(),
                    g.name,
                    g.step,
                    g.sampler.describe(),
                    &g.sha256[..16],
                    crate::neural::sampler::GENERATION_BATCH
                );
            (s, what, Some(g.step), Some(g.name))
        }
        (None, None) => unreachable!("clap requires --images or --run"),
    };
    if let Some(p) = &args.save_stats {
        let g = scored.outcome.gaussian.as_ref().expect("moments kept");
        reference::write_npz(p, g).map_err(Error::failure)?;
    }
    if let Some(p) = &args.save_features {
        let f = scored.outcome.features.as_ref().expect("features kept");
        let bytes = npz::archive(&[
            ("pool3", npz::npy_f32(&[f.count, f.dims], &f.pool3)),
            (
                "logits",
                npz::npy_f32(&[f.count, f.logits.len() / f.count.max(1)], &f.logits),
            ),
        ]);
        crate::run::store::write_atomic(p, &bytes)?;
    }
    let o = &scored.outcome;
    let record = ScoreRecord {
        step,
        generator,
        samples: o.samples,
        splits: o.splits,
        inception_score: Some(o.score.mean),
        inception_score_std: Some(o.score.std),
        fid: scored.fid,
        network: scorer.id().clone(),
        reference: reference.as_ref().map(|r| r.id.clone()),
        images: what,
        preprocessing: scorer.preprocessing().into(),
        seconds: started.elapsed().as_secs_f64(),
        time: unix_now(),
        error: None,
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&record).map_err(|e| Error::failure(e.to_string()))?
        );
        return Ok(0);
    }
    let id = &record.network;
    println!(
        "{} {:.4} ± {:.4} ({} samples, {} splits)",
        id.score_name(),
        o.score.mean,
        o.score.std,
        o.samples,
        o.splits
    );
    if let (Some(f), Some(r)) = (scored.fid, &reference) {
        // FID ≥ 0; rounding leaves tiny negatives for a set against itself (the JSON keeps them).
        let f = if f.abs() < 5e-5 { 0.0 } else { f };
        println!(
            "{} {f:.4} against {} (sha256 {}…{})",
            id.distance_name(),
            r.id.path,
            &r.id.sha256[..16],
            r.id.samples
                .map(|n| format!(", {n} images"))
                .unwrap_or_default()
        );
    }
    println!("images: {}", record.images);
    println!("network: {} (sha256 {}), {}", id.kind, id.sha256, id.source);
    println!("preprocessing: {}", scorer.preprocessing());
    if let Some(c) = id.caveat() {
        println!("note: {c}");
    }
    Ok(0)
}
