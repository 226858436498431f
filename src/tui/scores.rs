//! Scores pane: Inception Score and FID over time for the raw, uniform-average and EMA
//! generators, and modes covered, with the sample count and splits.
//!
//! Contract with the runs: a run that computes scores logs metrics columns named
//! `inception_score[_<generator>]`, `fid[_<generator>]`, `modes_covered`, and, once per run,
//! `score_samples` and `score_splits`. No game computes them yet (saddle has no Inception
//! network), so the pane shows an explicit "unavailable — how to enable" state.

use super::app::App;
use super::app::MetricSpec;
use super::curves::plot as curve_plot;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

/// The score columns a run has, grouped: (title, columns).
pub fn score_columns(columns: &[String]) -> Vec<MetricSpec> {
    let pick = |p: &str| -> Vec<(String, bool)> {
        columns
            .iter()
            .filter(|c| c.starts_with(p))
            .map(|c| (c.clone(), c.ends_with("_ema") || c.ends_with("_uniform")))
            .collect()
    };
    [
        ("Inception Score", "inception_score"),
        ("FID", "fid"),
        ("modes covered", "modes_covered"),
    ]
    .into_iter()
    .map(|(t, p)| MetricSpec {
        title: t.into(),
        columns: pick(p),
    })
    .filter(|m| !m.columns.is_empty())
    .collect()
}

/// What the pane says when the selected run has no scores.
pub const UNAVAILABLE: &str = "IS / FID unavailable: saddle has no Inception network yet and no game logs scores. \
To enable: a GAN game must log inception_score_*, fid_* (raw, uniform, ema) and score_samples / score_splits columns; \
this pane then plots them.";

/// Draws the pane.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let block = Block::bordered().title(Line::styled(" scores (IS / FID) ", theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(run) = app.current() else { return };
    let groups = score_columns(&run.columns);
    if groups.is_empty() || inner.height < 4 {
        Paragraph::new(UNAVAILABLE)
            .wrap(Wrap { trim: true })
            .style(Style::new().fg(theme.dim()))
            .render(inner, buf);
        return;
    }
    let rows = (inner.height - 1) / groups.len() as u16;
    for (k, g) in groups.iter().enumerate() {
        let r = Rect {
            y: inner.y + k as u16 * rows,
            height: rows,
            ..inner
        };
        buf.set_stringn(r.x, r.y, &g.title, r.width as usize, theme.title());
        let p = Rect {
            y: r.y + 1,
            height: r.height.saturating_sub(1),
            ..r
        };
        let plot = curve_plot(app, &[app.selected], g, 2 * p.width as usize, None);
        plot.render(p, buf, theme);
    }
    let (n, s) = (run.last("score_samples"), run.last("score_splits"));
    let foot = match (n, s) {
        (Some(n), Some(s)) => format!("{n} samples, {s} splits · raw line, averages dotted"),
        _ => "sample count unknown · raw line, averages dotted".into(),
    };
    buf.set_stringn(
        inner.x,
        inner.y + inner.height - 1,
        foot,
        inner.width as usize,
        Style::new().fg(theme.dim()),
    );
}
