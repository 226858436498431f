//! `saddle export RUN --format tensorboard` through the binary on a real MoG run: the event
//! file reads back (every record's masked CRC-32C checked) with the metrics table's values as
//! scalars, the run's events as text and its sample pictures as images; wrong flags exit 2
//! and write nothing.

mod common;
use common::*;
use saddle::run::export::tensorboard::{read, Summary};
use saddle::run::metrics::MetricsTable;

/// `saddle export RUN --format tensorboard --out OUT`, run in `dir`.
fn export_tensorboard(
    dir: &std::path::Path,
    runs_dir: &std::path::Path,
    run: &str,
    out: &std::path::Path,
) -> std::process::Output {
    let args = [
        "export",
        run,
        "--format",
        "tensorboard",
        "--out",
        out.to_str().unwrap(),
    ];
    saddle(dir, runs_dir, &args)
}

const PRESET: &str = r#"Preset(
    name: "mog-tb",
    steps: 40,
    log_every: Some(10),
    sample_every: Some(20),
    game: MixtureGan(mixture: NegativeMomentum8, loss: Saturating, hidden: 16, hidden_layers: 2, batch: 32, eval_samples: 200),
    runs: [
        Run(name: "adam", scheme: Alternating(d_steps: 1), rules: (theta: Adam(beta2: 0.9), phi: Adam(beta2: 0.9)), eta: 1e-3, beta: 0.5),
    ],
)"#;

#[test]
fn a_mog_run_exports_to_an_event_file_that_reads_back() {
    let t = tmp();
    let runs_dir = t.path().join("runs");
    let preset = t.path().join("mog-tb.ron");
    std::fs::write(&preset, PRESET).unwrap();
    ok(&saddle(
        t.path(),
        &runs_dir,
        &["run", preset.to_str().unwrap()],
    ));
    let dir = runs(&runs_dir).remove(0);
    let run = dir.path.to_str().unwrap();

    // Wrong flag combinations: exit 2, nothing written.
    let out = t.path().join("tb");
    let o = saddle(
        t.path(),
        &runs_dir,
        &["export", run, "--format", "tensorboard", "--output", "x"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--out DIR"));
    let o = saddle(
        t.path(),
        &runs_dir,
        &[
            "export",
            run,
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists() && !t.path().join("x").exists());

    let stdout = ok(&export_tensorboard(t.path(), &runs_dir, run, &out));
    let file = std::path::PathBuf::from(stdout.trim());
    assert_eq!(file.parent().unwrap(), out);
    assert!(file
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("events.out.tfevents."));
    let events = read(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(events[0].summary, None, "the file version record first");

    // Every value of metrics.csv is a scalar at its step (as f32).
    let table = MetricsTable::read(&dir.file("metrics.csv")).unwrap();
    let scalars: Vec<(i64, String, f32)> = events
        .iter()
        .filter_map(|e| match &e.summary {
            Some(Summary::Scalars(v)) => Some(v.iter().map(move |(t, x)| (e.step, t.clone(), *x))),
            _ => None,
        })
        .flatten()
        .collect();
    let mut expected = 0;
    for row in &table.rows {
        let step = row[0].unwrap() as i64;
        for (c, v) in table.columns.iter().zip(row).skip(1) {
            if let Some(v) = v {
                expected += 1;
                assert!(
                    scalars.contains(&(step, c.clone(), *v as f32)),
                    "{c} = {v} at step {step} missing"
                );
            }
        }
    }
    assert_eq!(scalars.len(), expected, "nothing but the table's values");
    for c in [
        "loss_theta",
        "loss_phi",
        "field_norm",
        "modes_covered",
        "high_quality_pct",
    ] {
        assert!(scalars.iter().any(|s| s.1 == c), "no {c}");
    }
    // The events as text, the config at step 0.
    let texts: Vec<(i64, String, String)> = events
        .iter()
        .filter_map(|e| match &e.summary {
            Some(Summary::Text(tag, x)) => Some((e.step, tag.clone(), x.clone())),
            _ => None,
        })
        .collect();
    assert!(texts
        .iter()
        .any(|t| t.1 == "events" && t.2 == "step 0: started"));
    assert!(texts
        .iter()
        .any(|t| t.1 == "events" && t.2.starts_with("step 40: ended: finished")));
    assert!(texts
        .iter()
        .any(|t| t.1 == "config" && t.2.contains("mog-tb")));
    // The scatter pictures at 0, 20 and 40, byte for byte.
    let images: Vec<(i64, String, Vec<u8>)> = events
        .iter()
        .filter_map(|e| match &e.summary {
            Some(Summary::Image(tag, w, h, c, png)) => {
                assert!(*w > 0 && *h > 0 && (*c == 3 || *c == 4));
                Some((e.step, tag.clone(), png.clone()))
            }
            _ => None,
        })
        .collect();
    let steps: Vec<i64> = images.iter().map(|i| i.0).collect();
    assert_eq!(steps, [0, 20, 40]);
    for (step, tag, png) in &images {
        assert_eq!(tag, "samples/scatter");
        let f = dir.path.join(format!("samples/scatter-{step:09}.png"));
        assert_eq!(&std::fs::read(&f).unwrap(), png, "{}", f.display());
    }
    assert!(events.windows(2).all(|p| p[0].step <= p[1].step));
}

/// An export refused for a damaged table leaves no directory behind (the writability check
/// made the directories `--out` named), and an export never goes into a run's own folders.
#[test]
fn a_refused_export_leaves_nothing_and_keeps_out_of_runs() {
    let t = tmp();
    let runs_dir = t.path().join("runs");
    let p = preset(
        t.path(),
        "tb",
        r#"Preset(name: "tb", steps: 40, log_every: Some(10), game: Bilinear(dim: 2),
        runs: [Run(name: "a", scheme: Simultaneous, eta: 0.1)])"#,
    );
    ok(&saddle(t.path(), &runs_dir, &["run", p.to_str().unwrap()]));
    let dir = runs(&runs_dir).remove(0);
    let run = dir.path.to_str().unwrap();
    let text = std::fs::read_to_string(dir.file("metrics.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "10,10";
    std::fs::write(dir.file("metrics.csv"), lines.join("\n") + "\n").unwrap();
    let nested = t.path().join("new").join("nested").join("tb");
    let export = |out: &std::path::Path| export_tensorboard(t.path(), &runs_dir, run, out);
    let refused = |o: &std::process::Output| {
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(2), "{err}");
        err
    };
    refused(&export(&nested));
    assert!(!t.path().join("new").exists(), "directories were left");
    std::fs::write(dir.file("metrics.csv"), text).unwrap();
    let inside = dir.path.join("checkpoints");
    assert!(refused(&export(&inside)).contains("which saddle keeps"));
    ok(&export(&nested));
    assert!(nested.is_dir());
}
