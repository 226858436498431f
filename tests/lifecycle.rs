//! Durable, controllable runs, through the real binary: exact resume for every optimizer
//! family, crash safety under SIGKILL, exact replay of live changes, detached runs steered by
//! another process.

mod common;
use common::*;
use saddle::run::events::{parse_events, EventKind};
use saddle::run::store::RunDir;
use saddle::run::summary::{Status, Summary};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Every scheme and rule family, on a stochastic game (so the RNG state matters), with every
/// kind of average and a step-size schedule.
const FAMILIES: &str = r#"Preset(
    name: "families", seed: 4, steps: 600, log_every: Some(7), checkpoint_every: Some(50),
    game: StochasticBilinear(dim: 5, components: 10, noise: 1.0),
    stop: (converge_below: None),
    runs: [
        Run(name: "sim-sgd", scheme: Simultaneous, eta: 0.05, averaging: [(kind: Uniform), (kind: Ema, beta: 0.9)]),
        Run(name: "alt-hb", scheme: Alternating(d_steps: 2), rule: HeavyBall, eta: 0.05, beta: (theta: 0.0, phi: -0.5)),
        Run(name: "extra-adam", scheme: Extragradient(), rule: Adam(), eta: 0.01, beta: 0.5, averaging: [(kind: Uniform, over: Extrapolated)]),
        Run(name: "re-extra-hb", scheme: Extragradient(resample: false), rule: HeavyBall, eta: 0.05, beta: 0.3),
        Run(name: "past-adamp", scheme: PastExtragradient(first: Skip), rule: Adam(moment: Sum), eta: 0.01, beta: -0.5, averaging: [(kind: EtaWeighted, over: Extrapolated)]),
        Run(name: "past-invsqrt", scheme: PastExtragradient(), eta: 0.2, schedule: InvSqrt, averaging: [(kind: EtaWeighted)]),
        Run(name: "optim-adam", scheme: Optimistic(), rule: Adam(), eta: 0.01, beta: 0.5),
        Run(name: "optim-hb", scheme: Optimistic(first: RepeatCurrent), rule: HeavyBall, eta: 0.05, beta: -0.3),
    ],
)"#;

#[test]
fn resume_is_exact_for_every_optimizer_family() {
    let t = tmp();
    let p = preset(t.path(), "families", FAMILIES);
    // 300 is not a multiple of log_every = 7: the end-of-run row at 300 must not survive.
    let (a, b) = straight_and_resumed(t.path(), &p, 300, 600);
    for (name, x, y) in same_metrics_by_name(&a, &b, "families", 8) {
        let (sx, sy) = (final_state(&x), final_state(&y));
        assert_eq!(sx.optim.iteration, 600, "{name}");
        assert_eq!(
            sx, sy,
            "{name}: final state (parameters, optimizer memory, averages, RNG) differs"
        );
    }
}

/// Every method beyond the seed (field transforms, wrappers, EAG, CGD, LEAD, the optimistic
/// rules), on the stochastic game so the RNG state and each method's memory matter: stopped
/// at 120 and resumed, each ends where an uninterrupted run does, bit for bit.
const NEW_METHODS: &str = r#"Preset(
    name: "zoo", seed: 9, steps: 240, log_every: Some(7), checkpoint_every: Some(40),
    game: StochasticBilinear(dim: 4, components: 8, noise: 1.0),
    stop: (converge_below: None),
    runs: [
        Run(name: "conopt-rmsprop", scheme: Simultaneous, rule: RmsProp(), field: Consensus(gamma: 1.0), eta: 0.01),
        Run(name: "sga", scheme: Simultaneous, field: Sga(lambda: 1.0), eta: 0.05, averaging: [(kind: Ema, beta: 0.9)]),
        Run(name: "hamiltonian", scheme: Simultaneous, field: Hamiltonian(independent_samples: true), eta: 0.05),
        Run(name: "lookahead-extra-adam", scheme: Extragradient(), rule: Adam(), wrap: [Lookahead(k: 5, alpha: 0.5)], eta: 0.01, beta: 0.5),
        Run(name: "lookahead-gda", scheme: Simultaneous, wrap: [Lookahead(k: 3, alpha: 0.4)], eta: 0.05),
        Run(name: "eag-c", scheme: Eag(step: Constant), eta: 0.1),
        Run(name: "eag-v", scheme: Eag(step: Varying(lipschitz: 1.0)), eta: 0.3),
        Run(name: "cgd", scheme: Cgd(), eta: 0.2),
        Run(name: "lead", scheme: Lead(alpha: 0.2, order: GeneratorFirst), rule: HeavyBall, eta: 0.05, beta: 0.3),
        Run(name: "lead-adam", scheme: Lead(alpha: 0.3, coupling: Gradient), rule: Adam(), eta: 0.01, beta: 0.5),
        Run(name: "omd-ema", scheme: Simultaneous, rule: Omd(predictor: Ema(rho: 0.1)), eta: 0.05),
        Run(name: "optim-adam", scheme: Simultaneous, rule: OptimAdam(), eta: 0.01, beta: 0.5),
    ],
)"#;

#[test]
fn resume_is_exact_for_every_new_method() {
    let t = tmp();
    let p = preset(t.path(), "zoo", NEW_METHODS);
    let (a, b) = straight_and_resumed(t.path(), &p, 120, 240);
    for (name, x, y) in same_metrics_by_name(&a, &b, "zoo", 12) {
        let (sx, sy) = (final_state(&x), final_state(&y));
        assert_eq!(sx.optim.iteration, 240, "{name}");
        assert!(sx.optim.oracle_calls > 0, "{name}");
        assert_eq!(
            sx, sy,
            "{name}: final state (parameters, optimizer memory, averages, RNG) differs"
        );
    }
}

/// The Jacobian methods on a network: exact f64 products on the MoG MLPs, which a step's
/// products share one linearization for (kept in the game, never in a checkpoint).
const NETWORK_JACOBIAN: &str = r#"Preset(
    name: "netjac",
    steps: 24,
    log_every: Some(4),
    checkpoint_every: Some(1000),
    game: MixtureGan(mixture: NegativeMomentum8, loss: Saturating, hidden: 16, hidden_layers: 2, batch: 32, eval_samples: 200),
    runs: [
        Run(name: "sga", scheme: Simultaneous, rule: RmsProp(), field: Sga(lambda: 1.0), eta: 1e-3),
        Run(name: "conopt", scheme: Simultaneous, rule: RmsProp(), field: Consensus(gamma: 10.0), eta: 1e-3),
        Run(name: "cgd", scheme: Cgd(), eta: 1e-3),
    ],
)"#;

/// SGA, ConOpt and CGD on a MoG GAN, stopped off the logging grid and resumed, end in the
/// state of runs never stopped: the products a resumed step rebuilds its linearization for
/// are the bits the straight run's shared one gave.
#[test]
fn jacobian_methods_on_a_network_resume_exactly() {
    let t = tmp();
    let p = preset(t.path(), "netjac", NETWORK_JACOBIAN);
    let (a, b) = straight_and_resumed(t.path(), &p, 9, 24);
    for (name, x, y) in same_metrics_by_name(&a, &b, "netjac", 3) {
        // Network parameters: the checkpoint's state holds tensors, compared on the host.
        let (sx, sy) = (final_network_state(&x), final_network_state(&y));
        assert_eq!(sx.optim.iteration, 24, "{name}");
        assert_eq!(sy.optim.iteration, 24, "{name}");
        for (what, a, b) in [
            ("θ", sx.w.theta.to_host(), sy.w.theta.to_host()),
            ("φ", sx.w.phi.to_host(), sy.w.phi.to_host()),
        ] {
            let bits =
                |t: Vec<Vec<f32>>| -> Vec<u32> { t.concat().iter().map(|v| v.to_bits()).collect() };
            assert_eq!(bits(a), bits(b), "{name}: {what} after resume");
        }
    }
}

/// SGA's alignment rule flips λ's sign on the noisy TTUR saddle; `lambda_negative_share` is
/// the share of negative choices since the previous row. Stopped off the logging grid (120 is
/// not a multiple of 7) with checkpoints off it too, and resumed, the run logs the same shares
/// as one never stopped: the counts since the last row travel in the checkpoint.
#[test]
fn sga_notes_its_sign_choices_and_resumes_them_exactly() {
    let t = tmp();
    let p = preset(
        t.path(),
        "sgasign",
        r#"Preset(
    name: "sgasign", seed: 3, steps: 240, log_every: Some(7), checkpoint_every: Some(40),
    game: TturSaddle(noise: 1.0),
    stop: (converge_below: None),
    runs: [
        Run(name: "sga", scheme: Simultaneous, field: Sga(lambda: 1.0), eta: 0.001),
        Run(name: "sga-plus", scheme: Simultaneous, field: Sga(lambda: 1.0, align: false), eta: 0.001),
    ],
)"#,
    );
    let (a, b) = straight_and_resumed(t.path(), &p, 120, 240);
    let straight = metrics_without_wall_time(&run_named(&a, "-sgasign-sga"));
    let resumed = metrics_without_wall_time(&run_named(&b, "-sgasign-sga"));
    assert_same_metrics(&straight, &resumed, "sga");
    let c = straight
        .column("lambda_negative_share")
        .expect("the column");
    let shares: Vec<Option<f64>> = straight.rows.iter().map(|r| r[c]).collect();
    // The row at step 0 covers no step; every other covers 7 evaluations.
    assert_eq!(shares[0], None);
    for s in &shares[1..] {
        let s = s.expect("a share on every later row");
        assert!(
            (0.0..=1.0).contains(&s) && (7.0 * s - (7.0 * s).round()).abs() < 1e-12,
            "{s}"
        );
    }
    assert!(
        shares.iter().flatten().any(|s| *s > 0.0) && shares.iter().flatten().any(|s| *s < 1.0),
        "λ's sign never flipped: {shares:?}"
    );
    // Without the rule λ = +reg always: no column to fill.
    let plus = metrics_without_wall_time(&run_named(&a, "-sgasign-sga-plus"));
    assert!(plus.column("lambda_negative_share").is_none());
}

/// Runs every run of the preset at `p` straight through into `<dir>/a`, and into `<dir>/b`
/// stopped after `stop` iterations and resumed to `end`; returns (a, b).
fn straight_and_resumed(
    dir: &std::path::Path,
    p: &std::path::Path,
    stop: u64,
    end: u64,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let (a, b) = (dir.join("a"), dir.join("b"));
    let preset = p.to_str().unwrap();
    ok(&saddle(dir, &a, &["run", preset]));
    ok(&saddle(
        dir,
        &b,
        &["run", preset, "--steps", &stop.to_string()],
    ));
    for d in runs(&b) {
        ok(&saddle(
            dir,
            &b,
            &["resume", &d.id(), "--steps", &end.to_string()],
        ));
    }
    (a, b)
}

/// The `count` runs of preset `preset` under `a`, each with its namesake under `b` (ids start
/// with the creation time, which may differ between the two: pairs go by run name), after
/// asserting that each pair logged the same metrics bit for bit.
fn same_metrics_by_name(
    a: &std::path::Path,
    b: &std::path::Path,
    preset: &str,
    count: usize,
) -> Vec<(String, RunDir, RunDir)> {
    let ra = runs(a);
    assert_eq!(ra.len(), count);
    ra.into_iter()
        .map(|x| {
            let tag = format!("-{preset}-");
            let name = x.id().split(tag.as_str()).last().unwrap().to_string();
            let y = run_named(b, &format!("{tag}{name}"));
            assert_same_metrics(
                &metrics_without_wall_time(&x),
                &metrics_without_wall_time(&y),
                &name,
            );
            (name, x, y)
        })
        .collect()
}

/// A small LCG so the kill times are random but reproducible.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) % (hi - lo)
    }
}

const CRASHY: &str = r#"Preset(
    name: "crashy", seed: 9, steps: 64000, log_every: Some(10), checkpoint_every: Some(400), pace: Some(16000),
    game: StochasticBilinear(dim: 20, components: 20, noise: 1.0),
    stop: (converge_below: None),
    runs: [Run(name: "eg", scheme: Extragradient(), rule: Adam(), eta: 0.01, beta: 0.5, averaging: [(kind: Uniform), (kind: Ema, beta: 0.99)])],
)"#;

#[test]
fn sigkill_at_random_moments_then_resume_loses_nothing() {
    let t = tmp();
    let p = preset(t.path(), "crashy", CRASHY);
    let (clean, crashed) = (t.path().join("clean"), t.path().join("crashed"));
    let mut rng = Lcg(20261128);
    let spawn = |args: &[&str]| {
        Command::new(bin())
            .current_dir(t.path())
            .args(args)
            .arg("--runs-dir")
            .arg(&crashed)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let mut child = spawn(&["run", p.to_str().unwrap()]);
    let mut kills = vec![];
    for round in 0..5 {
        let ms = rng.next(40, 900);
        std::thread::sleep(Duration::from_millis(ms));
        let finished = child.try_wait().unwrap().is_some();
        if !finished {
            child.kill().unwrap(); // SIGKILL
            kills.push(ms);
        }
        child.wait().unwrap();
        let id = runs(&crashed).pop().expect("the run directory").id();
        if round < 4 {
            child = spawn(&["resume", &id]);
        }
    }
    eprintln!("killed after {kills:?} ms");
    assert!(
        kills.len() >= 3,
        "the run finished too fast to be killed ({kills:?})"
    );
    let d = runs(&crashed).pop().unwrap();
    let status: Summary = serde_json::from_str(&d.read("summary.json").unwrap()).unwrap();
    if status.status != Status::Finished {
        ok(&saddle(t.path(), &crashed, &["resume", &d.id()]));
    }
    ok(&saddle(
        t.path(),
        &clean,
        &["run", p.to_str().unwrap(), "--set", "pace=None"],
    ));
    let c = runs(&clean).pop().unwrap();
    let (mc, md) = (metrics_without_wall_time(&c), metrics_without_wall_time(&d));
    // No torn, missing or duplicated step: exactly the logging grid, in order.
    let steps: Vec<u64> = md.rows.iter().map(|r| r[0].unwrap() as u64).collect();
    let want: Vec<u64> = (0..=64000).step_by(10).collect();
    assert_eq!(steps, want, "steps of the crashed-and-resumed run");
    assert_same_metrics(&mc, &md, "crashed vs clean");
    assert_eq!(final_state(&c), final_state(&d));
}

/// A run killed between checkpoints: `ls` lists it crashed at the step its metrics reached
/// (past the summary, written at checkpoints), `show` says crashed, not running, and a resume
/// to a total it has already run is refused (exit 2) with nothing changed; one past it goes on.
#[test]
fn a_crashed_run_is_listed_where_its_metrics_reached_and_refuses_a_past_total() {
    let t = tmp();
    let p = preset(t.path(), "crashy", CRASHY);
    let runs_dir = t.path().join("runs");
    let mut child = Command::new(bin())
        .current_dir(t.path())
        .args(["run", p.to_str().unwrap(), "--runs-dir"])
        .arg(&runs_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Past the first checkpoints (400 steps at 16 000 steps/s), well before the end (4 s).
    wait_for(20.0, "a few checkpoints", || {
        runs(&runs_dir)
            .first()
            .and_then(|d| d.read("summary.json").ok())
            .and_then(|s| serde_json::from_str::<Summary>(&s).ok())
            .is_some_and(|s| s.step >= 1200)
    });
    std::thread::sleep(Duration::from_millis(130));
    child.kill().unwrap(); // SIGKILL: no summary written after the last checkpoint
    child.wait().unwrap();
    let d = runs(&runs_dir).pop().unwrap();
    let summary: Summary = serde_json::from_str(&d.read("summary.json").unwrap()).unwrap();
    assert_eq!(
        summary.status,
        Status::Running,
        "the summary a crash leaves"
    );
    let logged = metrics_without_wall_time(&d).rows.last().unwrap()[0].unwrap() as u64;
    assert!(
        logged >= summary.step && logged < 64000,
        "{logged} vs {}",
        summary.step
    );

    let ls = ok(&saddle(t.path(), &runs_dir, &["ls"]));
    let line = ls.lines().find(|l| l.starts_with(&d.id())).unwrap();
    assert!(line.contains("crashed"), "{line}");
    assert!(line.contains(&format!(" {logged}/64000 ")), "{line}");
    let json = ok(&saddle(t.path(), &runs_dir, &["ls", "--json"]));
    let v: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(v["step"], logged);
    let show = ok(&saddle(t.path(), &runs_dir, &["show", &d.id()]));
    let status = show.lines().find(|l| l.starts_with("status")).unwrap();
    assert!(
        status.contains(&format!("crashed at step {logged} of 64000"))
            && !status.contains("running at"),
        "{status}"
    );

    let before = d.read("metrics.csv").unwrap();
    for n in [summary.step, logged] {
        let o = saddle(
            t.path(),
            &runs_dir,
            &["resume", &d.id(), "--steps", &n.to_string()],
        );
        assert_eq!(o.status.code(), Some(2), "--steps {n}: {o:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(&format!("has reached step {logged}")), "{err}");
    }
    assert_eq!(
        d.read("metrics.csv").unwrap(),
        before,
        "a refused resume changes nothing"
    );
    let target = logged + 100;
    ok(&saddle(
        t.path(),
        &runs_dir,
        &["resume", &d.id(), "--steps", &target.to_string()],
    ));
    let done: Summary = serde_json::from_str(&d.read("summary.json").unwrap()).unwrap();
    assert_eq!((done.status, done.step), (Status::Finished, target));
}

const PACED: &str = r#"Preset(
    name: "paced", seed: 2, steps: 3000, log_every: Some(5), pace: Some(1500),
    game: StochasticBilinear(dim: 4, components: 8),
    stop: (converge_below: None),
    runs: [Run(name: "alt", scheme: Alternating(), rule: HeavyBall, eta: 0.05, beta: (theta: 0.0, phi: -0.5))],
)"#;

#[test]
fn replay_of_a_run_changed_three_times_is_exact() {
    let t = tmp();
    let p = preset(t.path(), "paced", PACED);
    let r = t.path().join("runs");
    let id = ok(&saddle(
        t.path(),
        &r,
        &["run", p.to_str().unwrap(), "--detach"],
    ))
    .trim()
    .to_string();
    for (wait, set) in [
        (300, "eta.phi=0.08"),
        (400, "beta.phi=-0.3"),
        (400, "eta.theta=0.03"),
    ] {
        std::thread::sleep(Duration::from_millis(wait));
        let out = ok(&saddle(t.path(), &r, &["control", &id, "set", set]));
        assert!(out.contains('→'), "{out}");
    }
    let dir = run_named(&r, &id);
    wait_for(20.0, "the run to finish", || {
        !dir.is_live()
            && dir
                .read("summary.json")
                .is_ok_and(|s| s.contains("finished"))
    });
    let sets: Vec<_> = parse_events(&dir.read("events.jsonl").unwrap())
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::Set(_)))
        .collect();
    assert_eq!(sets.len(), 3, "three recorded changes");
    // Steering a finished run says why it cannot be continued, not "resume it" (which refuses).
    let late = saddle(t.path(), &r, &["control", &id, "pause"]);
    assert_eq!(late.status.code(), Some(2));
    let err = String::from_utf8_lossy(&late.stderr);
    assert!(
        err.contains("is not live") && err.contains("finished; it takes no more commands"),
        "{err}"
    );
    assert!(!err.contains("continues it"), "{err}");
    assert!(
        sets.windows(2).all(|w| w[0].step < w[1].step),
        "changes at increasing steps"
    );
    ok(&saddle(t.path(), &r, &["replay", &id]));
    let replay = run_named(&r, "-replay");
    assert_same_metrics(
        &metrics_without_wall_time(&dir),
        &metrics_without_wall_time(&replay),
        "replay",
    );
    assert_eq!(final_state(&dir), final_state(&replay));
    // The changes really changed the trajectory: a run without them differs.
    ok(&saddle(
        t.path(),
        &t.path().join("plain"),
        &["run", p.to_str().unwrap(), "--set", "pace=None"],
    ));
    let plain = runs(&t.path().join("plain")).pop().unwrap();
    assert_ne!(final_state(&plain).w, final_state(&dir).w);
}

#[test]
fn a_detached_run_outlives_its_launcher_and_obeys_another_process() {
    let t = tmp();
    let p = preset(
        t.path(),
        "paced",
        &PACED.replace("steps: 3000", "steps: 200000"),
    );
    let r = t.path().join("runs");
    let launched = std::time::Instant::now();
    let id = ok(&saddle(
        t.path(),
        &r,
        &["run", p.to_str().unwrap(), "--detach"],
    ))
    .trim()
    .to_string();
    assert!(
        launched.elapsed() < Duration::from_secs(5),
        "the launcher returns at once"
    );
    let dir = run_named(&r, &id);
    let step = || {
        serde_json::from_str::<Summary>(&dir.read("summary.json").unwrap_or_default())
            .map_or(0, |s| s.step)
    };
    wait_for(10.0, "the detached run to step", || step() > 100);
    assert!(dir.is_live());
    ok(&saddle(t.path(), &r, &["control", &id, "pause"]));
    std::thread::sleep(Duration::from_millis(1300));
    let paused_at = step();
    std::thread::sleep(Duration::from_millis(1300));
    assert_eq!(step(), paused_at, "a paused run does not step");
    let out = ok(&saddle(
        t.path(),
        &r,
        &["control", &id, "set", "beta.phi=-0.3"],
    ));
    assert!(out.contains("beta.phi -0.5 → -0.3"), "{out}");
    // A refused change says why and exits 2.
    let bad = saddle(t.path(), &r, &["control", &id, "set", "beta.phi=1.5"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("beta.phi must be in (-1, 1), got 1.5"));
    ok(&saddle(t.path(), &r, &["control", &id, "resume"]));
    wait_for(10.0, "the run to step again", || step() > paused_at + 100);
    ok(&saddle(t.path(), &r, &["control", &id, "stop"]));
    wait_for(10.0, "the run to stop", || !dir.is_live());
    let kinds: Vec<String> = parse_events(&dir.read("events.jsonl").unwrap())
        .iter()
        .map(|e| {
            serde_json::to_value(&e.kind).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let pos = |k: &str| {
        kinds
            .iter()
            .position(|x| x == k)
            .unwrap_or_else(|| panic!("no {k} in {kinds:?}"))
    };
    assert!(
        pos("pause") < pos("set") && pos("set") < pos("refused") && pos("refused") < pos("resume"),
        "{kinds:?}"
    );
    let s: Summary = serde_json::from_str(&dir.read("summary.json").unwrap()).unwrap();
    assert_eq!(s.status, Status::Stopped);
    assert_eq!(s.metrics["beta_phi"], Some(-0.3));
    // Steering a stopped run points at `saddle resume`, which continues it.
    let late = saddle(t.path(), &r, &["control", &id, "pause"]);
    assert_eq!(late.status.code(), Some(2));
    let err = String::from_utf8_lossy(&late.stderr);
    assert!(
        err.contains("is not live") && err.contains(&format!("`saddle resume {id}` continues it")),
        "{err}"
    );
}

#[test]
fn sigterm_checkpoints_and_the_run_resumes_to_the_same_end() {
    let t = tmp();
    let p = preset(t.path(), "paced", PACED);
    let r = t.path().join("runs");
    let child = Command::new(bin())
        .current_dir(t.path())
        .args(["run", p.to_str().unwrap(), "--runs-dir"])
        .arg(&r)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "an interrupted run is not a success"
    );
    let d = runs(&r).pop().unwrap();
    let s: Summary = serde_json::from_str(&d.read("summary.json").unwrap()).unwrap();
    assert_eq!(s.status, Status::Interrupted);
    assert!(s.step > 0 && s.step < 3000);
    ok(&saddle(t.path(), &r, &["resume", &d.id()]));
    ok(&saddle(
        t.path(),
        &t.path().join("clean"),
        &["run", p.to_str().unwrap(), "--set", "pace=None"],
    ));
    let c = runs(&t.path().join("clean")).pop().unwrap();
    assert_same_metrics(
        &metrics_without_wall_time(&c),
        &metrics_without_wall_time(&d),
        "interrupted vs clean",
    );
}

/// A run whose preset names no checkpoint interval, taken far past its steps by `resume
/// --steps` or a fork, checkpoints at the default for the new total (it kept the short run's:
/// every 5 steps of a 100-step run taken to 20 000, 200× slower); a named interval is kept.
#[test]
fn a_run_taken_further_checkpoints_at_the_default_for_its_new_total() {
    let t = tmp();
    let text = |every: &str| {
        format!(
            r#"Preset(name: "ck", seed: 0, steps: 100, {every} stop: (converge_below: None, diverge_above: None),
            game: Bilinear(dim: 2), runs: [Run(name: "alt", scheme: Alternating(), eta: 0.05)])"#
        )
    };
    let steps = |dir: &RunDir| dir.checkpoint_steps();
    let p = preset(t.path(), "ck", &text(""));
    let runs_dir = t.path().join("runs");
    ok(&saddle(t.path(), &runs_dir, &["run", p.to_str().unwrap()]));
    let dir = run_named(&runs_dir, "ck-alt");
    assert_eq!(steps(&dir), [90, 95, 100]);
    ok(&saddle(
        t.path(),
        &runs_dir,
        &["resume", dir.path.to_str().unwrap(), "--steps", "2000"],
    ));
    assert_eq!(steps(&dir), [1800, 1900, 2000]);
    // A fork to 4000 from step 50: the default for 4000 is 200.
    ok(&saddle(
        t.path(),
        &runs_dir,
        &[
            "fork",
            dir.path.to_str().unwrap(),
            "--at",
            "50",
            "--steps",
            "4000",
        ],
    ));
    let fork = run_named(&runs_dir, "fork-50");
    assert_eq!(steps(&fork), [3600, 3800, 4000]);
    // Named in the preset, the interval is kept.
    let named = t.path().join("named");
    let p = preset(t.path(), "ck2", &text("checkpoint_every: Some(4),"));
    ok(&saddle(t.path(), &named, &["run", p.to_str().unwrap()]));
    let dir = runs(&named).remove(0);
    ok(&saddle(
        t.path(),
        &named,
        &["resume", dir.path.to_str().unwrap(), "--steps", "300"],
    ));
    assert_eq!(steps(&dir), [292, 296, 300]);
}

/// A replay of a run taken further, killed and resumed, finds every checkpoint its opening
/// wrote: the missing-checkpoint check used the source's short interval (a replay's log names
/// no target) and warned that `step-…1185.ck` was missing when none had been due.
#[test]
fn a_resumed_replay_of_an_extended_run_misses_no_checkpoint() {
    let t = tmp();
    let runs_dir = t.path().join("runs");
    let p = preset(
        t.path(),
        "rp",
        r#"Preset(name: "rp", seed: 0, steps: 100, pace: Some(500), stop: (converge_below: None, diverge_above: None),
        game: Bilinear(dim: 2), runs: [Run(name: "alt", scheme: Alternating(), eta: 0.05)])"#,
    );
    ok(&saddle(t.path(), &runs_dir, &["run", p.to_str().unwrap()]));
    let src = run_named(&runs_dir, "rp-alt");
    let id = src.id();
    ok(&saddle(
        t.path(),
        &runs_dir,
        &["resume", &id, "--steps", "2000"],
    ));
    let mut child = Command::new(bin())
        .current_dir(t.path())
        .args(["replay", &id, "--runs-dir"])
        .arg(&runs_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let replay = || {
        runs(&runs_dir)
            .into_iter()
            .find(|d| d.id().contains("replay"))
    };
    wait_for(30.0, "the replay's checkpoint at 1100", || {
        replay().is_some_and(|d| d.checkpoint_steps().iter().any(|s| *s >= 1100))
    });
    // Rows reach the file every 100 ms: 150 ms on (75 steps, before the checkpoint at 1200),
    // they go past steps the source's interval of 5 would have checkpointed.
    std::thread::sleep(Duration::from_millis(150));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let dir = replay().unwrap();
    let o = saddle(t.path(), &runs_dir, &["resume", &dir.id()]);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("is missing"), "{err}");
    assert_eq!(dir.checkpoint_steps(), [1800, 1900, 2000], "{err}");
}
