//! The run's journal: its `events.jsonl` and its observers. Every event is appended to the file
//! (flushed at once: resume and replay read it) and handed to the observers; rows, the start
//! and the end are handed to the observers only (rows live in `metrics.csv`).

use crate::error::Result;
use crate::run::events::{EventKind, EventRecord};
use crate::run::ident::unix_now;
use crate::run::metrics::Row;
use crate::run::observer::Observer;
use crate::run::store::RunDir;
use crate::run::summary::Summary;

/// Writes a run's events and tells its observers.
pub struct Journal {
    dir: RunDir,
    observers: Vec<Box<dyn Observer>>,
}

impl Journal {
    /// The journal of the run in `dir`, with no observer yet.
    pub fn new(dir: RunDir) -> Self {
        Journal {
            dir,
            observers: vec![],
        }
    }

    /// Adds an observer.
    pub fn observe(&mut self, o: Box<dyn Observer>) {
        self.observers.push(o);
    }

    /// Records `kind`, which took effect after `step` iterations, at the request of `source`
    /// (request id `request`).
    pub fn record(
        &mut self,
        step: u64,
        kind: EventKind,
        source: Option<String>,
        request: Option<String>,
    ) -> Result<()> {
        let e = EventRecord {
            step,
            time: unix_now(),
            source,
            request,
            kind,
        };
        self.dir.append(&e)?;
        for o in &mut self.observers {
            o.event(&e);
        }
        Ok(())
    }

    /// The run starts or resumes; `columns` names the cells of its rows.
    pub fn started(&mut self, id: &str, columns: &[String]) {
        for o in &mut self.observers {
            o.started(id, columns);
        }
    }

    /// A metrics row was logged.
    pub fn row(&mut self, row: &Row) {
        for o in &mut self.observers {
            o.row(row);
        }
    }

    /// The run is at step `step`.
    pub fn progress(&mut self, step: u64) {
        for o in &mut self.observers {
            o.progress(step);
        }
    }

    /// The run ended.
    pub fn ended(&mut self, s: &Summary) {
        for o in &mut self.observers {
            o.ended(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::events::parse_events;
    use crate::run::store::EVENTS;
    use std::sync::{Arc, Mutex};

    struct Seen(Arc<Mutex<Vec<String>>>);

    impl Observer for Seen {
        fn started(&mut self, id: &str, columns: &[String]) {
            self.0
                .lock()
                .unwrap()
                .push(format!("started {id} {columns:?}"));
        }
        fn row(&mut self, row: &Row) {
            self.0.lock().unwrap().push(format!("row {row:?}"));
        }
        fn event(&mut self, e: &EventRecord) {
            self.0
                .lock()
                .unwrap()
                .push(format!("event {} {:?}", e.step, e.kind));
        }
    }

    #[test]
    fn events_reach_the_file_and_the_observers_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: tmp.path().to_path_buf(),
        };
        let seen = Arc::new(Mutex::new(vec![]));
        let mut j = Journal::new(dir.clone());
        j.observe(Box::new(Seen(seen.clone())));
        j.started("r", &["step".into()]);
        j.record(0, EventKind::Started, None, None).unwrap();
        j.row(&vec![Some(0.0)]);
        j.record(
            4,
            EventKind::Pause,
            Some("channel".into()),
            Some("r1".into()),
        )
        .unwrap();
        let events = parse_events(&dir.read(EVENTS).unwrap());
        assert_eq!(events.len(), 2);
        assert_eq!((events[1].step, &events[1].kind), (4, &EventKind::Pause));
        assert_eq!(events[1].source.as_deref(), Some("channel"));
        assert_eq!(events[1].request.as_deref(), Some("r1"));
        assert_eq!(
            *seen.lock().unwrap(),
            [
                "started r [\"step\"]",
                "event 0 Started",
                "row [Some(0.0)]",
                "event 4 Pause"
            ]
        );
    }
}
