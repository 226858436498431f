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
}

impl Listed {
    /// The status to show: a run whose summary says running or paused but that no process
    /// drives any more has `crashed` (its checkpoint can be resumed).
    pub fn status_word(&self) -> &'static str {
        match &self.summary {
            None if self.live => "starting",
            None => "created",
            Some(s) if !s.status.is_final() && !self.live => "crashed",
            Some(s) => s.status.as_str(),
        }
    }

    /// The status, when a summary exists and is consistent with liveness.
    pub fn status(&self) -> Option<Status> {
        self.summary.as_ref().map(|s| s.status)
    }
}

/// Every run directory under `runs_dir`, sorted by id (that is, by start time).
pub fn list(runs_dir: &Path) -> Vec<Listed> {
    let mut out: Vec<Listed> = std::fs::read_dir(runs_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join(CONFIG).is_file())
        .map(|e| {
            let dir = RunDir { path: e.path() };
            let summary = Summary::read(&dir);
            Listed {
                id: dir.id(),
                live: dir.is_live(),
                dir,
                summary,
            }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
