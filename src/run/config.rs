//! The fully resolved configuration of one run (`config.ron` in its directory): everything
//! needed to rebuild the run from scratch, seed included.

use crate::constraint::PlayerConstraints;
use crate::error::{Error, Result};
use crate::game::{Game, Sample};
use crate::optim::{
    self, AverageSpec, FieldTransform, Hyper, LiveParam, Optimizer, Rule, Schedule, Scheme, Wrapper,
};
use crate::players::{PerPlayer, Player, Players};
use crate::setup::{BuiltGame, GameConfig};
use crate::vector::ParamVec;
use serde::{Deserialize, Serialize};

/// When a run stops early.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopRule {
    /// `converged` once ‖ω − ω*‖ falls below this (games with a known equilibrium); None never.
    #[serde(default = "default_converge")]
    pub converge_below: Option<f64>,
    /// `diverged` once ‖ω‖ exceeds this (NaN or ±∞ always diverge); None: only non-finite.
    #[serde(default = "default_diverge")]
    pub diverge_above: Option<f64>,
}

fn default_converge() -> Option<f64> {
    Some(1e-8)
}

fn default_diverge() -> Option<f64> {
    Some(1e6)
}

impl Default for StopRule {
    fn default() -> Self {
        StopRule {
            converge_below: default_converge(),
            diverge_above: default_diverge(),
        }
    }
}

/// One run, fully resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Name of the preset it came from.
    pub preset: String,
    /// The run's name within the preset.
    pub name: String,
    /// Seed of the game, the starting point and the sampling.
    pub seed: u64,
    /// Number of iterations.
    pub steps: u64,
    /// The game.
    pub game: GameConfig,
    /// The scheme.
    pub scheme: Scheme,
    /// Each player's step rule.
    pub rules: Players<Rule>,
    /// A field transform the scheme sees instead of F (ConOpt, SGA, Hamiltonian).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<FieldTransform>,
    /// Wrappers around the optimizer (Lookahead), innermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wrap: Vec<Wrapper>,
    /// Initial base step sizes η.
    pub eta: PerPlayer,
    /// Initial momenta β (heavy ball's β, Adam's β₁; 0 for plain gradient).
    pub beta: PerPlayer,
    /// Step-size schedule.
    pub schedule: Schedule,
    /// Averages kept next to the last iterate.
    pub averaging: Vec<AverageSpec>,
    /// Constraint sets overriding the game's own (None: the game's).
    pub projection: Option<PlayerConstraints>,
    /// A metrics row every this many iterations (initial value; live-tunable).
    pub log_every: u64,
    /// A checkpoint every this many iterations.
    pub checkpoint_every: u64,
    /// Spectral radius of the update operator every this many iterations (None: never).
    pub spectral_every: Option<u64>,
    /// Sample pictures every this many iterations (None: never).
    #[serde(default)]
    pub sample_every: Option<u64>,
    /// Early stopping.
    pub stop: StopRule,
    /// At most this many iterations per second (None: as fast as possible).
    #[serde(default)]
    pub pace: Option<f64>,
    /// Live Inception Score / FID (None: no scoring).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<crate::score::spec::ScoreSpec>,
    /// How many of the newest checkpoints the run keeps (None: the engine's default, 3); a
    /// sweep's members keep 1 so that a large sweep does not fill the disk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_checkpoints: Option<u64>,
}

/// What building a run config yields.
pub struct Built {
    /// The game.
    pub game: BuiltGame,
    /// The optimizer.
    pub optimizer: Optimizer,
    /// Initial hyperparameters.
    pub hyper: Hyper,
}

/// Refuses an optimizer that takes Jacobian products on a game that cannot answer them
/// (tried once at the game's starting point, on its evaluation sample).
fn check_products<V: ParamVec>(
    game: &mut dyn Game<V = V>,
    opt: &Optimizer,
) -> std::result::Result<(), String> {
    let c = opt.cost(&opt.initial_hyper(Players::both(1.0), Players::both(0.0)));
    let w = game.initial_point();
    let v = w.map(|x| x.zeros_like());
    let mut out = v.clone();
    let mut tried = Ok(());
    if c.jvp > 0.0 {
        tried = game.jvp(&w, Sample::Exact, &v, &mut out);
    }
    if c.vjp > 0.0 && tried.is_ok() {
        tried = game.vjp(&w, Sample::Exact, &v, &mut out);
    }
    tried.map_err(|e| {
        format!(
            "{} takes Jacobian products ({} J·v and {} Jᵀ·v per step), which this game cannot give: {e}",
            opt.label(),
            c.jvp,
            c.vjp
        )
    })
}

fn positive_count(name: &str, v: u64) -> std::result::Result<(), String> {
    if v == 0 {
        Err(format!("{name} must be at least 1, got 0"))
    } else {
        Ok(())
    }
}

/// The checkpoint interval a preset gives a run of `steps` iterations when it names none:
/// twenty checkpoints over the run.
pub fn default_checkpoint_every(steps: u64) -> u64 {
    (steps / 20).max(1)
}

impl RunConfig {
    /// The checkpoint interval of this run going on to `target` iterations: its own, unless
    /// that is the default for its `steps` (a preset that names none), then the default for
    /// `target` — a 100-step run taken to 20 000 by `resume --steps` or a fork checkpoints 20
    /// times, not 4 000 (each checkpoint is synced to the disk: the run was 200× slower).
    pub fn checkpoint_every_to(&self, target: u64) -> u64 {
        if self.checkpoint_every == default_checkpoint_every(self.steps) {
            default_checkpoint_every(target)
        } else {
            self.checkpoint_every
        }
    }

    /// The config with what the environment decides for its game written in (a dataset's
    /// absolute directory): what a new run's `config.ron` holds, so that it does not depend on
    /// the working directory or `$SADDLE_DATA` of whoever resumes, replays or forks it.
    pub fn pinned(&self) -> Result<RunConfig> {
        let mut c = self.clone();
        c.game = self.game.pinned().map_err(Error::input)?;
        Ok(c)
    }

    /// Checks every value without building anything; the message starts with the field path.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.steps == 0 || self.steps > 1_000_000_000_000 {
            return Err(format!("steps: must be in 1..=10^12, got {}", self.steps));
        }
        positive_count("log_every", self.log_every)?;
        positive_count("checkpoint_every", self.checkpoint_every)?;
        if let Some(k) = self.keep_checkpoints {
            positive_count("keep_checkpoints", k)?;
        }
        if let Some(k) = self.spectral_every {
            positive_count("spectral_every", k)?;
        }
        if let Some(k) = self.sample_every {
            positive_count("sample_every", k)?;
        }
        for p in Player::BOTH {
            Hyper::validate_eta(*self.eta.0.get(p), p)?;
            let beta = *self.beta.0.get(p);
            let rule = self.rules.get(p);
            rule.validate().map_err(|e| format!("rules.{p}: {e}"))?;
            if rule.has_beta() {
                Hyper::validate_beta(beta, p)?;
            } else if beta != 0.0 {
                return Err(format!(
                    "beta.{p}: the {} rule has no momentum, so beta must be 0 (got {beta}); use HeavyBall for momentum",
                    rule.variant()
                ));
            }
        }
        optim::validate_parts(&self.scheme, &self.rules, self.field.as_ref(), &self.wrap)?;
        let mut names = vec![];
        for (i, a) in self.averaging.iter().enumerate() {
            a.validate().map_err(|e| format!("averaging[{i}]: {e}"))?;
            if a.over == crate::optim::AveragePoints::Extrapolated && !self.scheme.extrapolates() {
                return Err(format!(
                    "averaging[{i}]: averaging over Extrapolated points needs an extrapolating scheme (Extragradient, PastExtragradient or Eag), not {}",
                    self.scheme.name()
                ));
            }
            let n = a.name();
            if names.contains(&n) {
                return Err(format!("averaging[{i}]: a second `{n}` average"));
            }
            names.push(n);
        }
        if let Some(p) = &self.projection {
            p.theta
                .validate()
                .map_err(|e| format!("projection.theta: {e}"))?;
            p.phi
                .validate()
                .map_err(|e| format!("projection.phi: {e}"))?;
        }
        if let Some(p) = self.pace {
            if !(p.is_finite() && p > 0.0) {
                return Err(format!(
                    "pace: must be finite and > 0 iterations per second, got {p}"
                ));
            }
        }
        if let Some(s) = &self.score {
            if !matches!(self.game, GameConfig::ImageGan(_)) {
                return Err(format!(
                    "score: the {} game makes no images to score (image GANs only)",
                    self.game.kind()
                ));
            }
            s.validate(&names)?;
        }
        if let Some(c) = self.stop.converge_below {
            if !(c.is_finite() && c > 0.0) {
                return Err(format!(
                    "stop.converge_below: must be finite and > 0, got {c}"
                ));
            }
        }
        if let Some(d) = self.stop.diverge_above {
            if !(d.is_finite() && d > 0.0) {
                return Err(format!(
                    "stop.diverge_above: must be finite and > 0, got {d}"
                ));
            }
        }
        Ok(())
    }

    /// Validates, then builds the game, the optimizer and the initial hyperparameters.
    pub fn build(&self) -> std::result::Result<Built, String> {
        self.validate()?;
        let game = self
            .game
            .build_any(self.seed)
            .map_err(|e| format!("game: {e}"))?;
        let constraints = match self.projection {
            Some(p) => Players::new(p.theta, p.phi),
            None => game.constraints(),
        };
        let optimizer = Optimizer {
            scheme: self.scheme.clone(),
            rules: self.rules.clone(),
            field: self.field.clone(),
            wrappers: self.wrap.clone(),
            schedule: self.schedule,
            constraints,
            averaging: self.averaging.clone(),
        };
        let hyper = optimizer.initial_hyper(self.eta.0, self.beta.0);
        let mut game = game;
        match &mut game {
            BuiltGame::Toy(g) => check_products(g.as_mut(), &optimizer),
            BuiltGame::NeuralCpu(g) => check_products(g.as_mut(), &optimizer),
            #[cfg(feature = "cuda")]
            BuiltGame::NeuralCuda(g) => check_products(g.as_mut(), &optimizer),
        }?;
        Ok(Built {
            game,
            optimizer,
            hyper,
        })
    }

    /// The method's label (`extragradient+adam`, `simultaneous+rmsprop+conopt`,
    /// `lookahead(extragradient+gradient)`; `rule_θ/rule_φ` when the players' rules differ):
    /// what `Optimizer::label` says of the optimizer this config builds, known from the config
    /// alone — building the game could cost gigabytes.
    pub fn method(&self) -> String {
        optim::label(&self.scheme, &self.rules, self.field.as_ref(), &self.wrap)
    }

    /// The run's live parameters: the optimizer's table ([`optim::live_table`]) and the
    /// logging interval.
    pub fn live(&self) -> Vec<LiveParam> {
        let mut t = optim::live_table(
            &self.scheme,
            &self.rules,
            self.field.as_ref(),
            &self.wrap,
            &self.averaging,
        );
        t.push(super::control::log_every_param());
        t
    }

    /// The metrics columns that trace its live parameters (η, β, γ, Lookahead's k and α, …):
    /// settings, not outcomes, which reports and the sweep view leave out of their metrics.
    pub fn trace_columns(&self) -> Vec<String> {
        self.live().into_iter().filter_map(|p| p.column).collect()
    }

    /// The config as pretty RON (what `config.ron` holds).
    pub fn to_ron(&self) -> String {
        let pretty = ron::ser::PrettyConfig::new().struct_names(true);
        ron::ser::to_string_pretty(self, pretty).expect("configs serialize")
    }

    /// Reads a `config.ron`; `origin` names the file in errors.
    pub fn from_ron(text: &str, origin: &str) -> Result<Self> {
        let c: RunConfig = super::preset::parse_ron(text, origin)?;
        c.validate()
            .map_err(|e| Error::input(format!("{origin}: {e}")))?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_method_label_of_a_config_is_its_optimizers() {
        let mut seen = 0;
        for name in [
            "default",
            "bilinear-momentum",
            "bilinear-methods",
            "dirac-gan",
            "quadratic",
        ] {
            let text = super::super::builtin::builtin(name).expect("built-in preset");
            let preset = super::super::Preset::parse(text, name).expect("parses");
            for c in preset.resolve().expect("resolves") {
                assert_eq!(c.method(), c.build().unwrap().optimizer.label(), "{name}");
                seen += 1;
            }
        }
        let mut c = super::super::Preset::parse(
            super::super::builtin::builtin("default").unwrap(),
            "default",
        )
        .unwrap()
        .resolve()
        .unwrap()
        .remove(2);
        c.rules.theta = Rule::gradient();
        assert_eq!(c.method(), c.build().unwrap().optimizer.label());
        assert_eq!(c.method(), "alternating+gradient/heavy-ball");
        assert!(seen > 10);
    }
}
