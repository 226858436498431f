//! The JSON-lines files of a run directory, each with one record type that both its writer
//! (the engine, `replay`, `fork`, the live scorer) and its readers (resume, the dashboard,
//! `saddle` commands) use — so a reader cannot drift from what is written.
//!
//! | file             | record                                   |
//! |------------------|------------------------------------------|
//! | `events.jsonl`   | [`super::events::EventRecord`]           |
//! | `spectrum.jsonl` | [`super::spectrum_record::SpectrumRecord`] |
//! | `scores.jsonl`   | [`crate::score::record::ScoreRecord`]    |
//! | `provenance.jsonl` | [`super::provenance::Provenance`]      |
//!
//! `metrics.csv` has its own reader and writer ([`super::metrics`]), `summary.json` its type
//! ([`super::summary::Summary`]).

use super::store::{RunDir, Tail};
use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::marker::PhantomData;

/// A record of one append-only JSON-lines file of a run directory.
pub trait JsonLine: Serialize + DeserializeOwned {
    /// The file's name in the run directory.
    const FILE: &'static str;

    /// The record as one line (without its newline).
    fn to_line(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::failure(format!("{}: {e}", Self::FILE)))
    }

    /// One line read back; None for a line that is not such a record.
    fn parse_line(line: &str) -> Option<Self> {
        serde_json::from_str(line).ok()
    }

    /// Every record of a file's text, skipping lines that are not records (a torn last line).
    fn parse_all(text: &str) -> Vec<Self> {
        text.lines().filter_map(Self::parse_line).collect()
    }
}

impl JsonLine for super::events::EventRecord {
    const FILE: &'static str = super::store::EVENTS;
}

impl JsonLine for super::spectrum_record::SpectrumRecord {
    const FILE: &'static str = super::store::SPECTRUM;
}

impl JsonLine for super::provenance::Provenance {
    const FILE: &'static str = super::provenance::PROVENANCE;
}

impl JsonLine for crate::score::record::ScoreRecord {
    const FILE: &'static str = crate::score::record::SCORES;
}

impl RunDir {
    /// Appends one record to its file (and flushes it).
    pub fn append<R: JsonLine>(&self, record: &R) -> Result<()> {
        self.append_line(R::FILE, &record.to_line()?)
    }

    /// Every record of its file (none when the file does not exist).
    pub fn records<R: JsonLine>(&self) -> Vec<R> {
        R::parse_all(&std::fs::read_to_string(self.file(R::FILE)).unwrap_or_default())
    }
}

/// Reads the records appended to a run directory's file since the last call.
#[derive(Debug)]
pub struct RecordTail<R> {
    tail: Tail,
    record: PhantomData<fn() -> R>,
}

impl<R: JsonLine> RecordTail<R> {
    /// From the beginning of the file in `dir`.
    pub fn new(dir: &RunDir) -> Self {
        RecordTail {
            tail: Tail::new(dir.file(R::FILE), 0),
            record: PhantomData,
        }
    }

    /// From the current end of the file in `dir`: only records appended later are read.
    pub fn at_end(dir: &RunDir) -> Self {
        RecordTail {
            tail: Tail::at_end(dir.file(R::FILE)),
            record: PhantomData,
        }
    }

    /// The complete records appended since the last call (lines that are not records are
    /// skipped).
    pub fn poll(&mut self) -> Vec<R> {
        self.tail
            .poll()
            .iter()
            .filter_map(|l| R::parse_line(l))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::events::{EventKind, EventRecord};

    #[test]
    fn appended_records_are_read_back_whole_and_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: tmp.path().to_path_buf(),
        };
        let mut tail = RecordTail::<EventRecord>::new(&dir);
        assert!(tail.poll().is_empty(), "no file yet");
        let e = EventRecord {
            step: 3,
            time: 1.5,
            source: Some("channel".into()),
            request: None,
            kind: EventKind::Pause,
        };
        dir.append(&e).unwrap();
        dir.append_line(EventRecord::FILE, "not a record").unwrap();
        assert_eq!(
            e.to_line().unwrap(),
            r#"{"step":3,"time":1.5,"source":"channel","event":"pause"}"#
        );
        assert_eq!(tail.poll(), vec![e.clone()]);
        assert!(tail.poll().is_empty());
        assert_eq!(dir.records::<EventRecord>(), vec![e]);
    }
}
