//! The heat map of the sweep view: one metric's mean final value over the configurations of
//! one run on two grid axes (rows: the first axis' values, columns: the second's), shaded from
//! the best (brightest) to the worst, lower being better.

use super::data::SweepData;
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
    let [a, b] = &m.grid[..] else {
        return None;
    };
    let mut out = vec![vec![None; b.values.len()]; a.values.len()];
    for c in m.configurations.iter().filter(|c| c.run == run) {
        let (Some(i), Some(j)) = (
            a.values.iter().position(|v| *v == c.grid[0].1),
            b.values.iter().position(|v| *v == c.grid[1].1),
        ) else {
            continue;
        };
        let xs: Vec<f64> = m
            .members
            .iter()
            .filter(|mm| mm.configuration == c.index)
            .filter_map(|mm| data.members[mm.index].final_value(metric))
            .collect();
        out[i][j] = describe(&xs, LEVEL).map(|d| d.mean);
    }
    Some(out)
}

/// Draws the heat map of `metric` for `run` into `area`.
pub fn render(
    data: &SweepData,
    run: &str,
    metric: &str,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let m = &data.manifest;
    let Some(cells) = cells(data, run, metric) else {
        return;
    };
    let (a, b) = (&m.grid[0], &m.grid[1]);
    let block = Block::bordered().title(Line::styled(
        format!(
            " {run}: final {metric} (mean) · {} ↓ × {} → ",
            a.label(),
            b.label()
        ),
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
            let (text, style) = match c {
                None => ("—".to_string(), dim),
                Some(v) => {
                    let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
                    let bg = theme.heat(0.2 * (1.0 - t));
                    (fmt_num(*v), Style::new().bg(bg).fg(Color::Black))
                }
            };
            let text = format!("{text:^w$}", w = (cw - 1) as usize);
            buf.set_stringn(x, y, &text, (cw - 1) as usize, style);
        }
    }
}
