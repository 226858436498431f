//! `saddle [PRESET]` and `saddle attach [RUN…]`: the terminal dashboard. Training runs in a
//! detached worker process (the one `saddle run --detach` starts), so quitting, losing the SSH
//! connection or a crash of the dashboard never touches a run.

use super::launch::{self, RunArgs};
use super::preset_arg;
use crate::error::{Error, Result};
use crate::run::builtin::BUILTIN;
use crate::run::engine::Opening;
use crate::run::lineage;
use crate::run::listing::list;
use crate::run::store::RunDir;
use crate::sweep::SweepDir;
use crate::tui::theme::{ColorDepth, Theme};
use crate::tui::{self, Exit, Options};
use clap::Args;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How the dashboard draws.
#[derive(Args, Debug, Clone)]
pub struct DashArgs {
    /// Frames per second at most (frames are only drawn when something changed).
    #[arg(long, default_value_t = 10.0)]
    fps: f64,
    /// Colors: 16, 256 or truecolor (ssh does not forward COLORTERM, so this is not guessed).
    #[arg(long, default_value = "256", value_parser = |s: &str| s.parse::<ColorDepth>())]
    color: ColorDepth,
    /// Plain ASCII plot symbols instead of braille.
    #[arg(long)]
    ascii: bool,
    /// Mouse reporting (the wheel selects runs, a click on a chart places the value cursor); off
    /// by default to keep text selection.
    #[arg(long)]
    mouse: bool,
}

/// Options of `saddle [PRESET]`.
#[derive(Args, Debug, Clone)]
pub struct PresetOpts {
    /// Iterations per run (overrides the preset).
    #[arg(long)]
    steps: Option<u64>,
    /// Change one field of the preset before validation, e.g. `runs[1].beta=-0.3`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
}

fn options(args: &DashArgs, runs_dir: &Path, logs_dir: &Path) -> Result<Options> {
    if !(args.fps.is_finite() && args.fps > 0.0) {
        return Err(Error::input(format!("--fps must be > 0, got {}", args.fps)));
    }
    let mut presets: Vec<(String, String)> = BUILTIN
        .iter()
        .filter_map(|(n, t)| {
            crate::run::Preset::parse(t, n)
                .ok()
                .map(|p| (n.to_string(), p.description))
        })
        .collect();
    if let Ok(entries) = std::fs::read_dir("presets") {
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "ron"))
            .collect();
        files.sort();
        presets.extend(
            files
                .into_iter()
                .map(|p| (p.display().to_string(), "preset file".to_string())),
        );
    }
    let runs_dir = runs_dir.to_path_buf();
    let fork_dir = runs_dir.clone();
    let (logs, fork_logs) = (logs_dir.to_path_buf(), logs_dir.to_path_buf());
    Ok(Options {
        fps: args.fps,
        theme: Theme {
            depth: args.color,
            ascii: args.ascii,
        },
        mouse: args.mouse,
        presets,
        start_preset: Some(Arc::new(move |name: &str| {
            start(name, None, &[], &runs_dir, &logs).map_err(|e| e.message)
        })),
        fork_run: Some(Arc::new(
            move |src: &RunDir, at: u64, sets: &[String], steps| {
                let f = lineage::fork(src, at, sets, steps, &fork_dir).map_err(|e| e.message)?;
                let how = Opening::from(Some(f.steps));
                launch::spawn_worker(std::slice::from_ref(&f.dir), how, &fork_logs).map_err(
                    |e| {
                        launch::remove_dirs(std::slice::from_ref(&f.dir));
                        e.message
                    },
                )?;
                Ok(f.dir)
            },
        )),
        log_dir: logs_dir.to_path_buf(),
        // Checked here, before any run starts: a typo exits 2 instead of half blocks.
        graphics: tui::graphics::detect::forced(|k| std::env::var(k).ok()).map_err(Error::input)?,
    })
}

/// Creates the run directories of a preset and starts their detached worker.
fn start(
    preset: &str,
    steps: Option<u64>,
    sets: &[String],
    runs_dir: &Path,
    logs_dir: &Path,
) -> Result<Vec<RunDir>> {
    let (_, configs) = preset_arg::load(preset, sets, steps)?;
    launch::check_writable(runs_dir, "--runs-dir")?;
    launch::check_writable(logs_dir, "--logs-dir")?;
    let dirs = launch::create_dirs(&configs, runs_dir)?;
    launch::spawn_worker(&dirs, Opening::default(), logs_dir)
        .inspect_err(|_| launch::remove_dirs(&dirs))?;
    Ok(dirs)
}

/// Says how the dashboard ended: the runs it leaves running (every run it held at the end,
/// forks and presets started from it included) with the command that watches them again,
/// `--runs-dir` included when it is not the default. A signal is exit 1 (the dashboard did
/// not end as asked); the runs go on either way.
fn finish(exit: std::io::Result<(Exit, Vec<RunDir>)>, runs_dir: &Path) -> Result<i32> {
    let (exit, dirs) = exit.map_err(|e| Error::failure(format!("terminal: {e}")))?;
    match exit {
        Exit::Stopped => eprintln!("saddle: runs stopped"),
        Exit::Detached | Exit::Signal => {
            let ids: Vec<String> = dirs
                .iter()
                .filter(|d| d.is_live())
                .map(|d| d.handle())
                .collect();
            if exit == Exit::Signal {
                eprintln!("saddle: the dashboard ended on a signal");
            }
            if !ids.is_empty() {
                let dir = if runs_dir == Path::new("runs") {
                    String::new()
                } else {
                    format!("--runs-dir {} ", runs_dir.display())
                };
                eprintln!(
                    "saddle: runs left running; watch them again with: saddle {dir}attach {}",
                    ids.join(" ")
                );
            }
        }
    }
    Ok(if exit == Exit::Signal { 1 } else { 0 })
}

/// `saddle [PRESET]`: starts the preset's runs and opens the dashboard on them; headless
/// (`saddle run PRESET`) when stdout is not a terminal.
pub fn open_preset(
    preset: Option<String>,
    opts: PresetOpts,
    args: &DashArgs,
    runs_dir: &Path,
    logs_dir: &Path,
) -> Result<i32> {
    let preset = preset.unwrap_or_else(|| "default".into());
    if !std::io::stdout().is_terminal() {
        return launch::run(
            RunArgs::with_overrides(preset, opts.steps, opts.sets),
            runs_dir,
            logs_dir,
        );
    }
    let o = options(args, runs_dir, logs_dir)?;
    let dirs = start(&preset, opts.steps, &opts.sets, runs_dir, logs_dir)?;
    finish(tui::run(dirs, runs_dir, o), runs_dir)
}

/// `saddle attach [RUN…]`: the dashboard on existing runs (all runs of the runs directory
/// when none is named), live or finished; `saddle attach SWEEP` (a sweep's id or directory):
/// the sweep view.
pub fn attach(runs: &[String], args: &DashArgs, runs_dir: &Path, logs_dir: &Path) -> Result<i32> {
    if !std::io::stdout().is_terminal() {
        return Err(Error::input(
            "attach needs a terminal (use `saddle ls` or `saddle control` from scripts)",
        ));
    }
    if let [one] = runs {
        if let Ok(sweep) = SweepDir::find(one, runs_dir) {
            let o = options(args, runs_dir, logs_dir)?;
            let exit = tui::run_sweep(sweep, runs_dir, o)?
                .map_err(|e| Error::failure(format!("terminal: {e}")))?;
            if exit != Exit::Stopped {
                eprintln!(
                    "saddle: the sweep keeps running; watch it again with: saddle attach {one}"
                );
            }
            return Ok(0);
        }
    }
    let dirs: Vec<RunDir> = if runs.is_empty() {
        list(runs_dir).into_iter().map(|l| l.dir).collect()
    } else {
        runs.iter()
            .map(|r| RunDir::find(r, runs_dir))
            .collect::<Result<_>>()?
    };
    let o = options(args, runs_dir, logs_dir)?;
    finish(tui::run(dirs, runs_dir, o), runs_dir)
}
