//! Writing files so that readers never see half of them: atomic replacement and whole-line
//! appends. Run directories, reference statistics and classifier weights all go through here.
//!
//! Atomic writes go to a temporary file in the same directory, are synced, renamed over the
//! target, and the directory is synced, so a crash leaves either the old or the new file.

use crate::error::{io_error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically (temp file, fsync, rename, fsync the directory).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // A bare file name's parent is "", which cannot be opened to sync: it is ".".
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(temporary_name(name));
    let written = (|| {
        let mut f = File::create(&tmp).map_err(|e| io_error(&tmp, e))?;
        f.write_all(bytes).map_err(|e| io_error(&tmp, e))?;
        f.sync_all().map_err(|e| io_error(&tmp, e))?;
        drop(f);
        fs::rename(&tmp, path).map_err(|e| io_error(path, e))
    })();
    if written.is_err() {
        // A full disk or a refused rename leaves nothing behind, not a partial temporary file.
        let _ = fs::remove_file(&tmp);
    }
    written?;
    sync_dir(dir)
}

/// The name of the temporary file [`write_atomic`] writes `name` through: `.NAME.tmpPID`.
fn temporary_name(name: &str) -> String {
    format!(".{name}.tmp{}", std::process::id())
}

/// True for a name [`temporary_name`] makes (by any process): one still there after its
/// writer is gone was never renamed into place, and holds nothing to keep.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        && name
            .rsplit_once(".tmp")
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes `bytes` to the new file `path` (it must not exist) without syncing it: for many
/// small files made at once whose durability one [`sync_filesystem`] then guarantees, before
/// the file that makes them count is written atomically (a sweep's member configs, then its
/// manifest: one sync instead of two per member).
pub fn write_new_unsynced(path: &Path, bytes: &[u8]) -> Result<()> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| io_error(path, e))
}

/// Flushes everything written to the filesystem holding `dir` to its disk (`syncfs`).
pub fn sync_filesystem(dir: &Path) -> Result<()> {
    use std::os::fd::AsRawFd;
    let d = File::open(dir).map_err(|e| io_error(dir, e))?;
    // SAFETY: syncfs only reads the descriptor, which `d` keeps open for the call.
    if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
        return Err(io_error(dir, std::io::Error::last_os_error()));
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(dir, e))
}

/// Appends `line` and a newline to `path` (created if missing) in one write, so concurrent
/// readers see whole lines or a torn last line they know to skip.
pub fn append_line(path: &Path, line: &str) -> Result<()> {
    append_text(path, &format!("{line}\n"))
}

/// Appends `text` (whole lines, each ending in a newline) to `path` (created if missing) in
/// one write, as [`append_line`] does for one line.
pub fn append_text(path: &Path, text: &str) -> Result<()> {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io_error(path, e))?;
    f.write_all(text.as_bytes()).map_err(|e| io_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `write_atomic` leaves behind is recognised, and nothing a run keeps is.
    #[test]
    fn temporary_names_are_told_from_kept_files() {
        assert!(is_temporary(&temporary_name("step-000000000200.ck")));
        assert!(is_temporary(".summary.json.tmp42"));
        for kept in [
            "summary.json",
            ".summary.json.tmp",
            ".x.tmp4a",
            "step-1.ck",
            "x.tmp42",
        ] {
            assert!(!is_temporary(kept), "{kept}");
        }
    }
}
