//! `saddle sweep`: a preset's runs × a grid × seeds as ordinary runs, on this machine or on
//! Slurm; `status`, `cancel`, `resume`, `report`, `rm` and `archive` of a sweep.

use super::launch::spawn_detached;
use super::preset_arg;
use crate::error::{Error, Result};
use crate::run::engine::{install_signal_handlers, interrupted};
use crate::run::Status;
use crate::sweep::expand::{self, Request};
use crate::sweep::housekeeping;
use crate::sweep::local;
use crate::sweep::manifest::{self, has_ended, Manifest, NewSweep, SweepDir, CANCELLED, LOGS};
use crate::sweep::report::{self, RankBy};
use crate::sweep::slurm;
use crate::sweep::spec::{
    locate, parse_section_seeds, parse_seeds, Axis, Executor, Field, GridSource, SweepSection,
};
use crate::sweep::state::{collect, ExecutorView, MemberState, States};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `saddle sweep`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    new: NewArgs,
}

/// Where members run (flag form).
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ExecutorArg {
    /// A pool of member processes on this machine.
    Local,
    /// Slurm job arrays (one, or several past the cluster's MaxArraySize).
    Slurm,
}

/// Arguments of a new sweep.
#[derive(Args, Debug)]
struct NewArgs {
    /// A preset: a .ron file or a built-in name; its `sweep:` section gives defaults.
    #[arg(required = true)]
    preset: Option<String>,
    /// A grid axis, PATH=V1,V2,… with PATH as `--set` takes it (repeatable: a product).
    #[arg(long = "grid", value_name = "PATH=V1,V2,…")]
    grid: Vec<String>,
    /// Seeds: A..B (A to B−1), A..=B, or a list 0,3,7 (default: the preset's).
    #[arg(long, value_name = "A..B|LIST")]
    seeds: Option<String>,
    /// Iterations per member (default: the preset's).
    #[arg(long)]
    steps: Option<u64>,
    /// Change one field of the preset first, PATH=VALUE (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Where members run (default local).
    #[arg(long, value_enum)]
    executor: Option<ExecutorArg>,
    /// Members at once (local default: one per core; Slurm: each array's %K, the arrays one
    /// after another).
    #[arg(long)]
    jobs: Option<usize>,
    /// Name in the sweep's id (default: the preset's name).
    #[arg(long)]
    name: Option<String>,
    /// Only these runs of the preset, by name (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "NAME,…")]
    runs: Option<Vec<String>>,
    /// An #SBATCH option for the job array, e.g. --slurm-arg=--partition=gpu (repeatable).
    #[arg(long = "slurm-arg", value_name = "OPTION", allow_hyphen_values = true)]
    slurm_args: Vec<String>,
    /// Seconds of warning before a Slurm time limit (--signal=B:USR1@GRACE; default 90).
    #[arg(long)]
    grace: Option<u64>,
    /// Checkpoints each member keeps (default 1: the newest).
    #[arg(long)]
    keep_checkpoints: Option<u64>,
    /// Return when every member has ended (exit 0, or 1 if any did not end with a result).
    #[arg(long)]
    wait: bool,
    /// The most members the sweep may have; a larger one is refused before anything is made.
    #[arg(long, default_value_t = expand::MAX_MEMBERS)]
    max_members: u64,
    /// Print the sweep id and member ids as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Continue a sweep's unfinished members from their checkpoints (after a crash, a
    /// reboot, a cancel, or members that failed).
    Resume {
        /// The sweep: its id or its directory.
        sweep: String,
        /// Return when every member has ended.
        #[arg(long)]
        wait: bool,
        /// Print the sweep id and member ids as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Each member's state (and the Slurm task's).
    Status {
        /// The sweep: its id or its directory.
        sweep: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stop a sweep: running members checkpoint and end `interrupted`; queued ones never start.
    Cancel {
        /// The sweep: its id or its directory.
        sweep: String,
    },
    /// Delete a sweep that nothing drives any more, with every member.
    Rm {
        /// The sweep: its id or its directory.
        sweep: String,
    },
    /// Pack a sweep into <id>.tar.gz next to it (without checkpoints unless asked) and delete it.
    Archive {
        /// The sweep: its id or its directory.
        sweep: String,
        /// Keep the members' checkpoints in the archive.
        #[arg(long)]
        with_checkpoints: bool,
    },
    /// Per configuration: n, mean, std and 95% CI of each metric over the seeds, ranked.
    Report {
        /// The sweep: its id or its directory.
        sweep: String,
        /// Also after these steps (comma-separated).
        #[arg(long, value_delimiter = ',', value_name = "STEP,…")]
        at: Vec<u64>,
        /// The metric that ranks configurations: NAME, NAME:min (default) or NAME:max.
        #[arg(long)]
        metric: Option<String>,
        /// Paired comparison A − B over shared seeds (configuration numbers or labels).
        #[arg(long, num_args = 2, value_names = ["A", "B"])]
        compare: Option<Vec<String>>,
        /// As JSON.
        #[arg(long)]
        json: bool,
        /// Also write the table as CSV to this file.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
    /// (internal) The local supervisor of a sweep directory.
    #[command(hide = true)]
    Supervise {
        /// The sweep directory.
        dir: PathBuf,
    },
    /// (internal) Drive one member of a sweep directory.
    #[command(hide = true)]
    Member {
        /// The sweep directory.
        dir: PathBuf,
        /// The member's index.
        index: usize,
    },
}

/// `saddle sweep …`.
pub fn sweep(args: SweepArgs, runs_dir: &Path) -> Result<i32> {
    let find = |s: &str| SweepDir::find(s, runs_dir);
    match args.action {
        None => launch(args.new, runs_dir),
        Some(Action::Resume { sweep, wait, json }) => resume(&find(&sweep)?, wait, json),
        Some(Action::Status { sweep, json }) => status(&find(&sweep)?, json),
        Some(Action::Cancel { sweep }) => cancel(&find(&sweep)?),
        Some(Action::Rm { sweep }) => {
            // A sweep that cannot be read any more (a damaged manifest, a creation that was
            // killed) must still be removable: the user has no other way to clean it up.
            let (s, damaged) = SweepDir::find_damaged(&sweep, runs_dir)?;
            check_idle(&s)?;
            housekeeping::remove(&s)?;
            let why = damaged.map_or(String::new(), |w| format!("; {w}"));
            eprintln!(
                "saddle: removed sweep {} ({}{why})",
                s.id(),
                s.path.display()
            );
            Ok(0)
        }
        Some(Action::Archive {
            sweep,
            with_checkpoints,
        }) => {
            let s = find(&sweep)?;
            check_idle(&s)?;
            install_signal_handlers();
            let (path, n) = housekeeping::archive(&s, with_checkpoints)?;
            println!("{}", path.display());
            eprintln!(
                "saddle: archived sweep {} ({n} files{}) and removed its directory",
                s.id(),
                if with_checkpoints {
                    ", checkpoints included"
                } else {
                    ", without checkpoints"
                }
            );
            Ok(0)
        }
        Some(Action::Report {
            sweep,
            at,
            metric,
            compare,
            json,
            csv,
        }) => report_cmd(&find(&sweep)?, &at, metric, compare, json, csv),
        Some(Action::Supervise { dir }) => local::supervise(&SweepDir { path: dir }, &exe()?),
        Some(Action::Member { dir, index }) => {
            crate::sweep::member::drive(&SweepDir { path: dir }, index)
        }
    }
}

fn exe() -> Result<PathBuf> {
    std::env::current_exe()
        .map_err(|e| Error::failure(format!("cannot find saddle's own executable: {e}")))
}

/// Grid axes from flags, else from the preset's section, and where they were written (so
/// that errors name the flag, or the section's entry at its `file:line:col`).
fn axes(
    flags: &[String],
    section: &SweepSection,
    text: &str,
    origin: &str,
) -> Result<(Vec<Axis>, GridSource)> {
    if !flags.is_empty() {
        let axes = flags
            .iter()
            .map(|g| Axis::parse(g))
            .collect::<Result<_>>()?;
        return Ok((axes, GridSource::Flags));
    }
    let source = GridSource::section(text, origin, section.grid.len());
    let axes = section
        .grid
        .iter()
        .enumerate()
        .map(|(i, g)| Axis::parse_entry(g, i, &source))
        .collect::<Result<_>>()?;
    Ok((axes, source))
}

fn launch(a: NewArgs, runs_dir: &Path) -> Result<i32> {
    let arg = a.preset.as_deref().unwrap_or_default();
    let (text, origin) = preset_arg::read(arg)?;
    let section = SweepSection::from_preset(&text, &origin)?.unwrap_or_default();
    let (preset, _) = preset_arg::from_text(&text, &origin, &a.sets, None)?;
    let (axes, grid) = axes(&a.grid, &section, &text, &origin)?;
    let seeds = match (a.seeds.as_deref(), section.seeds.as_deref()) {
        (Some(s), _) => Some(parse_seeds(s)?),
        (None, Some(s)) => Some(parse_section_seeds(
            s,
            &locate(&text, &origin, Field::Seeds),
        )?),
        (None, None) => None,
    };
    let runs_at = match (&a.runs, &section.runs) {
        (None, Some(_)) => Some(locate(&text, &origin, Field::Runs)),
        _ => None,
    };
    let runs = a.runs.or(section.runs);
    let executor = match a.executor {
        Some(ExecutorArg::Local) => Executor::Local,
        Some(ExecutorArg::Slurm) => Executor::Slurm,
        None => section.executor.unwrap_or_default(),
    };
    // A value is blamed on the flag that gave it, or on the section's line where the preset did.
    let blame = |flag: &str, from_flag: bool, field: &'static str| {
        if from_flag {
            flag.to_string()
        } else {
            format!(
                "{}: sweep.{field}",
                locate(&text, &origin, Field::Key(field))
            )
        }
    };
    let jobs = a.jobs.or(section.jobs);
    if jobs == Some(0) {
        let at = blame("--jobs", a.jobs.is_some(), "jobs");
        return Err(Error::input(format!("{at}: must be at least 1")));
    }
    let keep = a.keep_checkpoints.or(section.keep_checkpoints).unwrap_or(1);
    if keep == 0 {
        let at = blame(
            "--keep-checkpoints",
            a.keep_checkpoints.is_some(),
            "keep_checkpoints",
        );
        return Err(Error::input(format!("{at}: must be at least 1")));
    }
    if a.steps.is_none() && section.steps == Some(0) {
        let at = blame("--steps", false, "steps");
        return Err(Error::input(format!("{at}: must be at least 1")));
    }
    let slurm_from_flags = !a.slurm_args.is_empty() || a.grace.is_some();
    let mut slurm_section = section.slurm.unwrap_or_default();
    slurm_section.args.extend(a.slurm_args);
    if a.grace.is_some() {
        slurm_section.grace = a.grace;
    }
    slurm_section.validate().map_err(|e| {
        if slurm_from_flags {
            Error::input(e)
        } else {
            Error::input(format!("{}: {e}", blame("", false, "slurm")))
        }
    })?;
    let plan = expand::plan(
        &preset,
        &origin,
        &Request {
            axes: &axes,
            seeds: seeds.as_deref(),
            grid: &grid,
            runs: runs.as_deref(),
            runs_at: runs_at.as_deref(),
            steps: a.steps.or(section.steps),
            keep_checkpoints: keep,
            max_members: a.max_members,
        },
    )?;
    let name_from_flag = a.name.is_some();
    let name_from_section = section.name.is_some();
    let name = a
        .name
        .or(section.name)
        .unwrap_or_else(|| preset.name.clone());
    if crate::run::ident::sanitize(&name).is_empty() {
        let at = if name_from_flag {
            "--name".to_string()
        } else if name_from_section {
            blame("--name", false, "name")
        } else {
            // The preset's own name, which --name replaces.
            "the preset's name (give --name)".to_string()
        };
        return Err(Error::input(format!(
            "{at} {name:?}: must contain an ASCII letter or digit (the sweep's directory is named with ASCII letters, digits and spelled-out Greek letters; other characters are dropped)"
        )));
    }
    if executor == Executor::Slurm {
        // Before anything is created: a machine without sbatch cannot run this sweep.
        which("sbatch")?;
    }
    let seeds_used: Vec<u64> = {
        let mut s: Vec<u64> = vec![];
        for m in &plan.members {
            if !s.contains(&m.seed) {
                s.push(m.seed);
            }
        }
        s
    };
    // Before the first member is made: a signal while they are made removes the sweep again.
    install_signal_handlers();
    let (sweep, manifest) = manifest::create(
        runs_dir,
        &NewSweep {
            name: &name,
            preset: (&preset.name, &origin),
            grid: &axes,
            seeds: seeds_used,
            executor,
            jobs: match executor {
                Executor::Local => Some(jobs.unwrap_or_else(local::default_jobs)),
                Executor::Slurm => jobs,
            },
            keep_checkpoints: keep,
            slurm: (executor == Executor::Slurm).then_some(slurm_section),
        },
        &plan,
    )?;
    if interrupted() {
        let _ = housekeeping::remove(&sweep);
        return Err(Error::failure(format!(
            "interrupted before sweep {} started: nothing was kept",
            manifest.id
        )));
    }
    let all: Vec<usize> = (0..manifest.members.len()).collect();
    let started = start(&sweep, &manifest, &all);
    if let Err(e) = started {
        // Nothing runs: leave nothing half made.
        let _ = housekeeping::remove(&sweep);
        return Err(e);
    }
    announce(&sweep, &manifest, a.json);
    if a.wait {
        return wait(&sweep, &manifest, started.ok().flatten());
    }
    Ok(0)
}

fn which(program: &str) -> Result<()> {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false);
    if found {
        Ok(())
    } else {
        Err(Error::input(format!(
            "--executor slurm: {program} is not on this machine's PATH (run saddle sweep on a Slurm login node)"
        )))
    }
}

/// Starts the members `indices`: a detached supervisor (local; returned, to wait for) or a
/// job array (Slurm).
fn start(
    sweep: &SweepDir,
    manifest: &Manifest,
    indices: &[usize],
) -> Result<Option<std::process::Child>> {
    match manifest.executor {
        Executor::Local => {
            let log = sweep.file(LOGS).join("supervisor.log");
            // Where the events its supervisor writes begin: only those are read while waiting.
            let since = std::fs::metadata(sweep.file(manifest::EVENTS)).map_or(0, |m| m.len());
            let mut child = spawn_detached(
                &[
                    "sweep".into(),
                    "supervise".into(),
                    sweep.path.clone().into_os_string(),
                ],
                &log,
            )?;
            took_the_sweep(sweep, &mut child, since)?;
            eprintln!(
                "saddle: sweep {}: {} member(s), at most {} at once, supervised by process {} (log: {})",
                manifest.id,
                indices.len(),
                manifest.jobs.unwrap_or(1),
                child.id(),
                log.display()
            );
            Ok(Some(child))
        }
        Executor::Slurm => {
            let exe = exe()?;
            let subs = slurm::runtime()?.block_on(slurm::submit(sweep, manifest, indices, &exe))?;
            let jobs: Vec<String> = subs
                .iter()
                .map(|s| {
                    let at = if s.offset > 0 {
                        format!(", members {} + task id", s.offset)
                    } else {
                        String::new()
                    };
                    format!("job {} (--array={}{at})", s.job, s.array)
                })
                .collect();
            eprintln!(
                "saddle: sweep {}: submitted {}; batch script {}",
                manifest.id,
                jobs.join(", "),
                sweep.file(manifest::BATCH_SCRIPT).display()
            );
            Ok(None)
        }
    }
}

/// Waits until the supervisor just started holds the sweep (or has run and ended), so that
/// success is not claimed for one that could not take it: two `sweep resume` at once both
/// started a supervisor, and the one that found the lock taken ended in its log only.
/// `since` is the event log's length before the supervisor started: a large sweep's log is
/// megabytes, read every 20 ms otherwise.
fn took_the_sweep(sweep: &SweepDir, child: &mut std::process::Child, since: u64) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let pid = child.id();
    let ran = || {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(sweep.file(manifest::EVENTS)) {
            let _ = f
                .seek(SeekFrom::Start(since))
                .and_then(|_| f.read_to_string(&mut text));
        }
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|e| e["event"] == "supervisor" && e["pid"] == pid)
    };
    let t0 = std::time::Instant::now();
    // Its event, not its lock: probing the lock (a shared flock) while it takes it could make
    // it fail.
    while t0.elapsed() < Duration::from_secs(30) {
        if ran() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            if ran() {
                return Ok(());
            }
            let said = sweep
                .supervisor_last_line()
                .map_or_else(|| "no reason in its log".to_string(), |(l, _)| l);
            let why = format!(
                "sweep {}: its supervisor could not start: {said}",
                sweep.id()
            );
            return Err(if status.code() == Some(2) {
                Error::input(why)
            } else {
                Error::failure(why)
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Slow to start (a loaded machine): it goes on; `sweep status` tells.
    eprintln!(
        "saddle: warning: sweep {}: its supervisor (process {pid}) has not taken the sweep after 30 s; `saddle sweep status` shows whether it did",
        sweep.id()
    );
    Ok(())
}

fn announce(sweep: &SweepDir, manifest: &Manifest, json: bool) {
    if json {
        let members: Vec<serde_json::Value> = manifest
            .members
            .iter()
            .map(|m| serde_json::json!({"id": m.id, "index": m.index, "name": m.name, "seed": m.seed}))
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "sweep": manifest.id, "dir": sweep.path, "executor": manifest.executor,
                "submissions": slurm::submissions(sweep), "members": members,
            })
        );
    } else {
        println!("{}", manifest.id);
    }
}

/// The states now: the local supervisor's view, or Slurm's queue.
fn current(sweep: &SweepDir, manifest: &Manifest) -> Result<States> {
    match manifest.executor {
        Executor::Local => Ok(local::states(sweep, manifest)),
        Executor::Slurm => {
            let tasks = slurm::runtime()?.block_on(slurm::tasks(sweep))?;
            let view = |i: usize| match tasks.get(&i) {
                Some(s) => ExecutorView::SlurmTask(s.clone()),
                None => ExecutorView::Orphaned,
            };
            let jobs = slurm::submissions(sweep).iter().map(|s| s.job).collect();
            Ok(collect(sweep, manifest, &view, jobs))
        }
    }
}

/// Waits until nothing drives any member any more; exit 0 when all are done. Interrupted
/// (Ctrl-C), it stops waiting, says that the sweep goes on and how to stop it, exit 1 (as every
/// command a signal ends; not the shell's 130, which scripts would read as another code): the
/// supervisor or the Slurm jobs run in sessions of their own, which the signal never reaches.
fn wait(sweep: &SweepDir, manifest: &Manifest, child: Option<std::process::Child>) -> Result<i32> {
    install_signal_handlers();
    let poll = Duration::from_millis(100);
    let went_on = || -> Result<i32> {
        eprintln!(
            "saddle: stopped waiting; sweep {id} goes on in the background: `saddle sweep status {id}` shows it, `saddle sweep cancel {id}` stops it",
            id = manifest.id
        );
        Ok(1)
    };
    match child {
        Some(mut c) => loop {
            let ended = c
                .try_wait()
                .map_err(|e| Error::failure(format!("waiting for the supervisor: {e}")))?;
            if ended.is_some() {
                break;
            }
            if interrupted() {
                return went_on();
            }
            std::thread::sleep(poll);
        },
        None => {
            let rt = slurm::runtime()?;
            let done = rt.block_on(async {
                let mut pause = Duration::from_secs(1);
                loop {
                    if slurm::tasks(sweep).await?.is_empty() {
                        return Ok::<bool, Error>(true);
                    }
                    let next = tokio::time::Instant::now() + pause;
                    while tokio::time::Instant::now() < next {
                        if interrupted() {
                            return Ok(false);
                        }
                        tokio::time::sleep(poll).await;
                    }
                    pause = (pause * 3 / 2).min(Duration::from_secs(10));
                }
            })?;
            if !done {
                return went_on();
            }
        }
    }
    let st = current(sweep, manifest)?;
    if let Err(e) = st.write(sweep) {
        eprintln!("warning: {e}; the states below are read from the members, not saved");
    }
    eprintln!("saddle: sweep {}: {}", manifest.id, st.line());
    if let Some((m, (line, log))) = manifest
        .members
        .iter()
        .zip(&st.members)
        .find_map(|(m, s)| Some((m, stalled_why(sweep, m, s)?)))
    {
        eprintln!(
            "saddle: {} stalled: {line} ({}; saddle sweep status {} lists the others)",
            m.id,
            log.display(),
            manifest.id
        );
    }
    Ok(if st.members.iter().all(|m| m.state == MemberState::Done) {
        0
    } else {
        1
    })
}

/// The last line of a stalled member's log and the log: what a member that stopped without a
/// status of its own (a bad dataset, a full disk) said last.
fn stalled_why(
    sweep: &SweepDir,
    m: &crate::sweep::manifest::Member,
    s: &crate::sweep::state::MemberStatus,
) -> Option<(String, std::path::PathBuf)> {
    if s.state != MemberState::Stalled {
        return None;
    }
    let run = sweep.member(m);
    if !run.path.exists() {
        let why = "its directory is missing (deleted?): nothing can resume it";
        return Some((why.into(), run.path));
    }
    if let Err(e) = crate::run::Summary::read_checked(&run) {
        return Some((e, run.file(crate::run::store::SUMMARY)));
    }
    sweep.last_log_line(m)
}

/// A summary still saying running (or paused) that nothing drives (the state, from the same
/// snapshot, says so, trusting Slurm where a lock is not seen from here) is a crash, as `ls`
/// and `show` call it: the table's STATUS says `crashed`, the JSON adds `"crashed": true`.
fn crashed(s: &crate::sweep::state::MemberStatus) -> bool {
    let stopped = matches!(
        s.state,
        MemberState::Preempted | MemberState::Stalled | MemberState::Cancelled
    );
    stopped && matches!(s.status, Some(Status::Running | Status::Paused))
}

fn resume(sweep: &SweepDir, wait_end: bool, json: bool) -> Result<i32> {
    let manifest = sweep.manifest()?;
    if let Some(pid) = sweep.supervisor() {
        return Err(Error::input(format!(
            "sweep {} is live: its supervisor (process {pid}) is running",
            manifest.id
        )));
    }
    let queued = match manifest.executor {
        Executor::Local => Default::default(),
        Executor::Slurm => slurm::runtime()?.block_on(slurm::tasks(sweep))?,
    };
    // A member whose directory is gone has no config to run from: named, the others go on.
    let (gone, left): (Vec<_>, Vec<_>) = manifest
        .members
        .iter()
        .filter(|m| !has_ended(&sweep.member(m)) && !queued.contains_key(&m.index))
        .partition(|m| !sweep.member(m).path.exists());
    for m in &gone {
        eprintln!(
            "saddle: warning: {}: the member's directory is missing (deleted?), so it cannot be resumed",
            sweep.member(m).path.display()
        );
    }
    let todo: Vec<usize> = left.iter().map(|m| m.index).collect();
    let _ = std::fs::remove_file(sweep.file(CANCELLED));
    if todo.is_empty() {
        let why = match (queued.len(), gone.len()) {
            (0, 0) => "every member has ended".to_string(),
            (0, g) => format!("{g} member(s) without a directory, the rest ended"),
            (q, _) => format!("{q} member(s) queued or running on Slurm, the rest ended"),
        };
        eprintln!("saddle: sweep {}: nothing to resume ({why})", manifest.id);
        announce(sweep, &manifest, json);
        return Ok(if gone.is_empty() { 0 } else { 1 });
    }
    sweep.event(serde_json::json!({"event": "resumed", "members": todo.len()}))?;
    let child = start(sweep, &manifest, &todo)?;
    announce(sweep, &manifest, json);
    if wait_end {
        return wait(sweep, &manifest, child);
    }
    Ok(0)
}

fn status(sweep: &SweepDir, json: bool) -> Result<i32> {
    let manifest = sweep.manifest()?;
    let st = current(sweep, &manifest)?;
    // The states file is a cache for other readers: a status that cannot refresh it (a
    // read-only or full file system) still shows the states it has just read.
    if let Err(e) = st.write(sweep) {
        eprintln!("warning: {e}; the states below are read from the members, not saved");
    }
    if json {
        let members: Vec<serde_json::Value> = manifest
            .members
            .iter()
            .zip(&st.members)
            .map(|(m, s)| {
                let mut v = serde_json::to_value(s).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("id".into(), m.id.clone().into());
                    o.insert("name".into(), m.name.clone().into());
                    if crashed(s) {
                        o.insert("crashed".into(), true.into());
                    }
                    if let Some((line, log)) = stalled_why(sweep, m, s) {
                        o.insert("why".into(), line.into());
                        o.insert("log".into(), log.display().to_string().into());
                    }
                }
                v
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "sweep": manifest.id, "executor": manifest.executor, "summary": st.line(),
                "counts": st.counts().iter().map(|(k, v)| (k.as_str(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
                "supervisor": st.supervisor, "slurm_jobs": st.slurm_jobs, "cancelled": st.cancelled,
                "members": members,
            })
        );
        return Ok(0);
    }
    println!(
        "sweep {} ({}, preset {}): {}",
        manifest.id,
        manifest.executor.as_str(),
        manifest.preset,
        st.line()
    );
    let width = manifest
        .members
        .iter()
        .map(|m| m.name.chars().count())
        .max()
        .unwrap_or(4);
    println!(
        "{:<w1$}  {:<width$}  {:<9}  {:<11}  {:>15}  {:>7}  SLURM",
        "MEMBER",
        "NAME",
        "STATE",
        "STATUS",
        "STEP",
        "RESUMES",
        w1 = manifest.id.len() + 5,
    );
    for (m, s) in manifest.members.iter().zip(&st.members) {
        let status = match s.status {
            _ if crashed(s) => "crashed",
            Some(x) => x.as_str(),
            None => "—",
        };
        let step = match s.status {
            Some(_) => format!("{}/{}", s.step, s.steps),
            None => "—".to_string(),
        };
        println!(
            "{:<w1$}  {:<width$}  {:<9}  {:<11}  {:>15}  {:>7}  {}",
            m.id,
            m.name,
            s.state.as_str(),
            status,
            step,
            s.resumes,
            s.slurm.as_deref().unwrap_or(""),
            w1 = manifest.id.len() + 5,
        );
    }
    // A stalled member ended without a status of its own: its log's last line says why.
    let stalled: Vec<(String, String)> = manifest
        .members
        .iter()
        .zip(&st.members)
        .filter_map(|(m, s)| {
            stalled_why(sweep, m, s)
                .map(|(line, log)| (m.id.clone(), format!("{line} ({})", log.display())))
        })
        .collect();
    for (id, why) in stalled.iter().take(5) {
        println!("{id}: stalled: {why}");
    }
    if stalled.len() > 5 {
        println!(
            "… and {} more stalled members with a log",
            stalled.len() - 5
        );
    }
    // Members left stalled by a supervisor that died (a full disk): its log says why.
    let orphaned = st.members.iter().any(|m| m.state == MemberState::Stalled);
    if orphaned && st.supervisor.is_none() && manifest.executor == Executor::Local {
        if let Some((line, log)) = sweep.supervisor_last_line() {
            println!(
                "supervisor (not running) said last: {line} ({})",
                log.display()
            );
        }
    }
    Ok(0)
}

fn cancel(sweep: &SweepDir) -> Result<i32> {
    let manifest = sweep.manifest()?;
    std::fs::write(
        sweep.file(CANCELLED),
        format!("{}\n", crate::run::ident::unix_now()),
    )
    .map_err(|e| crate::error::io_error(&sweep.file(CANCELLED), e))?;
    sweep.event(serde_json::json!({"event": "cancelled"}))?;
    match manifest.executor {
        Executor::Slurm => {
            slurm::runtime()?.block_on(slurm::cancel(sweep))?;
            eprintln!(
                "saddle: sweep {}: its Slurm jobs are cancelled",
                manifest.id
            );
        }
        Executor::Local => {
            // The supervisor forwards one SIGTERM to its members; members an earlier
            // supervisor left behind get theirs directly.
            match sweep.supervisor() {
                Some(pid) => {
                    local::terminate(pid);
                    let t0 = std::time::Instant::now();
                    while sweep.supervisor().is_some() && t0.elapsed() < Duration::from_secs(120) {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
                None => {
                    for m in &manifest.members {
                        let run = sweep.member(m);
                        if run.is_live() {
                            if let Some(pid) = std::fs::read_to_string(run.file("lock"))
                                .ok()
                                .and_then(|t| t.trim().parse().ok())
                            {
                                local::terminate(pid);
                            }
                        }
                    }
                }
            }
            let st = local::states(sweep, &manifest);
            st.write(sweep)?;
            eprintln!("saddle: sweep {} cancelled: {}", manifest.id, st.line());
        }
    }
    Ok(0)
}

/// Refuses rm / archive while anything drives the sweep (a sweep whose manifest cannot be
/// read asks Slurm when it has recorded submissions).
fn check_idle(sweep: &SweepDir) -> Result<()> {
    if let Some(pid) = sweep.creator() {
        return Err(Error::input(format!(
            "sweep {} is being created by process {pid}",
            sweep.id()
        )));
    }
    let slurm = match sweep.manifest() {
        Ok(m) => m.executor == Executor::Slurm,
        Err(_) => !slurm::submissions(sweep).is_empty(),
    };
    let queued = if slurm {
        slurm::runtime()?.block_on(slurm::tasks(sweep))?.len()
    } else {
        0
    };
    housekeeping::check_idle(sweep, queued)
}

fn report_cmd(
    sweep: &SweepDir,
    at: &[u64],
    metric: Option<String>,
    compare: Option<Vec<String>>,
    json: bool,
    csv: Option<PathBuf>,
) -> Result<i32> {
    if let Some(p) = &csv {
        super::launch::check_output_file(p, "--csv")?;
    }
    let manifest = sweep.manifest()?;
    let rank_by = metric.as_deref().map(RankBy::parse).transpose()?;
    let compare = match compare.as_deref() {
        Some([a, b]) => Some((
            report::configuration(&manifest, a)?,
            report::configuration(&manifest, b)?,
        )),
        _ => None,
    };
    let r = report::report(sweep, at, rank_by, compare)?;
    if let Some(path) = &csv {
        let grid: Vec<String> = manifest.grid.iter().map(|a| a.path.clone()).collect();
        crate::run::store::write_atomic(path, r.csv(&grid).as_bytes())?;
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r).map_err(|e| Error::failure(e.to_string()))?
        );
    } else {
        print!("{}", r.text(metric.as_deref()));
    }
    Ok(0)
}
