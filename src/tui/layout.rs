//! Screen layout by terminal size: the full layout (every pane at once) from 140×40, a
//! compact one (runs table + one pane chosen with tab or its number) from 60×18 — so 80×24 works —
//! and a "terminal too small" message below that.

use super::app::{App, Popup};
use super::filter::{self, Target};
use super::panes::{self, Row};
use super::{compare, help, quit, runs_table};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

/// Below this size (columns, rows) only a message is drawn.
pub const MIN_SIZE: (u16, u16) = (60, 18);
/// From this size on every pane is shown at once.
pub const FULL_SIZE: (u16, u16) = (140, 40);

/// Which layout a size gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// All panes.
    Full,
    /// One pane at a time.
    Compact,
    /// Only "terminal too small".
    TooSmall,
}

/// The layout for `area`.
pub fn mode(area: Rect) -> Mode {
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        Mode::TooSmall
    } else if area.width >= FULL_SIZE.0 && area.height >= FULL_SIZE.1 {
        Mode::Full
    } else {
        Mode::Compact
    }
}

fn title_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let live = app.live_runs();
    let text = format!(
        " saddle · {} run(s), {live} live · {} ",
        app.runs.len(),
        app.runs_dir
    );
    let hints = " space pause  e η/β  s stop  n new  c compare  ? keys  q quit ";
    buf.set_stringn(
        area.x,
        area.y,
        &text,
        area.width as usize,
        Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
    );
    let tw = text.chars().count() as u16;
    let hw = hints.chars().count() as u16;
    let rest = Style::new().add_modifier(Modifier::REVERSED);
    for x in area.x + tw.min(area.width)..area.x + area.width {
        buf[(x, area.y)].set_symbol(" ").set_style(rest);
    }
    if area.width >= tw + hw {
        buf.set_string(area.x + area.width - hw, area.y, hints, rest);
    }
}

fn status_bar(app: &App, area: Rect, buf: &mut Buffer) {
    if let Some(Popup::Filter(t)) = app.popup {
        let matching = match t {
            Target::Runs => (app.visible().len(), app.runs.len()),
            Target::Metrics => {
                let all = crate::tui::app::metrics(app.current());
                let hits = all
                    .iter()
                    .filter(|m| filter::metric_matches(m, &app.filter.metrics))
                    .count();
                (hits, all.len())
            }
        };
        let line = filter::prompt_line(&app.filter, t, matching, &app.theme);
        buf.set_line(area.x, area.y, &line, area.width);
        return;
    }
    let line = match &app.message {
        Some(m) if m.error => Line::styled(format!(" {}", m.text), app.theme.error()),
        Some(m) => Line::raw(format!(" {}", m.text)),
        None => Line::styled(
            " ←→ metric  l log-y  x axis  [ ] smooth  a all/one run  o attach",
            Style::new().fg(app.theme.dim()),
        ),
    };
    if app.message.is_none() {
        buf.set_line(area.x, area.y, &line, area.width);
        return;
    }
    Paragraph::new(line)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// Lines of the status line: one, or up to three for a message wider than the screen (a
/// refusal's reason is its end, which one line would cut off).
fn status_height(app: &App, width: u16) -> u16 {
    let Some(m) = &app.message else { return 1 };
    // Greedy word wrap as the paragraph does it (a word longer than the width is broken).
    let width = width.max(1) as usize;
    let (mut lines, mut used) = (1usize, 0usize);
    for word in format!(" {}", m.text).split(' ') {
        let n = word.chars().count();
        let need = if used == 0 { n } else { used + 1 + n };
        if need <= width {
            used = need;
        } else {
            lines += 1 + n.saturating_sub(1) / width;
            used = n % width;
        }
    }
    lines.clamp(1, 3) as u16
}

/// The compact layout's tabs, `1 curves  2 spectral …`, the shown one highlighted; without
/// the padding around each tab when they would not fit in `width` columns otherwise.
fn tab_bar(app: &App, width: u16) -> Line<'static> {
    let padded: usize = panes::ALL
        .iter()
        .map(|p| p.title().chars().count() + 4)
        .sum();
    let pad = if padded <= width as usize { " " } else { "" };
    // Narrower still, the key touches its title (`1curves 2spectral …`), in bold.
    let tight = padded - panes::ALL.len() - 1 > width as usize;
    let spans: Vec<Span> = panes::ALL
        .iter()
        .enumerate()
        .flat_map(|(k, p)| {
            let style = if k == app.view.pane {
                app.theme.selected()
            } else {
                Style::new().fg(app.theme.dim())
            };
            let gap = if pad.is_empty() && k > 0 { " " } else { "" };
            if tight {
                vec![
                    Span::styled(format!("{gap}{}", k + 1), style.bold()),
                    Span::styled(p.title(), style),
                ]
            } else {
                vec![Span::styled(
                    format!("{gap}{pad}{} {}{pad}", k + 1, p.title()),
                    style,
                )]
            }
        })
        .collect();
    Line::from(spans)
}

/// What a screen below [`MIN_SIZE`] shows instead of the dashboard (or the sweep view).
pub fn too_small(area: Rect, buf: &mut Buffer) {
    let msg = format!(
        "terminal too small: {}×{}, saddle needs at least {}×{} (q quits)",
        area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
    );
    Paragraph::new(msg)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

/// Draws the whole screen into `buf` (of size `area`).
pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    // Charts register themselves as they are drawn (for clicks): this frame's only.
    app.charts.borrow_mut().clear();
    let m = mode(area);
    if m == Mode::TooSmall {
        // The quit dialog needs no room to be answered: say its keys instead of hiding it.
        if matches!(app.popup, Some(Popup::Quit)) {
            Paragraph::new(format!(
                "quit: {} live run(s) · d quit, leave them running · s stop them, quit · c cancel",
                app.live_runs()
            ))
            .wrap(Wrap { trim: true })
            .render(area, buf);
        } else {
            too_small(area, buf);
        }
        return;
    }
    let table_rows = app.visible().len().max(1) as u16;
    let table_h = if m == Mode::Full {
        table_rows.min(9) + 3
    } else {
        table_rows.min(4) + 3
    };
    let [top, table, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(table_h),
        Constraint::Fill(1),
        Constraint::Length(status_height(app, area.width)),
    ])
    .areas(area);
    title_bar(app, top, buf);
    runs_table::render(app, table, buf);
    status_bar(app, bottom, buf);
    if app.view.compare {
        compare::render(app, body, buf);
    } else if m == Mode::Full {
        let [mid, low] = Layout::vertical([Constraint::Fill(3), Constraint::Fill(2)]).areas(body);
        panes::draw_row(app, Row::Top, mid, buf);
        panes::draw_row(app, Row::Bottom, low, buf);
    } else {
        let [tabs, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(body);
        buf.set_line(tabs.x, tabs.y, &tab_bar(app, tabs.width), tabs.width);
        panes::ALL[app.view.pane.min(panes::ALL.len() - 1)].draw(app, rest, buf);
    }
    match &app.popup {
        None => {}
        Some(Popup::Help(top)) => {
            app.help_room.set(help::room(area));
            help::render(area, buf, &app.theme, *top)
        }
        Some(Popup::Filter(_)) => {}
        Some(Popup::Overview(o)) => o.render(area, buf, &app.theme),
        Some(Popup::Stability(v)) => v.render(area, buf, &app.theme),
        Some(Popup::Quit) => quit::render(app.live_runs(), area, buf, &app.theme),
        Some(Popup::Editor(e)) => e.render(area, buf, &app.theme),
        Some(Popup::Picker(p)) => p.render(area, buf, &app.theme),
        Some(Popup::ConfirmStop(i)) => {
            let name = app.run_name(*i);
            let r = super::popup::centered(area, 44, 5, buf);
            Paragraph::new(vec![
                Line::raw(format!("stop run {name}?")),
                Line::raw(""),
                Line::raw("y stop   n keep it running"),
            ])
            .block(ratatui::widgets::Block::bordered().title(" stop "))
            .render(r, buf);
        }
    }
}
