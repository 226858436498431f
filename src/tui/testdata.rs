//! Deterministic runs for the snapshot tests (compiled for tests only): the default preset's
//! four methods on the bilinear game θφ, simulated in closed form (no clock, no randomness, no
//! files), so every frame drawn from them is reproducible.

use super::model::RunData;
use crate::run::control::Change;
use crate::run::events::{EventKind, EventRecord};
use crate::run::metrics::{BASE_COLUMNS, SPECTRAL_RADIUS, TRACE_COLUMNS};
use crate::run::spectrum_record::SpectrumRecord;
use crate::run::{RunConfig, Status};
use nalgebra::{Complex, DMatrix};

/// An event of the log at `step`, as the dashboard asked for it.
fn event(step: u64, kind: EventKind) -> EventRecord {
    EventRecord {
        step,
        time: 0.0,
        source: Some("control-file".into()),
        request: None,
        kind,
    }
}

/// The metrics columns of the default preset (after step, oracle_calls, wall_time).
pub fn default_columns() -> Vec<String> {
    BASE_COLUMNS
        .iter()
        .chain(&TRACE_COLUMNS)
        .chain(&[SPECTRAL_RADIUS])
        .map(|s| s.to_string())
        .collect()
}

/// The resolved configs of the built-in default preset.
pub fn default_configs() -> Vec<RunConfig> {
    let text = crate::run::builtin::builtin("default").expect("built-in default preset");
    let p = crate::run::Preset::parse(text, "default").expect("default preset parses");
    p.resolve().expect("default preset resolves")
}

/// The update operator of each method on θφ (state θ, φ and, for momentum, φ_prev).
fn operator(kind: usize, eta: f64, beta: f64) -> DMatrix<f64> {
    match kind {
        0 => DMatrix::from_row_slice(2, 2, &[1.0, -eta, eta, 1.0]),
        1 => DMatrix::from_row_slice(2, 2, &[1.0, -eta, eta, 1.0 - eta * eta]),
        2 => DMatrix::from_row_slice(
            3,
            3,
            &[
                1.0,
                -eta,
                0.0,
                eta,
                1.0 - eta * eta + beta,
                -beta,
                0.0,
                1.0,
                0.0,
            ],
        ),
        _ => DMatrix::from_row_slice(2, 2, &[1.0 - eta * eta, -eta, eta, 1.0 - eta * eta]),
    }
}

/// The default preset's runs after `upto` steps (simultaneous GD diverges on the way); the
/// momentum run's β changes from −0.3 to −0.5 at step `upto / 2`, recorded as a marker.
pub fn default_runs(upto: u64) -> Vec<RunData> {
    let configs = default_configs();
    let methods = [
        "simultaneous+gradient",
        "alternating+gradient",
        "alternating+heavy_ball",
        "extragradient+gradient",
    ];
    let eta = 0.2;
    let mut runs = vec![];
    for (k, cfg) in configs.iter().enumerate() {
        let mut r = RunData::new(
            &format!("20260101-000000-default-{}", k),
            &cfg.name,
            methods[k],
            default_columns(),
            k,
        );
        r.config = Some(cfg.clone());
        r.steps = cfg.steps;
        r.push_event(&event(0, EventKind::Started));
        let (mut th, mut ph, mut ph_prev) = (2.0f64, 0.5f64, 0.5f64);
        let change_at = upto / 2;
        let mut beta = if k == 2 { -0.3 } else { 0.0 };
        let calls = if k == 3 { 2 } else { 1 };
        for t in 0..=upto {
            if k == 2 && t == change_at {
                r.push_event(&event(
                    t,
                    EventKind::Set(Change {
                        param: "beta.phi".into(),
                        old: beta,
                        new: -0.5,
                    }),
                ));
                beta = -0.5;
            }
            let d = (th * th + ph * ph).sqrt();
            if d > 1e6 {
                // At the last logged step, as the runs table shows it.
                r.push_event(&event(
                    r.step,
                    EventKind::Ended {
                        status: Status::Diverged,
                    },
                ));
                break;
            }
            if t % 5 == 0 {
                let rho = (t % 50 == 0).then(|| {
                    operator(k, eta, beta)
                        .complex_eigenvalues()
                        .iter()
                        .map(|c| c.norm())
                        .fold(0.0, f64::max)
                });
                let row = [
                    Some(t as f64),
                    Some((t * calls) as f64),
                    Some(t as f64 / 300.0),
                    Some((t * calls) as f64),
                    Some(th * ph),
                    Some(-th * ph),
                    Some(d),
                    Some(d),
                    Some(eta),
                    Some(eta),
                    Some(0.0),
                    Some(beta),
                    Some(th),
                    Some(ph),
                    rho,
                ];
                r.push_row(&row);
                r.step = t;
            }
            let (t0, p0) = (th, ph);
            match k {
                0 => {
                    th = t0 - eta * p0;
                    ph = p0 + eta * t0;
                }
                1 => {
                    th = t0 - eta * p0;
                    ph = p0 + eta * th;
                }
                2 => {
                    th = t0 - eta * p0;
                    ph = p0 + eta * th + beta * (p0 - ph_prev);
                }
                _ => {
                    let (th_h, ph_h) = (t0 - eta * p0, p0 + eta * t0);
                    th = t0 - eta * ph_h;
                    ph = p0 + eta * th_h;
                }
            }
            ph_prev = p0;
        }
        r.oracle_calls = r.step * calls;
        r.wall_time = r.step as f64 / 300.0;
        r.eta = [eta, eta];
        r.beta = [0.0, beta];
        let ops: Vec<Complex<f64>> = operator(k, eta, beta)
            .complex_eigenvalues()
            .iter()
            .copied()
            .collect();
        let rho = ops.iter().map(|c| c.norm()).fold(0.0, f64::max);
        r.spectrum = Some(SpectrumRecord {
            step: r.step - r.step % 50,
            jacobian: vec![Complex::new(0.0, 1.0), Complex::new(0.0, -1.0)],
            nearest_imaginary_axis: None,
            operator: Some(ops),
            spectral_radius: Some(rho),
            note: None,
            unconverged: None,
        });
        runs.push(r);
    }
    runs
}

/// The resolved configs of a built-in preset, seed 0 only.
pub fn preset_configs(name: &str) -> Vec<RunConfig> {
    let text = crate::run::builtin::builtin(name).expect("built-in preset");
    let p = crate::run::Preset::parse(text, name).expect("preset parses");
    p.resolve()
        .expect("preset resolves")
        .into_iter()
        .filter(|c| c.seed == 0)
        .collect()
}

/// A data plane of [NM]'s 8 Gaussians at `step` in which the generator covers the first
/// `covered` modes (its points scattered around them) and the discriminator says "real"
/// (logit +2) near those modes and "generated" (−2) far from them.
pub fn mog_plane(step: u64, covered: usize) -> crate::run::plane::DataPlane {
    use crate::neural::mixture::{DataPlane, MixtureSpec};
    let m = MixtureSpec::NegativeMomentum8.build().expect("the mixture");
    let w = m.window();
    let side = 32;
    let near = |x: f64, y: f64| {
        m.centers[..covered]
            .iter()
            .map(|c| (-((x - c[0]).powi(2) + (y - c[1]).powi(2)) / (2.0 * 0.3f64.powi(2))).exp())
            .fold(0.0f64, f64::max)
    };
    let pts = DataPlane::grid_points(w.x, w.y, side);
    let logits = pts
        .chunks_exact(2)
        .map(|p| (4.0 * near(p[0] as f64, p[1] as f64) - 2.0) as f32)
        .collect();
    let mut rng = crate::rng::Rng::new(step);
    let mut generated = vec![];
    for k in 0..400 {
        let c = m.centers[k % covered.max(1)];
        generated.push((c[0] + 2.0 * m.std * rng.normal()) as f32);
        generated.push((c[1] + 2.0 * m.std * rng.normal()) as f32);
    }
    DataPlane {
        step,
        x: w.x,
        y: w.y,
        side,
        logits,
        generated,
        modes: m.centers.clone(),
        std: m.std,
    }
}

/// The `mog-negative-momentum` preset's three runs (seed 0) after `upto` of its 10 000
/// steps, with made-up but smooth metrics (losses near log 2, ‖F‖ decaying, modes covered
/// rising to 8, 6 and 3 for β = −0.5, 0, +0.5), saved data planes and scatters every 2500
/// steps, and J's largest eigenvalues.
pub fn mog_runs(upto: u64) -> Vec<RunData> {
    use crate::run::metrics::{HIGH_QUALITY_PCT, MODES_COVERED};
    use crate::tui::panes::samples::SampleView;
    let configs = preset_configs("mog-negative-momentum");
    let mut cols = default_columns();
    cols.retain(|c| c != SPECTRAL_RADIUS);
    cols.extend([MODES_COVERED.to_string(), HIGH_QUALITY_PCT.to_string()]);
    let finals = [8usize, 6, 3];
    let mut runs = vec![];
    for (k, cfg) in configs.iter().enumerate() {
        let mut r = RunData::new(
            &format!("20260101-000000-mog-negative-momentum-{k}"),
            &cfg.name,
            "alternating+adam/adam",
            cols.clone(),
            k,
        );
        r.config = Some(cfg.clone());
        r.steps = cfg.steps;
        r.push_event(&event(0, EventKind::Started));
        let beta = [-0.5, 0.0, 0.5][k];
        for t in (0..=upto).step_by(500) {
            let f = t as f64 / cfg.steps as f64;
            let modes = (1.0 + (finals[k] as f64 - 1.0) * f.sqrt()).round();
            let row = [
                Some(t as f64),
                Some(2.0 * t as f64),
                Some(t as f64 / 150.0),
                Some(2.0 * t as f64),
                Some(0.69 + 0.05 * (t as f64 / 700.0).sin()),
                Some(1.38 - 0.04 * (t as f64 / 900.0).cos()),
                Some(0.3 * (-2.0 * f).exp() + 0.02),
                None,
                Some(1e-3),
                Some(1e-3),
                Some(0.5),
                Some(beta),
                Some(0.01 * f),
                Some(-0.02 * f),
                Some(modes),
                Some(60.0 + 30.0 * f - 10.0 * k as f64),
            ];
            r.push_row(&row);
            r.step = t;
        }
        r.oracle_calls = 2 * r.step;
        r.eta = [1e-3, 1e-3];
        r.beta = [0.5, beta];
        let saved: Vec<u64> = (0..=upto).step_by(2500).collect();
        r.sample_steps = saved.clone();
        r.plane_steps = saved.clone();
        let last = *saved.last().expect("step 0 is saved");
        let covered = (1.0 + (finals[k] as f64 - 1.0) * (last as f64 / cfg.steps as f64).sqrt())
            .round() as usize;
        let plane = mog_plane(last, covered);
        let points = plane
            .generated
            .chunks_exact(2)
            .map(|p| (p[0] as f64, p[1] as f64))
            .collect();
        let real = plane.modes.iter().map(|m| (m[0], m[1])).collect();
        r.samples = Some((
            last,
            SampleView::Scatter {
                real,
                generated: points,
            },
        ));
        r.plane = Some(plane);
        r.spectrum = Some(SpectrumRecord {
            step: last,
            jacobian: (0..12)
                .map(|j| {
                    let a = j as f64 * 0.5;
                    Complex::new(-0.05 * (j % 3) as f64, 0.8 * a.cos() + 0.1 * j as f64)
                        * (1.0 / (1.0 + j as f64 * 0.15))
                })
                .collect(),
            nearest_imaginary_axis: None,
            operator: None,
            spectral_radius: None,
            note: Some("Arnoldi, 40 steps on exact J·v".into()),
            unconverged: Some(Some(4)),
        });
        runs.push(r);
    }
    runs
}

/// One DCGAN run on CIFAR-10 (the `cifar10-wgan-dcgan` preset's SimAdam, its game section
/// as written) after `upto` steps, with a saved 4×4 sample grid every 5000 steps.
pub fn image_runs(upto: u64) -> Vec<RunData> {
    use crate::tui::panes::samples::{Image, SampleView};
    let mut cfg = default_configs()[0].clone();
    cfg.name = "SimAdam".into();
    cfg.steps = 500_000;
    cfg.sample_every = Some(5000);
    cfg.game = ron::from_str(
        "ImageGan(dataset: Cifar10, arch: Dcgan(filters: 64, d_batchnorm: true), loss: Wgan, clip: Some(0.01))",
    )
    .expect("an image game section");
    let mut r = RunData::new(
        "20260101-000000-cifar10-wgan-dcgan-SimAdam",
        "SimAdam",
        "simultaneous+adam",
        default_columns(),
        0,
    );
    r.config = Some(cfg.clone());
    r.steps = cfg.steps;
    r.push_event(&event(0, EventKind::Started));
    for t in (0..=upto).step_by(500) {
        let f = t as f64 / 20_000.0;
        let mut row = vec![
            Some(t as f64),
            Some(t as f64),
            Some(t as f64 / 9.0),
            Some(t as f64),
        ];
        row.extend([
            Some(-0.3 * (1.0 - (-f).exp())),
            Some(0.3 * (1.0 - (-f).exp()) + 0.01 * (t as f64 / 800.0).sin()),
            Some(2.0 * (-f).exp() + 0.1),
            None,
            Some(2e-5),
            Some(2e-4),
            Some(0.5),
            Some(0.5),
            Some(0.0),
            Some(0.0),
            None,
        ]);
        r.push_row(&row);
        r.step = t;
    }
    r.eta = [2e-5, 2e-4];
    r.beta = [0.5, 0.5];
    r.sample_steps = (0..=upto).step_by(5000).collect();
    // A 4×4 grid of 8×8 "images" (a ring each, brighter with training), 2-pixel borders.
    let (n, side, pad) = (4usize, 8usize, 2usize);
    let w = n * (side + pad) + pad;
    let mut pixels = vec![0.15f32; w * w];
    let bright = (upto as f32 / 20_000.0).min(1.0);
    for gy in 0..n {
        for gx in 0..n {
            for y in 0..side {
                for x in 0..side {
                    let (dx, dy) = (x as f32 - 3.5, y as f32 - 3.5);
                    let ring = ((dx * dx + dy * dy).sqrt() - 2.0 - 0.3 * (gx + gy) as f32).abs();
                    let v = (1.0 - ring).max(0.0) * (0.3 + 0.7 * bright);
                    pixels[(gy * (side + pad) + pad + y) * w + gx * (side + pad) + pad + x] = v;
                }
            }
        }
    }
    let last = *r.sample_steps.last().expect("step 0 is saved");
    r.samples = Some((
        last,
        SampleView::Images(vec![Image {
            width: w,
            height: w,
            pixels,
        }]),
    ));
    vec![r]
}
