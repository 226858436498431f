//! What the eigenvalues of a network's Jacobian cost: on [NM]'s mixture-of-Gaussians GAN
//! (ReLU MLPs of width 256, batch 128), one f32 oracle call of the dfdx game, one exact f64
//! Jacobian-vector product of saddle's forward-over-backward field, and one spectrum record
//! (Arnoldi, 40 steps, as runs record with `spectral_every`); in the same run, when PyTorch is
//! installed, the same oracle call and the same J·v (`torch.func.jvp` of `torch.func.grad`,
//! f64) in PyTorch; everything on one thread. Prints the medians and the ratios.
//!
//!     cargo bench --bench network_spectrum [-- REPEATS]

#[path = "support/python.rs"]
mod python;

use dfdx::prelude::Cpu;
use saddle::analysis::{jacobian_top, ARNOLDI_STEPS};
use saddle::game::{wide, Game, Gan, GanSettings, Sample};
use saddle::neural::loss::GanLoss;
use saddle::neural::mixture::MixtureSpec;
use saddle::neural::mog::{MixtureModel, ModeEval};
use saddle::players::Players;
use std::time::Instant;

fn median_ms(repeats: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..repeats)
        .map(|_| {
            let s = Instant::now();
            f();
            1e3 * s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let repeats: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    // One thread everywhere (dfdx's matrix products run on rayon's pool), as PyTorch below.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("global pool");
    let model = MixtureModel::new(
        MixtureSpec::NegativeMomentum8.build().expect("mixture"),
        8,
        256,
        3,
        ModeEval {
            samples: 2500,
            hq_sigmas: 3.0,
            min_count: 1,
        },
    );
    let settings = GanSettings {
        loss: GanLoss::Saturating,
        batch: 128,
        clip: None,
        gp_weight: None,
        seed: 0,
    };
    let mut gan = Gan::new(model, Cpu::default(), settings);
    let w = gan.initial_point();
    let mut out = w.clone();
    let mut seed = 0;
    let oracle = median_ms(repeats, || {
        seed += 1;
        gan.field(&w, Sample::Seed(seed), &mut out);
    });
    let field = gan.mlp_field().expect("an MLP game");
    let host = w.map(|p| wide(p.to_host().concat()));
    let v = host.map(|x| x.iter().map(|a| a.sin()).collect::<Vec<f64>>());
    let at = field.linearize(&Players::new(&host.theta, &host.phi));
    let jvp = median_ms(repeats, || {
        at.jvp(&Players::new(&v.theta, &v.phi));
    });
    let record = median_ms(3, || {
        jacobian_top(&mut gan, &w, 16)
            .expect("a network game")
            .expect("eigenvalues");
    });
    println!(
        "[NM] MoG GAN ({} + {} parameters, batch 128), medians of {repeats}:",
        host.theta.len(),
        host.phi.len()
    );
    println!("  saddle oracle call (f32, dfdx, 1 thread)  {oracle:8.2} ms");
    println!(
        "  saddle exact J·v (f64, 1 thread)          {jvp:8.2} ms  = {:.1} oracle calls",
        jvp / oracle
    );
    println!(
        "  saddle spectrum record ({ARNOLDI_STEPS} Arnoldi steps) {record:8.1} ms  = {:.0} oracle calls; every 2500 alternating steps: {:.1}% of training",
        record / oracle,
        100.0 * record / (5000.0 * oracle)
    );
    match python::reference("bench_mog_jvp.py", &[repeats.to_string(), "1".into()]) {
        Some(r) => {
            let (po, pj) = (
                r["ms_oracle_f32"].as_f64().unwrap_or(f64::NAN),
                r["ms_jvp_f64"].as_f64().unwrap_or(f64::NAN),
            );
            println!(
                "  PyTorch oracle call (f32, 1 thread)       {po:8.2} ms  saddle/PyTorch {:.2}×",
                oracle / po
            );
            println!(
                "  PyTorch J·v (f64, torch.func, 1 thread)   {pj:8.2} ms  saddle/PyTorch {:.2}×",
                jvp / pj
            );
        }
        None => println!("  PyTorch: not installed (set SADDLE_PYTHON), no reference"),
    }
}
