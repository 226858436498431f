//! The main job end to end through the real binary: presets in, run directories out.

mod common;
use common::*;
use saddle::run::summary::{Status, Summary};
use saddle::run::RunConfig;
use std::collections::BTreeMap;

fn summaries(stdout: &str) -> BTreeMap<String, Summary> {
    stdout
        .lines()
        .map(|l| serde_json::from_str::<Summary>(l).expect("one JSON summary per line"))
        .map(|s| (s.name.clone(), s))
        .collect()
}

#[test]
fn bilinear_momentum_reproduces_the_negative_momentum_table() {
    let t = tmp();
    let runs = t.path().join("runs");
    let start = std::time::Instant::now();
    let root = env!("CARGO_MANIFEST_DIR");
    let out = ok(&saddle(
        t.path(),
        &runs,
        &[
            "run",
            &format!("{root}/presets/bilinear-momentum.ron"),
            "--json",
        ],
    ));
    assert!(start.elapsed().as_secs() < 30, "finishes in seconds");
    let s = summaries(&out);
    let status = |n: &str| s[n].status;
    for n in ["sim β=-0.5", "sim β=0", "sim β=+0.5", "alt β=+0.5"] {
        assert_eq!(status(n), Status::Diverged, "{n}");
    }
    assert_eq!(status("alt β=0"), Status::Finished);
    assert_eq!(status("alt β=-0.5"), Status::Converged);
    let bounded = s["alt β=0"].metrics["distance_to_equilibrium"].unwrap();
    assert!(
        bounded > 1.0 && bounded < 3.0,
        "alternating GD cycles at its initial radius: {bounded}"
    );
    // Alternating costs two oracle calls per iteration, simultaneous one.
    assert_eq!(s["alt β=0"].oracle_calls, 2 * s["alt β=0"].step);
    assert_eq!(s["sim β=0"].oracle_calls, s["sim β=0"].step);
}

#[test]
fn a_run_directory_holds_its_resolved_config_metrics_events_and_summary() {
    let t = tmp();
    let runs = t.path().join("runs");
    let sets = [
        "--set",
        "runs[*].steps=300",
        "--set",
        "runs[AvgAltGD].steps=2000",
    ];
    ok(&saddle(
        t.path(),
        &runs,
        &[&["run", "bilinear-methods"][..], &sets].concat(),
    ));
    let all = common::runs(&runs);
    assert_eq!(all.len(), 6);
    for d in all {
        let config = RunConfig::from_ron(&d.read("config.ron").unwrap(), "config.ron")
            .expect("config.ron parses");
        assert_eq!(
            config.steps,
            if config.name == "AvgAltGD" { 2000 } else { 300 }
        );
        assert_eq!(config.seed, 0, "the seed is recorded");
        assert_eq!(
            RunConfig::from_ron(&config.to_ron(), "again").unwrap(),
            config
        );
        let m = saddle::run::metrics::MetricsTable::read(&d.file("metrics.csv")).unwrap();
        for col in [
            "step",
            "oracle_calls",
            "wall_time",
            "loss_theta",
            "loss_phi",
            "field_norm",
            "distance_to_equilibrium",
        ] {
            assert!(m.column(col).is_some(), "{col} in {:?}", m.columns);
        }
        assert_eq!(m.rows[0][0], Some(0.0));
        let s: Summary = serde_json::from_str(&d.read("summary.json").unwrap()).unwrap();
        assert!(s.status.is_final());
        assert_eq!(
            m.rows.last().unwrap()[0],
            Some(s.step as f64),
            "the last row is the final step"
        );
        let events = d.read("events.jsonl").unwrap();
        assert!(events.lines().next().unwrap().contains("\"started\""));
        assert!(events.lines().last().unwrap().contains("\"ended\""));
    }
    // Averaging turns alternating GD's cycle into convergence of the average.
    let avg = common::run_named(&runs, "avgaltgd");
    let s: Summary = serde_json::from_str(&avg.read("summary.json").unwrap()).unwrap();
    let (last, avg) = (
        s.metrics["distance_to_equilibrium"].unwrap(),
        s.metrics["distance_to_equilibrium_uniform"].unwrap(),
    );
    assert!(
        last > 0.5 && avg < 0.02,
        "last iterate {last}, average {avg}"
    );
}

#[test]
fn spectrum_and_stability_tell_what_the_runs_do() {
    let t = tmp();
    let runs = t.path().join("runs");
    let out = ok(&saddle(
        t.path(),
        &runs,
        &["spectrum", "bilinear-momentum", "--measure", "--json"],
    ));
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (rho, measured) = (
            v["spectral_radius"].as_f64().unwrap(),
            v["measured_rate"].as_f64(),
        );
        if let Some(m) = measured {
            assert!(
                (m.ln() - rho.ln()).abs() <= 0.02 * rho.ln().abs().max(1e-6),
                "{line}"
            );
        }
    }
    let out = ok(&saddle(
        t.path(),
        &runs,
        &[
            "stability",
            "bilinear-momentum",
            "--beta",
            "-0.9:0.9:19",
            "--eta",
            "0.05:1.5:30",
        ],
    ));
    let block = out
        .split("\n\n")
        .find(|b| b.contains("alternating+heavy-ball — β on phi"))
        .expect("alternating map");
    assert!(block.contains("for β from -0.90 to -0.10"), "{block}");
    let sim = out
        .split("\n\n")
        .find(|b| b.contains("simultaneous+heavy-ball — β on phi"))
        .unwrap();
    assert!(sim.contains("ρ < 1 nowhere"), "{sim}");
    assert!(!runs.exists(), "analysis creates no runs");
}

/// A run under an Adam-type rule has no spectral radius, but its calls per iteration are
/// still its scheme's: extragradient with Adam (ExtraAdam) makes two gradient calls, as
/// extragradient does (it reported 1, the count of an analysis that found no radius).
#[test]
fn a_nonlinear_rules_spectrum_counts_its_schemes_calls() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "adam",
        r#"Preset(name: "adam", steps: 10, game: Bilinear(dim: 2), runs: [
            Run(name: "extra-adam", scheme: Extragradient(), rule: Adam(), eta: 0.01, beta: 0.5),
            Run(name: "eg", scheme: Extragradient(), eta: 0.1),
            Run(name: "sim-adam", scheme: Simultaneous, rule: Adam(), eta: 0.01, beta: 0.5)])"#,
    );
    let out = ok(&saddle(
        t.path(),
        &runs,
        &["spectrum", p.to_str().unwrap(), "--json"],
    ));
    let calls: BTreeMap<String, (f64, bool)> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let name = v["name"].as_str().unwrap().to_string();
            let rho = v["spectral_radius"].as_f64().is_some();
            (name, (v["calls_per_iteration"].as_f64().unwrap(), rho))
        })
        .collect();
    assert_eq!(calls["extra-adam"], (2.0, false), "{out}");
    assert_eq!(calls["eg"], (2.0, true), "{out}");
    assert_eq!(calls["sim-adam"], (1.0, false), "{out}");
}

/// A run's spectrum is that of the parameters it ran with: a fork at η = 0.5 of an
/// extragradient run at η = 0.3 on θφ with B = [[1, 2], [0, 0.5]] (σ = 2.2808, 0.2192) has
/// ρ² = 1 − a² + a⁴ at a = 0.5·σ₁, and its measured rate is fitted after the change. A
/// bilinear game too large for the dense route (d = 400: J has 800 rows, the alternating
/// heavy-ball operator 1 600) is analysed through its 2-D games: with B = I every σ is 1, so
/// ρ is the θφ game's.
#[test]
fn a_runs_spectrum_is_its_live_parameters_and_large_bilinear_games_get_one() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = t.path().join("b.ron");
    std::fs::write(
        &p,
        r#"Preset(name: "b", seed: 1, steps: 400, log_every: Some(1),
    game: Bilinear(dim: 2, matrix: Explicit([[1.0, 2.0], [0.0, 0.5]])),
    stop: (converge_below: None, diverge_above: Some(1e6)),
    runs: [Run(name: "eg", scheme: Extragradient(), eta: 0.3)])"#,
    )
    .unwrap();
    ok(&saddle(t.path(), &runs, &["run", p.to_str().unwrap()]));
    let source = std::fs::read_dir(&runs).unwrap().next().unwrap().unwrap();
    let source = source.file_name().into_string().unwrap();
    ok(&saddle(
        t.path(),
        &runs,
        &["fork", &source, "--at", "137", "--set", "eta=0.5"],
    ));
    let fork = std::fs::read_dir(&runs)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.contains("fork"))
        .unwrap();
    let out = ok(&saddle(t.path(), &runs, &["spectrum", &fork, "--json"]));
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let a = 0.5 * 2.280_776_406_404_415_f64;
    let want = (1.0 - a * a + a.powi(4)).sqrt();
    let rho = v["spectral_radius"].as_f64().unwrap();
    assert!((rho - want).abs() < 1e-9, "{rho} vs {want}: {out}");
    let note = v["note"].as_str().unwrap();
    assert!(
        note.contains("η 0.3 → 0.5") && note.contains("from step 137"),
        "{note}"
    );
    let measured = v["measured_rate"].as_f64().unwrap();
    assert!(measured > 1.05, "diverging after the change: {measured}");
    // A change recorded after the newest checkpoint (a run killed before its next one) is in
    // force too, as a resume would re-apply it (the run keeps the checkpoints at 360, 380 and
    // 400; the change lands after 360).
    let src = runs.join(&source);
    for e in std::fs::read_dir(src.join("checkpoints")).unwrap() {
        let path = e.unwrap().path();
        if !path.to_string_lossy().contains("step-000000000360") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let mut events = std::fs::OpenOptions::new()
        .append(true)
        .open(src.join("events.jsonl"))
        .unwrap();
    std::io::Write::write_all(
        &mut events,
        b"{\"step\":380,\"time\":1.0,\"event\":\"set\",\"param\":\"eta\",\"old\":0.3,\"new\":0.5}\n",
    )
    .unwrap();
    let out = ok(&saddle(t.path(), &runs, &["spectrum", &source, "--json"]));
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let rho = v["spectral_radius"].as_f64().unwrap();
    assert!((rho - want).abs() < 1e-9, "{rho} vs {want}: {out}");
    assert!(
        v["note"].as_str().unwrap().contains("in force at step 380"),
        "{out}"
    );

    let big = ok(&saddle(
        t.path(),
        &runs,
        &[
            "spectrum",
            "default",
            "--json",
            "--set",
            "game=Bilinear(dim: 400, matrix: Identity)",
        ],
    ));
    let one = ok(&saddle(t.path(), &runs, &["spectrum", "default", "--json"]));
    for (b, o) in big.lines().zip(one.lines()) {
        let (b, o): (serde_json::Value, serde_json::Value) = (
            serde_json::from_str(b).unwrap(),
            serde_json::from_str(o).unwrap(),
        );
        let (rb, ro) = (b["spectral_radius"].as_f64(), o["spectral_radius"].as_f64());
        assert!(rb.is_some(), "{b}");
        assert!((rb.unwrap() - ro.unwrap()).abs() < 1e-12, "{b} vs {o}");
        assert_eq!(b["jacobian"].as_array().unwrap().len(), 800);
    }
}

#[test]
fn presets_and_ls_list_what_exists() {
    let t = tmp();
    let runs = t.path().join("runs");
    let out = ok(&saddle(t.path(), &runs, &["presets"]));
    for p in [
        "default",
        "bilinear-momentum",
        "bilinear-methods",
        "stochastic-bilinear",
        "logistic-toy",
        "dirac-gan",
    ] {
        assert!(out.lines().any(|l| l.starts_with(p)), "{p} in {out}");
    }
    // The descriptions start in one column, whatever the names' lengths.
    let starts: std::collections::BTreeSet<usize> = out
        .lines()
        .map(|l| {
            let name = l.split_whitespace().next().unwrap();
            name.chars().count() + l[name.len()..].chars().take_while(|c| *c == ' ').count()
        })
        .collect();
    assert_eq!(starts.len(), 1, "{out}");
    ok(&saddle(
        t.path(),
        &runs,
        &["run", "dirac-gan", "--steps", "200"],
    ));
    let out = ok(&saddle(t.path(), &runs, &["ls"]));
    assert_eq!(out.lines().count(), 8, "{out}");
    assert!(out.contains("extragradient+gradient"));
}

/// `--runs-dir` goes before the command as well as after it (it was refused before `ls`, as
/// if it were the dashboard's); a preset given with a command is refused, exit 2.
#[test]
fn global_directories_go_before_or_after_the_command() {
    let t = tmp();
    let runs = t.path().join("runs");
    ok(&saddle(
        t.path(),
        &runs,
        &["run", "dirac-gan", "--steps", "20"],
    ));
    let before = std::process::Command::new(bin())
        .current_dir(t.path())
        .arg("--runs-dir")
        .arg(&runs)
        .arg("ls")
        .output()
        .unwrap();
    let listed = ok(&before);
    assert_eq!(listed.lines().count(), 8, "{listed}");
    let o = saddle(t.path(), &runs, &["default", "ls"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("`preset` belongs to the dashboard"), "{err}");
}
