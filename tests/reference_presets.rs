//! The CIFAR-10 presets against REF-VI's `config/*.json`: learning rates, EMA β per method,
//! BatchNorm's γ initialisation; the WGAN-GP DCGAN preset (the talk's second table) trains a
//! few steps with every method; and the caption's EMA β is one `--set` away.

mod common;

use common::write_cifar;
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
