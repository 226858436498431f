//! `saddle show RUN`: where a run's numbers came from — its provenance records (the first in
//! full, each resume as what changed) — and where it stands.

use crate::error::Result;
use crate::run::provenance::Provenance;
use crate::run::provenance_text;
use crate::run::store::RunDir;
use crate::run::summary::Summary;
use std::path::Path;

/// Prints the run's status and provenance; with `json`, its provenance records, one per line.
pub fn show(run: &str, json: bool, runs_dir: &Path) -> Result<i32> {
    let dir = RunDir::find(run, runs_dir)?;
    let records: Vec<Provenance> = dir.records();
    if json {
        for p in &records {
            println!("{}", serde_json::to_string(p).unwrap_or_default());
        }
        return Ok(0);
    }
    println!("run        {}", dir.id());
    println!(
        "status     {}",
        provenance_text::status(Summary::read(&dir).as_ref())
    );
    println!("provenance {}", provenance_text::heading(&records));
    for line in provenance_text::lines(&records) {
        println!("{line}");
    }
    Ok(0)
}
