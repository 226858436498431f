//! The DCGAN-32 WGAN step at batch 64 on the CPU (SimAdam: one oracle call, one Adam update
//! per player, weight clipping), and — when PyTorch is importable — the identical PyTorch
//! model in the same run, with the ratio and where saddle's time goes.
//!
//!     cargo bench --bench dcgan_step [-- STEPS]
//!
//! PyTorch is looked for as `$SADDLE_PYTHON`, `.venv/bin/python`, then `python3`.

#[path = "support/python.rs"]
mod python;

use saddle::game::Game;
use saddle::game::{Gan, GanSettings};
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn pytorch(steps: usize) -> Option<f64> {
    python::reference("bench_dcgan.py", &[steps.to_string()])?["ms_per_step"].as_f64()
}

fn main() {
    let steps: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
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
        opt.step(&mut game, &mut w, &mut st, &mut sc, &mut srng)
            .expect("a SimAdam step");
    }
    timing::reset();
    let (mut step_t, mut pass_t) = (vec![], vec![]);
    let mut grads = w.clone();
    for i in 0..steps {
        let t = Instant::now();
        opt.step(&mut game, &mut w, &mut st, &mut sc, &mut srng)
            .expect("a SimAdam step");
        step_t.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        game.pass(&w, 1000 + i as u64, Players::both(true), &mut grads);
        pass_t.push(t.elapsed().as_secs_f64());
    }
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
    let upd_ms = 1000.0 * median(upd_t);
    let ms = 1000.0 * median(step_t.clone());
    let pass_ms = 1000.0 * median(pass_t.clone());
    let per = |op| 1000.0 * timing::seconds(op) / (2 * steps) as f64;
    println!("saddle DCGAN-32 WGAN SimAdam step, batch 64, CPU ({} threads): {ms:.1} ms/step (median of {steps})", rayon::current_num_threads());
    println!("  oracle call (G fwd, D fwd ×2, backward): {pass_ms:.1} ms; Adam update of both players + clipping: {upd_ms:.1} ms");
    for op in timing::ALL {
        println!("  {op:?}: {:.1} ms/step", per(op));
    }
    let conv: f64 = timing::ALL.iter().map(|&op| per(op)).sum();
    println!("  other dfdx ops in the oracle call (linear, BatchNorm, activations, loss, copies): {:.1} ms", pass_ms - conv);
    match pytorch(steps) {
        Some(py) => println!(
            "pytorch: {py:.1} ms/step; ratio saddle/pytorch = {:.2}×",
            ms / py
        ),
        None => println!("pytorch: not importable (set SADDLE_PYTHON); no ratio"),
    }
}
