//! The CIFAR-10 WGAN preset on generated files in the real binary format: every optimizer of
//! the table trains a few hundred steps on the CPU (small networks), writes PNG sample grids
//! and checkpoints, and a run stopped half-way and resumed ends bit-for-bit where the
//! uninterrupted run ends (the preset's shuffled epochs included).

mod common;

use common::write_cifar;
use saddle::run::engine;
use saddle::run::preset::parse_ron;
use saddle::run::{overrides, Preset, Status};
use std::path::Path;

const STEPS: u64 = 300;

fn configs(data: &Path, steps: u64) -> Vec<saddle::run::RunConfig> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/presets/cifar10-wgan-dcgan.ron"
    ))
    .unwrap();
    let p: Preset = parse_ron(&text, "cifar10-wgan-dcgan.ron").unwrap();
    let sets: Vec<String> = [
        format!("game.data_dir={}", data.display()),
        "game.arch.filters=4".into(),
        "game.batch=8".into(),
        "game.grid=16".into(),
        format!("steps={steps}"),
        "log_every=50".into(),
        "checkpoint_every=100".into(),
        "sample_every=150".into(),
    ]
    .into();
    let mut p = overrides::apply(&p, &sets).unwrap();
    p.runs.iter_mut().for_each(|r| r.steps = None);
    p.resolve().unwrap()
}

#[test]
fn cifar10_preset_trains_writes_grids_and_resumes_exactly() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("cifar-10-batches-bin");
    std::fs::create_dir_all(&data).unwrap();
    write_cifar(&data);
    let cs = configs(&data, STEPS);
    assert_eq!(cs.len(), 5);
    let names: Vec<&str> = cs.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "SimAdam",
            "AltAdam5",
            "ExtraAdam",
            "PastExtraAdam",
            "OptimAdam"
        ]
    );
    let runs = t.path().join("runs");
    std::thread::scope(|s| {
        for c in &cs {
            let runs = &runs;
            s.spawn(move || {
                // Uninterrupted.
                let d = engine::create_dir(&runs.join("a"), c, "").unwrap();
                let summary = engine::open(d.clone(), None).unwrap().run().unwrap();
                assert_eq!(summary.status, Status::Finished, "{}", c.name);
                let grids: Vec<_> = std::fs::read_dir(d.path.join("samples")).unwrap().collect();
                assert_eq!(grids.len(), 3, "{}: grids at 0, 150, 300", c.name);
                let a = common::final_network_state(&d);
                assert_eq!(a.optim.iteration, STEPS);
                // PyTorch-mappable weights next to the checkpoint, averages included.
                let st = d.checkpoint_path(STEPS).with_extension("safetensors");
                let bytes = std::fs::read(&st).unwrap();
                let names = safetensors::SafeTensors::deserialize(&bytes)
                    .unwrap()
                    .names()
                    .into_iter()
                    .cloned()
                    .collect::<Vec<_>>();
                for n in [
                    "generator.fc.weight",
                    "discriminator.conv1.weight",
                    "generator_uniform.deconv3.weight",
                    "generator_ema.bn0.bias",
                ] {
                    assert!(
                        names.iter().any(|x| x == n),
                        "{}: {n} missing from {}",
                        c.name,
                        st.display()
                    );
                }
                assert!(a.w.theta.to_host().iter().flatten().all(|v| v.is_finite()));
                // φ stays clipped to [−0.01, 0.01].
                assert!(
                    a.w.phi
                        .to_host()
                        .iter()
                        .flatten()
                        .all(|v| v.abs() <= 0.01 + 1e-7),
                    "{}",
                    c.name
                );
                // Stopped at 150 (between checkpoints), resumed to the end.
                let d = engine::create_dir(&runs.join("b"), c, "").unwrap();
                engine::open(d.clone(), Some(STEPS / 2))
                    .unwrap()
                    .run()
                    .unwrap();
                engine::open(d.clone(), Some(STEPS)).unwrap().run().unwrap();
                let b = common::final_network_state(&d);
                assert_eq!(b.optim.iteration, STEPS);
                // The preset's epoch order: the count of minibatches drawn goes through the
                // checkpoint, and the resumed run drew the same ones.
                assert!(a.samples_drawn >= STEPS, "{}: {}", c.name, a.samples_drawn);
                assert_eq!(a.samples_drawn, b.samples_drawn, "{}", c.name);
                assert_eq!(
                    a.w.theta.to_host(),
                    b.w.theta.to_host(),
                    "{}: θ after resume",
                    c.name
                );
                assert_eq!(
                    a.w.phi.to_host(),
                    b.w.phi.to_host(),
                    "{}: φ after resume",
                    c.name
                );
                for (x, y) in a.optim.averages.iter().zip(&b.optim.averages) {
                    let (x, y) = (x.value.as_ref().unwrap(), y.value.as_ref().unwrap());
                    assert_eq!(
                        x.theta.to_host(),
                        y.theta.to_host(),
                        "{}: averaged θ after resume",
                        c.name
                    );
                }
            });
        }
    });
}

/// A run names the dataset files it was made with: a relative `data_dir` (and one from
/// `$SADDLE_DATA`) is written into its `config.ron` as an absolute directory, so a replay from
/// another working directory, with `$SADDLE_DATA` pointing elsewhere, reads the same files and
/// ends bit for bit where the run ended (it used to read whatever the environment named then).
#[test]
fn a_run_pins_its_dataset_directory() {
    let t = tempfile::tempdir().unwrap();
    let (home, other) = (t.path().join("home"), t.path().join("other"));
    for d in [
        "data/cifar-10-batches-bin",
        "elsewhere/cifar-10-batches-bin",
    ] {
        std::fs::create_dir_all(home.join(d)).unwrap();
    }
    std::fs::create_dir_all(&other).unwrap();
    write_cifar(&home.join("data/cifar-10-batches-bin"));
    // Other images under the name $SADDLE_DATA gives a replay.
    saddle::neural::data::cifar::write_demo(&home.join("elsewhere/cifar-10-batches-bin"), 10, 6)
        .unwrap();
    let runs = t.path().join("runs");
    let preset = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/presets/cifar10-wgan-dcgan.ron"
    );
    let run = |cwd: &Path, data: Option<&Path>, args: &[&str]| {
        let mut c = std::process::Command::new(common::bin());
        c.current_dir(cwd).args(args).arg("--runs-dir").arg(&runs);
        match data {
            Some(d) => c.env("SADDLE_DATA", d),
            None => c.env_remove("SADDLE_DATA"),
        };
        common::ok(&c.output().unwrap())
    };
    let sets = ["--set", "game.arch.filters=4", "--set", "game.batch=8"];
    let mut args = vec!["run", preset, "--steps", "4"];
    args.extend_from_slice(&sets);
    run(&home, Some(Path::new("data")), &args);
    let dirs = common::runs(&runs);
    assert_eq!(dirs.len(), 5);
    let config = dirs[0].config().unwrap();
    let text = std::fs::read_to_string(dirs[0].file("config.ron")).unwrap();
    let want = std::path::absolute(home.join("data/cifar-10-batches-bin")).unwrap();
    assert!(
        text.contains(&format!("data_dir: Some(\"{}\")", want.display())),
        "{text}"
    );
    assert_eq!(config.steps, 4);
    run(
        &other,
        Some(&home.join("elsewhere")),
        &["replay", &dirs[0].id()],
    );
    let replay = common::runs(&runs)
        .into_iter()
        .find(|d| d.id().ends_with("replay"))
        .unwrap();
    let (a, b) = (
        common::final_network_state(&dirs[0]),
        common::final_network_state(&replay),
    );
    assert_eq!(a.w.theta.to_host(), b.w.theta.to_host());
    assert_eq!(a.w.phi.to_host(), b.w.phi.to_host());
}

/// A run refused before its first step by what only its game's build finds (a CIFAR-10 batch
/// with a label of 12: the sizes that the preset's check reads are right) exits 2 naming the
/// file, and leaves no run directory behind (they stayed as `created`).
#[test]
fn a_run_refused_when_its_game_is_built_leaves_nothing() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("cifar-10-batches-bin");
    std::fs::create_dir_all(&data).unwrap();
    write_cifar(&data);
    let batch = data.join("data_batch_3.bin");
    let mut bytes = std::fs::read(&batch).unwrap();
    bytes[2 * 3073] = 12;
    std::fs::write(&batch, bytes).unwrap();
    let runs = t.path().join("runs");
    let data_dir = format!("game.data_dir={}", data.display());
    let o = common::saddle(
        t.path(),
        &runs,
        &[
            "run",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/presets/cifar10-wgan-dcgan.ron"
            ),
            "--steps",
            "2",
            "--set",
            &data_dir,
            "--set",
            "game.arch.filters=4",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("data_batch_3.bin: label 12") && err.contains("nothing ran"),
        "{err}"
    );
    assert!(common::runs(&runs).is_empty());
}
