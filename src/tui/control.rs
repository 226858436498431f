//! Sending commands to runs without blocking the screen: each command is sent from its own
//! short-lived thread through [`crate::run::client::send`] (append to the run's
//! `control.jsonl`, wait for the answering event) and the answer comes back on a channel.

use crate::run::client;
use crate::run::control::Command;
use crate::run::events::{EventKind, EventRecord};
use crate::run::store::RunDir;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::Duration;

/// How long a run may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A run's answer to a command.
#[derive(Debug)]
pub struct Answer {
    /// Index of the run in the dashboard.
    pub run: usize,
    /// The command.
    pub command: Command,
    /// The run's events answering it, or why it could not be delivered.
    pub result: Result<Vec<EventRecord>, String>,
}

impl Answer {
    /// A one-line account for the status bar, and whether it is an error.
    pub fn describe(&self, run_name: &str) -> (String, bool) {
        match &self.result {
            Err(e) => (format!("{run_name}: {e}"), true),
            Ok(events) => {
                if let Some(EventKind::Refused { command, reason }) = events
                    .iter()
                    .map(|e| &e.kind)
                    .find(|k| matches!(k, EventKind::Refused { .. }))
                {
                    return (format!("{run_name}: {command} refused: {reason}"), true);
                }
                let parts: Vec<String> = events
                    .iter()
                    .map(|e| match &e.kind {
                        EventKind::Set(c) => {
                            format!("{} {} → {} at step {}", c.param, c.old, c.new, e.step)
                        }
                        EventKind::Pause => format!("paused at step {}", e.step),
                        EventKind::Resume => format!("resumed at step {}", e.step),
                        EventKind::Ended { status } => format!("{status} at step {}", e.step),
                        EventKind::Checkpoint => format!("checkpoint at step {}", e.step),
                        other => format!("{other:?}"),
                    })
                    .collect();
                (format!("{run_name}: {}", parts.join(", ")), false)
            }
        }
    }
}

/// Sends commands and collects answers.
#[derive(Debug)]
pub struct Controller {
    tx: Sender<Answer>,
    rx: Receiver<Answer>,
    in_flight: usize,
}

impl Default for Controller {
    fn default() -> Self {
        let (tx, rx) = channel();
        Controller {
            tx,
            rx,
            in_flight: 0,
        }
    }
}

impl Controller {
    /// Sends `command` to the run `run` in `dir`.
    pub fn send(&mut self, run: usize, dir: RunDir, command: Command) {
        let tx = self.tx.clone();
        self.in_flight += 1;
        std::thread::spawn(move || {
            let result =
                client::send(&dir, command.clone(), TIMEOUT).map_err(|e| e.message.clone());
            let _ = tx.send(Answer {
                run,
                command,
                result,
            });
        });
    }

    /// The answers that arrived.
    pub fn answers(&mut self) -> Vec<Answer> {
        let v: Vec<Answer> = self.rx.try_iter().collect();
        self.in_flight -= v.len();
        v
    }

    /// Commands still waiting for an answer.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Waits up to `timeout` for one answer.
    pub fn wait(&mut self, timeout: Duration) -> Option<Answer> {
        let a = self.rx.recv_timeout(timeout).ok()?;
        self.in_flight -= 1;
        Some(a)
    }
}
