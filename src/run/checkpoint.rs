//! Checkpoints: everything needed to continue a run exactly — parameters, every optimizer
//! memory (momentum buffers, Adam moments and counters, stored gradients and directions), the
//! averages, the RNG state, the counters and the hyperparameters in force.
//!
//! A checkpoint file is the header `SADDLE-CK<version>\n` (the format version as two or more
//! decimal digits), the state in postcard and, from version 5, the CRC-32 of the state's
//! bytes (4 bytes, little-endian): a file changed or damaged after it was written is refused,
//! never read as another trajectory's state. This saddle writes [`FORMAT_VERSION`] and reads
//! it, version 4 (the same without the checksum), version 3 (read as version 4 with nothing
//! noted since the last row) and version 2 (no samples counted either); a file of another
//! version is refused with that version named, never taken for a state (whoever changes
//! [`RunState`] or what it holds bumps the version).
//!
//! A readable file is also checked against where it lies: the state must be the one after the
//! step its name says (a file copied in from another step, or another run's at another step,
//! is not), and, where the reader knows the run's start, shaped like it: the same game
//! dimensions and method (see [`misfit`]). A file of another run of the same game and method
//! at the same step passes both: nothing in a state says which run it belongs to.

use super::store::{write_atomic, RunDir};
use crate::error::{io_error, Error, Result};
use crate::optim::{Notes, OptimState};
use crate::players::Players;
use crate::rng::Rng;
use crate::vector::ParamVec;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// The format version this saddle writes and reads.
pub const FORMAT_VERSION: u32 = 5;

/// The version before the checksum, which this saddle still reads.
const WITHOUT_CHECKSUM: u32 = 4;

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
    let body = postcard::to_allocvec(state)
        .map_err(|e| Error::failure(format!("checkpoint encoding: {e}")))?;
    bytes.extend(&body);
    bytes.extend(crc32(&body).to_le_bytes());
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
            "checkpoint format version {version}, {what}; this saddle reads versions {WITHOUT_SAMPLES_DRAWN} to {FORMAT_VERSION} only"
        ));
    }
    let body = &rest[digits + 1..];
    let state = match version {
        FORMAT_VERSION => {
            let Some((body, sum)) = body.split_last_chunk::<4>() else {
                return Err(format!(
                    "unreadable checkpoint (format version {version}): cut short"
                ));
            };
            if crc32(body) != u32::from_le_bytes(*sum) {
                return Err(format!(
                    "damaged checkpoint (format version {version}): its checksum does not match its contents (the file was changed or cut after it was written)"
                ));
            }
            postcard::from_bytes(body)
        }
        WITHOUT_CHECKSUM => postcard::from_bytes(body),
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

/// The CRC-32 (IEEE) of `bytes`: catches the damage a disk, a copy or an editor does, not
/// deliberate change.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// The state of the checkpoint file for `step`, if its bytes hold one and it is the state
/// after `step` iterations.
fn decode_at<V: DeserializeOwned>(
    bytes: &[u8],
    step: u64,
) -> std::result::Result<RunState<V>, String> {
    let state: RunState<V> = decode(bytes)?;
    let at = state.optim.iteration;
    if at != step {
        return Err(format!(
            "holds the state after step {at}, not after step {step} as its name says (a checkpoint of another run or step)"
        ));
    }
    Ok(state)
}

/// Why `state` cannot continue the run that starts at `start` (None: it can): another number
/// of parameters for a player, another step rule, scheme or number of averages — a checkpoint
/// of another game or method, which would otherwise be stepped with this run's code.
pub fn misfit<V: ParamVec>(state: &RunState<V>, start: &RunState<V>) -> Option<String> {
    let (a, b) = (&state.w, &start.w);
    if (a.theta.len(), a.phi.len()) != (b.theta.len(), b.phi.len()) {
        return Some(format!(
            "holds {} + {} parameters, but this run's game has {} + {} (a checkpoint of another game)",
            a.theta.len(),
            a.phi.len(),
            b.theta.len(),
            b.phi.len()
        ));
    }
    let (o, p) = (&state.optim, &start.optim);
    let same = std::mem::discriminant(&o.rules.theta) == std::mem::discriminant(&p.rules.theta)
        && std::mem::discriminant(&o.rules.phi) == std::mem::discriminant(&p.rules.phi)
        && std::mem::discriminant(&o.scheme) == std::mem::discriminant(&p.scheme)
        && o.averages.len() == p.averages.len();
    (!same).then(|| {
        "holds the memory of another method (step rule, scheme or averages) than this run's".into()
    })
}

/// Reads the checkpoint taken after `step` iterations.
pub fn load<V: DeserializeOwned>(dir: &RunDir, step: u64) -> Result<RunState<V>> {
    let path = dir.checkpoint_path(step);
    let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
    decode_at(&bytes, step).map_err(|why| Error::failure(format!("{}: {why}", path.display())))
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

/// The newest readable checkpoint at or before `at` (any step when None) that `misfit` (see
/// [`misfit`]) finds nothing wrong with, naming each newer one that could not be read or did
/// not fit.
pub fn newest<V: DeserializeOwned>(
    dir: &RunDir,
    at: Option<u64>,
    misfit: impl Fn(&RunState<V>) -> Option<String>,
) -> Newest<V> {
    let mut unreadable = vec![];
    for step in dir
        .checkpoint_steps()
        .into_iter()
        .rev()
        .filter(|s| at.is_none_or(|a| *s <= a))
    {
        let path = dir.checkpoint_path(step);
        let read = std::fs::read(&path).map_err(|e| e.to_string());
        let fits = |s: RunState<V>| match misfit(&s) {
            Some(why) => Err(why),
            None => Ok(s),
        };
        match read.and_then(|b| decode_at(&b, step)).and_then(fits) {
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
        state_of(2, step)
    }

    /// The start of run `run` of the built-in default preset, as after `step` iterations.
    fn state_of(run: usize, step: u64) -> RunState<Vec<f64>> {
        let text = crate::run::builtin::builtin("default").unwrap();
        let c = crate::run::Preset::parse(text, "default")
            .unwrap()
            .resolve()
            .unwrap()[run]
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

    /// The checkpoint file for `step` rewritten as version 4 wrote it (no checksum), and its
    /// bytes.
    fn v4(dir: &RunDir, step: u64) -> Vec<u8> {
        let bytes = std::fs::read(dir.checkpoint_path(step)).unwrap();
        let mut old = b"SADDLE-CK04\n".to_vec();
        old.extend(&bytes[12..bytes.len() - 4]);
        std::fs::write(dir.checkpoint_path(step), &old).unwrap();
        old
    }

    /// One byte changed anywhere in a version 5 file is found by its checksum; a file under
    /// another step's name, or of another game or method, is refused with what it holds; a
    /// version 4 file (no checksum) still reads.
    #[test]
    fn damage_another_steps_file_and_another_games_state_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path(), "r").unwrap();
        let st = state(10);
        save(&dir, &st).unwrap();
        let good = std::fs::read(dir.checkpoint_path(10)).unwrap();
        for at in [12, good.len() / 2, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            std::fs::write(dir.checkpoint_path(10), &bad).unwrap();
            let why = load::<Vec<f64>>(&dir, 10).unwrap_err().message;
            assert!(why.contains("checksum does not match"), "byte {at}: {why}");
        }
        std::fs::write(dir.checkpoint_path(10), &good).unwrap();
        assert_eq!(load::<Vec<f64>>(&dir, 10).unwrap(), st);
        std::fs::rename(dir.checkpoint_path(10), dir.checkpoint_path(40)).unwrap();
        let found = newest::<Vec<f64>>(&dir, None, |_| None);
        assert!(found.state.is_none());
        assert!(
            found.unreadable[0]
                .reason
                .contains("holds the state after step 10, not after step 40"),
            "{}",
            found.unreadable[0].reason
        );
        save(&dir, &st).unwrap();
        let mut bigger = st.clone();
        bigger.w.theta.push(0.0);
        assert!(misfit(&st, &st).is_none());
        let found = newest::<Vec<f64>>(&dir, None, |s| misfit(s, &bigger));
        assert!(found.state.is_none());
        assert!(
            found.unreadable[1].reason.contains("another game"),
            "{:?}",
            found.unreadable
        );
        // Simultaneous gradient steps against alternating heavy ball, on the same game.
        let other = state_of(0, 10);
        assert!(misfit(&other, &st).unwrap().contains("another method"));
        v4(&dir, 10);
        assert_eq!(load::<Vec<f64>>(&dir, 10).unwrap(), st);
    }

    /// A checkpoint of the seed's optimizer state (format 1) is refused with what changed,
    /// never read as a state of the open method design.
    #[test]
    fn a_format_1_checkpoint_is_refused_naming_its_format() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path(), "r").unwrap();
        save(&dir, &state(10)).unwrap();
        let bytes = v4(&dir, 10);
        let mut old = b"SADDLE-CK01\n".to_vec();
        old.extend(&bytes[12..]);
        std::fs::write(dir.checkpoint_path(10), &old).unwrap();
        let found = newest::<Vec<f64>>(&dir, None, |_| None);
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
        let bytes = v4(&dir, 10);
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
        let bytes = v4(&dir, 10);
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
        assert!(bytes.starts_with(b"SADDLE-CK05\n"));
        // 40: cut short; 30: a future format version.
        std::fs::write(dir.checkpoint_path(40), &bytes[..bytes.len() / 2]).unwrap();
        let mut future = b"SADDLE-CK07\n".to_vec();
        future.extend(&bytes[12..]);
        std::fs::write(dir.checkpoint_path(30), &future).unwrap();
        let found = newest::<Vec<f64>>(&dir, None, |_| None);
        assert_eq!(found.state.unwrap().optim.iteration, 20);
        let steps: Vec<u64> = found.unreadable.iter().map(|u| u.step).collect();
        assert_eq!(steps, [40, 30]);
        assert!(found.unreadable[0]
            .reason
            .starts_with("damaged checkpoint (format version 5)"));
        assert_eq!(
            found.unreadable[1].reason,
            "checkpoint format version 7, but this saddle reads versions 2 to 5 only"
        );
        let e = load::<Vec<f64>>(&dir, 30).unwrap_err();
        assert!(e.message.ends_with("step-000000000030.ck: checkpoint format version 7, but this saddle reads versions 2 to 5 only"), "{e}");
        // At or before 25: the one at 20, nothing newer considered.
        let found = newest::<Vec<f64>>(&dir, Some(25), |_| None);
        assert_eq!(found.state.unwrap().optim.iteration, 20);
        assert!(found.unreadable.is_empty());
        // No header at all, or a header without a version.
        std::fs::write(dir.checkpoint_path(20), b"garbage").unwrap();
        std::fs::write(dir.checkpoint_path(10), b"SADDLE-CK\n....").unwrap();
        let found = newest::<Vec<f64>>(&dir, None, |_| None);
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
