//! Reads a sweep directory into [`Update`]s, cheaply: what the [`super::watch::Watch`]'s
//! thread applies to a [`SweepData`].
//!
//! Each member's `metrics.csv` is read with a [`Tail`]: only the bytes appended since the
//! last read, never a whole file again. A member that has ended with a result and whose table
//! was read to its end is not read again. What is read is what a [`Changed`] marks: tables and
//! summaries that file-change notifications (or a look at everything) marked, and every
//! [`SLOW_EVERY`] the states and the summaries of at most [`SUMMARIES_PER_LOOK`] unsettled
//! members in turn, since a member whose process died writes nothing to be notified of.

use super::data::SweepData;
use super::notices::Notice;
use crate::run::metrics::{parse_header, parse_row, X_COLUMNS};
use crate::run::store::{RunDir, Tail, METRICS};
use crate::run::Summary;
use crate::sweep::manifest::{Member, SweepDir, STATES};
use crate::sweep::state::{from_run, MemberState, States};
use std::time::Duration;

/// How often `states.json` and the summaries are read.
pub const SLOW_EVERY: Duration = Duration::from_millis(500);
/// Summaries read per look: bounds the cost of a look at a thousand members.
pub const SUMMARIES_PER_LOOK: usize = 64;
/// How often every member table is looked at when no notifications come (see
/// [`super::notices`]).
pub const LOOK_EVERY: Duration = Duration::from_millis(250);

/// Something read from the sweep directory.
#[derive(Clone, Debug)]
pub enum Update {
    /// Member `.0`'s table header: its value columns, and those of them that trace a live
    /// hyperparameter of its method (read from its config once, with the header).
    Columns(usize, Vec<String>, Vec<String>),
    /// Member `.0`'s rows (x columns first, all of [`X_COLUMNS`]).
    Rows(usize, Vec<Vec<Option<f64>>>),
    /// Member `.0`'s summary, and whether a process drives it.
    Summary(usize, Box<Summary>, bool),
    /// The states the executor wrote.
    States(Box<States>),
}

/// Per member: its table's reader and what its header said.
#[derive(Debug)]
struct MemberTail {
    tail: Tail,
    run: RunDir,
    /// x cells and value cells of its rows; None before the header.
    cells: Option<(usize, usize)>,
    /// Its summary said it ended with a result: one more read of its table, then none.
    ended: bool,
    done: bool,
}

/// The reader of one sweep directory.
#[derive(Debug)]
pub struct SweepFeed {
    sweep: SweepDir,
    tails: Vec<MemberTail>,
    next_summary: usize,
}

impl SweepFeed {
    /// Starts reading the members of `sweep` (`n` of them) from the beginning.
    pub fn new(sweep: SweepDir, data: &SweepData) -> Self {
        let tails = data
            .manifest
            .members
            .iter()
            .map(|m| MemberTail {
                tail: Tail::new(sweep.member(m).file(METRICS), 0),
                run: sweep.member(m),
                cells: None,
                ended: false,
                done: false,
            })
            .collect();
        SweepFeed {
            sweep,
            tails,
            next_summary: 0,
        }
    }

    /// Members in the sweep.
    pub fn len(&self) -> usize {
        self.tails.len()
    }

    /// True for a sweep without members.
    pub fn is_empty(&self) -> bool {
        self.tails.is_empty()
    }

    /// Reads what `changed` marks (and clears the marks): those members' tables and summaries,
    /// the states, and the summaries of unsettled members in turn. No lock needed: nothing of
    /// the data is touched.
    pub fn read_changed(&mut self, changed: &mut Changed, members: &[Member]) -> Vec<Update> {
        let mut out = vec![];
        for i in 0..self.tails.len() {
            if std::mem::take(&mut changed.tables[i]) {
                self.read_table(i, &mut out);
            }
            if std::mem::take(&mut changed.summaries[i]) && !self.tails[i].ended {
                self.read_summary(i, members, &mut out);
            }
        }
        if std::mem::take(&mut changed.states) {
            self.read_states(&mut out);
        }
        if std::mem::take(&mut changed.in_turn) {
            self.read_summaries_in_turn(members, &mut out);
        }
        out
    }

    /// Member `i`'s new rows (its header first, the first time).
    fn read_table(&mut self, i: usize, out: &mut Vec<Update>) {
        let t = &mut self.tails[i];
        if t.done {
            return;
        }
        let mut rows = vec![];
        for line in t.tail.poll() {
            let Some((x, n)) = t.cells else {
                let columns = parse_header(&line);
                let x = columns
                    .iter()
                    .zip(X_COLUMNS)
                    .take_while(|(c, x)| c.as_str() == *x)
                    .count();
                t.cells = Some((x, columns.len() - x));
                // A run writes its config before its table, so the config is there by now;
                // one that cannot be read leaves its hyperparameter columns among the metrics.
                let settings = t
                    .run
                    .config()
                    .map_or_else(|_| vec![], |c| c.trace_columns());
                out.push(Update::Columns(
                    i,
                    columns.into_iter().skip(x).collect(),
                    settings,
                ));
                continue;
            };
            if let Some(mut row) = parse_row(&line, x + n) {
                for at in x..X_COLUMNS.len() {
                    row.insert(at, None);
                }
                rows.push(row);
            }
        }
        if !rows.is_empty() {
            out.push(Update::Rows(i, rows));
        }
        t.done = t.ended;
    }

    /// The states the executor wrote, when they read.
    fn read_states(&self, out: &mut Vec<Update>) {
        if let Some(s) = std::fs::read_to_string(self.sweep.file(STATES))
            .ok()
            .and_then(|t| serde_json::from_str::<States>(&t).ok())
        {
            out.push(Update::States(Box::new(s)));
        }
    }

    /// Member `i`'s summary and liveness; a member that ended with a result is read once more
    /// (its last rows) and then left alone.
    fn read_summary(&mut self, i: usize, members: &[Member], out: &mut Vec<Update>) {
        let run = self.sweep.member(&members[i]);
        let Some(s) = Summary::read(&run) else {
            return;
        };
        self.tails[i].ended = from_run(Some(s.status), false) == MemberState::Done;
        let live = !self.tails[i].ended && run.is_live();
        out.push(Update::Summary(i, Box::new(s), live));
    }

    /// The summaries of at most [`SUMMARIES_PER_LOOK`] members that have not ended, in turn.
    fn read_summaries_in_turn(&mut self, members: &[Member], out: &mut Vec<Update>) {
        let n = self.tails.len();
        let (mut read, start) = (0, self.next_summary);
        for k in 0..n {
            if read == SUMMARIES_PER_LOOK {
                break;
            }
            let i = (start + k) % n;
            if self.tails[i].ended {
                continue;
            }
            read += 1;
            self.next_summary = (i + 1) % n;
            self.read_summary(i, members, out);
        }
    }
}

/// What notifications said changed and was not read yet.
#[derive(Clone, Debug)]
pub struct Changed {
    /// Per member: its table grew.
    pub tables: Vec<bool>,
    /// Per member: its summary was written.
    pub summaries: Vec<bool>,
    /// The executor's states were written (or are due to be read again).
    pub states: bool,
    /// The summaries of unsettled members are due to be read in turn (liveness: a process
    /// that died writes nothing to be notified of).
    pub in_turn: bool,
}

impl Changed {
    /// Nothing changed, for `n` members.
    pub fn new(n: usize) -> Self {
        Changed {
            tables: vec![false; n],
            summaries: vec![false; n],
            states: false,
            in_turn: false,
        }
    }

    /// Marks every table (a look at all of them is due).
    pub fn all_tables(&mut self) {
        self.tables.fill(true);
    }

    /// Marks what is read every [`SLOW_EVERY`]: the states and the summaries in turn.
    pub fn slow(&mut self) {
        self.states = true;
        self.in_turn = true;
    }

    /// Marks what `notice` says changed.
    pub fn mark(&mut self, notice: Notice) {
        match notice {
            Notice::Table(i) => {
                if let Some(t) = self.tables.get_mut(i) {
                    *t = true;
                }
            }
            Notice::Summary(i) => {
                if let Some(s) = self.summaries.get_mut(i) {
                    *s = true;
                }
            }
            Notice::States => self.states = true,
            Notice::Rescan => {
                self.tables.fill(true);
                self.summaries.fill(true);
                self.states = true;
            }
        }
    }
}

/// Applies what was read; true when anything changed (and then the generation moved).
pub fn apply(data: &mut SweepData, updates: Vec<Update>) -> bool {
    if updates.is_empty() {
        return false;
    }
    for u in updates {
        match u {
            Update::Columns(i, c, settings) => {
                data.members[i].set_columns(c);
                data.members[i].settings = settings;
            }
            Update::Rows(i, rows) => {
                for r in rows {
                    data.members[i].push_row(&r);
                }
            }
            Update::Summary(i, s, live) => {
                let m = &mut data.members[i];
                m.status = Some(s.status);
                m.step = m.step.max(s.step);
                m.steps = s.steps;
                let own = from_run(Some(s.status), live);
                m.own = Some(own);
                if own == MemberState::Done {
                    m.finals = Some(s.metrics.clone());
                }
                m.refresh_state();
            }
            Update::States(s) => {
                data.supervisor = s.supervisor;
                data.cancelled = s.cancelled;
                for st in s.members {
                    let Some(m) = data.members.get_mut(st.index) else {
                        continue;
                    };
                    m.executor = st.state;
                    m.refresh_state();
                    m.slurm = st.slurm;
                    m.steps = m.steps.max(st.steps);
                }
            }
        }
    }
    data.generation += 1;
    true
}

#[cfg(test)]
mod tests {
    use super::super::testdata::manifest;
    use super::*;
    use std::io::Write;

    /// Reads every table, and with `slow` what is read every [`SLOW_EVERY`] too.
    fn look(feed: &mut SweepFeed, members: &[Member], slow: bool) -> Vec<Update> {
        let mut c = Changed::new(feed.len());
        c.all_tables();
        if slow {
            c.slow();
        }
        feed.read_changed(&mut c, members)
    }

    /// A member's header comes with the columns its config names as live hyperparameters
    /// (ConOpt's γ here), and the metrics the view offers leave them out, as the report does.
    #[test]
    fn hyperparameter_columns_are_not_offered_as_metrics() {
        let tmp = tempfile::tempdir().unwrap();
        let m = manifest(1);
        let dir = tmp.path().join(&m.members[0].dir);
        std::fs::create_dir(&dir).unwrap();
        let text = crate::run::builtin::builtin("zoo-bilinear").expect("built-in preset");
        let conopt = crate::run::Preset::parse(text, "zoo-bilinear")
            .and_then(|p| p.resolve())
            .expect("zoo-bilinear resolves")
            .into_iter()
            .find(|c| c.name == "ConOpt")
            .expect("zoo-bilinear has ConOpt");
        let traced = conopt.trace_columns();
        assert!(traced.iter().any(|c| c == "gamma"), "{traced:?}");
        std::fs::write(dir.join(crate::run::store::CONFIG), conopt.to_ron()).unwrap();
        std::fs::write(
            dir.join(METRICS),
            format!(
                "step,oracle_calls,wall_time,field_norm,{}\n0,0,0,1{}\n",
                traced.join(","),
                ",1".repeat(traced.len())
            ),
        )
        .unwrap();
        let sweep = SweepDir {
            path: tmp.path().to_path_buf(),
        };
        let mut data = SweepData::new(m.clone());
        let mut feed = SweepFeed::new(sweep, &data);
        assert!(apply(&mut data, look(&mut feed, &m.members, true)));
        assert_eq!(data.members[0].columns.len(), 1 + traced.len());
        assert_eq!(data.members[0].settings, traced);
        assert_eq!(data.metrics(), ["field_norm"]);
    }

    /// Only appended bytes are read: a torn row waits for its end, and a member whose summary
    /// says it ended is read once more and then left alone.
    #[test]
    fn members_are_read_incrementally_and_left_once_ended() {
        let tmp = tempfile::tempdir().unwrap();
        let m = manifest(2);
        for mm in &m.members {
            std::fs::create_dir(tmp.path().join(&mm.dir)).unwrap();
        }
        let sweep = SweepDir {
            path: tmp.path().to_path_buf(),
        };
        let mut data = SweepData::new(m.clone());
        let mut feed = SweepFeed::new(sweep.clone(), &data);
        let path = tmp.path().join("000").join(METRICS);
        std::fs::write(
            &path,
            "step,oracle_calls,wall_time,field_norm\n0,0,0,1\n10,10,0.1,",
        )
        .unwrap();
        assert!(apply(&mut data, look(&mut feed, &m.members, true)));
        assert_eq!(data.members[0].columns, ["field_norm"]);
        assert_eq!(data.members[0].series.rows(), 1, "the torn row waits");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        writeln!(f, "0.5").unwrap();
        assert!(apply(&mut data, look(&mut feed, &m.members, false)));
        assert_eq!(data.members[0].series.rows(), 2);
        assert_eq!(data.members[0].last("field_norm"), Some(0.5));
        assert_eq!(data.members[0].step, 10);
        assert!(
            !apply(&mut data, look(&mut feed, &m.members, false)),
            "nothing new"
        );
        let summary = serde_json::json!({
            "id": "000", "name": "r seed=0", "preset": "p", "method": "sim", "status": "finished", "step": 10,
            "steps": 10, "oracle_calls": 10, "wall_time": 0.1,
            "metrics": {"field_norm": 0.5},
        });
        std::fs::write(tmp.path().join("000/summary.json"), summary.to_string()).unwrap();
        let read = look(&mut feed, &m.members, true);
        assert!(
            read.iter().any(|u| matches!(u, Update::Summary(0, _, _))),
            "{read:?} {:?}",
            Summary::read(&sweep.member(&m.members[0]))
        );
        assert!(apply(&mut data, read));
        assert_eq!(data.members[0].state, MemberState::Done);
        assert_eq!(data.members[0].final_value("field_norm"), Some(0.5));
        assert!(
            !feed.tails[0].done,
            "its table is read once more after its end…"
        );
        assert!(!apply(&mut data, look(&mut feed, &m.members, false)));
        assert!(feed.tails[0].done, "…and then left");
        writeln!(f, "20,20,0.2,0.25").unwrap();
        assert!(!apply(&mut data, look(&mut feed, &m.members, false)));
    }
}
