//! Compare view: the current metric of two or more runs side by side, one small chart per
//! run titled with its method parameters (γ, k, α, …), all on the same x and y ranges so shapes and levels compare at a glance.
//! With the value cursor on, each chart shows it and its run's reading there (no event: the
//! cells are too narrow; the curves pane has them).

use super::app::App;
use super::cursor;
use super::editor::method_summary;
use super::panes::curves::{plot, title};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Widget};

/// Draws the view.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let spec = app.metric();
    let runs = app.compared();
    let inner = Block::bordered().inner(area);
    let n = runs.len().max(1) as u16;
    let cols = if inner.width >= 100 {
        n.min(((n as f64).sqrt().ceil() as u16).max(2))
    } else {
        n.min(2)
    };
    let (cw, ch) = (inner.width / cols, inner.height / n.div_ceil(cols));
    // Shared axes: fit all compared runs once, then draw each with those bounds.
    let all = plot(app, &runs, &spec, 2 * cw as usize, None);
    let outer = Block::bordered()
        .title(title(app, &spec, all.nonpositive_hidden))
        .title_bottom(Line::styled(
            " compare · m marks runs (≥2 marked: only those) · c back ",
            Style::new().fg(app.theme.dim()),
        ));
    outer.render(area, buf);
    if runs.is_empty() || inner.width < 20 || inner.height < 5 {
        return;
    }
    let bounds = Some((all.x, all.y));
    for (k, &i) in runs.iter().enumerate() {
        let (gx, gy) = (k as u16 % cols, k as u16 / cols);
        let cell = Rect {
            x: inner.x + gx * cw,
            y: inner.y + gy * ch,
            width: cw,
            height: ch,
        };
        let run = &app.runs[i];
        let params = method_summary(run);
        let title = if params.is_empty() {
            format!(" {} · {} ", run.name, run.status.word())
        } else {
            format!(" {} · {params} · {} ", run.name, run.status.word())
        };
        let mut b = Block::bordered()
            .border_style(Style::new().fg(app.theme.run_color(run.color)))
            .title(Line::styled(title, app.theme.title()));
        if let Some(cx) = app.view.cursor {
            // The value cursor's reading of this run, where a run's own chart has room.
            let text = match cursor::read(run, &spec, app.view.x_axis, cx) {
                None => " no row logged by then ".to_string(),
                Some(r) => format!(
                    " step {} · {} · {} ",
                    r.step,
                    cursor::values_text(&r),
                    cursor::hyper_text(r.eta, r.beta)
                ),
            };
            b = b.title_bottom(Line::raw(text));
        }
        let pa = b.inner(cell);
        b.render(cell, buf);
        let p = plot(app, &[i], &spec, 2 * pa.width as usize, bounds);
        let canvas = p.render(pa, buf, &app.theme);
        app.charts.borrow_mut().push((canvas, p.x));
    }
}
