//! The local executor: a bounded pool of member processes on this machine, supervised by one
//! detached process on a tokio runtime (members are OS processes; tokio only waits for them,
//! for signals and for timers, never on a step path).
//!
//! The supervisor starts members in index order, at most `jobs` at once, each as
//! `saddle sweep member SWEEP INDEX` with its output in `logs/`. SIGTERM, SIGINT or SIGHUP
//! stop it from starting more and forward SIGTERM to the running members, which checkpoint
//! and end `interrupted`. A restarted supervisor (`saddle sweep resume`) skips members that
//! ended, waits for members still driven by a process of an earlier supervisor (they hold a
//! slot), and continues the rest from their checkpoints.

use super::manifest::{has_ended, Manifest, SweepDir};
use super::state::{collect, ExecutorView, MemberState, States};
use crate::error::{io_error, Error, Result};
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use tokio::task::JoinSet;

/// How often members left running by an earlier supervisor are looked at.
const ORPHAN_POLL: Duration = Duration::from_millis(500);

/// Members at once when the sweep does not say: one per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The states as this supervisor sees them.
pub fn states(sweep: &SweepDir, manifest: &Manifest) -> States {
    let supervised = sweep.supervisor().is_some();
    let view = |_: usize| {
        if supervised {
            ExecutorView::Supervised
        } else {
            ExecutorView::Orphaned
        }
    };
    collect(sweep, manifest, &view, vec![])
}

/// Runs the sweep's unfinished members to their end (the body of the detached supervisor
/// process); returns 0 when every member is done, 1 otherwise.
pub fn supervise(sweep: &SweepDir, exe: &Path) -> Result<i32> {
    let _lock = sweep.lock_supervisor()?;
    let manifest = sweep.manifest()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::failure(format!("cannot start the supervisor's runtime: {e}")))?;
    rt.block_on(pool(sweep, &manifest, exe))
}

/// Sends SIGTERM to process `pid`.
pub fn terminate(pid: u32) {
    // SAFETY: kill(2) with a pid we read from a lock file this sweep wrote.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGTERM);
    }
}

async fn pool(sweep: &SweepDir, manifest: &Manifest, exe: &Path) -> Result<i32> {
    let sig =
        |k: SignalKind| signal(k).map_err(|e| Error::failure(format!("cannot watch signals: {e}")));
    let (mut term, mut int, mut hup) = (
        sig(SignalKind::terminate())?,
        sig(SignalKind::interrupt())?,
        sig(SignalKind::hangup())?,
    );
    let jobs = manifest.jobs.unwrap_or_else(default_jobs).max(1);
    let mut pending: VecDeque<usize> = manifest
        .members
        .iter()
        .filter(|m| !has_ended(&sweep.member(m)))
        .map(|m| m.index)
        .collect();
    sweep.event(json!({"event": "supervisor", "pid": std::process::id(), "jobs": jobs, "pending": pending.len()}))?;
    let mut waiting: Vec<usize> = vec![];
    let mut running: JoinSet<(usize, std::io::Result<std::process::ExitStatus>)> = JoinSet::new();
    let mut pids: HashMap<usize, u32> = HashMap::new();
    let mut stopping = false;
    loop {
        while !stopping && running.len() + waiting.len() < jobs {
            let Some(i) = pending.pop_front() else { break };
            let m = &manifest.members[i];
            let run = sweep.member(m);
            if run.is_live() {
                waiting.push(i);
                continue;
            }
            if has_ended(&run) {
                continue;
            }
            let log_path = sweep.local_log(m);
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log_path)
                .map_err(|e| io_error(&log_path, e))?;
            let err = log.try_clone().map_err(|e| io_error(&log_path, e))?;
            let mut child = tokio::process::Command::new(exe)
                .arg("sweep")
                .arg("member")
                .arg(&sweep.path)
                .arg(i.to_string())
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(err)
                .spawn()
                .map_err(|e| Error::failure(format!("cannot start member {}: {e}", m.id)))?;
            let pid = child.id().unwrap_or(0);
            pids.insert(i, pid);
            sweep.event(json!({"event": "started", "member": i, "pid": pid}))?;
            running.spawn(async move { (i, child.wait().await) });
        }
        states(sweep, manifest).write(sweep)?;
        if running.is_empty() && waiting.is_empty() && (stopping || pending.is_empty()) {
            break;
        }
        tokio::select! {
            Some(joined) = running.join_next() => {
                let (i, exit) = joined.map_err(|e| Error::failure(format!("a member's watcher failed: {e}")))?;
                pids.remove(&i);
                let run = sweep.member(&manifest.members[i]);
                let status = super::manifest::engine_summary(&run).map(|s| s.status.as_str());
                let code = exit.ok().and_then(|s| s.code());
                sweep.event(json!({"event": "ended", "member": i, "status": status, "exit": code}))?;
            }
            _ = term.recv() => stop(sweep, &mut stopping, &mut pending, &pids)?,
            _ = int.recv() => stop(sweep, &mut stopping, &mut pending, &pids)?,
            _ = hup.recv() => stop(sweep, &mut stopping, &mut pending, &pids)?,
            _ = tokio::time::sleep(ORPHAN_POLL), if !waiting.is_empty() => {
                let (live, free): (Vec<usize>, Vec<usize>) =
                    waiting.iter().partition(|&&i| sweep.member(&manifest.members[i]).is_live());
                waiting = live;
                for i in free.into_iter().rev() {
                    pending.push_front(i);
                }
            }
        }
    }
    let st = states(sweep, manifest);
    st.write(sweep)?;
    sweep.event(json!({"event": "supervisor_ended", "states": st.line()}))?;
    let all_done = st.members.iter().all(|m| m.state == MemberState::Done);
    Ok(if all_done { 0 } else { 1 })
}

/// Stops starting members and asks the running ones to checkpoint and end.
fn stop(
    sweep: &SweepDir,
    stopping: &mut bool,
    pending: &mut VecDeque<usize>,
    pids: &HashMap<usize, u32>,
) -> Result<()> {
    if !*stopping {
        sweep.event(
            json!({"event": "stopping", "running": pids.len(), "not_started": pending.len()}),
        )?;
        *stopping = true;
        pending.clear();
        for pid in pids.values() {
            terminate(*pid);
        }
    }
    Ok(())
}
