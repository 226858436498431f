//! A program of one's own on top of saddle: `examples/custom_game.rs` (a registered game) and
//! `examples/custom_dataset.rs` (a registered dataset reader), built and driven as a user
//! would, through the same command line and presets as `saddle`.

mod common;
use common::*;
use saddle::run::metrics::MetricsTable;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Builds the example `name` (cargo builds examples along with the tests, but not when only
/// some tests are asked for) and returns its executable.
fn example(name: &str) -> PathBuf {
    let here = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/<test> → target/<profile>
    let profile_dir = here
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "--example", name]);
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        cargo.arg("--release");
    }
    let status = cargo.status().expect("cargo runs");
    assert!(status.success(), "cargo build --example {name} failed");
    let exe = profile_dir.join("examples").join(name);
    assert!(exe.is_file(), "{} was not built", exe.display());
    exe
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// (first, last) value of `column` in a run's metrics.
fn first_last(t: &MetricsTable, column: &str) -> (f64, f64) {
    let c = t
        .column(column)
        .unwrap_or_else(|| panic!("no column {column}"));
    let vals: Vec<f64> = t.rows.iter().filter_map(|r| r[c]).collect();
    (vals[0], *vals.last().expect("rows"))
}

#[test]
fn a_registered_game_runs_resumes_and_is_named_in_errors() {
    let exe = example("custom_game");
    let t = tmp();
    let runs_dir = t.path().join("runs");
    let preset = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rock_paper_scissors.ron");
    ok(&drive(
        &exe,
        t.path(),
        &runs_dir,
        &["run", preset.to_str().unwrap(), "--headless"],
    ));

    // Extragradient finds the uniform mix; simultaneous gradient spirals away from it.
    let eg = run_named(&runs_dir, "extragradient");
    let m = MetricsTable::read(&eg.file("metrics.csv")).unwrap();
    let (d0, d1) = first_last(&m, "distance_to_equilibrium");
    let (e0, e1) = first_last(&m, "exploitability");
    assert!(d1 < 0.01 * d0, "extragradient: ‖ω − ω*‖ {d0} → {d1}");
    assert!(
        e1 < 0.01 && e0 > 0.1,
        "extragradient: exploitability {e0} → {e1}"
    );
    let sim = run_named(&runs_dir, "simultaneous");
    let m = MetricsTable::read(&sim.file("metrics.csv")).unwrap();
    let (s0, s1) = first_last(&m, "distance_to_equilibrium");
    let (_, x1) = first_last(&m, "exploitability");
    assert_eq!(s0, d0, "both runs start from the seed's point");
    assert!(s1 > 2.0 * s0, "simultaneous: ‖ω − ω*‖ {s0} → {s1}");
    assert!(x1 > 0.5, "simultaneous: exploitability ends at {x1}");
    let config = eg.read("config.ron").unwrap();
    assert!(
        config.contains("RockPaperScissors(") && config.contains("scale: 1.0"),
        "{config}"
    );

    // The run directory holds the registered game: the program resumes it from config.ron…
    ok(&drive(
        &exe,
        t.path(),
        &runs_dir,
        &["resume", &eg.id(), "--steps", "4200"],
    ));
    let m = MetricsTable::read(&eg.file("metrics.csv")).unwrap();
    assert_eq!(m.rows.last().unwrap()[0], Some(4200.0));
    // …and saddle itself, which does not know the game, says so.
    let o = saddle(
        t.path(),
        &runs_dir,
        &["resume", &eg.id(), "--steps", "4300"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Unexpected variant named `RockPaperScissors` in enum `GameConfig`"),
        "{}",
        stderr(&o)
    );

    // A misspelt name is refused where it stands, with the registered names listed.
    let bad = |text: &str| {
        let p = super_preset(t.path(), text);
        let o = drive(&exe, t.path(), &runs_dir.join("bad"), &["run", &p]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(!runs_dir.join("bad").exists(), "nothing is created");
        stderr(&o)
    };
    let game = |g: &str| {
        format!(
            "Preset(name: \"p\", steps: 5, game: {g}, runs: [Run(name: \"a\", scheme: Simultaneous, eta: 0.1)])"
        )
    };
    let e = bad(&game("RockPaperScisors(scale: 1.0)"));
    assert!(
        e.contains(":1:35: game: Unexpected variant named `RockPaperScisors` in enum `GameConfig`, expected one of `Bilinear`, `StochasticBilinear`, `Logistic`, `DiracGan`, `MlpGan`, `Quadratic`, `MixtureGan`, `ImageGan`, `TturSaddle`, or `RockPaperScissors` instead"),
        "{e}"
    );
    let e = bad(&game("RockPaperScissors(sacle: 1.0)"));
    assert!(
        e.contains("game: RockPaperScissors: unknown field `sacle`, expected `scale` or `spread`"),
        "{e}"
    );
    let e = bad(&game("RockPaperScissors(scale: -1.0)"));
    assert!(
        e.ends_with(": game: scale must be finite and > 0, got -1\n"),
        "{e}"
    );
}

fn super_preset(dir: &Path, text: &str) -> String {
    preset(dir, "bad", text).to_str().unwrap().to_string()
}

/// `n` grey 28×28 binary PGM images (a bright disc that moves) in `dir`.
fn write_pgm(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for k in 0..n {
        let mut bytes = b"P5\n28 28\n255\n".to_vec();
        for y in 0..28i64 {
            for x in 0..28i64 {
                let r2 = (x - 8 - k as i64).pow(2) + (y - 14).pow(2);
                bytes.push(if r2 < 30 { 230 } else { (x + y) as u8 });
            }
        }
        std::fs::write(dir.join(format!("img{k:02}.pgm")), bytes).unwrap();
    }
}

#[test]
fn a_registered_dataset_reader_feeds_an_image_gan() {
    let exe = example("custom_dataset");
    let t = tmp();
    let data = t.path().join("pgm");
    write_pgm(&data, 12);
    let runs_dir = t.path().join("runs");
    let preset = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/pgm_images.ron");
    let data_dir = format!("game.data_dir={:?}", data.to_str().unwrap());
    let args = ["run", preset.to_str().unwrap(), "--set", &data_dir];
    ok(&drive(&exe, t.path(), &runs_dir, &args));
    let run = run_named(&runs_dir, "adam");
    let m = MetricsTable::read(&run.file("metrics.csv")).unwrap();
    assert_eq!(m.rows.last().unwrap()[0], Some(20.0));
    let (l0, l1) = first_last(&m, "loss_theta");
    assert!(
        l0.is_finite() && l1.is_finite() && l0 != l1,
        "L_G {l0} → {l1}"
    );
    let config = run.read("config.ron").unwrap();
    assert!(config.contains("dataset: PgmImages"), "{config}");

    // A broken file is named, and nothing is created.
    let broken = runs_dir.join("broken");
    std::fs::write(data.join("img05.pgm"), b"P5\n28 28\n255\nshort").unwrap();
    let o = drive(&exe, t.path(), &broken, &args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("img05.pgm: 5 pixel bytes for 28×28: not a 28×28 binary PGM"),
        "{}",
        stderr(&o)
    );
    assert!(!broken.exists());

    // saddle alone does not know the dataset, and lists the ones it does.
    let o = saddle(t.path(), &broken, &args);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("game.ImageGan.dataset: Unexpected variant named `PgmImages` in enum `Dataset`, expected one of `Cifar10`, `Mnist`, or `FashionMnist` instead"),
        "{}",
        stderr(&o)
    );
}
