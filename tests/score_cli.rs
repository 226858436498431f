//! `saddle score`, `saddle classifier` and live scoring, through the real binary.
//!
//! Without the reference weights (CI never has them) the network is the seeded synthetic
//! Inception at 1/16 width: its numbers measure nothing about image quality, but every path —
//! sampling the generators, the features, IS over splits, FID against cached statistics, the
//! records — is the one the real weights take. The classifier score is checked for what it
//! must measure: about 10 on ten well-separated classes, about 1 on one class.

mod common;

use common::{bin, ok, saddle, tmp, write_cifar};
use saddle::score::record::{parse_records, ScoreRecord};
use std::path::Path;
use std::process::{Command, Stdio};

/// A one-run WGAN DCGAN preset on the CIFAR-10 batches of `data`, with `score` as its score
/// section (RON, or empty for none).
fn preset_text(data: &Path, score: &str) -> String {
    format!(
        r#"Preset(
    name: "scored",
    seed: 7,
    steps: 60,
    log_every: Some(10),
    checkpoint_every: Some(30),
    {score}
    game: ImageGan(dataset: Cifar10, data_dir: Some("{}"), arch: Dcgan(filters: 4, d_batchnorm: true),
        loss: Wgan, clip: Some(0.01), batch: 8, latent_dim: 16, grid: 4),
    runs: [
        Run(name: "ExtraAdam", scheme: Extragradient(resample: true), rule: Adam(beta2: 0.9, eps: 1e-8),
            eta: (theta: 5e-4, phi: 5e-4), beta: 0.5,
            averaging: [(kind: Uniform), (kind: Ema, beta: 0.9)]),
    ],
)"#,
        data.display()
    )
}

const LIVE: &str = "score: Some((every: 20, network: SyntheticInception(seed: 3, div: 16), \
samples: 100, splits: 2, reference: Some(Data))),";

fn records(run: &Path) -> Vec<ScoreRecord> {
    parse_records(&std::fs::read_to_string(run.join("scores.jsonl")).unwrap_or_default())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else if p.file_name().unwrap() != "lock" {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn only_run(runs: &Path) -> std::path::PathBuf {
    let mut d: Vec<_> = std::fs::read_dir(runs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(d.len(), 1, "{d:?}");
    d.pop().unwrap()
}

#[test]
fn score_without_weights_says_how_to_enable_them() {
    let t = tmp();
    let o = Command::new(bin())
        .args(["score", "--images"])
        .arg(t.path())
        .env_remove("SADDLE_INCEPTION")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    for needle in [
        "never downloads",
        "pt_inception-2015-12-05",
        "save_file",
        "--weights",
        "saddle classifier train",
        "NOT comparable",
    ] {
        assert!(err.contains(needle), "{needle:?} missing from: {err}");
    }
}

#[test]
fn score_refuses_a_weights_file_that_is_not_the_network() {
    let t = tmp();
    let w = t.path().join("inception.safetensors");
    std::fs::write(&w, b"not a safetensors file").unwrap();
    let o = saddle(
        t.path(),
        &t.path().join("runs"),
        &["score", "--weights", w.to_str().unwrap(), "--images", "."],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("inception.safetensors"), "{err}");
}

#[test]
fn live_scores_appear_during_the_run_and_leave_training_unchanged() {
    let t = tmp();
    let data = t.path().join("cifar");
    std::fs::create_dir_all(&data).unwrap();
    write_cifar(&data);
    let cache = t.path().join("cache");
    let run = |name: &str, score: &str| {
        let p = common::preset(t.path(), name, &preset_text(&data, score));
        let runs = t.path().join(name);
        let o = Command::new(bin())
            .current_dir(t.path())
            .args([
                "run",
                p.to_str().unwrap(),
                "--runs-dir",
                runs.to_str().unwrap(),
            ])
            .env("SADDLE_CACHE", &cache)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        ok(&o);
        only_run(&runs)
    };
    let scored = run("with", LIVE);
    let plain = run("without", "");

    // Training is the same bit for bit: the scorer reads host copies and its own latents.
    let strip = |d: &Path| -> Vec<String> {
        let text = std::fs::read_to_string(d.join("metrics.csv")).unwrap();
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap().split(',').collect();
        let wall = head.iter().position(|c| *c == "wall_time").unwrap();
        lines
            .map(|l| {
                l.split(',')
                    .enumerate()
                    .filter(|(i, _)| *i != wall)
                    .map(|(_, v)| v)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect()
    };
    assert_eq!(strip(&scored), strip(&plain));
    assert!(!plain.join("scores.jsonl").exists());

    let recs = records(&scored);
    let mut done = 0;
    for r in &recs {
        let step = r.step.expect("run scores carry their step");
        assert!([20, 40, 60].contains(&step), "{r:?}");
        match (&r.error, r.inception_score) {
            (Some(e), None) => assert!(e.starts_with("skipped"), "{e}"),
            (None, Some(is)) => {
                done += 1;
                // With 10 classes' worth of probability over 1008 logits, IS lies in [1, 1008].
                assert!(is.is_finite() && is >= 1.0, "{r:?}");
                let fid = r.fid.expect("reference asked for");
                assert!(fid.is_finite() && fid > 0.0, "{r:?}");
                assert_eq!((r.samples, r.splits), (100, 2));
                assert_eq!(r.network.sha256.len(), 64);
                let reference = r.reference.as_ref().expect("reference recorded");
                assert_eq!(reference.samples, Some(50), "{reference:?}");
                assert!(r.preprocessing.contains("299"), "{}", r.preprocessing);
            }
            other => panic!("neither a score nor a skip: {other:?} in {r:?}"),
        }
    }
    // A finished run waits for its last hand-over: step 60 is scored for every generator.
    let last: Vec<&str> = recs
        .iter()
        .filter(|r| r.step == Some(60) && r.error.is_none())
        .map(|r| r.generator.as_deref().unwrap())
        .collect();
    assert_eq!(last, ["raw", "uniform", "ema"], "{recs:?}");
    assert!(done >= 3);
    // The averages are other generators, so other scores.
    let at60: Vec<f64> = recs
        .iter()
        .filter(|r| r.step == Some(60) && r.error.is_none())
        .map(|r| r.inception_score.unwrap())
        .collect();
    assert!(at60[0] != at60[1] && at60[0] != at60[2], "{at60:?}");

    // A run that crashed after step 40 and resumed from its step-30 checkpoint drops the later scores and scores steps 40 and
    // 60 again, to the same numbers (training resumes bit for bit; latents are fixed).
    let resumed = t.path().join("resumed");
    copy_dir(&scored, &resumed);
    for e in std::fs::read_dir(resumed.join("checkpoints")).unwrap() {
        let p = e.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("step-000000000060")
        {
            std::fs::remove_file(p).unwrap();
        }
    }
    // As a crash at step 45 would leave it.
    let summary = resumed.join("summary.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    v["status"] = "running".into();
    v["step"] = 45.into();
    std::fs::write(&summary, v.to_string()).unwrap();
    let o = Command::new(bin())
        .args(["resume", resumed.to_str().unwrap()])
        .env("SADDLE_CACHE", &cache)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    ok(&o);
    let key = |r: &ScoreRecord| (r.step, r.generator.clone(), r.inception_score, r.fid);
    let again: Vec<_> = records(&resumed)
        .iter()
        .filter(|r| r.error.is_none())
        .map(key)
        .collect();
    for r in recs
        .iter()
        .filter(|r| r.error.is_none() && r.step > Some(30))
    {
        assert!(
            again.contains(&key(r)),
            "{:?} not scored again alike",
            key(r)
        );
    }
    let mut pairs: Vec<_> = again.iter().map(|k| (k.0, k.1.clone())).collect();
    let n = pairs.len();
    pairs.sort();
    pairs.dedup();
    assert_eq!(
        pairs.len(),
        n,
        "a step scored twice after the resume: {again:?}"
    );

    // `saddle score --run` on the step-60 checkpoint's export reproduces the live score: same
    // generator, same latents, same network, same reference statistics (cached).
    let cmd = |generator: &str| {
        let o = Command::new(bin())
            .args([
                "score",
                "--run",
                scored.to_str().unwrap(),
                "--synthetic",
                "3:16",
            ])
            .args([
                "--samples",
                "100",
                "--splits",
                "2",
                "--ref",
                "data",
                "--json",
            ])
            .args(["--generator", generator])
            .env("SADDLE_CACHE", &cache)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        serde_json::from_str::<ScoreRecord>(ok(&o).trim()).unwrap()
    };
    for (g, name) in [("raw", "raw"), ("avg", "uniform"), ("ema", "ema")] {
        let live = recs
            .iter()
            .find(|r| r.step == Some(60) && r.generator.as_deref() == Some(name))
            .unwrap();
        let cli = cmd(g);
        assert_eq!(cli.step, Some(60));
        assert_eq!(cli.generator.as_deref(), Some(name));
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
        assert!(
            rel(cli.inception_score.unwrap(), live.inception_score.unwrap()) < 1e-9,
            "{g}: {cli:?} vs {live:?}"
        );
        assert!(rel(cli.fid.unwrap(), live.fid.unwrap()) < 1e-9, "{g}");
        assert_eq!(
            cli.reference.unwrap().sha256,
            live.reference.as_ref().unwrap().sha256
        );
    }
}

#[test]
fn a_png_set_has_zero_fid_against_itself() {
    let t = tmp();
    let pngs = t.path().join("pngs");
    std::fs::create_dir_all(&pngs).unwrap();
    let mut rng = saddle::rng::Rng::new(11);
    for i in 0..160 {
        let rgb: Vec<u8> = (0..32 * 32 * 3)
            .map(|j| ((j % 97) as f64 * 2.0 + 40.0 * rng.normal()).clamp(0.0, 255.0) as u8)
            .collect();
        saddle::neural::picture::write_png(&pngs.join(format!("{i:03}.png")), 32, 32, &rgb)
            .unwrap();
    }
    let o = Command::new(bin())
        .args(["score", "--synthetic", "5:16", "--splits", "3", "--json"])
        .arg("--images")
        .arg(&pngs)
        .arg("--ref")
        .arg(&pngs)
        .env("SADDLE_CACHE", t.path().join("cache"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let r: ScoreRecord = serde_json::from_str(ok(&o).trim()).unwrap();
    assert_eq!((r.samples, r.splits), (160, 3));
    assert!(r.fid.unwrap().abs() < 1e-6, "{r:?}");
    assert!(r.inception_score.unwrap() >= 1.0);
}

/// idx files of `n` 28×28 images in ten classes: class k is a bright vertical bar at
/// column 2 + 2.5k, plus noise.
fn write_idx(dir: &Path, n: usize, only: Option<u8>) {
    let mut rng = saddle::rng::Rng::new(n as u64);
    let mut px = vec![];
    let mut labels = vec![];
    for i in 0..n {
        let k = only.unwrap_or((i % 10) as u8);
        labels.push(k);
        let col = 2 + (k as usize * 5) / 2;
        for y in 0..28 {
            for x in 0..28 {
                let on = (x as isize - col as isize).abs() <= 1 && (4..24).contains(&y);
                let v = if on { 220.0 } else { 10.0 } + 25.0 * rng.normal();
                px.push(v.clamp(0.0, 255.0) as u8);
            }
        }
    }
    saddle::neural::data::idx::write_images(&dir.join("train-images-idx3-ubyte"), 28, &px).unwrap();
    let mut l = vec![0, 0, 8, 1];
    l.extend((n as u32).to_be_bytes());
    l.extend(labels);
    std::fs::write(dir.join("train-labels-idx1-ubyte"), l).unwrap();
}

#[test]
fn the_classifier_score_counts_classes() {
    let t = tmp();
    let (train, one) = (t.path().join("train"), t.path().join("one"));
    std::fs::create_dir_all(&train).unwrap();
    std::fs::create_dir_all(&one).unwrap();
    write_idx(&train, 1200, None);
    write_idx(&one, 200, Some(3));
    let clf = t.path().join("clf.safetensors");
    let o = Command::new(bin())
        .args([
            "classifier",
            "train",
            "--epochs",
            "2",
            "--holdout",
            "200",
            "--data",
        ])
        .arg(&train)
        .arg("--out")
        .arg(&clf)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = ok(&o);
    let acc: f64 = out
        .split("held-out accuracy ")
        .nth(1)
        .and_then(|s| s.split('%').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no accuracy in {out}"));
    assert!(acc > 95.0, "{out}");
    let score = |dir: &Path| -> ScoreRecord {
        let o = Command::new(bin())
            .args([
                "score",
                "--classifier",
                clf.to_str().unwrap(),
                "--json",
                "--images",
            ])
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        serde_json::from_str(ok(&o).trim()).unwrap()
    };
    let all = score(&train);
    let single = score(&one);
    assert!(all.inception_score.unwrap() > 8.0, "{all:?}");
    assert!(single.inception_score.unwrap() < 1.5, "{single:?}");
    assert_eq!(all.network.kind, "classifier");
    // The text form says the score is not an Inception Score.
    let o = Command::new(bin())
        .args(["score", "--classifier", clf.to_str().unwrap(), "--images"])
        .arg(&one)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(ok(&o).contains("not comparable with published Inception Scores"));
}
