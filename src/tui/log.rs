//! The dashboard's log file: the screen belongs to the dashboard, so everything worth
//! recording (commands sent, answers, errors, frame and byte counts) goes to
//! `logs/dashboard-<time>-<pid>.log`, never to the terminal.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A shared, append-only log file; a log that could not be opened swallows lines.
#[derive(Clone, Debug, Default)]
pub struct Log {
    file: Option<Arc<Mutex<File>>>,
    path: Option<PathBuf>,
}

impl Log {
    /// Opens a new log file under `dir` (created if missing).
    pub fn open(dir: &Path) -> Log {
        let _ = std::fs::create_dir_all(dir);
        let stamp = crate::run::ident::timestamp(crate::run::ident::unix_now() as u64);
        let path = dir.join(format!("dashboard-{stamp}-{}.log", std::process::id()));
        match File::create(&path) {
            Ok(f) => Log {
                file: Some(Arc::new(Mutex::new(f))),
                path: Some(path),
            },
            Err(_) => Log::default(),
        }
    }

    /// Where it writes.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Appends a line prefixed with the Unix time.
    pub fn line(&self, msg: &str) {
        if let Some(f) = &self.file {
            let mut f = f.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(f, "{:.3} {msg}", crate::run::ident::unix_now());
        }
    }
}
