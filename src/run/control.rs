//! Live control of a run: the commands, the live-tunable parameters, and their validation.
//!
//! Commands reach a run through any [`ControlSource`]: an in-process channel, or the run
//! directory's `control.jsonl`, which other processes (`saddle control`, the dashboard) append
//! to. A refused command leaves the run untouched and is recorded with its reason.

use crate::optim::{AverageKind, Hyper, OptimState, Optimizer, Scheme};
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
    /// Change a live parameter (see [`Param`]).
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

/// A live-tunable parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    /// Base step size of a player.
    Eta(Player),
    /// Momentum of a player.
    Beta(Player),
    /// Discriminator steps per generator step.
    DSteps,
    /// Iterations between metrics rows.
    LogEvery,
    /// β of the EMA average at this index.
    AverageBeta(usize),
}

/// One accepted change: the parameter's name, old and new values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Canonical name (`eta.theta`, `beta.phi`, `d_steps`, `log_every`, `averaging.ema.beta`).
    pub param: String,
    /// Value before.
    pub old: f64,
    /// Value after.
    pub new: f64,
}

/// The names `Set` understands, for help texts and errors.
pub const PARAMS: &str = "eta, eta.theta, eta.phi, beta, beta.theta, beta.phi, d_steps, log_every, averaging.<name>.beta";

impl Param {
    /// Parses a name; `eta` and `beta` alone mean both players.
    pub fn parse_all(name: &str, opt: &Optimizer) -> Result<Vec<Param>, String> {
        let both = |f: fn(Player) -> Param| Ok(vec![f(Player::Theta), f(Player::Phi)]);
        match name {
            "eta" => both(Param::Eta),
            "eta.theta" => Ok(vec![Param::Eta(Player::Theta)]),
            "eta.phi" => Ok(vec![Param::Eta(Player::Phi)]),
            "beta" => both(Param::Beta),
            "beta.theta" => Ok(vec![Param::Beta(Player::Theta)]),
            "beta.phi" => Ok(vec![Param::Beta(Player::Phi)]),
            "d_steps" => Ok(vec![Param::DSteps]),
            "log_every" => Ok(vec![Param::LogEvery]),
            other => {
                if let Some(avg) = other
                    .strip_prefix("averaging.")
                    .and_then(|s| s.strip_suffix(".beta"))
                {
                    return opt
                        .averaging
                        .iter()
                        .position(|a| a.name() == avg)
                        .map(|i| vec![Param::AverageBeta(i)])
                        .ok_or_else(|| {
                            let names: Vec<String> =
                                opt.averaging.iter().map(|a| a.name()).collect();
                            format!(
                                "this run has no `{avg}` average (it has: {})",
                                if names.is_empty() {
                                    "none".into()
                                } else {
                                    names.join(", ")
                                }
                            )
                        });
                }
                Err(format!(
                    "unknown parameter `{other}`; live parameters are {PARAMS}"
                ))
            }
        }
    }

    /// Canonical name.
    pub fn name(&self, opt: &Optimizer) -> String {
        match self {
            Param::Eta(p) => format!("eta.{p}"),
            Param::Beta(p) => format!("beta.{p}"),
            Param::DSteps => "d_steps".into(),
            Param::LogEvery => "log_every".into(),
            Param::AverageBeta(i) => format!("averaging.{}.beta", opt.averaging[*i].name()),
        }
    }
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

fn integer(name: &str, v: f64, lo: f64, hi: f64) -> Result<u64, String> {
    if v.fract() == 0.0 && v >= lo && v <= hi {
        Ok(v as u64)
    } else {
        Err(format!("{name} must be an integer in {lo}..={hi}, got {v}"))
    }
}

impl<V> Live<'_, V> {
    fn get(&self, p: &Param) -> f64 {
        let h: &Hyper = &self.st.hyper;
        match p {
            Param::Eta(pl) => *h.eta.get(*pl),
            Param::Beta(pl) => *h.beta.get(*pl),
            Param::DSteps => h.d_steps as f64,
            Param::LogEvery => *self.log_every as f64,
            Param::AverageBeta(i) => self.st.averages[*i].beta,
        }
    }

    fn check(&self, p: &Param, v: f64) -> Result<(), String> {
        match p {
            Param::Eta(pl) => Hyper::validate_eta(v, *pl),
            Param::Beta(pl) => {
                if !self.opt.has_beta(*pl) {
                    return Err(format!(
                        "beta.{pl}: the {pl} player's Gradient rule has no momentum (a run with HeavyBall or Adam has)"
                    ));
                }
                Hyper::validate_beta(v, *pl)
            }
            Param::DSteps => {
                if !matches!(self.opt.scheme, Scheme::Alternating { .. }) {
                    return Err(format!(
                        "d_steps applies to Alternating schemes, not {}",
                        self.opt.scheme.name()
                    ));
                }
                integer("d_steps", v, 1.0, 10_000.0).map(|_| ())
            }
            Param::LogEvery => integer("log_every", v, 1.0, 1e12).map(|_| ()),
            Param::AverageBeta(i) => {
                if self.opt.averaging[*i].kind != AverageKind::Ema {
                    return Err("only Ema averages have a beta".into());
                }
                if v.is_finite() && (0.0..1.0).contains(&v) {
                    Ok(())
                } else {
                    Err(format!("averaging beta must be in [0, 1), got {v}"))
                }
            }
        }
    }

    fn put(&mut self, p: &Param, v: f64) {
        let h = &mut self.st.hyper;
        match p {
            Param::Eta(pl) => *h.eta.get_mut(*pl) = v,
            Param::Beta(pl) => *h.beta.get_mut(*pl) = v,
            Param::DSteps => h.d_steps = v as u32,
            Param::LogEvery => *self.log_every = v as u64,
            Param::AverageBeta(i) => self.st.averages[*i].beta = v,
        }
    }

    /// Validates `name = value` (every parameter it names), then applies it. All or nothing.
    pub fn set(&mut self, name: &str, value: f64) -> Result<Vec<Change>, String> {
        let params = Param::parse_all(name, self.opt)?;
        for p in &params {
            self.check(p, value)?;
        }
        Ok(params
            .iter()
            .map(|p| {
                let old = self.get(p);
                self.put(p, value);
                Change {
                    param: p.name(self.opt),
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
