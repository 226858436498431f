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
    /// Slurm job arrays, one task per member (several arrays past the cluster's
    /// MaxArraySize).
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
    /// Parses `PATH=V1,V2,…` given as a `--grid` flag; commas inside `[…]` belong to a list
    /// value. Refuses an empty path, an empty list or value, and a value given twice, naming
    /// the flag.
    pub fn parse(arg: &str) -> Result<Self> {
        Self::parse_bare(arg).map_err(|why| Error::input(format!("--grid {arg:?}: {why}")))
    }

    /// [`Axis::parse`] of entry `i` of a preset's `sweep.grid`; errors name the entry and its
    /// position as `grid` says.
    pub fn parse_entry(arg: &str, i: usize, grid: &GridSource) -> Result<Self> {
        Self::parse_bare(arg).map_err(|why| grid.blame(i, &format!("{arg:?}"), &why))
    }

    /// [`Axis::parse`] with the reason alone, for the caller to say where the axis was written.
    fn parse_bare(arg: &str) -> std::result::Result<Self, String> {
        // Split as `--set` splits: a run's name in brackets may hold `=`.
        let (path, list) = crate::run::overrides::split(arg)
            .map_err(|_| "expected PATH=V1,V2,…, e.g. runs[*].beta=-0.5,0,0.5".to_string())?;
        if list.is_empty() {
            return Err(format!("{path}: the list of values is empty"));
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
            return Err(format!("{path}: unbalanced brackets in the values"));
        }
        if let Some(i) = values.iter().position(String::is_empty) {
            return Err(format!(
                "{path}: value {} of {} is empty",
                i + 1,
                values.len()
            ));
        }
        if let Some((i, v)) = values
            .iter()
            .enumerate()
            .find(|(i, v)| values[..*i].contains(v))
        {
            return Err(format!(
                "{path}: value {v} is given twice (values {} and {})",
                values[..i].iter().position(|w| w == v).unwrap_or(0) + 1,
                i + 1
            ));
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

/// Where a sweep's grid axes were written, so that an error names what the user wrote: the
/// `--grid` flags, or the entries of a preset's `sweep.grid` at their `file:line:col`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum GridSource {
    /// `--grid` flags, in axis order.
    #[default]
    Flags,
    /// A preset's `sweep.grid`: `at` is the list's `file:line:col`, `entries[i]` entry i's.
    Section {
        /// `file:line:col` of the list.
        at: String,
        /// `file:line:col` of each entry, in axis order.
        entries: Vec<String>,
    },
}

impl GridSource {
    /// The grid of preset text whose `sweep:` section has `entries` grid entries, with their
    /// positions (see [`locate`]).
    pub fn section(text: &str, origin: &str, entries: usize) -> Self {
        GridSource::Section {
            at: locate(text, origin, Field::Grid),
            entries: (0..entries)
                .map(|i| locate(text, origin, Field::GridEntry(i)))
                .collect(),
        }
    }

    /// An error about axis `i`, of which `what` is the part at fault (`PATH=VALUE`, the path,
    /// the whole entry): `--grid WHAT: WHY` for a flag, `FILE:LINE:COL: sweep.grid[i]: WHAT:
    /// WHY` for a preset's entry.
    pub fn blame(&self, i: usize, what: &str, why: &str) -> Error {
        match self {
            GridSource::Flags => Error::input(format!("--grid {what}: {why}")),
            GridSource::Section { at, entries } => Error::input(format!(
                "{}: sweep.grid[{i}]: {what}: {why}",
                entries.get(i).unwrap_or(at)
            )),
        }
    }

    /// What a grid point (one value of every axis, `sets` as `PATH=VALUE`) of a preset from
    /// `origin` is called in front of an error that only the combination causes: `ORIGIN with
    /// --grid SETS`, or `FILE:LINE:COL: sweep.grid at SETS` (the list's position: no single
    /// entry is at fault).
    pub fn point(&self, origin: &str, sets: &[String]) -> String {
        match self {
            GridSource::Flags => format!("{origin} with --grid {}", sets.join(" ")),
            GridSource::Section { at, .. } => format!("{at}: sweep.grid at {}", sets.join(" ")),
        }
    }
}

/// Refuses two axes over the same path, naming the second as `grid` says.
pub fn check_axes(axes: &[Axis], grid: &GridSource) -> Result<()> {
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.path == a.path) {
            return Err(grid.blame(
                i,
                &a.path,
                "the same path is given twice (duplicate grid key)",
            ));
        }
    }
    Ok(())
}

/// Parses `--seeds`: `A..B` (A to B − 1), `A..=B` (A to B), or a comma-separated list; no
/// seed twice, at least one, at most 100 000. Errors name the flag.
pub fn parse_seeds(arg: &str) -> Result<Vec<u64>> {
    seeds_bare(arg).map_err(|why| Error::input(format!("--seeds {arg:?}: {why}")))
}

/// [`parse_seeds`] of a preset's `sweep.seeds`, written at `at` (`file:line:col`, see
/// [`locate`]); errors name the field and its position.
pub fn parse_section_seeds(arg: &str, at: &str) -> Result<Vec<u64>> {
    seeds_bare(arg).map_err(|why| Error::input(format!("{at}: sweep.seeds {arg:?}: {why}")))
}

/// [`parse_seeds`] with the reason alone.
fn seeds_bare(arg: &str) -> std::result::Result<Vec<u64>, String> {
    let num = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| "expected A..B, A..=B or a list like 0,3,7 of whole numbers".to_string())
    };
    let seeds: Vec<u64> = if let Some((a, b)) = arg.split_once("..=") {
        let (a, b) = (num(a)?, num(b)?);
        if b < a || b - a >= 100_000 {
            return Err("the range is empty or longer than 100000".into());
        }
        (a..=b).collect()
    } else if let Some((a, b)) = arg.split_once("..") {
        let (a, b) = (num(a)?, num(b)?);
        if b <= a || b - a > 100_000 {
            return Err("the range is empty (A..B runs A to B − 1) or longer than 100000".into());
        }
        (a..b).collect()
    } else {
        arg.split(',')
            .map(num)
            .collect::<std::result::Result<_, _>>()?
    };
    if let Some((i, s)) = seeds
        .iter()
        .enumerate()
        .find(|(i, s)| seeds[..*i].contains(s))
    {
        return Err(format!("seed {s} is given twice (position {})", i + 1));
    }
    Ok(seeds)
}

/// A field of a preset's `sweep:` section whose position [`locate`] finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The `grid` list.
    Grid,
    /// Entry i of the `grid` list.
    GridEntry(usize),
    /// The `seeds` string.
    Seeds,
    /// The `runs` list.
    Runs,
    /// Another field of the section, by its name (`jobs`, `name`, `steps`, `slurm`, …).
    Key(&'static str),
}

/// `origin:line:col` of `field`'s value in preset text (the first character of the value, as
/// the parser's own errors point), or `origin` alone where the text does not hold it: errors in
/// the sweep section come after the preset is read (a grid value is only wrong against the
/// preset's runs), so [`crate::run::ron_locate`] walks the text again to the field.
pub fn locate(text: &str, origin: &str, field: Field) -> String {
    use crate::run::ron_locate::{self, Seg};
    let key = |k: &str| Seg::Key(k.into());
    let path = match field {
        Field::Grid => vec![key("sweep"), key("grid")],
        Field::GridEntry(i) => vec![key("sweep"), key("grid"), Seg::Index(i)],
        Field::Seeds => vec![key("sweep"), key("seeds")],
        Field::Runs => vec![key("sweep"), key("runs")],
        Field::Key(k) => vec![key("sweep"), key(k)],
    };
    match ron_locate::locate(text, &path) {
        Some((line, col)) => format!("{origin}:{line}:{col}"),
        None => origin.to_string(),
    }
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
            check_axes(&axes, &GridSource::Flags).unwrap_err().message,
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

    /// A preset whose section spreads its fields over lines, with a comment and `Some(…)`.
    const LOCATED: &str = "Preset(name: \"p\", steps: 5, game: Bilinear(dim: 1),\n  runs: [Run(name: \"a\", scheme: Simultaneous, eta: 0.1)],\n  sweep: Some((\n    runs: [\"a\"],\n    grid: [\"runs[*].eta=0.1\", // first\n      \"runs[*].bogus=1\"],\n    seeds:   \"5..2\",\n  )),\n)";

    #[test]
    fn fields_of_the_section_are_located_where_their_values_start() {
        let at = |f| locate(LOCATED, "p.ron", f);
        assert_eq!(at(Field::Runs), "p.ron:4:11");
        assert_eq!(at(Field::Grid), "p.ron:5:11");
        assert_eq!(at(Field::GridEntry(0)), "p.ron:5:12");
        assert_eq!(at(Field::GridEntry(1)), "p.ron:6:7");
        assert_eq!(at(Field::Seeds), "p.ron:7:14");
        // Not there: the file alone, never a wrong position.
        assert_eq!(at(Field::GridEntry(2)), "p.ron");
        assert_eq!(
            locate(
                "Preset(name: \"p\", sweep: (jobs: 2))",
                "p.ron",
                Field::Seeds
            ),
            "p.ron"
        );
        assert_eq!(locate("Preset(name: \"p\")", "p.ron", Field::Grid), "p.ron");
        // The section written bare (implicitly Some) is entered as well.
        let bare = "Preset(sweep: (seeds: \"0..2\"), name: \"p\")";
        assert_eq!(locate(bare, "q.ron", Field::Seeds), "q.ron:1:23");
    }

    #[test]
    fn errors_in_the_section_name_the_entry_and_its_position_not_a_flag() {
        let grid = GridSource::section(LOCATED, "p.ron", 2);
        let e = Axis::parse_entry("runs[*].eta=", 0, &grid).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.message,
            "p.ron:5:12: sweep.grid[0]: \"runs[*].eta=\": runs[*].eta: the list of values is empty"
        );
        let axes = [
            Axis::parse("steps=1,2").unwrap(),
            Axis::parse("steps=3").unwrap(),
        ];
        assert_eq!(
            check_axes(&axes, &grid).unwrap_err().message,
            "p.ron:6:7: sweep.grid[1]: steps: the same path is given twice (duplicate grid key)"
        );
        assert_eq!(
            grid.point("p.ron", &["steps=1".into(), "steps=3".into()]),
            "p.ron:5:11: sweep.grid at steps=1 steps=3"
        );
        let e = parse_section_seeds("5..2", &locate(LOCATED, "p.ron", Field::Seeds)).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.message
                .starts_with("p.ron:7:14: sweep.seeds \"5..2\": the range is empty"),
            "{e}"
        );
        // The same mistakes as flags keep naming the flags.
        assert!(parse_seeds("5..2")
            .unwrap_err()
            .message
            .starts_with("--seeds \"5..2\": the range is empty"));
        assert_eq!(
            GridSource::Flags.point("p.ron", &["steps=1".into()]),
            "p.ron with --grid steps=1"
        );
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
