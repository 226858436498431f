//! A sweep's directory and its manifest (`sweep.json`, the resolved sweep: written once).
//!
//! ```text
//! <runs-dir>/<sweep-id>/
//!   sweep.json        the resolved sweep: preset, grid, seeds, configurations, members
//!   states.json       each member's state (queued, running, preempted, done, failed, …),
//!                     rewritten atomically by whoever last looked (supervisor, status)
//!   events.jsonl      the sweep's own events: submitted, member started / ended, cancelled
//!   slurm.jsonl       Slurm submissions (job id, array), one line each
//!   sweep.sbatch      the generated Slurm batch script (Slurm executor)
//!   lock              flock-ed by the local supervisor process (holding its pid)
//!   cancelled         present after `saddle sweep cancel`
//!   creating          present while the members are made (removed once sweep.json is
//!                     written): a directory left with it is a sweep whose creation was killed
//!   logs/             <sweep-id>_<index>.log (local), <sweep-id>_<job>_<task>.log (Slurm)
//!   0000/ 0001/ …     the members: ordinary run directories (config.ron holds grid values
//!                     and seed); member id `<sweep-id>/<index>`
//! ```

use super::expand::{Configuration, Plan};
use super::spec::{Axis, Executor, SlurmSection};
use crate::error::{io_error, Error, Result};
use crate::run::ident::{is_safe_id, run_id, unix_now};
use crate::run::store::{write_atomic, RunDir, RunLock, CONFIG, SUMMARY};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

/// The manifest's file name.
pub const MANIFEST: &str = crate::run::store::GROUP_MANIFEST;
/// Member states.
pub const STATES: &str = "states.json";
/// The sweep's event log.
pub const EVENTS: &str = "events.jsonl";
/// Slurm submissions.
pub const SUBMISSIONS: &str = "slurm.jsonl";
/// The generated batch script.
pub const BATCH_SCRIPT: &str = "sweep.sbatch";
/// Marker of a cancelled sweep.
pub const CANCELLED: &str = "cancelled";
/// Log folder.
pub const LOGS: &str = "logs";
/// The supervisor's lock file.
const LOCK: &str = "lock";
/// Marker of a sweep whose members are being made (see [`create`]).
pub const CREATING: &str = "creating";

/// One member in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Its index (the Slurm array task id).
    pub index: usize,
    /// `<sweep-id>/<index, zero-padded>`.
    pub id: String,
    /// Its run directory's name inside the sweep directory.
    pub dir: String,
    /// Its run name (`<configuration label> seed=<N>`).
    pub name: String,
    /// Its configuration's index.
    pub configuration: usize,
    /// Its seed.
    pub seed: u64,
}

/// The resolved sweep (`sweep.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Format version (1).
    pub version: u32,
    /// The sweep's id (its directory name).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The preset's name.
    pub preset: String,
    /// Where the preset came from (a file, or `<built-in NAME>`).
    pub origin: String,
    /// Unix time of creation.
    pub created: f64,
    /// Grid axes.
    pub grid: Vec<Axis>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Where members run.
    pub executor: Executor,
    /// Members at once (None: no limit of saddle's own).
    pub jobs: Option<usize>,
    /// Checkpoints each member keeps.
    pub keep_checkpoints: u64,
    /// Slurm settings (Slurm executor).
    pub slurm: Option<SlurmSection>,
    /// Runs × grid points.
    pub configurations: Vec<Configuration>,
    /// Configurations × seeds.
    pub members: Vec<Member>,
}

/// Zero-padded width of member indices: at least 3 digits.
fn index_width(n: usize) -> usize {
    n.saturating_sub(1).to_string().len().max(3)
}

/// A sweep directory.
#[derive(Clone, Debug)]
pub struct SweepDir {
    /// Its path.
    pub path: PathBuf,
}

/// The last non-empty line of the file at `path`, read from its last 64 KiB (a Slurm log is
/// appended across requeues and can be long), with characters that would drive a terminal
/// replaced.
fn last_line(path: &Path) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(1 << 16))).ok()?;
    let mut bytes = vec![];
    f.read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    Some(crate::run::console::printable(line.trim()).into_owned())
}

impl SweepDir {
    /// Finds a sweep given as its directory or as an id under `runs_dir`.
    pub fn find(arg: &str, runs_dir: &Path) -> Result<Self> {
        let p = Path::new(arg);
        if p.join(MANIFEST).is_file() {
            return Ok(SweepDir {
                path: p.to_path_buf(),
            });
        }
        if is_safe_id(arg) && runs_dir.join(arg).join(MANIFEST).is_file() {
            return Ok(SweepDir {
                path: runs_dir.join(arg),
            });
        }
        for sweep in Self::candidates(arg, runs_dir) {
            if let Some(why) = sweep.unusable().filter(|_| sweep.half_made()) {
                return Err(Error::input(format!(
                    "sweep {arg:?} cannot be read: {why} (`saddle sweep rm {arg}` removes it)"
                )));
            }
        }
        Err(Error::input(format!(
            "no sweep {arg:?}: neither a sweep directory (holding {MANIFEST}) nor a sweep id under {}",
            runs_dir.display()
        )))
    }

    /// Finds a sweep to remove: as [`SweepDir::find`], and also a directory whose
    /// `sweep.json` is damaged or missing when it is recognizably a sweep's (see
    /// [`SweepDir::unusable`]) and a directory of the runs directory. The second value says
    /// why the manifest cannot be used, when it cannot.
    pub fn find_damaged(arg: &str, runs_dir: &Path) -> Result<(Self, Option<String>)> {
        // Only a child of the runs directory, named as saddle names sweeps: `sweep rm .` or
        // `sweep rm runs` must never match a project or the runs directory itself.
        let inside = |p: &Path| {
            let (Ok(p), Ok(r)) = (p.canonicalize(), runs_dir.canonicalize()) else {
                return false;
            };
            p.parent() == Some(r.as_path())
                && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    is_safe_id(n)
                        && n.len() > 16
                        && n[..15].chars().all(|c| c.is_ascii_digit() || c == '-')
                })
        };
        for sweep in Self::candidates(arg, runs_dir).filter(|s| inside(&s.path)) {
            if let Some(why) = sweep.unusable() {
                return Ok((sweep, Some(why)));
            }
        }
        Ok((Self::find(arg, runs_dir)?, None))
    }

    /// What `arg` may name: a directory, and a sweep id under `runs_dir`.
    fn candidates(arg: &str, runs_dir: &Path) -> impl Iterator<Item = SweepDir> {
        [
            Some(PathBuf::from(arg)),
            is_safe_id(arg).then(|| runs_dir.join(arg)),
        ]
        .into_iter()
        .flatten()
        .map(|path| SweepDir { path })
    }

    /// A creation's marker without the manifest it ends with.
    fn half_made(&self) -> bool {
        self.file(CREATING).is_file() && !self.file(MANIFEST).is_file()
    }

    /// Why this directory is a sweep that cannot be read (a creation that was killed, a
    /// damaged `sweep.json`), or None when it is not a sweep's or reads well. A sweep's is one
    /// with the `creating` marker or a `sweep.json`, whose run directories are all named by
    /// digits of one width (its members), at least one of them.
    pub fn unusable(&self) -> Option<String> {
        if !self.path.is_dir() || self.path.join(CONFIG).exists() {
            return None;
        }
        let runs = self.runs_on_disk();
        let width = |r: &RunDir| {
            let id = r.id();
            id.chars().all(|c| c.is_ascii_digit()).then_some(id.len())
        };
        let members = runs
            .first()
            .and_then(width)
            .is_some_and(|w| w >= 3 && runs.iter().all(|r| width(r) == Some(w)));
        if !members {
            return None;
        }
        if self.half_made() {
            return Some(if self.is_locked() {
                "it is being created".to_string()
            } else {
                format!("its creation was interrupted ({MANIFEST} was never written)")
            });
        }
        self.file(MANIFEST)
            .is_file()
            .then(|| self.manifest().err().map(|e| e.to_string()))
            .flatten()
    }

    /// The run directories directly inside the sweep directory, sorted (its members as the
    /// disk has them, for a sweep whose manifest cannot be read).
    pub fn runs_on_disk(&self) -> Vec<RunDir> {
        let mut out: Vec<RunDir> = fs::read_dir(&self.path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join(CONFIG).is_file())
            .map(|path| RunDir { path })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }

    /// True while a process holds the sweep's lock (its supervisor, or the process making it).
    fn is_locked(&self) -> bool {
        self.lockable().is_live()
    }

    /// The process making the sweep's members, while it does.
    pub fn creator(&self) -> Option<u32> {
        self.half_made().then(|| self.supervisor()).flatten()
    }

    /// A file of the sweep.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// The sweep's id.
    pub fn id(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Reads the manifest.
    pub fn manifest(&self) -> Result<Manifest> {
        let p = self.file(MANIFEST);
        let text = fs::read_to_string(&p).map_err(|e| io_error(&p, e))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::input(format!("{}: not a sweep manifest: {e}", p.display())))
    }

    /// A member's run directory.
    pub fn member(&self, m: &Member) -> RunDir {
        RunDir {
            path: self.path.join(&m.dir),
        }
    }

    /// The log file of a member run by the local executor.
    pub fn local_log(&self, m: &Member) -> PathBuf {
        self.file(LOGS).join(format!("{}_{}.log", self.id(), m.dir))
    }

    /// The last line a member's process wrote to its log (its local log, else the newest of
    /// its Slurm task logs `<sweep-id>_<job>_<index>.log`) with the log's path: why a member
    /// that never wrote a summary stopped (a bad dataset, a full disk, a killed process says
    /// nothing and gives None).
    pub fn last_log_line(&self, m: &Member) -> Option<(String, PathBuf)> {
        let mut logs = vec![self.local_log(m)];
        // Newest submission first; its task id is the member's index less the array's offset.
        let mut subs = super::slurm::submissions(self);
        subs.reverse();
        logs.extend(subs.iter().filter(|s| m.index >= s.offset).map(|s| {
            self.file(LOGS).join(format!(
                "{}_{}_{}.log",
                self.id(),
                s.job,
                m.index - s.offset
            ))
        }));
        // Then any task log of that task id, newest first: an array resubmitted by hand with
        // the batch script (no offset) has no recorded submission.
        let (prefix, suffix) = (format!("{}_", self.id()), format!("_{}.log", m.index));
        let mut by_hand: Vec<(std::time::SystemTime, PathBuf)> = fs::read_dir(self.file(LOGS))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                // Not a recorded job's: its task ids may be offset (another member's log).
                e.file_name().to_str().is_some_and(|n| {
                    n.strip_prefix(&prefix)
                        .and_then(|r| r.strip_suffix(&suffix))
                        .and_then(|job| job.parse::<u64>().ok())
                        .is_some_and(|job| !subs.iter().any(|s| s.job == job))
                })
            })
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        by_hand.sort();
        logs.extend(by_hand.into_iter().rev().map(|(_, p)| p));
        logs.into_iter().find_map(|p| Some((last_line(&p)?, p)))
    }

    /// The last line the local supervisor wrote to `logs/supervisor.log`, with its path: why
    /// a supervisor that died (a full disk) left its members stalled.
    pub fn supervisor_last_line(&self) -> Option<(String, PathBuf)> {
        let p = self.file(LOGS).join("supervisor.log");
        Some((last_line(&p)?, p))
    }

    /// Appends one event (`{"time": …, "event": …, …}`) to the sweep's event log.
    pub fn event(&self, mut e: serde_json::Value) -> Result<()> {
        if let Some(m) = e.as_object_mut() {
            m.insert("time".into(), serde_json::json!(unix_now()));
        }
        self.lockable().append_line(EVENTS, &e.to_string())
    }

    /// Appends one line to a file of the sweep.
    pub fn append(&self, name: &str, line: &str) -> Result<()> {
        self.lockable().append_line(name, line)
    }

    /// The sweep directory seen as a lockable directory: the supervisor holds its `lock`
    /// as a run's driver holds a run's.
    fn lockable(&self) -> RunDir {
        RunDir {
            path: self.path.clone(),
        }
    }

    /// Takes the supervisor lock, or says which process holds it.
    pub fn lock_supervisor(&self) -> Result<RunLock> {
        self.lockable().lock().map_err(|_| {
            Error::input(format!(
                "sweep {} already has a supervisor (process {})",
                self.id(),
                self.supervisor().map_or("?".into(), |p| p.to_string())
            ))
        })
    }

    /// The process id of the live supervisor, if one holds the lock.
    pub fn supervisor(&self) -> Option<u32> {
        let d = self.lockable();
        if !d.is_live() {
            return None;
        }
        fs::read_to_string(d.file(LOCK)).ok()?.trim().parse().ok()
    }

    /// True after `saddle sweep cancel` (until `saddle sweep resume`).
    pub fn is_cancelled(&self) -> bool {
        self.file(CANCELLED).exists()
    }
}

/// Everything about a new sweep besides its plan.
pub struct NewSweep<'a> {
    /// Its name.
    pub name: &'a str,
    /// The preset's name and origin.
    pub preset: (&'a str, &'a str),
    /// Grid axes.
    pub grid: &'a [Axis],
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Executor.
    pub executor: Executor,
    /// Members at once.
    pub jobs: Option<usize>,
    /// Checkpoints each member keeps.
    pub keep_checkpoints: u64,
    /// Slurm settings.
    pub slurm: Option<SlurmSection>,
}

/// Creates `<runs_dir>/<timestamp>-<name>` with one run directory per member and the
/// manifest (written last: a directory without `sweep.json` is not a sweep). On an error, or
/// when the process is interrupted meanwhile (with the signal handlers in force), the
/// half-made directory is removed.
pub fn create(runs_dir: &Path, new: &NewSweep, plan: &Plan) -> Result<(SweepDir, Manifest)> {
    let created = unix_now();
    // Shortened as run ids are, in the middle: room is left for `-N`, and the name's end kept.
    let base = run_id("", new.name, created as u64);
    fs::create_dir_all(runs_dir).map_err(|e| io_error(runs_dir, e))?;
    let mut path = None;
    for n in 1..1000 {
        let id = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let p = runs_dir.join(&id);
        match fs::create_dir(&p) {
            Ok(()) => {
                path = Some(p);
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_error(&p, e)),
        }
    }
    let sweep = SweepDir {
        path: path.ok_or_else(|| Error::failure(format!("too many sweeps named {base}")))?,
    };
    // The lock, held while the members are made, tells `sweep rm` that the creation is live;
    // the marker, that a directory left without a manifest is a sweep whose creation died.
    let made = sweep.lock_supervisor().and_then(|lock| {
        crate::files::write_new_unsynced(
            &sweep.file(CREATING),
            format!("{}\n", std::process::id()).as_bytes(),
        )?;
        let m = fill(&sweep, created, new, plan)?;
        let _ = fs::remove_file(sweep.file(CREATING));
        drop(lock);
        Ok(m)
    });
    if made.is_err() {
        let _ = fs::remove_dir_all(&sweep.path);
    }
    made.map(|m| (sweep, m))
}

fn fill(sweep: &SweepDir, created: f64, new: &NewSweep, plan: &Plan) -> Result<Manifest> {
    let id = sweep.id();
    let logs = sweep.file(LOGS);
    fs::create_dir(&logs).map_err(|e| io_error(&logs, e))?;
    let width = index_width(plan.members.len());
    let mut members = vec![];
    for (i, p) in plan.members.iter().enumerate() {
        let dir = format!("{i:0width$}");
        // A signal while thousands of members are made removes the half-made sweep (see
        // `create`) instead of leaving a directory that is neither a sweep nor runs.
        if crate::run::engine::interrupted() {
            return Err(Error::failure(format!(
                "interrupted while creating sweep {id}: nothing was kept"
            )));
        }
        let run = RunDir::create(&sweep.path, &dir)?;
        // The dataset's directory is pinned as a run's is (see `RunConfig::pinned`).
        let config = p.config.pinned()?;
        crate::files::write_new_unsynced(&run.file(CONFIG), config.to_ron().as_bytes())?;
        members.push(Member {
            index: i,
            id: format!("{id}/{dir}"),
            dir,
            name: p.config.name.clone(),
            configuration: p.configuration,
            seed: p.seed,
        });
    }
    let manifest = Manifest {
        version: 1,
        id,
        name: new.name.to_string(),
        preset: new.preset.0.to_string(),
        origin: new.preset.1.to_string(),
        created,
        grid: new.grid.to_vec(),
        seeds: new.seeds.clone(),
        executor: new.executor,
        jobs: new.jobs,
        keep_checkpoints: new.keep_checkpoints,
        slurm: new.slurm.clone(),
        configurations: plan.configurations.clone(),
        members,
    };
    let text =
        serde_json::to_string_pretty(&manifest).map_err(|e| Error::failure(e.to_string()))?;
    // The members on disk before the manifest that makes them a sweep.
    crate::files::sync_filesystem(&sweep.path)?;
    write_atomic(&sweep.file(MANIFEST), text.as_bytes())?;
    Ok(manifest)
}

/// True when the member's run has ended with a result (finished, converged, diverged or
/// stopped): nothing left to run.
pub fn has_ended(run: &RunDir) -> bool {
    engine_summary(run).is_some_and(|s| ended_with_result(s.status))
}

/// True for the statuses a member ends with a result: finished, converged, diverged or
/// stopped.
pub fn ended_with_result(status: crate::run::Status) -> bool {
    use crate::run::Status::*;
    matches!(status, Finished | Converged | Diverged | Stopped)
}

/// The member's `summary.json`, if readable.
pub fn engine_summary(run: &RunDir) -> Option<crate::run::Summary> {
    fs::read_to_string(run.file(SUMMARY))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_are_zero_padded_to_the_largest() {
        assert_eq!(index_width(1), 3);
        assert_eq!(index_width(1000), 3);
        assert_eq!(index_width(1001), 4);
        assert_eq!(format!("{:0w$}", 7, w = index_width(24)), "007");
    }
}
