//! `--figure curves`: one metric of `metrics.csv` for one or many runs, against iterations,
//! oracle calls, J·v-equivalents or seconds, optionally smoothed and on a log axis, with the
//! η / β changes of `events.jsonl` marked where they took effect.

use super::lines::{smooth, Line, LineChart, Mark};
use super::style::{self, metric_label, series_color, Size};
use crate::error::{Error, Result};
use crate::run::events::{scheduled_changes, EventRecord};
use crate::run::metrics::{self as m, MetricsTable};
use crate::run::store::{RunDir, METRICS};
use crate::run::summary::{Status, Summary};

/// The x axis: a column every `metrics.csv` has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum XAxis {
    /// Iterations completed.
    #[value(name = "step")]
    Step,
    /// Gradient evaluations.
    #[value(name = "oracle_calls")]
    OracleCalls,
    /// J·v-equivalents (gradients plus Jacobian products).
    #[value(name = "jv_equivalents")]
    JvEquivalents,
    /// Seconds spent stepping.
    #[value(name = "wall_time")]
    WallTime,
}

impl XAxis {
    /// The column it reads.
    pub fn column(self) -> &'static str {
        match self {
            XAxis::Step => m::STEP,
            XAxis::OracleCalls => m::ORACLE_CALLS,
            XAxis::JvEquivalents => m::JV_EQUIVALENTS,
            XAxis::WallTime => m::WALL_TIME,
        }
    }
}

/// What to draw.
#[derive(Clone, Debug)]
pub struct Curves {
    /// The metric (a column of `metrics.csv`); None: `distance_to_equilibrium` where every
    /// run has it, else `field_norm`.
    pub metric: Option<String>,
    /// The x axis.
    pub x: XAxis,
    /// A logarithmic y axis.
    pub log_y: bool,
    /// Trailing moving average over this many logged rows (1: none).
    pub smooth: usize,
}

/// A run's table, read; its errors name the file.
fn table(dir: &RunDir) -> Result<MetricsTable> {
    let t = MetricsTable::read(&dir.file(METRICS)).map_err(|e| Error::input(e.message))?;
    if t.rows.is_empty() {
        return Err(Error::input(format!(
            "run {}: metrics.csv has no rows yet (the run has not logged a step)",
            dir.id()
        )));
    }
    Ok(t)
}

/// True when the column has a finite value somewhere.
fn has_values(t: &MetricsTable, column: &str) -> bool {
    t.column(column)
        .is_some_and(|i| t.rows.iter().any(|r| r[i].is_some_and(f64::is_finite)))
}

/// The metric to draw: the one asked for, checked in every run, or the default.
pub fn choose_metric(asked: Option<&str>, tables: &[(String, MetricsTable)]) -> Result<String> {
    match asked {
        Some(metric) => {
            for (id, t) in tables {
                if t.column(metric).is_none() || m::X_COLUMNS.contains(&metric) {
                    let have: Vec<&str> = t
                        .columns
                        .iter()
                        .map(String::as_str)
                        .filter(|c| !m::X_COLUMNS.contains(c))
                        .collect();
                    return Err(Error::input(format!(
                        "--metric {metric}: run {id} has no such metric in metrics.csv (it has: {})",
                        have.join(", ")
                    )));
                }
            }
            Ok(metric.to_string())
        }
        None => Ok(
            if tables
                .iter()
                .all(|(_, t)| has_values(t, m::DISTANCE_TO_EQUILIBRIUM))
            {
                m::DISTANCE_TO_EQUILIBRIUM.to_string()
            } else {
                m::FIELD_NORM.to_string()
            },
        ),
    }
}

/// `eta.theta` → `η_θ`, `beta` → `β`: a parameter's name as the figure writes it.
fn symbol(param: &str) -> String {
    let (base, player) = param.split_once('.').unwrap_or((param, ""));
    let base = match base {
        "eta" => "η",
        "beta" => "β",
        other => other,
    };
    match player {
        "theta" => format!("{base}_θ"),
        "phi" => format!("{base}_φ"),
        "" => base.to_string(),
        other => format!("{base}.{other}"),
    }
}

/// The η and β changes of a run's events, one text per step: `η = 0.1` when both players'
/// η changed to the same value, `η_φ = 0.1, β_φ = -0.5` otherwise.
fn changes(all: &[(u64, String, f64)]) -> Vec<(u64, String)> {
    let mut by_step: Vec<(u64, Vec<(String, f64)>)> = vec![];
    for (step, param, new) in all {
        if !(param.starts_with("eta") || param.starts_with("beta")) {
            continue;
        }
        match by_step.last_mut() {
            Some((s, v)) if s == step => v.push((param.clone(), *new)),
            _ => by_step.push((*step, vec![(param.clone(), *new)])),
        }
    }
    by_step
        .into_iter()
        .map(|(step, mut v)| {
            // The last value of each parameter at this step.
            let mut last: Vec<(String, f64)> = vec![];
            for (p, x) in v.drain(..) {
                last.retain(|(q, _)| *q != p);
                last.push((p, x));
            }
            let mut parts = vec![];
            for base in ["eta", "beta"] {
                let get = |p: &str| last.iter().find(|(q, _)| q == p).map(|(_, x)| *x);
                let (th, ph, both) = (
                    get(&format!("{base}.theta")),
                    get(&format!("{base}.phi")),
                    get(base),
                );
                match (th, ph, both) {
                    (_, _, Some(x)) => parts.push(format!("{} = {}", symbol(base), style::tick(x))),
                    (Some(a), Some(b), None) if a == b => {
                        parts.push(format!("{} = {}", symbol(base), style::tick(a)))
                    }
                    (a, b, None) => {
                        for (p, x) in [("theta", a), ("phi", b)] {
                            if let Some(x) = x {
                                parts.push(format!(
                                    "{} = {}",
                                    symbol(&format!("{base}.{p}")),
                                    style::tick(x)
                                ));
                            }
                        }
                    }
                }
            }
            (step, parts.join(", "))
        })
        .collect()
}

/// The chart of `runs` (legend names `names`), and warnings for stderr (a run whose
/// `summary.json` cannot be read, so that whether it diverged is unknown).
pub fn chart(runs: &[RunDir], names: &[String], spec: &Curves) -> Result<(LineChart, Vec<String>)> {
    let mut warnings = vec![];
    let tables: Vec<(String, MetricsTable)> = runs
        .iter()
        .map(|d| Ok((d.id(), table(d)?)))
        .collect::<Result<_>>()?;
    let metric = choose_metric(spec.metric.as_deref(), &tables)?;
    let x_col = spec.x.column();
    let mut chart = LineChart {
        x_label: metric_label(x_col),
        y_label: metric_label(&metric),
        log_y: spec.log_y,
        ..LineChart::default()
    };
    for (k, ((dir, (_, t)), name)) in runs.iter().zip(&tables).zip(names).enumerate() {
        let color = series_color(k);
        let (xi, yi, si) = (
            t.column(x_col).ok_or_else(|| {
                Error::input(format!(
                    "run {}: metrics.csv has no {x_col} column (written by an older saddle)",
                    dir.id()
                ))
            })?,
            t.column(&metric).unwrap_or(0),
            t.column(m::STEP).unwrap_or(0),
        );
        let raw: Vec<(f64, f64)> = t
            .rows
            .iter()
            .filter_map(|r| Some((r[xi]?, r[yi]?)))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        if raw.is_empty() {
            return Err(Error::input(format!(
                "run {}: {metric} has no finite value in metrics.csv",
                dir.id()
            )));
        }
        let shown = smooth(&raw, spec.smooth);
        if spec.smooth > 1 {
            chart.lines.push(Line {
                label: None,
                color,
                alpha: 0.25,
                width: 1,
                points: raw.clone(),
            });
        }
        // An η / β change before iteration s shows on the first row logged at or after s.
        // A damaged line is named, not an η change left off the chart without a word.
        let events = dir.records_checked::<EventRecord>()?;
        for (step, text) in changes(&scheduled_changes(&events)) {
            let Some(row) = t
                .rows
                .iter()
                .find(|r| r[si].is_some_and(|s| s >= step as f64) && r[xi].is_some())
            else {
                continue;
            };
            let x = row[xi].unwrap_or(f64::NAN);
            let y = shown
                .iter()
                .find(|p| p.0 >= x)
                .or(shown.last())
                .map_or(f64::NAN, |p| p.1);
            chart.marks.push(Mark {
                at: (x, y),
                color,
                text,
            });
        }
        // A diverged run's curve stops where its values left the finite or the stop rule's
        // bound: the legend says so, or it read as a run stopped or still running there.
        let label = match Summary::read_checked(dir) {
            Ok(Some(s)) if s.status == Status::Diverged => match s.status_step {
                Some(k) => format!("{name} (diverged at step {k})"),
                None => format!("{name} (diverged)"),
            },
            Ok(_) => name.clone(),
            Err(e) => {
                warnings.push(format!(
                    "{e}: the legend cannot say whether run {} diverged",
                    dir.id()
                ));
                name.clone()
            }
        };
        chart.lines.push(Line {
            label: Some(label),
            color,
            alpha: 1.0,
            width: 1,
            points: shown,
        });
    }
    if !chart.marks.is_empty() {
        chart.marks_label = Some("η / β changed".into());
    }
    Ok((chart, warnings))
}

/// The figure as SVG, and the warnings of [`chart`].
pub fn svg(
    runs: &[RunDir],
    names: &[String],
    spec: &Curves,
    size: Size,
) -> Result<(String, Vec<String>)> {
    let (chart, warnings) = chart(runs, names, spec)?;
    Ok((chart.svg(size)?, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_at_one_step_are_one_mark() {
        let c = |s: u64, p: &str, x: f64| (s, p.to_string(), x);
        let all = [
            c(100, "eta.theta", 0.1),
            c(100, "eta.phi", 0.1),
            c(150, "beta.phi", -0.5),
            c(150, "eta.phi", 0.2),
            c(160, "d_steps", 2.0),
        ];
        assert_eq!(
            changes(&all),
            vec![
                (100, "η = 0.1".to_string()),
                (150, "η_φ = 0.2, β_φ = -0.5".to_string())
            ]
        );
    }

    #[test]
    fn parameters_are_written_as_symbols() {
        assert_eq!(symbol("eta"), "η");
        assert_eq!(symbol("beta.phi"), "β_φ");
        assert_eq!(symbol("eta.theta"), "η_θ");
    }

    #[test]
    fn an_unknown_metric_names_what_the_run_has() {
        let t = MetricsTable::parse(
            "step,oracle_calls,wall_time,jv_equivalents,loss_theta,field_norm\n0,0,0,0,1,2\n",
        )
        .unwrap();
        let tables = vec![("r1".to_string(), t)];
        let e = choose_metric(Some("fid"), &tables).unwrap_err();
        assert_eq!(
            e.message,
            "--metric fid: run r1 has no such metric in metrics.csv (it has: loss_theta, field_norm)"
        );
        assert_eq!(choose_metric(None, &tables).unwrap(), "field_norm");
    }
}
