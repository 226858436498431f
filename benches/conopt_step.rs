//! What a Jacobian method's step costs against a plain one on [NM]'s mixture-of-Gaussians GAN
//! (the game of `mog-negative-momentum.ron`: 8 Gaussians, ReLU MLPs of width 256 with 3 hidden
//! layers, z ∈ ℝ⁸, batch 128, saturating loss), in saddle and, in the same run, in PyTorch:
//!
//! - plain: a simultaneous RMSProp step (one oracle call, no transform);
//! - ConOpt: the same step on F + γJᵀF (`zoo-mog.ron`'s `ConOpt-RMSProp`, γ = 10);
//! - SGA: the same step on ξ + λAᵀξ with the alignment rule (`zoo-mog.ron`'s `SGA-RMSProp`).
//!
//! Saddle's three optimizers are built from the zoo-mog preset through `RunConfig::build`, as
//! `saddle run` builds them (the plain one is the ConOpt run without its field transform),
//! and each step is `Optimizer::step` with a fresh minibatch. Its field is f32; its J·v on
//! these MLPs is exact f64 forward mode over the backward pass (`Gan::jvp`), with Jᵀ·v = D·J·D·v
//! (the loss is zero-sum): ConOpt pays one f64 product, SGA two.
//!
//! PyTorch (`benches/reference/conopt_step.py`, a process kept running) takes the same step on
//! the same networks and batch: ConOpt by double backward (`torch.autograd.grad(V,
//! create_graph=True)`, then a second backward of ½‖F‖²); SGA with Jᵀξ by double backward and
//! Jξ by the double-backward trick on the same graph (the gradient of ⟨Jᵀu, ξ⟩ in u), not
//! `torch.func.jvp`. It is timed twice: all in f32 (its products cheaper than saddle's), and
//! with saddle's arrangement — the f32 field, then the products in f64 on f64 copies of the
//! networks — so the comparison is fair both ways.
//!
//!     cargo bench --bench conopt_step [-- REPEATS [ROUNDS]]   (default 20 and 5)
//!
//! Everything runs on one thread (saddle's rayon pool and PyTorch's). Saddle and PyTorch
//! alternate method by method within each round, so both see the same load on a shared
//! machine; each round's ratios are printed, then the medians over rounds.

#[path = "support/python.rs"]
mod python;

use dfdx::prelude::Cpu;
use python::{median, range};
use saddle::machine::Machine;
use saddle::neural::params::Params;
use saddle::optim::{OptimState, Optimizer, Scratch};
use saddle::players::Players;
use saddle::run::preset::parse_ron;
use saddle::run::{Preset, RunConfig};
use saddle::setup::{BuiltGame, CpuGame};
use saddle::{ParamVec, Rng};
use std::time::Instant;

/// One of saddle's optimizers with its own game, point and state, stepped as a run steps.
struct Stepper {
    game: CpuGame,
    opt: Optimizer,
    w: Players<Params<Cpu>>,
    st: OptimState<Params<Cpu>>,
    sc: Scratch<Params<Cpu>>,
    rng: Rng,
    drawn: u64,
    /// "1 gradient, 0 J·v, 1 Jᵀ·v" per step, as the optimizer declares it.
    cost: String,
}

impl Stepper {
    fn new(config: &RunConfig) -> Stepper {
        let built = config.build().expect("the zoo-mog run builds");
        let BuiltGame::NeuralCpu(game) = built.game else {
            panic!("the mixture GAN builds on the CPU")
        };
        let c = built.optimizer.cost(&built.hyper);
        let w = game.initial_point();
        Stepper {
            st: built.optimizer.init_state(&w, built.hyper),
            sc: Scratch::new(&w),
            game,
            opt: built.optimizer,
            w,
            rng: Rng::new(1),
            drawn: 0,
            cost: format!("{} gradient, {} J·v, {} Jᵀ·v", c.gradients, c.jvp, c.vjp),
        }
    }

    fn step(&mut self) {
        self.opt
            .step(
                self.game.as_mut(),
                &mut self.w,
                &mut self.st,
                &mut self.sc,
                &mut self.rng,
                &mut self.drawn,
            )
            .expect("a step");
    }
}

fn median_ms(repeats: usize, mut f: impl FnMut()) -> f64 {
    f();
    let t: Vec<f64> = (0..repeats)
        .map(|_| {
            let s = Instant::now();
            f();
            1e3 * s.elapsed().as_secs_f64()
        })
        .collect();
    median(&t)
}

fn runs(file: &str) -> Vec<RunConfig> {
    let path = format!("{}/presets/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the preset is in the repository");
    let p: Preset = parse_ron(&text, file).expect("the preset parses");
    p.resolve().expect("the preset resolves")
}

/// The three methods in the order they are timed, with the PyTorch request for each.
const METHODS: [(&str, &str); 3] = [("plain", "RMSProp"), ("conopt", "ConOpt"), ("sga", "SGA")];

fn main() {
    // One thread everywhere (saddle's products run on rayon's pool), as PyTorch below.
    let (repeats, rounds) = python::one_thread_rounds((20, 5));
    let zoo = runs("zoo-mog.ron");
    // The benchmark claims the game of mog-negative-momentum: refuse to run if the presets drift.
    let nm: Preset = parse_ron(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/presets/mog-negative-momentum.ron"
        ))
        .expect("the preset is in the repository"),
        "mog-negative-momentum.ron",
    )
    .expect("the preset parses");
    assert_eq!(
        zoo[0].game, nm.game,
        "zoo-mog plays mog-negative-momentum's game"
    );
    let find = |name: &str| {
        zoo.iter()
            .find(|c| c.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("zoo-mog has no run {name}"))
    };
    let conopt = find("ConOpt-RMSProp");
    let mut plain = conopt.clone();
    plain.field = None;
    plain.name = "RMSProp".into();
    let mut ours = [
        Stepper::new(&plain),
        Stepper::new(&conopt),
        Stepper::new(&find("SGA-RMSProp")),
    ];
    let mut torch = python::Server::start(
        "../benches/reference/conopt_step.py",
        &["10".into(), "1".into()],
    );
    let n = ours[0].w.theta.len() + ours[0].w.phi.len();
    println!(
        "[NM] MoG GAN ({n} parameters, batch 128, saturating loss), one step of each method, one thread on each side; {rounds} rounds, each: every method in saddle then in PyTorch; medians of {repeats} steps"
    );
    println!("  saddle:    {}", Machine::current());
    match &torch {
        Some(t) => println!("  reference: {}", t.describe()),
        None => println!(
            "  reference: skipped: no Python with torch found (set SADDLE_PYTHON to a python that imports torch); saddle's own figures only"
        ),
    }
    for ((_, label), s) in METHODS.iter().zip(&ours) {
        println!("  saddle {label:7} {}: {}", s.opt.label(), s.cost);
    }
    println!(
        "  precision: saddle's field f32, its J·v exact f64 (forward mode; Jᵀ·v = D·J·D·v); PyTorch \"f32\" everything in f32, \"f64\" the f32 field then the products in f64, as saddle"
    );
    // [method][round] in ms; PyTorch's f64 column is empty for the plain step (no products).
    let mut mine = [vec![], vec![], vec![]];
    let mut t32 = [vec![], vec![], vec![]];
    let mut t64 = [vec![], vec![], vec![]];
    let ask = |t: &mut Option<python::Server>, what: &str, precision: &str| {
        t.as_mut()
            .and_then(|t| {
                t.ask(serde_json::json!({"what": what, "precision": precision, "repeats": repeats}))
            })
            .and_then(|v| v["ms"].as_f64())
    };
    for r in 0..rounds {
        for (m, (what, _)) in METHODS.iter().enumerate() {
            mine[m].push(median_ms(repeats, || ours[m].step()));
            t32[m].extend(ask(&mut torch, what, "f32"));
            if m > 0 {
                t64[m].extend(ask(&mut torch, what, "f64"));
            }
        }
        let s = |m: usize| mine[m][r];
        let mut line = format!(
            "  round {r}: saddle RMSProp {:6.2} ms, ConOpt {:6.2} ms ({:.2}×), SGA {:6.2} ms ({:.2}×)",
            s(0),
            s(1),
            s(1) / s(0),
            s(2),
            s(2) / s(0)
        );
        if t32.iter().all(|v| v.len() > r) && t64[1..].iter().all(|v| v.len() > r) {
            let (p, c32, g32, c64, g64) = (t32[0][r], t32[1][r], t32[2][r], t64[1][r], t64[2][r]);
            line += &format!(
                "; PyTorch RMSProp {p:6.2} ms, f32 ConOpt {c32:6.2} ({:.2}×) SGA {g32:6.2} ({:.2}×), f64 ConOpt {c64:6.2} ({:.2}×) SGA {g64:6.2} ({:.2}×); saddle/PyTorch RMSProp {:.2}×, ConOpt {:.2}× f32 {:.2}× f64, SGA {:.2}× f32 {:.2}× f64",
                c32 / p,
                g32 / p,
                c64 / p,
                g64 / p,
                s(0) / p,
                s(1) / c32,
                s(1) / c64,
                s(2) / g32,
                s(2) / g64
            );
        }
        println!("{line}");
    }
    drop(torch);
    // Ratios are taken round by round (both sides of a ratio saw the same load), then their
    // median and range over the rounds.
    let per_round =
        |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x / y).collect() };
    let show = |v: &[f64]| format!("{:.2}× (rounds {})", median(v), range(v, 2));
    println!("medians over {rounds} rounds (ms per step):");
    for (m, (_, label)) in METHODS.iter().enumerate() {
        let mut line = format!(
            "  saddle  {label:7} {:8.2} ms (round medians {})",
            median(&mine[m]),
            range(&mine[m], 2)
        );
        if m > 0 {
            line += &format!("  {label}/RMSProp {}", show(&per_round(&mine[m], &mine[0])));
        }
        println!("{line}");
    }
    if t32[0].len() == rounds && t64[1..].iter().all(|v| v.len() == rounds) {
        for (m, (_, label)) in METHODS.iter().enumerate() {
            let columns: &[(&str, &[f64])] = if m == 0 {
                &[("f32", &t32[m])]
            } else {
                &[("f32", &t32[m]), ("f64", &t64[m])]
            };
            for (precision, v) in columns {
                let mut line = format!(
                    "  PyTorch {label:7} {:8.2} ms {precision} (round medians {})",
                    median(v),
                    range(v, 2)
                );
                if m > 0 {
                    line += &format!("  {label}/RMSProp {}", show(&per_round(v, &t32[0])));
                }
                line += &format!("  saddle/PyTorch {}", show(&per_round(&mine[m], v)));
                println!("{line}");
            }
        }
    }
}
