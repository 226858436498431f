//! Scores pane: the selected run's live Inception Score and FID (its `scores.jsonl`, see
//! [`crate::score::live`]) against the step, one series per scored generator — the last
//! iterate as a line, the averages as dots — with the sample count, splits and the network
//! they were computed with; and, for mixture-of-Gaussians games, the modes covered and the
//! share of high-quality samples. Its title names what it shows.
//!
//! A run without scores says why and how to get them: scoring is configured but the first
//! score has not come yet, the scorer reported an error, or scoring is off (then the way to
//! enable it, [`crate::score::enable::PANE`]).

use super::curves::plot as curve_plot;
use super::{Pane, Place, Reads};
use crate::run::metrics::{HIGH_QUALITY_PCT, MODES_COVERED};
use crate::score::enable::PANE;
use crate::score::record::ScoreRecord;
use crate::tui::app::{App, MetricSpec};
use crate::tui::model::RunData;
use crate::tui::plot::{fmt_num, nice_bounds, Plot, Polyline};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

/// One plotted quantity of the records.
#[derive(Clone, Copy)]
enum Quantity {
    Score,
    Distance,
}

impl Quantity {
    fn of(self, r: &ScoreRecord) -> Option<f64> {
        match self {
            Quantity::Score => r.inception_score,
            Quantity::Distance => r.fid,
        }
    }
    fn title(self, r: &ScoreRecord) -> &'static str {
        match self {
            Quantity::Score => r.network.score_name(),
            Quantity::Distance => r.network.distance_name(),
        }
    }
}

/// The generators of `scores` in first-seen order (`raw` first when present).
fn generators(scores: &[ScoreRecord]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for g in scores.iter().filter_map(|r| r.generator.clone()) {
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out.sort_by_key(|g| g != "raw");
    out
}

/// Colour of generator number `k` of run `run`: the run's colour for the last iterate, then
/// the accent and the dim colour for the averages.
fn color(app: &App, run: &RunData, k: usize) -> Color {
    match k {
        0 => app.theme.run_color(run.color),
        1 => app.theme.accent(),
        _ => app.theme.dim(),
    }
}

/// The plot of `q` over the run's scored records.
fn plot(app: &App, run: &RunData, q: Quantity, gens: &[String]) -> Plot {
    let mut p = Plot {
        axes: true,
        ..Default::default()
    };
    let (mut lo, mut hi, mut x_max) = (f64::INFINITY, f64::NEG_INFINITY, run.steps as f64);
    for (k, g) in gens.iter().enumerate() {
        let pts: Vec<(f64, f64)> = run
            .scores
            .iter()
            .filter(|r| r.generator.as_deref() == Some(g.as_str()))
            .filter_map(|r| Some((r.step? as f64, q.of(r)?)))
            .filter(|(_, y)| y.is_finite())
            .collect();
        for &(x, y) in &pts {
            (lo, hi, x_max) = (lo.min(y), hi.max(y), x_max.max(x));
        }
        let c = color(app, run, k);
        if g == "raw" {
            p.lines.push(Polyline {
                points: pts,
                color: c,
            });
        } else {
            p.points.push((pts, c));
        }
    }
    p.x = [0.0, x_max.max(1.0)];
    p.y = if lo.is_finite() {
        nice_bounds(lo, hi, false)
    } else {
        [0.0, 1.0]
    };
    p
}

/// `p` on a linear y axis fitted to its points: counts and percentages that may be 0.
fn linear(mut p: Plot) -> Plot {
    let ys = p
        .lines
        .iter()
        .flat_map(|l| l.points.iter())
        .chain(p.points.iter().flat_map(|(v, _)| v.iter()))
        .map(|pt| pt.1)
        .filter(|y| y.is_finite());
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    p.log_y = false;
    p.y = if lo.is_finite() {
        nice_bounds(lo, hi, false)
    } else {
        [0.0, 1.0]
    };
    p
}

/// The newest score of every generator, one line: `step 60: raw 5.12 / 31.4 · ema …`.
fn latest(run: &RunData, gens: &[String]) -> String {
    let mut parts = vec![];
    let mut step = None;
    for g in gens {
        let Some(r) =
            run.scores.iter().rev().find(|r| {
                r.generator.as_deref() == Some(g.as_str()) && r.inception_score.is_some()
            })
        else {
            continue;
        };
        step = step.max(r.step);
        let mut s = format!("{g} {}", fmt_num(r.inception_score.unwrap_or(f64::NAN)));
        if let Some(f) = r.fid {
            s.push_str(&format!(" / {}", fmt_num(f)));
        }
        parts.push(s);
    }
    format!(
        "step {}: {}",
        step.map_or("?".into(), |s| s.to_string()),
        parts.join(" · ")
    )
}

/// What the pane says when the run has no score yet.
fn waiting(run: &RunData) -> String {
    let last_error = run.scores.iter().rev().find_map(|r| r.error.clone());
    match (run.config.as_ref().and_then(|c| c.score.as_ref()), last_error) {
        (_, Some(e)) => format!("no score yet: {e}"),
        (Some(s), None) => format!(
            "scoring every {} iterations ({} samples, {} splits) on a thread of its own; the first score comes after step {}.",
            s.every, s.samples, s.splits, s.every
        ),
        (None, None) => match run.config.as_ref().map(|c| &c.game) {
            Some(g) if !matches!(g, crate::setup::GameConfig::ImageGan(_)) => format!(
                "no scores for this game ({}): Inception Score and FID are for image GANs",
                g.kind()
            ),
            _ => PANE.into(),
        },
    }
}

/// Draws the pane.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let Some(run) = app.current() else {
        Block::bordered()
            .title(Line::styled(" scores ", theme.title()))
            .render(area, buf);
        return;
    };
    let inner = Block::bordered().inner(area);
    let scored: Vec<&ScoreRecord> = run
        .scores
        .iter()
        .filter(|r| r.inception_score.is_some())
        .collect();
    // Mixture games: the mode measures of their metrics rows.
    let mixture: Vec<MetricSpec> = [
        (MODES_COVERED, "modes covered"),
        (HIGH_QUALITY_PCT, "high quality %"),
    ]
    .into_iter()
    .filter(|(c, _)| run.column(c).is_some())
    .map(|(c, t)| MetricSpec {
        title: t.into(),
        columns: vec![(c.into(), false)],
    })
    .collect();
    let gens = generators(&run.scores);
    let newest = scored.last().copied();
    let mut groups: Vec<(String, Plot)> = vec![];
    if let Some(r) = newest {
        groups.push((
            Quantity::Score.title(r).into(),
            plot(app, run, Quantity::Score, &gens),
        ));
        if scored.iter().any(|r| r.fid.is_some()) {
            groups.push((
                Quantity::Distance.title(r).into(),
                plot(app, run, Quantity::Distance, &gens),
            ));
        }
    }
    for m in &mixture {
        let p = curve_plot(app, &[app.selected], m, 2 * inner.width as usize, None);
        groups.push((m.title.clone(), linear(p)));
    }
    // The title says what is shown: the scores' names, the mode measures, or "scores".
    let title = if groups.is_empty() {
        " scores ".to_string()
    } else {
        format!(
            " {} ",
            groups
                .iter()
                .map(|g| g.0.as_str())
                .collect::<Vec<_>>()
                .join(" · ")
        )
    };
    Block::bordered()
        .title(Line::styled(title, theme.title()))
        .render(area, buf);
    let foot_lines = if newest.is_some() { 2 } else { 0 };
    if groups.is_empty() || inner.height < 4 + foot_lines {
        Paragraph::new(waiting(run))
            .wrap(Wrap { trim: true })
            .style(Style::new().fg(theme.dim()))
            .render(inner, buf);
        return;
    }
    let rows = (inner.height - foot_lines) / groups.len() as u16;
    for (k, (title, p)) in groups.iter().enumerate() {
        let r = Rect {
            y: inner.y + k as u16 * rows,
            height: rows,
            ..inner
        };
        buf.set_stringn(r.x, r.y, title, r.width as usize, theme.title());
        let area = Rect {
            y: r.y + 1,
            height: r.height.saturating_sub(1),
            ..r
        };
        p.render(area, buf, theme);
    }
    let Some(r) = newest else { return };
    let comparable = if r.network.comparable {
        ""
    } else {
        " (not comparable with published IS)"
    };
    let legend: String = gens
        .iter()
        .enumerate()
        .map(|(k, g)| format!("{g} {}", if k == 0 { "─" } else { "•" }))
        .collect::<Vec<_>>()
        .join(" ");
    let lines = [
        latest(run, &gens),
        format!(
            "N {}, {} splits · {}{comparable} · {legend}",
            r.samples, r.splits, r.network.kind
        ),
    ];
    for (i, l) in lines.iter().enumerate() {
        buf.set_stringn(
            inner.x,
            inner.y + inner.height - foot_lines + i as u16,
            l,
            inner.width as usize,
            Style::new().fg(theme.dim()),
        );
    }
}

/// The scores pane.
pub struct Scores;

impl Pane for Scores {
    fn title(&self) -> &'static str {
        "scores"
    }
    fn place(&self) -> Place {
        Place::bottom(25)
    }
    fn reads(&self) -> &'static [Reads] {
        &[Reads::Scores]
    }
    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer) {
        render(app, area, buf)
    }
}
