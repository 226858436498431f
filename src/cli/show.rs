//! `saddle show RUN`: where a run's numbers came from — its provenance records (the first in
//! full, each resume as what changed) — and where it stands.

use crate::error::Result;
use crate::run::listing::Listed;
use crate::run::provenance::Provenance;
use crate::run::provenance_text;
use crate::run::store::RunDir;
use std::path::Path;

/// Prints the run's status and provenance; with `json`, its provenance records, one per line.
pub fn show(run: &str, json: bool, runs_dir: &Path) -> Result<i32> {
    let dir = RunDir::find(run, runs_dir)?;
    let (records, damaged) = dir.records_and_damage::<Provenance>();
    let damage = || {
        let lines: Vec<String> = damaged.iter().map(|l| l.to_string()).collect();
        let what = if damaged.len() > 1 {
            format!("lines {} are not provenance records", lines.join(", "))
        } else {
            format!("line {} is not a provenance record", lines[0])
        };
        format!(
            "{}: {what}",
            dir.file(crate::run::provenance::PROVENANCE).display()
        )
    };
    if json {
        // stdout stays JSON lines; what was skipped is said on stderr.
        if !damaged.is_empty() {
            eprintln!("saddle: warning: {} (skipped)", damage());
        }
        for p in &records {
            println!("{}", serde_json::to_string(p).unwrap_or_default());
        }
        return Ok(0);
    }
    // A sweep's member is found by its sweep and index, not by its directory name alone: the
    // name printed, and the one `resume` is told, must find it again.
    let handle = match RunDir::find(&dir.id(), runs_dir) {
        Ok(d) if d.path == dir.path => dir.id(),
        _ => run.to_string(),
    };
    println!("run        {handle}");
    println!("status     {}", status(&dir, &handle));
    if !damaged.is_empty() {
        println!("damaged    {} (skipped below)", damage());
    }
    if records.is_empty() && !damaged.is_empty() {
        println!("provenance none readable");
    } else {
        println!("provenance {}", provenance_text::heading(&records));
    }
    for line in provenance_text::lines(&records) {
        println!("{line}");
    }
    Ok(0)
}

/// The status line: the summary's, except for a run whose summary says running or paused that
/// no process drives (what `saddle ls` calls crashed), which is named so, at the step its
/// metrics reached, with `saddle resume HANDLE` (`handle`: how the run is found again).
fn status(dir: &RunDir, handle: &str) -> String {
    let run = Listed::of(dir.clone());
    if let Some(why) = &run.damaged {
        return format!("unknown: {why}");
    }
    match &run.summary {
        Some(s) if run.crashed() => format!(
            "crashed at step {} of {} ({}, preset {}); no process drives it (its summary, last \
             written at step {}, says {}): `saddle resume {}` continues it from its newest \
             checkpoint",
            run.step().unwrap_or(s.step),
            s.steps,
            s.method,
            s.preset,
            s.step,
            s.status,
            handle
        ),
        other => provenance_text::status(other.as_ref()),
    }
}
