//! Members = the preset's runs × grid points × seeds, each a fully resolved run config.
//!
//! A grid value replaces its field through the one entry point of `--set`
//! ([`crate::run::overrides::apply`]), so a grid path is exactly a `--set` path; `seeds`
//! replace the preset's own. The runs picked (`--runs`) are picked first: the grid reaches
//! only them (`runs[*]` is every run picked, `runs[2]` and `runs[name]` still name a run of
//! the preset), and a run left out is never checked against values it will not take. A sweep
//! never holds two members with the same resolved config: when a substitution makes two runs
//! identical it is refused, naming them.

use super::spec::{Axis, GridSource};
use crate::error::{Error, Result};
use crate::run::across_seeds::seeded_name;
use crate::run::ident::sanitize;
use crate::run::{overrides, Preset, RunConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One configuration: a run of the preset at one grid point (its members differ only in seed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    /// Its number, from 0, in member order.
    pub index: usize,
    /// The preset run's name.
    pub run: String,
    /// (path, value) of each grid axis, in axis order.
    pub grid: Vec<(String, String)>,
    /// `<run> <label>=<value> …`: the members' name without ` seed=N`.
    pub label: String,
}

/// A member before it has a directory.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    /// Its configuration's index.
    pub configuration: usize,
    /// Its seed.
    pub seed: u64,
    /// Its resolved config (name `<label> seed=<N>`).
    pub config: RunConfig,
}

/// What a sweep will run: configurations and members (configuration-major, seed-minor).
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Runs × grid points.
    pub configurations: Vec<Configuration>,
    /// Configurations × seeds.
    pub members: Vec<Planned>,
}

/// Everything [`plan`] needs besides the preset.
pub struct Request<'a> {
    /// Grid axes (checked for duplicate paths).
    pub axes: &'a [Axis],
    /// Seeds (None: the preset's `seeds`, else its `seed`).
    pub seeds: Option<&'a [u64]>,
    /// Where the axes were written (errors name the flags, or the preset's entries).
    pub grid: &'a GridSource,
    /// Only these runs (None: all).
    pub runs: Option<&'a [String]>,
    /// `file:line:col` of the preset's `sweep.runs` when the runs were picked there (None:
    /// by `--runs`, or not picked).
    pub runs_at: Option<&'a str>,
    /// Iterations per member (None: the preset's).
    pub steps: Option<u64>,
    /// Checkpoints each member keeps.
    pub keep_checkpoints: u64,
    /// The most members the sweep may have (see [`MAX_MEMBERS`]).
    pub max_members: u64,
}

/// Members a sweep may have unless `--max-members` says more: a typo in a grid (two axes of a
/// thousand values) must not make a million run directories before anyone can stop it.
pub const MAX_MEMBERS: u64 = 10_000;

/// Every grid point: the cartesian product of the axes, the first axis slowest.
fn grid_points(axes: &[Axis]) -> Vec<Vec<(String, String)>> {
    let mut points: Vec<Vec<(String, String)>> = vec![vec![]];
    for a in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                a.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push((a.path.clone(), v.clone()));
                    q
                })
            })
            .collect();
    }
    points
}

/// `--set`'s message for one `PATH=VALUE` without its own `--set …:` prefix.
fn without_set_prefix(message: &str, set: &str) -> String {
    message
        .strip_prefix(&format!("--set {set}: "))
        .unwrap_or(message)
        .to_string()
}

/// The preset's runs to sweep, as indices in the preset, ascending (`names` None: all).
fn picked(
    preset: &Preset,
    origin: &str,
    names: Option<&[String]>,
    at: Option<&str>,
) -> Result<Vec<usize>> {
    let Some(names) = names else {
        return Ok((0..preset.runs.len()).collect());
    };
    let mut out = vec![];
    for n in names {
        let i = preset
            .runs
            .iter()
            .position(|r| r.name == *n || sanitize(&r.name) == sanitize(n))
            .ok_or_else(|| {
                let all: Vec<&str> = preset.runs.iter().map(|r| r.name.as_str()).collect();
                let field = match at {
                    Some(at) => format!("{at}: sweep.runs"),
                    None => "--runs".into(),
                };
                Error::input(format!(
                    "{field}: no run named {n:?} in {origin} (its runs: {})",
                    all.join(", ")
                ))
            })?;
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// `path` made to reach the preset with only the runs `picked` (indices in the preset): a
/// leading `runs[N]` or `runs[name]` naming a run of the preset becomes its index among the
/// picked ones; Err names a run that was not picked. Other paths are unchanged (`runs[*]`
/// already means every run there is, and a name that is no run's is `--set`'s to refuse).
fn among_picked(
    path: &str,
    preset: &Preset,
    picked: &[usize],
) -> std::result::Result<String, String> {
    let Some((ix, rest)) = path
        .strip_prefix("runs[")
        .and_then(|r| r.split_once(']'))
        .filter(|(ix, _)| *ix != "*")
    else {
        return Ok(path.to_string());
    };
    let run = match ix.parse::<usize>() {
        Ok(i) => (i < preset.runs.len()).then_some(i),
        Err(_) => preset
            .runs
            .iter()
            .position(|r| r.name == ix || sanitize(&r.name) == sanitize(ix)),
    };
    let Some(run) = run else {
        return Ok(path.to_string());
    };
    match picked.iter().position(|&i| i == run) {
        Some(k) => Ok(format!("runs[{k}]{rest}")),
        None => Err(format!(
            "runs[{ix}] ({:?}) is not one of the runs picked",
            preset.runs[run].name
        )),
    }
}

/// A message about the preset with only the runs `picked`, with a leading `runs[k]` turned
/// back into the run's index in the preset (the one the user reads in the file).
fn in_preset_indices(message: &str, picked: &[usize]) -> String {
    let back = message
        .strip_prefix("runs[")
        .and_then(|r| r.split_once(']'))
        .and_then(|(k, rest)| Some((picked.get(k.parse::<usize>().ok()?)?, rest)));
    match back {
        Some((i, rest)) => format!("runs[{i}]{rest}"),
        None => message.to_string(),
    }
}

/// Expands a preset (already overridden by `--set`, `--steps`) into the sweep's members.
pub fn plan(preset: &Preset, origin: &str, req: &Request) -> Result<Plan> {
    super::spec::check_axes(req.axes, req.grid)?;
    if req.keep_checkpoints == 0 {
        return Err(Error::input("--keep-checkpoints: must be at least 1"));
    }
    let chosen = picked(preset, origin, req.runs, req.runs_at)?;
    let full = preset;
    let preset = &Preset {
        runs: chosen.iter().map(|&i| full.runs[i].clone()).collect(),
        ..full.clone()
    };
    // Each axis's paths as they reach the picked runs, index by index with the axes.
    let mut reach: Vec<String> = vec![];
    for (k, a) in req.axes.iter().enumerate() {
        reach.push(
            among_picked(&a.path, full, &chosen).map_err(|why| req.grid.blame(k, &a.path, &why))?,
        );
    }
    // Each value alone first, so a bad path or value is named exactly.
    for (k, a) in req.axes.iter().enumerate() {
        for v in &a.values {
            let set = format!("{}={v}", reach[k]);
            overrides::apply(preset, std::slice::from_ref(&set)).map_err(|e| {
                req.grid.blame(
                    k,
                    &format!("{}={v}", a.path),
                    &in_preset_indices(&without_set_prefix(&e.message, &set), &chosen),
                )
            })?;
        }
    }
    let seeds: Vec<u64> = match (req.seeds, &preset.seeds) {
        (Some(s), _) => s.to_vec(),
        (None, Some(s)) => s.clone(),
        (None, None) => vec![preset.seed()],
    };
    if seeds.is_empty() {
        return Err(Error::input("--seeds: give at least one seed"));
    }
    // Counted before any configuration is resolved: resolving a million takes minutes.
    let grid: u64 = req
        .axes
        .iter()
        .fold(1u64, |n, a| n.saturating_mul(a.values.len() as u64));
    let count = (chosen.len() as u64)
        .saturating_mul(grid)
        .saturating_mul(seeds.len() as u64);
    if count > req.max_members {
        return Err(Error::input(format!(
            "this sweep would have {count} members ({} run(s) × {grid} grid point(s) × {} seed(s)), more than {}: nothing was made; give --max-members {count} to run it",
            chosen.len(),
            seeds.len(),
            req.max_members
        )));
    }
    let points = grid_points(req.axes);
    // configs[point][picked run]
    let mut resolved: Vec<Vec<RunConfig>> = vec![];
    for point in &points {
        let given: Vec<String> = point.iter().map(|(p, v)| format!("{p}={v}")).collect();
        let sets: Vec<String> = point
            .iter()
            .zip(&reach)
            .map(|((_, v), p)| format!("{p}={v}"))
            .collect();
        let mut p = overrides::apply(preset, &sets).map_err(|e| {
            let why = without_set_prefix(&e.message, &sets.join(" --set "));
            Error::input(format!(
                "{}: {}",
                req.grid.point(origin, &given),
                in_preset_indices(&why, &chosen)
            ))
        })?;
        p.seeds = None;
        if let Some(n) = req.steps {
            p.steps = n;
            p.runs.iter_mut().for_each(|r| r.steps = None);
        }
        let configs = p.resolve().map_err(|mut e| {
            e.message = in_preset_indices(&e.message, &chosen);
            let at = if given.is_empty() {
                origin.to_string()
            } else {
                req.grid.point(origin, &given)
            };
            e.context(at)
        })?;
        resolved.push(configs);
    }
    let mut configurations = vec![];
    let mut members = vec![];
    for (r, run) in preset.runs.iter().enumerate() {
        for (g, point) in points.iter().enumerate() {
            let base = &resolved[g][r];
            let axis_labels: String = point
                .iter()
                .zip(req.axes)
                .map(|((_, v), a)| format!(" {}={v}", a.label()))
                .collect();
            let configuration = Configuration {
                index: configurations.len(),
                run: run.name.clone(),
                grid: point.clone(),
                label: format!("{}{axis_labels}", run.name),
            };
            for &seed in &seeds {
                members.push(Planned {
                    configuration: configuration.index,
                    seed,
                    config: RunConfig {
                        name: seeded_name(&configuration.label, seed),
                        seed,
                        keep_checkpoints: Some(req.keep_checkpoints),
                        ..base.clone()
                    },
                });
            }
            configurations.push(configuration);
        }
    }
    refuse_identical(&members)?;
    Ok(Plan {
        configurations,
        members,
    })
}

/// Refuses two members whose configs differ only in their names.
fn refuse_identical(members: &[Planned]) -> Result<()> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, m) in members.iter().enumerate() {
        let key = RunConfig {
            name: String::new(),
            ..m.config.clone()
        }
        .to_ron();
        if let Some(&j) = seen.get(&key) {
            return Err(Error::input(format!(
                "members {j} ({:?}) and {i} ({:?}) would be the same run: the grid makes their configs identical; leave that path out of the grid or pick runs with --runs NAME,…",
                members[j].config.name, m.config.name
            )));
        }
        seen.insert(key, i);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = r#"Preset(name: "p", steps: 10, seeds: Some([5, 6]), game: Bilinear(dim: 2),
        runs: [Run(name: "sim", scheme: Simultaneous, eta: 0.1),
               Run(name: "alt hb", scheme: Alternating(d_steps: 1), rule: HeavyBall, eta: 0.1, beta: -0.5)])"#;

    fn req<'a>(axes: &'a [Axis], seeds: Option<&'a [u64]>) -> Request<'a> {
        Request {
            axes,
            seeds,
            grid: &GridSource::Flags,
            runs: None,
            runs_at: None,
            steps: None,
            keep_checkpoints: 1,
            max_members: MAX_MEMBERS,
        }
    }

    /// The count is checked before anything is resolved, with the product that made it.
    #[test]
    fn a_sweep_over_the_member_limit_is_refused() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let axes = [Axis {
            path: "runs[*].eta".into(),
            values: vec!["0.1".into(), "0.2".into(), "0.3".into()],
        }];
        let r = Request {
            max_members: 11,
            ..req(&axes, Some(&[0, 1]))
        };
        let e = plan(&p, "p.ron", &r).unwrap_err().message;
        assert!(
            e.contains("12 members (2 run(s) × 3 grid point(s) × 2 seed(s)), more than 11")
                && e.contains("--max-members 12"),
            "{e}"
        );
        let r = Request {
            max_members: 12,
            ..req(&axes, Some(&[0, 1]))
        };
        assert_eq!(plan(&p, "p.ron", &r).unwrap().members.len(), 12);
    }

    #[test]
    fn runs_times_grid_times_seeds_in_order() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let axes = [
            Axis::parse("runs[*].eta=0.1,0.2").unwrap(),
            Axis::parse("steps=10,20,30").unwrap(),
        ];
        let plan = super::plan(&p, "p.ron", &req(&axes, Some(&[0, 1]))).unwrap();
        assert_eq!(plan.configurations.len(), 2 * 2 * 3);
        assert_eq!(plan.members.len(), 24);
        let m = &plan.members[0].config;
        assert_eq!(m.name, "sim eta=0.1 steps=10 seed=0");
        assert_eq!((m.seed, m.steps, m.eta.0.theta), (0, 10, 0.1));
        assert_eq!(m.keep_checkpoints, Some(1));
        let m = &plan.members[23].config;
        assert_eq!(m.name, "alt hb eta=0.2 steps=30 seed=1");
        assert_eq!(
            (m.seed, m.steps, m.eta.0.phi, m.beta.0.phi),
            (1, 30, 0.2, -0.5)
        );
        assert_eq!(
            plan.configurations[5].grid[1],
            ("steps".into(), "30".into())
        );
        // Without --seeds, the preset's own seeds.
        let plan2 = super::plan(&p, "p.ron", &req(&[], None)).unwrap();
        let seeds: Vec<u64> = plan2.members.iter().map(|m| m.seed).collect();
        assert_eq!(seeds, [5, 6, 5, 6]);
    }

    #[test]
    fn bad_grids_name_the_path() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let err = |g: &str| {
            let axes = [Axis::parse(g).unwrap()];
            plan(&p, "p.ron", &req(&axes, None)).unwrap_err()
        };
        let e = err("runs[*].etaa=0.1,0.2");
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.message.starts_with("--grid runs[*].etaa=0.1: ")
                && e.message.contains("unknown field `etaa`"),
            "{e}"
        );
        let e = err("runs[*].scheme=Simultaneous,Sideways");
        assert!(
            e.message.starts_with("--grid runs[*].scheme=Sideways: ")
                && e.message.contains("unknown variant `Sideways`"),
            "{e}"
        );
        let e = err("steps=ten");
        assert!(e.message.starts_with("--grid steps=ten: "), "{e}");
        // A value of the right type that the preset's validation refuses names the grid point.
        let e = err("runs[*].eta=0.1,-1");
        assert!(
            e.message.starts_with("p.ron with --grid runs[*].eta=-1: "),
            "{e}"
        );
    }

    #[test]
    fn a_grid_that_makes_two_runs_identical_is_refused_unless_runs_are_picked() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let axes = [
            Axis::parse("runs[*].scheme=Simultaneous").unwrap(),
            Axis::parse("runs[*].rule=HeavyBall").unwrap(),
            Axis::parse("runs[*].beta=0.3").unwrap(),
        ];
        let e = plan(&p, "p.ron", &req(&axes, Some(&[0]))).unwrap_err();
        assert_eq!(
            e.message,
            "members 0 (\"sim scheme=Simultaneous rule=HeavyBall beta=0.3 seed=0\") and 1 (\"alt hb scheme=Simultaneous rule=HeavyBall beta=0.3 seed=0\") would be the same run: the grid makes their configs identical; leave that path out of the grid or pick runs with --runs NAME,…"
        );
        let runs = ["alt-hb".to_string()];
        let r = Request {
            runs: Some(&runs),
            ..req(&axes, Some(&[0]))
        };
        let ok = plan(&p, "p.ron", &r).unwrap();
        assert_eq!(ok.members.len(), 1);
        assert_eq!(ok.configurations[0].run, "alt hb");
        let unknown = ["nope".to_string()];
        let r = Request {
            runs: Some(&unknown),
            ..req(&axes, None)
        };
        assert!(plan(&p, "p.ron", &r)
            .unwrap_err()
            .message
            .contains("no run named \"nope\" in p.ron (its runs: sim, alt hb)"));
    }

    /// `--runs` is applied before the grid: `runs[*]` reaches only the runs picked, so a value
    /// that a run left out could not take (β on a plain gradient run) does not refuse the sweep.
    #[test]
    fn the_grid_reaches_only_the_runs_picked() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let axes = [
            Axis::parse("runs[*].eta=0.1,0.2").unwrap(),
            Axis::parse("runs[*].beta.phi=-0.5,-0.3").unwrap(),
        ];
        let e = plan(&p, "p.ron", &req(&axes, Some(&[0]))).unwrap_err();
        assert!(
            e.message.starts_with(
                "p.ron with --grid runs[*].eta=0.1 runs[*].beta.phi=-0.5: runs[0] (\"sim\"): beta"
            ),
            "{e}"
        );
        let alt = ["alt hb".to_string()];
        let r = Request {
            runs: Some(&alt),
            ..req(&axes, Some(&[0, 1]))
        };
        let ok = plan(&p, "p.ron", &r).unwrap();
        assert_eq!(ok.members.len(), 2 * 2 * 2);
        let labels: Vec<&str> = ok.configurations.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "alt hb eta=0.1 beta.phi=-0.5",
                "alt hb eta=0.1 beta.phi=-0.3",
                "alt hb eta=0.2 beta.phi=-0.5",
                "alt hb eta=0.2 beta.phi=-0.3"
            ]
        );
        let m = &ok.members[7].config;
        assert_eq!(
            (m.eta.0.phi, m.beta.0.phi, m.beta.0.theta),
            (0.2, -0.3, -0.5)
        );
    }

    /// Paths that name one run keep naming it in the preset when runs are picked, and
    /// messages give the preset's indices.
    #[test]
    fn a_run_named_by_index_or_name_is_the_presets_among_the_picked() {
        let p = Preset::parse(P, "p.ron").unwrap();
        let alt = ["alt hb".to_string()];
        let with = |g: &str| {
            let axes = [Axis::parse(g).unwrap()];
            let r = Request {
                runs: Some(&alt),
                ..req(&axes, Some(&[0]))
            };
            plan(&p, "p.ron", &r)
        };
        let by_index = with("runs[1].eta=0.3").unwrap();
        assert_eq!(by_index.members[0].config.eta.0.theta, 0.3);
        assert_eq!(by_index.configurations[0].label, "alt hb runs[1].eta=0.3");
        let by_name = with("runs[alt-hb].eta=0.3").unwrap();
        assert_eq!(by_name.members[0].config.eta.0.theta, 0.3);
        assert_eq!(
            with("runs[0].eta=0.3").unwrap_err().message,
            "--grid runs[0].eta: runs[0] (\"sim\") is not one of the runs picked"
        );
        let e = with("runs[*].eta=fast").unwrap_err();
        assert!(
            e.message
                .starts_with("--grid runs[*].eta=fast: runs[1].eta: "),
            "the preset's index of the run, not its place among the picked: {e}"
        );
        let e = with("runs[*].eta=-1").unwrap_err();
        assert!(
            e.message
                .starts_with("p.ron with --grid runs[*].eta=-1: runs[1] (\"alt hb\"): "),
            "{e}"
        );
    }
}
