//! What the dashboard shows by default for each kind of game. A toy game has an equilibrium,
//! so its first curve and its runs-table columns are the distance to it; a GAN on networks
//! has none — there the losses, ‖F‖ and the game's own measures (modes covered and the share
//! of high-quality samples on a mixture of Gaussians, IS / FID where scored) come first.
//!
//! Also here: how to turn on what a run was started without (`spectral_every`,
//! `sample_every`), so no pane says "nothing yet" for ever.

use super::app::MetricSpec;
use super::model::RunData;
use super::plot::fmt_num;
use crate::run::metrics::{
    average_of, BASE_COLUMNS, DISTANCE_TO_EQUILIBRIUM, FIELD_NORM, HIGH_QUALITY_PCT, LOSS_PHI,
    LOSS_THETA, MODES_COVERED, SPECTRAL_RADIUS, TRACE_COLUMNS,
};
use crate::run::RunConfig;
use crate::setup::GameConfig;

/// The kinds of game the dashboard tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GameKind {
    /// A game on plain parameter vectors (the toy games, registered games): an equilibrium
    /// where the game knows it, a phase portrait.
    Toy,
    /// A GAN on a 2-D mixture of Gaussians: modes covered, high-quality share, the data plane.
    Mixture,
    /// A GAN on images: sample grids, IS / FID when scored.
    Image,
}

impl GameKind {
    /// The kind of a run's game (a run whose config could not be read counts as a toy).
    pub fn of(config: Option<&RunConfig>) -> GameKind {
        match config.map(|c| &c.game) {
            Some(GameConfig::MixtureGan(_)) => GameKind::Mixture,
            Some(GameConfig::ImageGan(_)) => GameKind::Image,
            _ => GameKind::Toy,
        }
    }

    /// The kind of run `run`'s game.
    pub fn of_run(run: &RunData) -> GameKind {
        GameKind::of(run.config.as_ref())
    }

    /// True for the GANs on networks (no equilibrium, no phase portrait).
    pub fn is_network(self) -> bool {
        self != GameKind::Toy
    }

    /// True where a dashboard opening on `run` starts with linear y: GANs, on networks or the
    /// small MLP GAN, whose losses change sign (log-y would hide half of them); toy games'
    /// distances span decades.
    pub fn linear_first(run: &RunData) -> bool {
        GameKind::of_run(run).is_network()
            || matches!(
                run.config.as_ref().map(|c| &c.game),
                Some(GameConfig::MlpGan(_))
            )
    }
}

fn family(title: &str, columns: &[(&str, bool)]) -> MetricSpec {
    MetricSpec {
        title: title.into(),
        columns: columns.iter().map(|(c, d)| (c.to_string(), *d)).collect(),
    }
}

/// The curve families a run offers, the default (what the curves pane opens on) first.
///
/// Toy games: distance to equilibrium (last iterate as a line, averages dotted), ‖F‖, the
/// players' losses (a toy game without a known equilibrium: the losses, then ‖F‖). Networks: the losses, ‖F‖, then for mixtures modes covered and the
/// high-quality share. Then every other column of the game's own.
pub fn curve_families(run: Option<&RunData>) -> Vec<MetricSpec> {
    let cols: Vec<String> = run.map(|r| r.columns.clone()).unwrap_or_default();
    let kind = run.map_or(GameKind::Toy, GameKind::of_run);
    let losses = family(
        "losses L_G (θ, line) and L_D (φ, dotted)",
        &[(LOSS_THETA, false), (LOSS_PHI, true)],
    );
    let norm = family("field norm ‖F(ω)‖", &[(FIELD_NORM, false)]);
    // A toy game that knows no equilibrium (an MLP GAN) logs no distance to one: its rows
    // have come and not one holds a finite distance.
    let no_equilibrium = run.is_some_and(|r| {
        !r.series.is_empty()
            && r.column(DISTANCE_TO_EQUILIBRIUM)
                .and_then(|c| r.series.lasts(c))
                .is_none_or(|v| !v.iter().any(|x| x.is_finite()))
    });
    let mut out = match kind {
        GameKind::Toy if no_equilibrium => vec![losses, norm],
        GameKind::Toy => {
            let mut dist = vec![(DISTANCE_TO_EQUILIBRIUM.to_string(), false)];
            dist.extend(
                cols.iter()
                    .filter(|c| average_of(c).is_some())
                    .map(|c| (c.clone(), true)),
            );
            vec![
                MetricSpec {
                    title: "distance to equilibrium ‖ω−ω*‖ (averages dotted)".into(),
                    columns: dist,
                },
                norm,
                losses,
            ]
        }
        GameKind::Mixture => vec![
            losses,
            norm,
            family("modes covered", &[(MODES_COVERED, false)]),
            family("high-quality samples (%)", &[(HIGH_QUALITY_PCT, false)]),
        ],
        GameKind::Image => vec![losses, norm],
    };
    let shown: Vec<String> = out
        .iter()
        .flat_map(|f| f.columns.iter().map(|c| c.0.clone()))
        .collect();
    for c in cols.iter().filter(|c| {
        // Columns the families above (or other panes) already show, and the distances a
        // network has no equilibrium for.
        let c = c.as_str();
        !(BASE_COLUMNS.contains(&c)
            || TRACE_COLUMNS.contains(&c)
            || c == SPECTRAL_RADIUS
            || average_of(c).is_some()
            || shown.iter().any(|s| s == c))
    }) {
        out.push(MetricSpec {
            title: c.clone(),
            columns: vec![(c.clone(), false)],
        });
    }
    out
}

/// A value column of the runs table: its header, and what a run shows in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableMetric {
    /// ‖ω − ω*‖.
    Distance,
    /// ‖F(ω)‖.
    FieldNorm,
    /// L_D.
    LossPhi,
    /// Modes covered (of the mixture's modes).
    Modes,
    /// % high-quality samples.
    HighQuality,
    /// The newest Inception Score (or classifier score) of the raw generator.
    Score,
    /// The newest FID of the raw generator.
    Fid,
}

impl TableMetric {
    /// Its header.
    pub fn header(self) -> &'static str {
        match self {
            TableMetric::Distance => "‖ω−ω*‖",
            TableMetric::FieldNorm => "‖F‖",
            TableMetric::LossPhi => "L_D",
            TableMetric::Modes => "modes",
            TableMetric::HighQuality => "HQ %",
            TableMetric::Score => "IS",
            TableMetric::Fid => "FID",
        }
    }

    /// The metrics column it shows, if it is one.
    pub fn column(self) -> Option<&'static str> {
        match self {
            TableMetric::Distance => Some(DISTANCE_TO_EQUILIBRIUM),
            TableMetric::FieldNorm => Some(FIELD_NORM),
            TableMetric::LossPhi => Some(LOSS_PHI),
            TableMetric::Modes => Some(MODES_COVERED),
            TableMetric::HighQuality => Some(HIGH_QUALITY_PCT),
            TableMetric::Score | TableMetric::Fid => None,
        }
    }

    /// What `run` shows in it: the newest value, `–` when it has none.
    pub fn cell(self, run: &RunData) -> String {
        let v = match self.column() {
            Some(c) => run.last(c),
            None => run
                .scores
                .iter()
                .rev()
                .filter(|r| r.generator.as_deref().is_none_or(|g| g == "raw"))
                .find_map(|r| match self {
                    TableMetric::Score => r.inception_score,
                    _ => r.fid,
                }),
        };
        match (self, v) {
            (TableMetric::Modes, Some(m)) => match &run.config.as_ref().map(|c| &c.game) {
                Some(GameConfig::MixtureGan(s)) => s
                    .mixture
                    .build()
                    .map(|x| format!("{m}/{}", x.centers.len()))
                    .unwrap_or_else(|_| fmt_num(m)),
                _ => fmt_num(m),
            },
            (_, Some(v)) => fmt_num(v),
            (_, None) => "–".into(),
        }
    }
}

/// The runs table's value columns for runs of `kind`, most useful first.
pub fn table_metrics(kind: GameKind) -> &'static [TableMetric] {
    match kind {
        GameKind::Toy => &[TableMetric::Distance, TableMetric::FieldNorm],
        GameKind::Mixture => &[
            TableMetric::Modes,
            TableMetric::HighQuality,
            TableMetric::FieldNorm,
        ],
        GameKind::Image => &[
            TableMetric::Score,
            TableMetric::Fid,
            TableMetric::LossPhi,
            TableMetric::FieldNorm,
        ],
    }
}

/// The value columns of a table of `runs`: those of each kind present, in the order the
/// kinds first appear, each once (IS and FID once a run has a score); a toy game's when
/// there are no runs.
pub fn table_columns(runs: &[RunData]) -> Vec<TableMetric> {
    let scored = runs.iter().any(|r| !r.scores.is_empty());
    let mut out: Vec<TableMetric> = vec![];
    let kinds = runs.iter().map(GameKind::of_run);
    for k in kinds.chain(runs.is_empty().then_some(GameKind::Toy)) {
        for m in table_metrics(k) {
            let score = matches!(m, TableMetric::Score | TableMetric::Fid);
            if !out.contains(m) && (scored || !score) {
                out.push(*m);
            }
        }
    }
    out
}

/// The column the runs table's sparkline follows for runs of `kind` (log scale when
/// positive): the distance to equilibrium, modes covered, or the discriminator's loss.
pub fn history_column(kind: GameKind) -> &'static str {
    match kind {
        GameKind::Toy => DISTANCE_TO_EQUILIBRIUM,
        GameKind::Mixture => MODES_COVERED,
        GameKind::Image => LOSS_PHI,
    }
}

/// How to turn on an option a run was started without, for the panes that need it:
/// `option: Some(N)` in the preset or `--set option=N` on the command line (a running run
/// keeps what it was started with: fork or start it again).
pub fn how_to_set(option: &str, example: u64) -> String {
    format!(
        "{option} is unset for this run: set `{option}: Some({example})` in the preset, or start it with `saddle run PRESET --set {option}={example}`"
    )
}

/// What the panes say while an option is set but has not produced anything yet.
pub fn first_at(what: &str, every: u64, step: u64) -> String {
    let next = step.div_ceil(every.max(1)) * every;
    format!("{what} every {every} iterations: none saved yet, the next at step {next}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(game: &str, columns: &[&str]) -> RunData {
        let mut r = RunData::new(
            "id",
            "r",
            "m",
            columns.iter().map(|c| c.to_string()).collect(),
            0,
        );
        let mut c = crate::tui::testdata::default_configs()[0].clone();
        c.game = ron::from_str(game).unwrap();
        r.config = Some(c);
        r
    }

    #[test]
    fn each_kind_opens_on_a_curve_it_has() {
        let mog = run_of(
            "MixtureGan(mixture: NegativeMomentum8, loss: Saturating)",
            &[
                LOSS_THETA,
                LOSS_PHI,
                FIELD_NORM,
                DISTANCE_TO_EQUILIBRIUM,
                "distance_to_equilibrium_ema",
                MODES_COVERED,
                HIGH_QUALITY_PCT,
                "theta_0",
            ],
        );
        let f = curve_families(Some(&mog));
        let titles: Vec<&str> = f.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "losses L_G (θ, line) and L_D (φ, dotted)",
                "field norm ‖F(ω)‖",
                "modes covered",
                "high-quality samples (%)"
            ]
        );
        assert!(
            f.iter()
                .all(|s| s.columns.iter().all(|c| !c.0.starts_with("distance"))),
            "a network has no equilibrium to plot"
        );
        let img = run_of(
            "ImageGan(dataset: Mnist, arch: Dcgan(filters: 8, d_batchnorm: true), loss: Wgan)",
            &[LOSS_THETA, LOSS_PHI, FIELD_NORM, DISTANCE_TO_EQUILIBRIUM],
        );
        assert_eq!(curve_families(Some(&img))[0].columns[0].0, LOSS_THETA);
        let toy = run_of(
            "Bilinear(dim: 1)",
            &[
                LOSS_THETA,
                FIELD_NORM,
                DISTANCE_TO_EQUILIBRIUM,
                "distance_to_equilibrium_avg",
                "exploitability",
            ],
        );
        let t = curve_families(Some(&toy));
        assert_eq!(
            t[0].columns,
            vec![
                (DISTANCE_TO_EQUILIBRIUM.to_string(), false),
                ("distance_to_equilibrium_avg".to_string(), true)
            ]
        );
        assert_eq!(t.last().unwrap().title, "exploitability", "the game's own");
        assert_eq!(
            curve_families(None)[0].columns[0].0,
            DISTANCE_TO_EQUILIBRIUM
        );
    }

    #[test]
    fn the_table_shows_each_kinds_measures_once() {
        let mog = run_of(
            "MixtureGan(mixture: NegativeMomentum8, loss: Saturating)",
            &[MODES_COVERED],
        );
        let toy = run_of("Bilinear(dim: 1)", &[]);
        assert_eq!(
            table_columns(&[mog.clone(), mog.clone()]),
            [
                TableMetric::Modes,
                TableMetric::HighQuality,
                TableMetric::FieldNorm
            ]
        );
        assert_eq!(
            table_columns(&[toy.clone(), mog.clone()]),
            [
                TableMetric::Distance,
                TableMetric::FieldNorm,
                TableMetric::Modes,
                TableMetric::HighQuality
            ]
        );
        assert_eq!(table_columns(&[]).len(), 2);
        let mut m = mog;
        m.push_row(&[Some(0.0), Some(0.0), Some(0.0), Some(0.0), Some(6.0)]);
        assert_eq!(TableMetric::Modes.cell(&m), "6/8");
        assert_eq!(TableMetric::Score.cell(&m), "–");
        assert_eq!(history_column(GameKind::Mixture), MODES_COVERED);
    }

    #[test]
    fn unset_options_say_how_to_set_them() {
        let s = how_to_set("spectral_every", 2500);
        assert!(
            s.contains("`spectral_every: Some(2500)`") && s.contains("--set spectral_every=2500")
        );
        assert_eq!(
            first_at("eigenvalues", 2500, 3000),
            "eigenvalues every 2500 iterations: none saved yet, the next at step 5000"
        );
    }
}
