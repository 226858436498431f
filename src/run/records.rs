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
        self.records_and_damage().0
    }

    /// Every record of its file, with the numbers (from 1) of its damaged lines: complete
    /// lines (ended by a newline) that are not records. A last line without its newline is
    /// one being written (or torn by a crash), not damage. None of either without a file.
    pub fn records_and_damage<R: JsonLine>(&self) -> (Vec<R>, Vec<usize>) {
        let text = std::fs::read_to_string(self.file(R::FILE)).unwrap_or_default();
        let (mut records, mut damaged) = (vec![], vec![]);
        for (i, line) in text.split_inclusive('\n').enumerate() {
            match R::parse_line(line.trim_end()) {
                Some(r) => records.push(r),
                None if line.ends_with('\n') => damaged.push(i + 1),
                None => {}
            }
        }
        (records, damaged)
    }

    /// [`RunDir::records`] for what must not go on without every record — resume, replay
    /// and fork, which re-apply the event log's parameter changes: a damaged line is an
    /// error naming the file and its line (exit 2), so a run never silently continues with a
    /// change missing.
    pub fn records_checked<R: JsonLine>(&self) -> Result<Vec<R>> {
        let (records, damaged) = self.records_and_damage::<R>();
        match damaged.first() {
            None => Ok(records),
            Some(line) => Err(Error::input(format!(
                "{}:{line}: not a record of this file (damaged{}); repair or remove the line{} to go on",
                self.file(R::FILE).display(),
                if damaged.len() > 1 {
                    format!(", as are {} more lines", damaged.len() - 1)
                } else {
                    String::new()
                },
                if damaged.len() > 1 { "s" } else { "" },
            ))),
        }
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

    /// A damaged complete line is named (resume refuses it); a torn last line is not damage.
    #[test]
    fn damaged_lines_are_named_and_a_torn_last_line_is_not() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: tmp.path().to_path_buf(),
        };
        assert_eq!(dir.records_checked::<EventRecord>().unwrap(), vec![]);
        let e = EventRecord {
            step: 3,
            time: 1.5,
            kind: EventKind::Started,
            source: None,
            request: None,
        };
        let line = e.to_line().unwrap();
        std::fs::write(
            dir.file(EventRecord::FILE),
            format!("{line}\n{line}\n{{\"step\":"),
        )
        .unwrap();
        assert_eq!(
            dir.records_checked::<EventRecord>().unwrap(),
            vec![e.clone(), e.clone()]
        );
        std::fs::write(
            dir.file(EventRecord::FILE),
            format!("{line}\n{{\"step\":4,\"event\":\"set\",\"param\":\"eta\"\n{line}\n"),
        )
        .unwrap();
        let (records, damaged) = dir.records_and_damage::<EventRecord>();
        assert_eq!((records.len(), damaged), (2, vec![2]));
        let err = dir
            .records_checked::<EventRecord>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("events.jsonl:2:"), "{err}");
    }

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
