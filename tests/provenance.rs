//! Provenance through the binary: a new run records where it ran, a resume appends a record
//! (never overwrites), a change of thread count is recorded and `saddle show` names it.

mod common;
use common::*;
use saddle::run::provenance::{Opening, Provenance};
use std::path::Path;
use std::process::{Command, Stdio};

const TINY: &str = r#"Preset(
    name: "prov", seed: 3, steps: 200, log_every: Some(10), checkpoint_every: Some(50),
    game: Bilinear(dim: 3),
    stop: (converge_below: None),
    runs: [Run(name: "eg", scheme: Extragradient(), rule: Gradient, eta: 0.1)],
)"#;

fn with_threads(cwd: &Path, runs: &Path, threads: &str, args: &[&str]) -> String {
    let o = Command::new(bin())
        .current_dir(cwd)
        .args(args)
        .arg("--runs-dir")
        .arg(runs)
        .env("RAYON_NUM_THREADS", threads)
        .env_remove("SLURM_JOB_ID")
        .stdin(Stdio::null())
        .output()
        .expect("saddle runs");
    ok(&o)
}

#[test]
fn provenance_is_recorded_at_start_appended_at_resume_and_shown() {
    let t = tmp();
    let p = preset(t.path(), "prov", TINY);
    let runs_dir = t.path().join("runs");
    with_threads(
        t.path(),
        &runs_dir,
        "2",
        &["run", p.to_str().unwrap(), "--steps", "100"],
    );
    let dir = run_named(&runs_dir, "-prov-eg");
    let first: Vec<Provenance> = dir.records();
    assert_eq!(first.len(), 1, "one record after the start");
    let start = &first[0];
    assert_eq!(start.opening, Opening::Start);
    assert_eq!(start.step, 0);
    assert_eq!(start.threads, 2);
    assert_eq!(start.saddle, env!("CARGO_PKG_VERSION"));
    assert_eq!(start.device, "cpu");
    assert_eq!(start.slurm, None);
    assert!(
        start.command.iter().any(|a| a == "run"),
        "{:?}",
        start.command
    );
    assert!(start.compiler.starts_with("rustc"), "{}", start.compiler);
    assert_eq!(start.simd_runtime, saddle::machine::Simd::detect().name());
    assert!(!start.cpu.is_empty() && !start.host.is_empty() && !start.commit.is_empty());

    with_threads(
        t.path(),
        &runs_dir,
        "1",
        &["resume", &dir.id(), "--steps", "200"],
    );
    let both: Vec<Provenance> = dir.records();
    assert_eq!(both.len(), 2, "the resume appends a second record");
    assert_eq!(both[0], *start, "the first record is kept as it was");
    assert_eq!(both[1].opening, Opening::Resume);
    assert_eq!(both[1].step, 100);
    assert_eq!(both[1].threads, 1);
    assert!(both[1].command.iter().any(|a| a == "resume"));

    let shown = ok(&saddle(t.path(), &runs_dir, &["show", &dir.id()]));
    assert!(shown.contains("provenance 2 records"), "{shown}");
    assert!(shown.contains(&start.cpu), "{shown}");
    let change = shown
        .lines()
        .find(|l| l.trim_start().starts_with("threads") && l.contains('→'))
        .unwrap_or_else(|| panic!("no thread change in:\n{shown}"));
    assert!(change.contains("2 → 1"), "{change}");
    let json = ok(&saddle(t.path(), &runs_dir, &["show", &dir.id(), "--json"]));
    assert_eq!(json.lines().count(), 2);

    let missing = saddle(t.path(), &runs_dir, &["show", "no-such-run"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// The system sampler writes `system.csv` beside the metrics of a headless run, with its
/// header and whole rows; `SADDLE_SYSTEM_EVERY=0` turns it off and a bad value is refused.
#[test]
fn a_headless_run_records_the_machine_it_uses() {
    use saddle::run::system::{SystemSample, COLUMNS, SYSTEM};
    let t = tmp();
    let p = preset(t.path(), "prov", TINY);
    let runs_dir = t.path().join("runs");
    let run = |every: &str, runs: &Path| {
        Command::new(bin())
            .current_dir(t.path())
            .args(["run", p.to_str().unwrap(), "--runs-dir"])
            .arg(runs)
            .env("SADDLE_SYSTEM_EVERY", every)
            .stdin(Stdio::null())
            .output()
            .expect("saddle runs")
    };
    ok(&run("0.05", &runs_dir));
    let dir = run_named(&runs_dir, "-prov-eg");
    let text = std::fs::read_to_string(dir.file(SYSTEM)).expect("system.csv");
    assert_eq!(text.lines().next(), Some(COLUMNS.join(",").as_str()));
    let rows = SystemSample::read_all(&dir.file(SYSTEM));
    assert!(!rows.is_empty(), "{text}");
    assert!(rows[0].get("rss_bytes").unwrap() > 0.0);

    let off = t.path().join("off");
    ok(&run("0", &off));
    assert!(!run_named(&off, "-prov-eg").file(SYSTEM).exists());

    let bad = t.path().join("bad");
    let o = run("often", &bad);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("SADDLE_SYSTEM_EVERY"));
    assert!(!bad.exists(), "nothing created for a refused run");
}

/// A fork's first record says whose run it was made from and at which step (its `show` said
/// "Resume at step 100", and nothing named the parent); a replay's says what it replays.
#[test]
fn forks_and_replays_name_the_run_they_were_made_from() {
    let t = tmp();
    let p = preset(t.path(), "prov", TINY);
    let runs_dir = t.path().join("runs");
    with_threads(t.path(), &runs_dir, "1", &["run", p.to_str().unwrap()]);
    let src = run_named(&runs_dir, "prov-eg");
    let id = src.id();
    with_threads(
        t.path(),
        &runs_dir,
        "1",
        &["fork", &id, "--at", "100", "--set", "eta=0.05"],
    );
    with_threads(t.path(), &runs_dir, "1", &["replay", &id]);
    let fork = run_named(&runs_dir, "fork-100");
    let records: Vec<Provenance> = fork.records();
    let openings: Vec<(Opening, u64)> = records.iter().map(|r| (r.opening, r.step)).collect();
    assert_eq!(openings, [(Opening::Fork, 100), (Opening::Resume, 100)]);
    assert_eq!(records[0].from.as_deref(), Some(id.as_str()));
    let shown = with_threads(t.path(), &runs_dir, "1", &["show", &fork.id()]);
    assert!(
        shown.contains(&format!("Fork of {id} at step 100")),
        "{shown}"
    );
    let replay = run_named(&runs_dir, "replay");
    let records: Vec<Provenance> = replay.records();
    let openings: Vec<Opening> = records.iter().map(|r| r.opening).collect();
    assert_eq!(openings, [Opening::Replay, Opening::Start]);
    let shown = with_threads(t.path(), &runs_dir, "1", &["show", &replay.id()]);
    assert!(shown.contains(&format!("Replay of {id}")), "{shown}");
}
