//! Presets: several runs side by side on the same game and seed, written in RON.
//!
//! Parsing reports `file:line:col`, the field path and what was expected; unknown fields are
//! rejected; every value is validated before anything is created.

use super::config::{RunConfig, StopRule};
use super::ident::sanitize;
use crate::constraint::PlayerConstraints;
use crate::error::{Error, Result};
use crate::optim::{AverageSpec, FieldTransform, Rule, Schedule, Scheme, Wrapper};
use crate::players::{PerPlayer, Players};
use crate::setup::GameConfig;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A preset file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// Name (used in run ids).
    pub name: String,
    /// What the preset shows.
    #[serde(default)]
    pub description: String,
    /// Seed shared by every run: same game, same starting point, same sample stream (0 when
    /// not given; see [`Preset::seed`]). Refused beside `seeds`, which would ignore it.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Repeat every run once per seed, named `<run> seed=<N>` (instead of `seed`): GAN
    /// metrics such as modes covered vary from seed to seed more than between many methods,
    /// so a comparison needs several.
    #[serde(default)]
    pub seeds: Option<Vec<u64>>,
    /// Iterations per run (a run may override).
    pub steps: u64,
    /// The game every run plays.
    pub game: GameConfig,
    /// A metrics row every this many iterations (default: about 2000 rows per run).
    #[serde(default)]
    pub log_every: Option<u64>,
    /// A checkpoint every this many iterations (default: about 20 per run).
    #[serde(default)]
    pub checkpoint_every: Option<u64>,
    /// Spectral radius of each run's update operator every this many iterations.
    #[serde(default)]
    pub spectral_every: Option<u64>,
    /// Pictures of the generator's samples (under `samples/` in the run directory) every this
    /// many iterations (games that draw samples; None: never).
    #[serde(default)]
    pub sample_every: Option<u64>,
    /// Early stopping.
    #[serde(default)]
    pub stop: StopRule,
    /// At most this many iterations per second (so fast toy runs can be watched); None: as
    /// fast as possible.
    #[serde(default)]
    pub pace: Option<f64>,
    /// Live Inception Score / FID of every run (see `saddle::score::spec`); None: none.
    #[serde(default)]
    pub score: Option<crate::score::spec::ScoreSpec>,
    /// The runs.
    pub runs: Vec<RunSpec>,
    /// A `sweep: (…)` section, read by `saddle sweep` (a layer above this one); the run engine
    /// accepts it and reads nothing from it.
    #[serde(default, skip_serializing)]
    pub sweep: Option<Unread>,
}

/// A section of a preset that a layer above the run engine reads from the same file; here any
/// value is accepted and skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unread;

impl<'de> Deserialize<'de> for Unread {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Unread)
    }
}

/// One run of a preset, written `Run(...)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Run")]
pub struct RunSpec {
    /// Name, unique within the preset.
    pub name: String,
    /// The scheme.
    pub scheme: Scheme,
    /// The step rule of both players (default `Gradient`)…
    #[serde(default)]
    pub rule: Option<Rule>,
    /// …or one per player: `rules: (theta: Gradient, phi: HeavyBall)`.
    #[serde(default)]
    pub rules: Option<Players<Rule>>,
    /// A field transform the scheme sees instead of F: `field: Consensus(gamma: 10.0)`.
    #[serde(default)]
    pub field: Option<FieldTransform>,
    /// Wrappers around the optimizer, innermost first: `wrap: [Lookahead(k: 5, alpha: 0.5)]`.
    #[serde(default)]
    pub wrap: Vec<Wrapper>,
    /// Step size η: a number or `(theta: …, phi: …)`.
    pub eta: PerPlayer,
    /// Momentum β (required for HeavyBall and Adam, where it is β₁).
    #[serde(default)]
    pub beta: Option<PerPlayer>,
    /// Step-size schedule.
    #[serde(default)]
    pub schedule: Schedule,
    /// Averages: `[(kind: Uniform), (kind: Ema, beta: 0.999)]`.
    #[serde(default)]
    pub averaging: Vec<AverageSpec>,
    /// Constraint sets overriding the game's.
    #[serde(default)]
    pub projection: Option<PlayerConstraints>,
    /// Iterations, overriding the preset's.
    #[serde(default)]
    pub steps: Option<u64>,
    /// Starting point, overriding the game's.
    #[serde(default)]
    pub start: Option<crate::game::Start>,
}

/// Parses RON into `T` with saddle's error format: `origin:line:col: path: message`.
pub fn parse_ron<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T> {
    let opts =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let spanned = |e: ron::error::SpannedError, path: Option<String>| {
        let mut at = e.span.start;
        if let Some(r) = super::ron_plain::reword(
            text,
            &e.code,
            at.line,
            at.col,
            path.as_deref().unwrap_or(""),
        ) {
            let path = if r.path.is_empty() {
                String::new()
            } else {
                format!("{}: ", r.path)
            };
            return Error::input(format!(
                "{origin}:{}:{}: {path}{}",
                r.line, r.col, r.message
            ));
        }
        let path = path
            .filter(|p| !p.is_empty() && p != "?" && p != ".")
            .map(|p| format!("{p}: "))
            .unwrap_or_default();
        // An error at the very end of the text is almost always an unclosed bracket.
        let rest: String = text
            .lines()
            .skip(at.line.saturating_sub(1))
            .collect::<Vec<_>>()
            .join("\n");
        let tail = rest
            .chars()
            .skip(at.col.saturating_sub(1))
            .collect::<String>();
        let hint = if tail.trim().is_empty() && !text.trim().is_empty() {
            " (the file ends here: is a `(` or `[` left open?)"
        } else {
            ""
        };
        let mut next = String::new();
        // The parser meets a missing `,` or closing bracket at the next token, often a line
        // later; the writer's mistake is at the end of the value before it.
        if hint.is_empty()
            && matches!(
                e.code,
                ron::Error::ExpectedComma
                    | ron::Error::ExpectedArrayEnd
                    | ron::Error::ExpectedStructLikeEnd
                    | ron::Error::ExpectedMapEnd
            )
        {
            if let Some((line, col)) = end_of_previous_line(text, at.line, at.col) {
                let closer = tail.trim_start().starts_with([')', ']', '}']);
                next = if closer {
                    format!(
                        " (a bracket opened before it is closed at {}:{}: is one left open?)",
                        at.line, at.col
                    )
                } else {
                    format!(" (the next value starts at {}:{})", at.line, at.col)
                };
                at.line = line;
                at.col = col;
            }
        }
        // A closing bracket where a value was expected (`runs: [Run(…),` then `)`): the list
        // or struct before it was left open.
        if next.is_empty()
            && hint.is_empty()
            && e.code.to_string().starts_with("Expected")
            && tail.trim_start().starts_with([')', ']', '}'])
        {
            next = " (a bracket closes here: is a `[` or `(` before it left open?)".into();
        }
        Error::input(format!(
            "{origin}:{}:{}: {path}{}{next}{hint}",
            at.line, at.col, e.code
        ))
    };
    let mut de =
        ron::Deserializer::from_str_with_options(text, &opts).map_err(|e| spanned(e, None))?;
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => {
            de.end().map_err(|e| spanned(de.span_error(e), None))?;
            Ok(v)
        }
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            Err(spanned(de.span_error(inner), Some(path)))
        }
    }
}

/// Where the value before (`line`, `col`) ends — the column after its last character — when
/// only white space and `//` comments lie between them and they are on different lines; None
/// otherwise (the error is where the parser says).
fn end_of_previous_line(text: &str, line: usize, col: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let here = lines.get(line.checked_sub(1)?)?;
    if !here
        .chars()
        .take(col.saturating_sub(1))
        .all(char::is_whitespace)
    {
        return None;
    }
    for i in (0..line - 1).rev() {
        let code = without_line_comment(lines[i]).trim_end();
        // Block comments are not walked back over: the parser's place stands.
        if code.contains("*/") || code.contains("/*") {
            return None;
        }
        if !code.trim_start().is_empty() {
            return Some((i + 1, code.chars().count() + 1));
        }
    }
    None
}

/// `line` up to a `//` that is not inside a string.
fn without_line_comment(line: &str) -> &str {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '/' if !quoted && line[i + 1..].starts_with('/') => return &line[..i],
            _ => {}
        }
    }
    line
}

impl Preset {
    /// The seed every run shares where `seeds` does not repeat them: `seed`, or 0.
    pub fn seed(&self) -> u64 {
        self.seed.unwrap_or(0)
    }

    /// Parses and validates a preset; `origin` (a path or a built-in name) prefixes errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let p: Preset = parse_ron(text, origin)?;
        p.resolve().map_err(|e| e.context(origin))?;
        Ok(p)
    }

    /// Checks the fields every run shares, so their errors name the preset's own field.
    fn validate_shared(&self) -> std::result::Result<(), String> {
        if self.steps == 0 || self.steps > 1_000_000_000_000 {
            return Err(format!("steps: must be in 1..=10^12, got {}", self.steps));
        }
        // `seeds` gives every run its seeds: a `seed` beside it was silently ignored.
        if self.seed.is_some() && self.seeds.is_some() {
            return Err("seed: ignored beside seeds, which repeats every run once per seed; give one or the other (--set seeds=None drops a preset's seeds)".into());
        }
        let counts = [
            ("log_every", self.log_every),
            ("checkpoint_every", self.checkpoint_every),
            ("spectral_every", self.spectral_every),
            ("sample_every", self.sample_every),
        ];
        for (name, v) in counts {
            if v == Some(0) {
                return Err(format!("{name}: must be at least 1, got 0"));
            }
        }
        if let Some(p) = self.pace {
            if !(p.is_finite() && p > 0.0) {
                return Err(format!(
                    "pace: must be finite and > 0 iterations per second, got {p}"
                ));
            }
        }
        Ok(())
    }

    /// The fully resolved, validated config of every run (games are built to check them).
    pub fn resolve(&self) -> Result<Vec<RunConfig>> {
        if self.name.trim().is_empty() {
            return Err(Error::input("name: must not be empty"));
        }
        if self.runs.is_empty() {
            return Err(Error::input("runs: a preset needs at least one run"));
        }
        self.validate_shared().map_err(Error::input)?;
        let mut seen: Vec<String> = vec![];
        let mut out = vec![];
        for (i, r) in self.runs.iter().enumerate() {
            let at = |msg: String| {
                // `stop` is the preset's, not the run's; `rule` gave both players their rule.
                if msg.starts_with("stop.") {
                    return Error::input(msg);
                }
                let msg = match (&r.rule, msg.split_once(": ")) {
                    (Some(_), Some((p, rest))) if p == "rules.theta" || p == "rules.phi" => {
                        format!("rule: {rest}")
                    }
                    _ => msg,
                };
                Error::input(format!("runs[{i}] ({:?}): {msg}", r.name))
            };
            let id = sanitize(&r.name);
            if id.is_empty() {
                return Err(at("name: must contain an ASCII letter or digit (run directories are named with ASCII letters, digits and spelled-out Greek letters; other characters are dropped)".into()));
            }
            if let Some(j) = seen.iter().position(|s| *s == id) {
                return Err(at(format!(
                    "name: same as runs[{j}] ({:?}) once made safe for a directory name ({id:?})",
                    self.runs[j].name
                )));
            }
            seen.push(id);
            let rules = match (&r.rule, &r.rules) {
                (Some(_), Some(_)) => {
                    return Err(at(
                        "give either rule (both players) or rules (one per player), not both"
                            .into(),
                    ))
                }
                (Some(rule), None) => Players::both(rule.clone()),
                (None, Some(rules)) => rules.clone(),
                (None, None) => Players::both(Rule::gradient()),
            };
            let beta = match r.beta {
                Some(b) => b,
                None => {
                    let needs = [&rules.theta, &rules.phi]
                        .into_iter()
                        .find_map(|r| r.kind().needs_beta());
                    if let Some(why) = needs {
                        return Err(at(why.into()));
                    }
                    PerPlayer(Players::both(0.0))
                }
            };
            let steps = r.steps.unwrap_or(self.steps);
            let config = RunConfig {
                preset: self.name.clone(),
                name: r.name.clone(),
                seed: self.seed(),
                steps,
                game: match &r.start {
                    Some(start) => self.game.with_start(start.clone()),
                    None => self.game.clone(),
                },
                scheme: r.scheme.clone(),
                rules,
                field: r.field.clone(),
                wrap: r.wrap.clone(),
                eta: r.eta,
                beta,
                schedule: r.schedule,
                averaging: r.averaging.clone(),
                projection: r.projection,
                // 2000 rows over the run unless the preset says.
                log_every: self.log_every.unwrap_or((steps / 2000).max(1)),
                checkpoint_every: self
                    .checkpoint_every
                    .unwrap_or_else(|| super::config::default_checkpoint_every(steps)),
                spectral_every: self.spectral_every,
                sample_every: self.sample_every,
                stop: self.stop,
                pace: self.pace,
                score: self.score.clone(),
                keep_checkpoints: None,
            };
            config.validate().map_err(at)?;
            if let Some(score) = &config.score {
                score.check_files().map_err(at)?;
            }
            out.push(config);
        }
        // Every run plays the same game: building it once checks its dimensions and values
        // (and each run's own starting point, where it has one).
        self.game
            .check(self.seed())
            .map_err(|e| Error::input(format!("game: {e}")))?;
        for (i, (r, c)) in self.runs.iter().zip(&out).enumerate() {
            if r.start.is_some() && self.game.is_neural() {
                return Err(Error::input(format!(
                    "runs[{i}] ({:?}): start: a neural game starts from its seeded initialization; remove start",
                    r.name
                )));
            }
            if r.start.is_some() && !self.game.takes_start() {
                return Err(Error::input(format!(
                    "runs[{i}] ({:?}): start: the {} game has no start a run can change; remove start",
                    r.name,
                    self.game.kind()
                )));
            }
            if r.start.is_some() {
                c.game
                    .build(self.seed())
                    .map_err(|e| Error::input(format!("runs[{i}] ({:?}): {e}", r.name)))?;
            }
        }
        let out = match &self.seeds {
            None => out,
            Some(seeds) => {
                if seeds.is_empty() {
                    return Err(Error::input(
                        "seeds: give at least one seed, or remove seeds",
                    ));
                }
                if let Some((i, s)) = seeds
                    .iter()
                    .enumerate()
                    .find(|(i, s)| seeds[..*i].contains(s))
                {
                    return Err(Error::input(format!(
                        "seeds[{i}]: {s} is already in the list"
                    )));
                }
                out.iter()
                    .flat_map(|c| {
                        seeds.iter().map(move |&seed| RunConfig {
                            name: super::across_seeds::seeded_name(&c.name, seed),
                            seed,
                            ..c.clone()
                        })
                    })
                    .collect()
            }
        };
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A missing comma is placed after the value before it, across blank lines and `//`
    /// comments (a `//` inside a string is text); across a block comment the parser's place
    /// stands.
    #[test]
    fn a_missing_comma_is_placed_after_the_value_before_it() {
        let text = "(\n  name: \"a // b\" // c\n\n  steps: 1\n)";
        assert_eq!(end_of_previous_line(text, 4, 3), Some((2, 17)));
        let block = "(\n  steps: 1\n  /* a\n  b */\n  game: 2\n)";
        assert_eq!(end_of_previous_line(block, 5, 3), None);
        assert_eq!(end_of_previous_line("steps: 1 game", 1, 10), None);
    }

    /// Slips the parser reports in its grammar's words are named at the value and its field:
    /// `Simultaneous()` and `d_steps: 1.5` said "Expected comma", `eta: 0,1` "Found invalid std
    /// identifier", `d_steps: -2` "Integer is out of bounds".
    #[test]
    fn common_slips_are_named_at_their_field() {
        let run = |scheme: &str, eta: &str| {
            format!(
                r#"Preset(name: "p", steps: 10, game: Bilinear(dim: 1), runs: [Run(name: "a", scheme: {scheme}, eta: {eta})])"#
            )
        };
        let cases = [
            (
                run("Simultaneous()", "0.1"),
                "p.ron:1:84: runs[0].scheme: `Simultaneous` takes no fields: write `scheme: Simultaneous`",
            ),
            (
                run("Alternating(d_steps: 1.5)", "0.1"),
                "p.ron:1:105: runs[0].scheme.Alternating.d_steps: expected a whole number, got 1.5",
            ),
            (
                run("Simultaneous", "0,1"),
                "p.ron:1:103: runs[0].eta: `0,1` — a decimal comma? write 0.1",
            ),
            (
                run("Simultaneous", "(theta: 0,25, phi: 0.1)"),
                "p.ron:1:111: runs[0].eta.theta: `0,25` — a decimal comma? write 0.25",
            ),
            (
                run("Alternating(d_steps: -2)", "0.1"),
                "p.ron:1:105: runs[0].scheme.Alternating.d_steps: expected a whole number ≥ 0, got -2",
            ),
            (
                run("Alternating(d_steps: 5000000000)", "0.1"),
                "p.ron:1:105: runs[0].scheme.Alternating.d_steps: 5000000000 is too large for this field",
            ),
            (
                run("Simultaneous", "0.1 beta: 0.5"),
                "p.ron:1:107: runs[0]: a `,` is missing before `beta`",
            ),
        ];
        for (text, want) in cases {
            let e = Preset::parse(&text, "p.ron").unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert_eq!(e.message, want);
        }
    }

    #[test]
    fn seeds_repeat_every_run_once_per_seed() {
        let text = r#"Preset(name: "p", seeds: Some([3, 1]), steps: 10, game: Bilinear(dim: 1),
            runs: [Run(name: "a", scheme: Simultaneous, eta: 0.1), Run(name: "b", scheme: Alternating(d_steps: 1), eta: 0.2)])"#;
        let configs = Preset::parse(text, "p.ron").unwrap().resolve().unwrap();
        let got: Vec<(&str, u64, f64)> = configs
            .iter()
            .map(|c| (c.name.as_str(), c.seed, c.eta.0.theta))
            .collect();
        assert_eq!(
            got,
            [
                ("a seed=3", 3, 0.1),
                ("a seed=1", 1, 0.1),
                ("b seed=3", 3, 0.2),
                ("b seed=1", 1, 0.2)
            ]
        );
        let single = text.replace("seeds: Some([3, 1]), ", "seed: 9, ");
        let configs = Preset::parse(&single, "p.ron").unwrap().resolve().unwrap();
        assert_eq!(configs.iter().map(|c| c.seed).collect::<Vec<_>>(), [9, 9]);
        assert_eq!(configs[0].name, "a");
        let neither = text.replace("seeds: Some([3, 1]), ", "");
        let configs = Preset::parse(&neither, "p.ron").unwrap().resolve().unwrap();
        assert_eq!(configs.iter().map(|c| c.seed).collect::<Vec<_>>(), [0, 0]);
    }

    /// `seed` beside `seeds` is refused, naming `seed` (it was silently ignored), even when it
    /// is 0, the value an absent `seed` stands for.
    #[test]
    fn seed_beside_seeds_is_refused() {
        for seed in ["seed: 9, ", "seed: 0, "] {
            let text = format!(
                r#"Preset(name: "p", {seed}seeds: Some([3, 1]), steps: 10, game: Bilinear(dim: 1),
                runs: [Run(name: "a", scheme: Simultaneous, eta: 0.1)])"#
            );
            let e = Preset::parse(&text, "p.ron").unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(
                e.message
                    .starts_with("p.ron: seed: ignored beside seeds, which repeats every run"),
                "{}",
                e.message
            );
        }
    }
}
