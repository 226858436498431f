//! A run's directory and the files in it.
//!
//! ```text
//! runs/<id>/
//!   config.ron        the fully resolved run config (written once, atomically)
//!   metrics.csv       header + one row per logged step; append-only; a torn last line is ignored
//!   events.jsonl      lifecycle and control events, one JSON object per line, append-only
//!   summary.json      status, step and last metrics; rewritten atomically
//!   control.jsonl     commands from other processes (`saddle control`), appended by them
//!   spectrum.jsonl    eigenvalues of J and of the update operator every `spectral_every` steps
//!   scores.jsonl      live IS / FID of the scored generators (image GANs with `score`)
//!   checkpoints/      step-<N>.ck, each written atomically; the newest few are kept
//!   lock              flock-ed by the process driving the run
//! ```
//!
//! Each file has one record type that its writers and readers share: `metrics.csv`
//! ([`super::metrics`]), `summary.json` ([`super::summary::Summary`]), the JSON-lines files
//! ([`super::records`]).
//!
//! Atomic writes (`crate::files`) go to a temporary file in the same directory, are synced, renamed over the
//! target, and the directory is synced, so a crash leaves either the old or the new file.

use super::ident::is_safe_id;
use crate::error::{io_error, Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// File names inside a run directory.
pub const CONFIG: &str = "config.ron";
/// Metrics table.
pub const METRICS: &str = "metrics.csv";
/// Event log.
pub const EVENTS: &str = "events.jsonl";
/// Summary.
pub const SUMMARY: &str = "summary.json";
/// Commands from other processes.
pub const CONTROL: &str = "control.jsonl";
/// Eigenvalues over time.
pub const SPECTRUM: &str = "spectrum.jsonl";
/// Checkpoint folder.
pub const CHECKPOINTS: &str = "checkpoints";
/// The file that makes a directory of the runs directory a group of runs (a sweep's
/// manifest): its runs are named `<group>/<id>`.
pub const GROUP_MANIFEST: &str = "sweep.json";
const LOCK: &str = "lock";

pub use crate::files::write_atomic;

/// A run directory.
#[derive(Clone, Debug)]
pub struct RunDir {
    /// Its path.
    pub path: PathBuf,
}

impl AsRef<Path> for RunDir {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

/// An exclusive claim on a run: only one process drives a run at a time. Released on drop
/// (and by the kernel if the process dies).
pub struct RunLock {
    _file: File,
}

impl RunDir {
    /// Creates a new, empty run directory `<runs_dir>/<id>` (adding `-2`, `-3`… if taken).
    pub fn create(runs_dir: &Path, id: &str) -> Result<Self> {
        fs::create_dir_all(runs_dir).map_err(|e| io_error(runs_dir, e))?;
        for n in 1..1000 {
            let name = if n == 1 {
                id.to_string()
            } else {
                format!("{id}-{n}")
            };
            let path = runs_dir.join(&name);
            match fs::create_dir(&path) {
                Ok(()) => {
                    fs::create_dir(path.join(CHECKPOINTS)).map_err(|e| io_error(&path, e))?;
                    return Ok(RunDir { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_error(&path, e)),
            }
        }
        Err(Error::failure(format!(
            "{}: too many runs named {id}",
            runs_dir.display()
        )))
    }

    /// Finds a run given as a directory path or as an id under `runs_dir`.
    pub fn find(arg: &str, runs_dir: &Path) -> Result<Self> {
        let as_path = Path::new(arg);
        if as_path.join(CONFIG).is_file() {
            return Ok(RunDir {
                path: as_path.to_path_buf(),
            });
        }
        // An id saddle made, or the name of a directory copied in by hand (`cp -r A "A copy"`):
        // one plain path component, never `.`, `..` or a dot file.
        let plain = {
            let mut c = Path::new(arg).components();
            matches!(
                (c.next(), c.next()),
                (Some(std::path::Component::Normal(_)), None)
            ) && !arg.starts_with('.')
                && !arg.contains(['/', '\\'])
        };
        if is_safe_id(arg) || plain {
            let p = runs_dir.join(arg);
            if p.join(CONFIG).is_file() {
                return Ok(RunDir { path: p });
            }
        }
        // `<group>/<id>`: a run one level down (the members of a sweep live in its directory).
        if let Some((group, id)) = arg.split_once('/') {
            let p = runs_dir.join(group).join(id);
            if is_safe_id(group) && is_safe_id(id) && p.join(CONFIG).is_file() {
                return Ok(RunDir { path: p });
            }
        }
        // A directory of runs (a sweep's) given where one run is wanted: name a member.
        let group = [as_path.to_path_buf(), runs_dir.join(arg)]
            .into_iter()
            .filter(|p| p.is_dir())
            .find_map(|p| {
                let mut members: Vec<String> = std::fs::read_dir(&p)
                    .ok()?
                    .flatten()
                    .filter(|e| e.path().join(CONFIG).is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                members.sort();
                Some(members).filter(|m| !m.is_empty())
            });
        let hint = match group {
            Some(m) => format!(
                "; it is a directory of {} runs (a runs directory, or a sweep's): name one, e.g. {}/{}; a sweep is taken whole by `saddle sweep status` and `saddle plot … --figure sweep`",
                m.len(),
                arg.trim_end_matches('/'),
                m[0]
            ),
            None => String::new(),
        };
        Err(Error::input(format!(
            "no run {arg:?}: neither a run directory (holding {CONFIG}) nor a run id under {}{hint}",
            runs_dir.display()
        )))
    }

    /// The run's id (its directory name).
    pub fn id(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The name `saddle` commands take for this run ([`RunDir::find`]): its id, or
    /// `<group>/<id>` for a run of a group (a sweep's member `000` alone names nothing).
    pub fn handle(&self) -> String {
        let group = self
            .path
            .parent()
            .filter(|p| p.join(GROUP_MANIFEST).is_file())
            .and_then(|p| p.file_name());
        match group {
            Some(g) => format!("{}/{}", g.to_string_lossy(), self.id()),
            None => self.id(),
        }
    }

    /// A file inside the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Reads a file of the run as text.
    pub fn read(&self, name: &str) -> Result<String> {
        let p = self.file(name);
        fs::read_to_string(&p).map_err(|e| io_error(&p, e))
    }

    /// The run's resolved config (`config.ron`), its errors naming the file.
    pub fn config(&self) -> Result<super::RunConfig> {
        let origin = self.file(CONFIG).display().to_string();
        super::RunConfig::from_ron(&self.read(CONFIG)?, &origin)
    }

    /// Takes the run's lock, or says which process holds it.
    pub fn lock(&self) -> Result<RunLock> {
        let p = self.file(LOCK);
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&p)
            .map_err(|e| io_error(&p, e))?;
        // A few tries: a reader's liveness probe (`is_live`, a shared lock held for an
        // instant) must not make the run's own process fail to take it.
        let mut r = -1;
        for k in 0..20 {
            // SAFETY: flock on a valid, owned descriptor.
            r = unsafe {
                libc::flock(
                    std::os::fd::AsRawFd::as_raw_fd(&f),
                    libc::LOCK_EX | libc::LOCK_NB,
                )
            };
            if r == 0 {
                break;
            }
            if k < 19 {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        if r != 0 {
            let mut holder = String::new();
            let _ = f.read_to_string(&mut holder);
            return Err(Error::input(format!(
                "run {} is live: process {} is driving it (use `saddle control` to steer it)",
                self.id(),
                holder.trim()
            )));
        }
        f.set_len(0).map_err(|e| io_error(&p, e))?;
        write!(f, "{}", std::process::id()).map_err(|e| io_error(&p, e))?;
        Ok(RunLock { _file: f })
    }

    /// True while some process holds the run's lock.
    pub fn is_live(&self) -> bool {
        let Ok(f) = File::open(self.file(LOCK)) else {
            return false;
        };
        let fd = std::os::fd::AsRawFd::as_raw_fd(&f);
        // SAFETY: flock on a valid, owned descriptor; the shared probe is released at once.
        unsafe {
            if libc::flock(fd, libc::LOCK_SH | libc::LOCK_NB) == 0 {
                libc::flock(fd, libc::LOCK_UN);
                false
            } else {
                true
            }
        }
    }

    /// Replaces a file of the run atomically ([`write_atomic`]): readers see the old or the
    /// new content, never a part.
    pub fn replace(&self, name: &str, bytes: &[u8]) -> Result<()> {
        write_atomic(&self.file(name), bytes)
    }

    /// Appends one line (a JSON event or command) and flushes it.
    pub fn append_line(&self, name: &str, line: &str) -> Result<()> {
        crate::files::append_line(&self.file(name), line)
    }

    /// Path of the checkpoint taken after `step` iterations.
    pub fn checkpoint_path(&self, step: u64) -> PathBuf {
        self.path
            .join(CHECKPOINTS)
            .join(format!("step-{step:012}.ck"))
    }

    /// The steps of the checkpoints present, in increasing order.
    pub fn checkpoint_steps(&self) -> Vec<u64> {
        let mut steps: Vec<u64> = fs::read_dir(self.path.join(CHECKPOINTS))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().into_string().ok()?;
                n.strip_prefix("step-")?.strip_suffix(".ck")?.parse().ok()
            })
            .collect();
        steps.sort_unstable();
        steps
    }

    /// Removes the temporary files of atomic writes (see [`crate::files::is_temporary`]) from
    /// the run directory, its checkpoints and its samples, returning the ones removed: only
    /// for the holder of the run's lock, which no other process is writing through (a run
    /// killed while it wrote a checkpoint leaves one as large as the checkpoint).
    pub fn remove_temporaries(&self) -> Vec<PathBuf> {
        let mut removed = vec![];
        for dir in [
            self.path.clone(),
            self.path.join(CHECKPOINTS),
            self.path.join(super::sample_files::SAMPLES),
        ] {
            for e in fs::read_dir(&dir).into_iter().flatten().flatten() {
                let temporary = e
                    .file_name()
                    .to_str()
                    .is_some_and(crate::files::is_temporary);
                if temporary
                    && e.file_type().is_ok_and(|t| t.is_file())
                    && fs::remove_file(e.path()).is_ok()
                {
                    removed.push(e.path());
                }
            }
        }
        removed
    }

    /// Deletes all but the newest `keep` checkpoints.
    pub fn prune_checkpoints(&self, keep: usize) {
        let steps = self.checkpoint_steps();
        for s in steps.iter().take(steps.len().saturating_sub(keep)) {
            let _ = fs::remove_file(self.checkpoint_path(*s));
            let _ = fs::remove_file(self.checkpoint_path(*s).with_extension("safetensors"));
        }
    }
}

/// Reads the lines appended to a file since the last call (complete lines only).
#[derive(Debug)]
pub struct Tail {
    path: PathBuf,
    offset: u64,
    /// The file read so far (device, inode): a file replaced by a rename is read from its
    /// start even when it is already longer than the offset.
    file: Option<(u64, u64)>,
}

/// A file's (device, inode).
fn identity(m: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

impl Tail {
    /// Starts at `offset` bytes into `path`.
    pub fn new(path: PathBuf, offset: u64) -> Self {
        Tail {
            path,
            offset,
            file: None,
        }
    }

    /// Starts at the current end of `path` (nothing already there is returned).
    pub fn at_end(path: PathBuf) -> Self {
        let meta = fs::metadata(&path).ok();
        Tail {
            offset: meta.as_ref().map_or(0, |m| m.len()),
            file: meta.as_ref().map(identity),
            path,
        }
    }

    /// The complete new lines, if any.
    pub fn poll(&mut self) -> Vec<String> {
        let Ok(mut f) = File::open(&self.path) else {
            return vec![];
        };
        let meta = f.metadata().ok();
        let len = meta.as_ref().map_or(0, |m| m.len());
        let file = meta.as_ref().map(identity);
        // Replaced (a resume rewrites its table through a rename) or cut: start over.
        if len < self.offset || (self.file.is_some() && file != self.file) {
            self.offset = 0;
        }
        self.file = file;
        if len == self.offset || f.seek(SeekFrom::Start(self.offset)).is_err() {
            return vec![];
        }
        let mut buf = Vec::new();
        if f.read_to_end(&mut buf).is_err() {
            return vec![];
        }
        let Some(end) = buf.iter().rposition(|&b| b == b'\n') else {
            return vec![];
        };
        self.offset += end as u64 + 1;
        String::from_utf8_lossy(&buf[..end])
            .lines()
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sweep's directory where one run is wanted is named as a directory of runs, with a
    /// member to name instead.
    #[test]
    fn a_directory_of_runs_is_named_with_a_member() {
        let t = tempfile::tempdir().unwrap();
        let member = t.path().join("sw").join("003");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(member.join(CONFIG), "").unwrap();
        let e = RunDir::find("sw", t.path()).unwrap_err();
        assert!(
            e.message.contains("a directory of 1 runs") && e.message.contains("sw/003"),
            "{}",
            e.message
        );
        assert!(RunDir::find("sw/003", t.path()).is_ok());
        let e = RunDir::find("nothing", t.path()).unwrap_err();
        assert!(!e.message.contains("directory of"), "{}", e.message);
    }
}
