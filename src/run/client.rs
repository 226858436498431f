//! Steering a run from another process: commands go into the run directory's
//! `control.jsonl`; the run answers in `events.jsonl` with an event carrying the same request
//! id (`set`, `pause`, `resume`, `checkpoint`, `ended` for stop, or `refused` with the reason).

use super::control::{Command, Request};
use super::events::{EventKind, EventRecord};
use super::ident::unix_now;
use super::records::RecordTail;
use super::store::{RunDir, CONTROL};
use crate::error::{Error, Result};
use std::time::{Duration, Instant};

/// Sends `command` to the live run in `dir` and waits up to `timeout` for its answer.
pub fn send(dir: &RunDir, command: Command, timeout: Duration) -> Result<Vec<EventRecord>> {
    if !dir.is_live() {
        // A run that ended for good cannot be resumed either: say why instead of pointing at
        // `saddle resume`, which would refuse.
        let next = match super::engine::check_resumable(dir, None) {
            Ok(()) => format!("`saddle resume {}` continues it", dir.handle()),
            // Said to `control`, not `resume`: the run takes no commands.
            Err(ended) => {
                ended
                    .message
                    .replacen("nothing to resume", "it takes no more commands", 1)
            }
        };
        return Err(Error::input(format!(
            "run {} is not live (no process is driving it); {next}",
            dir.id()
        )));
    }
    let id = format!("{}-{}", std::process::id(), (unix_now() * 1e6) as u64);
    let mut events = RecordTail::<EventRecord>::at_end(dir);
    let req = Request {
        request: Some(id.clone()),
        command: command.clone(),
    };
    let line = serde_json::to_string(&req).map_err(|e| Error::failure(e.to_string()))?;
    dir.append_line(CONTROL, &line)?;
    let start = Instant::now();
    let mut answers = vec![];
    let answer = |e: &EventRecord| {
        let ours = e.request.as_deref() == Some(id.as_str());
        let ended = matches!(e.kind, EventKind::Ended { .. });
        ours || (ended && command == Command::Stop)
    };
    while start.elapsed() < timeout {
        answers.extend(events.poll().into_iter().filter(|e| answer(e)));
        // A `set` of `eta` or `beta` answers with one event per player.
        let want = match &command {
            Command::Set { param, .. } if param == "eta" || param == "beta" => 2,
            _ => 1,
        };
        let refused = answers
            .iter()
            .any(|e| matches!(e.kind, EventKind::Refused { .. }));
        if answers.len() >= want || refused {
            return Ok(answers);
        }
        if !dir.is_live() {
            // A run that answered and then ended at once (a set that made it diverge) wrote
            // its answer before it ended: read what came since the last look first.
            answers.extend(events.poll().into_iter().filter(|e| answer(e)));
            if !answers.is_empty() {
                return Ok(answers);
            }
            return Err(Error::failure(format!(
                "run {} ended before answering",
                dir.id()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err(Error::failure(format!(
        "run {} did not answer within {:.1} s (is it stuck in a long step?)",
        dir.id(),
        timeout.as_secs_f64()
    )))
}
