//! The heat map of the sweep view: one metric's mean final value over the configurations of
//! one run on two grid axes (rows: the first axis' values, columns: the second's), shaded from
//! the best (brightest) to the worst, lower being better; each cell marked with the stability
//! map's prediction for its configuration (✓ ρ < 1, ✗ ρ ≥ 1), which a key shows as ρ itself.

use super::data::SweepData;
use super::prediction::Prediction;
use crate::stats::describe;
use crate::sweep::report::LEVEL;
use crate::tui::plot::fmt_num;
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Widget};

/// Mean final values of `metric` of `run`'s configurations: `[row][column]` over the first
/// two grid axes (None without a value); None when the sweep has not exactly two axes.
pub fn cells(data: &SweepData, run: &str, metric: &str) -> Option<Vec<Vec<Option<f64>>>> {
    let m = &data.manifest;
    // One pass over the members: the heat map is drawn every frame.
    let mut finals = vec![vec![]; m.configurations.len()];
    for mm in &m.members {
        if let Some(v) = data.members[mm.index].final_value(metric) {
            finals[mm.configuration].push(v);
        }
    }
    over(data, run, |c| describe(&finals[c], LEVEL).map(|d| d.mean))
}

/// The stability map's prediction at each cell (see [`super::prediction`]): `[row][column]`,
/// None where there is no configuration or the predictions are not computed yet.
pub fn predicted_cells<'a>(
    data: &'a SweepData,
    run: &str,
) -> Option<Vec<Vec<Option<&'a Prediction>>>> {
    let predicted = data.predicted.as_ref();
    over(data, run, |c| predicted.and_then(|p| p.get(c)))
}

/// `value` of the configuration of `run` at each cell: `[row][column]` over the first two grid
/// axes (None where the sweep has no such configuration or `value` gives none); None when the
/// sweep has not exactly two axes.
fn over<T: Clone>(
    data: &SweepData,
    run: &str,
    value: impl Fn(usize) -> Option<T>,
) -> Option<Vec<Vec<Option<T>>>> {
    let m = &data.manifest;
    let [a, b] = &m.grid[..] else {
        return None;
    };
    let mut out = vec![vec![None; b.values.len()]; a.values.len()];
    for c in m.configurations.iter().filter(|c| c.run == run) {
        if let (Some(i), Some(j)) = (
            a.values.iter().position(|v| *v == c.grid[0].1),
            b.values.iter().position(|v| *v == c.grid[1].1),
        ) {
            out[i][j] = value(c.index);
        }
    }
    Some(out)
}

/// The mark of a prediction in a measured cell: ✓ for ρ < 1 (converges locally), ✗ for ρ ≥ 1.
fn mark(p: Option<&Prediction>) -> &'static str {
    match p {
        Some(Ok(r)) if *r < 1.0 - 1e-9 => "✓",
        Some(Ok(_)) => "✗",
        _ => "",
    }
}

/// ρ to four decimals (how near 1 it is is the point), the leading zero dropped below 1.
fn rho_text(r: f64) -> String {
    if r < 1.0 {
        format!("{r:.4}").trim_start_matches('0').to_string()
    } else if r < 10.0 {
        format!("{r:.4}")
    } else {
        fmt_num(r)
    }
}

/// Draws the heat map of `metric` for `run` into `area`: the measured mean final values, each
/// marked with its predicted stability; or, with `rho`, the predicted ρ itself, shaded as the
/// stability map shades it.
#[allow(clippy::too_many_arguments)]
pub fn render(
    data: &SweepData,
    run: &str,
    metric: &str,
    rho: bool,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let m = &data.manifest;
    let (Some(cells), Some(predicted)) = (cells(data, run, metric), predicted_cells(data, run))
    else {
        return;
    };
    let (a, b) = (&m.grid[0], &m.grid[1]);
    let what = if rho {
        "predicted ρ".to_string()
    } else {
        format!("final {metric} (mean)")
    };
    let block = Block::bordered().title(Line::styled(
        format!(" {run}: {what} · {} ↓ × {} → ", a.label(), b.label()),
        theme.title(),
    ));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width < 10 || inner.height < 2 {
        return;
    }
    let values: Vec<f64> = cells.iter().flatten().flatten().copied().collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let head = a
        .values
        .iter()
        .map(|v| v.chars().count())
        .max()
        .unwrap_or(1)
        .max(1) as u16
        + 1;
    let cw = ((inner.width.saturating_sub(head)) / b.values.len().max(1) as u16).clamp(3, 10);
    let dim = Style::new().fg(theme.dim());
    for (j, v) in b.values.iter().enumerate() {
        let x = inner.x + head + j as u16 * cw;
        if x + 1 < inner.x + inner.width {
            buf.set_stringn(x, inner.y, v, (cw - 1) as usize, dim);
        }
    }
    let mut why = None;
    for (i, row) in cells.iter().enumerate() {
        let y = inner.y + 1 + i as u16;
        if y >= inner.y + inner.height {
            break;
        }
        buf.set_stringn(inner.x, y, &a.values[i], head as usize - 1, dim);
        for (j, c) in row.iter().enumerate() {
            let x = inner.x + head + j as u16 * cw;
            if x + cw > inner.x + inner.width {
                break;
            }
            let p = predicted[i][j];
            if let Some(Err(e)) = p {
                why.get_or_insert(e.as_str());
            }
            let (text, style) = match (rho, c, p) {
                (true, _, Some(Ok(r))) if *r < 1.0 - 1e-9 => (
                    rho_text(*r),
                    Style::new().bg(theme.heat(1.0 - r)).fg(Color::Black),
                ),
                (true, _, Some(Ok(r))) => (rho_text(*r), dim),
                (true, _, _) => ("?".to_string(), dim),
                (false, None, _) => (format!("{}—", mark(p)), dim),
                (false, Some(v), _) => {
                    let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
                    let bg = theme.heat(0.2 * (1.0 - t));
                    (
                        format!("{}{}", mark(p), fmt_num(*v)),
                        Style::new().bg(bg).fg(Color::Black),
                    )
                }
            };
            let text = format!("{text:^w$}", w = (cw - 1) as usize);
            buf.set_stringn(x, y, &text, (cw - 1) as usize, style);
        }
    }
    let legend_y = inner.y + 1 + cells.len() as u16;
    if legend_y < inner.y + inner.height {
        let some = predicted.iter().flatten().any(|p| matches!(p, Some(Ok(_))));
        // A cell without a prediction says why here, never silently.
        let legend = match (&data.predicted, why) {
            (None, _) => "predicting ρ…".to_string(),
            (Some(_), Some(e)) if !some => format!("no prediction: {e}"),
            (Some(_), Some(e)) => format!("unmarked: {e} · ✓ predicted ρ < 1 · ✗ ρ ≥ 1"),
            (Some(_), None) if rho => "ρ < 1: converges (brighter: faster) · p: measured".into(),
            (Some(_), None) => "✓ predicted ρ < 1 · ✗ ρ ≥ 1 · p: show ρ".into(),
        };
        buf.set_stringn(inner.x, legend_y, legend, inner.width as usize, dim);
    }
}
