//! Where each member stands (`states.json`): derived from its run directory (summary and
//! whether a process drives it), from the executor (the Slurm task's state), and from the
//! sweep (cancelled).

use super::manifest::{engine_summary, Manifest, SweepDir, STATES};
use crate::error::{Error, Result};
use crate::run::events::{parse_events, EventKind};
use crate::run::ident::unix_now;
use crate::run::store::{write_atomic, EVENTS};
use crate::run::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A member's state in the sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberState {
    /// Not started yet (or waiting for a slot / a Slurm node).
    Queued,
    /// A process drives it.
    Running,
    /// Interrupted or killed mid-run, checkpointed; waiting to be resumed (requeued on Slurm).
    Preempted,
    /// Ended with a result: finished, converged, diverged or stopped.
    Done,
    /// Ended by an error.
    Failed,
    /// Not done, and the sweep was cancelled.
    Cancelled,
    /// Not done and nothing will run it (its supervisor or Slurm job is gone):
    /// `saddle sweep resume` continues it.
    Stalled,
}

impl MemberState {
    /// The word used in files and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberState::Queued => "queued",
            MemberState::Running => "running",
            MemberState::Preempted => "preempted",
            MemberState::Done => "done",
            MemberState::Failed => "failed",
            MemberState::Cancelled => "cancelled",
            MemberState::Stalled => "stalled",
        }
    }

    /// True for states nothing changes without a user's command.
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            MemberState::Done | MemberState::Failed | MemberState::Cancelled | MemberState::Stalled
        )
    }
}

/// What the run directory alone says.
pub fn from_run(status: Option<Status>, live: bool) -> MemberState {
    match (status, live) {
        (_, true) => MemberState::Running,
        (None, false) => MemberState::Queued,
        (Some(s), false) => match s {
            Status::Finished | Status::Converged | Status::Diverged | Status::Stopped => {
                MemberState::Done
            }
            Status::Failed => MemberState::Failed,
            // Interrupted by a signal, or running/paused with no process left (killed).
            Status::Interrupted | Status::Running | Status::Paused => MemberState::Preempted,
        },
    }
}

/// What the executor knows of a member that the run directory does not.
#[derive(Clone, Debug, PartialEq)]
pub enum ExecutorView {
    /// A live local supervisor will run (or is running) it.
    Supervised,
    /// No supervisor and no Slurm task will run it.
    Orphaned,
    /// Its Slurm array task in `squeue`: PENDING, RUNNING, …
    SlurmTask(String),
}

/// Combines the run directory's state with the executor's view and the sweep's cancellation.
pub fn combine(run: MemberState, view: &ExecutorView, cancelled: bool) -> MemberState {
    use MemberState::*;
    match (run, view) {
        (Running | Done | Failed, _) => run,
        (_, ExecutorView::SlurmTask(s)) if s == "RUNNING" || s == "CONFIGURING" => Running,
        (Queued | Preempted, ExecutorView::Supervised | ExecutorView::SlurmTask(_)) => run,
        (_, _) if cancelled => Cancelled,
        _ => Stalled,
    }
}

/// One member's line in `states.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberStatus {
    /// Its index.
    pub index: usize,
    /// Its state in the sweep.
    pub state: MemberState,
    /// Its run's own status (from `summary.json`).
    pub status: Option<Status>,
    /// Iterations done.
    pub step: u64,
    /// Iterations it runs to.
    pub steps: u64,
    /// Times it was resumed from a checkpoint (after a preemption, a crash or a cancel).
    pub resumes: usize,
    /// The Slurm task's state (Slurm executor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm: Option<String>,
}

/// `states.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct States {
    /// Unix time of this snapshot.
    pub updated: f64,
    /// The local supervisor's process id while one is live.
    pub supervisor: Option<u32>,
    /// Slurm job ids of the sweep's submissions.
    pub slurm_jobs: Vec<u64>,
    /// True after `saddle sweep cancel`.
    pub cancelled: bool,
    /// Per member, in index order.
    pub members: Vec<MemberStatus>,
}

impl States {
    /// Members per state.
    pub fn counts(&self) -> BTreeMap<MemberState, usize> {
        let mut c = BTreeMap::new();
        for m in &self.members {
            *c.entry(m.state).or_insert(0) += 1;
        }
        c
    }

    /// True when no member can still change without a command.
    pub fn settled(&self) -> bool {
        self.members.iter().all(|m| m.state.is_settled())
    }

    /// `24 members: 20 done, 2 running, 2 queued`.
    pub fn line(&self) -> String {
        let parts: Vec<String> = self
            .counts()
            .iter()
            .map(|(s, n)| format!("{n} {}", s.as_str()))
            .collect();
        format!("{} members: {}", self.members.len(), parts.join(", "))
    }

    /// Writes `states.json` atomically.
    pub fn write(&self, sweep: &SweepDir) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::failure(e.to_string()))?;
        write_atomic(&sweep.file(STATES), text.as_bytes())
    }
}

/// Reads every member's run directory and combines it with `view` (per member index).
pub fn collect(
    sweep: &SweepDir,
    manifest: &Manifest,
    view: &dyn Fn(usize) -> ExecutorView,
    slurm_jobs: Vec<u64>,
) -> States {
    let cancelled = sweep.is_cancelled();
    let members = manifest
        .members
        .iter()
        .map(|m| {
            let run = sweep.member(m);
            let summary = engine_summary(&run);
            let live = run.is_live();
            let v = view(m.index);
            // A member whose directory is gone is run by nothing (resume skips it): stalled,
            // not queued behind the live ones.
            let state = if run.path.exists() {
                combine(
                    from_run(summary.as_ref().map(|s| s.status), live),
                    &v,
                    cancelled,
                )
            } else {
                MemberState::Stalled
            };
            let resumes = std::fs::read_to_string(run.file(EVENTS))
                .map(|t| {
                    parse_events(&t)
                        .iter()
                        .filter(|e| matches!(e.kind, EventKind::Resumed { .. }))
                        .count()
                })
                .unwrap_or(0);
            MemberStatus {
                index: m.index,
                state,
                status: summary.as_ref().map(|s| s.status),
                step: summary.as_ref().map_or(0, |s| s.step),
                steps: summary.as_ref().map_or(0, |s| s.steps),
                resumes,
                slurm: match v {
                    ExecutorView::SlurmTask(s) => Some(s),
                    _ => None,
                },
            }
        })
        .collect();
    States {
        updated: unix_now(),
        supervisor: sweep.supervisor(),
        slurm_jobs,
        cancelled,
        members,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MemberState::*;

    #[test]
    fn run_directory_states() {
        assert_eq!(from_run(None, false), Queued);
        assert_eq!(from_run(None, true), Running);
        assert_eq!(from_run(Some(Status::Running), true), Running);
        assert_eq!(from_run(Some(Status::Running), false), Preempted);
        assert_eq!(from_run(Some(Status::Interrupted), false), Preempted);
        assert_eq!(from_run(Some(Status::Diverged), false), Done);
        assert_eq!(from_run(Some(Status::Stopped), false), Done);
        assert_eq!(from_run(Some(Status::Failed), false), Failed);
    }

    #[test]
    fn the_executor_and_cancellation_refine_them() {
        let task = |s: &str| ExecutorView::SlurmTask(s.into());
        assert_eq!(combine(Preempted, &task("PENDING"), false), Preempted);
        assert_eq!(combine(Queued, &task("RUNNING"), false), Running);
        assert_eq!(combine(Queued, &ExecutorView::Supervised, false), Queued);
        assert_eq!(combine(Queued, &ExecutorView::Orphaned, false), Stalled);
        assert_eq!(combine(Preempted, &ExecutorView::Orphaned, true), Cancelled);
        assert_eq!(combine(Done, &ExecutorView::Orphaned, true), Done);
        assert_eq!(combine(Running, &ExecutorView::Orphaned, true), Running);
    }
}
