//! Runs table: one row per run with its color, name, method, status, progress, oracle calls,
//! η and β per player, the methods' own parameters (γ, k, α, …), the key metrics of its kind of game (‖ω − ω*‖ and ‖F‖ for toy games,
//! modes covered and the high-quality share for mixtures, IS / FID for scored image GANs; see
//! [`super::kinds`]), a sparkline of its main one over its history, and, for live runs with
//! system samples, the process's CPU % and resident memory from its newest `system.csv` row.
//! Only the runs the filter (`/`) passes are listed; a pinned run's name starts with ◆.
//! Columns are dropped from the right, least useful first, when the pane is narrow.

use super::app::App;
use super::editor::method_summary;
use super::kinds::{history_column, table_columns, table_metrics, GameKind};
use super::model::RunData;
use super::panes::system::bytes;
use super::plot::fmt_num;
use super::series::XAxis;
use super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, StatefulWidget, Table, TableState};

/// A sparkline of `values` in `width` characters (log scale when all are positive).
pub fn sparkline(values: &[f64], width: usize, theme: &Theme) -> String {
    let levels = theme.spark_levels();
    let vals: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if vals.is_empty() || width == 0 {
        return String::new();
    }
    let log = vals.iter().all(|v| *v > 0.0);
    let t: Vec<f64> = vals
        .iter()
        .map(|v| if log { v.log10() } else { *v })
        .collect();
    let (lo, hi) = t
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let n = t.len();
    (0..width.min(n))
        .map(|k| {
            // The last value of each of `width` equal slices.
            let i = ((k + 1) * n).div_ceil(width.min(n)) - 1;
            let f = if hi > lo {
                (t[i.min(n - 1)] - lo) / (hi - lo)
            } else {
                0.5
            };
            levels[((f * (levels.len() - 1) as f64).round() as usize).min(levels.len() - 1)]
        })
        .collect()
}

fn pair(v: [f64; 2]) -> String {
    if v[0].to_bits() == v[1].to_bits() {
        fmt_num(v[0])
    } else {
        format!("{}/{}", fmt_num(v[0]), fmt_num(v[1]))
    }
}

/// The run process's CPU % and resident memory from its newest system sample, when it is
/// live (a finished run's last sample says nothing of now); blank cells otherwise.
fn system_cells(r: &RunData) -> (String, String) {
    let newest = r.system.back().filter(|_| r.status.is_live());
    let get = |c| newest.and_then(|s| s.get(c)).filter(|v| v.is_finite());
    (
        get("cpu_percent").map_or_else(String::new, |v| format!("{v:.0}%")),
        get("rss_bytes").map_or_else(String::new, |v| bytes(v).replace(' ', "")),
    )
}

/// Draws the pane.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let w = area.width.saturating_sub(2);
    // The value columns of the games shown (distance and ‖F‖ for toy games, modes covered
    // for mixtures, IS / FID for image GANs…), the first kept longest.
    let metrics = table_columns(&app.runs);
    // (header, width, priority: lower survives longer)
    let mut cols: Vec<(&str, u16, u8)> = vec![
        (" ", 1, 0),
        ("run", 18, 0),
        ("method", 22, 5),
        ("status", 11, 0),
        ("step", 13, 0),
        ("oracle", 8, 6),
        ("η θ/φ", 9, 2),
        ("β θ/φ", 10, 1),
        ("params", 14, 5),
    ];
    let first_metric = cols.len();
    for (k, m) in metrics.iter().enumerate() {
        cols.push((m.header(), 8, [1, 4, 5][k.min(2)]));
    }
    cols.push(("history", 12, 3));
    cols.push(("cpu", 5, 6));
    cols.push(("rss", 7, 6));
    let shown = app.visible();
    let summaries: Vec<String> = app.runs.iter().map(method_summary).collect();
    let mut keep: Vec<bool> = vec![true; cols.len()];
    // The system columns only when some run shown has system samples.
    let n = cols.len();
    let sampled = shown.iter().any(|&i| !app.runs[i].system.is_empty());
    keep[n - 2] = sampled;
    keep[n - 1] = sampled;
    // The params column only when some run's method has parameters of its own.
    let params_col = cols
        .iter()
        .position(|c| c.0 == "params")
        .expect("params column");
    keep[params_col] = summaries.iter().any(|s| !s.is_empty());
    let total = |keep: &[bool]| {
        cols.iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c.1 + 1)
            .sum::<u16>()
    };
    for prio in (1..=6).rev() {
        if total(&keep) <= w {
            break;
        }
        for (i, c) in cols.iter().enumerate() {
            if c.2 == prio {
                keep[i] = false;
            }
        }
    }
    // Width left over goes to the names, then the methods, as far as the longest needs:
    // seed variants (`adam D β=-0.5 seed=3`) differ at their end.
    let mut spare = w.saturating_sub(total(&keep));
    let longest = |f: &dyn Fn(&RunData) -> usize| {
        shown
            .iter()
            .map(|&i| f(&app.runs[i]) as u16)
            .max()
            .unwrap_or(0)
    };
    for (col, need) in [
        (1, longest(&|r| r.name.chars().count() + 2)),
        (2, longest(&|r| r.method.chars().count())),
    ] {
        if keep[col] {
            let grow = need.saturating_sub(cols[col].1).min(spare);
            cols[col].1 += grow;
            spare -= grow;
        }
    }
    let spark_w = cols[n - 3].1 as usize;
    let rows: Vec<Row> = shown
        .iter()
        .map(|&i| (i, &app.runs[i]))
        .map(|(i, r)| {
            let color = theme.run_color(r.color);
            let mark = if app.marked.get(i).copied().unwrap_or(false) {
                "▶"
            } else {
                "■"
            };
            let mark = if theme.ascii {
                if mark == "■" {
                    "#"
                } else {
                    ">"
                }
            } else {
                mark
            };
            // A fork replaying its source shows where its own parameters start.
            let replay = r.replaying_to.filter(|_| r.status.is_live());
            let status_word = if replay.is_some() {
                "replaying"
            } else {
                r.status.word()
            };
            let status_style = match status_word {
                "diverged" | "failed" | "crashed" | "missing" => theme.error(),
                "paused" | "replaying" => Style::new().fg(theme.accent()),
                _ => Style::new(),
            };
            let spark = r
                .column(history_column(GameKind::of_run(r)))
                .map(|c| {
                    r.series
                        .view(c, XAxis::Step, 64)
                        .iter()
                        .map(|b| b.last)
                        .collect::<Vec<_>>()
                })
                .map(|v| sparkline(&v, spark_w, theme))
                .unwrap_or_default();
            let pin = if theme.ascii { "* " } else { "◆ " };
            let name = if app.pinned.get(i).copied().unwrap_or(false) {
                format!("{pin}{}", r.name)
            } else {
                r.name.clone()
            };
            let mut cells = vec![
                Cell::from(Span::styled(mark, Style::new().fg(color))),
                Cell::from(name),
                Cell::from(r.method.clone()),
                Cell::from(Span::styled(status_word, status_style)),
                Cell::from(match replay {
                    Some(u) => format!("{}→{u}", r.step),
                    None => format!("{}/{}", r.step, r.steps),
                }),
                Cell::from(r.oracle_calls.to_string()),
                Cell::from(replay.map_or_else(|| pair(r.eta), |_| format!("→{}", pair(r.eta)))),
                Cell::from(replay.map_or_else(|| pair(r.beta), |_| format!("→{}", pair(r.beta)))),
                Cell::from(summaries[i].clone()),
            ];
            debug_assert_eq!(cells.len(), first_metric);
            let own = table_metrics(GameKind::of_run(r));
            cells.extend(metrics.iter().map(|m| {
                Cell::from(if own.contains(m) {
                    m.cell(r)
                } else {
                    String::new()
                })
            }));
            cells.push(Cell::from(Span::styled(spark, Style::new().fg(color))));
            let (cpu, rss) = system_cells(r);
            cells.extend([Cell::from(cpu), Cell::from(rss)]);
            Row::new(
                cells
                    .into_iter()
                    .zip(&keep)
                    .filter(|(_, k)| **k)
                    .map(|(c, _)| c),
            )
        })
        .collect();
    let header = Row::new(
        cols.iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c.0),
    )
    .style(Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    let widths: Vec<Constraint> = cols
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(c, _)| Constraint::Length(c.1))
        .collect();
    let refusal = app.current().and_then(|r| r.last_refusal.clone());
    let count = if app.filter.runs.is_empty() {
        format!(" runs ({}) ", app.runs.len())
    } else {
        format!(
            " runs ({} of {} · /{}) ",
            shown.len(),
            app.runs.len(),
            app.filter.runs
        )
    };
    // Rows past the table's height are reached with ↑↓ only: the title says so, or a run
    // out of view went unnoticed (5 runs, 4 rows, nothing to tell).
    let fits = area.height.saturating_sub(3) as usize;
    let count = if shown.len() > fits {
        format!(
            "{} · {fits} in view, ↑↓ for more) ",
            count.trim_end_matches(") ")
        )
    } else {
        count
    };
    let mut block = Block::bordered().title(Line::styled(count, theme.title()));
    if shown.is_empty() && !app.runs.is_empty() {
        block = block.title_bottom(Line::styled(
            format!(" no run matches /{} · Esc clears ", app.filter.runs),
            theme.error(),
        ));
    }
    if let Some(r) = refusal {
        block = block.title_bottom(Line::styled(format!(" {r} "), theme.error()));
    }
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme.selected());
    let mut st = TableState::default().with_selected(shown.iter().position(|&i| i == app.selected));
    StatefulWidget::render(table, area, buf, &mut st);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_spans_the_levels() {
        let t = Theme::default();
        assert_eq!(sparkline(&[1.0, 10.0, 100.0], 3, &t), "▁▅█");
        assert_eq!(sparkline(&[1.0, 2.0, 3.0, 4.0], 2, &t), "▅█");
        assert_eq!(sparkline(&[], 4, &t), "");
        assert_eq!(
            sparkline(&[-1.0, 1.0], 2, &Theme { ascii: true, ..t }),
            "_#"
        );
    }

    /// More runs than rows: the title says how many are in view.
    #[test]
    fn a_table_too_short_for_its_runs_says_so() {
        let app = crate::tui::tests::app();
        let title = |h: u16| {
            let mut buf = Buffer::empty(Rect::new(0, 0, 100, h));
            render(&app, Rect::new(0, 0, 100, h), &mut buf);
            (0..100)
                .map(|x| buf[(x, 0)].symbol().to_string())
                .collect::<String>()
        };
        assert!(
            title(6).contains("runs (4 · 3 in view, ↑↓ for more)"),
            "{}",
            title(6)
        );
        assert!(title(12).contains("runs (4) "), "{}", title(12));
    }
}
