//! Curves pane: a metric family of the selected or all runs against step, oracle calls or wall
//! time, with TensorBoard's debiased EMA smoothing, log-y, an optional min–max band per
//! bucket, and a vertical marker wherever η or β changed.
//! With the value cursor on (`i`, moved by `{` `}`), a vertical line at its x and, below
//! the chart, what each shown run reads there ([`crate::tui::cursor`]).
//!
//! The x axis ends at the runs' projected end (planned steps, or the oracle calls and wall
//! time that many steps will take at the current rate) and y bounds snap to a 1-2-5 grid or
//! whole decades: as a run advances only the new end of its curve is drawn, not the whole
//! chart — what keeps the bytes sent over SSH low.

use super::phase::draw_order;
use super::{Key, Pane, Place};
use crate::tui::app::metrics;
use crate::tui::app::{App, MetricSpec};
use crate::tui::cursor;
use crate::tui::model::RunData;
use crate::tui::plot::{nice_bounds, Plot, Polyline};
use crate::tui::series::{smooth, XAxis};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

/// Where a run's x axis is projected to end.
pub fn x_end(run: &RunData, axis: XAxis) -> f64 {
    let planned = run.steps.max(run.step) as f64;
    match axis {
        XAxis::Step => planned,
        _ => {
            let (Some(x), Some(s)) = (run.series.last_x(axis), run.series.last_x(XAxis::Step))
            else {
                return 0.0;
            };
            if s > 0.0 && run.status.is_live() {
                x / s * planned
            } else {
                x
            }
        }
    }
}

/// Curves of `runs` (indices, drawn in order) for `spec`, `px` braille columns wide, with
/// the given bounds (None: fitted to these runs).
pub fn plot(
    app: &App,
    runs: &[usize],
    spec: &MetricSpec,
    px: usize,
    bounds: Option<([f64; 2], [f64; 2])>,
) -> Plot {
    let v = &app.view;
    let theme = &app.theme;
    let mut plot = Plot {
        log_y: v.log_y,
        axes: true,
        ..Default::default()
    };
    // Log-y leaves out values at or below zero (losses that change sign): noted, so the
    // title can say so rather than show half a curve without a word.
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut hidden = false;
    let mut take = |y: f64| {
        if y.is_finite() {
            if !v.log_y || y > 0.0 {
                lo = lo.min(y);
                hi = hi.max(y);
            } else {
                hidden = true;
            }
        }
    };
    let mut x_max: f64 = 0.0;
    for &i in runs {
        let run = &app.runs[i];
        let color = theme.run_color(run.color);
        x_max = x_max.max(x_end(run, v.x_axis));
        for (col, dotted) in &spec.columns {
            let Some(c) = run.column(col) else { continue };
            let buckets = run.series.view(c, v.x_axis, px.max(8));
            let raw: Vec<f64> = buckets.iter().map(|b| b.last).collect();
            if v.band {
                let mut zig = Vec::with_capacity(2 * buckets.len());
                for b in &buckets {
                    zig.push((b.x, b.min));
                    zig.push((b.x, b.max));
                    take(b.min);
                    take(b.max);
                }
                plot.lines.push(Polyline {
                    points: zig,
                    color: theme.dim(),
                });
            }
            let shown = smooth(&raw, v.smoothing);
            if v.smoothing > 0.0 && !dotted {
                let pts = buckets.iter().zip(&raw).map(|(b, y)| (b.x, *y)).collect();
                plot.lines.push(Polyline {
                    points: pts,
                    color: theme.dim(),
                });
            }
            let pts: Vec<(f64, f64)> = buckets.iter().zip(&shown).map(|(b, y)| (b.x, *y)).collect();
            pts.iter().for_each(|p| take(p.1));
            if *dotted {
                plot.points.push((pts, color));
            } else {
                plot.lines.push(Polyline { points: pts, color });
            }
        }
        for m in &run.markers {
            if let Some(x) = run.series.x_at_step(m.step as f64, v.x_axis) {
                plot.vlines.push((x, theme.accent()));
            }
        }
    }
    if let Some(cx) = v.cursor {
        // Drawn first, so curves stay on top where they cross it.
        plot.vlines.insert(0, (cx, Color::Reset));
    }
    plot.nonpositive_hidden = hidden;
    let (xb, yb) = bounds.unwrap_or_else(|| {
        let yb = if lo.is_finite() {
            nice_bounds(lo, hi, v.log_y)
        } else {
            [if v.log_y { 0.1 } else { 0.0 }, 1.0]
        };
        ([0.0, if x_max > 0.0 { x_max } else { 1.0 }], yb)
    });
    plot.x = xb;
    plot.y = yb;
    plot
}

/// The pane's title line; `hidden`: log-y left out values at or below zero (see
/// [`Plot::nonpositive_hidden`]), which the title then says (`l` shows them, linear).
pub fn title(app: &App, spec: &MetricSpec, hidden: bool) -> Line<'static> {
    let v = &app.view;
    let mut parts = vec![Span::styled(format!(" {} ", spec.title), app.theme.title())];
    let mut flags = vec![format!("x: {}", v.x_axis.label())];
    if v.log_y && hidden {
        flags.push("log-y hides values ≤ 0 (l: linear)".into());
    } else if v.log_y {
        flags.push("log-y".into());
    }
    if v.smoothing > 0.0 {
        flags.push(format!("smooth {:.1}", v.smoothing));
    }
    if v.band {
        flags.push("band".into());
    }
    flags.push(if v.overlay_all {
        "all runs".into()
    } else {
        "selected run".into()
    });
    if !app.filter.runs.is_empty() {
        flags.push(format!("runs /{}", app.filter.runs));
    }
    if !app.filter.metrics.is_empty() {
        flags.push(format!("metrics /{}", app.filter.metrics));
    }
    parts.push(Span::styled(
        format!("· {} ", flags.join(" · ")),
        Style::new().fg(app.theme.dim()),
    ));
    Line::from(parts)
}

/// Draws the pane.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let spec = app.metric();
    let inner = Block::bordered().inner(area);
    if inner.height < 3 || inner.width < 10 {
        Block::bordered()
            .title(title(app, &spec, false))
            .render(area, buf);
        return;
    }
    let order = draw_order(app);
    let legend = inner.height >= 8;
    let readout = readout(app, &spec);
    // The readout takes rows from the chart down to 4 of them.
    let room = (inner.height - legend as u16).saturating_sub(4) as usize;
    let shown = readout.len().min(room);
    let plot_area = Rect {
        height: inner.height - legend as u16 - shown as u16,
        ..inner
    };
    let p = plot(app, &order, &spec, 2 * plot_area.width as usize, None);
    // The title says whether log-y held, which the plot decided.
    Block::bordered()
        .title(title(app, &spec, p.nonpositive_hidden))
        .render(area, buf);
    let canvas = p.render(plot_area, buf, &app.theme);
    app.charts.borrow_mut().push((canvas, p.x));
    for (k, line) in readout.iter().take(shown).enumerate() {
        let y = plot_area.y + plot_area.height + k as u16;
        buf.set_line(inner.x, y, line, inner.width);
    }
    if legend {
        // Whole entries only, then how many did not fit: a name cut at the border read as
        // another run's (`sim β=-0` for β = −0.5).
        let width = inner.width as usize;
        let mark = if app.theme.ascii { "#" } else { "■" };
        let changed = app.runs.iter().any(|r| !r.markers.is_empty());
        // The runs come first; the note of changed η/β goes where room is left.
        let note = "│ η/β changed";
        let more = |n: usize| format!("+{n} more  ");
        let mut spans = vec![];
        let mut used = 0;
        for (k, &i) in order.iter().enumerate() {
            let r = &app.runs[i];
            let entry = 2 + r.name.chars().count() + 2;
            let left = order.len() - k - 1;
            let reserve = if left > 0 {
                more(left).chars().count()
            } else {
                0
            };
            if used + entry + reserve > width {
                spans.push(Span::styled(
                    more(order.len() - k),
                    Style::new().fg(app.theme.dim()),
                ));
                used += more(order.len() - k).chars().count();
                break;
            }
            used += entry;
            spans.push(Span::styled(
                format!("{mark} "),
                Style::new().fg(app.theme.run_color(r.color)),
            ));
            spans.push(Span::raw(format!("{}  ", r.name)));
        }
        if changed && used + note.chars().count() <= width {
            spans.push(Span::styled(note, Style::new().fg(app.theme.accent())));
        }
        buf.set_line(
            inner.x,
            inner.y + inner.height - 1,
            &Line::from(spans),
            inner.width,
        );
    }
}

/// The value cursor's readout, empty when it is off: a line with the cursor's x, then per
/// shown run (in attach order) its values there, η and β in force and its nearest event.
pub fn readout(app: &App, spec: &MetricSpec) -> Vec<Line<'static>> {
    let v = &app.view;
    let Some(cx) = v.cursor else { return vec![] };
    let dim = Style::new().fg(app.theme.dim());
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!(" cursor {} {}", v.x_axis.label(), cursor::fmt_value(cx)),
            app.theme.title(),
        ),
        Span::styled("  { } move · i off", dim),
    ])];
    let mut order = draw_order(app);
    order.sort_unstable();
    for i in order {
        let run = &app.runs[i];
        let mark = if app.theme.ascii { "#" } else { "■" };
        let mut spans = vec![
            Span::styled(
                format!(" {mark} "),
                Style::new().fg(app.theme.run_color(run.color)),
            ),
            Span::raw(format!("{} ", run.name)),
        ];
        match cursor::read(run, spec, v.x_axis, cx) {
            None => spans.push(Span::styled("no row logged by then", dim)),
            Some(r) => {
                spans.push(Span::styled(format!("step {} ", r.step), dim));
                spans.push(Span::raw(format!(
                    "{}  {}",
                    cursor::values_text(&r),
                    cursor::hyper_text(r.eta, r.beta)
                )));
                if let Some(e) = cursor::nearest_event(run, r.step) {
                    spans.push(Span::styled(
                        format!("  event @{}: {}", e.step, super::events::describe(&e.kind)),
                        dim,
                    ));
                }
            }
        }
        lines.push(Line::from(spans));
    }
    lines
}

/// Moves the cursor by `dir` 1/[`cursor::STEPS`] of the x axis of the runs shown, within it.
fn move_cursor(app: &mut App, dir: f64) {
    let end = draw_order(app)
        .iter()
        .map(|&i| x_end(&app.runs[i], app.view.x_axis))
        .fold(0.0, f64::max);
    let end = if end > 0.0 { end } else { 1.0 };
    if let Some(x) = app.view.cursor.as_mut() {
        *x = (*x + dir * end / cursor::STEPS).clamp(0.0, end);
    }
}

/// The curves pane, and the keys that change how curves are drawn (here and in the compare
/// view).
pub struct Curves;

impl Pane for Curves {
    fn title(&self) -> &'static str {
        "curves"
    }
    fn place(&self) -> Place {
        Place::top(58)
    }
    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer) {
        render(app, area, buf)
    }
    fn keys(&self) -> &'static [Key] {
        &[
            ("←/→", "previous / next metric"),
            ("l", "log-y on / off"),
            ("x", "x axis: step → calls → J·v-equivalents → time"),
            ("[ ]", "less / more smoothing (debiased EMA)"),
            ("a", "curves of all runs / the selected run"),
            ("b", "min–max band of each bucket on / off"),
            ("i { }", "value cursor on / off, move it left / right"),
        ]
    }
    fn on_key(&self, app: &mut App, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Char('i') => {
                app.view.cursor = match app.view.cursor {
                    Some(_) => None,
                    None => Some(cursor::start(app.current(), app.view.x_axis)),
                };
                return true;
            }
            KeyCode::Char('{') => {
                move_cursor(app, -1.0);
                return true;
            }
            KeyCode::Char('}') => {
                move_cursor(app, 1.0);
                return true;
            }
            KeyCode::Char('x') => {
                let (from, to) = (app.view.x_axis, app.view.x_axis.next());
                if let Some(x) = app.view.cursor {
                    app.view.cursor = Some(cursor::carry(app.current(), x, from, to));
                }
            }
            _ => {}
        }
        // ←/→ step through the families the metric filter passes.
        let all = metrics(app.current());
        let choices = app.metric_choices(&all);
        let at = app.metric_index(&all);
        let k = choices.iter().position(|&c| c == at).unwrap_or(0);
        let n = choices.len();
        let v = &mut app.view;
        match key.code {
            KeyCode::Right => v.metric = choices[(k + 1) % n],
            KeyCode::Left => v.metric = choices[(k + n - 1) % n],
            KeyCode::Char('l') => v.log_y = !v.log_y,
            KeyCode::Char('x') => v.x_axis = v.x_axis.next(),
            KeyCode::Char(']') => {
                v.smoothing = ((v.smoothing * 10.0).round() / 10.0 + 0.1).min(0.9)
            }
            KeyCode::Char('[') => {
                v.smoothing = ((v.smoothing * 10.0).round() / 10.0 - 0.1).max(0.0)
            }
            KeyCode::Char('a') => v.overlay_all = !v.overlay_all,
            KeyCode::Char('b') => v.band = !v.band,
            _ => return false,
        }
        true
    }
}
