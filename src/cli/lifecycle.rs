//! `saddle resume`, `replay`, `fork` and `export`: continuing, re-running and branching runs,
//! and getting their data out.

use super::launch::{check_writable, detach, drive, remove_dirs, report};
use crate::error::{Error, Result};
use crate::run::engine::{check_resumable, Opening};
use crate::run::lineage;
use crate::run::metrics::MetricsTable;
use crate::run::store::{RunDir, CONFIG, METRICS, SUMMARY};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `saddle resume`.
#[derive(Args, Debug)]
pub struct ResumeArgs {
    /// The run: its id or its directory.
    run: String,
    /// Run to this many iterations in total: more than the run has reached (it extends a
    /// finished run, and may move a stopped run's end nearer).
    #[arg(long)]
    steps: Option<u64>,
    /// Start again from step 0, setting the run's checkpoints aside (for a run none of whose
    /// checkpoints can be read; its metrics are rewritten).
    #[arg(long)]
    from_scratch: bool,
    /// Continue in a background process.
    #[arg(long)]
    detach: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// `saddle resume`: continues a stopped, interrupted, crashed or failed run from its newest
/// readable checkpoint (or a finished one further with `--steps`); a diverged or converged
/// run, or one without a readable checkpoint (unless `--from-scratch`), is refused.
pub fn resume(args: ResumeArgs, runs_dir: &Path, logs_dir: &Path) -> Result<i32> {
    let dir = RunDir::find(&args.run, runs_dir)?;
    if dir.is_live() {
        return Err(Error::input(format!(
            "run {} is live: a process is driving it",
            dir.id()
        )));
    }
    let how = Opening {
        steps: args.steps,
        from_scratch: args.from_scratch,
    };
    if !args.from_scratch {
        check_resumable(&dir, args.steps)?;
    }
    if args.detach {
        return detach(&[dir], how, args.json, logs_dir);
    }
    Ok(report(drive(vec![dir], how), args.json))
}

/// Arguments of `saddle replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The run to replay: its id or its directory.
    run: String,
    /// Replay in a background process.
    #[arg(long)]
    detach: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// `saddle replay`: re-runs a run from its config and its recorded parameter changes into a
/// new run directory.
pub fn replay(args: ReplayArgs, runs_dir: &Path, logs_dir: &Path) -> Result<i32> {
    let src = RunDir::find(&args.run, runs_dir)?;
    if args.detach {
        check_writable(logs_dir, "--logs-dir")?;
    }
    let (dir, steps) = lineage::replay(&src, runs_dir)?;
    eprintln!("saddle: replaying {} as {}", src.id(), dir.id());
    let how = Opening::from(Some(steps));
    if args.detach {
        return detach(std::slice::from_ref(&dir), how, args.json, logs_dir)
            .inspect_err(|_| remove_dirs(&[dir]));
    }
    Ok(report(drive(vec![dir], how), args.json))
}

/// Arguments of `saddle fork`.
#[derive(Args, Debug)]
pub struct ForkArgs {
    /// The run to fork: its id or its directory.
    run: String,
    /// The step to branch at.
    #[arg(long)]
    at: u64,
    /// A live parameter for the fork, PARAM=VALUE (eta, eta.phi, beta.theta, d_steps, …).
    #[arg(long = "set", value_name = "PARAM=VALUE")]
    sets: Vec<String>,
    /// Run the fork to this many iterations in total.
    #[arg(long)]
    steps: Option<u64>,
    /// Run the fork in a background process.
    #[arg(long)]
    detach: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// `saddle fork`.
pub fn fork(args: ForkArgs, runs_dir: &Path, logs_dir: &Path) -> Result<i32> {
    let src = RunDir::find(&args.run, runs_dir)?;
    if args.detach {
        check_writable(logs_dir, "--logs-dir")?;
    }
    let lineage::Fork {
        dir,
        steps,
        warnings,
    } = lineage::fork(&src, args.at, &args.sets, args.steps, runs_dir)?;
    for w in warnings {
        eprintln!("saddle: warning: run {}: {w}", src.id());
    }
    eprintln!(
        "saddle: forked {} at step {} as {}",
        src.id(),
        args.at,
        dir.id()
    );
    let how = Opening::from(Some(steps));
    if args.detach {
        return detach(std::slice::from_ref(&dir), how, args.json, logs_dir)
            .inspect_err(|_| remove_dirs(&[dir]));
    }
    Ok(report(drive(vec![dir], how), args.json))
}

/// Export formats.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// The metrics table (complete rows only).
    Csv,
    /// Config, summary, events and metrics rows as one JSON document.
    Json,
    /// A TensorBoard event file: every metrics column and score as scalars, the events as
    /// text, the sample pictures as images (into `--out DIR`).
    Tensorboard,
}

/// Arguments of `saddle export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The run: its id or its directory.
    run: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Write to this file instead of stdout (csv, json).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// The directory of the event file (tensorboard; default: the run directory's
    /// `tensorboard/`).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `saddle export`.
pub fn export(args: ExportArgs, runs_dir: &Path) -> Result<i32> {
    let dir = RunDir::find(&args.run, runs_dir)?;
    if let Some(p) = &args.output {
        super::launch::check_output_file(p, "--output")?;
    }
    match (args.format, &args.out, &args.output) {
        (Format::Tensorboard, _, Some(_)) => {
            return Err(Error::input(
                "--output: a TensorBoard export is a directory: use --out DIR",
            ))
        }
        (Format::Csv | Format::Json, Some(_), _) => {
            return Err(Error::input(
                "--out is for --format tensorboard; csv and json take --output FILE",
            ))
        }
        (Format::Tensorboard, out, None) => {
            if let Some(o) = out {
                // A file there, or a place that cannot be written: exit 2 before the export.
                if o.exists() && !o.is_dir() {
                    return Err(Error::input(format!(
                        "--out {}: a file, not a directory",
                        o.display()
                    )));
                }
                super::launch::check_could_make(o, "--out")?;
                // Not into a run's checkpoints/ or samples/ (nor below them), as for every
                // output file.
                for a in o.ancestors().filter(|a| a.is_dir()) {
                    super::launch::check_not_owned(&a.join("events.out.tfevents"), "--out")?;
                }
            }
            let out = out.clone().unwrap_or_else(|| dir.file("tensorboard"));
            let w = crate::run::export::tensorboard::export(&dir, &out)?;
            eprintln!(
                "saddle: {} scalars, {} texts, {} images → {} (tensorboard --logdir {})",
                w.scalars,
                w.texts,
                w.images,
                w.path.display(),
                out.display()
            );
            println!("{}", w.path.display());
            return Ok(0);
        }
        _ => {}
    }
    let table = MetricsTable::read(&dir.file(METRICS))?;
    let text = match args.format {
        Format::Tensorboard => unreachable!("exported above"),
        Format::Csv => table.to_csv(|_| true),
        Format::Json => {
            let rows: Vec<serde_json::Value> = table
                .rows
                .iter()
                .map(|r| {
                    let m: serde_json::Map<String, serde_json::Value> = table
                        .columns
                        .iter()
                        .zip(r)
                        .filter_map(|(c, v)| {
                            // Counts are integers in JSON as in the CSV (`0`, not `0.0`).
                            let count = matches!(c.as_str(), "step" | "oracle_calls");
                            v.map(|x| match x as u64 {
                                n if count && n as f64 == x => (c.clone(), n.into()),
                                _ => (c.clone(), crate::run::summary::json_number(x)),
                            })
                        })
                        .collect();
                    serde_json::Value::Object(m)
                })
                .collect();
            // A config this saddle cannot read (damaged, or from another version) is said and
            // exported as its text: the metrics are still worth having.
            let config = match dir.config() {
                Ok(c) => serde_json::to_value(c)
                    .map_err(|e| Error::failure(format!("{}: {e}", dir.file(CONFIG).display())))?,
                Err(e) => {
                    eprintln!("warning: {e}; the export's config is its text");
                    serde_json::Value::String(dir.read(CONFIG)?)
                }
            };
            // A run still going has no summary yet; one that cannot be read is said.
            let summary: serde_json::Value = match dir.read(SUMMARY) {
                Err(_) if !dir.file(SUMMARY).exists() => serde_json::Value::Null,
                read => match read
                    .and_then(|t| serde_json::from_str(&t).map_err(|e| Error::input(e.to_string())))
                {
                    Ok(v) => v,
                    Err(e) => {
                        eprintln!(
                            "warning: {}: {e}; the export's summary is null",
                            dir.file(SUMMARY).display()
                        );
                        serde_json::Value::Null
                    }
                },
            };
            let events = dir.records_checked::<crate::run::events::EventRecord>()?;
            let doc = serde_json::json!({
                "id": dir.id(), "config": config, "summary": summary, "events": events,
                "columns": table.columns, "metrics": rows,
            });
            serde_json::to_string_pretty(&doc).map_err(|e| Error::failure(e.to_string()))? + "\n"
        }
    };
    match &args.output {
        Some(p) => crate::files::write_atomic(p, text.as_bytes())?,
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| Error::failure(e.to_string()))?,
    }
    Ok(0)
}
