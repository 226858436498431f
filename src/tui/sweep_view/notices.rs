//! File-change notifications of a sweep directory (inotify on Linux, through the `notify`
//! crate): which member's table grew, whose summary was written, whether the executor's
//! states were. They let the feed read only what changed instead of looking at a thousand
//! tables four times a second.
//!
//! A kernel only notifies of writes made on its own machine: on a filesystem shared between
//! machines (NFS, Lustre, GPFS, …), a Slurm member writing on another node is not notified, and
//! the feed must keep looking ([`shared_filesystem`] says when).

use crate::run::store::{METRICS, SUMMARY};
use crate::sweep::manifest::{Member, SweepDir, STATES};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc::UnboundedSender;

/// Something a notification says changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Member `.0`'s `metrics.csv` grew.
    Table(usize),
    /// Member `.0`'s `summary.json` was written.
    Summary(usize),
    /// The executor's `states.json` was written.
    States,
    /// Notifications were lost (the kernel's queue overflowed, or the watcher failed): every
    /// file must be looked at.
    Rescan,
}

/// Which files of a sweep directory the notices are about.
#[derive(Clone, Debug)]
pub struct Paths {
    sweep: PathBuf,
    members: HashMap<PathBuf, usize>,
}

impl Paths {
    /// The files of `sweep` and its `members`.
    pub fn new(sweep: &SweepDir, members: &[Member]) -> Self {
        Paths {
            sweep: sweep.path.clone(),
            members: members
                .iter()
                .map(|m| (sweep.member(m).path, m.index))
                .collect(),
        }
    }

    /// What a change of `path` means, if it is a file the feed reads.
    pub fn notice(&self, path: &Path) -> Option<Notice> {
        let (dir, name) = (path.parent()?, path.file_name()?);
        if dir == self.sweep {
            return (name == STATES).then_some(Notice::States);
        }
        let &i = self.members.get(dir)?;
        if name == METRICS {
            Some(Notice::Table(i))
        } else if name == SUMMARY {
            Some(Notice::Summary(i))
        } else {
            None
        }
    }

    /// The notices of one notification: writes, creations and renames of the files read
    /// (opening a file, which the feed's own reads do, is no change).
    pub fn notices(&self, event: &Event) -> Vec<Notice> {
        if event.need_rescan() {
            return vec![Notice::Rescan];
        }
        match event.kind {
            EventKind::Create(_) | EventKind::Modify(_) => {
                event.paths.iter().filter_map(|p| self.notice(p)).collect()
            }
            _ => vec![],
        }
    }
}

/// Starts the notifications of `sweep` (its directory and each member's, not their
/// subdirectories), sending each [`Notice`] to `tx`; the watcher stops when dropped. An error
/// says why there are none (no inotify, the watch limit reached, …).
pub fn start(
    sweep: &SweepDir,
    members: &[Member],
    tx: UnboundedSender<Notice>,
) -> Result<RecommendedWatcher, String> {
    let paths = Paths::new(sweep, members);
    let dirs: Vec<PathBuf> = std::iter::once(sweep.path.clone())
        .chain(members.iter().map(|m| sweep.member(m).path))
        .collect();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
        let notices = match event {
            Ok(e) => paths.notices(&e),
            Err(_) => vec![Notice::Rescan],
        };
        for n in notices {
            // The receiver is gone when the watch stops: nothing to tell then.
            let _ = tx.send(n);
        }
    })
    .map_err(|e| format!("no file-change notifications: {e}"))?;
    for d in &dirs {
        watcher
            .watch(d, RecursiveMode::NonRecursive)
            .map_err(|e| match &e.kind {
                notify::ErrorKind::MaxFilesWatch => format!(
                    "no file-change notifications: the limit of inotify watches was reached at \
                     {} of {} directories (raise fs.inotify.max_user_watches)",
                    dirs.iter().position(|x| x == d).unwrap_or(0),
                    dirs.len()
                ),
                _ => format!("no file-change notifications for {}: {e}", d.display()),
            })?;
    }
    Ok(watcher)
}

/// The kind of filesystem `path` is on when it is one shared between machines, whose writes
/// from other machines the kernel does not notify of; None for a local one (or when it cannot
/// be told).
pub fn shared_filesystem(path: &Path) -> Option<&'static str> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
        // SAFETY: statfs fills the struct it is given from a NUL-terminated path.
        let mut s: libc::statfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statfs(c.as_ptr(), &mut s) } != 0 {
            return None;
        }
        // Magic numbers of statfs(2)'s f_type (linux/magic.h, and the vendors' own).
        #[allow(clippy::unnecessary_cast)]
        let kind = match s.f_type as i64 {
            0x6969 => "NFS",
            0x517B => "SMB",
            0xFF53_4D42 => "CIFS",
            0xFE53_4D42 => "SMB2",
            0x0BD0_0BD0 => "Lustre",
            0x4750_4653 => "GPFS",
            0x00C3_6400 => "CephFS",
            0x1983_0326 => "BeeGFS",
            0x0102_1997 => "9P",
            0x5346_414F => "AFS",
            0x6573_5546 => "FUSE",
            _ => return None,
        };
        Some(kind)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::manifest;
    use super::*;
    use notify::event::{AccessKind, CreateKind, DataChange, Flag, ModifyKind};

    #[test]
    fn changes_of_the_files_read_are_notices_and_opening_them_is_not() {
        let sweep = SweepDir {
            path: PathBuf::from("/s"),
        };
        let m = manifest(3);
        let p = Paths::new(&sweep, &m.members);
        let member = sweep.member(&m.members[2]).path;
        let ev = |kind, path: PathBuf| Event::new(kind).add_path(path);
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        assert_eq!(
            p.notices(&ev(write, member.join(METRICS))),
            [Notice::Table(2)]
        );
        assert_eq!(
            p.notices(&ev(
                EventKind::Create(CreateKind::File),
                member.join(SUMMARY)
            )),
            [Notice::Summary(2)]
        );
        assert_eq!(
            p.notices(&ev(write, PathBuf::from("/s").join(STATES))),
            [Notice::States]
        );
        assert_eq!(
            p.notices(&ev(
                EventKind::Access(AccessKind::Any),
                member.join(METRICS)
            )),
            []
        );
        for other in [
            member.join("events.jsonl"),
            PathBuf::from("/t/000/metrics.csv"),
        ] {
            assert_eq!(p.notices(&ev(write, other)), []);
        }
        let lost = Event::new(EventKind::Other).set_flag(Flag::Rescan);
        assert_eq!(p.notices(&lost), [Notice::Rescan]);
    }

    #[test]
    fn a_local_directory_is_not_a_shared_filesystem() {
        let tmp = tempfile::tempdir().unwrap();
        // A CI runner's temporary directory could sit on FUSE; say so rather than fail.
        match shared_filesystem(tmp.path()) {
            None => {}
            Some(kind) => println!("skipped: the temporary directory is on {kind}"),
        }
        assert_eq!(shared_filesystem(Path::new("/no/such/dir")), None);
    }
}
