//! The mixture-of-Gaussians GAN through the binary: runs repeated over seeds end with their
//! means across seeds, and the networks' Jacobian eigenvalues are recorded live and printed by
//! `saddle spectrum` (for a preset at the start, for a run at its newest checkpoint).

mod common;
use common::*;

const PRESET: &str = r#"Preset(
    name: "mog-small",
    seeds: Some([0, 1]),
    steps: 40,
    log_every: Some(20),
    spectral_every: Some(20),
    game: MixtureGan(mixture: NegativeMomentum8, loss: Saturating, hidden: 16, hidden_layers: 2, batch: 32, eval_samples: 200),
    runs: [
        Run(name: "adam D β=-0.5", scheme: Alternating(d_steps: 1), rules: (theta: Adam(beta2: 0.9), phi: Adam(beta2: 0.9, moment: Sum)), eta: 1e-2, beta: (theta: 0.5, phi: -0.5)),
        Run(name: "sgd", scheme: Simultaneous, rule: Gradient, eta: 0.05),
    ],
)"#;

#[test]
fn seeds_repeat_runs_and_networks_record_their_jacobian_eigenvalues() {
    let t = tmp();
    let runs_dir = t.path().join("runs");
    let preset = t.path().join("mog-small.ron");
    std::fs::write(&preset, PRESET).unwrap();
    let out = ok(&saddle(
        t.path(),
        &runs_dir,
        &["run", preset.to_str().unwrap()],
    ));
    let all = runs(&runs_dir);
    assert_eq!(all.len(), 4, "two runs × two seeds");
    // The table across seeds: one line per run and metric, each seed's value after it.
    let modes: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("modes_covered"))
        .collect();
    assert_eq!(modes.len(), 2, "{out}");
    assert!(
        modes[0].starts_with("adam D β=-0.5 ")
            && modes[0].contains(" 0:")
            && modes[0].contains(" 1:")
    );
    assert!(out.contains("MEAN ± SD"), "{out}");

    for d in &all {
        let lines: Vec<serde_json::Value> = d
            .read("spectrum.jsonl")
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines
                .iter()
                .map(|l| l["step"].as_u64().unwrap())
                .collect::<Vec<_>>(),
            [0, 20, 40]
        );
        for l in &lines {
            let eig = l["jacobian"].as_array().unwrap();
            let unconverged = l["unconverged"].as_u64().unwrap() as usize;
            assert_eq!(eig.len() + unconverged, 16, "{l}");
            assert!(eig.len() >= 4, "too few eigenvalues converged: {l}");
            let modulus = |z: &serde_json::Value| {
                let z = z.as_array().unwrap();
                z[0].as_f64().unwrap().hypot(z[1].as_f64().unwrap())
            };
            assert!(
                eig.windows(2)
                    .all(|w| modulus(&w[0]) >= modulus(&w[1]) - 1e-12),
                "largest modulus first: {l}"
            );
            assert!(
                l["spectral_radius"].is_null() && l["note"].as_str().unwrap().contains("Arnoldi")
            );
        }
    }

    // The same eigenvalues at the start from `saddle spectrum` as the run recorded at step 0.
    let out = ok(&saddle(
        t.path(),
        &runs_dir,
        &["spectrum", preset.to_str().unwrap(), "--json"],
    ));
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let recorded: serde_json::Value = serde_json::from_str(
        run_named(&runs_dir, "adam-d-beta=-0.5-seed=0")
            .read("spectrum.jsonl")
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["name"], "adam D β=-0.5 seed=0");
    assert_eq!(first["point"], "start");
    assert_eq!(first["jacobian"], recorded["jacobian"]);

    // A run's id: J at its newest checkpoint, which is where the run recorded its last line.
    let run = run_named(&runs_dir, "sgd-seed=1");
    let out = ok(&saddle(
        t.path(),
        &runs_dir,
        &["spectrum", &run.id(), "--json"],
    ));
    let at_end: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let last: serde_json::Value =
        serde_json::from_str(run.read("spectrum.jsonl").unwrap().lines().last().unwrap()).unwrap();
    assert_eq!(at_end["point"], "step 40");
    assert_eq!(at_end["jacobian"], last["jacobian"]);
    assert_ne!(at_end["jacobian"], first["jacobian"]);
}

/// A MoG run that draws its samples and data plane every 20 iterations and checkpoints every 20.
const SAMPLED: &str = r#"Preset(
    name: "mog-sampled",
    steps: 40,
    log_every: Some(10),
    checkpoint_every: Some(20),
    sample_every: Some(20),
    game: MixtureGan(mixture: NegativeMomentum8, loss: Saturating, hidden: 16, hidden_layers: 2, batch: 32, eval_samples: 200),
    runs: [
        Run(name: "adam", scheme: Alternating(d_steps: 1), rules: (theta: Adam(beta2: 0.9), phi: Adam(beta2: 0.9)), eta: 1e-3, beta: 0.5),
    ],
)"#;

#[test]
fn a_fork_keeps_its_parents_samples_and_planes_up_to_the_branch_and_draws_its_own_after() {
    let t = tmp();
    let runs_dir = t.path().join("runs");
    let preset = t.path().join("mog-sampled.ron");
    std::fs::write(&preset, SAMPLED).unwrap();
    ok(&saddle(
        t.path(),
        &runs_dir,
        &["run", preset.to_str().unwrap()],
    ));
    let parent = runs(&runs_dir).remove(0);
    let files = |d: &saddle::run::store::RunDir| {
        let mut v: Vec<String> = std::fs::read_dir(d.path.join("samples"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    };
    let names = |steps: &[u64]| {
        let mut v: Vec<String> = steps
            .iter()
            .flat_map(|s| {
                [
                    format!("plane-{s:09}.json"),
                    format!("points-{s:09}.csv"),
                    format!("scatter-{s:09}.png"),
                ]
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(files(&parent), names(&[0, 20, 40]));
    ok(&saddle(
        t.path(),
        &runs_dir,
        &[
            "fork",
            parent.path.to_str().unwrap(),
            "--at",
            "20",
            "--set",
            "eta=0.01",
        ],
    ));
    let fork = runs(&runs_dir)
        .into_iter()
        .find(|d| d.path != parent.path)
        .expect("the fork");
    assert_eq!(files(&fork), names(&[0, 20, 40]));
    for f in names(&[0, 20]) {
        assert_eq!(
            std::fs::read(parent.path.join("samples").join(&f)).unwrap(),
            std::fs::read(fork.path.join("samples").join(&f)).unwrap(),
            "{f}: inherited as it was"
        );
    }
    // After the branch it runs with its own η (forked at a checkpoint's very step, too).
    let eta_at = |d: &saddle::run::store::RunDir, step: f64| {
        let t = saddle::run::metrics::MetricsTable::read(&d.file("metrics.csv")).unwrap();
        let col = t.columns.iter().position(|c| c == "eta_theta").unwrap();
        t.rows.iter().find(|r| r[0] == Some(step)).unwrap()[col].unwrap()
    };
    assert_eq!((eta_at(&parent, 30.0), eta_at(&fork, 30.0)), (1e-3, 0.01));
    assert_eq!(
        eta_at(&fork, 20.0),
        1e-3,
        "the row at the branch is its parent's"
    );
    // After the branch, with another η, the fork's own plane.
    let p = saddle::run::plane::read(&parent, 40).unwrap();
    let f = saddle::run::plane::read(&fork, 40).unwrap();
    assert_eq!((p.step, f.step), (40, 40));
    assert_ne!(p.generated, f.generated, "the fork drew its own points");
}
