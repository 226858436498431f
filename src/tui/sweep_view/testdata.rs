//! Synthetic sweeps for the sweep view's tests: manifests over a grid, members with closed-form
//! curves (no clock, no files).

use super::data::SweepData;
use crate::run::Status;
use crate::sweep::manifest::{Manifest, Member};
use crate::sweep::state::MemberState;
use serde_json::json;

/// A manifest of one run `r` with no grid and `n` seeds.
pub fn manifest(n: usize) -> Manifest {
    grid_manifest(&[], &["r"], n)
}

/// A manifest of `runs` × the product of `axes` (path, values) × `seeds` seeds.
pub fn grid_manifest(axes: &[(&str, &[&str])], runs: &[&str], seeds: usize) -> Manifest {
    let mut points: Vec<Vec<(String, String)>> = vec![vec![]];
    for (path, values) in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push((path.to_string(), v.to_string()));
                    q
                })
            })
            .collect();
    }
    let mut configurations = vec![];
    let mut members = vec![];
    for run in runs {
        for p in &points {
            let c = configurations.len();
            let mut label = run.to_string();
            for (path, v) in p {
                label.push_str(&format!(
                    " {}={v}",
                    path.strip_prefix("runs[*].").unwrap_or(path)
                ));
            }
            for seed in 0..seeds {
                let i = members.len();
                members.push(Member {
                    index: i,
                    id: format!("s/{i:03}"),
                    dir: format!("{i:03}"),
                    name: format!("{label} seed={seed}"),
                    configuration: c,
                    seed: seed as u64,
                });
            }
            configurations.push(json!({"index": c, "run": run, "grid": p, "label": label}));
        }
    }
    let grid: Vec<serde_json::Value> = axes
        .iter()
        .map(|(p, v)| json!({"path": p, "values": v}))
        .collect();
    serde_json::from_value(json!({
        "version": 1, "id": "20261203-sweep", "name": "sweep", "preset": "default",
        "origin": "<built-in default>", "created": 0.0, "grid": grid,
        "seeds": (0..seeds as u64).collect::<Vec<_>>(), "executor": "Local", "jobs": 2,
        "keep_checkpoints": 1, "slurm": null, "configurations": configurations,
        "members": members,
    }))
    .expect("a manifest")
}

/// A 2 × 3 grid (η × β.φ) × 4 seeds of run `alt`, whose `distance_to_equilibrium` decays
/// like e^(−k·η·(1 − β)) with a seed-dependent factor, over 400 steps logged every 10; the
/// last configuration's members still run (no final metrics), one member failed, one is
/// preempted, one queued.
pub fn grid_sweep() -> SweepData {
    let m = grid_manifest(
        &[
            ("runs[*].eta", &["0.05", "0.1"]),
            ("runs[*].beta.phi", &["-0.5", "-0.3", "0"]),
        ],
        &["alt"],
        4,
    );
    let mut d = SweepData::new(m);
    let columns: Vec<String> = [
        "loss_theta",
        "field_norm",
        "distance_to_equilibrium",
        "eta_theta",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for i in 0..d.members.len() {
        let mm = d.manifest.members[i].clone();
        let conf = d.manifest.configurations[mm.configuration].clone();
        let eta: f64 = conf.grid[0].1.parse().unwrap();
        let beta: f64 = conf.grid[1].1.parse().unwrap();
        let rate = 10.0 * eta * (1.0 - beta) * (1.0 + 0.1 * mm.seed as f64);
        let last_conf = mm.configuration == d.manifest.configurations.len() - 1;
        let (state, end) = match (last_conf, mm.seed) {
            (true, 0) => (MemberState::Running, 250),
            (true, 1) => (MemberState::Preempted, 120),
            (true, 2) => (MemberState::Queued, 0),
            (true, _) => (MemberState::Failed, 60),
            _ => (MemberState::Done, 400),
        };
        let md = &mut d.members[i];
        md.set_columns(columns.clone());
        let value = |s: f64| (-(rate * s / 400.0)).exp();
        let mut step = 0;
        while end > 0 && step <= end {
            let s = step as f64;
            let v = value(s);
            md.push_row(&[
                Some(s),
                Some(s),
                Some(s / 1e3),
                Some(s),
                Some(-v),
                Some(2.0 * v),
                Some(v),
                Some(eta),
            ]);
            step += 10;
        }
        md.state = state;
        md.steps = 400;
        md.status = match state {
            MemberState::Done => Some(Status::Finished),
            MemberState::Failed => Some(Status::Failed),
            MemberState::Running => Some(Status::Running),
            MemberState::Preempted => Some(Status::Interrupted),
            _ => None,
        };
        if state == MemberState::Done {
            md.finals = Some(
                [
                    ("field_norm".to_string(), Some(2.0 * value(400.0))),
                    ("distance_to_equilibrium".to_string(), Some(value(400.0))),
                ]
                .into(),
            );
        }
    }
    d.generation = 1;
    d
}
