//! The value cursor of the curves pane and the compare view: what a run's curves read at an
//! x (step, oracle calls, J·v-equivalents or seconds), the η and β in force there, and the
//! run's event nearest to it.
//!
//! A reading is the newest logged row at or before the cursor (never an interpolation), so
//! every figure it shows is one `metrics.csv` holds. The history is downsampled
//! ([`super::series`]): past its capacity the row read is the last of its bucket, and the
//! cursor resolves a stride of rows at a time.

use super::app::MetricSpec;
use super::model::RunData;
use super::series::XAxis;
use crate::run::events::EventRecord;
use crate::run::metrics::{BETA_PHI, BETA_THETA, ETA_PHI, ETA_THETA};

/// Moves of the cursor across the whole x axis: each `{` or `}` moves it 1/STEPS of it.
pub const STEPS: f64 = 100.0;

/// What one run's curves read at the cursor.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// The step of the row read.
    pub step: u64,
    /// Its x on the axis shown (at or before the cursor).
    pub x: f64,
    /// The value of each column of the metric family, in its order (NaN: not logged there).
    pub values: Vec<(String, f64)>,
    /// η of (θ, φ) in force at that row, from its `eta_theta`, `eta_phi` columns (NaN when
    /// the run does not log them).
    pub eta: [f64; 2],
    /// β of (θ, φ) in force at that row, from `beta_theta`, `beta_phi`.
    pub beta: [f64; 2],
}

/// The reading of `run`'s curves of `spec` at `x` on `axis`: its newest logged row with
/// x ≤ `x`; None before its first row.
pub fn read(run: &RunData, spec: &MetricSpec, axis: XAxis, x: f64) -> Option<Reading> {
    let s = &run.series;
    let i = s.bucket_at(axis, x)?;
    let col = |name: &str| {
        run.column(name)
            .and_then(|c| s.value_of(c, i))
            .unwrap_or(f64::NAN)
    };
    Some(Reading {
        step: s.x_of(i, XAxis::Step)?.max(0.0) as u64,
        x: s.x_of(i, axis)?,
        values: spec
            .columns
            .iter()
            .map(|(c, _)| (c.clone(), col(c)))
            .collect(),
        eta: [col(ETA_THETA), col(ETA_PHI)],
        beta: [col(BETA_THETA), col(BETA_PHI)],
    })
}

/// The event of `run`'s log (its newest [`super::model::EVENTS_KEPT`]) whose step is nearest
/// to `step`; of two equally near, the earlier.
pub fn nearest_event(run: &RunData, step: u64) -> Option<&EventRecord> {
    run.events.iter().min_by_key(|e| e.step.abs_diff(step))
}

/// The newest x on `axis` of run `run`, where the cursor starts.
pub fn start(run: Option<&RunData>, axis: XAxis) -> f64 {
    run.and_then(|r| r.series.last_x(axis))
        .filter(|x| x.is_finite())
        .unwrap_or(0.0)
}

/// The cursor `x` on `from` carried to `to` through `run`'s row at it (the same step), so
/// changing the x axis keeps the cursor on the same row of the selected run.
pub fn carry(run: Option<&RunData>, x: f64, from: XAxis, to: XAxis) -> f64 {
    run.and_then(|r| {
        let i = r.series.bucket_at(from, x).unwrap_or(0);
        r.series.x_of(i, to)
    })
    .filter(|x| x.is_finite())
    .unwrap_or(0.0)
}

/// `v` to four significant digits, without trailing zeros ("—" when not finite): a readout
/// states the logged value, not the axis's rounded one.
pub fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        trim(format!("{v:.decimals$}"))
    } else {
        let s = format!("{v:.3e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        format!("{}e{e}", trim(m.to_string()))
    }
}

/// "η 0.2 β −0.3" when both players share them, "η 0.2/0.1 β …" (θ/φ) otherwise; "η —"
/// when not logged.
pub fn hyper_text(eta: [f64; 2], beta: [f64; 2]) -> String {
    let pair = |v: [f64; 2]| {
        let f = fmt_value;
        if v[0] == v[1] || !v[1].is_finite() {
            f(v[0])
        } else {
            format!("{}/{}", f(v[0]), f(v[1]))
        }
    };
    format!("η {} β {}", pair(eta), pair(beta))
}

/// The values of a reading: `column value` each, joined by " · ".
pub fn values_text(r: &Reading) -> String {
    r.values
        .iter()
        .map(|(c, v)| format!("{c} {}", fmt_value(*v)))
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::control::Change;
    use crate::run::events::EventKind;
    use crate::run::metrics::DISTANCE_TO_EQUILIBRIUM;

    /// A run logging every 10 steps (x = step, 2·step calls, step/100 s, 3·step J·v), its
    /// distance 1000 − step, η 0.1 until step 50 then 0.05, β 0 (θ) and −0.5 (φ).
    fn run() -> RunData {
        let cols = [
            DISTANCE_TO_EQUILIBRIUM,
            ETA_THETA,
            ETA_PHI,
            BETA_THETA,
            BETA_PHI,
        ]
        .map(String::from)
        .to_vec();
        let mut r = RunData::new("r", "r", "m", cols, 0);
        for s in (0..=100u64).step_by(10) {
            let s = s as f64;
            let eta = if s < 50.0 { 0.1 } else { 0.05 };
            r.push_row(&[
                Some(s),
                Some(2.0 * s),
                Some(s / 100.0),
                Some(3.0 * s),
                Some(1000.0 - s),
                Some(eta),
                Some(eta),
                Some(0.0),
                Some(-0.5),
            ]);
        }
        let ev = |step, kind| EventRecord {
            step,
            time: 0.0,
            source: None,
            request: None,
            kind,
        };
        r.push_event(&ev(0, EventKind::Started));
        r.push_event(&ev(
            50,
            EventKind::Set(Change {
                param: "eta.theta".into(),
                old: 0.1,
                new: 0.05,
            }),
        ));
        r.push_event(&ev(90, EventKind::Checkpoint));
        r
    }

    fn spec() -> MetricSpec {
        MetricSpec {
            title: "d".into(),
            columns: vec![(DISTANCE_TO_EQUILIBRIUM.into(), false)],
        }
    }

    #[test]
    fn reads_the_newest_row_at_or_before_the_cursor_on_every_axis() {
        let r = run();
        let at = |axis, x| read(&r, &spec(), axis, x).map(|g| (g.step, g.x, g.values[0].1));
        assert_eq!(at(XAxis::Step, 37.0), Some((30, 30.0, 970.0)));
        assert_eq!(
            at(XAxis::Step, 40.0),
            Some((40, 40.0, 960.0)),
            "at is inclusive"
        );
        assert_eq!(at(XAxis::OracleCalls, 79.0), Some((30, 60.0, 970.0)));
        assert_eq!(at(XAxis::WallTime, 0.55), Some((50, 0.5, 950.0)));
        assert_eq!(at(XAxis::JvEquivalents, 1e9), Some((100, 300.0, 900.0)));
        assert_eq!(at(XAxis::Step, -1.0), None, "before the first row");
    }

    #[test]
    fn eta_and_beta_in_force_come_from_the_row_read() {
        let r = run();
        let g = read(&r, &spec(), XAxis::Step, 49.0).unwrap();
        assert_eq!((g.eta, g.beta), ([0.1, 0.1], [0.0, -0.5]));
        let g = read(&r, &spec(), XAxis::Step, 50.0).unwrap();
        assert_eq!(g.eta, [0.05, 0.05]);
        assert_eq!(hyper_text(g.eta, g.beta), "η 0.05 β 0/-0.5");
        let mut bare = RunData::new("b", "b", "m", vec![DISTANCE_TO_EQUILIBRIUM.into()], 0);
        bare.push_row(&[Some(0.0), Some(0.0), Some(0.0), Some(0.0), Some(1.0)]);
        let g = read(&bare, &spec(), XAxis::Step, 0.0).unwrap();
        assert!(g.eta[0].is_nan() && g.beta[1].is_nan());
        assert_eq!(hyper_text(g.eta, g.beta), "η — β —");
        assert_eq!(values_text(&g), "distance_to_equilibrium 1");
    }

    #[test]
    fn values_keep_four_significant_digits() {
        let f = fmt_value;
        assert_eq!(
            [f(0.0), f(1.0), f(-0.5), f(0.012346), f(970.0), f(12345.6)],
            ["0", "1", "-0.5", "0.01235", "970", "12346"]
        );
        assert_eq!(
            [f(1.5e-7), f(-2.25e9), f(f64::NAN)],
            ["1.5e-7", "-2.25e9", "—"]
        );
    }

    #[test]
    fn the_nearest_event_is_the_closest_step_and_the_earlier_of_a_tie() {
        let r = run();
        let kind = |s| nearest_event(&r, s).map(|e| (e.step, e.kind.clone()));
        assert_eq!(kind(20).unwrap().0, 0);
        assert_eq!(kind(26).unwrap().0, 50);
        assert_eq!(kind(25).unwrap().0, 0, "a tie goes to the earlier");
        assert!(matches!(kind(60).unwrap().1, EventKind::Set(_)));
        assert_eq!(kind(1000).unwrap().1, EventKind::Checkpoint);
        assert!(nearest_event(&RunData::new("e", "e", "m", vec![], 0), 5).is_none());
    }

    #[test]
    fn the_cursor_keeps_its_row_when_the_axis_changes() {
        let r = run();
        assert_eq!(start(Some(&r), XAxis::OracleCalls), 200.0);
        assert_eq!(carry(Some(&r), 45.0, XAxis::Step, XAxis::OracleCalls), 80.0);
        assert_eq!(
            carry(Some(&r), 80.0, XAxis::OracleCalls, XAxis::WallTime),
            0.4
        );
        assert_eq!(carry(None, 80.0, XAxis::Step, XAxis::WallTime), 0.0);
    }
}
