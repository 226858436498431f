//! Live control of a run: the commands, the live-tunable parameters, and their validation.
//!
//! Commands reach a run through any [`ControlSource`]: an in-process channel, or the run
//! directory's `control.jsonl`, which other processes (`saddle control`, the dashboard) append
//! to. A refused command leaves the run untouched and is recorded with its reason.

use crate::optim::{LiveParam, OptimState, Optimizer, Range, Slot};
use crate::players::Player;
use serde::{Deserialize, Serialize};
use std::sync::mpsc::Receiver;

/// A command to a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Stop stepping until `Resume`.
    Pause,
    /// Continue after `Pause`.
    Resume,
    /// Checkpoint and end the run with status `stopped`.
    Stop,
    /// Write a checkpoint now.
    Checkpoint,
    /// Change a live parameter (see [`table`]).
    Set {
        /// Parameter name, e.g. `eta.phi`, `beta`, `d_steps`, `averaging.ema.beta`.
        param: String,
        /// New value.
        value: f64,
    },
}

/// A command with the id of whoever sent it, as a line of `control.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Chosen by the sender, echoed in the event that answers it.
    #[serde(default)]
    pub request: Option<String>,
    /// The command.
    #[serde(flatten)]
    pub command: Command,
}

/// One accepted change: the parameter's name, old and new values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Canonical name (`eta.theta`, `beta.phi`, `d_steps`, `log_every`, `averaging.ema.beta`,
    /// a method's own such as `gamma` or `lookahead.k`).
    pub param: String,
    /// Value before.
    pub old: f64,
    /// Value after.
    pub new: f64,
}

/// The names `Set` understands, for help texts and errors.
pub const PARAMS: &str = "eta, eta.theta, eta.phi, beta, beta.theta, beta.phi, d_steps, log_every, averaging.<name>.beta, and the methods' own (gamma, lambda, alpha, lookahead.k, lookahead.alpha)";

/// The row of the table of live parameters for the run's logging interval.
pub fn log_every_param() -> LiveParam {
    LiveParam {
        name: "log_every".into(),
        symbol: "log".into(),
        about: "iterations between metrics rows".into(),
        range: Range::Integer {
            lo: 1,
            hi: 1_000_000_000_000,
        },
        slot: Slot::LogEvery,
        column: None,
    }
}

/// The table of a run's live parameters: its optimizer's ([`Optimizer::live`]) and the
/// logging interval.
pub fn table(opt: &Optimizer) -> Vec<LiveParam> {
    let mut t = opt.live();
    t.push(log_every_param());
    t
}

/// The live parameters of a run: the optimizer's state and the logging interval.
pub struct Live<'a, V> {
    /// The optimizer (immutable config).
    pub opt: &'a Optimizer,
    /// Its state.
    pub st: &'a mut OptimState<V>,
    /// Iterations between metrics rows.
    pub log_every: &'a mut u64,
}

impl<V> Live<'_, V> {
    /// The rows `name` stands for (`eta` and `beta` alone mean both players), or why none.
    fn rows(&self, name: &str) -> Result<Vec<LiveParam>, String> {
        let t = table(self.opt);
        let pick = |n: &str| t.iter().find(|p| p.name == n).cloned();
        let names: Vec<String> = match name {
            "eta" | "beta" => Player::BOTH.iter().map(|p| format!("{name}.{p}")).collect(),
            other => vec![other.to_string()],
        };
        names
            .iter()
            .map(|n| pick(n).ok_or_else(|| self.missing(n, &t)))
            .collect()
    }

    /// Why `name` is not a live parameter of this run.
    fn missing(&self, name: &str, t: &[LiveParam]) -> String {
        if let Some(p) = ["theta", "phi"]
            .iter()
            .find(|p| name == format!("beta.{p}"))
        {
            let pl = if *p == "theta" {
                Player::Theta
            } else {
                Player::Phi
            };
            return format!(
                "beta.{pl}: the {pl} player's {} rule has no momentum (a run with HeavyBall or Adam has)",
                self.opt.rules.get(pl).variant()
            );
        }
        if name == "d_steps" {
            return format!(
                "d_steps applies to Alternating schemes, not {}",
                self.opt.scheme.name()
            );
        }
        if let Some(avg) = name
            .strip_prefix("averaging.")
            .and_then(|s| s.strip_suffix(".beta"))
        {
            return match self.opt.averaging.iter().find(|a| a.name() == avg) {
                Some(_) => "only Ema averages have a beta".into(),
                None => {
                    let names: Vec<String> = self.opt.averaging.iter().map(|a| a.name()).collect();
                    format!(
                        "this run has no `{avg}` average (it has: {})",
                        if names.is_empty() {
                            "none".into()
                        } else {
                            names.join(", ")
                        }
                    )
                }
            };
        }
        let names: Vec<&str> = t.iter().map(|p| p.name.as_str()).collect();
        format!(
            "unknown parameter `{name}`; this run's live parameters are {}",
            names.join(", ")
        )
    }

    fn get(&self, p: &LiveParam) -> f64 {
        match &p.slot {
            Slot::AverageBeta(i) => self.st.averages[*i].beta,
            Slot::LogEvery => *self.log_every as f64,
            _ => p.get(&self.st.hyper).unwrap_or(f64::NAN),
        }
    }

    fn put(&mut self, p: &LiveParam, v: f64) {
        let h = &mut self.st.hyper;
        match &p.slot {
            Slot::Eta(pl) => *h.eta.get_mut(*pl) = v,
            Slot::Beta(pl) => *h.beta.get_mut(*pl) = v,
            Slot::DSteps => h.d_steps = v as u32,
            Slot::Value(n) => {
                h.values.insert(n.to_string(), v);
            }
            Slot::AverageBeta(i) => self.st.averages[*i].beta = v,
            Slot::LogEvery => *self.log_every = v as u64,
        }
    }

    /// Validates `name = value` (every parameter it names, against the table's ranges), then
    /// applies it. All or nothing.
    pub fn set(&mut self, name: &str, value: f64) -> Result<Vec<Change>, String> {
        let rows = self.rows(name)?;
        for p in &rows {
            p.range.check(&p.name, value)?;
        }
        Ok(rows
            .iter()
            .map(|p| {
                let old = self.get(p);
                self.put(p, value);
                Change {
                    param: p.name.clone(),
                    old,
                    new: value,
                }
            })
            .collect())
    }
}

/// Somewhere commands come from.
pub trait ControlSource: Send {
    /// The commands that arrived since the last call.
    fn poll(&mut self) -> Vec<Request>;
}

impl ControlSource for Receiver<Command> {
    fn poll(&mut self) -> Vec<Request> {
        self.try_iter()
            .map(|command| Request {
                request: None,
                command,
            })
            .collect()
    }
}

/// Commands appended to a run directory's `control.jsonl` by other processes.
pub struct ControlFile {
    tail: super::store::Tail,
}

impl ControlFile {
    /// Watches `path`, from its current end.
    pub fn new(path: std::path::PathBuf) -> Self {
        ControlFile {
            tail: super::store::Tail::at_end(path),
        }
    }
}

/// A line of `control.jsonl` that is not a command.
pub const MALFORMED: &str = "malformed";

impl ControlSource for ControlFile {
    fn poll(&mut self) -> Vec<Request> {
        self.tail
            .poll()
            .into_iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(&l).unwrap_or(Request {
                    request: Some(MALFORMED.into()),
                    command: Command::Set {
                        param: format!("<unreadable line: {l}>"),
                        value: f64::NAN,
                    },
                })
            })
            .collect()
    }
}
