//! The metrics log: `metrics.csv`'s columns and the values that fill them, from ONE list of
//! [`Column`]s — each a name and where its value comes from — so a header and its rows cannot
//! disagree by position. It also keeps the latest value of every column for the summary.

use crate::error::Result;
use crate::game::{Game, Sample};
use crate::optim::Note;
use crate::players::Players;
use crate::run::checkpoint::RunState;
use crate::run::metrics::{
    average_distance, MetricsWriter, Row, BETA_PHI, BETA_THETA, DISTANCE_TO_EQUILIBRIUM, ETA_PHI,
    ETA_THETA, FIELD_NORM, JV_EQUIVALENTS, LOSS_PHI, LOSS_THETA, ORACLE_CALLS, PHI_0,
    SPECTRAL_RADIUS, STEP, THETA_0, WALL_TIME, X_COLUMNS,
};
use crate::vector::ParamVec;
use std::collections::BTreeMap;
use std::path::Path;

/// Where a column's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Iterations completed t.
    Step,
    /// Oracle calls so far.
    OracleCalls,
    /// Seconds spent stepping.
    WallTime,
    /// Gradient evaluations plus Jacobian products so far.
    JvEquivalents,
    /// L_G(ω_t).
    LossTheta,
    /// L_D(ω_t).
    LossPhi,
    /// ‖F(ω_t)‖ (exact field).
    FieldNorm,
    /// ‖ω_t − ω*‖.
    Distance,
    /// ‖ω̄_t − ω*‖ of the average at this index of the optimizer's averaging.
    AverageDistance(usize),
    /// η of θ in force.
    EtaTheta,
    /// η of φ in force.
    EtaPhi,
    /// β of θ in force.
    BetaTheta,
    /// β of φ in force.
    BetaPhi,
    /// θ's first coordinate.
    Theta0,
    /// φ's first coordinate.
    Phi0,
    /// The method parameter at this index of the run's live method parameters.
    Param(usize),
    /// The note at this index of the run's methods' notes (see `optim::notes`).
    Note(usize),
    /// ρ of the update operator, on the steps it is computed.
    SpectralRadius,
    /// The game's own metric at this index of its `extra_metric_names`.
    Game(usize),
}

/// A column of the table: its name and its value's source.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Header name.
    pub name: String,
    /// Where the values come from.
    pub source: Source,
}

/// The columns of a run that keeps averages named `averages`, whose methods declare the live
/// parameters traced in columns `params` and the notes `notes`, that computes ρ when
/// `spectral`, and plays a game with its own metrics `game`: the x columns, losses, ‖F‖, the
/// distances, η and β and first coordinates, the methods' parameters, their notes, ρ, then the
/// game's metrics.
pub fn columns(
    averages: &[String],
    params: &[String],
    notes: &[Note],
    spectral: bool,
    game: &[String],
) -> Vec<Column> {
    let mut list = vec![];
    let mut add = |name: &str, source| {
        list.push(Column {
            name: name.to_string(),
            source,
        })
    };
    add(STEP, Source::Step);
    add(ORACLE_CALLS, Source::OracleCalls);
    add(WALL_TIME, Source::WallTime);
    add(JV_EQUIVALENTS, Source::JvEquivalents);
    add(LOSS_THETA, Source::LossTheta);
    add(LOSS_PHI, Source::LossPhi);
    add(FIELD_NORM, Source::FieldNorm);
    add(DISTANCE_TO_EQUILIBRIUM, Source::Distance);
    for (i, a) in averages.iter().enumerate() {
        add(&average_distance(a), Source::AverageDistance(i));
    }
    add(ETA_THETA, Source::EtaTheta);
    add(ETA_PHI, Source::EtaPhi);
    add(BETA_THETA, Source::BetaTheta);
    add(BETA_PHI, Source::BetaPhi);
    add(THETA_0, Source::Theta0);
    add(PHI_0, Source::Phi0);
    for (i, p) in params.iter().enumerate() {
        add(p, Source::Param(i));
    }
    for (i, n) in notes.iter().enumerate() {
        add(n.column(), Source::Note(i));
    }
    if spectral {
        add(SPECTRAL_RADIUS, Source::SpectralRadius);
    }
    for (i, g) in game.iter().enumerate() {
        add(g, Source::Game(i));
    }
    list
}

/// Everything one row is made of, measured at one iterate.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measurement {
    /// Iterations completed.
    pub step: u64,
    /// Oracle calls so far.
    pub oracle_calls: u64,
    /// Seconds spent stepping.
    pub wall_time: f64,
    /// Gradient evaluations plus Jacobian products so far.
    pub jv_equivalents: u64,
    /// (L_G, L_D).
    pub losses: Players<f64>,
    /// ‖F(ω)‖.
    pub field_norm: f64,
    /// ‖ω − ω*‖ where ω* is known.
    pub distance: Option<f64>,
    /// The same for each average (None before its first point).
    pub average_distances: Vec<Option<f64>>,
    /// η in force.
    pub eta: Players<f64>,
    /// β in force.
    pub beta: Players<f64>,
    /// Each player's first coordinate.
    pub first: Players<Option<f64>>,
    /// The methods' live parameters in force, in the order of the run's columns.
    pub params: Vec<Option<f64>>,
    /// The methods' notes over the steps since the previous row on the logging grid, in the
    /// order of the run's columns.
    pub notes: Vec<Option<f64>>,
    /// ρ, on the steps it is computed.
    pub spectral_radius: Option<f64>,
    /// The game's own metrics.
    pub game: Vec<Option<f64>>,
}

impl Source {
    /// The value this source gives in `m`.
    pub fn value(self, m: &Measurement) -> Option<f64> {
        match self {
            Source::Step => Some(m.step as f64),
            Source::OracleCalls => Some(m.oracle_calls as f64),
            Source::WallTime => Some(m.wall_time),
            Source::JvEquivalents => Some(m.jv_equivalents as f64),
            Source::LossTheta => Some(m.losses.theta),
            Source::LossPhi => Some(m.losses.phi),
            Source::FieldNorm => Some(m.field_norm),
            Source::Distance => m.distance,
            Source::AverageDistance(i) => m.average_distances.get(i).copied().flatten(),
            Source::EtaTheta => Some(m.eta.theta),
            Source::EtaPhi => Some(m.eta.phi),
            Source::BetaTheta => Some(m.beta.theta),
            Source::BetaPhi => Some(m.beta.phi),
            Source::Theta0 => m.first.theta,
            Source::Phi0 => m.first.phi,
            Source::Param(i) => m.params.get(i).copied().flatten(),
            Source::Note(i) => m.notes.get(i).copied().flatten(),
            Source::SpectralRadius => m.spectral_radius,
            Source::Game(i) => m.game.get(i).copied().flatten(),
        }
    }
}

/// ‖a − ω*‖ where the game knows its equilibrium ω*.
pub fn distance<V: ParamVec>(game: &dyn Game<V = V>, a: &Players<V>) -> Option<f64> {
    let eq = game.equilibrium()?;
    Some((a.theta.dist_sq(&eq.theta) + a.phi.dist_sq(&eq.phi)).sqrt())
}

/// Measures the run at its current iterate, `wall` seconds into it: losses, ‖F‖ (the exact
/// field, into `probe`), distances, hyperparameters (η, β and the method parameters named
/// `params`), the `notes` from the state's counters, and coordinates. The spectral radius and
/// the game's own metrics are the caller's to fill, in that order (both may use the game's
/// random streams).
pub fn measure<V: ParamVec>(
    game: &mut dyn Game<V = V>,
    st: &RunState<V>,
    params: &[String],
    notes: &[Note],
    probe: &mut Players<V>,
    wall: f64,
) -> Measurement {
    let w = &st.w;
    let losses = game.losses(w);
    game.field(w, Sample::Exact, probe);
    let field_norm = (probe.theta.norm_sq() + probe.phi.norm_sq()).sqrt();
    let h = &st.optim.hyper;
    Measurement {
        step: st.optim.iteration,
        oracle_calls: st.optim.oracle_calls,
        wall_time: wall,
        jv_equivalents: st.optim.jv_equivalents(),
        losses,
        field_norm,
        distance: distance(game, w),
        average_distances: st
            .optim
            .averages
            .iter()
            .map(|a| a.value.as_ref().and_then(|v| distance(game, v)))
            .collect(),
        eta: h.eta,
        beta: h.beta,
        first: Players::new(w.theta.coordinate(0), w.phi.coordinate(0)),
        params: params.iter().map(|n| h.values.get(n).copied()).collect(),
        notes: notes.iter().map(|n| n.value(&st.notes)).collect(),
        spectral_radius: None,
        game: vec![],
    }
}

/// A run's `metrics.csv` being written.
pub struct MetricsLog {
    columns: Vec<Column>,
    names: Vec<String>,
    writer: MetricsWriter,
    last_step: Option<u64>,
    last_values: BTreeMap<String, Option<f64>>,
}

impl MetricsLog {
    /// A new table at `path`, with its header.
    pub fn create(path: &Path, columns: Vec<Column>) -> Result<Self> {
        let names = names(&columns);
        let writer = MetricsWriter::create(path, &names)?;
        Ok(Self::with(columns, names, writer))
    }

    /// The table of a run resumed from its checkpoint after `through` iterations: rows after it
    /// (and the row at `drop_row`, an end-of-run row off the logging grid) are dropped.
    pub fn reopen(
        path: &Path,
        columns: Vec<Column>,
        through: u64,
        drop_row: Option<u64>,
    ) -> Result<Self> {
        let names = names(&columns);
        let writer = MetricsWriter::reopen(path, &names, through, drop_row)?;
        Ok(Self::with(columns, names, writer))
    }

    fn with(columns: Vec<Column>, names: Vec<String>, writer: MetricsWriter) -> Self {
        MetricsLog {
            columns,
            names,
            writer,
            last_step: None,
            last_values: BTreeMap::new(),
        }
    }

    /// The column names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The row of `m`: each column's value from its source.
    pub fn row(&self, m: &Measurement) -> Row {
        self.columns.iter().map(|c| c.source.value(m)).collect()
    }

    /// Appends the row of `m` (buffered) and remembers its values; returns it.
    pub fn log(&mut self, m: &Measurement) -> Result<Row> {
        let row = self.row(m);
        self.writer.write_row(&row)?;
        for (name, v) in self.names.iter().zip(&row).skip(X_COLUMNS.len()) {
            // Non-finite values too: summary.json writes them as "NaN" / "Infinity" (a
            // diverged run's distance read as not measured).
            if let Some(v) = v {
                self.last_values.insert(name.clone(), Some(*v));
            }
        }
        self.last_step = Some(m.step);
        Ok(row)
    }

    /// True when the last row this process logged is the one at step `t`.
    pub fn logged_at(&self, t: u64) -> bool {
        self.last_step == Some(t)
    }

    /// The latest logged value of every value column (NaN and ±∞ as they are).
    pub fn last_values(&self) -> &BTreeMap<String, Option<f64>> {
        &self.last_values
    }

    /// Pushes buffered rows to the file; with `sync`, to the disk too.
    pub fn flush(&mut self, sync: bool) -> Result<()> {
        self.writer.flush(sync)
    }
}

fn names(columns: &[Column]) -> Vec<String> {
    columns.iter().map(|c| c.name.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::metrics::{MetricsTable, BASE_COLUMNS, TRACE_COLUMNS};

    fn sample() -> Measurement {
        Measurement {
            step: 10,
            oracle_calls: 20,
            wall_time: 0.5,
            jv_equivalents: 30,
            losses: Players::new(1.0, 2.0),
            field_norm: 3.0,
            distance: Some(4.0),
            average_distances: vec![Some(5.0), None],
            eta: Players::new(6.0, 7.0),
            beta: Players::new(8.0, 9.0),
            first: Players::new(Some(10.0), Some(11.0)),
            params: vec![Some(14.0)],
            notes: vec![Some(0.25)],
            spectral_radius: Some(12.0),
            game: vec![Some(13.0), Some(f64::INFINITY)],
        }
    }

    #[test]
    fn every_value_lands_under_its_own_name() {
        let cols = columns(
            &["uniform".into(), "ema".into()],
            &["gamma".into()],
            &[Note::LambdaNegativeShare],
            true,
            &["modes_covered".into(), "high_quality_pct".into()],
        );
        let names = names(&cols);
        let m = sample();
        let row: Row = cols.iter().map(|c| c.source.value(&m)).collect();
        let at = |n: &str| row[names.iter().position(|c| c == n).expect(n)];
        assert_eq!(names.len(), row.len());
        assert_eq!(at(STEP), Some(10.0));
        assert_eq!(at(ORACLE_CALLS), Some(20.0));
        assert_eq!(at(WALL_TIME), Some(0.5));
        assert_eq!(at(JV_EQUIVALENTS), Some(30.0));
        assert_eq!(at("gamma"), Some(14.0));
        assert_eq!(at("lambda_negative_share"), Some(0.25));
        assert_eq!(at(LOSS_THETA), Some(1.0));
        assert_eq!(at(LOSS_PHI), Some(2.0));
        assert_eq!(at(FIELD_NORM), Some(3.0));
        assert_eq!(at(DISTANCE_TO_EQUILIBRIUM), Some(4.0));
        assert_eq!(at("distance_to_equilibrium_uniform"), Some(5.0));
        assert_eq!(at("distance_to_equilibrium_ema"), None);
        assert_eq!(at(ETA_THETA), Some(6.0));
        assert_eq!(at(ETA_PHI), Some(7.0));
        assert_eq!(at(BETA_THETA), Some(8.0));
        assert_eq!(at(BETA_PHI), Some(9.0));
        assert_eq!(at(THETA_0), Some(10.0));
        assert_eq!(at(PHI_0), Some(11.0));
        assert_eq!(at(SPECTRAL_RADIUS), Some(12.0));
        assert_eq!(at("modes_covered"), Some(13.0));
        assert_eq!(at("high_quality_pct"), Some(f64::INFINITY));
    }

    #[test]
    fn a_plain_run_has_the_documented_columns_in_order() {
        let names = names(&columns(&[], &[], &[], false, &[]));
        let documented: Vec<&str> = X_COLUMNS
            .iter()
            .chain(&BASE_COLUMNS)
            .chain(&TRACE_COLUMNS)
            .copied()
            .collect();
        assert_eq!(names, documented);
    }

    #[test]
    fn rows_reach_the_file_and_the_summary_keeps_the_latest_values() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("metrics.csv");
        let mut log =
            MetricsLog::create(&path, columns(&[], &[], &[], true, &["g".into()])).unwrap();
        let mut m = sample();
        log.log(&m).unwrap();
        m.step = 15;
        m.spectral_radius = None;
        m.game = vec![Some(f64::NAN)];
        log.log(&m).unwrap();
        assert!(log.logged_at(15) && !log.logged_at(10));
        assert_eq!(
            log.last_values()[SPECTRAL_RADIUS],
            Some(12.0),
            "kept from step 10"
        );
        let g = log.last_values()["g"];
        assert!(
            g.is_some_and(f64::is_nan),
            "NaN is kept, for summary.json: {g:?}"
        );
        assert!(!log.last_values().contains_key(STEP));
        log.flush(false).unwrap();
        let t = MetricsTable::read(&path).unwrap();
        assert_eq!(t.columns, log.names());
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.last(SPECTRAL_RADIUS), None);
        // Resuming from a checkpoint at 10 drops the row after it.
        drop(log);
        let log = MetricsLog::reopen(&path, columns(&[], &[], &[], true, &["g".into()]), 10, None)
            .unwrap();
        drop(log);
        assert_eq!(MetricsTable::read(&path).unwrap().rows.len(), 1);
        // Other columns: the table is not this run's.
        assert!(MetricsLog::reopen(&path, columns(&[], &[], &[], false, &[]), 10, None).is_err());
    }
}
