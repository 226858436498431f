//! Checkpoints: everything needed to continue a run exactly — parameters, every optimizer
//! memory (momentum buffers, Adam moments and counters, stored gradients and directions), the
//! averages, the RNG state, the counters and the hyperparameters in force.
//!
//! A checkpoint file is the header `SADDLE-CK<version>\n` (the format version as two or more
//! decimal digits) and the state in postcard. This saddle writes [`FORMAT_VERSION`] and reads
//! it, version 3 (read as version 4 with nothing noted since the last row) and version 2 (no
//! samples counted either); a file of another version is refused with that version named,
//! never taken for a state (whoever changes [`RunState`] or what it holds bumps the version).

use super::store::{write_atomic, RunDir};
use crate::error::{io_error, Error, Result};
use crate::optim::{Notes, OptimState};
use crate::players::Players;
use crate::rng::Rng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// The format version this saddle writes and reads.
pub const FORMAT_VERSION: u32 = 4;

/// The version before [`RunState::notes`], which this saddle still reads.
const WITHOUT_NOTES: u32 = 3;

/// The version before [`RunState::samples_drawn`], which this saddle still reads.
const WITHOUT_SAMPLES_DRAWN: u32 = 2;

/// [`Notes::default`] as postcard writes it (one varint 0 per counter), what a version 3
/// state lacks at its end.
const NO_NOTES: [u8; 2] = [0, 0];

/// Versions this saddle no longer reads, and what changed since.
const OLDER: [(u32, &str); 1] = [(
    1,
    "written before the optimizer state took its per-method shape (the open method design); `saddle replay` re-runs such a run from its config and events",
)];

/// What every checkpoint file starts with, before its version.
const MAGIC: &[u8] = b"SADDLE-CK";

/// The state of a run between two iterations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunState<V> {
    /// Current parameters ω_t.
    pub w: Players<V>,
    /// The optimizer's memory, counters and hyperparameters.
    pub optim: OptimState<V>,
    /// The sampling RNG.
    pub rng: Rng,
    /// Iterations between metrics rows (live-tunable).
    pub log_every: u64,
    /// Iterations the run goes to.
    pub steps: u64,
    /// Seconds spent stepping so far.
    pub wall_time: f64,
    /// Samples drawn from `rng` so far (oracle calls on fresh data): which minibatch comes
    /// next in an epoch data order. After the fields of version 2, so that version 2 files
    /// read as this with a zero.
    pub samples_drawn: u64,
    /// What the methods noted since the last metrics row on the logging grid (SGA's choices of
    /// λ's sign): kept so that a resumed run's next row covers the same steps as in a run never
    /// stopped. Last, so that version 3 files read as this with nothing noted.
    pub notes: Notes,
}

fn header(version: u32) -> Vec<u8> {
    format!("SADDLE-CK{version:02}\n").into_bytes()
}

/// Writes the checkpoint of `state` (taken after `state.optim.iteration` iterations).
pub fn save<V: Serialize>(dir: &RunDir, state: &RunState<V>) -> Result<()> {
    let mut bytes = header(FORMAT_VERSION);
    bytes.extend(
        postcard::to_allocvec(state)
            .map_err(|e| Error::failure(format!("checkpoint encoding: {e}")))?,
    );
    let path = dir.checkpoint_path(state.optim.iteration);
    // Made with the run directory; made again where it went missing (a resume from scratch
    // of a run whose checkpoints were deleted).
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| crate::error::io_error(parent, e))?;
    }
    write_atomic(&path, &bytes)
}

/// The state in a checkpoint file's bytes, or why it is not one this saddle can read.
fn decode<V: DeserializeOwned>(bytes: &[u8]) -> std::result::Result<RunState<V>, String> {
    let Some(rest) = bytes.strip_prefix(MAGIC) else {
        return Err("not a saddle checkpoint (no SADDLE-CK header)".into());
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let version: Option<u32> = std::str::from_utf8(&rest[..digits])
        .ok()
        .and_then(|d| d.parse().ok());
    let (Some(version), Some(b'\n')) = (version, rest.get(digits)) else {
        return Err("not a saddle checkpoint (its header has no format version)".into());
    };
    if let Some((_, what)) = OLDER.iter().find(|(v, _)| *v == version) {
        return Err(format!(
            "checkpoint format version {version}, {what}; this saddle reads version {FORMAT_VERSION} only"
        ));
    }
    let body = &rest[digits + 1..];
    let state = match version {
        FORMAT_VERSION => postcard::from_bytes(body),
        // Version 3 is version 4 without the trailing `notes`; postcard writes fields in order
        // with no framing, so the version 3 bytes and empty notes are a version 4 state. Empty
        // is exact for every run but one that used SGA's alignment rule, whose first row after
        // the resume then covers only the steps since the checkpoint.
        WITHOUT_NOTES => postcard::from_bytes(&[body, &NO_NOTES].concat()),
        // Version 2 also lacks `samples_drawn`. Zero is exact: runs of version 2 sampled with
        // replacement, which ignores it.
        WITHOUT_SAMPLES_DRAWN => postcard::from_bytes(&[body, &[0], &NO_NOTES].concat()),
        _ => {
            return Err(format!(
                "checkpoint format version {version}, but this saddle reads versions {WITHOUT_SAMPLES_DRAWN} to {FORMAT_VERSION} only"
            ))
        }
    };
    state.map_err(|e| format!("unreadable checkpoint (format version {version}): {e}"))
}

/// Reads the checkpoint taken after `step` iterations.
pub fn load<V: DeserializeOwned>(dir: &RunDir, step: u64) -> Result<RunState<V>> {
    let path = dir.checkpoint_path(step);
    let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
    decode(&bytes).map_err(|why| Error::failure(format!("{}: {why}", path.display())))
}

/// A checkpoint file that could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Unreadable {
    /// The step its name claims.
    pub step: u64,
    /// The file.
    pub path: PathBuf,
    /// Why it could not be read.
    pub reason: String,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

/// The newest readable checkpoint of a run, and the newer ones that could not be read.
#[derive(Debug)]
pub struct Newest<V> {
    /// The state it holds (None: no readable checkpoint).
    pub state: Option<RunState<V>>,
    /// Each checkpoint newer than it (all of them when none is readable) that could not be
    /// read, newest first.
    pub unreadable: Vec<Unreadable>,
}

/// The newest readable checkpoint at or before `at` (any step when None), naming each newer
/// one that could not be read.
pub fn newest<V: DeserializeOwned>(dir: &RunDir, at: Option<u64>) -> Newest<V> {
    let mut unreadable = vec![];
    for step in dir
        .checkpoint_steps()
        .into_iter()
        .rev()
        .filter(|s| at.is_none_or(|a| *s <= a))
    {
        let path = dir.checkpoint_path(step);
        let read = std::fs::read(&path).map_err(|e| e.to_string());
        match read.and_then(|b| decode(&b)) {
            Ok(state) => {
                return Newest {
                    state: Some(state),
                    unreadable,
                }
            }
            Err(reason) => unreadable.push(Unreadable { step, path, reason }),
        }
    }
    Newest {
        state: None,
        unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(step: u64) -> RunState<Vec<f64>> {
        let text = crate::run::builtin::builtin("default").unwrap();
        let c = crate::run::Preset::parse(text, "default")
            .unwrap()
            .resolve()
            .unwrap()[2]
            .clone();
        let built = c.build().unwrap();
        let crate::setup::BuiltGame::Toy(game) = built.game else {
            panic!("a toy game")
        };
        let mut st =
            crate::run::engine::initial_state(&c, game.as_ref(), &built.optimizer, built.hyper);
        st.optim.iteration = step;
        st
    }

    /// A checkpoint of the seed's optimizer state (format 1) is refused with what changed,
    /// never read as a state of the open method design.
    #[test]
    fn a_format_1_checkpoint_is_refused_naming_its_format() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path(), "r").unwrap();
        save(&dir, &state(10)).unwrap();
        let bytes = std::fs::read(dir.checkpoint_path(10)).unwrap();
        let mut old = b"SADDLE-CK01\n".to_vec();
        old.extend(&bytes[12..]);
        std::fs::write(dir.checkpoint_path(10), &old).unwrap();
        let found = newest::<Vec<f64>>(&dir, None);
        assert!(found.state.is_none());
        let why = &found.unreadable[0].reason;
        assert!(
            why.contains("format version 1") && why.contains("per-method"),
            "{why}"
        );
    }

    /// A version 2 file (written before `samples_drawn`) is read as the same state with no
    /// samples counted: a run started before the epoch data order resumes.
    #[test]
    fn a_format_2_checkpoint_reads_with_no_samples_counted() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path(), "r").unwrap();
        let mut st = state(10);
        st.rng.next_u64();
        st.wall_time = 1.5;
        save(&dir, &st).unwrap();
        let bytes = std::fs::read(dir.checkpoint_path(10)).unwrap();
        // What version 2 wrote: its header, and the state without the trailing varint 0 and
        // the notes.
        let tail = 1 + NO_NOTES.len();
        assert!(bytes[bytes.len() - tail..].iter().all(|b| *b == 0));
        let mut v2 = b"SADDLE-CK02\n".to_vec();
        v2.extend(&bytes[12..bytes.len() - tail]);
        std::fs::write(dir.checkpoint_path(10), &v2).unwrap();
        assert_eq!(load::<Vec<f64>>(&dir, 10).unwrap(), st);
        // A later state with samples counted keeps them.
        st.samples_drawn = 300;
        save(&dir, &st).unwrap();
        assert_eq!(load::<Vec<f64>>(&dir, 10).unwrap().samples_drawn, 300);
    }

    /// A version 3 file (written before `notes`) is read as the same state with nothing noted;
    /// notes are kept from version 4 on.
    #[test]
    fn a_format_3_checkpoint_reads_with_nothing_noted() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path(), "r").unwrap();
        let mut st = state(10);
        st.samples_drawn = 300;
        save(&dir, &st).unwrap();
        let bytes = std::fs::read(dir.checkpoint_path(10)).unwrap();
        assert!(bytes.starts_with(b"SADDLE-CK04\n") && bytes.ends_with(&NO_NOTES));
        let mut v3 = b"SADDLE-CK03\n".to_vec();
        v3.extend(&bytes[12..bytes.len() - NO_NOTES.len()]);
        std::fs::write(dir.checkpoint_path(10), &v3).unwrap();
        assert_eq!(load::<Vec<f64>>(&dir, 10).unwrap(), st);
        st.notes = Notes {
            sga_aligned: 70,
            sga_negative: 9,
        };
        save(&dir, &st).unwrap();
        assert_eq!(load::<Vec<f64>>(&dir, 10).unwrap().notes, st.notes);
    }

    #[test]
    fn versions_corrupt_files_and_the_newest_readable_one() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path(), "r").unwrap();
        for t in [10, 20, 30, 40] {
            save(&dir, &state(t)).unwrap();
        }
        let bytes = std::fs::read(dir.checkpoint_path(40)).unwrap();
        assert!(bytes.starts_with(b"SADDLE-CK04\n"));
        // 40: cut short; 30: a future format version.
        std::fs::write(dir.checkpoint_path(40), &bytes[..bytes.len() / 2]).unwrap();
        let mut future = b"SADDLE-CK07\n".to_vec();
        future.extend(&bytes[12..]);
        std::fs::write(dir.checkpoint_path(30), &future).unwrap();
        let found = newest::<Vec<f64>>(&dir, None);
        assert_eq!(found.state.unwrap().optim.iteration, 20);
        let steps: Vec<u64> = found.unreadable.iter().map(|u| u.step).collect();
        assert_eq!(steps, [40, 30]);
        assert!(found.unreadable[0]
            .reason
            .starts_with("unreadable checkpoint (format version 4)"));
        assert_eq!(
            found.unreadable[1].reason,
            "checkpoint format version 7, but this saddle reads versions 2 to 4 only"
        );
        let e = load::<Vec<f64>>(&dir, 30).unwrap_err();
        assert!(e.message.ends_with("step-000000000030.ck: checkpoint format version 7, but this saddle reads versions 2 to 4 only"), "{e}");
        // At or before 25: the one at 20, nothing newer considered.
        let found = newest::<Vec<f64>>(&dir, Some(25));
        assert_eq!(found.state.unwrap().optim.iteration, 20);
        assert!(found.unreadable.is_empty());
        // No header at all, or a header without a version.
        std::fs::write(dir.checkpoint_path(20), b"garbage").unwrap();
        std::fs::write(dir.checkpoint_path(10), b"SADDLE-CK\n....").unwrap();
        let found = newest::<Vec<f64>>(&dir, None);
        assert!(found.state.is_none());
        let why: Vec<&str> = found.unreadable.iter().map(|u| u.reason.as_str()).collect();
        assert_eq!(
            why[2..],
            [
                "not a saddle checkpoint (no SADDLE-CK header)",
                "not a saddle checkpoint (its header has no format version)"
            ]
        );
    }
}
