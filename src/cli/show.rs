//! `saddle show RUN`: where a run's numbers came from — its provenance records (the first in
//! full, each resume as what changed) — and where it stands.

use crate::error::Result;
use crate::run::ident::timestamp;
use crate::run::provenance::Provenance;
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
    match Summary::read(&dir) {
        Some(s) => println!(
            "status     {} at step {} of {} ({}, preset {})",
            s.status, s.step, s.steps, s.method, s.preset
        ),
        None => println!("status     not started"),
    }
    let Some(first) = records.first() else {
        println!("provenance none recorded (a run made before saddle kept provenance.jsonl)");
        return Ok(0);
    };
    println!(
        "provenance {} record{}",
        records.len(),
        plural(records.len())
    );
    print_full(first);
    for pair in records.windows(2) {
        let (before, now) = (&pair[0], &pair[1]);
        println!(
            "  {:?} at step {} ({})",
            now.opening,
            now.step,
            utc(now.unix_time)
        );
        let changes = now.changes_from(before);
        if changes.is_empty() {
            println!("    same build, machine and threads");
        }
        for (field, a, b) in changes {
            let mark = if Provenance::affects_results(field) {
                "  (can change results)"
            } else {
                ""
            };
            println!("    {field:<14}{a} → {b}{mark}");
        }
        if now.command != before.command {
            println!("    {:<14}{}", "command", now.command.join(" "));
        }
    }
    Ok(0)
}

fn print_full(p: &Provenance) {
    println!(
        "  {:?} at step {} ({})",
        p.opening,
        p.step,
        utc(p.unix_time)
    );
    let simd = format!(
        "{} at run time (compiled for {})",
        p.simd_runtime, p.simd_compiled
    );
    let slurm = p.slurm.as_ref().map(|s| {
        let array = match (&s.array_job_id, &s.array_task_id) {
            (Some(j), Some(t)) => format!(", array {j}_{t}"),
            _ => String::new(),
        };
        let node = s
            .node
            .as_ref()
            .map(|n| format!(", node {n}"))
            .unwrap_or_default();
        format!("job {}{array}{node}", s.job_id)
    });
    let rows = [
        ("saddle", format!("{} (profile {})", p.saddle, p.profile)),
        ("commit", p.commit.clone()),
        ("compiler", p.compiler.clone()),
        ("cpu", p.cpu.clone()),
        ("simd", simd),
        ("threads", p.threads.to_string()),
        ("device", p.device.clone()),
        ("host", p.host.clone()),
        ("os", p.os.clone()),
        ("command", p.command.join(" ")),
        ("slurm", slurm.unwrap_or_else(|| "—".into())),
    ];
    for (k, v) in rows {
        println!("    {k:<14}{v}");
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `2026-12-03 11:45:02 UTC` for seconds since the Unix epoch (from the run ids' stamp).
fn utc(unix: f64) -> String {
    let t = timestamp(unix.max(0.0) as u64);
    let (d, h) = (&t[..8], &t[9..]);
    format!(
        "{}-{}-{} {}:{}:{} UTC",
        &d[..4],
        &d[4..6],
        &d[6..],
        &h[..2],
        &h[2..4],
        &h[4..]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::utc(951_782_400.0), "2000-02-29 00:00:00 UTC");
        assert_eq!(super::utc(1_796_297_102.0), "2026-12-03 11:25:02 UTC");
    }
}
