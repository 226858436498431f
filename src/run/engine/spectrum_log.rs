//! The spectrum log: every `spectral_every` iterations, one [`SpectrumRecord`] in
//! `spectrum.jsonl` — the eigenvalues of J at the iterate and, for a linear method, of its
//! update operator, whose spectral radius ρ also goes into the metrics row. Games without a
//! closed-form J (the networks) get J's eigenvalues of largest modulus from Arnoldi on exact
//! J·v where they have it ([`network_record`], the one place that asks a game for them).

use crate::analysis;
use crate::analysis::{ARNOLDI_STEPS, RITZ_TOLERANCE};
use crate::game::Game;
use crate::optim::Optimizer;
use crate::run::checkpoint::RunState;
use crate::run::spectrum_record::SpectrumRecord;
use crate::run::store::RunDir;
use crate::vector::ParamVec;
use nalgebra::{Complex, DMatrix};

/// Ritz values of J computed for a network (largest modulus first).
const TOP_EIGENVALUES: usize = 16;
/// Eigenvalues kept per list of a closed-form record.
const KEPT: usize = 32;
/// Eigenvalues of J nearest the imaginary axis kept.
const NEAR_AXIS: usize = 8;

/// What a network's spectrum record holds.
pub fn network_note(found: usize, of: usize) -> String {
    format!(
        "J: the {found} of the {of} eigenvalues of largest modulus that converged (residual ≤ {RITZ_TOLERANCE}·|λ|) after {ARNOLDI_STEPS} Arnoldi steps on exact JVPs, on the metrics' minibatch; no ρ: the update operator needs the whole spectrum",
    )
}

/// Writes a run's `spectrum.jsonl`.
pub struct SpectrumLog {
    every: Option<u64>,
    dir: RunDir,
}

impl SpectrumLog {
    /// A record every `every` iterations (never when None) into `dir`.
    pub fn new(every: Option<u64>, dir: RunDir) -> Self {
        SpectrumLog { every, dir }
    }

    /// True when a record is due after `t` iterations.
    pub fn due(&self, t: u64) -> bool {
        self.every.is_some_and(|k| t.is_multiple_of(k))
    }

    /// Appends the record of the run's current iterate; returns ρ where the method has an
    /// operator. A record that cannot be written is skipped: the spectrum is an observation,
    /// never a reason to stop training.
    pub fn record<V: ParamVec>(
        &self,
        game: &mut dyn Game<V = V>,
        opt: &Optimizer,
        st: &RunState<V>,
    ) -> Option<f64> {
        let (record, radius) = match game.jacobian(&st.w) {
            Some(j) => dense_record(&j, opt, st),
            None => (network_record(game, st), None),
        };
        let _ = self.dir.append(&record);
        radius
    }
}

fn largest_first(mut z: Vec<Complex<f64>>) -> Vec<Complex<f64>> {
    z.sort_by(|a, b| b.norm().total_cmp(&a.norm()));
    z.truncate(KEPT);
    z
}

/// The record of a closed-form J and, with it, ρ of the update operator (where linear).
pub fn dense_record<V: ParamVec>(
    j: &DMatrix<f64>,
    opt: &Optimizer,
    st: &RunState<V>,
) -> (SpectrumRecord, Option<f64>) {
    let h = &st.optim.hyper;
    let eta = opt.eta_at(h, st.optim.iteration);
    let op = analysis::operator(opt, eta, h.beta, h.d_steps, j, st.w.theta.len());
    let radius = op.as_ref().ok().map(|o| o.spectral_radius());
    let eig: Vec<Complex<f64>> = j.complex_eigenvalues().iter().copied().collect();
    // The slow, rotational directions: eigenvalues of J closest to the imaginary axis.
    let mut axis = eig.clone();
    axis.sort_by(|a, b| a.re.abs().total_cmp(&b.re.abs()));
    axis.truncate(NEAR_AXIS);
    let record = SpectrumRecord {
        step: st.optim.iteration,
        jacobian: largest_first(eig),
        nearest_imaginary_axis: Some(axis),
        operator: op
            .as_ref()
            .ok()
            .map(|o| largest_first(o.eigenvalues.clone())),
        spectral_radius: radius.filter(|r| r.is_finite()),
        note: op.err(),
        unconverged: None,
    };
    (record, radius)
}

/// The record of a game without a dense Jacobian: J's eigenvalues of largest modulus from
/// Arnoldi on exact JVPs where the game has them (MLP GANs), else why there are none.
pub fn network_record<V: ParamVec>(game: &mut dyn Game<V = V>, st: &RunState<V>) -> SpectrumRecord {
    let (jacobian, unconverged, note) = match analysis::jacobian_top(game, &st.w, TOP_EIGENVALUES) {
        Some(Ok(ritz)) => {
            let found = analysis::converged(&ritz, RITZ_TOLERANCE);
            let note = network_note(found.len(), ritz.len());
            let unconverged = ritz.len() - found.len();
            (found, Some(unconverged), note)
        }
        Some(Err(why)) => (vec![], None, why),
        None => (vec![], None, "this game has no Jacobian".to_string()),
    };
    SpectrumRecord {
        step: st.optim.iteration,
        jacobian,
        nearest_imaginary_axis: None,
        operator: None,
        spectral_radius: None,
        note: Some(note),
        unconverged: Some(unconverged),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::engine::initial_state;
    use crate::run::{Preset, RunConfig};

    fn default_run(i: usize) -> RunConfig {
        let text = crate::run::builtin::builtin("default").unwrap();
        Preset::parse(text, "default").unwrap().resolve().unwrap()[i].clone()
    }

    #[test]
    fn a_bilinear_run_records_its_operator_and_rho() {
        // Simultaneous GD on θφ: J = [[0, 1], [−1, 0]] has ±i, the operator 1 ± iη, ρ = √(1+η²).
        let c = default_run(0);
        let built = c.build().unwrap();
        let crate::setup::BuiltGame::Toy(mut game) = built.game else {
            panic!("a toy game")
        };
        let st = initial_state(&c, game.as_ref(), &built.optimizer, built.hyper);
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: tmp.path().to_path_buf(),
        };
        let log = SpectrumLog::new(Some(50), dir.clone());
        assert!(log.due(0) && log.due(100) && !log.due(30));
        let rho = log.record(game.as_mut(), &built.optimizer, &st).unwrap();
        assert!((rho - (1.0f64 + 0.2 * 0.2).sqrt()).abs() < 1e-12, "{rho}");
        let records = dir.records::<SpectrumRecord>();
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!(r.step, 0);
        // Read back through serde_json, whose default float parsing may be one ulp off.
        assert!((r.spectral_radius.unwrap() - rho).abs() < 1e-15);
        assert!(r
            .jacobian
            .iter()
            .all(|z| z.re.abs() < 1e-12 && (z.im.abs() - 1.0).abs() < 1e-12));
        assert_eq!(r.nearest_imaginary_axis.as_ref().unwrap().len(), 2);
        assert!(r.note.is_none() && r.unconverged.is_none());
        let op = r.operator.as_ref().unwrap();
        assert!(op.iter().any(|z| (z.norm() - rho).abs() < 1e-12));
    }

    #[test]
    fn a_method_without_an_operator_says_why() {
        let text = r#"Preset(name: "adam", seed: 0, steps: 10, spectral_every: Some(5),
            game: Bilinear(dim: 1, start: Point(theta: [2.0], phi: [0.5])),
            runs: [Run(name: "extra-adam", scheme: Extragradient(), rule: Adam(), eta: 0.01, beta: 0.5)])"#;
        let c = Preset::parse(text, "adam")
            .unwrap()
            .resolve()
            .unwrap()
            .remove(0);
        let built = c.build().unwrap();
        let crate::setup::BuiltGame::Toy(game) = built.game else {
            panic!("a toy game")
        };
        let st = initial_state(&c, game.as_ref(), &built.optimizer, built.hyper);
        let j = game.jacobian(&st.w).unwrap();
        let (r, rho) = dense_record(&j, &built.optimizer, &st);
        assert_eq!(rho, None);
        assert!(r.operator.is_none() && r.spectral_radius.is_none());
        assert!(r.note.unwrap().contains("Adam"));
        assert_eq!(r.jacobian.len(), 2);
    }
}
