//! `--figure sweep`: a sweep's configurations (or groups of them sharing one grid value) as
//! the mean of a metric over the seeds against iterations, with a 95% confidence band (or
//! ±1 standard deviation) and each seed's curve faint behind it.
//!
//! The per-seed values at each step are `saddle sweep report`'s ([`report`], the same reading
//! rule: the last row at or before the step, for members that reached it), and the mean, std
//! and interval are `stats::describe`'s, the function the report's table uses; a group of one
//! configuration gets exactly the report's numbers.

use super::lines::{Band, Line, LineChart};
use super::style::{metric_label, series_color, Size};
use crate::error::{Error, Result};
use crate::run::metrics::{nonnegative, MetricsTable, STEP};
use crate::run::store::METRICS;
use crate::stats::describe;
use crate::sweep::manifest::SweepDir;
use crate::sweep::report::{report, At, Better, RankBy, Row, LEVEL};
use std::collections::BTreeMap;

/// What the band around the mean shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Spread {
    /// The 95% Student-t confidence interval of the mean.
    Ci,
    /// ±1 sample standard deviation.
    Std,
}

/// What to draw.
#[derive(Clone, Debug)]
pub struct SweepFigure {
    /// The metric (default: the report's ranking metric).
    pub metric: Option<String>,
    /// Pool the configurations of one run that share this grid axis's value (its path as
    /// `--grid` took it); None: one curve per configuration.
    pub group: Option<String>,
    /// The band.
    pub spread: Spread,
    /// A logarithmic y axis.
    pub log_y: bool,
}

/// Most steps a curve is evaluated at (evenly thinned from the logged ones).
const MAX_STEPS: usize = 150;

/// The steps any member logged, ascending, thinned to at most [`MAX_STEPS`] (the last kept).
/// A member whose table cannot be read adds none; the report names it (`Report::unreadable`).
fn logged_steps(sweep: &SweepDir) -> Result<Vec<u64>> {
    let manifest = sweep.manifest()?;
    let mut all: Vec<u64> = manifest
        .members
        .iter()
        .filter_map(|m| MetricsTable::read(&sweep.member(m).file(METRICS)).ok())
        .flat_map(|t| {
            let i = t.column(STEP).unwrap_or(0);
            t.rows
                .iter()
                .filter_map(|r| r[i])
                .map(|s| s as u64)
                .collect::<Vec<_>>()
        })
        .collect();
    all.sort_unstable();
    all.dedup();
    if all.len() <= MAX_STEPS {
        return Ok(all);
    }
    let n = all.len();
    let mut thin: Vec<u64> = (0..MAX_STEPS)
        .map(|k| all[k * (n - 1) / (MAX_STEPS - 1)])
        .collect();
    thin.dedup();
    Ok(thin)
}

/// The group a configuration belongs to, and its legend text.
fn group_of(row: &Row, key: Option<&str>) -> Result<(String, String)> {
    let c = &row.configuration;
    match key {
        None => Ok((format!("{:06}", c.index), c.label.clone())),
        Some(k) => {
            let value = c.grid.iter().find(|(p, _)| p == k).map(|(_, v)| v);
            match value {
                Some(v) => Ok((format!("{}\u{0}{v}", c.run), format!("{} {k}={v}", c.run))),
                None => {
                    let keys: Vec<&str> = c.grid.iter().map(|(p, _)| p.as_str()).collect();
                    Err(Error::input(format!(
                        "--group {k}: the sweep has no grid axis {k} (its axes: {})",
                        if keys.is_empty() {
                            "none".to_string()
                        } else {
                            keys.join(", ")
                        }
                    )))
                }
            }
        }
    }
}

/// How many of `members`' seeds have a value of `metric` at one of `steps`: the n of a group's
/// legend entry. Counting every member (the report's cells hold one entry per seed, None
/// before a member's first row) said n=3 for a curve of a running sweep drawn from fewer.
fn seeds_with_data(members: &[&Row], metric: &str, steps: &[u64]) -> usize {
    members
        .iter()
        .map(|row| {
            let mut seeds = std::collections::BTreeSet::new();
            for s in steps {
                if let Some(cell) = row.cell(metric, At::Step(*s)) {
                    seeds.extend(cell.values.iter().filter(|v| v.1.is_some()).map(|v| v.0));
                }
            }
            seeds.len()
        })
        .sum()
}

/// The chart of `sweep`, with warnings: members' configs and tables that could not be read
/// (the report's, each naming its file, a damaged table its line), whose seeds the chart
/// leaves out; that the sweep has members still running (the figure shows what was logged
/// so far); and the configurations left out because none of their members has data yet.
pub fn chart(sweep: &SweepDir, spec: &SweepFigure) -> Result<(LineChart, Vec<String>)> {
    let steps = logged_steps(sweep)?;
    if steps.is_empty() {
        return Err(Error::input(format!(
            "sweep {}: no member has logged a step yet (`saddle sweep status {}`)",
            sweep.id(),
            sweep.id()
        )));
    }
    let rank_by = spec.metric.as_ref().map(|m| RankBy {
        metric: m.clone(),
        better: Better::Lower,
    });
    let r = report(sweep, &steps, rank_by, None)?;
    let metric = r.rank_by.metric.clone();
    // Groups in configuration order; each keeps its configurations' rows.
    let mut rows: Vec<&Row> = r.rows.iter().collect();
    rows.sort_by_key(|row| row.configuration.index);
    let mut groups: BTreeMap<String, (String, Vec<&Row>)> = BTreeMap::new();
    let mut order: Vec<String> = vec![];
    for row in rows {
        let (key, label) = group_of(row, spec.group.as_deref())?;
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_insert((label, vec![])).1.push(row);
    }
    // Labels without the run's name when every group has the same run.
    let runs: std::collections::BTreeSet<&str> = r
        .rows
        .iter()
        .map(|row| row.configuration.run.as_str())
        .collect();
    let mut chart = LineChart {
        x_label: metric_label(STEP),
        y_label: format!(
            "{} (mean, {})",
            metric_label(&metric),
            match spec.spread {
                Spread::Ci => format!("{:.0}% CI", LEVEL * 100.0),
                Spread::Std => "±1 std".to_string(),
            }
        ),
        log_y: spec.log_y,
        ..LineChart::default()
    };
    let mut means = vec![];
    let mut no_data = vec![];
    for (k, key) in order.iter().enumerate() {
        let (label, members) = &groups[key];
        let color = series_color(k);
        // Each seed of each configuration, faint.
        for row in members {
            let mut seeds: BTreeMap<u64, Vec<(f64, f64)>> = BTreeMap::new();
            for s in &steps {
                if let Some(cell) = row.cell(&metric, At::Step(*s)) {
                    for (seed, v) in &cell.values {
                        if let Some(v) = v {
                            seeds.entry(*seed).or_default().push((*s as f64, *v));
                        }
                    }
                }
            }
            for points in seeds.into_values() {
                chart.lines.push(Line {
                    label: None,
                    color,
                    alpha: 0.2,
                    width: 1,
                    points,
                });
            }
        }
        let mut mean = vec![];
        let mut band = vec![];
        for s in &steps {
            let xs: Vec<f64> = members
                .iter()
                .filter_map(|row| row.cell(&metric, At::Step(*s)))
                .flat_map(|c| c.values.iter().filter_map(|v| v.1))
                .collect();
            let Some(d) = describe(&xs, LEVEL) else {
                continue;
            };
            mean.push((*s as f64, d.mean));
            let spread = match spec.spread {
                Spread::Ci => d.ci,
                Spread::Std => d.std.map(|sd| (d.mean - sd, d.mean + sd)),
            };
            if let Some((lo, hi)) = spread {
                band.push((*s as f64, within_support(&metric, lo), hi));
            }
        }
        let n_seeds = seeds_with_data(members, &metric, &steps);
        let label = if runs.len() == 1 && spec.group.is_some() {
            label
                .split_once(' ')
                .map_or(label.as_str(), |x| x.1)
                .to_string()
        } else {
            label.clone()
        };
        chart.bands.push(Band {
            color,
            points: band,
        });
        // A configuration no member has data of yet has no curve: it is left out of the
        // legend (said on stderr), not listed as n=3 beside nothing.
        if n_seeds == 0 {
            no_data.push(label.clone());
        }
        means.push(Line {
            label: (n_seeds > 0).then(|| format!("{label} (n={n_seeds})")),
            color,
            alpha: 1.0,
            width: 2,
            points: mean,
        });
    }
    chart.lines.extend(means);
    let mut warnings = r.unreadable;
    if r.ended < r.members {
        warnings.push(if sweep.supervisor().is_some() {
            format!(
                "sweep {} is still running ({} of {} members ended): the figure shows what \
                 its members have logged so far",
                sweep.id(),
                r.ended,
                r.members
            )
        } else {
            // Not "none is running": a Slurm sweep's jobs run without a local supervisor,
            // and a failed member has ended, only without a result.
            format!(
                "sweep {}: {} of {} members have not ended with a result (`saddle sweep \
                 status` says where they are): the figure shows what they logged",
                sweep.id(),
                r.members - r.ended,
                r.members
            )
        });
    }
    if !no_data.is_empty() {
        warnings.push(format!(
            "no member of {} has logged {metric} yet: left out of the figure",
            no_data.join(", ")
        ));
    }
    Ok((chart, warnings))
}

/// The figure as SVG, with [`chart`]'s warnings.
pub fn svg(sweep: &SweepDir, spec: &SweepFigure, size: Size) -> Result<(String, Vec<String>)> {
    let (chart, warnings) = chart(sweep, spec)?;
    Ok((chart.svg(size)?, warnings))
}

/// The band's lower edge, cut at 0 for a metric that cannot be negative ([`nonnegative`]):
/// the part of an interval below 0 holds no possible mean of it, and a band below the axis's
/// 0 read as runs that went negative. An interval cut to the possible values keeps its level.
fn within_support(metric: &str, lo: f64) -> f64 {
    if nonnegative(metric) {
        lo.max(0.0)
    } else {
        lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::expand::Configuration;
    use crate::sweep::report::{Cell, Outcomes};

    #[test]
    fn a_band_of_a_nonnegative_metric_stays_at_or_above_zero() {
        assert_eq!(within_support("field_norm", -0.3), 0.0);
        assert_eq!(within_support("distance_to_equilibrium_ema", -0.3), 0.0);
        assert_eq!(within_support("field_norm", 0.2), 0.2);
        // A loss or a β can be negative: its interval is kept.
        assert_eq!(within_support("loss_theta", -0.3), -0.3);
        assert_eq!(within_support("beta_phi", -0.3), -0.3);
    }

    fn row(index: usize, cells: Vec<Cell>) -> Row {
        Row {
            configuration: Configuration {
                index,
                run: "alternating".into(),
                grid: vec![],
                label: "alternating".into(),
            },
            outcomes: Outcomes::default(),
            rank: None,
            cells,
        }
    }

    fn cell(at: At, values: Vec<(u64, Option<f64>)>) -> Cell {
        Cell {
            metric: "loss".into(),
            at,
            values,
            stats: None,
        }
    }

    #[test]
    fn n_counts_the_seeds_with_data_not_every_member() {
        // A running sweep: seed 0 has logged two steps, seed 1 one, seed 2 nothing yet; no
        // member has ended, so no final value (n was 3, the cells' length).
        let a = row(
            0,
            vec![
                cell(At::Step(0), vec![(0, Some(1.0)), (1, Some(2.0)), (2, None)]),
                cell(At::Step(10), vec![(0, Some(0.5)), (1, None), (2, None)]),
                cell(At::Final, vec![(0, None), (1, None), (2, None)]),
            ],
        );
        assert_eq!(seeds_with_data(&[&a], "loss", &[0, 10]), 2);
        assert_eq!(seeds_with_data(&[&a], "loss", &[10]), 1);
        // A configuration none of whose members has started: n = 0, left out of the legend.
        let b = row(1, vec![cell(At::Step(0), vec![(0, None), (1, None)])]);
        assert_eq!(seeds_with_data(&[&b], "loss", &[0, 10]), 0);
        assert_eq!(seeds_with_data(&[&a, &b], "loss", &[0, 10]), 2);
    }
}
