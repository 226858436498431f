//! Removing and archiving sweeps: a large sweep's checkpoints must not fill a disk.

use super::manifest::{SweepDir, MANIFEST};
use crate::error::{io_error, Error, Result};
use crate::run::store::CHECKPOINTS;
use std::path::{Path, PathBuf};

/// Refuses to touch a sweep something still drives: its supervisor, a member's process, or
/// (given as `queued`) Slurm tasks still in the queue.
pub fn check_idle(sweep: &SweepDir, queued: usize) -> Result<()> {
    if let Some(pid) = sweep.supervisor() {
        return Err(Error::input(format!(
            "sweep {} is live: its supervisor (process {pid}) is running (saddle sweep cancel first)",
            sweep.id()
        )));
    }
    // A sweep whose manifest cannot be read is judged by the run directories it holds.
    let members = match sweep.manifest() {
        Ok(manifest) => manifest.members.iter().map(|m| sweep.member(m)).collect(),
        Err(_) => sweep.runs_on_disk(),
    };
    if let Some(run) = members.iter().find(|r| r.is_live()) {
        return Err(Error::input(format!(
            "sweep {} is live: member {} is running (saddle sweep cancel first)",
            sweep.id(),
            run.handle()
        )));
    }
    if queued > 0 {
        return Err(Error::input(format!(
            "sweep {} has {queued} task(s) in the Slurm queue (saddle sweep cancel first)",
            sweep.id()
        )));
    }
    Ok(())
}

/// Deletes the sweep directory and everything in it (a sweep's directory: one with a
/// manifest, or one [`SweepDir::unusable`] recognizes).
pub fn remove(sweep: &SweepDir) -> Result<()> {
    if !sweep.file(MANIFEST).is_file() && sweep.unusable().is_none() {
        return Err(Error::input(format!(
            "{}: not a sweep directory",
            sweep.path.display()
        )));
    }
    std::fs::remove_dir_all(&sweep.path).map_err(|e| io_error(&sweep.path, e))
}

/// The files of `dir` under `root`, sorted, leaving out `checkpoints/` folders unless
/// `checkpoints`, lock files and temporary files of atomic writes.
fn files(root: &Path, dir: &Path, checkpoints: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io_error(dir, e))?
        .collect::<std::io::Result<_>>()
        .map_err(|e| io_error(dir, e))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let kind = e.file_type().map_err(|x| io_error(&p, x))?;
        if kind.is_dir() {
            if name == CHECKPOINTS && !checkpoints {
                continue;
            }
            files(root, &p, checkpoints, out)?;
        } else if kind.is_file() && name != "lock" && !name.starts_with('.') {
            out.push(p.strip_prefix(root).unwrap_or(&p).to_path_buf());
        }
    }
    Ok(())
}

/// Packs the sweep directory into `<runs_dir>/<sweep-id>.tar.gz` (without checkpoints unless
/// `checkpoints`), reads the archive back to check every file is in it, then deletes the
/// directory. Returns the archive's path and the number of files.
pub fn archive(sweep: &SweepDir, checkpoints: bool) -> Result<(PathBuf, usize)> {
    let id = sweep.id();
    let parent = sweep.path.parent().unwrap_or(Path::new("."));
    let out = parent.join(format!("{id}.tar.gz"));
    if out.exists() {
        return Err(Error::input(format!(
            "{} exists already: not overwriting it",
            out.display()
        )));
    }
    let mut list = vec![];
    files(&sweep.path, &sweep.path, checkpoints, &mut list)?;
    let tmp = parent.join(format!(".{id}.tar.gz.tmp{}", std::process::id()));
    let written = (|| -> Result<()> {
        let f = std::fs::File::create(&tmp).map_err(|e| io_error(&tmp, e))?;
        let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        for rel in &list {
            // Ctrl-C (with the signal handlers in force) leaves no temporary file behind and
            // the sweep as it was.
            if crate::run::engine::interrupted() {
                return Err(Error::failure(format!(
                    "interrupted: sweep {id} was not archived and is untouched"
                )));
            }
            let src = sweep.path.join(rel);
            tar.append_path_with_name(&src, Path::new(&id).join(rel))
                .map_err(|e| io_error(&src, e))?;
        }
        let gz = tar.into_inner().map_err(|e| io_error(&tmp, e))?;
        let f = gz.finish().map_err(|e| io_error(&tmp, e))?;
        f.sync_all().map_err(|e| io_error(&tmp, e))?;
        // Read it back: every file must be there before the directory goes.
        let back = std::fs::File::open(&tmp).map_err(|e| io_error(&tmp, e))?;
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(back));
        let n = ar
            .entries()
            .map_err(|e| io_error(&tmp, e))?
            .map(|e| e.map(|_| ()))
            .collect::<std::io::Result<Vec<()>>>()
            .map_err(|e| io_error(&tmp, e))?
            .len();
        if n != list.len() {
            return Err(Error::failure(format!(
                "{}: {n} files read back, {} written",
                tmp.display(),
                list.len()
            )));
        }
        if crate::run::engine::interrupted() {
            return Err(Error::failure(format!(
                "interrupted: sweep {id} was not archived and is untouched"
            )));
        }
        // A link, not a rename: an archive made meanwhile by another process is not replaced
        // (a rename where the filesystem has no links).
        match std::fs::hard_link(&tmp, &out) {
            Ok(()) => {
                let _ = std::fs::remove_file(&tmp);
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::input(format!(
                "{} exists already: not overwriting it",
                out.display()
            ))),
            Err(_) => std::fs::rename(&tmp, &out).map_err(|e| io_error(&out, e)),
        }
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if crate::run::engine::interrupted() {
        return Err(Error::failure(format!(
            "interrupted: {} is complete, and sweep {id} was kept",
            out.display()
        )));
    }
    remove(sweep)?;
    Ok((out, list.len()))
}
