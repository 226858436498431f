//! What `saddle ls` and the dashboard know of the runs in a runs directory.

use super::store::{RunDir, CONFIG};
use super::summary::{Status, Summary};
use serde::Serialize;
use std::path::Path;

/// A run as found on disk.
#[derive(Clone, Debug, Serialize)]
pub struct Listed {
    /// Its directory.
    #[serde(skip)]
    pub dir: RunDir,
    /// Its id.
    pub id: String,
    /// What its `summary.json` says (None before the run first started).
    pub summary: Option<Summary>,
    /// True while a process drives it.
    pub live: bool,
    /// Why its `summary.json`, which is there, cannot be read (None: read, or not there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub damaged: Option<String>,
}

impl Listed {
    /// The run in `dir` as found on disk: its summary (or why it cannot be read) and liveness.
    pub fn of(dir: RunDir) -> Listed {
        let (summary, damaged) = match Summary::read_checked(&dir) {
            Ok(s) => (s, None),
            Err(why) => (None, Some(why)),
        };
        Listed {
            id: dir.id(),
            live: dir.is_live(),
            dir,
            summary,
            damaged,
        }
    }

    /// True for a run whose summary says running or paused but that no process drives.
    pub fn crashed(&self) -> bool {
        self.summary
            .as_ref()
            .is_some_and(|s| !s.status.is_final() && !self.live)
    }

    /// The status to show: a run whose summary says running or paused but that no process
    /// drives any more has `crashed` (its checkpoint can be resumed).
    pub fn status_word(&self) -> &'static str {
        match &self.summary {
            None if self.damaged.is_some() => "damaged",
            None if self.live => "starting",
            None => "created",
            Some(_) if self.crashed() => "crashed",
            Some(s) => s.status.as_str(),
        }
    }

    /// The step the run reached: its summary's, except for a crashed run, whose summary was
    /// last written at a checkpoint or earlier while its metrics went on (the step of their
    /// last complete row).
    pub fn step(&self) -> Option<u64> {
        let s = self.summary.as_ref()?;
        Some(if self.crashed() {
            reached_step(&self.dir, s.step)
        } else {
            s.step
        })
    }

    /// The status, when a summary exists and is consistent with liveness.
    pub fn status(&self) -> Option<Status> {
        self.summary.as_ref().map(|s| s.status)
    }
}

/// The later of `summary_step` and the step of the last complete row of the run's metrics
/// table (a run that stopped driving without writing its summary logged further).
pub fn reached_step(dir: &RunDir, summary_step: u64) -> u64 {
    super::metrics::last_step(&dir.file(super::store::METRICS))
        .map_or(summary_step, |l| l.max(summary_step))
}

/// The directories under `runs_dir` that hold a run's files (metrics, events, summary or
/// checkpoints) but no `config.ron`, so that [`list`] cannot take them for runs: each with why
/// (`saddle ls` names them rather than leave a run out silently). Sweep directories, which hold
/// members and an event log of their own but none of a run's other files, are not among them
/// (an event log alone does not make a run: every run directory is made with `checkpoints/`).
pub fn unlisted(runs_dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    use super::store::{CHECKPOINTS, METRICS, SUMMARY};
    let mut out: Vec<(std::path::PathBuf, String)> = std::fs::read_dir(runs_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !p.join(CONFIG).is_file())
        .filter(|p| {
            [METRICS, SUMMARY, CHECKPOINTS]
                .iter()
                .any(|f| p.join(f).exists())
        })
        .map(|p| {
            let why =
                format!("has a run's files but no {CONFIG}, so it is not a run saddle can read");
            (p, why)
        })
        .collect();
    out.sort();
    out
}

/// Every run directory under `runs_dir`, sorted by id (that is, by start time).
pub fn list(runs_dir: &Path) -> Vec<Listed> {
    let mut out: Vec<Listed> = std::fs::read_dir(runs_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join(CONFIG).is_file())
        .map(|e| Listed::of(RunDir { path: e.path() }))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
