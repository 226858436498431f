//! One member, driven by its own process (`saddle sweep member SWEEP INDEX`, what the local
//! pool and the Slurm batch script start): an ordinary run, opened from its newest checkpoint
//! when it has one, so a restart after a preemption or a crash continues exactly.

use super::manifest::{engine_summary, has_ended, SweepDir};
use crate::error::{Error, Result};
use crate::run::engine::{self, install_signal_handlers};
use crate::run::observer::Progress;
use crate::run::Status;

/// Drives member `index` of `sweep` to its end; returns the process exit code: 0 when it
/// ended with a result (or had already), 1 when it failed or was interrupted (SIGTERM,
/// SIGINT, SIGHUP checkpoint it first).
pub fn drive(sweep: &SweepDir, index: usize) -> Result<i32> {
    let manifest = sweep.manifest()?;
    let m = manifest.members.get(index).ok_or_else(|| {
        Error::input(format!(
            "sweep {} has {} members: no member {index}",
            manifest.id,
            manifest.members.len()
        ))
    })?;
    let run = sweep.member(m);
    if has_ended(&run) {
        let s = engine_summary(&run).map(|s| s.status);
        eprintln!(
            "saddle: member {} ({}) has already ended ({}): nothing to do",
            m.id,
            m.name,
            s.map_or("?", Status::as_str)
        );
        return Ok(0);
    }
    install_signal_handlers();
    let mut e = engine::open(run, None)?;
    let total = e.target_steps();
    e.observe(Box::new(Progress::new(
        &format!("{} {}", m.id, m.name),
        total,
        crate::run::console::Console::stderr(),
    )));
    let s = e.run()?;
    Ok(match s.status {
        Status::Failed | Status::Interrupted => 1,
        _ => 0,
    })
}
