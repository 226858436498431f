//! One extragradient step on the bilinear game at d = 2, 100, 1000 (each player), through
//! saddle's generic optimizer (scheme × rule over `ParamVec`, game behind `dyn Game`), next to
//! a hand-written loop of the same arithmetic and, when installed, numpy and PyTorch eager
//! (single thread) in the same run. Prints time per step and the ratios.
//!
//! `cargo bench --bench eg_step [-- D…]` (`SADDLE_PYTHON=.venv/bin/python` picks the Python
//! that has numpy / torch). Each dimension runs three rounds of saddle, the hand loop, numpy and
//! PyTorch in turn; the table shows the medians over rounds and the ratios' ranges. saddle's
//! time (and its ratios to numpy and PyTorch) comes from 7 back-to-back timings a round; its
//! ratio to the hand loop from 7 more timings alternating with the hand loop's, each round's
//! ratio the median of its pairs' ratios, so a clock or neighbour that changes between
//! timings moves both sides of a ratio alike. On a shared machine read the ratios, not
//! absolute times. d = 1000 uses every thread of the rayon pool for the products (numpy uses
//! its BLAS's threads).

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

/// Median seconds per call of `f` over 7 back-to-back timings of `n` calls, each from the
/// state `reset` restores: saddle's time as a run sees it, for the ratios to numpy and PyTorch
/// (timed right after the hand loop, as in [`time_pairs`], saddle's d = 1000 step took
/// 310–318 µs against 240–250 µs back to back; not traced further, though the single-threaded
/// hand loop leaves the pool's second thread idle and walks its own 8 MB matrix).
fn time_alone<S>(n: usize, s: &mut S, reset: impl Fn(&mut S), mut f: impl FnMut(&mut S)) -> f64 {
    let t: Vec<f64> = (0..7)
        .map(|_| {
            reset(s);
            timed(n, s, &mut f)
        })
        .collect();
    median(&t)
}

/// Seconds per call of `a` and of `b`, timed in 7 alternating pairs of `n` calls each (each
/// timing from the state `reset_a` / `reset_b` restores: the iterates contract towards the
/// equilibrium, and left running for millions of steps they would reach subnormal floats,
/// which time the CPU's slow path instead). Returns the median of b's timings and of the 7
/// ratios a/b: a pair runs within a few milliseconds, so a clock or a neighbour that changes
/// between timings moves both sides of a ratio alike.
fn time_pairs<A, B>(
    n: usize,
    (sa, reset_a, mut a): (&mut A, impl Fn(&mut A), impl FnMut(&mut A)),
    (sb, reset_b, mut b): (&mut B, impl Fn(&mut B), impl FnMut(&mut B)),
) -> (f64, f64) {
    let (mut tb, mut ratio) = (vec![], vec![]);
    for _ in 0..7 {
        reset_a(sa);
        let x = timed(n, sa, &mut a);
        reset_b(sb);
        let y = timed(n, sb, &mut b);
        tb.push(y);
        ratio.push(x / y);
    }
    (median(&tb), median(&ratio))
}

/// Seconds per call of `f` over `n` calls (generic, so the call inlines as it would in a
/// run's loop).
fn timed<S>(n: usize, s: &mut S, f: &mut impl FnMut(&mut S)) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f(s);
    }
    start.elapsed().as_secs_f64() / n as f64
}

/// The hand loop's state: θ, φ and the two extrapolated vectors.
type Hand = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// The same step written by hand: saved point, two field evaluations, no abstraction. Not
/// inlined: inlined into the timing loop it took ~3% more instructions and time (AMD EPYC,
/// 2026-12-05), and the baseline should be the loop at its best.
#[allow(clippy::needless_range_loop)] // index loops are the point of a hand-written baseline
#[inline(never)]
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

#[path = "support/python.rs"]
mod python;

fn median(v: &[f64]) -> f64 {
    python::median(v)
}

fn main() {
    println!("one extragradient step, bilinear game, d per player (3 rounds: 7 timings of saddle back to back, then 7 pairs alternating with the hand loop for saddle/hand)");
    println!("  saddle: {}", saddle::machine::Machine::current());
    println!(
        "{:>6} {:>12} {:>12} {:>12} {:>12} {:>10} {:>12} {:>12}",
        "d", "saddle", "hand loop", "numpy", "torch", "saddle/hand", "saddle/numpy", "saddle/torch"
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
        let n = (4_000_000 / (d * d)).clamp(200, 20_000);
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
        // The hand loop on the game's own matrix: rebuild it with the same seed.
        let a = saddle::linalg::with_singular_values(
            &saddle::linalg::linspace(1.0, 0.1, d),
            &mut Rng::derive(0, "game"),
        );
        let start = w.clone();
        let mut hs = (w.theta.clone(), w.phi.clone(), vec![0.0; d], vec![0.0; d]);
        let ref_steps = (2_000_000 / (d * d)).clamp(200, 20_000);
        let (mut ours, mut hand, mut np, mut torch) = (vec![], vec![], vec![], vec![]);
        let (mut r_hand, mut r_np) = (vec![], vec![]);
        for _ in 0..3 {
            let reset = |w: &mut Players<Vec<f64>>| w.clone_from(&start);
            let mut step = |w: &mut Players<Vec<f64>>| {
                opt.step(g.as_mut(), black_box(w), &mut st, &mut sc, &mut rng, &mut 0)
                    .expect("an extragradient step");
            };
            let o = time_alone(n, &mut w, reset, &mut step);
            let (h, ratio) = time_pairs(
                n,
                (&mut w, reset, &mut step),
                (
                    &mut hs,
                    |s: &mut Hand| {
                        s.0.clone_from(&start.theta);
                        s.1.clone_from(&start.phi);
                    },
                    |s: &mut Hand| {
                        hand_loop(black_box(&a), &mut s.0, &mut s.1, &mut s.2, &mut s.3, 0.1)
                    },
                ),
            );
            ours.push(o);
            hand.push(h);
            r_hand.push(ratio);
            if let Some(v) = reference("numpy", d, ref_steps) {
                np.push(v);
                r_np.push(o / v);
            }
            torch.extend(reference("torch", d, ref_steps));
        }
        let ours = median(&ours);
        let opt_med = |v: &Vec<f64>| (!v.is_empty()).then(|| median(v));
        let (np_m, torch_m) = (opt_med(&np), opt_med(&torch));
        let f = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{:.3} µs", v * 1e6));
        let r = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{:.2}×", ours / v));
        println!(
            "{d:>6} {:>12} {:>12} {:>12} {:>12} {:>10.2}× {:>12} {:>12}",
            format!("{:.3} µs", ours * 1e6),
            format!("{:.3} µs", median(&hand) * 1e6),
            f(np_m),
            f(torch_m),
            median(&r_hand),
            r(np_m),
            r(torch_m)
        );
        println!(
            "{:>6} rounds: saddle/hand {}{}",
            "",
            python::range(&r_hand, 2),
            if r_np.is_empty() {
                String::new()
            } else {
                format!(", saddle/numpy {}", python::range(&r_np, 2))
            }
        );
        black_box((&w, &hs));
    }
    if reference("numpy", 2, 10).is_none() {
        println!("numpy reference skipped: `python3 -c 'import numpy'` fails (pip install numpy to compare)");
    }
    if reference("torch", 2, 10).is_none() {
        println!("PyTorch reference skipped: `python3 -c 'import torch'` fails (pip install torch to compare)");
    }
}
