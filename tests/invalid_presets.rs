//! A corpus of invalid presets: each gives its exact message (with file:line:col — of the
//! syntax error, or of the value a range check refused, or of its run — and the field path),
//! exit code 2, and creates nothing under `runs/`.

mod common;
use common::*;

#[test]
fn every_invalid_preset_is_refused_with_its_exact_message() {
    let root = env!("CARGO_MANIFEST_DIR");
    let expected =
        std::fs::read_to_string(format!("{root}/tests/invalid_presets/expected.txt")).unwrap();
    let cases: Vec<(&str, &str)> = expected
        .lines()
        .map(|l| l.split_once('\t').expect("NAME<TAB>message"))
        .collect();
    assert!(cases.len() >= 30, "the corpus has {} presets", cases.len());
    for (name, message) in cases {
        let t = tmp();
        let runs = t.path().join("runs");
        let file = format!("tests/invalid_presets/{name}.ron");
        let o = saddle(std::path::Path::new(root), &runs, &["run", &file]);
        assert_eq!(o.status.code(), Some(2), "{name}: exit code");
        assert_eq!(
            String::from_utf8_lossy(&o.stderr),
            format!("saddle: {message}\n"),
            "{name}: message"
        );
        assert!(o.stdout.is_empty(), "{name}: stdout");
        assert!(!runs.exists(), "{name}: something was created under runs/");
    }
}

#[test]
fn bad_flags_and_overrides_exit_2_without_creating_runs() {
    let t = tmp();
    let runs = t.path().join("runs");
    let cases: [(&[&str], &str); 9] = [
        (
            &["run", "no-such-preset"],
            "no preset \"no-such-preset\": not a file, nor a built-in preset",
        ),
        (&["run", "."], ".: is a directory, not a preset file"),
        (
            &["run", "default", "--steps", "0"],
            "saddle: --steps 0 (on <built-in default>): steps:",
        ),
        (
            &["run", "default", "--set", "runs[9].eta=1"],
            "--set runs[9].eta: index 9 out of range (there are 4)",
        ),
        (
            &["run", "default", "--set", "runs[0].eta=-1"],
            "runs[0] (\"simultaneous\"): eta.theta must be finite and > 0, got -1",
        ),
        (
            &["run", "default", "--steps", "0"],
            "steps: must be in 1..=10^12, got 0",
        ),
        (
            &["stability", "default", "--beta", "0:1.5:3"],
            "--beta: every β must be in (-1, 1), got 1.5",
        ),
        // A network far past any machine's memory is refused with the estimate (it aborted
        // on a failed allocation, leaving a created run).
        (
            &[
                "run",
                "mog-negative-momentum-sgd",
                "--set",
                "game.batch=1048576",
                "--set",
                "game.hidden=16384",
                "--set",
                "game.hidden_layers=64",
            ],
            "game: batch = 1048576, hidden = 16384, hidden_layers = 64 (the networks' activations and weights) needs at least 16640.0 GiB",
        ),
        (
            &["resume", "../../etc"],
            "no run \"../../etc\": neither a run directory",
        ),
    ];
    for (args, want) in cases {
        let o = saddle(t.path(), &runs, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!runs.exists(), "{args:?} created runs/");
    }
}

#[test]
fn run_names_cannot_escape_the_runs_directory() {
    let t = tmp();
    let p = preset(
        t.path(),
        "escape",
        r#"Preset(name: "../../x", steps: 5, game: Bilinear(dim: 1),
        runs: [Run(name: "../../../etc/evil", scheme: Simultaneous, eta: 0.1)])"#,
    );
    let runs = t.path().join("runs");
    ok(&saddle(t.path(), &runs, &["run", p.to_str().unwrap()]));
    let made: Vec<_> = std::fs::read_dir(&runs)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    assert_eq!(made.len(), 1);
    assert!(made[0].ends_with("-x-etc-evil"), "{made:?}");
    let entries: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(entries.len(), 2, "only the preset and runs/: {entries:?}");
}
