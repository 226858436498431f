//! One extragradient step on the bilinear game at d = 2, 100, 1000 (each player), through
//! saddle's generic optimizer (scheme × rule over `ParamVec`, game behind `dyn Game`), next to
//! a hand-written loop of the same arithmetic and, when installed, numpy and PyTorch eager
//! (single thread) in the same run. Prints time per step and the ratios.
//!
//! `cargo bench --bench eg_step` (`SADDLE_PYTHON=.venv/bin/python` picks the Python that has
//! numpy / torch). Numbers are medians of repeated timings; this machine is
//! shared, so read ratios, not absolute times.

use saddle::game::{BilinearSpec, MatrixSpec, Start, ToyGame, ToySpec};
use saddle::linalg::Mat;
use saddle::optim::{Hyper, Optimizer, Rule, Schedule, Scheme, Scratch};
use saddle::players::Players;
use saddle::rng::Rng;
use std::hint::black_box;
use std::time::Instant;

fn game(d: usize) -> ToyGame {
    BilinearSpec {
        dim: d,
        matrix: MatrixSpec::SingularRange { min: 0.1, max: 1.0 },
        linear: Default::default(),
        constraint: None,
        start: Start::Random { scale: 1.0 },
    }
    .build(0)
    .unwrap()
}

/// Median seconds per call of `f` over 7 timings of `n` calls.
fn time(n: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..7)
        .map(|_| {
            let s = Instant::now();
            for _ in 0..n {
                f();
            }
            s.elapsed().as_secs_f64() / n as f64
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[3]
}

/// The same step written by hand: saved point, two field evaluations, no abstraction.
#[allow(clippy::needless_range_loop)] // index loops are the point of a hand-written baseline
fn hand_loop(
    a: &Mat,
    theta: &mut [f64],
    phi: &mut [f64],
    th: &mut [f64],
    ph: &mut [f64],
    eta: f64,
) {
    let d = theta.len();
    // Extrapolation: θ½ = θ − η A φ, φ½ = φ + η Aᵀ θ.
    for i in 0..d {
        let row = &a.data[i * d..(i + 1) * d];
        th[i] = theta[i] - eta * row.iter().zip(phi.iter()).map(|(x, y)| x * y).sum::<f64>();
    }
    ph.copy_from_slice(phi);
    for i in 0..d {
        let row = &a.data[i * d..(i + 1) * d];
        let k = eta * theta[i];
        for (p, x) in ph.iter_mut().zip(row) {
            *p += k * x;
        }
    }
    // Update from the saved point with the field at the extrapolated point.
    for i in 0..d {
        let row = &a.data[i * d..(i + 1) * d];
        theta[i] -= eta * row.iter().zip(ph.iter()).map(|(x, y)| x * y).sum::<f64>();
    }
    for i in 0..d {
        let row = &a.data[i * d..(i + 1) * d];
        let k = eta * th[i];
        for (p, x) in phi.iter_mut().zip(row) {
            *p += k * x;
        }
    }
}

fn reference(lib: &str, d: usize, steps: usize) -> Option<f64> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/reference/eg_step.py");
    let python = std::env::var("SADDLE_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(python)
        .args([script, lib, &d.to_string(), &steps.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn main() {
    println!("one extragradient step, bilinear game, d per player (median of 7 timings)");
    println!(
        "{:>6} {:>12} {:>12} {:>12} {:>12} {:>10} {:>12} {:>12}",
        "d", "saddle", "hand loop", "numpy", "torch", "saddle/hand", "numpy/saddle", "torch/saddle"
    );
    // `cargo bench --bench eg_step -- 2 100` times only those dimensions.
    let mut dims: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if dims.is_empty() {
        dims = vec![2, 100, 1000];
    }
    for d in dims {
        let n = (4_000_000 / (d * d)).clamp(200, 2_000_000);
        let mut g = game(d);
        let opt = Optimizer {
            scheme: Scheme::extragradient(true),
            rules: Players::both(Rule::gradient()),
            field: None,
            wrappers: vec![],
            schedule: Schedule::Constant,
            constraints: g.constraints(),
            averaging: vec![],
        };
        let mut w = g.initial_point();
        let mut st = opt.init_state(&w, Hyper::new(Players::both(0.1), Players::both(0.0), 1));
        let mut sc = Scratch::new(&w);
        let mut rng = Rng::new(0);
        let ours = time(n, || {
            opt.step(g.as_mut(), black_box(&mut w), &mut st, &mut sc, &mut rng)
                .expect("an extragradient step");
        });
        // The hand loop on the game's own matrix: rebuild it with the same seed.
        let a = saddle::linalg::with_singular_values(
            &saddle::linalg::linspace(1.0, 0.1, d),
            &mut Rng::derive(0, "game"),
        );
        let (mut theta, mut phi) = (w.theta.clone(), w.phi.clone());
        let (mut th, mut ph) = (vec![0.0; d], vec![0.0; d]);
        let hand = time(n, || {
            hand_loop(black_box(&a), &mut theta, &mut phi, &mut th, &mut ph, 0.1)
        });
        let ref_steps = (2_000_000 / (d * d)).clamp(200, 20_000);
        let (np, torch) = (
            reference("numpy", d, ref_steps),
            reference("torch", d, ref_steps),
        );
        let f = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{:.3} µs", v * 1e6));
        let r = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{:.1}×", v / ours));
        println!(
            "{d:>6} {:>12} {:>12} {:>12} {:>12} {:>10.2}× {:>12} {:>12}",
            format!("{:.3} µs", ours * 1e6),
            format!("{:.3} µs", hand * 1e6),
            f(np),
            f(torch),
            ours / hand,
            r(np),
            r(torch)
        );
        black_box((&w, &theta, &phi));
    }
    if reference("numpy", 2, 10).is_none() {
        println!("numpy reference skipped: `python3 -c 'import numpy'` fails (pip install numpy to compare)");
    }
    if reference("torch", 2, 10).is_none() {
        println!("PyTorch reference skipped: `python3 -c 'import torch'` fails (pip install torch to compare)");
    }
}
