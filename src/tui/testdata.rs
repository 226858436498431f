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
