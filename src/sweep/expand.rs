//! Members = the preset's runs × grid points × seeds, each a fully resolved run config.
//!
//! A grid value replaces its field through the one entry point of `--set`
//! ([`crate::run::overrides::apply`]), so a grid path is exactly a `--set` path; `seeds`
//! replace the preset's own. A sweep never holds two members with the same resolved config:
//! when a substitution makes two runs identical it is refused, naming them.

use super::spec::Axis;
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
    /// Only these runs (None: all).
    pub runs: Option<&'a [String]>,
    /// Iterations per member (None: the preset's).
    pub steps: Option<u64>,
    /// Checkpoints each member keeps.
    pub keep_checkpoints: u64,
}

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

/// Expands a preset (already overridden by `--set`, `--steps`) into the sweep's members.
pub fn plan(preset: &Preset, origin: &str, req: &Request) -> Result<Plan> {
    super::spec::check_axes(req.axes)?;
    if req.keep_checkpoints == 0 {
        return Err(Error::input("--keep-checkpoints: must be at least 1"));
    }
    // Each value alone first, so a bad path or value is named exactly.
    for a in req.axes {
        for v in &a.values {
            let set = format!("{}={v}", a.path);
            overrides::apply(preset, std::slice::from_ref(&set)).map_err(|e| {
                Error::input(format!(
                    "--grid {set}: {}",
                    without_set_prefix(&e.message, &set)
                ))
            })?;
        }
    }
    let seeds: Vec<u64> = match (req.seeds, &preset.seeds) {
        (Some(s), _) => s.to_vec(),
        (None, Some(s)) => s.clone(),
        (None, None) => vec![preset.seed],
    };
    if seeds.is_empty() {
        return Err(Error::input("--seeds: give at least one seed"));
    }
    let chosen: Vec<usize> = match req.runs {
        None => (0..preset.runs.len()).collect(),
        Some(names) => {
            let mut out = vec![];
            for n in names {
                let i = preset
                    .runs
                    .iter()
                    .position(|r| r.name == *n || sanitize(&r.name) == sanitize(n))
                    .ok_or_else(|| {
                        let all: Vec<&str> = preset.runs.iter().map(|r| r.name.as_str()).collect();
                        Error::input(format!(
                            "--runs: no run named {n:?} in {origin} (its runs: {})",
                            all.join(", ")
                        ))
                    })?;
                if !out.contains(&i) {
                    out.push(i);
                }
            }
            out.sort_unstable();
            out
        }
    };
    let points = grid_points(req.axes);
    // configs[point][run]
    let mut resolved: Vec<Vec<RunConfig>> = vec![];
    for point in &points {
        let sets: Vec<String> = point.iter().map(|(p, v)| format!("{p}={v}")).collect();
        let mut p = overrides::apply(preset, &sets).map_err(|e| {
            Error::input(format!(
                "--grid {}: {}",
                sets.join(" "),
                without_set_prefix(&e.message, &sets.join(" --set "))
            ))
        })?;
        p.seeds = None;
        if let Some(n) = req.steps {
            p.steps = n;
            p.runs.iter_mut().for_each(|r| r.steps = None);
        }
        let configs = p.resolve().map_err(|e| {
            let at = if sets.is_empty() {
                origin.to_string()
            } else {
                format!("{origin} with --grid {}", sets.join(" "))
            };
            e.context(at)
        })?;
        resolved.push(configs);
    }
    let mut configurations = vec![];
    let mut members = vec![];
    for &r in &chosen {
        for (g, point) in points.iter().enumerate() {
            let base = &resolved[g][r];
            let axis_labels: String = point
                .iter()
                .zip(req.axes)
                .map(|((_, v), a)| format!(" {}={v}", a.label()))
                .collect();
            let configuration = Configuration {
                index: configurations.len(),
                run: preset.runs[r].name.clone(),
                grid: point.clone(),
                label: format!("{}{axis_labels}", preset.runs[r].name),
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
            runs: None,
            steps: None,
            keep_checkpoints: 1,
        }
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
}
