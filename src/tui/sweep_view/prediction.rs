//! The stability map's prediction for each configuration of a sweep: ρ of the update operator
//! of its first member's run (`config.ron`, grid values applied) at the game's equilibrium,
//! as `saddle spectrum` computes it. The heat map shows it next to what the members measured:
//! ρ < 1 predicts that the configuration converges locally, ρ > 1 that it does not.
//!
//! Computed once per view, off the UI thread, within [`TOTAL`] and [`PER_CONFIGURATION`];
//! configurations the budget leaves, networks and methods that are not linear get the reason
//! instead.

use crate::linalg::Budget;
use crate::run::spectrum::{predicted_radius, Limits};
use crate::run::store::CONFIG;
use crate::run::RunConfig;
use crate::sweep::manifest::{Manifest, SweepDir};
use std::time::Duration;

/// ρ of a configuration's update operator, or why there is none.
pub type Prediction = Result<f64, String>;

/// The time all predictions of a sweep may take together.
pub const TOTAL: Duration = Duration::from_secs(20);

/// The estimated cost of one configuration's dense parts above which it is not attempted.
pub const PER_CONFIGURATION: Duration = Duration::from_millis(500);

/// The prediction of each of `manifest`'s configurations, in their order, within `budget`
/// (a cancel ends it at once; what is left says so).
pub fn predict(sweep: &SweepDir, manifest: &Manifest, budget: Budget) -> Vec<Prediction> {
    manifest
        .configurations
        .iter()
        .map(|c| {
            budget.check().map_err(|e| format!("not computed: {e}"))?;
            let m = manifest
                .members
                .iter()
                .find(|m| m.configuration == c.index)
                .ok_or("no member")?;
            let dir = sweep.member(m);
            let config = dir
                .read(CONFIG)
                .map_err(|e| e.to_string())
                .and_then(|t| RunConfig::from_ron(&t, CONFIG).map_err(|e| e.to_string()))?;
            let limits = Limits {
                dense: PER_CONFIGURATION,
                budget: budget.clone(),
            };
            predicted_radius(&config, &limits)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::expand::Configuration;
    use crate::sweep::manifest::Member;
    use crate::sweep::{Axis, Executor};

    /// Simultaneous GD on θφ with F = (φ, −θ): ρ = √(1 + η²) > 1 whatever η; extragradient:
    /// ρ = √((1 − η²)² + η²) < 1 for 0 < η < 1. A network gets a reason, not a number.
    #[test]
    fn predictions_are_the_operators_radii_and_networks_say_why() {
        let tmp = tempfile::tempdir().unwrap();
        let sweep = SweepDir {
            path: tmp.path().to_path_buf(),
        };
        let runs = [
            ("gda", "Simultaneous", 0.1, "Bilinear(dim: 1)"),
            ("eg", "Extragradient()", 0.3, "Bilinear(dim: 1)"),
            (
                "net",
                "Simultaneous",
                0.1,
                "MixtureGan(mixture: NegativeMomentum8, loss: Saturating)",
            ),
        ];
        let mut configurations = vec![];
        let mut members = vec![];
        for (i, (name, scheme, eta, game)) in runs.iter().enumerate() {
            let preset = format!(
                "Preset(name: \"p\", seed: 0, steps: 10, game: {game}, runs: [Run(name: \"{name}\", scheme: {scheme}, eta: {eta})])"
            );
            let config = crate::run::Preset::parse(&preset, "p.ron")
                .unwrap()
                .resolve()
                .unwrap()
                .remove(0);
            let dir = format!("{i}");
            let run = crate::run::store::RunDir::create(tmp.path(), &dir).unwrap();
            std::fs::write(run.file(CONFIG), config.to_ron()).unwrap();
            configurations.push(Configuration {
                index: i,
                run: name.to_string(),
                grid: vec![],
                label: name.to_string(),
            });
            members.push(Member {
                index: i,
                id: format!("s/{i}"),
                dir,
                name: name.to_string(),
                configuration: i,
                seed: 0,
            });
        }
        let manifest = Manifest {
            version: 1,
            id: "s".into(),
            name: "s".into(),
            preset: "p".into(),
            origin: "p.ron".into(),
            created: 0.0,
            grid: Vec::<Axis>::new(),
            seeds: vec![0],
            executor: Executor::Local,
            jobs: None,
            keep_checkpoints: 1,
            slurm: None,
            configurations,
            members,
        };
        let p = predict(&sweep, &manifest, Budget::within(TOTAL));
        let gda = p[0].clone().unwrap();
        assert!((gda - (1.0f64 + 0.01).sqrt()).abs() < 1e-9, "{gda}");
        let eg = p[1].clone().unwrap();
        let want = ((1.0f64 - 0.09).powi(2) + 0.09).sqrt();
        assert!((eg - want).abs() < 1e-9, "{eg} vs {want}");
        let why = p[2].clone().unwrap_err();
        assert!(why.contains("network"), "{why}");
        let cancelled = predict(
            &sweep,
            &manifest,
            Budget::within(TOTAL).or_cancelled(|| true),
        );
        assert!(cancelled
            .iter()
            .all(|c| c.as_ref().is_err_and(|e| e.starts_with("not computed"))));
    }
}
