//! Events pane: the selected run's control history from its `events.jsonl` — starts and
//! resumes, every change of η, β and the other live parameters (old → new), pauses,
//! checkpoints asked for, refusals with their reason, and how the run ended — newest at the
//! bottom, each at the step it took effect.

use super::{Pane, Place};
use crate::run::events::{EventKind, EventRecord};
use crate::tui::app::App;
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

/// The events pane.
pub struct Events;

impl Pane for Events {
    fn title(&self) -> &'static str {
        "events"
    }
    fn place(&self) -> Place {
        Place::bottom(25)
    }
    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer) {
        render(app, area, buf)
    }
}

/// What happened, in a few words.
pub fn describe(kind: &EventKind) -> String {
    match kind {
        EventKind::Started => "started".into(),
        EventKind::Resumed { checkpoint, steps } => {
            format!("resumed from step {checkpoint}, to {steps}")
        }
        EventKind::Set(c) => format!("{} {} → {}", c.param, c.old, c.new),
        EventKind::Refused { command, reason } => format!("refused {command}: {reason}"),
        EventKind::Pause => "paused".into(),
        EventKind::Resume => "resumed".into(),
        EventKind::Checkpoint => "checkpoint".into(),
        EventKind::Ended { status } => format!("ended: {status}"),
        EventKind::Warning { message } => format!("warning: {message}"),
        EventKind::Replaying { until } => format!("replaying to step {until}"),
    }
}

/// One line: the step, right-aligned to `width`, then what happened; changes stand out,
/// refusals are errors.
fn line(e: &EventRecord, width: usize, theme: &Theme) -> Line<'static> {
    let text = Span::raw(describe(&e.kind));
    let text = match e.kind {
        EventKind::Set(_) => text.fg(theme.accent()),
        EventKind::Refused { .. } | EventKind::Warning { .. } => text.style(theme.error()),
        _ => text,
    };
    Line::from(vec![
        Span::styled(format!("{:>width$} ", e.step), Style::new().fg(theme.dim())),
        text,
    ])
}

/// Draws the pane: as many of the newest events as fit.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let block = Block::bordered().title(Line::styled(" events (step, what) ", theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let events = app.current().map_or(&[][..], |r| r.events.as_slice());
    if events.is_empty() {
        Paragraph::new("no events yet")
            .style(Style::new().fg(theme.dim()))
            .render(inner, buf);
        return;
    }
    let shown = &events[events.len().saturating_sub(inner.height as usize)..];
    let width = shown
        .iter()
        .map(|e| e.step.to_string().len())
        .max()
        .unwrap_or(1);
    for (k, e) in shown.iter().enumerate() {
        buf.set_line(
            inner.x,
            inner.y + k as u16,
            &line(e, width, theme),
            inner.width,
        );
    }
}
