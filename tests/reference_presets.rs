//! The CIFAR-10 presets against REF-VI's `config/*.json`: learning rates, EMA β per method,
//! BatchNorm's γ initialisation; the WGAN-GP DCGAN preset (the talk's second table) trains a
//! few steps with every method; the caption's EMA β is one `--set` away; and the presets'
//! shuffled epochs are checked against the data set before anything is created.

mod common;

use common::{saddle, write_cifar};
use saddle::neural::image_gan::{Architecture, BatchNormGamma};
use saddle::run::preset::parse_ron;
use saddle::run::{engine, overrides, Preset, RunConfig, Status};
use saddle::setup::GameConfig;
use std::path::Path;

const METHODS: [&str; 5] = [
    "SimAdam",
    "AltAdam5",
    "ExtraAdam",
    "PastExtraAdam",
    "OptimAdam",
];

fn preset(name: &str) -> Preset {
    let path = format!("{}/presets/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    parse_ron(&std::fs::read_to_string(&path).unwrap(), &path).unwrap()
}

fn resolve(p: &Preset, data: &Path, sets: &[&str]) -> Vec<RunConfig> {
    let mut all = vec![format!("game.data_dir={}", data.display())];
    all.extend(sets.iter().map(|s| s.to_string()));
    overrides::apply(p, &all).unwrap().resolve().unwrap()
}

fn cifar(t: &Path) -> std::path::PathBuf {
    let data = t.join("cifar-10-batches-bin");
    std::fs::create_dir_all(&data).unwrap();
    write_cifar(&data);
    data
}

/// (name, lr_G, lr_D, EMA β) of each run.
fn table(cs: &[RunConfig]) -> Vec<(String, f64, f64, f64)> {
    cs.iter()
        .map(|c| {
            let ema = c
                .averaging
                .iter()
                .find(|a| a.name() == "ema")
                .and_then(|a| a.beta)
                .expect("an EMA average");
            (c.name.clone(), c.eta.0.theta, c.eta.0.phi, ema)
        })
        .collect()
}

fn image_game(c: &RunConfig) -> &saddle::setup::ImageGanSpec {
    match &c.game {
        GameConfig::ImageGan(s) => s,
        g => panic!("not an image GAN: {g:?}"),
    }
}

#[test]
fn wgan_dcgan_uses_the_ema_beta_of_each_reference_config() {
    let t = tempfile::tempdir().unwrap();
    let data = cifar(t.path());
    let p = preset("cifar10-wgan-dcgan");
    let cs = resolve(&p, &data, &[]);
    // default_dcgan_wgan_{adam1, adam5, extraadam, pastextraadam, optimisticadam}.json.
    let want = [
        ("SimAdam", 2e-5, 2e-4, 0.999),
        ("AltAdam5", 2e-5, 2e-4, 0.9999),
        ("ExtraAdam", 5e-5, 5e-4, 0.999),
        ("PastExtraAdam", 2e-5, 2e-4, 0.9999),
        ("OptimAdam", 2e-5, 2e-4, 0.9999),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(n, g, d, e)| (n.to_string(), *g, *d, *e))
        .collect();
    assert_eq!(table(&cs), want);
    for c in &cs {
        let g = image_game(c);
        assert_eq!(g.batchnorm_gamma, BatchNormGamma::Uniform, "{}", c.name);
        assert_eq!(g.clip, Some(0.01));
    }
    // The caption's β = 0.999 for all: one --set per run that differs.
    let cs = resolve(
        &p,
        &data,
        &[
            "runs[1].averaging[1].beta=0.999",
            "runs[3].averaging[1].beta=0.999",
            "runs[4].averaging[1].beta=0.999",
        ],
    );
    assert!(table(&cs).iter().all(|r| r.3 == 0.999), "{:?}", table(&cs));
}

#[test]
fn wgangp_dcgan_is_the_talks_second_table_and_every_method_trains() {
    let t = tempfile::tempdir().unwrap();
    let data = cifar(t.path());
    let p = preset("cifar10-wgangp-dcgan");
    let cs = resolve(&p, &data, &[]);
    // default_dcgan_wgangp_{adam1, adam5, extraadam, pastextraadam, optimisticextraadam}.json.
    let want: Vec<_> = METHODS
        .iter()
        .map(|n| {
            let lr = if *n == "ExtraAdam" { 5e-4 } else { 1e-4 };
            (n.to_string(), lr, lr, 0.9999)
        })
        .collect();
    assert_eq!(table(&cs), want);
    for c in &cs {
        let g = image_game(c);
        assert_eq!(g.gp_weight, Some(10.0));
        assert_eq!(
            g.arch,
            Architecture::Dcgan {
                filters: 64,
                d_batchnorm: false
            }
        );
        assert_eq!((g.batch, g.latent_dim), (64, 128));
        assert_eq!(g.batchnorm_gamma, BatchNormGamma::Uniform);
    }
    // Small networks, a few steps each: every method runs with the penalty.
    let cs = resolve(
        &p,
        &data,
        &[
            "game.arch.filters=4",
            "game.batch=4",
            "game.grid=4",
            "steps=4",
            "log_every=2",
            "checkpoint_every=4",
            "sample_every=4",
        ],
    );
    let runs = t.path().join("runs");
    for c in &cs {
        let mut c = c.clone();
        c.steps = 4;
        let d = engine::create_dir(&runs, &c, "").unwrap();
        let s = engine::open(d, None).unwrap().run().unwrap();
        assert_eq!(s.status, Status::Finished, "{}", c.name);
    }
}

/// The REF-VI presets shuffle epochs (`order: Epochs(drop_last: false)`, as REF-VI's
/// `DataLoader(shuffle=True)`). A batch that leaves a one-image last batch each epoch (50 demo
/// images in batches of 7) is refused by the real binary before any run directory exists,
/// with exit 2 and the fix named; `drop_last: true` takes the same batch.
#[test]
fn an_epoch_order_that_cannot_cut_the_data_is_refused_before_anything_is_made() {
    for name in [
        "cifar10-wgan-dcgan",
        "cifar10-wgangp-dcgan",
        "cifar10-wgangp-resnet",
    ] {
        let p = preset(name);
        let GameConfig::ImageGan(g) = &p.game else {
            panic!("{name}: an image GAN")
        };
        assert_eq!(
            g.order,
            saddle::game::DataOrder::Epochs { drop_last: false },
            "{name}"
        );
    }
    let t = tempfile::tempdir().unwrap();
    let data = cifar(t.path());
    let runs = t.path().join("runs");
    let path = format!(
        "{}/presets/cifar10-wgan-dcgan.ron",
        env!("CARGO_MANIFEST_DIR")
    );
    let dir = format!("game.data_dir={}", data.display());
    let base = ["run", &path, "--set", &dir, "--set", "game.batch=7"];
    let o = saddle(t.path(), &runs, &[&base[..], &["--steps", "2"]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("50 training points in batches of 7 leave a last minibatch of one point")
            && err.contains("drop_last: true"),
        "{err}"
    );
    assert!(
        !runs.exists() || std::fs::read_dir(&runs).unwrap().next().is_none(),
        "nothing created"
    );
    let o = saddle(
        t.path(),
        &runs,
        &[
            &base[..],
            &[
                "--set",
                "game.order=Epochs(drop_last: true)",
                "--set",
                "game.arch.filters=4",
                "--steps",
                "2",
            ],
        ]
        .concat(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(std::fs::read_dir(&runs).unwrap().count(), 5, "five runs");
}
