//! Does live scoring slow training down? The same DCGAN run (WGAN, CIFAR-10-format data made
//! up on the spot) trains with and without a live scorer, alternately, three times each; the
//! scorer runs the full-size FID Inception (seeded synthetic weights: the reference network's
//! shapes, so its cost) on its own thread while training keeps one thread, as a 2-core machine
//! would split them. Prints each run's iterations per second, the medians, their ratio
//! (target ≥ 0.95) and how many scores landed during the scored runs.
//!
//!     cargo bench --bench live_scoring [-- STEPS]

use saddle::neural::data::cifar;
use saddle::run::engine;
use saddle::run::preset::parse_ron;
use saddle::run::Preset;
use saddle::score::record::parse_records;
use std::path::Path;

fn preset(data: &Path, steps: u64, score: bool) -> String {
    let score = if score {
        format!(
            "score: Some((every: {}, network: SyntheticInception(seed: 1, div: 1), samples: 200, splits: 10, \
             reference: Some(Data), generators: Some([\"raw\"]), threads: 1)),",
            steps / 4
        )
    } else {
        String::new()
    };
    format!(
        r#"Preset(name: "live", seed: 3, steps: {steps}, log_every: Some(10), checkpoint_every: Some(100000),
    {score}
    game: ImageGan(dataset: Cifar10, data_dir: Some("{}"), arch: Dcgan(filters: 16, d_batchnorm: true),
        loss: Wgan, clip: Some(0.01), batch: 32, latent_dim: 64, grid: 16),
    runs: [Run(name: "ExtraAdam", scheme: Extragradient(resample: true), rule: Adam(beta2: 0.9, eps: 1e-8),
        eta: (theta: 5e-5, phi: 5e-4), beta: 0.5, averaging: [(kind: Ema, beta: 0.999)])])"#,
        data.display()
    )
}

fn main() {
    let steps: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(400);
    // Training keeps one thread; the scorer builds its own one-thread pool.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("global pool");
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("cifar");
    std::fs::create_dir_all(&data).expect("data dir");
    cifar::write_demo(&data, 40, 5).expect("write data");
    std::env::set_var("SADDLE_CACHE", tmp.path().join("cache"));
    println!(
        "DCGAN (filters 16, batch 32) ExtraAdam, {steps} iterations, training on 1 thread; scorer: full-size \
         Inception on 1 thread, 200 samples every {} iterations, FID against the data",
        steps / 4
    );
    println!(
        "  machine: {} (training and scorer 1 thread each)",
        saddle::machine::Machine::with_threads(1)
    );
    let (mut plain, mut scored, mut landed) = (vec![], vec![], vec![]);
    for round in 0..3 {
        for with in [false, true] {
            let p: Preset = parse_ron(&preset(&data, steps, with), "live.ron").expect("preset");
            let c = p.resolve().expect("config").remove(0);
            let runs = tmp.path().join(format!("runs-{round}-{with}"));
            let dir = engine::create_dir(&runs, &c, "").expect("run dir");
            let s = engine::open(dir.clone(), None)
                .expect("open")
                .run()
                .expect("run");
            let rate = s.step as f64 / s.wall_time;
            let scores = parse_records(
                &std::fs::read_to_string(dir.path.join("scores.jsonl")).unwrap_or_default(),
            );
            let done: Vec<u64> = scores
                .iter()
                .filter(|r| r.inception_score.is_some())
                .filter_map(|r| r.step)
                .collect();
            println!(
                "round {round} {:>12}: {rate:8.2} it/s{}",
                if with { "with scorer" } else { "without" },
                if with {
                    format!(
                        "  (scored steps {done:?}, {} skipped, {:.1} s per score)",
                        scores.iter().filter(|r| r.error.is_some()).count(),
                        scores
                            .iter()
                            .filter(|r| r.inception_score.is_some())
                            .map(|r| r.seconds)
                            .sum::<f64>()
                            / done.len().max(1) as f64
                    )
                } else {
                    String::new()
                }
            );
            if with {
                scored.push(rate);
                landed.push(done.len());
            } else {
                plain.push(rate);
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (a, b) = (median(&mut plain), median(&mut scored));
    println!(
        "median it/s: without {a:.2}, with scorer {b:.2}; ratio {:.3} (target ≥ 0.95); scores per scored run {landed:?}",
        b / a
    );
}
