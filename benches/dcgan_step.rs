//! The DCGAN-32 WGAN step at batch 64 on the CPU (SimAdam: one oracle call, one Adam update
//! per player, weight clipping), and — when PyTorch is importable — the identical PyTorch
//! model in the same run, alternating with saddle round by round (each round: STEPS saddle
//! steps, then STEPS PyTorch steps in a PyTorch process kept running), with the ratio per
//! round, the machine it ran on and where saddle's time goes.
//!
//!     cargo bench --bench dcgan_step [-- ROUNDS [STEPS]]     (default 5 rounds of 4 steps)
//!
//! Both sides use `RAYON_NUM_THREADS` threads (default: every core); on a loaded machine one
//! thread each is the steadier comparison (OpenMP's waiting threads suffer most from sharing).
//!
//! PyTorch is looked for as `$SADDLE_PYTHON`, `.venv/bin/python`, then `python3`.

#[path = "support/python.rs"]
mod python;

use saddle::game::Game;
use saddle::game::{Gan, GanSettings, Sample};
use saddle::neural::data::{Dataset, ImageData};
use saddle::neural::device::NeuralDevice;
use saddle::neural::image_gan::{Architecture, ImageModel};
use saddle::neural::loss::GanLoss;
use saddle::neural::ops::timing;
use saddle::optim::{AdamMoment, Hyper, Optimizer, Rule, Schedule, Scheme, Scratch};
use saddle::players::Players;
use saddle::rng::Rng;
use saddle::vector::Moves;
use saddle::Constraint;
use std::sync::Arc;
use std::time::Instant;

use python::{cpu_seconds, median, range};
use saddle::machine::Machine;

fn main() {
    let nums: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rounds = nums.first().copied().unwrap_or(5).max(1);
    let per_round = nums.get(1).copied().unwrap_or(4).max(1);
    let steps = rounds * per_round;
    let mut rng = Rng::new(0);
    let count = 512;
    let pixels: Vec<u8> = (0..count * 3072).map(|_| rng.below(256) as u8).collect();
    let data = ImageData {
        dataset: Dataset::Cifar10,
        count,
        channels: 3,
        side: 32,
        pixels: Arc::new(pixels),
    };
    let model = ImageModel::new(
        data,
        Architecture::Dcgan {
            filters: 64,
            d_batchnorm: true,
        },
        128,
        64,
    );
    let settings = GanSettings {
        order: Default::default(),
        loss: GanLoss::Wgan,
        batch: 64,
        clip: Some(0.01),
        gp_weight: None,
        seed: 0,
    };
    let mut game = Gan::new(model, dfdx::prelude::Cpu::shared(0), settings);
    let opt = Optimizer {
        scheme: Scheme::simultaneous(),
        rules: Players::both(Rule::adam(0.9, 1e-8, AdamMoment::Ema)),
        field: None,
        wrappers: vec![],
        schedule: Schedule::Constant,
        constraints: Players::new(
            Constraint::Free,
            Constraint::Box {
                lo: -0.01,
                hi: 0.01,
            },
        ),
        averaging: vec![],
    };
    let mut w = game.initial_point();
    let hyper = Hyper::new(Players::new(2e-5, 2e-4), Players::both(0.5), 1);
    let mut st = opt.init_state(&w, hyper);
    let mut sc = Scratch::new(&w);
    let mut srng = Rng::new(1);
    for _ in 0..2 {
        opt.step(&mut game, &mut w, &mut st, &mut sc, &mut srng, &mut 0)
            .expect("a SimAdam step");
    }
    // PyTorch gets saddle's thread count (RAYON_NUM_THREADS, else every core).
    let threads = rayon::current_num_threads();
    let mut torch = python::Server::start("bench_dcgan.py", &["0".into(), threads.to_string()]);
    println!("DCGAN-32 WGAN SimAdam step, batch 64, on the CPU");
    println!("  saddle:    {}", Machine::current());
    match &torch {
        Some(t) => println!("  reference: {}", t.describe()),
        None => println!("  reference: PyTorch not importable (set SADDLE_PYTHON); no ratio"),
    }
    println!(
        "  {rounds} rounds of {per_round} steps, saddle then PyTorch in each (the machine may be shared: read the ratios)"
    );
    timing::reset();
    let (mut step_t, mut pass_t) = (vec![], vec![]);
    let (mut round_saddle, mut round_torch, mut ratios) = (vec![], vec![], vec![]);
    let (mut cpu_saddle, mut cpu_torch) = (vec![], vec![]);
    let mut grads = w.clone();
    for r in 0..rounds {
        let mut mine = vec![];
        for i in 0..per_round {
            let t = Instant::now();
            let c = cpu_seconds();
            opt.step(&mut game, &mut w, &mut st, &mut sc, &mut srng, &mut 0)
                .expect("a SimAdam step");
            mine.push(1000.0 * t.elapsed().as_secs_f64());
            cpu_saddle.push(1000.0 * (cpu_seconds() - c));
            let t = Instant::now();
            game.pass(
                &w,
                Sample::Seed(1000 + (r * per_round + i) as u64),
                Players::both(true),
                &mut grads,
            );
            pass_t.push(t.elapsed().as_secs_f64());
        }
        let ours = median(&mine);
        step_t.extend(mine);
        let theirs = torch
            .as_mut()
            .and_then(|t| t.ask(serde_json::json!({"what": "steps", "steps": per_round})))
            .and_then(|v| {
                let ms: Vec<f64> = v["ms"]
                    .as_array()?
                    .iter()
                    .filter_map(|x| x.as_f64())
                    .collect();
                cpu_torch.extend(v["cpu_ms_per_step"].as_f64());
                (!ms.is_empty()).then(|| median(&ms))
            });
        round_saddle.push(ours);
        match theirs {
            Some(p) => {
                round_torch.push(p);
                ratios.push(ours / p);
                println!(
                    "  round {r}: saddle {ours:7.1} ms/step, PyTorch {p:7.1} ms/step, ratio {:.2}×",
                    ours / p
                );
            }
            None => println!("  round {r}: saddle {ours:7.1} ms/step"),
        }
    }
    drop(torch);
    // The update alone: both players' Adam directions, the moves and φ's clipping, on copies.
    let mut upd_t = vec![];
    let (mut wu, mut du) = (w.clone(), w.clone());
    let mut rs = Players::new(opt.rules.theta.init(&w.theta), opt.rules.phi.init(&w.phi));
    for _ in 0..steps {
        let t = Instant::now();
        for (p, eta) in [
            (saddle::players::Player::Theta, 2e-5),
            (saddle::players::Player::Phi, 2e-4),
        ] {
            opt.rules
                .get(p)
                .direction(rs.get_mut(p), grads.get(p), 0.5, du.get_mut(p));
            let d = du.get(p).clone();
            wu.get_mut(p).axpy(-eta, &d);
            wu.get_mut(p).project(opt.constraints.get(p));
        }
        upd_t.push(t.elapsed().as_secs_f64());
    }
    let upd_ms = 1000.0 * median(&upd_t);
    let ms = median(&step_t);
    let pass_ms = 1000.0 * median(&pass_t);
    let per = |op| 1000.0 * timing::seconds(op) / (2 * steps) as f64;
    println!(
        "saddle: {ms:.1} ms/step (median of {steps}; round medians {} ms)",
        range(&round_saddle, 1)
    );
    if !ratios.is_empty() {
        println!(
            "PyTorch: {:.1} ms/step (round medians {} ms)",
            median(&round_torch),
            range(&round_torch, 1)
        );
        println!(
            "ratio saddle/PyTorch: {:.2}× (median of {} rounds; range {})",
            median(&ratios),
            ratios.len(),
            range(&ratios, 2)
        );
    }
    print!(
        "CPU time per step (all threads): saddle {:.1} ms",
        median(&cpu_saddle)
    );
    if cpu_torch.is_empty() {
        println!();
    } else {
        println!(
            ", PyTorch {:.1} ms (ratio {:.2}×; PyTorch's OpenMP threads also burn CPU while they wait)",
            median(&cpu_torch),
            median(&cpu_saddle) / median(&cpu_torch)
        );
    }
    println!("where saddle's time goes (per step, from the oracle calls and steps above):");
    println!("  oracle call (G fwd, D fwd ×2, backward): {pass_ms:.1} ms; Adam update of both players + clipping: {upd_ms:.1} ms");
    for op in timing::ALL {
        println!("  {op:?}: {:.1} ms", per(op));
    }
    // The op timers are means over every oracle call; compare them with the calls' mean, not
    // their median, or a loaded machine makes the remainder negative.
    let own: f64 = timing::ALL.iter().map(|&op| per(op)).sum();
    let pass_mean = 1000.0 * pass_t.iter().sum::<f64>() / pass_t.len().max(1) as f64;
    let rest = pass_mean - own;
    if rest >= 0.0 {
        println!(
            "  other dfdx ops in the oracle call (loss, reshapes, gradient copies): {rest:.1} ms (mean call {pass_mean:.1} ms)"
        );
    } else {
        println!(
            "  other dfdx ops: not measurable this run (the timed ops' means exceed the mean call, {pass_mean:.1} ms: the machine's load varied)"
        );
    }
    let (flops, secs) = timing::gemm_totals();
    println!(
        "  GEMM ({}): {:.1} GFLOP per step at {:.0} GFLOP/s per thread",
        saddle::neural::ops::gemm::simd(),
        flops / (2 * steps) as f64 * 1e-9,
        flops / secs.max(1e-12) * 1e-9
    );
}
