//! Issue 13's reproduced failures, through the real binary: each test failed before its fix.
//! Commands that once hung run under a watchdog that kills them and fails the test.

mod common;
use common::*;
use saddle::run::events::{parse_events, EventKind};
use saddle::run::metrics::MetricsTable;
use saddle::run::store::{RunDir, EVENTS, METRICS};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `saddle ARGS --runs-dir RUNS` in `cwd`, stdin closed, stderr piped.
fn command<S: AsRef<std::ffi::OsStr>>(cwd: &Path, runs: &Path, args: &[S]) -> Command {
    let mut c = Command::new(bin());
    c.current_dir(cwd)
        .args(args)
        .arg("--runs-dir")
        .arg(runs)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// `saddle ARGS --runs-dir RUNS` in `cwd`, killed (and the test failed) after `secs`.
fn within(secs: u64, cwd: &Path, runs: &Path, args: &[&str]) -> Output {
    let mut child = command(cwd, runs, args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("saddle starts");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("saddle {args:?} did not finish within {secs} s (a hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// `saddle run PRESET` started in the background, its stderr piped and its stdout dropped.
fn spawn_run(cwd: &Path, runs: &Path, preset: &Path) -> std::process::Child {
    command(
        cwd,
        runs,
        &[Path::new("run").as_os_str(), preset.as_os_str()],
    )
    .stdout(Stdio::null())
    .spawn()
    .expect("saddle starts")
}

/// Asserts `o` was refused as bad input (exit 2) with `says` in its message.
fn refused(o: &Output, says: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(stderr(o).contains(says), "{}", stderr(o));
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The default preset's four runs on `game`, unpaced.
fn default_on(game: &str, steps: u64) -> String {
    format!(
        r#"Preset(name: "d", seed: 0, steps: {steps}, log_every: Some(5), checkpoint_every: Some(50),
    spectral_every: Some(50), game: {game},
    runs: [
        Run(name: "simultaneous", scheme: Simultaneous, eta: 0.2),
        Run(name: "alternating", scheme: Alternating(d_steps: 1), eta: 0.2),
        Run(name: "alternating β=-0.5", scheme: Alternating(d_steps: 1), rule: HeavyBall, eta: 0.2,
            beta: (theta: 0.0, phi: -0.5)),
        Run(name: "extragradient", scheme: Extragradient(), eta: 0.2),
    ])"#
    )
}

/// The steps of a run's metrics rows, in order.
fn logged_steps(dir: &RunDir) -> Vec<u64> {
    let t = MetricsTable::read(&dir.file(METRICS)).unwrap();
    t.rows.iter().map(|r| r[0].unwrap() as u64).collect()
}

fn events(dir: &RunDir) -> Vec<EventKind> {
    parse_events(&std::fs::read_to_string(dir.file(EVENTS)).unwrap())
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

/// Item 1: the alternating heavy-ball run on Bilinear(dim: 5) (and the other dimensions that
/// hung) — `spectrum`, `stability`, `run` and `resume` all finish.
#[test]
fn bilinear_games_that_hung_the_eigenvalue_code_finish_every_command() {
    let t = tmp();
    let runs = t.path().join("runs");
    for dim in [4, 5, 8, 9, 16, 30] {
        let p = preset(
            t.path(),
            &format!("b{dim}"),
            &default_on(&format!("Bilinear(dim: {dim})"), 300),
        );
        let p = p.to_str().unwrap();
        let out = ok(&within(60, t.path(), &runs, &["spectrum", p]));
        assert!(out.contains("alternating β=-0.5"), "{out}");
        let out = ok(&within(60, t.path(), &runs, &["stability", p]));
        assert!(out.contains("ρ < 1 on"), "{out}");
    }
    let p = t.path().join("b5.ron");
    let p = p.to_str().unwrap();
    ok(&within(60, t.path(), &runs, &["run", p, "--steps", "200"]));
    let hb = run_named(&runs, "-d-alternating-beta=-0.5");
    ok(&within(
        60,
        t.path(),
        &runs,
        &["resume", &hb.id(), "--steps", "300"],
    ));
    assert_eq!(logged_steps(&hb).last(), Some(&300));
    let spectra = std::fs::read_to_string(hb.file("spectrum.jsonl")).unwrap();
    assert_eq!(spectra.lines().count(), 7, "a record every 50 steps, 0…300");
}

/// Item 3: a large game runs (its dense analysis skipped with a note) instead of sitting at
/// step 0.
#[test]
fn a_large_game_skips_its_dense_analysis_with_a_note_and_runs() {
    let t = tmp();
    let runs = t.path().join("runs");
    let text = r#"Preset(name: "big", seed: 0, steps: 100, log_every: Some(10), spectral_every: Some(50),
        game: Bilinear(dim: 1100),
        runs: [Run(name: "alt-hb", scheme: Alternating(), rule: HeavyBall, eta: 0.2, beta: (theta: 0.0, phi: -0.5))])"#;
    let p = preset(t.path(), "big", text);
    ok(&within(120, t.path(), &runs, &["run", p.to_str().unwrap()]));
    let d = run_named(&runs, "-big-alt-hb");
    let spectra = std::fs::read_to_string(d.file("spectrum.jsonl")).unwrap();
    assert!(
        spectra.contains("dense analysis skipped: J has 2200 rows"),
        "{spectra}"
    );
    assert_eq!(logged_steps(&d).last(), Some(&100));
}

const SMALL: &str = r#"Preset(name: "s", seed: 1, steps: 200, log_every: Some(5), checkpoint_every: Some(50),
    game: Bilinear(dim: 2), stop: (converge_below: None, diverge_above: None),
    runs: [Run(name: "alt", scheme: Alternating(), rule: HeavyBall, eta: 0.1, beta: (theta: 0.0, phi: -0.5))])"#;

/// Item 4: a corrupt newest checkpoint is named and set aside; with none readable, resume
/// refuses (exit 2, the files named) unless --from-scratch; an unknown format version is named.
#[test]
fn unreadable_checkpoints_are_named_and_never_silently_replaced() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(t.path(), "s", SMALL);
    ok(&saddle(t.path(), &runs, &["run", p.to_str().unwrap()]));
    let d = run_named(&runs, "-s-alt");
    assert_eq!(d.checkpoint_steps(), [100, 150, 200]);
    std::fs::write(d.checkpoint_path(200), b"SADDLE-CK01\ngarbage").unwrap();
    let o = saddle(t.path(), &runs, &["resume", &d.id(), "--steps", "250"]);
    ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("warning") && err.contains("step-000000000200.ck"),
        "{err}"
    );
    assert!(events(&d).iter().any(
        |e| matches!(e, EventKind::Warning { message } if message.contains("step-000000000200.ck"))
    ));
    let steps = logged_steps(&d);
    assert_eq!(steps, (0..=250).step_by(5).collect::<Vec<u64>>());

    // Every checkpoint unreadable (one of them from a future format): refused, nothing changed.
    let before = std::fs::read(d.file(METRICS)).unwrap();
    let cks = d.checkpoint_steps();
    for s in &cks {
        std::fs::write(d.checkpoint_path(*s), b"SADDLE-CK01\n\x01\x02").unwrap();
    }
    std::fs::write(d.checkpoint_path(*cks.last().unwrap()), b"SADDLE-CK09\nxx").unwrap();
    let o = saddle(t.path(), &runs, &["resume", &d.id(), "--steps", "300"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("no readable checkpoint"), "{err}");
    assert!(err.contains("--from-scratch"), "{err}");
    assert!(err.contains("format version 9"), "{err}");
    assert_eq!(std::fs::read(d.file(METRICS)).unwrap(), before);

    // --from-scratch runs it again from step 0, saying so.
    let o = saddle(
        t.path(),
        &runs,
        &["resume", &d.id(), "--steps", "300", "--from-scratch"],
    );
    ok(&o);
    assert!(stderr(&o).contains("from step 0"), "{}", stderr(&o));
    assert_eq!(logged_steps(&d), (0..=300).step_by(5).collect::<Vec<u64>>());
}

/// The third trial as a new user: a checkpoint with one byte changed is caught by its
/// checksum; one copied in from another run under this run's newest name (another step inside)
/// or from another game is set aside, named, and the resume goes on from the newest that fits
/// with every row of an uninterrupted run — such files used to be read: rows were cut back to
/// the foreign step, or the run panicked and could never be resumed again.
#[test]
fn a_damaged_or_foreign_checkpoint_is_set_aside_and_no_row_is_lost() {
    let t = tmp();
    let runs = t.path().join("runs");
    let run = |name: &str, text: String| {
        let p = preset(t.path(), name, &text);
        ok(&saddle(t.path(), &runs, &["run", p.to_str().unwrap()]));
        run_named(&runs, &format!("-{name}-alt"))
    };
    let pristine = run("s", SMALL.to_string());
    let other_run = run(
        "o",
        SMALL
            .replace("\"s\"", "\"o\"")
            .replace("eta: 0.1", "eta: 0.05"),
    );
    let other_game = run(
        "g",
        SMALL.replace("\"s\"", "\"g\"").replace("dim: 2", "dim: 3"),
    );
    let reference = copy_run(&pristine, &runs, "reference");
    ok(&saddle(
        t.path(),
        &runs,
        &["resume", "reference", "--steps", "250"],
    ));
    let want = metrics_without_wall_time(&reference);
    let case = |name: &str, damage: &dyn Fn(&RunDir), why: &str| {
        let d = copy_run(&pristine, &runs, name);
        damage(&d);
        let o = saddle(t.path(), &runs, &["resume", name, "--steps", "250"]);
        ok(&o);
        let err = stderr(&o);
        assert!(
            err.contains("step-000000000200.ck") && err.contains(why),
            "{name}: {err}"
        );
        assert!(d
            .path
            .join("checkpoints/step-000000000200.ck.unreadable")
            .exists());
        assert_eq!(
            logged_steps(&d),
            (0..=250).step_by(5).collect::<Vec<u64>>(),
            "{name}"
        );
        assert_same_metrics(&metrics_without_wall_time(&d), &want, name);
    };
    case(
        "flipped",
        &|d| {
            let mut bytes = std::fs::read(d.checkpoint_path(200)).unwrap();
            let mid = bytes.len() / 2;
            bytes[mid] ^= 1;
            std::fs::write(d.checkpoint_path(200), &bytes).unwrap();
        },
        "checksum does not match",
    );
    case(
        "another-run",
        &|d| {
            std::fs::copy(other_run.checkpoint_path(100), d.checkpoint_path(200)).unwrap();
        },
        "not after step 200",
    );
    case(
        "another-game",
        &|d| {
            std::fs::copy(other_game.checkpoint_path(200), d.checkpoint_path(200)).unwrap();
        },
        "another game",
    );
    // What a kill while a checkpoint was written leaves: removed by the next resume, said.
    let d = copy_run(&pristine, &runs, "leftover");
    let tmp_ck = d.path.join("checkpoints/.step-000000000250.ck.tmp999999");
    std::fs::write(&tmp_ck, vec![0u8; 4096]).unwrap();
    let o = saddle(t.path(), &runs, &["resume", "leftover", "--steps", "250"]);
    ok(&o);
    assert!(!tmp_ck.exists());
    assert!(
        stderr(&o).contains("removed 1 temporary file(s)"),
        "{}",
        stderr(&o)
    );
    assert_same_metrics(&metrics_without_wall_time(&d), &want, "leftover");
    // A deleted newest checkpoint: the run's end proves it was written; the resume says it
    // goes back to the one before and simulates the steps again.
    let d = copy_run(&pristine, &runs, "deleted");
    std::fs::remove_file(d.checkpoint_path(200)).unwrap();
    let o = saddle(t.path(), &runs, &["resume", "deleted", "--steps", "250"]);
    ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("step-000000000200.ck is missing")
            && err.contains("resuming from the checkpoint at step 150, steps 151–200"),
        "{err}"
    );
    assert!(std::fs::read_to_string(d.path.join("events.jsonl"))
        .unwrap()
        .contains("is missing"));
    assert_same_metrics(&metrics_without_wall_time(&d), &want, "deleted");
}

/// A run killed after a checkpoint between two rows (log_every 7, a checkpoint at 150, the
/// last row at 147) resumes from that checkpoint without a word: no row was due after 147.
/// It used to warn that the rows end before the checkpoint and fall back to an older one.
#[test]
fn a_checkpoint_between_two_rows_is_resumed_from_without_a_fallback() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "s",
        &SMALL.replace("log_every: Some(5)", "log_every: Some(7)"),
    );
    ok(&saddle(t.path(), &runs, &["run", p.to_str().unwrap()]));
    let d = run_named(&runs, "-s-alt");
    let reference = copy_run(&d, &runs, "reference");
    ok(&saddle(
        t.path(),
        &runs,
        &["resume", "reference", "--steps", "250"],
    ));
    // What a kill between the checkpoint at 150 and the row at 154 leaves.
    std::fs::remove_file(d.checkpoint_path(200)).unwrap();
    let text = std::fs::read_to_string(d.file(METRICS)).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.split(',')
                .next()
                .unwrap()
                .parse::<u64>()
                .is_ok_and(|s| s <= 147)
                || l.starts_with("step")
        })
        .collect();
    std::fs::write(d.file(METRICS), kept.join("\n") + "\n").unwrap();
    let o = saddle(t.path(), &runs, &["resume", &d.id(), "--steps", "250"]);
    ok(&o);
    let err = stderr(&o);
    assert!(!err.contains("warning"), "{err}");
    assert!(events(&d).iter().any(|e| matches!(
        e,
        EventKind::Resumed {
            checkpoint: 150,
            ..
        }
    )));
    assert_same_metrics(
        &metrics_without_wall_time(&d),
        &metrics_without_wall_time(&reference),
        "resumed between rows",
    );
}

/// A dataset file cut short is refused before anything is made, for a run and for a sweep
/// (it used to pass the check, make the run directories, and fail in each run; a sweep's
/// members all ended "stalled" with no reason).
#[test]
fn a_dataset_cut_short_is_refused_before_runs_or_sweeps_are_made() {
    let t = tmp();
    let runs = t.path().join("runs");
    let px: Vec<u8> = (0..40 * 28 * 28).map(|i| (i % 251) as u8).collect();
    let preset = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/presets/fashion-mnist-negative-momentum.ron"
    );
    for name in ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"] {
        let data = t.path().join(format!("data-{name}"));
        std::fs::create_dir_all(&data).unwrap();
        let file = data.join(name);
        saddle::neural::data::idx::write_images(&file, 28, &px).unwrap();
        let whole = std::fs::read(&file).unwrap();
        std::fs::write(&file, &whole[..whole.len() - 100]).unwrap();
        let dir = format!("game.data_dir={:?}", data.to_str().unwrap());
        for cmd in ["run", "sweep"] {
            let o = within(
                60,
                t.path(),
                &runs,
                &[cmd, preset, "--steps", "2", "--set", &dir],
            );
            assert_eq!(o.status.code(), Some(2), "{name} {cmd}: {}", stderr(&o));
            assert!(
                stderr(&o).contains(name) && stderr(&o).contains("announces 40 images"),
                "{name} {cmd}: {}",
                stderr(&o)
            );
            assert!(
                !runs.exists() || std::fs::read_dir(&runs).unwrap().next().is_none(),
                "{name} {cmd}: something was made"
            );
        }
    }
}

/// A run whose directory is deleted under it stops at its next checkpoint, saying so, and
/// writes nothing more (it used to run to its end, recreating a directory of checkpoints and
/// a summary with no config and no rows, which `ls` then called broken).
#[test]
fn a_run_whose_directory_is_deleted_stops_and_makes_nothing() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "paced",
        r#"Preset(name: "paced", seed: 0, steps: 100000, pace: Some(2000), log_every: Some(10),
    checkpoint_every: Some(200), game: Bilinear(dim: 2), stop: (converge_below: None, diverge_above: None),
    runs: [Run(name: "a", scheme: Alternating(), eta: 0.05)])"#,
    );
    let child = spawn_run(t.path(), &runs, &p);
    wait_for(20.0, "a checkpoint after step 0", || {
        common::runs(&runs)
            .first()
            .is_some_and(|d| d.checkpoint_steps().len() > 1)
    });
    for d in common::runs(&runs) {
        // The run may write a file while the directory is emptied: remove again.
        let mut tries = 0;
        while let Err(e) = std::fs::remove_dir_all(&d.path) {
            tries += 1;
            assert!(
                tries < 100 && e.kind() == std::io::ErrorKind::DirectoryNotEmpty,
                "{e}"
            );
        }
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is gone while the run went on"),
        "{}",
        stderr(&o)
    );
    assert!(
        std::fs::read_dir(&runs).unwrap().next().is_none(),
        "something was made again"
    );
}

/// Item 5: a metrics row cut mid-line before resume: every step is present exactly once after.
#[test]
fn a_torn_last_metrics_row_is_repaired_on_resume() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(t.path(), "s", SMALL);
    ok(&saddle(t.path(), &runs, &["run", p.to_str().unwrap()]));
    let d = run_named(&runs, "-s-alt");
    let text = std::fs::read_to_string(d.file(METRICS)).unwrap();
    let cut = text.trim_end().rfind('\n').unwrap() + 8;
    std::fs::write(d.file(METRICS), &text[..cut]).unwrap();
    ok(&saddle(
        t.path(),
        &runs,
        &["resume", &d.id(), "--steps", "300"],
    ));
    assert_eq!(logged_steps(&d), (0..=300).step_by(5).collect::<Vec<u64>>());
}

/// Item 6: a non-finite value is refused at once, as a word is.
#[test]
fn control_set_refuses_nan_and_infinity_at_once() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(t.path(), "s", SMALL);
    ok(&saddle(t.path(), &runs, &["run", p.to_str().unwrap()]));
    let d = run_named(&runs, "-s-alt");
    for v in ["NaN", "inf", "-inf", "abc"] {
        let start = Instant::now();
        let o = saddle(
            t.path(),
            &runs,
            &["control", &d.id(), "set", &format!("eta={v}")],
        );
        assert_eq!(o.status.code(), Some(2), "{v}: {}", stderr(&o));
        assert!(stderr(&o).contains("not a finite number"), "{}", stderr(&o));
        assert!(start.elapsed() < Duration::from_secs(5), "{v}: waited");
    }
}

/// Item 7: an unwritable logs directory is refused before any run directory is made.
#[test]
fn an_unwritable_logs_dir_is_refused_before_anything_is_created() {
    let t = tmp();
    let runs = t.path().join("runs");
    let blocker = t.path().join("a-file");
    std::fs::write(&blocker, b"").unwrap();
    let logs = blocker.join("logs");
    let o = saddle(
        t.path(),
        &runs,
        &[
            "run",
            "default",
            "--detach",
            "--logs-dir",
            logs.to_str().unwrap(),
        ],
    );
    refused(&o, "--logs-dir");
    assert!(runs.read_dir().map_or(true, |mut d| d.next().is_none()));
    // The environment variable names the same place.
    let o = Command::new(bin())
        .current_dir(t.path())
        .args(["run", "default", "--detach", "--runs-dir"])
        .arg(&runs)
        .env("SADDLE_LOGS_DIR", &logs)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(runs.read_dir().map_or(true, |mut d| d.next().is_none()));
}

/// Item 8: runs without an operator are skipped with a note; the maps of the others print.
#[test]
fn stability_skips_adam_runs_with_a_note_and_prints_the_other_maps() {
    let t = tmp();
    let text = r#"Preset(name: "m", seed: 0, steps: 10, game: Bilinear(dim: 1),
        runs: [Run(name: "adam", scheme: Simultaneous, rule: Adam(), eta: 0.01, beta: 0.5),
               Run(name: "alt", scheme: Alternating(), eta: 0.1)])"#;
    let p = preset(t.path(), "m", text);
    let o = within(
        60,
        t.path(),
        &t.path().join("runs"),
        &["stability", p.to_str().unwrap()],
    );
    let out = ok(&o);
    assert!(out.contains("alternating+heavy-ball"), "{out}");
    assert!(stderr(&o).contains("\"adam\" uses Adam"), "{}", stderr(&o));
    // The MLP GAN of the issue: the maps of its linear methods print, its Adam run is named.
    let o = within(
        120,
        t.path(),
        &t.path().join("runs"),
        &["stability", "mlp-gan"],
    );
    let out = ok(&o);
    assert!(out.contains("extragradient+heavy-ball — β on"), "{out}");
    assert!(
        stderr(&o).contains("\"extra-adam\" uses Adam"),
        "{}",
        stderr(&o)
    );
}

/// A short `--budget` computes what it can and prints the rest as `?` (it skipped whole maps
/// by their total estimate); `--budget 0` is refused; ρ just below 1 never prints as 1.0000.
#[test]
fn a_short_stability_budget_leaves_question_marks_not_skipped_maps() {
    let t = tmp();
    let text = r#"Preset(name: "b", seed: 0, steps: 10,
        game: Quadratic(dim: 50, mix: 0.9, mu: 0.1, ell: 1.0),
        runs: [Run(name: "eg", scheme: Extragradient(), eta: 0.3)])"#;
    let p = preset(t.path(), "b", text);
    let runs = t.path().join("runs");
    let args = |budget: &'static str| {
        vec![
            "stability",
            p.to_str().unwrap(),
            "--beta=-0.9:0.9:60",
            "--eta",
            "0.05:1.0:60",
            "--budget",
            budget,
        ]
    };
    let o = within(60, t.path(), &runs, &args("2"));
    let out = ok(&o);
    assert!(!stderr(&o).contains("skipped"), "{}", stderr(&o));
    let cells: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .flat_map(|l| l.split_whitespace().skip(1))
        .collect();
    assert_eq!(cells.len(), 3600, "{out}");
    assert!(
        cells.iter().any(|c| *c != "?"),
        "some cells within the budget"
    );
    assert!(
        cells.contains(&"?"),
        "2 s leave cells of a 60×60 map at dim 50"
    );
    assert!(cells.iter().all(|c| !c.starts_with("1.")), "{out}");
    let o = within(60, t.path(), &runs, &args("0"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'--budget <BUDGET>': at least 1 second"));
    // A budget past the clock's range panicked adding it to the start instant.
    let o = within(60, t.path(), &runs, &args("18446744073709551615"));
    refused(&o, "at most 31536000 seconds");
}

/// Runs saddle with `args` in `dir`, sends it SIGINT after 1.5 s (well inside the work: the
/// preset or run is read and J built in milliseconds), and checks that it stopped within 20 s
/// with exit 1 and nothing on stdout. Returns its stderr.
fn interrupted(dir: &Path, args: &[&str]) -> String {
    let child = command(dir, &dir.join("runs"), args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("saddle starts");
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: kill only sends a signal to the child started above.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let t0 = Instant::now();
    let o = child.wait_with_output().unwrap();
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    err
}

/// Ctrl-C during a long stability grid stops it within seconds, says on one line that it was
/// interrupted and that nothing was printed or written, exit 1 (it died of the signal: the
/// shell's 130, no message), and leaves no `--csv` file, finished or not.
#[test]
fn ctrl_c_stops_a_stability_grid_with_nothing_printed_or_written() {
    let t = tmp();
    // Each cell a dense eigen-solve of a few hundred rows: the 40×40 grid takes minutes.
    let text = r#"Preset(name: "big", seed: 0, steps: 10,
        game: Quadratic(dim: 100, mix: 0.9, mu: 0.1, ell: 1.0),
        runs: [Run(name: "eg", scheme: Extragradient(), eta: 0.3)])"#;
    let p = preset(t.path(), "big", text);
    let csv = t.path().join("map.csv");
    let err = interrupted(
        t.path(),
        &[
            "stability",
            p.to_str().unwrap(),
            "--beta=-0.9:0.9:40",
            "--eta",
            "0.05:1.0:40",
            "--budget",
            "3600",
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    assert_eq!(
        err,
        format!(
            "saddle: interrupted before the stability maps were done: nothing was printed, and {} was not written\n",
            csv.display()
        )
    );
    let left: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("big.ron")], "{left:?}");
}

/// A finished run of a 30-dimensional quadratic game under extragradient: its stability map
/// has 120-row update operators (some milliseconds a cell). Returns the run's directory.
fn quadratic_eg_run(dir: &Path) -> String {
    let text = r#"Preset(name: "q", seed: 0, steps: 10,
        game: Quadratic(dim: 30, mix: 0.9, mu: 0.1, ell: 1.0),
        runs: [Run(name: "eg", scheme: Extragradient(), eta: 0.1)])"#;
    let p = preset(dir, "q", text);
    let runs_dir = dir.join("runs");
    ok(&saddle(dir, &runs_dir, &["run", p.to_str().unwrap()]));
    run_named(&runs_dir, "eg")
        .path
        .to_str()
        .unwrap()
        .to_string()
}

/// Ctrl-C during `plot --figure stability` stops it within seconds, says on one line that it
/// was interrupted and that the figure was not written, exit 1, and leaves no figure file (it
/// died of the signal: the shell's 130, no message).
#[test]
fn ctrl_c_stops_a_stability_figure_with_no_figure_written() {
    let t = tmp();
    let run = quadratic_eg_run(t.path());
    let fig = t.path().join("fig.svg");
    let err = interrupted(
        t.path(),
        &[
            "plot",
            &run,
            "--figure",
            "stability",
            "--beta=-0.9:0.9:100",
            "--eta",
            "0.05:1:100",
            "--budget",
            "3600",
            "-o",
            fig.to_str().unwrap(),
        ],
    );
    assert_eq!(
        err,
        format!(
            "saddle: interrupted before the stability maps were done: {} was not written\n",
            fig.display()
        )
    );
    assert!(!fig.exists());
}

/// A stability figure whose cells each fit the budget is drawn, the cells the budget leaves
/// blank (it split its budget across the 10 000 cells and skipped the map, "an estimated 0.0 s
/// per cell"), as `saddle stability` attempts a map when one cell fits.
#[test]
fn a_short_stability_figure_budget_leaves_blank_cells_not_a_skipped_map() {
    let t = tmp();
    let run = quadratic_eg_run(t.path());
    let fig = t.path().join("fig.svg");
    let o = saddle(
        t.path(),
        &t.path().join("runs"),
        &[
            "plot",
            &run,
            "--figure",
            "stability",
            "--beta=-0.9:0.9:100",
            "--eta",
            "0.05:1:100",
            "--budget",
            "1",
            "-o",
            fig.to_str().unwrap(),
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("skipped"), "{err}");
    assert!(fig.exists());
}

/// Item 9: converged, diverged and finished runs are refused alike, and nothing moves.
#[test]
fn resume_refuses_runs_that_ended_with_a_result() {
    let t = tmp();
    let runs = t.path().join("runs");
    let text = r#"Preset(name: "e", seed: 0, steps: 5000, log_every: Some(10),
        game: Bilinear(dim: 1, start: Point(theta: [1.0], phi: [1.0])),
        stop: (converge_below: Some(1e-3), diverge_above: Some(1e3)),
        runs: [Run(name: "eg", scheme: Extragradient(), eta: 0.3),
               Run(name: "sim", scheme: Simultaneous, eta: 0.5),
               Run(name: "alt", scheme: Alternating(), eta: 0.1, steps: Some(50))])"#;
    let p = preset(t.path(), "e", text);
    ok(&saddle(t.path(), &runs, &["run", p.to_str().unwrap()]));
    for (name, word) in [
        ("eg", "converged"),
        ("sim", "diverged"),
        ("alt", "finished"),
    ] {
        let d = run_named(&runs, &format!("-e-{name}"));
        let before = std::fs::read(d.file(METRICS)).unwrap();
        for _ in 0..2 {
            let o = saddle(t.path(), &runs, &["resume", &d.id()]);
            assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
            assert!(stderr(&o).contains(&format!("{word}; nothing to resume")));
        }
        assert_eq!(std::fs::read(d.file(METRICS)).unwrap(), before, "{name}");
    }
}

/// Item 10: run ids keep the minus sign, so β = −0.5 and β = 0.5 do not collide.
#[test]
fn run_ids_keep_the_sign() {
    let t = tmp();
    let dir = t.path().join("runs");
    let text = r#"Preset(name: "sign", seed: 0, steps: 10, game: Bilinear(dim: 1),
        runs: [Run(name: "sim β=-0.5", scheme: Simultaneous, rule: HeavyBall, eta: 0.1, beta: -0.5),
               Run(name: "sim β=0.5", scheme: Simultaneous, rule: HeavyBall, eta: 0.1, beta: 0.5)])"#;
    let p = preset(t.path(), "sign", text);
    ok(&saddle(t.path(), &dir, &["run", p.to_str().unwrap()]));
    let ids: Vec<String> = runs(&dir).iter().map(|d| d.id()).collect();
    assert!(
        ids.iter().any(|i| i.ends_with("-sign-sim-beta=-0.5")),
        "{ids:?}"
    );
    assert!(
        ids.iter().any(|i| i.ends_with("-sign-sim-beta=0.5")),
        "{ids:?}"
    );
}

/// Item 12: `spectrum RUN` of a network run takes J at its newest checkpoint; a clipped game's
/// report says the constraint is active.
#[test]
fn spectrum_of_a_run_uses_its_checkpoint_and_notes_an_active_constraint() {
    let t = tmp();
    let runs = t.path().join("runs");
    let text = r#"Preset(name: "n", seed: 0, steps: 20, log_every: Some(10), checkpoint_every: Some(10),
        game: MlpGan(hidden: 8, samples: 64, modes: 4),
        runs: [Run(name: "sim", scheme: Simultaneous, eta: 0.05)])"#;
    let p = preset(t.path(), "n", text);
    ok(&saddle(t.path(), &runs, &["run", p.to_str().unwrap()]));
    let d = run_named(&runs, "-n-sim");
    let out = ok(&within(120, t.path(), &runs, &["spectrum", &d.id()]));
    assert!(out.contains("step 20"), "{out}");
    assert!(!out.contains(" start "), "{out}");

    let clipped = r#"Preset(name: "c", seed: 0, steps: 10, game: Bilinear(dim: 1,
            constraint: Some((theta: Free, phi: Box(lo: -1.0, hi: 1.0))), start: Point(theta: [2.0], phi: [1.0])),
        runs: [Run(name: "sim", scheme: Simultaneous, eta: 0.1)])"#;
    let p = preset(t.path(), "c", clipped);
    let out = ok(&within(
        60,
        t.path(),
        &runs,
        &["spectrum", p.to_str().unwrap(), "--json"],
    ));
    assert!(out.contains("constrained"), "{out}");

    // The same box with a linear term that puts the unconstrained equilibrium outside it:
    // J is taken at the start, where phi = 1 sits on the box's face, and the note says so.
    let active = r#"Preset(name: "a", seed: 0, steps: 10, game: Bilinear(dim: 1,
            linear: Explicit(a: [3.0], b: [0.0]),
            constraint: Some((theta: Free, phi: Box(lo: -1.0, hi: 1.0))), start: Point(theta: [2.0], phi: [1.0])),
        runs: [Run(name: "sim", scheme: Simultaneous, eta: 0.1)])"#;
    let p = preset(t.path(), "a", active);
    let out = ok(&within(
        60,
        t.path(),
        &runs,
        &["spectrum", p.to_str().unwrap()],
    ));
    assert!(
        out.contains(
            "the constraint is active at this point (phi on the boundary of the box [-1, 1])"
        ),
        "{out}"
    );
    assert!(out.contains("may not describe the run"), "{out}");
}

/// Headless progress, piped: a line at once, then lines with the pace and the time left at
/// three significant digits; no terminal escapes.
#[test]
fn piped_progress_says_the_pace_and_the_time_left() {
    let t = tmp();
    let runs = t.path().join("runs");
    let text = r#"Preset(name: "pace", seed: 0, steps: 1300, pace: Some(200), log_every: Some(10),
        game: Bilinear(dim: 1), stop: (converge_below: None, diverge_above: None),
        runs: [Run(name: "alt", scheme: Alternating(), eta: 0.1)])"#;
    let p = preset(t.path(), "pace", text);
    let o = within(60, t.path(), &runs, &["run", p.to_str().unwrap()]);
    ok(&o);
    let err = stderr(&o);
    assert!(!err.contains('\x1b'), "{err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("[alt] step "))
        .collect();
    assert!(lines[0].starts_with("[alt] step 0/1300 0%"), "{err}");
    let later = lines
        .iter()
        .find(|l| l.contains("steps/s"))
        .unwrap_or_else(|| panic!("no pace in {err}"));
    assert!(later.contains(" · ETA "), "{later}");
    // About 200 steps/s (the pace): three significant digits, no more.
    let rate: &str = later
        .split(" · ")
        .find(|c| c.ends_with("steps/s"))
        .unwrap()
        .trim_end_matches(" steps/s");
    assert!(rate.len() <= 4 && !rate.contains('.'), "{later}");
    let r: f64 = rate.parse().unwrap();
    assert!((100.0..=210.0).contains(&r), "{later}");
    assert!(err.contains("[alt] finished (1300 steps"), "{err}");
}

/// `saddle ls`: aligned columns, rounded distances; a run directory copied in by hand under
/// any name is listed, and resumes by that name.
#[test]
fn ls_aligns_its_columns_and_a_copied_run_resumes_by_its_listed_id() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(t.path(), "s", SMALL);
    ok(&saddle(
        t.path(),
        &runs,
        &["run", p.to_str().unwrap(), "--steps", "100"],
    ));
    let d = run_named(&runs, "-s-alt");
    let copy = runs.join("Copy of alt");
    let o = Command::new("cp")
        .arg("-r")
        .arg(&d.path)
        .arg(&copy)
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = ok(&saddle(t.path(), &runs, &["ls"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines.iter().any(|l| l.starts_with("Copy of alt  ")),
        "{out}"
    );
    let col = |l: &str| l.find("finished").or_else(|| l.find("STATUS"));
    assert!(
        lines.iter().all(|l| col(l) == col(lines[0])),
        "STATUS not aligned:\n{out}"
    );
    for l in &lines[1..] {
        let dist = l.split_whitespace().last().unwrap();
        let v: f64 = dist.parse().unwrap_or_else(|_| panic!("{l}"));
        assert!(v > 0.0 && dist.len() <= 8, "not rounded: {l}");
    }
    ok(&saddle(
        t.path(),
        &runs,
        &["resume", "Copy of alt", "--steps", "150"],
    ));
    let copied = RunDir { path: copy };
    assert_eq!(logged_steps(&copied).last(), Some(&150));
    assert_eq!(
        logged_steps(&d).last(),
        Some(&100),
        "the original is untouched"
    );
}

/// Item 3: `Bilinear(dim: 20000)` (a 3.2 GB matrix) once aborted on its allocation with a
/// backtrace. Under a limit the machine's free memory does not show — here an address-space
/// limit of 2 GiB, as `ulimit -v` or a job's cgroup sets one — it is refused with the estimate
/// and the limit named, exit 2, before any run directory exists.
#[test]
fn a_game_beyond_the_process_memory_limit_is_refused_with_the_estimate() {
    use std::os::unix::process::CommandExt;
    let t = tmp();
    let runs = t.path().join("runs");
    let mut cmd = Command::new(bin());
    cmd.current_dir(t.path())
        .args([
            "run",
            "default",
            "--set",
            "game=Bilinear(dim: 20000)",
            "--steps",
            "1",
        ])
        .arg("--runs-dir")
        .arg(&runs);
    // SAFETY: only setrlimit between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 2 << 30,
                rlim_max: 2 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    let o = cmd.output().expect("saddle starts");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("dim = 20000 (its dense matrix A) needs at least 3.0 GiB, more than the")
            && err.contains("ulimit -v"),
        "{err}"
    );
    assert!(
        !err.contains("backtrace") && !err.contains("memory allocation"),
        "{err}"
    );
    assert!(!runs.exists() || std::fs::read_dir(&runs).unwrap().next().is_none());
}

/// A copy of run `d` under `runs` named `name`, for damaging one file of it.
fn copy_run(d: &RunDir, runs: &Path, name: &str) -> RunDir {
    let to = runs.join(name);
    let o = Command::new("cp")
        .arg("-r")
        .arg(&d.path)
        .arg(&to)
        .output()
        .unwrap();
    assert!(o.status.success(), "cp: {o:?}");
    RunDir { path: to }
}

/// The second trial as a new user: damage to one file of a run directory is named with its
/// file (and line), exit 2, and nothing is lost — no metrics rewritten from step 0 because the
/// checkpoints went missing or a middle row is garbage, no parameter change dropped because an
/// event line is damaged, no run left out of `ls` or shown as never started without a word.
#[test]
fn damaged_run_files_are_named_and_nothing_is_lost() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(t.path(), "s", SMALL);
    ok(&saddle(t.path(), &runs, &["run", p.to_str().unwrap()]));
    let d = run_named(&runs, "-s-alt");
    let refused = |args: &[&str], says: &str| {
        let o = saddle(t.path(), &runs, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    };

    // The checkpoints deleted: refused with the metrics kept; --from-scratch makes them again.
    let a = copy_run(&d, &runs, "no-checkpoints");
    std::fs::remove_dir_all(a.path.join("checkpoints")).unwrap();
    let before = std::fs::read(a.file(METRICS)).unwrap();
    refused(
        &["resume", "no-checkpoints", "--steps", "250"],
        "has no checkpoint",
    );
    assert_eq!(std::fs::read(a.file(METRICS)).unwrap(), before);
    ok(&saddle(
        t.path(),
        &runs,
        &[
            "resume",
            "no-checkpoints",
            "--steps",
            "250",
            "--from-scratch",
        ],
    ));
    assert_eq!(logged_steps(&a), (0..=250).step_by(5).collect::<Vec<u64>>());
    assert_eq!(a.checkpoint_steps(), [150, 200, 250]);

    // A garbage row in the middle of the metrics: every reader names its line.
    let b = copy_run(&d, &runs, "garbage-row");
    let text = std::fs::read_to_string(b.file(METRICS)).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[4] = "garbage,line,here";
    std::fs::write(b.file(METRICS), lines.join("\n") + "\n").unwrap();
    let damaged = std::fs::read(b.file(METRICS)).unwrap();
    for args in [
        &["resume", "garbage-row", "--steps", "250"][..],
        &["export", "garbage-row", "--format", "csv"],
    ] {
        refused(args, "metrics.csv:5: 3 cells");
    }
    assert_eq!(std::fs::read(b.file(METRICS)).unwrap(), damaged);

    // A damaged line in the event log: resume, replay and fork refuse, nothing is created.
    let c = copy_run(&d, &runs, "damaged-event");
    let text = std::fs::read_to_string(c.file(EVENTS)).unwrap();
    std::fs::write(
        c.file(EVENTS),
        format!("{{\"step\":3,\"event\":\"set\"\n{text}"),
    )
    .unwrap();
    let count = runs.read_dir().unwrap().count();
    for args in [
        &["resume", "damaged-event", "--steps", "250"][..],
        &["replay", "damaged-event"],
        &["fork", "damaged-event", "--at", "100"],
    ] {
        refused(args, "events.jsonl:1: not a record");
    }
    assert_eq!(runs.read_dir().unwrap().count(), count);

    // A lost config, a damaged summary, damaged provenance: named, not silently left out.
    let e = copy_run(&d, &runs, "no-config");
    std::fs::remove_file(e.file("config.ron")).unwrap();
    let f = copy_run(&d, &runs, "bad-summary");
    std::fs::write(f.file("summary.json"), "{\"status\":").unwrap();
    let g = copy_run(&d, &runs, "bad-provenance");
    std::fs::write(g.file("provenance.jsonl"), "{bad\n").unwrap();
    let o = saddle(t.path(), &runs, &["ls"]);
    let (out, err) = (ok(&o), stderr(&o));
    assert!(
        err.contains("no-config has a run's files but no config.ron"),
        "{err}"
    );
    assert!(
        err.contains("bad-summary/summary.json: not a run summary"),
        "{err}"
    );
    let line = out.lines().find(|l| l.starts_with("bad-summary")).unwrap();
    assert!(line.contains("damaged"), "{line}");
    let show = ok(&saddle(t.path(), &runs, &["show", "bad-provenance"]));
    assert!(
        show.contains("provenance.jsonl: line 1 is not a provenance record"),
        "{show}"
    );
}

/// A preset saved with a byte-order mark runs; one with a byte that is not UTF-8 is refused
/// at its line and column, exit 2.
#[test]
fn preset_files_are_utf8_with_or_without_a_byte_order_mark() {
    let t = tmp();
    let runs = t.path().join("runs");
    let bom = t.path().join("bom.ron");
    std::fs::write(
        &bom,
        [b"\xEF\xBB\xBF".as_slice(), SMALL.as_bytes()].concat(),
    )
    .unwrap();
    ok(&saddle(
        t.path(),
        &runs,
        &["run", bom.to_str().unwrap(), "--steps", "10"],
    ));
    let bad = t.path().join("bad.ron");
    std::fs::write(&bad, [b"// \xFF\n".as_slice(), SMALL.as_bytes()].concat()).unwrap();
    let o = saddle(t.path(), &runs, &["run", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.ron:1:4: byte 0xFF is not UTF-8"),
        "{}",
        stderr(&o)
    );
}

/// The reader of the progress lines going away (`saddle run … | head -1`) ends the runs as a
/// signal does — checkpointed, `interrupted`, resumable — instead of killing them mid-step.
#[test]
fn a_closed_output_pipe_interrupts_runs_resumably() {
    use std::io::BufRead;
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "paced",
        r#"Preset(name: "paced", seed: 0, steps: 100000, pace: Some(2000), log_every: Some(10),
    game: Bilinear(dim: 1), stop: (converge_below: None, diverge_above: None),
    runs: [Run(name: "a", scheme: Alternating(), eta: 0.1), Run(name: "b", scheme: Extragradient(), eta: 0.1)])"#,
    );
    let mut child = spawn_run(t.path(), &runs, &p);
    let mut first = String::new();
    std::io::BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The read end is closed here: the next progress line (piped: every 5 s) raises SIGPIPE.
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "still running");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        status.code(),
        Some(1),
        "interrupted runs exit 1: {status:?}"
    );
    for d in common::runs(&runs) {
        let s = d.read("summary.json").unwrap();
        assert!(s.contains("\"interrupted\""), "{}: {s}", d.id());
        assert!(!d.checkpoint_steps().is_empty());
        // A little past where it was interrupted (the pipe closes up to 5 s in: thousands of
        // steps; a total at or below them is refused).
        let to = (logged_steps(&d).last().unwrap() + 20).to_string();
        ok(&saddle(
            t.path(),
            &runs,
            &["resume", &d.id(), "--steps", &to],
        ));
    }
}

/// A dense game of a few thousand dimensions takes seconds to build (random orthogonal factors,
/// ω* by LU: 4 s for `Bilinear(dim: 1500)` on a 2-core AMD EPYC): the console says so when
/// opening takes over a second, and how long it took, instead of a silent wait; a game that
/// builds at once says nothing of it.
#[test]
fn a_slow_game_build_is_said_and_a_quick_one_is_not() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "big",
        r#"Preset(name: "big", steps: 1,
    game: Bilinear(dim: 1500, matrix: SingularRange(max: 1.0, min: 0.1)),
    runs: [Run(name: "simultaneous", scheme: Simultaneous, eta: 0.05)])"#,
    );
    let o = within(120, t.path(), &runs, &["run", p.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let opening = err
        .find("[simultaneous] opening the run: building the game (Bilinear) …")
        .unwrap_or_else(|| panic!("{err}"));
    let opened = err.find("[simultaneous] opened in ").expect(&err);
    let first = err.find("[simultaneous] step 0/1").expect(&err);
    assert!(opening < opened && opened < first, "{err}");

    let o = within(60, t.path(), &runs, &["run", "default", "--steps", "1"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("opening the run"), "{err}");
}

/// Ctrl-C while a preset's run directories are made removes the ones made (they were left
/// `created`, one without its config, which `ls` then warned about), exit 1, saying so.
#[test]
fn ctrl_c_while_runs_are_made_keeps_none_of_them() {
    let t = tmp();
    let runs = t.path().join("runs");
    let many: Vec<String> = (0..3000)
        .map(|i| format!("Run(name: \"r{i}\", scheme: Simultaneous, eta: 0.01)"))
        .collect();
    let p = t.path().join("many.ron");
    std::fs::write(
        &p,
        format!(
            "Preset(name: \"many\", steps: 100000000, game: Bilinear(dim: 1), runs: [{}])",
            many.join(", ")
        ),
    )
    .unwrap();
    let child = Command::new(bin())
        .current_dir(t.path())
        .args(["run", p.to_str().unwrap(), "--runs-dir"])
        .arg(&runs)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    // Some made (each is synced to disk: milliseconds), far from all.
    while std::fs::read_dir(&runs).map_or(0, |d| d.count()) < 20 {
        assert!(t0.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kill only sends a signal to the child started above.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("interrupted before the runs started: the ")
            && err.contains("run directories made so far were removed"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(&runs).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Why a run failed is said on the console where it ended and by `show`, not only inside its
/// summary.json (a CGD solve over its time budget said only "failed at step 1").
#[test]
fn a_failed_run_says_why_on_the_console_and_in_show() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "cgd",
        r#"Preset(name: "cgd", steps: 20, game: Bilinear(dim: 4),
    runs: [Run(name: "CGD", scheme: Cgd(time_budget: 1e-9), eta: 0.5)])"#,
    );
    let o = within(60, t.path(), &runs, &["run", p.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("[CGD] failed at step 1")
            && err.contains("[CGD] CGD: a conjugate-gradient solve took"),
        "{err}"
    );
    let id = only_run(&runs);
    let o = within(60, t.path(), &runs, &["show", &id]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("failed at step 1 of 20") && out.contains("over its time budget"),
        "{out}"
    );
}

/// A fork must take a step past its branch (else its --set never applies: it ended
/// 'finished' at once), and --steps is checked before its directory is made (a refused
/// --steps 0 left a fork stuck at 'created').
#[test]
fn a_fork_that_never_passes_its_branch_is_refused_before_anything_is_made() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "one",
        r#"Preset(name: "one", steps: 50, log_every: Some(10), game: Bilinear(dim: 2),
    runs: [Run(name: "sim", scheme: Simultaneous, eta: 0.05)])"#,
    );
    let o = within(60, t.path(), &runs, &["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let id = only_run(&runs);
    for (args, want) in [
        (
            &[
                "fork", &id, "--at", "30", "--steps", "0", "--set", "eta=0.1",
            ][..],
            "--steps 0: must be more than --at 30",
        ),
        (
            &[
                "fork", &id, "--at", "30", "--steps", "30", "--set", "eta=0.1",
            ],
            "--steps 30: must be more than --at 30",
        ),
        (
            &["fork", &id, "--at", "50", "--set", "eta=0.1"],
            "ends at step 50, so the fork would too",
        ),
    ] {
        let o = within(60, t.path(), &runs, args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(
            runs.read_dir().unwrap().count(),
            1,
            "{args:?} made a directory"
        );
    }
    let o = within(
        60,
        t.path(),
        &runs,
        &[
            "fork", &id, "--at", "30", "--steps", "60", "--set", "eta=0.1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("finished (60 steps"), "{}", stderr(&o));
}

/// Output files never replace a run's or a sweep's own files (an export over `config.ron` left
/// a run that no longer opened), and output paths that cannot be written are refused before
/// the work, exit 2 (scores computed for minutes were lost to a typo in --save-stats).
#[test]
fn outputs_never_replace_a_runs_files_and_bad_output_paths_are_refused_first() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "q",
        r#"Preset(name: "q", steps: 20, log_every: Some(5), checkpoint_every: Some(10),
    game: Bilinear(dim: 2),
    runs: [Run(name: "a,b \"q\"", scheme: Simultaneous, eta: 0.05)])"#,
    );
    let o = within(60, t.path(), &runs, &["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let id = only_run(&runs);
    let d = runs.join(&id);
    let config = std::fs::read(d.join("config.ron")).unwrap();
    let metrics = std::fs::read(d.join("metrics.csv")).unwrap();
    let path = |f: &str| d.join(f).to_str().unwrap().to_string();
    let missing = t.path().join("missing/x.npz");
    let missing = missing.to_str().unwrap();
    let imgs = t.path().join("imgs");
    std::fs::create_dir_all(&imgs).unwrap();
    let imgs = imgs.to_str().unwrap();
    // A link to a run's config is the config.
    let link = t.path().join("link.ron");
    std::os::unix::fs::symlink(d.join("config.ron"), &link).unwrap();
    let link = link.to_str().unwrap().to_string();
    for (args, want) in [
        (
            vec!["export", &id, "--format", "json", "-o", &path("config.ron")],
            "that is one of the files of run directory",
        ),
        (
            vec!["export", &id, "-o", &path("metrics.csv")],
            "that is one of the files of run directory",
        ),
        (
            vec!["export", &id, "-o", &path("scores.jsonl")],
            "that is one of the files of run directory",
        ),
        (
            vec!["export", &id, "-o", &link],
            "that is one of the files of run directory",
        ),
        (
            vec![
                "plot",
                &id,
                "--figure",
                "curves",
                "-o",
                &path("checkpoints/x.png"),
            ],
            "(its checkpoints folder)",
        ),
        (
            vec!["score", "--images", imgs, "--save-stats", missing],
            "--save-stats",
        ),
        (
            vec!["score", "--images", imgs, "--save-features", missing],
            "--save-features",
        ),
        (
            vec![
                "export",
                &id,
                "--format",
                "tensorboard",
                "--out",
                p.to_str().unwrap(),
            ],
            "a file, not a directory",
        ),
    ] {
        let o = within(60, t.path(), &runs, &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read(d.join("config.ron")).unwrap(), config);
    assert_eq!(std::fs::read(d.join("metrics.csv")).unwrap(), metrics);
    // An export beside them is fine.
    let o = within(
        60,
        t.path(),
        &runs,
        &[
            "export",
            &id,
            "--format",
            "json",
            "-o",
            &path("export.json"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // The stability table's run names are CSV fields: quoted where they hold , or ".
    let csv = t.path().join("m.csv");
    let map_into = |out: &std::path::Path| {
        let (beta, eta) = ("--beta=-0.5:0:2", "--eta=0.1:0.2:2");
        let args = [
            "stability",
            p.to_str().unwrap(),
            beta,
            eta,
            "--csv",
            out.to_str().unwrap(),
        ];
        within(60, t.path(), &runs, &args)
    };
    let o = map_into(&csv);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(row.starts_with("\"a,b \"\"q\"\"\","), "{text}");
    // The map never replaces the preset it was computed from.
    let before = std::fs::read(&p).unwrap();
    let o = map_into(&p);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("which this command reads"), "{err}");
    assert_eq!(std::fs::read(&p).unwrap(), before);
}

/// A diverged step stays in a JSON export: NaN and ±∞ are strings JSON can hold (they used
/// to be left out, which read as "not measured"); a config this saddle cannot read is named
/// and exported as its text (it was silently null).
#[test]
fn a_json_export_keeps_non_finite_metrics_and_names_a_damaged_config() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "d",
        r#"Preset(name: "d", steps: 20, log_every: Some(1), game: Bilinear(dim: 2),
    stop: (converge_below: None, diverge_above: None),
    runs: [Run(name: "sim", scheme: Simultaneous, eta: 1e30)])"#,
    );
    let o = within(60, t.path(), &runs, &["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let id = only_run(&runs);
    let o = within(60, t.path(), &runs, &["export", &id, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let last = doc["metrics"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["loss_theta"], "NaN", "{last}");
    assert_eq!(last["field_norm"], "Infinity", "{last}");
    assert!(last["step"].as_u64().unwrap() > 0, "{last}");
    // The summary keeps them too (it held null, as if they were never measured), and `ls`
    // shows them.
    let summary = &doc["summary"]["metrics"];
    assert_eq!(summary["field_norm"], "Infinity", "{summary}");
    let file = std::fs::read_to_string(runs.join(&id).join("summary.json")).unwrap();
    assert!(file.contains(r#""field_norm": "Infinity""#), "{file}");
    let o = within(60, t.path(), &runs, &["ls"]);
    let listed = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        listed.lines().nth(1).unwrap().trim_end().ends_with("inf"),
        "{listed}"
    );
    // Counts are integers, as in the CSV.
    let first = &doc["metrics"][0];
    assert_eq!(first["step"].to_string(), "0", "{first}");
    assert!(first["oracle_calls"].is_u64(), "{first}");
    std::fs::write(runs.join(&id).join("config.ron"), "Run(").unwrap();
    let o = within(60, t.path(), &runs, &["export", &id, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning") && stderr(&o).contains("config.ron"),
        "{}",
        stderr(&o)
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["config"], "Run(");
}

/// A run's metrics table empty or missing is the run directory's state (exit 2, named) for
/// every reader, not a failure (export said exit 1); `spectrum RUN` needs the table only for
/// the measured rate and says so; `spectrum RUN --set` says --set is for presets.
#[test]
fn a_missing_or_empty_metrics_table_is_bad_input_everywhere() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "m",
        r#"Preset(name: "m", steps: 20, log_every: Some(5), game: Bilinear(dim: 2),
    runs: [Run(name: "sim", scheme: Simultaneous, eta: 0.05)])"#,
    );
    let o = within(60, t.path(), &runs, &["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let id = only_run(&runs);
    let metrics = runs.join(&id).join("metrics.csv");
    std::fs::write(&metrics, "").unwrap();
    for fmt in ["csv", "json"] {
        let o = within(60, t.path(), &runs, &["export", &id, "--format", fmt]);
        refused(&o, "metrics table has no header row");
    }
    // A run that died between creating its table and writing the header still resumes (the
    // table is written again from its checkpoint's start).
    let o = within(60, t.path(), &runs, &["resume", &id, "--steps", "30"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        logged_steps(&RunDir {
            path: runs.join(&id)
        })
        .last(),
        Some(&30)
    );
    std::fs::write(&metrics, "").unwrap();
    std::fs::remove_file(&metrics).unwrap();
    let o = within(60, t.path(), &runs, &["export", &id]);
    refused(&o, "metrics.csv: no metrics table");
    let o = within(60, t.path(), &runs, &["spectrum", &id]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no metrics table, so no measured rate"),
        "{}",
        stderr(&o)
    );
    let o = within(60, t.path(), &runs, &["spectrum", &id, "--set", "eta=0.1"]);
    refused(&o, "--set changes a preset;");
}

/// A fork at a step whose newest checkpoint is off the logging grid starts from the newest
/// checkpoint with a logged row (it warned 'running again from step 0' and re-simulated the
/// whole run), and ends exactly where the warned one did.
#[test]
fn a_fork_past_an_off_grid_checkpoint_starts_from_one_its_rows_reach() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "p",
        r#"Preset(name: "p", steps: 50, log_every: Some(10), checkpoint_every: Some(15),
    game: Bilinear(dim: 2), runs: [Run(name: "sim", scheme: Simultaneous, eta: 0.05)])"#,
    );
    let o = within(60, t.path(), &runs, &["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let id = only_run(&runs);
    let o = within(
        60,
        t.path(),
        &runs,
        &["fork", &id, "--at", "47", "--set", "eta=0.1"],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("warning"), "{err}");
    // Its id has its own time stamp: the other directory.
    let fork = RunDir {
        path: std::fs::read_dir(&runs)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| !p.ends_with(&id))
            .unwrap(),
    };
    let events = std::fs::read_to_string(fork.file(EVENTS)).unwrap();
    assert!(
        events.contains(r#"{"step":30,"#) && events.contains(r#""event":"replaying","until":47"#),
        "from the checkpoint at 30, the newest with a row: {events}"
    );
    assert_eq!(logged_steps(&fork), [0, 10, 20, 30, 40, 50]);
}

/// A game without a known equilibrium (mlp-gan) has stability maps linearized at its start:
/// each map says so (they printed without a word, as if near an equilibrium).
#[test]
fn a_stability_map_of_a_game_without_an_equilibrium_says_its_j_is_the_starts() {
    let t = tmp();
    let runs = t.path().join("runs");
    let o = within(
        120,
        t.path(),
        &runs,
        &["stability", "mlp-gan", "--beta=-0.5:0:3", "--eta=0.1:0.2:2"],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let maps = out.matches("ρ < 1").count();
    let notes = out.matches("note: J at the start point").count();
    assert!(maps > 0 && notes == maps, "{out}");
}

/// `score`'s flags are checked before the network is looked for: --samples 0 said "splits must
/// be in 1..=0", a missing --images directory talked about .npz statistics.
#[test]
fn score_flags_are_checked_first_and_named() {
    let t = tmp();
    let runs = t.path().join("runs");
    let imgs = t.path().join("imgs");
    std::fs::create_dir_all(&imgs).unwrap();
    for (args, want) in [
        (
            vec![
                "score",
                "--images",
                imgs.to_str().unwrap(),
                "--samples",
                "0",
            ],
            "--samples must be at least 1",
        ),
        (
            vec!["score", "--images", "nowhere"],
            "--images nowhere: no such directory",
        ),
    ] {
        let o = within(60, t.path(), &runs, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
}

/// The id of the one run directory under `runs`.
fn only_run(runs: &Path) -> String {
    let mut ids: Vec<String> = std::fs::read_dir(runs)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    ids.remove(0)
}
