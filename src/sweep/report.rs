//! `saddle sweep report`: per configuration (run name + grid values), each metric's n, mean,
//! standard deviation and Student-t 95% confidence interval over the seeds, at the end and at
//! chosen steps, with every seed's value; configurations ranked by one metric; a paired
//! comparison of two configurations over their shared seeds.
//!
//! A member's *final* value is its `summary.json` metric once it has ended with a result
//! (finished, converged, diverged, stopped); its value *at step s* is the last logged row at or
//! before s, provided it ran to s. Non-finite values (a diverged run's) are left out of n.

use super::expand::Configuration;
use super::manifest::{ended_with_result, Manifest, SweepDir};
use super::mixed_provenance::differences;
use crate::error::{Error, Result};
use crate::run::across_seeds::is_outcome;
use crate::run::metrics::MetricsTable;
use crate::run::store::{METRICS, SUMMARY};
use crate::stats::{describe, paired, Description, Paired};
use serde::Serialize;
use std::collections::BTreeMap;

/// Confidence level of every interval.
pub const LEVEL: f64 = 0.95;

/// Where a value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum At {
    /// At the member's end.
    Final,
    /// After this many iterations.
    Step(u64),
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Final => f.write_str("final"),
            At::Step(s) => write!(f, "{s}"),
        }
    }
}

/// Which way a metric is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Smaller is better (distances, ‖F‖).
    Lower,
    /// Larger is better (modes covered).
    Higher,
}

/// The metric that ranks configurations: `NAME`, `NAME:min` (smaller first, the default) or
/// `NAME:max`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RankBy {
    /// The metric.
    pub metric: String,
    /// Its direction.
    pub better: Better,
}

impl RankBy {
    /// Parses `NAME[:min|:max]`.
    pub fn parse(arg: &str) -> Result<Self> {
        let (metric, better) = match arg.rsplit_once(':') {
            Some((m, "min")) => (m, Better::Lower),
            Some((m, "max")) => (m, Better::Higher),
            Some(_) => {
                return Err(Error::input(format!(
                    "--metric {arg:?}: expected NAME, NAME:min or NAME:max"
                )))
            }
            None => (arg, Better::Lower),
        };
        Ok(RankBy {
            metric: metric.to_string(),
            better,
        })
    }
}

/// One metric of one configuration at one point.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cell {
    /// The metric.
    pub metric: String,
    /// Where.
    pub at: At,
    /// Each seed's value (None: not reached, not ended, or not finite).
    pub values: Vec<(u64, Option<f64>)>,
    /// n, mean, std and CI of the values present.
    pub stats: Option<Description>,
}

/// How one configuration's members ended: how many with each status, and for those that
/// converged (‖ω − ω*‖ below the preset's `stop.converge_below`) the oracle calls it took.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Outcomes {
    /// Members by status (`converged`, `diverged`, `finished`, …; `not started` without a summary).
    pub statuses: BTreeMap<String, usize>,
    /// Oracle calls of the members that converged: n, mean, std, CI.
    pub calls_to_converge: Option<Description>,
    /// Their median.
    pub median_calls_to_converge: Option<f64>,
}

impl Outcomes {
    /// From each member's status and oracle calls (None: no summary yet).
    pub fn of(members: &[Option<(String, u64)>]) -> Outcomes {
        let mut statuses = BTreeMap::new();
        let mut calls = vec![];
        for m in members {
            let status = m.as_ref().map_or("not started", |(s, _)| s.as_str());
            *statuses.entry(status.to_string()).or_insert(0) += 1;
            if let Some(("converged", c)) = m.as_ref().map(|(s, c)| (s.as_str(), *c)) {
                calls.push(c as f64);
            }
        }
        calls.sort_by(f64::total_cmp);
        let median = (!calls.is_empty()).then(|| {
            let k = calls.len();
            if k % 2 == 1 {
                calls[k / 2]
            } else {
                0.5 * (calls[k / 2 - 1] + calls[k / 2])
            }
        });
        Outcomes {
            statuses,
            calls_to_converge: describe(&calls, LEVEL),
            median_calls_to_converge: median,
        }
    }

    /// Members with `status`.
    pub fn count(&self, status: &str) -> usize {
        self.statuses.get(status).copied().unwrap_or(0)
    }
}

/// One configuration's line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The configuration.
    pub configuration: Configuration,
    /// How its members ended.
    pub outcomes: Outcomes,
    /// Its rank by the chosen metric at the end (1 = best; None without a value).
    pub rank: Option<usize>,
    /// Its cells, metric-major in [`Report::metrics`] order, then [`Report::at`] order.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The cell of `metric` at `at`.
    pub fn cell(&self, metric: &str, at: At) -> Option<&Cell> {
        self.cells.iter().find(|c| c.metric == metric && c.at == at)
    }
}

/// A paired comparison of two configurations.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Configuration a's index.
    pub a: usize,
    /// Configuration b's index.
    pub b: usize,
    /// The metric compared.
    pub metric: String,
    /// a − b at each point.
    pub points: Vec<(At, Paired)>,
}

/// The report of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The sweep's id.
    pub sweep: String,
    /// Members in the sweep.
    pub members: usize,
    /// Members that have ended with a result.
    pub ended: usize,
    /// The seeds.
    pub seeds: Vec<u64>,
    /// Confidence level of the intervals.
    pub level: f64,
    /// Metrics reported.
    pub metrics: Vec<String>,
    /// Points reported.
    pub at: Vec<At>,
    /// What ranks the configurations.
    pub rank_by: RankBy,
    /// One per configuration, best first.
    pub rows: Vec<Row>,
    /// The paired comparison, when asked for.
    pub comparison: Option<Comparison>,
    /// Fields of the members' provenance that differ and can change results (see
    /// [`super::mixed_provenance`]); empty when every member ran on the same build and machine.
    pub provenance: Vec<String>,
    /// Member configs and metrics tables that could not be read (each error names its file,
    /// a damaged table its line); such a member's table is left out of the statistics.
    pub unreadable: Vec<String>,
}

/// What one member contributes: its final metrics (when ended) and its metrics table.
struct MemberData {
    finals: Option<BTreeMap<String, Option<f64>>>,
    ended: Option<(String, u64)>,
    table: Option<MetricsTable>,
}

impl MemberData {
    fn value(&self, metric: &str, at: At) -> Option<f64> {
        let v = match at {
            At::Final => self.finals.as_ref()?.get(metric).copied().flatten(),
            At::Step(s) => {
                let t = self.table.as_ref()?;
                let (step, col) = (t.column("step")?, t.column(metric)?);
                let reached = t.rows.iter().filter_map(|r| r[step]).fold(0.0, f64::max);
                if reached < s as f64 {
                    return None;
                }
                t.rows
                    .iter()
                    .filter(|r| r[step].is_some_and(|x| x <= s as f64))
                    .filter_map(|r| r[col])
                    .next_back()
            }
        };
        v.filter(|x| x.is_finite())
    }
}

/// Resolves a configuration given as its index or its label.
pub fn configuration(manifest: &Manifest, arg: &str) -> Result<usize> {
    if let Ok(i) = arg.parse::<usize>() {
        if i < manifest.configurations.len() {
            return Ok(i);
        }
    }
    manifest
        .configurations
        .iter()
        .position(|c| c.label == arg)
        .ok_or_else(|| {
            Error::input(format!(
                "--compare {arg:?}: no such configuration (give its number, 0 to {}, or its label as `saddle sweep report` prints it)",
                manifest.configurations.len().saturating_sub(1)
            ))
        })
}

/// Builds the report of `sweep`, at the end and after each of `steps`, ranked by `rank_by`
/// (default: `distance_to_equilibrium` where it exists, else the first metric), with the
/// paired comparison of configurations `compare` when given.
pub fn report(
    sweep: &SweepDir,
    steps: &[u64],
    rank_by: Option<RankBy>,
    compare: Option<(usize, usize)>,
) -> Result<Report> {
    let manifest = sweep.manifest()?;
    // Members' tables that are there but damaged: named with the config errors below, not
    // left out of the statistics without a word.
    let damaged = std::cell::RefCell::new(Vec::<String>::new());
    let data: Vec<MemberData> = manifest
        .members
        .iter()
        .map(|m| {
            let run = sweep.member(m);
            // A member whose summary is damaged or gone is named: left out without a word,
            // its configuration's n and rank would change silently.
            let read = crate::run::Summary::read_checked(&run);
            if let Err(e) = &read {
                damaged.borrow_mut().push(format!(
                    "{e} (that member counts as not started and its final values are left out)"
                ));
            }
            let summary = read.ok().flatten();
            if !run.path.exists() {
                damaged.borrow_mut().push(format!(
                    "{}: the member's directory is missing (it counts as not started)",
                    run.path.display()
                ));
            } else if !run.file(SUMMARY).exists() && run.file(METRICS).exists() {
                damaged.borrow_mut().push(format!(
                    "{}: no summary.json although the member logged rows (it counts as not started and its final values are left out)",
                    run.path.display()
                ));
            }
            let ended = summary
                .as_ref()
                .map(|s| (s.status.as_str().to_string(), s.oracle_calls));
            // The summary just read decides (reading it again could see another one).
            let finals = summary
                .filter(|s| ended_with_result(s.status))
                .map(|s| s.metrics);
            let path = run.file(METRICS);
            let table = match MetricsTable::read(&path) {
                Ok(t) => Some(t),
                Err(e) => {
                    if path.exists() {
                        damaged
                            .borrow_mut()
                            .push(format!("{e} (that member's table is left out)"));
                    }
                    None
                }
            };
            MemberData {
                finals,
                ended,
                table,
            }
        })
        .collect();
    // The columns that trace the live hyperparameters (γ, Lookahead's k and α, …) are settings,
    // not outcomes. Members of one configuration differ by their seed only, so the first
    // readable config of each configuration names them; an unreadable one is named in the
    // report (its configuration's columns may then show up as metrics).
    let (mut settings, mut unreadable) = (Vec::<String>::new(), damaged.into_inner());
    for c in &manifest.configurations {
        let members = manifest
            .members
            .iter()
            .filter(|m| m.configuration == c.index);
        for m in members {
            match sweep.member(m).config() {
                Ok(cfg) => {
                    settings.extend(cfg.trace_columns());
                    break;
                }
                Err(e) => unreadable.push(format!(
                    "{e} (its hyperparameters may be listed as metrics)"
                )),
            }
        }
    }
    let mut metrics: Vec<String> = vec![];
    for d in &data {
        let names = d.finals.iter().flat_map(|f| f.keys().cloned()).chain(
            d.table
                .iter()
                .flat_map(|t| t.columns.iter().skip(3).cloned()),
        );
        for n in names {
            if is_outcome(&n) && !settings.contains(&n) && !metrics.contains(&n) {
                metrics.push(n);
            }
        }
    }
    let rank_by = match rank_by {
        Some(r) => {
            if !metrics.contains(&r.metric) {
                return Err(Error::input(format!(
                    "--metric {}: the sweep has no such metric (it has: {})",
                    r.metric,
                    metrics.join(", ")
                )));
            }
            r
        }
        None => RankBy {
            metric: metrics
                .iter()
                .find(|m| *m == "distance_to_equilibrium")
                .or(metrics.first())
                .cloned()
                .unwrap_or_else(|| "distance_to_equilibrium".into()),
            better: Better::Lower,
        },
    };
    let mut at = vec![At::Final];
    at.extend(steps.iter().map(|s| At::Step(*s)));
    let series = |c: usize, metric: &str, point: At| -> Vec<(u64, Option<f64>)> {
        manifest
            .members
            .iter()
            .zip(&data)
            .filter(|(m, _)| m.configuration == c)
            .map(|(m, d)| (m.seed, d.value(metric, point)))
            .collect()
    };
    let mut rows: Vec<Row> = manifest
        .configurations
        .iter()
        .map(|c| {
            let cells = metrics
                .iter()
                .flat_map(|metric| at.iter().map(move |p| (metric, *p)))
                .map(|(metric, p)| {
                    let values = series(c.index, metric, p);
                    let xs: Vec<f64> = values.iter().filter_map(|v| v.1).collect();
                    Cell {
                        metric: metric.clone(),
                        at: p,
                        stats: describe(&xs, LEVEL),
                        values,
                    }
                })
                .collect();
            let ended: Vec<Option<(String, u64)>> = manifest
                .members
                .iter()
                .zip(&data)
                .filter(|(m, _)| m.configuration == c.index)
                .map(|(_, d)| d.ended.clone())
                .collect();
            Row {
                configuration: c.clone(),
                outcomes: Outcomes::of(&ended),
                rank: None,
                cells,
            }
        })
        .collect();
    let key = |r: &Row| {
        r.cell(&rank_by.metric, At::Final)
            .and_then(|c| c.stats.as_ref())
            .map(|s| match rank_by.better {
                Better::Lower => s.mean,
                Better::Higher => -s.mean,
            })
    };
    rows.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.configuration.index.cmp(&b.configuration.index),
    });
    let mut next = 1;
    for r in &mut rows {
        if key(r).is_some() {
            r.rank = Some(next);
            next += 1;
        }
    }
    let comparison = compare.map(|(a, b)| Comparison {
        a,
        b,
        metric: rank_by.metric.clone(),
        points: at
            .iter()
            .map(|p| {
                let pairs = |c: usize| -> Vec<(u64, f64)> {
                    series(c, &rank_by.metric, *p)
                        .into_iter()
                        .filter_map(|(s, v)| v.map(|v| (s, v)))
                        .collect()
                };
                (*p, paired(&pairs(a), &pairs(b), LEVEL))
            })
            .collect(),
    });
    Ok(Report {
        sweep: manifest.id.clone(),
        members: manifest.members.len(),
        ended: data.iter().filter(|d| d.finals.is_some()).count(),
        seeds: manifest.seeds.clone(),
        level: LEVEL,
        metrics,
        at,
        rank_by,
        rows,
        comparison,
        unreadable,
        provenance: differences(
            &manifest
                .members
                .iter()
                .map(|m| {
                    let run = sweep.member(m);
                    (run.id(), run.records())
                })
                .collect::<Vec<_>>(),
        ),
    })
}

/// A number in about four significant digits.
fn short(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if (1e-3..1e5).contains(&x.abs()) {
        let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
        format!("{x:.digits$}")
    } else {
        format!("{x:.3e}")
    }
}

fn dash(x: Option<f64>) -> String {
    x.map_or("—".into(), short)
}

impl Report {
    /// The width of the configuration column: the longest label, at least its heading's.
    fn label_width(&self) -> usize {
        self.rows
            .iter()
            .map(|r| r.configuration.label.chars().count())
            .max()
            .unwrap_or(0)
            .max(13)
    }

    /// How each configuration's members ended: converged / diverged / finished (their steps
    /// done, neither) / not ended with a result (running, paused, not started, interrupted,
    /// stopped, failed: a rate read mid-sweep must not count them as ended), and the oracle
    /// calls the converged ones took (median, mean and its confidence interval).
    pub fn outcomes_text(&self) -> String {
        let width = self.label_width();
        let mut s = format!(
            "\noutcomes (converged: ‖ω − ω*‖ below stop.converge_below; FINISHED: all steps, neither; UNFINISHED: running, paused, not started, interrupted, stopped by a command or failed)\n{:>4}  {:<width$}  {:>3}  {:>9}  {:>8}  {:>8}  {:>10}  {:>12}  {:>10}  {:>23}\n",
            "#", "CONFIGURATION", "N", "CONVERGED", "DIVERGED", "FINISHED", "UNFINISHED", "MEDIAN CALLS", "MEAN CALLS", "95% CI"
        );
        for r in &self.rows {
            let o = &r.outcomes;
            let n: usize = o.statuses.values().sum();
            let (conv, div, fin) = (
                o.count("converged"),
                o.count("diverged"),
                o.count("finished"),
            );
            let calls = o.calls_to_converge.as_ref();
            s.push_str(&format!(
                "{:>4}  {:<width$}  {:>3}  {:>9}  {:>8}  {:>8}  {:>10}  {:>12}  {:>10}  {:>23}\n",
                r.configuration.index,
                r.configuration.label,
                n,
                conv,
                div,
                fin,
                n - conv - div - fin,
                dash(o.median_calls_to_converge),
                dash(calls.map(|d| d.mean)),
                calls
                    .and_then(|d| d.ci)
                    .map_or("—".into(), |(lo, hi)| format!(
                        "[{}, {}]",
                        short(lo),
                        short(hi)
                    )),
            ));
        }
        s
    }

    /// What a reader of the table of `metric` at `at` must know: that no member has a value
    /// there (a metric this game does not log, with the metrics that have final values; a step
    /// no member reached); or that members which diverged enter the final values at the point
    /// where the stop rule stopped them.
    fn table_note(&self, metric: &str, at: At) -> String {
        let has = |m: &str, p: At| {
            self.rows
                .iter()
                .any(|r| r.cell(m, p).is_some_and(|c| c.stats.is_some()))
        };
        if !has(metric, at) {
            let others: Vec<&str> = self
                .metrics
                .iter()
                .map(String::as_str)
                .filter(|m| *m != metric && has(m, At::Final))
                .collect();
            let hint = if others.is_empty() || at != At::Final {
                String::new()
            } else {
                format!(
                    "; `--metric NAME` ranks by one that has: {}",
                    others.join(", ")
                )
            };
            let why = match at {
                At::Final => "no member has a final value of it".to_string(),
                At::Step(k) => format!("no member has a value at step {k} (none reached it)"),
            };
            return format!("note: {why}{hint}\n");
        }
        let diverged = self.rows.iter().any(|r| {
            r.outcomes.count("diverged") > 0
                && r.cell(metric, at).is_some_and(|c| c.stats.is_some())
        });
        if at == At::Final && diverged {
            return "note: a member that diverged enters with its value where the stop rule stopped it (stop.diverge_above), not a limit: a mean over such members says little (see DIVERGED above)\n".into();
        }
        String::new()
    }

    /// The report as text tables: the ranking metric first (or only `only` when given), one
    /// table per metric and point, configurations in rank order.
    pub fn text(&self, only: Option<&str>) -> String {
        let mut s = format!(
            "sweep {}: {} members, {} ended; {} configurations × {} seeds; {:.0}% confidence intervals (Student t)\n",
            self.sweep,
            self.members,
            self.ended,
            self.rows.len(),
            self.seeds.len(),
            self.level * 100.0
        );
        for line in &self.provenance {
            s.push_str(&format!("warning: {line} (`saddle show RUN` for each)\n"));
        }
        for e in &self.unreadable {
            s.push_str(&format!("warning: {e}\n"));
        }
        s.push_str(&self.outcomes_text());
        let mut order: Vec<&String> = vec![&self.rank_by.metric];
        if only.is_none() {
            order.extend(self.metrics.iter().filter(|m| **m != self.rank_by.metric));
        }
        let width = self.label_width();
        for metric in order {
            for p in &self.at {
                let ranked = *metric == self.rank_by.metric && *p == At::Final;
                let how = match (ranked, self.rank_by.better) {
                    (false, _) => String::new(),
                    (true, Better::Lower) => " (ranking: lower first)".into(),
                    (true, Better::Higher) => " (ranking: higher first)".into(),
                };
                let when = match p {
                    At::Final => "at the end".to_string(),
                    At::Step(k) => format!("at step {k}"),
                };
                s.push_str(&format!("\n{metric} {when}{how}\n"));
                s.push_str(&format!(
                    "{:>4} {:>4}  {:<width$}  {:>3}  {:>10}  {:>10}  {:>23}  PER SEED\n",
                    "RANK", "#", "CONFIGURATION", "N", "MEAN", "STD", "95% CI"
                ));
                for r in &self.rows {
                    let Some(c) = r.cell(metric, *p) else {
                        continue;
                    };
                    let st = c.stats.as_ref();
                    let ci = st.and_then(|d| d.ci).map_or("—".into(), |(lo, hi)| {
                        format!("[{}, {}]", short(lo), short(hi))
                    });
                    let each: Vec<String> = c
                        .values
                        .iter()
                        .map(|(seed, v)| format!("{seed}:{}", dash(*v)))
                        .collect();
                    s.push_str(&format!(
                        "{:>4} {:>4}  {:<width$}  {:>3}  {:>10}  {:>10}  {:>23}  {}\n",
                        r.rank.map_or("—".into(), |k| k.to_string()),
                        r.configuration.index,
                        r.configuration.label,
                        st.map_or(0, |d| d.n),
                        dash(st.map(|d| d.mean)),
                        dash(st.and_then(|d| d.std)),
                        ci,
                        each.join(" ")
                    ));
                }
                s.push_str(&self.table_note(metric, *p));
            }
        }
        if let Some(c) = &self.comparison {
            let label = |i: usize| {
                self.rows
                    .iter()
                    .find(|r| r.configuration.index == i)
                    .map_or(String::new(), |r| r.configuration.label.clone())
            };
            s.push_str(&format!(
                "\npaired: {} − {} on {} over shared seeds\n",
                label(c.a),
                label(c.b),
                c.metric
            ));
            s.push_str(&format!(
                "{:>8}  {:>3}  {:>10}  {:>23}  {:>9}  SIGN TEST p\n",
                "AT", "N", "MEAN DIFF", "95% CI", "A>B/A<B/="
            ));
            for (p, d) in &c.points {
                let st = d.difference.as_ref();
                s.push_str(&format!(
                    "{:>8}  {:>3}  {:>10}  {:>23}  {:>9}  {}\n",
                    p.to_string(),
                    st.map_or(0, |x| x.n),
                    dash(st.map(|x| x.mean)),
                    st.and_then(|x| x.ci).map_or("—".into(), |(lo, hi)| format!(
                        "[{}, {}]",
                        short(lo),
                        short(hi)
                    )),
                    format!("{}/{}/{}", d.a_greater, d.b_greater, d.ties),
                    short(d.sign_test_p)
                ));
            }
        }
        s
    }

    /// The report as CSV, one line per configuration × metric × point, full precision:
    /// `rank,configuration,run,<grid paths…>,metric,at,n,mean,std,ci_low,ci_high,seed=<N>…`.
    pub fn csv(&self, grid: &[String]) -> String {
        let field = crate::csv::field;
        let num = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
        let mut head: Vec<String> = vec!["rank".into(), "configuration".into(), "run".into()];
        head.extend(grid.iter().map(|g| field(g)));
        head.extend(
            ["metric", "at", "n", "mean", "std", "ci_low", "ci_high"]
                .iter()
                .map(|s| s.to_string()),
        );
        head.extend(self.seeds.iter().map(|s| format!("seed={s}")));
        let mut out = head.join(",") + "\n";
        for r in &self.rows {
            for c in &r.cells {
                let st = c.stats.as_ref();
                let mut line = vec![
                    r.rank.map_or(String::new(), |k| k.to_string()),
                    r.configuration.index.to_string(),
                    field(&r.configuration.run),
                ];
                line.extend(grid.iter().map(|g| {
                    r.configuration
                        .grid
                        .iter()
                        .find(|(p, _)| p == g)
                        .map_or(String::new(), |(_, v)| field(v))
                }));
                line.extend([
                    field(&c.metric),
                    c.at.to_string(),
                    st.map_or(0, |d| d.n).to_string(),
                    num(st.map(|d| d.mean)),
                    num(st.and_then(|d| d.std)),
                    num(st.and_then(|d| d.ci).map(|c| c.0)),
                    num(st.and_then(|d| d.ci).map(|c| c.1)),
                ]);
                line.extend(self.seeds.iter().map(|seed| {
                    num(c
                        .values
                        .iter()
                        .find(|(s, _)| s == seed)
                        .and_then(|(_, v)| *v))
                }));
                out.push_str(&line.join(","));
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_count_statuses_and_the_calls_of_converged_members() {
        let m = |s: &str, c: u64| Some((s.to_string(), c));
        let o = Outcomes::of(&[
            m("converged", 40),
            m("diverged", 7),
            m("converged", 10),
            None,
            m("finished", 100),
            m("converged", 30),
        ]);
        assert_eq!(o.count("converged"), 3);
        assert_eq!(o.count("diverged"), 1);
        assert_eq!(o.count("not started"), 1);
        assert_eq!(o.count("finished"), 1);
        assert_eq!(o.median_calls_to_converge, Some(30.0));
        let d = o.calls_to_converge.unwrap();
        assert_eq!((d.n, d.mean), (3, 80.0 / 3.0));
        let even = Outcomes::of(&[m("converged", 10), m("converged", 20)]);
        assert_eq!(even.median_calls_to_converge, Some(15.0));
        assert_eq!(Outcomes::of(&[m("finished", 5)]).calls_to_converge, None);
    }

    #[test]
    fn rank_metrics_parse_with_a_direction() {
        assert_eq!(
            RankBy::parse("modes_covered:max").unwrap().better,
            Better::Higher
        );
        let r = RankBy::parse("field_norm").unwrap();
        assert_eq!((r.metric.as_str(), r.better), ("field_norm", Better::Lower));
        assert!(RankBy::parse("x:best").is_err());
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(3.182446), "3.182");
        assert_eq!(short(1234.5678), "1235");
        assert_eq!(short(0.0123456), "0.01235");
        assert_eq!(short(1e-9), "1.000e-9");
        assert_eq!(short(0.0), "0");
    }
}
