//! Steering a run: the commands that reach it (its `control.jsonl`, in-process channels) and
//! the parameter changes its event log schedules (a resumed run's changes after its checkpoint,
//! a replay's or a fork's plan). [`Steering::decide`] validates and applies one command to the
//! live parameters and says what the engine must do and record; nothing here touches files.

use crate::error::{Error, Result};
use crate::run::control::{Command, ControlFile, ControlSource, Live, Request, MALFORMED};
use crate::run::events::EventKind;
use std::collections::VecDeque;

/// What the engine must do after a command, beyond recording its events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// Nothing more.
    Nothing,
    /// Stepping paused: flush the rows so far, record, refresh the summary.
    Paused,
    /// Stepping resumed: record, refresh the summary.
    Resumed,
    /// Write a checkpoint now (even if one exists at this step), then record.
    Checkpoint,
    /// End the run with status `stopped`.
    Stop,
}

/// The answer to one command.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The events to record, in order.
    pub events: Vec<EventKind>,
    /// What to do.
    pub act: Act,
}

impl Decision {
    fn record(event: EventKind, act: Act) -> Self {
        Decision {
            events: vec![event],
            act,
        }
    }

    fn refuse(command: String, reason: String) -> Self {
        Self::record(EventKind::Refused { command, reason }, Act::Nothing)
    }
}

/// The command sources, the scheduled changes and whether the run is paused.
pub struct Steering {
    file: ControlFile,
    channels: Vec<Box<dyn ControlSource>>,
    scheduled: VecDeque<(u64, String, f64)>,
    paused: bool,
}

impl Steering {
    /// Steering through the control file `file` only, nothing scheduled, running.
    pub fn new(file: ControlFile) -> Self {
        Steering {
            file,
            channels: vec![],
            scheduled: VecDeque::new(),
            paused: false,
        }
    }

    /// Adds an in-process source of commands.
    pub fn add(&mut self, source: Box<dyn ControlSource>) {
        self.channels.push(source);
    }

    /// Schedules parameter changes (step, param, value) already in the event log, in step
    /// order (the order of the log among changes at one step).
    pub fn schedule(&mut self, mut changes: Vec<(u64, String, f64)>) {
        changes.sort_by_key(|c| c.0);
        self.scheduled = changes.into();
    }

    /// True while stepping is paused.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Applies the scheduled changes due after `t` iterations. They are in the event log
    /// already, so they are not recorded again; one the run refuses now means the log and
    /// the run disagree, which fails the run.
    pub fn apply_scheduled<V>(&mut self, t: u64, mut live: Live<'_, V>) -> Result<()> {
        while self.scheduled.front().is_some_and(|c| c.0 <= t) {
            let (_, param, value) = self.scheduled.pop_front().expect("front exists");
            live.set(&param, value).map_err(|e| {
                Error::failure(format!("re-applying {param}={value} at step {t}: {e}"))
            })?;
        }
        Ok(())
    }

    /// The commands that arrived since the last call, the control file's first, each with
    /// the name of its source (`control-file`, `channel`).
    pub fn poll(&mut self) -> Vec<(Request, &'static str)> {
        let mut requests: Vec<(Request, &'static str)> = self
            .file
            .poll()
            .into_iter()
            .map(|r| (r, "control-file"))
            .collect();
        for c in &mut self.channels {
            requests.extend(c.poll().into_iter().map(|r| (r, "channel")));
        }
        requests
    }

    /// Validates `req` and applies it to `live` (all or nothing); a refused command leaves
    /// the run untouched and is recorded with its reason.
    pub fn decide<V>(&mut self, req: Request, mut live: Live<'_, V>) -> Decision {
        match req.command {
            Command::Pause if !self.paused => {
                self.paused = true;
                Decision::record(EventKind::Pause, Act::Paused)
            }
            Command::Resume if self.paused => {
                self.paused = false;
                Decision::record(EventKind::Resume, Act::Resumed)
            }
            Command::Pause | Command::Resume => {
                let what = if self.paused { "paused" } else { "running" };
                Decision::refuse(
                    format!("{:?}", req.command).to_lowercase(),
                    format!("the run is already {what}"),
                )
            }
            Command::Stop => Decision {
                events: vec![],
                act: Act::Stop,
            },
            Command::Checkpoint => Decision::record(EventKind::Checkpoint, Act::Checkpoint),
            Command::Set { param, .. } if req.request.as_deref() == Some(MALFORMED) => {
                Decision::refuse(
                    param,
                    "not a JSON command (see `saddle control --help`)".into(),
                )
            }
            Command::Set { param, value } => match live.set(&param, value) {
                Ok(changes) => Decision {
                    events: changes.into_iter().map(EventKind::Set).collect(),
                    act: Act::Nothing,
                },
                Err(reason) => Decision::refuse(format!("set {param}={value}"), reason),
            },
        }
    }
}

/// The id to echo in the events answering `req` (none for a line that was not a command).
pub fn request_id(req: &Request) -> Option<String> {
    req.request.clone().filter(|r| r != MALFORMED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{OptimState, Optimizer};
    use crate::run::control::Change;
    use crate::run::store::{RunDir, CONTROL};
    use crate::run::Preset;

    /// The default preset's heavy-ball run: η = 0.2, β = (0, −0.5).
    fn momentum() -> (Optimizer, OptimState<Vec<f64>>) {
        let text = crate::run::builtin::builtin("default").unwrap();
        let c = Preset::parse(text, "default").unwrap().resolve().unwrap()[2].clone();
        let built = c.build().unwrap();
        let crate::setup::BuiltGame::Toy(game) = built.game else {
            panic!("a toy game")
        };
        let st = built
            .optimizer
            .init_state(&game.initial_point(), built.hyper);
        (built.optimizer, st)
    }

    fn steering() -> (tempfile::TempDir, RunDir, Steering) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: tmp.path().to_path_buf(),
        };
        let s = Steering::new(ControlFile::new(dir.file(CONTROL)));
        (tmp, dir, s)
    }

    fn cmd(command: Command) -> Request {
        Request {
            request: Some("r".into()),
            command,
        }
    }

    macro_rules! live {
        ($opt:expr, $st:expr, $every:expr) => {
            Live {
                opt: &$opt,
                st: &mut $st,
                log_every: &mut $every,
            }
        };
    }

    #[test]
    fn pause_and_resume_alternate_and_a_repeat_is_refused() {
        let (opt, mut st) = momentum();
        let mut every = 5;
        let (_t, _d, mut s) = steering();
        let d = s.decide(cmd(Command::Pause), live!(opt, st, every));
        assert_eq!(d, Decision::record(EventKind::Pause, Act::Paused));
        assert!(s.paused());
        let d = s.decide(cmd(Command::Pause), live!(opt, st, every));
        assert_eq!(
            d.events,
            [EventKind::Refused {
                command: "pause".into(),
                reason: "the run is already paused".into()
            }]
        );
        assert_eq!(d.act, Act::Nothing);
        let d = s.decide(cmd(Command::Resume), live!(opt, st, every));
        assert_eq!(d.act, Act::Resumed);
        assert!(!s.paused());
        let d = s.decide(cmd(Command::Resume), live!(opt, st, every));
        assert!(
            matches!(&d.events[0], EventKind::Refused { reason, .. } if reason == "the run is already running")
        );
        assert_eq!(
            s.decide(cmd(Command::Stop), live!(opt, st, every)).act,
            Act::Stop
        );
        assert_eq!(
            s.decide(cmd(Command::Checkpoint), live!(opt, st, every)),
            Decision::record(EventKind::Checkpoint, Act::Checkpoint)
        );
    }

    #[test]
    fn a_valid_change_is_applied_and_an_invalid_one_leaves_the_run_untouched() {
        let (opt, mut st) = momentum();
        let mut every = 5;
        let (_t, _d, mut s) = steering();
        let set = |param: &str, value: f64| {
            cmd(Command::Set {
                param: param.into(),
                value,
            })
        };
        let d = s.decide(set("beta.phi", -0.3), live!(opt, st, every));
        assert_eq!(
            d.events,
            [EventKind::Set(Change {
                param: "beta.phi".into(),
                old: -0.5,
                new: -0.3
            })]
        );
        assert_eq!(st.hyper.beta.phi, -0.3);
        let before = st.clone();
        let d = s.decide(set("eta", -1.0), live!(opt, st, every));
        assert!(
            matches!(&d.events[..], [EventKind::Refused { command, .. }] if command == "set eta=-1")
        );
        assert_eq!(st, before);
        let d = s.decide(set("log_every", 7.0), live!(opt, st, every));
        assert_eq!(d.events.len(), 1);
        assert_eq!(every, 7);
    }

    #[test]
    fn commands_come_from_the_control_file_first_then_the_channels() {
        let (opt, mut st) = momentum();
        let mut every = 5;
        let (_t, dir, mut s) = steering();
        let (tx, rx) = std::sync::mpsc::channel();
        s.add(Box::new(rx));
        tx.send(Command::Pause).unwrap();
        dir.append_line(CONTROL, r#"{"request":"a","command":"checkpoint"}"#)
            .unwrap();
        dir.append_line(CONTROL, "pause please").unwrap();
        let got = s.poll();
        let sources: Vec<&str> = got.iter().map(|(_, src)| *src).collect();
        assert_eq!(sources, ["control-file", "control-file", "channel"]);
        assert_eq!(request_id(&got[0].0).as_deref(), Some("a"));
        assert_eq!(request_id(&got[1].0), None, "not a command: no id to echo");
        let d = s.decide(got[1].0.clone(), live!(opt, st, every));
        assert!(matches!(
            &d.events[..],
            [EventKind::Refused { reason, .. }] if reason.starts_with("not a JSON command")
        ));
        assert!(s.poll().is_empty(), "each command arrives once");
    }

    #[test]
    fn scheduled_changes_apply_at_their_step_in_order() {
        let (opt, mut st) = momentum();
        let mut every = 5;
        let (_t, _d, mut s) = steering();
        s.schedule(vec![
            (10, "eta".into(), 0.1),
            (3, "beta.phi".into(), -0.1),
            (10, "eta".into(), 0.05),
        ]);
        s.apply_scheduled(2, live!(opt, st, every)).unwrap();
        assert_eq!(st.hyper.beta.phi, -0.5);
        s.apply_scheduled(3, live!(opt, st, every)).unwrap();
        assert_eq!(st.hyper.beta.phi, -0.1);
        assert_eq!(st.hyper.eta.theta, 0.2);
        s.apply_scheduled(12, live!(opt, st, every)).unwrap();
        assert_eq!(
            st.hyper.eta.theta, 0.05,
            "the later change of one step wins"
        );
        s.schedule(vec![(13, "beta.theta".into(), 2.0)]);
        let e = s.apply_scheduled(13, live!(opt, st, every)).unwrap_err();
        assert!(
            e.message.contains("re-applying beta.theta=2 at step 13"),
            "{}",
            e.message
        );
    }
}
