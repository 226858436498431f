//! Helpers shared by the sweep tests (`tests/sweep.rs`, `tests/sweep_slurm.rs`).
#![allow(dead_code)]

use crate::common::*;
use saddle::run::events::{parse_events, EventKind};
use saddle::run::summary::Summary;
use saddle::sweep::{Manifest, SweepDir};
use std::path::Path;
use std::process::Output;

/// A preset whose `sweep:` section asks for a 2 × 3 grid × 4 seeds on a stochastic game (so
/// the seed matters), tiny step counts.
pub const GRID: &str = r#"Preset(
    name: "grid", steps: 120, log_every: Some(10), checkpoint_every: Some(40),
    game: StochasticBilinear(dim: 4, components: 8, noise: 1.0),
    stop: (converge_below: None),
    runs: [Run(name: "alt hb", scheme: Alternating(d_steps: 1), rule: HeavyBall, eta: 0.05, beta: -0.3)],
    sweep: (grid: ["runs[*].eta=0.05,0.1", "runs[*].beta.phi=-0.5,-0.3,0"], seeds: "0..4", jobs: 2),
)"#;

/// Two runs over two seeds, paced to last about 4 s each (pace never changes a trajectory:
/// `--set pace=None` gives the same members at full speed).
pub const PACED: &str = r#"Preset(
    name: "paced", steps: 400, log_every: Some(10), checkpoint_every: Some(25), pace: Some(100.0),
    seeds: Some([0, 1]),
    game: StochasticBilinear(dim: 4, components: 8, noise: 1.0),
    stop: (converge_below: None),
    runs: [
        Run(name: "sim", scheme: Simultaneous, eta: 0.05, averaging: [(kind: Ema, beta: 0.9)]),
        Run(name: "extra adam", scheme: Extragradient(), rule: Adam(), eta: 0.02, beta: 0.5),
    ],
)"#;

/// `saddle sweep … --json` (no `--wait`): the sweep it started.
pub fn launch(cwd: &Path, runs: &Path, args: &[&str]) -> SweepDir {
    let mut a = vec!["sweep"];
    a.extend_from_slice(args);
    a.push("--json");
    let out = ok(&saddle(cwd, runs, &a));
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("sweep --json printed {out:?}: {e}"));
    SweepDir {
        path: v["dir"].as_str().expect("dir").into(),
    }
}

/// The [`PACED`] preset written in `dir`, and its sweep run at full speed to the end (the
/// reference an interrupted sweep must end equal to).
pub fn paced_reference(dir: &Path, runs: &Path) -> (String, SweepDir) {
    let p = preset(dir, "paced", PACED).to_str().unwrap().to_string();
    let reference = launch(
        dir,
        runs,
        &[&p, "--set", "pace=None", "--wait", "--name", "reference"],
    );
    (p, reference)
}

/// `saddle sweep status SWEEP --json`.
pub fn status(cwd: &Path, runs: &Path, sweep: &SweepDir) -> serde_json::Value {
    let out = ok(&saddle(
        cwd,
        runs,
        &["sweep", "status", sweep.path.to_str().unwrap(), "--json"],
    ));
    serde_json::from_str(&out).expect("status json")
}

/// Waits (up to `secs`) until every member of the sweep is done.
pub fn wait_done(cwd: &Path, runs: &Path, sweep: &SweepDir, secs: f64) {
    wait_for(secs, "every member done", || {
        status(cwd, runs, sweep)["counts"]
            .as_object()
            .is_some_and(|c| c.len() == 1 && c.contains_key("done"))
    });
}

/// A member's summary.
pub fn summary(sweep: &SweepDir, m: &saddle::sweep::manifest::Member) -> Summary {
    let t = std::fs::read_to_string(sweep.member(m).file("summary.json")).expect("summary");
    serde_json::from_str(&t).expect("summary json")
}

/// Member by member: same names, seeds and configs but for settings that never change a
/// trajectory; same metrics rows (bit for bit, wall time aside), same final metrics, same
/// final state.
pub fn assert_same_members(a: &SweepDir, b: &SweepDir) -> Manifest {
    let (ma, mb) = (a.manifest().unwrap(), b.manifest().unwrap());
    assert_eq!(ma.members.len(), mb.members.len());
    for (x, y) in ma.members.iter().zip(&mb.members) {
        assert_eq!((&x.name, x.seed, &x.dir), (&y.name, y.seed, &y.dir));
        let (rx, ry) = (a.member(x), b.member(y));
        assert_same_metrics(
            &metrics_without_wall_time(&rx),
            &metrics_without_wall_time(&ry),
            &x.name,
        );
        let (sx, sy) = (summary(a, x), summary(b, y));
        assert_eq!(sx.status, sy.status, "{}", x.name);
        assert_eq!(sx.step, sy.step, "{}", x.name);
        for (k, v) in &sx.metrics {
            let w = sy.metrics[k];
            assert!(
                v.map(f64::to_bits) == w.map(f64::to_bits),
                "{}: final {k}: {v:?} vs {w:?}",
                x.name
            );
        }
        assert_eq!(
            final_state(&rx),
            final_state(&ry),
            "{}: final state",
            x.name
        );
    }
    ma
}

/// How many times a member was resumed, and whether it was interrupted on the way.
pub fn interruptions(sweep: &SweepDir, m: &saddle::sweep::manifest::Member) -> (usize, usize) {
    let text = std::fs::read_to_string(sweep.member(m).file("events.jsonl")).unwrap_or_default();
    let ev = parse_events(&text);
    let resumed = ev
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Resumed { .. }))
        .count();
    let interrupted = ev
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Ended {
                    status: saddle::run::Status::Interrupted
                }
            )
        })
        .count();
    (resumed, interrupted)
}

/// Asserts exit code 2 and returns stderr.
pub fn bad_input(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(2),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}
