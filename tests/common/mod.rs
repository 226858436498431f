//! Helpers shared by the integration tests that drive the real `saddle` binary.
#![allow(dead_code)]

use dfdx::prelude::Cpu;
use saddle::neural::params::Params;
use saddle::run::checkpoint::{self, RunState};
use saddle::run::listing::list;
use saddle::run::metrics::MetricsTable;
use saddle::run::store::RunDir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_saddle")
}

/// A fresh temporary directory that lives as long as the returned guard.
pub fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("saddle-test-")
        .tempdir()
        .expect("temp dir")
}

/// `saddle ARGS --runs-dir RUNS`, run to completion in `cwd`.
pub fn saddle(cwd: &Path, runs: &Path, args: &[&str]) -> Output {
    drive(Path::new(bin()), cwd, runs, args)
}

/// `EXE ARGS --runs-dir RUNS` for an executable built on saddle, run to completion in `cwd`.
pub fn drive(exe: &Path, cwd: &Path, runs: &Path, args: &[&str]) -> Output {
    Command::new(exe)
        .current_dir(cwd)
        .args(args)
        .arg("--runs-dir")
        .arg(runs)
        .stdin(Stdio::null())
        .output()
        .expect("saddle runs")
}

/// Asserts success and returns stdout.
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "saddle failed ({:?}):\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every run directory under `runs`, by id.
pub fn runs(runs: &Path) -> Vec<RunDir> {
    list(runs).into_iter().map(|l| l.dir).collect()
}

/// The run whose id ends with `suffix`.
pub fn run_named(runs_dir: &Path, suffix: &str) -> RunDir {
    runs(runs_dir)
        .into_iter()
        .find(|d| d.id().ends_with(suffix))
        .unwrap_or_else(|| panic!("no run *{suffix} in {}", runs_dir.display()))
}

/// A run's metrics with the wall-time column removed (the only non-deterministic one).
pub fn metrics_without_wall_time(dir: &RunDir) -> MetricsTable {
    let mut t = MetricsTable::read(&dir.file("metrics.csv")).expect("metrics");
    let i = t.column("wall_time").expect("wall_time column");
    t.columns.remove(i);
    for r in &mut t.rows {
        r.remove(i);
    }
    t
}

/// Asserts two tables are equal bit for bit (NaN equal to NaN).
pub fn assert_same_metrics(a: &MetricsTable, b: &MetricsTable, what: &str) {
    assert_eq!(a.columns, b.columns, "{what}: columns");
    assert_eq!(a.rows.len(), b.rows.len(), "{what}: row count");
    for (i, (ra, rb)) in a.rows.iter().zip(&b.rows).enumerate() {
        for (c, (x, y)) in ra.iter().zip(rb).enumerate() {
            let same = match (x, y) {
                (Some(x), Some(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                (None, None) => true,
                _ => false,
            };
            assert!(
                same,
                "{what}: row {i} (step {:?}), column {}: {x:?} vs {y:?}",
                ra[0], a.columns[c]
            );
        }
    }
}

/// The newest checkpoint of a run, with the wall time zeroed.
pub fn final_state(dir: &RunDir) -> RunState<Vec<f64>> {
    let mut s: RunState<Vec<f64>> = checkpoint::newest(dir, None, |_| None)
        .state
        .expect("a checkpoint");
    s.wall_time = 0.0;
    s
}

/// The newest checkpoint of a network run (parameters held as tensors on the CPU).
pub fn final_network_state(dir: &RunDir) -> RunState<Params<Cpu>> {
    let last = *dir.checkpoint_steps().last().expect("a checkpoint");
    checkpoint::load(dir, last).expect("a readable checkpoint")
}

/// Waits until `f` holds (polling every 20 ms) or panics after `secs`.
pub fn wait_for(secs: f64, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs_f64(secs),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Writes a preset file and returns its path.
pub fn preset(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(format!("{name}.ron"));
    std::fs::write(&p, text).expect("write preset");
    p
}

/// Five CIFAR-10 binary batches of ten made-up images each in `dir`.
pub fn write_cifar(dir: &Path) {
    saddle::neural::data::cifar::write_demo(dir, 10, 5).unwrap();
}

/// Runs the CIFAR-10 WGAN preset for 20 steps on made-up data with tiny networks under
/// `dir/runs`, a 16-image sample grid at steps 10 and 20; returns the runs directory.
pub fn image_gan_runs(dir: &Path) -> PathBuf {
    let runs = dir.join("runs");
    let data = dir.join("cifar-10-batches-bin");
    std::fs::create_dir_all(&data).unwrap();
    write_cifar(&data);
    let preset = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/presets/cifar10-wgan-dcgan.ron"
    );
    let data_dir = format!("game.data_dir={}", data.display());
    let sets = [
        data_dir.as_str(),
        "game.arch.filters=4",
        "game.batch=8",
        "game.grid=16",
        "sample_every=10",
    ];
    let mut args = vec!["run", preset, "--steps", "20"];
    sets.iter().for_each(|s| args.extend(["--set", s]));
    ok(&saddle(dir, &runs, &args));
    runs
}
