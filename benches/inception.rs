//! Inception forward throughput (images/s) on the CPU: saddle's FID Inception on 32×32 RGB
//! images (TF1 resize to 299², the full network to pool_3 and logits) with every core and with
//! one thread (what a live scorer gets), and — when PyTorch and pytorch-fid are importable —
//! pytorch-fid's network with the same weights in the same run, with the ratio.
//!
//!     cargo bench --bench inception [-- IMAGES [ROUNDS]]    (default 64 images, 3 rounds)
//!
//! Saddle and PyTorch (a process kept running) alternate round by round, so both see the same
//! load on a shared machine.
//!
//! PyTorch is looked for as `$SADDLE_PYTHON`, `.venv/bin/python`, then `python3`.

#[path = "support/python.rs"]
mod python;

use python::{median, range};
use saddle::machine::Machine;
use saddle::neural::image_set::ImageSet;
use saddle::score::inception::Inception;
use saddle::score::synthetic::Synthetic;
use std::time::Instant;

fn main() {
    let nums: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let images = nums.first().copied().unwrap_or(64).max(1);
    let rounds = nums.get(1).copied().unwrap_or(3).max(1);
    let net = Inception::load(&mut Synthetic { seed: 20151205 }, 1).expect("synthetic weights");
    let mut rng = saddle::rng::Rng::new(0);
    let set = ImageSet {
        channels: 3,
        height: 32,
        width: 32,
        pixels: (0..images * 3072).map(|_| rng.below(256) as u8).collect(),
    };
    let cores = rayon::current_num_threads();
    let mut torch = python::Server::start("bench_inception.py", &[images.to_string()]);
    println!(
        "Inception (FID variant, 299×299) forward, {images} images 32×32 RGB; {rounds} rounds, each: saddle then PyTorch"
    );
    println!("  saddle:    {}", Machine::with_threads(cores));
    match &torch {
        Some(t) => println!("  reference: {} (pytorch-fid's network)", t.describe()),
        None => println!(
            "  reference: PyTorch / pytorch-fid not importable (set SADDLE_PYTHON), no ratio"
        ),
    }
    println!(
        "{:>8} {:>6} {:>14} {:>16} {:>14}",
        "threads", "round", "saddle img/s", "PyTorch img/s", "saddle/PyTorch"
    );
    let mut settings = vec![cores];
    if cores > 1 {
        settings.push(1);
    }
    for threads in settings {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        let (mut ours, mut theirs, mut ratios) = (vec![], vec![], vec![]);
        for r in 0..rounds {
            let rate = pool.install(|| {
                net.features(&set.slice(0..images.min(8)));
                let t = Instant::now();
                let f = net.features(&set);
                assert_eq!(f.count, images);
                images as f64 / t.elapsed().as_secs_f64()
            });
            ours.push(rate);
            let p = torch
                .as_mut()
                .and_then(|t| {
                    t.ask(
                        serde_json::json!({"what": "images", "images": images, "threads": threads}),
                    )
                })
                .and_then(|v| v["images_per_s"].as_f64());
            let (t, q) = match p {
                Some(p) => {
                    theirs.push(p);
                    ratios.push(rate / p);
                    (format!("{p:.2}"), format!("{:.2}", rate / p))
                }
                None => ("(no PyTorch)".into(), "-".into()),
            };
            println!("{threads:>8} {r:>6} {rate:>14.2} {t:>16} {q:>14}");
        }
        if !ratios.is_empty() {
            println!(
                "{threads:>8} median {:>14.2} {:>16.2} {:>14.2}   (ratio range {})",
                median(&ours),
                median(&theirs),
                median(&ratios),
                range(&ratios, 2)
            );
        }
    }
}
