//! Inception forward throughput (images/s) on the CPU: saddle's FID Inception on 32×32 RGB
//! images (TF1 resize to 299², the full network to pool_3 and logits) with every core and with
//! one thread (what a live scorer gets), and — when PyTorch and pytorch-fid are importable —
//! pytorch-fid's network with the same weights in the same run, with the ratio.
//!
//!     cargo bench --bench inception [-- IMAGES]
//!
//! PyTorch is looked for as `$SADDLE_PYTHON`, `.venv/bin/python`, then `python3`.

#[path = "support/python.rs"]
mod python;

use saddle::neural::image_set::ImageSet;
use saddle::score::inception::Inception;
use saddle::score::synthetic::Synthetic;
use std::time::Instant;

fn pytorch(images: usize, threads: usize) -> Option<f64> {
    python::reference(
        "bench_inception.py",
        &[images.to_string(), threads.to_string()],
    )?["images_per_s"]
        .as_f64()
}

fn main() {
    let images: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(64);
    let net = Inception::load(&mut Synthetic { seed: 20151205 }, 1).expect("synthetic weights");
    let mut rng = saddle::rng::Rng::new(0);
    let set = ImageSet {
        channels: 3,
        height: 32,
        width: 32,
        pixels: (0..images * 3072).map(|_| rng.below(256) as u8).collect(),
    };
    let cores = rayon::current_num_threads();
    println!(
        "Inception (FID variant, 299×299) forward, {images} images 32×32 RGB, CPU ({cores} cores available)"
    );
    println!(
        "{:>8} {:>14} {:>16} {:>14}",
        "threads", "saddle img/s", "PyTorch img/s", "saddle/PyTorch"
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
        let rate = pool.install(|| {
            net.features(&set.slice(0..images.min(8)));
            let t = Instant::now();
            let f = net.features(&set);
            assert_eq!(f.count, images);
            images as f64 / t.elapsed().as_secs_f64()
        });
        let torch = pytorch(images, threads);
        let (t, r) = match torch {
            Some(p) => (format!("{p:.2}"), format!("{:.2}", rate / p)),
            None => ("(no PyTorch)".into(), "-".into()),
        };
        println!("{threads:>8} {rate:>14.2} {t:>16} {r:>14}");
    }
}
