//! The spectrum log: every `spectral_every` iterations, one [`SpectrumRecord`] in
//! `spectrum.jsonl` — the eigenvalues of J at the iterate and, for a linear method, of its
//! update operator, whose spectral radius ρ also goes into the metrics row. Games without a
//! closed-form J (the networks), or whose J is too large to solve densely, get J's eigenvalues
//! of largest modulus from Arnoldi on J·v ([`crate::run::spectrum::analyse`], shared with
//! `saddle spectrum`).
//!
//! A record never holds a run up for long: its dense parts are attempted only where their
//! estimated cost is within [`RECORD_DENSE`] (a deterministic rule), and its iterations stop at
//! [`RECORD_DEADLINE`] or at a signal. Every due record is written (`spectral_every` is the
//! user's choice of how much of the run's time records take). None of this touches the
//! trajectory: a record only reads the iterate.

use crate::analysis::{ARNOLDI_STEPS, RITZ_TOLERANCE};
use crate::game::Game;
use crate::linalg::Budget;
use crate::optim::Optimizer;
use crate::run::checkpoint::RunState;
use crate::run::records::JsonLine;
use crate::run::spectrum::{analyse, Analysis, Limits};
use crate::run::spectrum_record::SpectrumRecord;
use crate::run::store::RunDir;
use crate::vector::ParamVec;
use nalgebra::Complex;
use std::time::Duration;

/// Eigenvalues kept per list of a closed-form record.
const KEPT: usize = 32;
/// Eigenvalues of J nearest the imaginary axis kept.
const NEAR_AXIS: usize = 8;
/// The dense parts of a record are attempted where their estimated cost is within this.
pub const RECORD_DENSE: Duration = Duration::from_secs(1);
/// A record's iterations stop here whatever the estimate said (a slow machine's safety net).
pub const RECORD_DEADLINE: Duration = Duration::from_secs(3);
/// What a network's spectrum record holds: `found` converged of `of` Ritz values after
/// `steps` Arnoldi steps; `cut` when the record's time budget (or a signal) stopped Arnoldi
/// before [`ARNOLDI_STEPS`] (fewer steps also follow from a breakdown, whose values are exact).
pub fn network_note(found: usize, of: usize, steps: usize, cut: bool) -> String {
    let early = if cut {
        format!(" (its time budget stopped it before {ARNOLDI_STEPS})")
    } else {
        String::new()
    };
    format!(
        "J: the {found} of the {of} eigenvalues of largest modulus that converged (residual ≤ {RITZ_TOLERANCE}·|λ|) after {steps} Arnoldi steps{early} on exact J·v (networks: on the metrics' minibatch); no ρ: the update operator needs the whole spectrum",
    )
}

/// Writes a run's `spectrum.jsonl`: records wait in memory until [`SpectrumLog::flush`] (the
/// engine's flush of its rows, every 100 ms, before each checkpoint and at the end; and when
/// the log is dropped), then go out in one append.
///
/// Why not one append per record: a small game records thousands of times a second, and
/// each open–write–close is three system calls that also wake every reader watching the file
/// (the dashboard's notifications). Measured on an Intel Xeon (2026-12-04), `spectral_every:
/// 50` at 2·10⁶ steps/s: 80 000 opens per 4·10⁶ steps before, none but the flushes after; the
/// worker's throughput per CPU-second with a dashboard attached went from 0.956× headless to
/// 0.996× (together with the larger row buffer of `metrics.csv`).
pub struct SpectrumLog {
    every: Option<u64>,
    dir: RunDir,
    /// Complete lines not yet appended, each ending in a newline.
    pending: String,
}

impl SpectrumLog {
    /// A record every `every` iterations (never when None) into `dir`.
    pub fn new(every: Option<u64>, dir: RunDir) -> Self {
        SpectrumLog {
            every,
            dir,
            pending: String::new(),
        }
    }

    /// Appends the records waiting since the last flush, in one write (readers see whole
    /// lines, or a torn last one they skip). The spectrum is an observation, never a reason to
    /// stop training: records that cannot be written are named on stderr and dropped.
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if let Err(e) =
            crate::files::append_text(&self.dir.file(SpectrumRecord::FILE), &self.pending)
        {
            eprintln!(
                "saddle: {e} ({} spectrum records not written)",
                self.pending.lines().count()
            );
        }
        self.pending.clear();
    }

    /// True when a record is due after `t` iterations.
    pub fn due(&self, t: u64) -> bool {
        self.every.is_some_and(|k| t.is_multiple_of(k))
    }

    /// Appends the record of the run's current iterate; returns ρ where the method has an
    /// operator. `cancelled` (a signal's flag) cuts the record short. The record waits for
    /// [`SpectrumLog::flush`]; one that cannot be serialized is named on stderr and skipped.
    pub fn record<V: ParamVec>(
        &mut self,
        game: &mut dyn Game<V = V>,
        opt: &Optimizer,
        st: &RunState<V>,
        cancelled: impl Fn() -> bool + Send + Sync + 'static,
    ) -> Option<f64> {
        let limits = Limits {
            dense: RECORD_DENSE,
            budget: Budget::within(RECORD_DEADLINE).or_cancelled(cancelled),
        };
        let mut h = st.optim.hyper.clone();
        h.eta = opt.eta_at(&st.optim.hyper, st.optim.iteration);
        let a = analyse(game, &st.w, opt, &h, &limits);
        let record = to_record(&a, st.optim.iteration);
        match record.to_line() {
            Ok(line) => {
                self.pending.push_str(&line);
                self.pending.push('\n');
            }
            Err(e) => eprintln!(
                "saddle: {e} (spectrum record of step {} not written)",
                record.step
            ),
        }
        a.radius
    }
}

impl Drop for SpectrumLog {
    /// Whatever way the run's engine ends, the records it computed reach the file.
    fn drop(&mut self) {
        self.flush();
    }
}

fn kept(mut z: Vec<Complex<f64>>) -> Vec<Complex<f64>> {
    z.truncate(KEPT);
    z
}

/// The record of an analysis at step `step`: the closed-form shape where J's whole spectrum is
/// known, else the Ritz values of largest modulus with how many did not converge.
pub fn to_record(a: &Analysis, step: u64) -> SpectrumRecord {
    if a.complete {
        // The slow, rotational directions: eigenvalues of J closest to the imaginary axis.
        let mut axis = a.jacobian.clone();
        axis.sort_by(|x, y| x.re.abs().total_cmp(&y.re.abs()));
        axis.truncate(NEAR_AXIS);
        SpectrumRecord {
            step,
            jacobian: kept(a.jacobian.clone()),
            nearest_imaginary_axis: Some(axis),
            operator: a.operator.clone().map(kept),
            spectral_radius: a.radius.filter(|r| r.is_finite()),
            note: a.note(),
            unconverged: None,
        }
    } else {
        SpectrumRecord {
            step,
            jacobian: a.jacobian.clone(),
            nearest_imaginary_axis: None,
            operator: None,
            spectral_radius: None,
            note: a.note(),
            unconverged: Some(a.unconverged),
        }
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

    /// The default preset's first run (simultaneous GD on θφ) at its start, and a run
    /// directory for its records.
    struct Bilinear {
        game: crate::game::ToyGame,
        opt: Optimizer,
        st: RunState<Vec<f64>>,
        dir: RunDir,
        _tmp: tempfile::TempDir,
    }

    impl Bilinear {
        fn new() -> Self {
            let c = default_run(0);
            let built = c.build().unwrap();
            let crate::setup::BuiltGame::Toy(game) = built.game else {
                panic!("a toy game")
            };
            let st = initial_state(&c, game.as_ref(), &built.optimizer, built.hyper);
            let tmp = tempfile::tempdir().unwrap();
            let dir = RunDir {
                path: tmp.path().to_path_buf(),
            };
            Bilinear {
                game,
                opt: built.optimizer,
                st,
                dir,
                _tmp: tmp,
            }
        }

        fn record(&mut self, log: &mut SpectrumLog) -> Option<f64> {
            log.record(self.game.as_mut(), &self.opt, &self.st, || false)
        }
    }

    #[test]
    fn a_bilinear_run_records_its_operator_and_rho() {
        // Simultaneous GD on θφ: J = [[0, 1], [−1, 0]] has ±i, the operator 1 ± iη, ρ = √(1+η²).
        let mut b = Bilinear::new();
        let dir = b.dir.clone();
        let mut log = SpectrumLog::new(Some(50), dir.clone());
        assert!(log.due(0) && log.due(100) && !log.due(30));
        let rho = b.record(&mut log).unwrap();
        assert!((rho - (1.0f64 + 0.2 * 0.2).sqrt()).abs() < 1e-12, "{rho}");
        assert!(
            dir.records::<SpectrumRecord>().is_empty(),
            "a record waits for the flush"
        );
        log.flush();
        log.flush();
        let records = dir.records::<SpectrumRecord>();
        assert_eq!(records.len(), 1, "written once, however often flushed");
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
    fn records_waiting_for_a_flush_are_written_when_the_log_is_dropped() {
        let mut b = Bilinear::new();
        let dir = b.dir.clone();
        let mut log = SpectrumLog::new(Some(1), dir.clone());
        for _ in 0..3 {
            b.record(&mut log);
        }
        assert!(dir.records::<SpectrumRecord>().is_empty());
        drop(log);
        let text = std::fs::read_to_string(dir.file(SpectrumRecord::FILE)).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.ends_with('\n'), "whole lines only");
        assert_eq!(dir.records::<SpectrumRecord>().len(), 3);
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
        let mut game = game;
        let st = initial_state(&c, game.as_ref(), &built.optimizer, built.hyper);
        let limits = Limits::new(RECORD_DENSE, RECORD_DEADLINE);
        let a = analyse(
            game.as_mut(),
            &st.w,
            &built.optimizer,
            &st.optim.hyper,
            &limits,
        );
        let r = to_record(&a, 0);
        assert_eq!(a.radius, None);
        assert!(r.operator.is_none() && r.spectral_radius.is_none());
        assert!(r.note.unwrap().contains("Adam"));
        assert_eq!(r.jacobian.len(), 2);
    }
}
