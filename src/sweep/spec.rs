//! What a sweep asks for: grid axes (`PATH=V1,V2,…`, the paths `--set` takes), seeds
//! (`A..B`, `A..=B` or `0,3,7`), which runs, which executor; written as a preset's
//! `sweep: (…)` section or as flags of `saddle sweep`, in the same syntax.

use crate::error::{Error, Result};
use crate::run::preset::parse_ron;
use serde::{Deserialize, Serialize};

/// Where members run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Executor {
    /// A bounded pool of member processes on this machine.
    #[default]
    Local,
    /// One Slurm job array, one task per member.
    Slurm,
}

impl Executor {
    /// The word used in files and flags.
    pub fn as_str(self) -> &'static str {
        match self {
            Executor::Local => "local",
            Executor::Slurm => "slurm",
        }
    }
}

/// Slurm settings of a sweep: `#SBATCH` options and the warning before a time limit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlurmSection {
    /// `#SBATCH` options, one each: `["--partition=gpu", "--time=02:00:00", "--gres=gpu:1"]`.
    #[serde(default)]
    pub args: Vec<String>,
    /// Seconds before the time limit at which a member is told to checkpoint and requeue
    /// (`--signal=B:USR1@GRACE`); default 90.
    #[serde(default)]
    pub grace: Option<u64>,
}

/// The default of [`SlurmSection::grace`].
pub const DEFAULT_GRACE: u64 = 90;

/// Options sbatch gets from saddle itself; a user's `--slurm-arg` may not set them.
const RESERVED_SBATCH: [&str; 9] = [
    "--array",
    "--output",
    "--error",
    "--open-mode",
    "--signal",
    "--requeue",
    "--no-requeue",
    "--job-name",
    "--parsable",
];

impl SlurmSection {
    /// Checks every option: `--name[=value]`, one line, none of the ones saddle sets itself.
    pub fn validate(&self) -> std::result::Result<(), String> {
        for a in &self.args {
            let name = a.split('=').next().unwrap_or_default();
            if !a.starts_with("--") || name.len() < 3 || a.contains(['\n', '\r']) {
                return Err(format!(
                    "slurm argument {a:?}: expected a long sbatch option, e.g. --partition=gpu or --time=02:00:00"
                ));
            }
            if RESERVED_SBATCH.contains(&name) {
                return Err(format!(
                    "slurm argument {a:?}: saddle sets {name} itself (array, logs, requeue and the USR1 warning; the warning's lead time is `grace`)"
                ));
            }
        }
        if self.grace == Some(0) {
            return Err("slurm grace: must be at least 1 second".into());
        }
        Ok(())
    }
}

/// A preset's `sweep: (…)` section: every field is optional and a flag of `saddle sweep`
/// overrides it (`--grid` flags replace its whole grid).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSection {
    /// Grid axes, each `"PATH=V1,V2,…"` as `--grid` takes them; several make a product.
    #[serde(default)]
    pub grid: Vec<String>,
    /// Seeds: `"0..16"` (16 seeds, 0 to 15), `"0..=15"` or `"0,3,7"` (default: the preset's).
    #[serde(default)]
    pub seeds: Option<String>,
    /// Only these runs of the preset (by name).
    #[serde(default)]
    pub runs: Option<Vec<String>>,
    /// Iterations per member (default: the preset's).
    #[serde(default)]
    pub steps: Option<u64>,
    /// Where members run (default local).
    #[serde(default)]
    pub executor: Option<Executor>,
    /// Members at once (local default: one per core; Slurm default: no limit).
    #[serde(default)]
    pub jobs: Option<usize>,
    /// Name used in the sweep's id (default: the preset's name).
    #[serde(default)]
    pub name: Option<String>,
    /// Checkpoints each member keeps (default 1: the newest only).
    #[serde(default)]
    pub keep_checkpoints: Option<u64>,
    /// Slurm options.
    #[serde(default)]
    pub slurm: Option<SlurmSection>,
}

/// The part of a preset file the sweep layer reads (every other field is the run engine's).
#[derive(Deserialize)]
#[serde(rename = "Preset")]
struct SectionOnly {
    #[serde(default)]
    sweep: Option<SweepSection>,
}

impl SweepSection {
    /// The `sweep:` section of preset text (None when there is none); syntax errors are
    /// `origin:line:col: path: message`.
    pub fn from_preset(text: &str, origin: &str) -> Result<Option<Self>> {
        let s: SectionOnly = parse_ron(text, origin)?;
        Ok(s.sweep)
    }
}

/// One grid axis: a field path and the values it takes, as given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// The path, as `--set` takes it (`runs[*].beta.phi`, `game.dim`).
    pub path: String,
    /// The values, each as `--set` takes one (a number, a word, a JSON list).
    pub values: Vec<String>,
}

impl Axis {
    /// Parses `PATH=V1,V2,…`; commas inside `[…]` belong to a list value. Refuses an empty
    /// path, an empty list or value, and a value given twice.
    pub fn parse(arg: &str) -> Result<Self> {
        let bad = |why: String| Error::input(format!("--grid {arg:?}: {why}"));
        let (path, list) = arg
            .split_once('=')
            .map(|(p, v)| (p.trim(), v.trim()))
            .filter(|(p, _)| !p.is_empty())
            .ok_or_else(|| bad("expected PATH=V1,V2,…, e.g. runs[*].beta=-0.5,0,0.5".into()))?;
        if list.is_empty() {
            return Err(bad(format!("{path}: the list of values is empty")));
        }
        let mut values: Vec<String> = vec![];
        let (mut depth, mut cur) = (0i32, String::new());
        for c in list.chars() {
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' => depth -= 1,
                _ => {}
            }
            if c == ',' && depth == 0 {
                values.push(cur.trim().to_string());
                cur.clear();
            } else {
                cur.push(c);
            }
        }
        values.push(cur.trim().to_string());
        if depth != 0 {
            return Err(bad(format!("{path}: unbalanced brackets in the values")));
        }
        if let Some(i) = values.iter().position(String::is_empty) {
            return Err(bad(format!(
                "{path}: value {} of {} is empty",
                i + 1,
                values.len()
            )));
        }
        if let Some((i, v)) = values
            .iter()
            .enumerate()
            .find(|(i, v)| values[..*i].contains(v))
        {
            return Err(bad(format!(
                "{path}: value {v} is given twice (values {} and {})",
                values[..i].iter().position(|w| w == v).unwrap_or(0) + 1,
                i + 1
            )));
        }
        Ok(Axis {
            path: path.to_string(),
            values,
        })
    }

    /// The label of this axis in member names: the path without a leading `runs[*].`.
    pub fn label(&self) -> &str {
        self.path.strip_prefix("runs[*].").unwrap_or(&self.path)
    }
}

/// Refuses two axes over the same path.
pub fn check_axes(axes: &[Axis]) -> Result<()> {
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.path == a.path) {
            return Err(Error::input(format!(
                "--grid {}: the same path is given twice (duplicate grid key)",
                a.path
            )));
        }
    }
    Ok(())
}

/// Parses `--seeds`: `A..B` (A to B − 1), `A..=B` (A to B), or a comma-separated list; no
/// seed twice, at least one, at most 100 000.
pub fn parse_seeds(arg: &str) -> Result<Vec<u64>> {
    let bad = |why: &str| Error::input(format!("--seeds {arg:?}: {why}"));
    let num = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| bad("expected A..B, A..=B or a list like 0,3,7 of whole numbers"))
    };
    let seeds: Vec<u64> = if let Some((a, b)) = arg.split_once("..=") {
        let (a, b) = (num(a)?, num(b)?);
        if b < a || b - a >= 100_000 {
            return Err(bad("the range is empty or longer than 100000"));
        }
        (a..=b).collect()
    } else if let Some((a, b)) = arg.split_once("..") {
        let (a, b) = (num(a)?, num(b)?);
        if b <= a || b - a > 100_000 {
            return Err(bad(
                "the range is empty (A..B runs A to B − 1) or longer than 100000",
            ));
        }
        (a..b).collect()
    } else {
        arg.split(',').map(num).collect::<Result<_>>()?
    };
    if let Some((i, s)) = seeds
        .iter()
        .enumerate()
        .find(|(i, s)| seeds[..*i].contains(s))
    {
        return Err(bad(&format!(
            "seed {s} is given twice (position {})",
            i + 1
        )));
    }
    Ok(seeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_split_on_top_level_commas_only() {
        let a = Axis::parse("runs[*].beta.phi=-0.5, 0,0.5").unwrap();
        assert_eq!(a.path, "runs[*].beta.phi");
        assert_eq!(a.values, ["-0.5", "0", "0.5"]);
        assert_eq!(a.label(), "beta.phi");
        let a = Axis::parse("game.matrix=[1.0,0.5],[2.0,0.1]").unwrap();
        assert_eq!(a.values, ["[1.0,0.5]", "[2.0,0.1]"]);
    }

    #[test]
    fn bad_axes_name_the_path() {
        let msg = |s: &str| Axis::parse(s).unwrap_err().message;
        assert_eq!(
            msg("runs[*].eta="),
            "--grid \"runs[*].eta=\": runs[*].eta: the list of values is empty"
        );
        assert_eq!(
            msg("runs[*].eta=0.1,,0.2"),
            "--grid \"runs[*].eta=0.1,,0.2\": runs[*].eta: value 2 of 3 is empty"
        );
        assert_eq!(
            msg("runs[*].eta=0.1,0.2,0.1"),
            "--grid \"runs[*].eta=0.1,0.2,0.1\": runs[*].eta: value 0.1 is given twice (values 1 and 3)"
        );
        assert!(msg("eta").contains("expected PATH=V1,V2"));
        assert!(msg("x=[1,2").contains("unbalanced"));
        let axes = [
            Axis::parse("steps=1,2").unwrap(),
            Axis::parse("steps=3").unwrap(),
        ];
        assert_eq!(
            check_axes(&axes).unwrap_err().message,
            "--grid steps: the same path is given twice (duplicate grid key)"
        );
    }

    #[test]
    fn seeds_as_ranges_and_lists() {
        assert_eq!(parse_seeds("0..4").unwrap(), [0, 1, 2, 3]);
        assert_eq!(parse_seeds("2..=4").unwrap(), [2, 3, 4]);
        assert_eq!(parse_seeds("0,3, 7").unwrap(), [0, 3, 7]);
        assert!(parse_seeds("4..4").is_err());
        assert!(parse_seeds("1,x").is_err());
        assert!(parse_seeds("1,2,1")
            .unwrap_err()
            .message
            .contains("seed 1 is given twice"));
    }

    #[test]
    fn the_section_is_read_from_the_preset_with_positions() {
        let text = "Preset(name: \"p\", steps: 5, game: Bilinear(dim: 2, matrix: SingularValues([1.0, 0.5])),\n  runs: [Run(name: \"a\", scheme: Simultaneous, eta: 0.1)],\n  sweep: (grid: [\"runs[*].eta=0.1,0.2\"], seeds: \"0..3\", executor: Slurm, slurm: (args: [\"--time=1:00:00\"])),\n)";
        let s = SweepSection::from_preset(text, "p.ron").unwrap().unwrap();
        assert_eq!(s.grid, ["runs[*].eta=0.1,0.2"]);
        assert_eq!(s.seeds.as_deref(), Some("0..3"));
        assert_eq!(s.executor, Some(Executor::Slurm));
        assert_eq!(s.slurm.unwrap().args, ["--time=1:00:00"]);
        let bad = text.replace("seeds:", "sedes:");
        let e = SweepSection::from_preset(&bad, "p.ron").unwrap_err();
        assert!(
            e.message.starts_with("p.ron:3:42: sweep.sedes: ")
                && e.message.contains("Unexpected field named `sedes`"),
            "{e}"
        );
        assert_eq!(
            SweepSection::from_preset("Preset(name: \"p\")", "p").unwrap(),
            None
        );
        // The run engine reads the same file and skips the section.
        let p = crate::run::Preset::parse(text, "p.ron").unwrap();
        assert_eq!(p.runs.len(), 1);
    }

    #[test]
    fn slurm_options_saddle_sets_itself_are_refused() {
        let s = |a: &str| SlurmSection {
            args: vec![a.into()],
            grace: None,
        };
        assert!(s("--partition=gpu").validate().is_ok());
        assert!(s("--array=0-3")
            .validate()
            .unwrap_err()
            .contains("saddle sets --array"));
        assert!(s("-p gpu")
            .validate()
            .unwrap_err()
            .contains("long sbatch option"));
    }
}
