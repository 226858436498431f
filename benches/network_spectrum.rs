//! What the eigenvalues of a network's Jacobian cost: on [NM]'s mixture-of-Gaussians GAN
//! (ReLU MLPs of width 256, batch 128), one f32 oracle call of the dfdx game, one exact f64
//! Jacobian-vector product of saddle's forward-over-backward field, and one spectrum record
//! (Arnoldi, 40 steps, as runs record with `spectral_every`); in the same run, when PyTorch is
//! installed, the same oracle call and the same J·v (`torch.func.jvp` of `torch.func.grad`,
//! f64) in PyTorch; everything on one thread. Prints the medians and the ratios.
//!
//!     cargo bench --bench network_spectrum [-- REPEATS [ROUNDS]]   (default 20 and 5)
//!
//! Saddle and PyTorch (a process kept running) alternate round by round, so both see the same
//! load on a shared machine; each round's ratio is printed, then the medians.

#[path = "support/python.rs"]
mod python;

use dfdx::prelude::Cpu;
use python::{median, range};
use saddle::analysis::{jacobian_top, ARNOLDI_STEPS};
use saddle::game::{wide, Game, Gan, GanSettings, Sample};
use saddle::machine::Machine;
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
    // One thread everywhere (saddle's products run on rayon's pool), as PyTorch below.
    let (repeats, rounds) = python::one_thread_rounds((20, 5));
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
        order: Default::default(),
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
    let field = gan.mlp_field().expect("an MLP game");
    let host = w.map(|p| wide(p.to_host().concat()));
    let v = host.map(|x| x.iter().map(|a| a.sin()).collect::<Vec<f64>>());
    let at = field.linearize(&Players::new(&host.theta, &host.phi));
    let mut torch = python::Server::start("bench_mog_jvp.py", &["20".into(), "1".into()]);
    println!(
        "[NM] MoG GAN ({} + {} parameters, batch 128), one thread; {rounds} rounds, each: saddle then PyTorch, medians of {repeats}",
        host.theta.len(),
        host.phi.len()
    );
    println!("  saddle:    {}", Machine::current());
    match &torch {
        Some(t) => println!("  reference: {}", t.describe()),
        None => println!("  reference: PyTorch not installed (set SADDLE_PYTHON), no ratio"),
    }
    let (mut oracle, mut jvp, mut po, mut pj) = (vec![], vec![], vec![], vec![]);
    let (mut ratio_o, mut ratio_j) = (vec![], vec![]);
    for r in 0..rounds {
        let o = median_ms(repeats, || {
            seed += 1;
            gan.field(&w, Sample::Seed(seed), &mut out);
        });
        let theirs_o = torch
            .as_mut()
            .and_then(|t| t.ask(serde_json::json!({"what": "oracle", "repeats": repeats})))
            .and_then(|v| v["ms"].as_f64());
        let j = median_ms(repeats, || {
            at.jvp(&Players::new(&v.theta, &v.phi));
        });
        let theirs_j = torch
            .as_mut()
            .and_then(|t| t.ask(serde_json::json!({"what": "jvp", "repeats": repeats})))
            .and_then(|v| v["ms"].as_f64());
        oracle.push(o);
        jvp.push(j);
        match (theirs_o, theirs_j) {
            (Some(a), Some(b)) => {
                po.push(a);
                pj.push(b);
                ratio_o.push(o / a);
                ratio_j.push(j / b);
                println!(
                    "  round {r}: oracle call saddle {o:6.2} ms, PyTorch {a:6.2} ms ({:.2}×); J·v saddle {j:6.2} ms, PyTorch {b:6.2} ms ({:.2}×)",
                    o / a,
                    j / b
                );
            }
            _ => println!("  round {r}: oracle call saddle {o:6.2} ms; J·v saddle {j:6.2} ms"),
        }
    }
    drop(torch);
    let record = median_ms(3, || {
        jacobian_top(&mut gan, &w, 16)
            .expect("a network game")
            .expect("eigenvalues");
    });
    let (o, j) = (median(&oracle), median(&jvp));
    println!(
        "  saddle oracle call (f32, 1 thread)        {o:8.2} ms  (round medians {})",
        range(&oracle, 2)
    );
    println!(
        "  saddle exact J·v (f64, 1 thread)          {j:8.2} ms  = {:.1} oracle calls (round medians {})",
        j / o,
        range(&jvp, 2)
    );
    println!(
        "  saddle spectrum record ({ARNOLDI_STEPS} Arnoldi steps) {record:8.1} ms  = {:.0} oracle calls; every 2500 alternating steps: {:.1}% of training",
        record / o,
        100.0 * record / (5000.0 * o)
    );
    if !ratio_o.is_empty() {
        println!(
            "  PyTorch oracle call (f32, 1 thread)       {:8.2} ms  saddle/PyTorch {:.2}× (rounds {})",
            median(&po),
            median(&ratio_o),
            range(&ratio_o, 2)
        );
        println!(
            "  PyTorch J·v (f64, torch.func, 1 thread)   {:8.2} ms  saddle/PyTorch {:.2}× (rounds {})",
            median(&pj),
            median(&ratio_j),
            range(&ratio_j, 2)
        );
    }
}
