//! `saddle ls` and `saddle control`: listing runs and steering live ones.

use crate::error::{Error, Result};
use crate::run::client;
use crate::run::console::sig3;
use crate::run::control::{Command, PARAMS};
use crate::run::events::EventKind;
use crate::run::listing::list;
use crate::run::metrics::DISTANCE_TO_EQUILIBRIUM;
use crate::run::store::RunDir;
use clap::{Args, ValueEnum};
use std::path::Path;
use std::time::Duration;

/// `saddle ls`.
pub fn ls(runs_dir: &Path, json: bool) -> Result<i32> {
    let runs = list(runs_dir);
    // Nothing is left out silently: directories that look like runs but cannot be listed,
    // and runs whose summary is damaged, are named.
    for (path, why) in crate::run::listing::unlisted(runs_dir) {
        eprintln!("saddle: {} {why}", path.display());
    }
    // A sweep that cannot be read (its creation was killed, its manifest is damaged) is not
    // left out silently either: it is named with the command that removes it.
    let mut broken: Vec<_> = std::fs::read_dir(runs_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| crate::sweep::manifest::SweepDir { path: e.path() })
        .filter_map(|s| s.unusable().map(|why| (s, why)))
        .collect();
    broken.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    for (s, why) in broken {
        eprintln!(
            "saddle: {}: a sweep that cannot be read: {why} (`saddle sweep rm {}` removes it)",
            s.path.display(),
            s.path.display()
        );
    }
    for r in runs.iter() {
        if let Some(why) = &r.damaged {
            eprintln!("saddle: run {}: {why}; listed as damaged", r.id);
        }
    }
    if json {
        for r in &runs {
            println!(
                "{}",
                serde_json::json!({"id": r.id, "status": r.status_word(), "step": r.step(), "live": r.live, "summary": r.summary})
            );
        }
        return Ok(0);
    }
    // Sweeps are not runs; a user who finds no runs is told where the sweeps' members are.
    let sweeps: Vec<String> = std::fs::read_dir(runs_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join(crate::sweep::manifest::MANIFEST).is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let sweeps_note = match sweeps.as_slice() {
        [] => String::new(),
        [one] => format!("; 1 sweep (`saddle sweep status {one}` lists its members)"),
        more => format!(
            "; {} sweeps (`saddle sweep status ID` lists a sweep's members)",
            more.len()
        ),
    };
    if runs.is_empty() {
        eprintln!("no runs under {}{sweeps_note}", runs_dir.display());
        return Ok(0);
    }
    let mut table: Vec<[String; 5]> = vec![[
        "ID".into(),
        "STATUS".into(),
        "STEP".into(),
        "METHOD".into(),
        "DISTANCE".into(),
    ]];
    for r in runs {
        let (step, method, dist) = match &r.summary {
            Some(s) => (
                format!("{}/{}", r.step().unwrap_or(s.step), s.steps),
                s.method.clone(),
                s.metrics
                    .get(DISTANCE_TO_EQUILIBRIUM)
                    .copied()
                    .flatten()
                    .map_or_else(|| "—".into(), sig3),
            ),
            None => ("—".into(), "—".into(), "—".into()),
        };
        table.push([r.id.clone(), r.status_word().into(), step, method, dist]);
    }
    print!("{}", aligned(&table));
    Ok(0)
}

/// The rows as text columns two spaces apart, each as wide as its widest cell; the step and
/// the distance (columns 2 and 4) right-aligned.
fn aligned(rows: &[[String; 5]]) -> String {
    let width = |c: usize| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..5).map(width).collect();
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> = (0..5)
            .map(|c| {
                let pad = widths[c] - r[c].chars().count();
                if c == 2 || c == 4 {
                    format!("{}{}", " ".repeat(pad), r[c])
                } else {
                    format!("{}{}", r[c], " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// What `saddle control` asks of a run.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Verb {
    /// Stop stepping until `resume`.
    Pause,
    /// Continue after `pause`.
    Resume,
    /// Checkpoint and end the run (status `stopped`).
    Stop,
    /// Write a checkpoint now.
    Checkpoint,
    /// Change a live parameter: `set PARAM=VALUE`.
    Set,
}

/// Arguments of `saddle control`.
#[derive(Args, Debug)]
pub struct ControlArgs {
    /// The run: its id or its directory.
    run: String,
    /// What to do.
    verb: Verb,
    /// For `set`: PARAM=VALUE.
    #[arg(value_name = "PARAM=VALUE")]
    assignment: Option<String>,
    /// Seconds to wait for the run's answer.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
}

/// `saddle control RUN VERB [PARAM=VALUE]`: prints the run's answer; exit 2 if refused.
pub fn control(args: ControlArgs, runs_dir: &Path) -> Result<i32> {
    let dir = RunDir::find(&args.run, runs_dir)?;
    let command = match (args.verb, &args.assignment) {
        (Verb::Set, Some(a)) => {
            let (param, value) = a.split_once('=').ok_or_else(|| {
                Error::input(format!("set {a:?}: expected PARAM=VALUE ({PARAMS})"))
            })?;
            let value: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    Error::input(format!("set {a:?}: {value:?} is not a finite number"))
                })?;
            Command::Set {
                param: param.trim().to_string(),
                value,
            }
        }
        (Verb::Set, None) => return Err(Error::input(format!("set needs PARAM=VALUE ({PARAMS})"))),
        (_, Some(a)) => return Err(Error::input(format!("unexpected argument {a:?}"))),
        (Verb::Pause, None) => Command::Pause,
        (Verb::Resume, None) => Command::Resume,
        (Verb::Stop, None) => Command::Stop,
        (Verb::Checkpoint, None) => Command::Checkpoint,
    };
    let answers = client::send(
        &dir,
        command,
        Duration::from_secs_f64(args.timeout.max(0.1)),
    )?;
    let mut code = 0;
    for e in answers {
        match &e.kind {
            EventKind::Refused { reason, .. } => {
                eprintln!("saddle: refused at step {}: {reason}", e.step);
                code = 2;
            }
            EventKind::Set(c) => println!("step {}: {} {} → {}", e.step, c.param, c.old, c.new),
            other => println!(
                "step {}: {}",
                e.step,
                serde_json::to_value(other)
                    .ok()
                    .and_then(|v| v.get("event").and_then(|x| x.as_str().map(String::from)))
                    .unwrap_or_default()
            ),
        }
    }
    Ok(code)
}
