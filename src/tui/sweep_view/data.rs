//! What the sweep view knows of a sweep: its manifest and, per member, a small downsampled
//! history of its metrics, its state and its final metrics. Plain data, filled by
//! [`super::feed`] (or directly by tests and the benchmark).

use super::prediction::Prediction;
use crate::run::across_seeds::is_outcome;
use crate::run::metrics::X_COLUMNS;
use crate::run::Status;
use crate::sweep::manifest::Manifest;
use crate::sweep::state::MemberState;
use crate::tui::series::SeriesStore;
use std::collections::BTreeMap;

/// Buckets kept per member: more than the braille width of the curves at 160 columns; a
/// thousand members with 20 columns hold about 65 MB.
pub const MEMBER_CAPACITY: usize = 128;

/// One member as the sweep view knows it.
#[derive(Clone, Debug)]
pub struct MemberData {
    /// Value column names: the `metrics.csv` header without its x columns.
    pub columns: Vec<String>,
    /// Those of them that trace its method's live hyperparameters (settings, not outcomes).
    pub settings: Vec<String>,
    /// Downsampled history of those columns.
    pub series: SeriesStore,
    /// Its state in the sweep: what its run directory says when that is running, done or
    /// failed (fresher than the executor's snapshot), else the executor's (`states.json`).
    pub state: MemberState,
    /// What its run directory said at the last look (summary and liveness).
    pub own: Option<MemberState>,
    /// What the executor said (`states.json`).
    pub executor: MemberState,
    /// Its Slurm task's state (Slurm executor).
    pub slurm: Option<String>,
    /// Its run's own status (`summary.json`).
    pub status: Option<Status>,
    /// Iterations done.
    pub step: u64,
    /// Iterations it runs to (0 before its summary says).
    pub steps: u64,
    /// Its final metrics, once it has ended with a result (finished, converged, diverged,
    /// stopped): the definition of `saddle sweep report`.
    pub finals: Option<BTreeMap<String, Option<f64>>>,
}

impl MemberData {
    /// A member with nothing read yet.
    pub fn new() -> Self {
        MemberData {
            columns: vec![],
            settings: vec![],
            series: SeriesStore::new(0, MEMBER_CAPACITY),
            state: MemberState::Queued,
            own: None,
            executor: MemberState::Queued,
            slurm: None,
            status: None,
            step: 0,
            steps: 0,
            finals: None,
        }
    }

    /// Replaces the value columns (a header was read): the history restarts.
    pub fn set_columns(&mut self, columns: Vec<String>) {
        self.series = SeriesStore::new(columns.len(), MEMBER_CAPACITY);
        self.columns = columns;
    }

    /// Takes one metrics row (the x columns first, then one value per value column).
    pub fn push_row(&mut self, row: &[Option<f64>]) {
        let x = X_COLUMNS.len();
        if row.len() != x + self.columns.len() {
            return;
        }
        let xs = [0, 1, 2, 3].map(|i| row[i].unwrap_or(f64::NAN));
        if xs[0].is_finite() {
            self.step = self.step.max(xs[0] as u64);
        }
        self.series.push(xs, &row[x..]);
    }

    /// Derives [`MemberData::state`] from its run directory's and the executor's.
    pub fn refresh_state(&mut self) {
        use MemberState::*;
        self.state = match self.own {
            Some(s @ (Running | Done | Failed)) => s,
            _ => self.executor,
        };
    }

    /// Index of a value column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The newest logged value of a column.
    pub fn last(&self, name: &str) -> Option<f64> {
        self.series
            .last_value(self.column(name)?)
            .filter(|v| v.is_finite())
    }

    /// Its final value of `metric` as `saddle sweep report` takes it: from its summary once it
    /// has ended with a result; None before, or when not finite.
    pub fn final_value(&self, metric: &str) -> Option<f64> {
        self.finals
            .as_ref()?
            .get(metric)
            .copied()
            .flatten()
            .filter(|v| v.is_finite())
    }
}

impl Default for MemberData {
    fn default() -> Self {
        Self::new()
    }
}

/// A sweep as the sweep view knows it.
#[derive(Clone, Debug)]
pub struct SweepData {
    /// The resolved sweep.
    pub manifest: Manifest,
    /// Per member, in index order.
    pub members: Vec<MemberData>,
    /// The local supervisor's process id while one is live (`states.json`).
    pub supervisor: Option<u32>,
    /// True after `saddle sweep cancel`.
    pub cancelled: bool,
    /// Counts changes: what the view caches its aggregates against.
    pub generation: u64,
    /// How the data is kept up to date (notified of changes, or looked at, and why); empty
    /// for data not kept by a watch.
    pub feed: String,
    /// The stability map's prediction of each configuration (see [`super::prediction`]);
    /// None while it is computed, or where the view does not compute it (a grid without two
    /// axes has no heat map).
    pub predicted: Option<Vec<Prediction>>,
}

impl SweepData {
    /// The sweep with nothing read of its members yet.
    pub fn new(manifest: Manifest) -> Self {
        let members = (0..manifest.members.len())
            .map(|_| MemberData::new())
            .collect();
        SweepData {
            manifest,
            members,
            supervisor: None,
            cancelled: false,
            generation: 0,
            feed: String::new(),
            predicted: None,
        }
    }

    /// The outcome metrics the members log or ended with, in order of first appearance: what
    /// `saddle sweep report` reports. The x columns and the columns tracing a member's live
    /// hyperparameters (its [`MemberData::settings`]) are settings, not outcomes.
    pub fn metrics(&self) -> Vec<String> {
        let settings: Vec<&String> = self.members.iter().flat_map(|m| &m.settings).collect();
        let mut out: Vec<String> = vec![];
        for m in &self.members {
            let names = m
                .columns
                .iter()
                .chain(m.finals.iter().flat_map(|f| f.keys()));
            for n in names {
                if is_outcome(n) && !out.contains(n) && !settings.contains(&n) {
                    out.push(n.clone());
                }
            }
        }
        out
    }

    /// Members per state.
    pub fn counts(&self) -> BTreeMap<MemberState, usize> {
        let mut c = BTreeMap::new();
        for m in &self.members {
            *c.entry(m.state).or_insert(0) += 1;
        }
        c
    }

    /// Slurm task states with their member counts (empty without Slurm).
    pub fn slurm_counts(&self) -> BTreeMap<String, usize> {
        let mut c = BTreeMap::new();
        for s in self.members.iter().filter_map(|m| m.slurm.as_ref()) {
            *c.entry(s.clone()).or_insert(0) += 1;
        }
        c
    }

    /// Member `i`'s name in the manifest (`?` when there is none).
    pub fn name(&self, i: usize) -> &str {
        self.manifest
            .members
            .get(i)
            .map_or("?", |m| m.name.as_str())
    }
}
