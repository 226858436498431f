//! `saddle run`: every run of a preset on its own OS thread, in the foreground or detached.

use super::preset_arg;
use crate::error::{io_error, Error, Result};
use crate::run::across_seeds;
use crate::run::console::{duration, Console, Shared};
use crate::run::engine::{self, install_signal_handlers, interrupted, Opening};
use crate::run::observer::Progress;
use crate::run::store::RunDir;
use crate::run::{RunConfig, Status, Summary};
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `saddle run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// A preset: a .ron file or a built-in name (see `saddle presets`).
    preset: String,
    /// Iterations per run (overrides the preset).
    #[arg(long)]
    steps: Option<u64>,
    /// Change one field before validation, e.g. `runs[1].beta=-0.3` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Print one JSON summary per run on stdout.
    #[arg(long)]
    json: bool,
    /// Start the runs in a background process that outlives this one, print their ids, exit.
    #[arg(long)]
    detach: bool,
    /// Accepted for symmetry with the dashboard: `run` never opens one.
    #[arg(long)]
    headless: bool,
}

impl RunArgs {
    /// `run PRESET --steps N --set …`.
    pub fn with_overrides(preset: String, steps: Option<u64>, sets: Vec<String>) -> Self {
        RunArgs {
            preset,
            steps,
            sets,
            json: false,
            detach: false,
            headless: true,
        }
    }
}

/// Checks that saddle can write into `dir` (creating it if missing) before anything else is
/// created, so a read-only place is refused up front instead of after half the work; `flag`
/// names where it came from.
pub fn check_writable(dir: &Path, flag: &str) -> Result<()> {
    let refuse = |e: std::io::Error| {
        Error::input(format!(
            "{flag} {}: cannot write there ({e}); choose another place with {flag} DIR",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(refuse)?;
    probe_write(dir).map_err(refuse)
}

/// [`check_writable`] without making `dir`: its nearest existing ancestor must be a directory
/// this process can write in (an export refused afterwards left the directories it named).
pub fn check_could_make(dir: &Path, flag: &str) -> Result<()> {
    let refuse = |why: String| {
        Error::input(format!(
            "{flag} {}: cannot write there ({why}); choose another place with {flag} DIR",
            dir.display()
        ))
    };
    let existing = dir
        .ancestors()
        .find(|a| a.as_os_str().is_empty() || a.exists())
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .unwrap_or(Path::new("."));
    if !existing.is_dir() {
        return Err(refuse(format!("{} is not a directory", existing.display())));
    }
    probe_write(existing).map_err(|e| refuse(e.to_string()))
}

/// Creates and removes a file in `dir`: whether this process can write there (permissions
/// alone do not say, e.g. a read-only mount).
fn probe_write(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".saddle-write-test-{}", std::process::id()));
    std::fs::File::create(&probe)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Refuses (exit 2) an output file that cannot be written — its directory missing or not
/// writable — before any work is done for it (a stability map computed for minutes, then
/// lost to a typo in `--csv`).
pub fn check_output_file(path: &Path, flag: &str) -> Result<()> {
    let parent = parent_dir(path);
    let refuse = |why: String| {
        Error::input(format!(
            "{flag} {}: cannot write there ({why})",
            path.display()
        ))
    };
    if !parent.is_dir() {
        return Err(refuse(format!("no directory {}", parent.display())));
    }
    if path.is_dir() {
        return Err(refuse("it is a directory".into()));
    }
    check_not_owned(path, flag)?;
    probe_write(parent).map_err(|e| refuse(e.to_string()))
}

/// Refuses (exit 2) an output `path` that is one of the command's own input files (`saddle
/// stability p.ron --csv p.ron` replaced the preset it read with the map).
pub fn check_not_an_input(path: &Path, flag: &str, inputs: &[&Path]) -> Result<()> {
    let Ok(out) = path.canonicalize() else {
        return Ok(());
    };
    match inputs
        .iter()
        .find(|i| i.canonicalize().is_ok_and(|i| i == out))
    {
        Some(i) => Err(Error::input(format!(
            "{flag} {}: cannot write there (it is {}, which this command reads; write elsewhere)",
            path.display(),
            i.display()
        ))),
        None => Ok(()),
    }
}

/// The directory a file `path` is written in (`.` for a bare file name, whose parent is "").
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Refuses (exit 2) an output `path` that is one of a run's or a sweep's own files (see
/// [`owned_by`]).
pub fn check_not_owned(path: &Path, flag: &str) -> Result<()> {
    match owned_by(path, parent_dir(path)) {
        Some(owner) => Err(Error::input(format!(
            "{flag} {}: cannot write there (that is one of the files of {owner}, which saddle \
             keeps; write elsewhere)",
            path.display()
        ))),
        None => Ok(()),
    }
}

/// The run or sweep directory whose own files `path` (in `parent`) is among — a run's config,
/// metrics, logs, scores, …, anything in its `checkpoints/` or `samples/`; a sweep's manifest,
/// state, Slurm files or `logs/` —, so that an output file never replaces them (an export over
/// `config.ron` left a run that no longer opened). Other files beside them are fine. The path
/// is resolved first (a link to `config.ron`, `-o x.png` run inside `checkpoints/`).
fn owned_by(path: &Path, parent: &Path) -> Option<String> {
    use crate::run::provenance::PROVENANCE;
    use crate::run::sample_files::SAMPLES;
    use crate::run::store::{CHECKPOINTS, CONFIG, CONTROL, EVENTS, METRICS, SPECTRUM, SUMMARY};
    use crate::run::system::SYSTEM;
    use crate::score::record::SCORES;
    use crate::sweep::manifest::{BATCH_SCRIPT, CANCELLED, LOGS, MANIFEST, STATES, SUBMISSIONS};
    let (parent, name) = match path.canonicalize() {
        Ok(real) => (real.parent()?.to_path_buf(), real.file_name()?.to_owned()),
        Err(_) => (
            parent
                .canonicalize()
                .unwrap_or_else(|_| parent.to_path_buf()),
            path.file_name()?.to_owned(),
        ),
    };
    let name = name.to_str()?;
    let run_files = [
        CONFIG, METRICS, EVENTS, SUMMARY, CONTROL, SPECTRUM, PROVENANCE, SCORES, SYSTEM, "lock",
    ];
    let sweep_files = [
        MANIFEST,
        EVENTS,
        STATES,
        SUBMISSIONS,
        BATCH_SCRIPT,
        CANCELLED,
        "lock",
    ];
    let is_run = |d: &Path| d.join(CONFIG).is_file();
    let is_sweep = |d: &Path| d.join(MANIFEST).is_file();
    if is_run(&parent) && run_files.contains(&name) {
        return Some(format!("run directory {}", parent.display()));
    }
    if is_sweep(&parent) && sweep_files.contains(&name) {
        return Some(format!("sweep directory {}", parent.display()));
    }
    let folder = parent.file_name()?.to_str()?;
    let above = parent.parent()?;
    let owned = (is_run(above) && [CHECKPOINTS, SAMPLES].contains(&folder))
        || (is_sweep(above) && folder == LOGS);
    owned.then(|| format!("{} (its {folder} folder)", above.display()))
}

/// Creates one directory per run; nothing is created unless every run is valid, and the
/// directories made are removed again if a later one cannot be made or the process is
/// interrupted meanwhile (with [`install_signal_handlers`] in force: no run is left half made).
pub fn create_dirs(configs: &[RunConfig], runs_dir: &Path) -> Result<Vec<RunDir>> {
    let mut dirs = vec![];
    for c in configs {
        let made = engine::create_dir(runs_dir, c, "");
        let made = match made {
            Ok(d) if interrupted() => {
                dirs.push(d);
                Err(Error::failure(format!(
                    "interrupted before the runs started: the {} run director{} made so far {} removed",
                    dirs.len(),
                    if dirs.len() == 1 { "y" } else { "ies" },
                    if dirs.len() == 1 { "was" } else { "were" }
                )))
            }
            m => m,
        };
        match made {
            Ok(d) => dirs.push(d),
            Err(e) => {
                remove_dirs(&dirs);
                return Err(e);
            }
        }
    }
    Ok(dirs)
}

/// Deletes run directories this process created and never started.
pub fn remove_dirs(dirs: &[RunDir]) {
    for d in dirs {
        let _ = std::fs::remove_dir_all(&d.path);
    }
}

/// Drives the given run directories to their end, one thread each (each opened as `how`
/// says; what opening went on despite is printed first); returns their summaries.
pub fn drive(dirs: Vec<RunDir>, how: Opening) -> Vec<Result<Summary>> {
    install_signal_handlers();
    let console = Console::stderr();
    std::thread::scope(|s| {
        let handles: Vec<_> = dirs
            .into_iter()
            .map(|dir| {
                let out = console.clone();
                s.spawn(move || {
                    let mut e = said_if_slow(&out, &dir, || engine::open(dir.clone(), how))?;
                    let label = e.config().name.clone();
                    for w in e.warnings() {
                        let mut o = out.lock().unwrap_or_else(|e| e.into_inner());
                        o.line(&format!("saddle: warning: run {}: {w}", e.dir().id()));
                    }
                    let total = e.target_steps();
                    e.observe(Box::new(Progress::new(&label, total, out)));
                    e.run().map_err(|mut err| {
                        // A run stopped by its storage (a full disk) keeps its checkpoints:
                        // say how it goes on (not for one whose directory is gone).
                        let dir = e.dir();
                        if err.kind == crate::error::ErrorKind::Failure
                            && dir.file(crate::run::store::CONFIG).exists()
                        {
                            err.message.push_str(&format!(
                                " (`saddle resume {}` continues the run from its newest checkpoint)",
                                dir.handle()
                            ));
                        }
                        err
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::failure("a run thread panicked")))
            })
            .collect()
    })
}

/// How long opening a run (building its game, reading its checkpoint) may take before the
/// console says that it is under way.
const SLOW_OPEN: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs `open` (opening `dir`); when it takes longer than [`SLOW_OPEN`] — a dense game of a few
/// thousand dimensions factorizes matrices for tens of seconds, a network game reads its data —
/// says so on `out` and, once done, how long it took: a long build is never a silent wait.
fn said_if_slow<T>(out: &Shared, dir: &RunDir, open: impl FnOnce() -> T) -> T {
    let (done, wait) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            let t0 = std::time::Instant::now();
            if wait.recv_timeout(SLOW_OPEN) != Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                return;
            }
            let (label, game) = match dir.config() {
                Ok(c) => (c.name, format!("the game ({})", c.game.name())),
                Err(_) => (dir.id(), "the game".to_string()),
            };
            let line = |text: String| {
                let mut o = out.lock().unwrap_or_else(|e| e.into_inner());
                o.line(&format!("[{label}] {text}"));
            };
            line(format!("opening the run: building {game} …"));
            // Disconnected once `open` has returned.
            let _ = wait.recv();
            line(format!(
                "opened in {}",
                duration(t0.elapsed().as_secs_f64())
            ));
        });
        let r = open();
        drop(done);
        r
    })
}

/// Prints summaries (and, for runs repeated over seeds, their means across seeds) and turns
/// the outcomes into an exit code (a diverged run is a result, not an error; a failed or
/// interrupted one is not success).
pub fn report(results: Vec<Result<Summary>>, json: bool) -> i32 {
    use std::io::Write;
    // Output whose reader went away (SIGPIPE ended the runs) is dropped, not a panic.
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut code = 0;
    let mut done = vec![];
    for r in results {
        match r {
            Ok(s) => {
                if json {
                    let line = serde_json::to_string(&s).expect("summaries serialize");
                    let _ = writeln!(out, "{line}");
                }
                if matches!(s.status, Status::Failed | Status::Interrupted) {
                    code = code.max(1);
                }
                done.push(s);
            }
            Err(e) => {
                let _ = writeln!(err, "saddle: {e}");
                code = code.max(e.exit_code());
            }
        }
    }
    if !json {
        let _ = write!(out, "{}", across_seeds::table(&across_seeds::groups(&done)));
    }
    code
}

/// `saddle run`. Every place it writes (the runs directory, and the logs directory for a
/// detached worker) is checked before the first run directory is made; runs that could not be
/// handed to their worker are removed again.
pub fn run(args: RunArgs, runs_dir: &Path, logs_dir: &Path) -> Result<i32> {
    let (_, configs) = preset_arg::load(&args.preset, &args.sets, args.steps)?;
    check_writable(runs_dir, "--runs-dir")?;
    if args.detach {
        check_writable(logs_dir, "--logs-dir")?;
    }
    // Before the first directory is made: a signal while they are made removes them again.
    install_signal_handlers();
    let dirs = create_dirs(&configs, runs_dir)?;
    if args.detach {
        return detach(&dirs, Opening::default(), args.json, logs_dir)
            .inspect_err(|_| remove_dirs(&dirs));
    }
    let results = drive(dirs.clone(), Opening::default());
    Ok(report(without_unstarted(&dirs, results), args.json))
}

/// Removes the directory of each run refused before its first step (bad input only its game's
/// build finds: a damaged data file, a method the network cannot run), saying so in its error:
/// a run that never ran is not left behind as `created`.
fn without_unstarted(dirs: &[RunDir], results: Vec<Result<Summary>>) -> Vec<Result<Summary>> {
    use crate::run::store::{EVENTS, METRICS};
    dirs.iter()
        .zip(results)
        .map(|(d, r)| {
            r.map_err(|mut e| {
                let untouched = !d.file(METRICS).exists()
                    && !d.file(EVENTS).exists()
                    && d.checkpoint_steps().is_empty();
                // Not one another process holds (it may be building the game still).
                if e.kind == crate::error::ErrorKind::BadInput && untouched && !d.is_live() {
                    let said = match std::fs::remove_dir_all(&d.path) {
                        Ok(()) => "was removed".to_string(),
                        Err(x) => format!("could not be removed: {x}"),
                    };
                    e.message
                        .push_str(&format!(" (nothing ran: {} {said})", d.path.display()));
                }
                e
            })
        })
        .collect()
}

/// Starts a worker process in its own session (so a closed terminal or SSH connection does
/// not stop it) that drives `dirs` (opened as `how` says), its output in `logs_dir`; prints
/// their ids.
pub fn detach(dirs: &[RunDir], how: Opening, json: bool, logs_dir: &Path) -> Result<i32> {
    let (pid, log_path) = spawn_worker(dirs, how, logs_dir)?;
    for d in dirs {
        if json {
            println!(
                "{}",
                serde_json::json!({ "id": d.id(), "dir": d.path, "worker_pid": pid, "log": log_path })
            );
        } else {
            println!("{}", d.id());
        }
    }
    eprintln!(
        "saddle: {} run(s) detached in process {pid} (log: {})",
        dirs.len(),
        log_path.display()
    );
    Ok(0)
}

/// Starts the detached worker process for `dirs` (output to `logs_dir`); returns its process
/// id and log file.
pub fn spawn_worker(dirs: &[RunDir], how: Opening, logs_dir: &Path) -> Result<(u32, PathBuf)> {
    check_writable(logs_dir, "--logs-dir")?;
    let stamp = crate::run::ident::timestamp(crate::run::ident::unix_now() as u64);
    let log_path = logs_dir.join(format!("worker-{stamp}-{}.log", std::process::id()));
    let mut args: Vec<std::ffi::OsString> = vec!["worker".into()];
    if let Some(n) = how.steps {
        args.extend(["--steps".into(), n.to_string().into()]);
    }
    if how.from_scratch {
        args.push("--from-scratch".into());
    }
    args.extend(dirs.iter().map(|d| d.path.clone().into_os_string()));
    let child = spawn_detached(&args, &log_path)?;
    Ok((child.id(), log_path))
}

/// Starts `saddle ARGS…` in a session of its own (so a closed terminal or SSH connection does
/// not stop it), stdin closed, stdout and stderr appended to `log_path`.
pub fn spawn_detached(args: &[std::ffi::OsString], log_path: &Path) -> Result<std::process::Child> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .map_err(|e| io_error(log_path, e))?;
    let exe = std::env::current_exe()
        .map_err(|e| Error::failure(format!("cannot find saddle's own executable: {e}")))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(args);
    // The run's provenance names what the user typed, not the worker's own arguments.
    if std::env::var_os(crate::run::provenance::COMMAND_ENV).is_none() {
        let typed: Vec<String> = std::env::args().collect();
        if let Ok(json) = serde_json::to_string(&typed) {
            cmd.env(crate::run::provenance::COMMAND_ENV, json);
        }
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(log.try_clone().map_err(|e| io_error(log_path, e))?)
        .stderr(log);
    // SAFETY: setsid is async-signal-safe and runs in the child before exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::setsid();
            Ok(())
        });
    }
    cmd.spawn()
        .map_err(|e| Error::failure(format!("cannot start a background saddle process: {e}")))
}

/// `saddle worker [--steps N] [--from-scratch] DIR…`: the detached process.
pub fn worker(dirs: &[PathBuf], how: Opening) -> Result<i32> {
    let dirs = dirs.iter().map(|p| RunDir { path: p.clone() }).collect();
    Ok(report(drive(dirs, how), false))
}
