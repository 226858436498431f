//! Events pane: the selected run's control history from its `events.jsonl` — starts and
//! resumes, every change of η, β and the other live parameters (old → new), pauses,
//! checkpoints asked for, refusals with their reason, and how the run ended — newest at the
//! bottom, each at the step it took effect. A replay's log holds its changes before they
//! happen (its plan, written when it was made, before `started`): they are shown where they
//! take effect among the other events, and those past the run's step as planned.

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
fn line(e: &EventRecord, width: usize, now: u64, theme: &Theme) -> Line<'static> {
    let planned = matches!(e.kind, EventKind::Set(_)) && e.step > now;
    if planned {
        return Line::from(vec![
            Span::styled(format!("{:>width$} ", e.step), Style::new().fg(theme.dim())),
            Span::styled(
                format!("planned: {}", describe(&e.kind)),
                Style::new().fg(theme.dim()),
            ),
        ]);
    }
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

/// The events in the order they took effect: as written, except a replay's planned changes,
/// each placed before the first other event written at a later step (a resumed run's log
/// goes back in steps, so a plain sort by step would misplace its ends and resumes).
fn in_effect_order(events: &[EventRecord]) -> Vec<&EventRecord> {
    let plan = |e: &EventRecord| {
        matches!(e.kind, EventKind::Set(_)) && e.source.as_deref() == Some("replay")
    };
    let mut planned: Vec<&EventRecord> = events.iter().filter(|e| plan(e)).collect();
    planned.sort_by_key(|e| e.step);
    let mut planned = planned.into_iter().peekable();
    let mut out = Vec::with_capacity(events.len());
    for e in events.iter().filter(|e| !plan(e)) {
        while let Some(p) = planned.next_if(|p| p.step < e.step) {
            out.push(p);
        }
        out.push(e);
    }
    out.extend(planned);
    out
}

/// Draws the pane: as many of the newest events as fit.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let block = Block::bordered().title(Line::styled(" events (step, what) ", theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let (events, now) = app
        .current()
        .map_or((&[][..], 0), |r| (r.events.as_slice(), r.step));
    if events.is_empty() {
        Paragraph::new("no events yet")
            .style(Style::new().fg(theme.dim()))
            .render(inner, buf);
        return;
    }
    let ordered = in_effect_order(events);
    let shown = &ordered[ordered.len().saturating_sub(inner.height as usize)..];
    let width = shown
        .iter()
        .map(|e| e.step.to_string().len())
        .max()
        .unwrap_or(1);
    for (k, e) in shown.iter().enumerate() {
        buf.set_line(
            inner.x,
            inner.y + k as u16,
            &line(e, width, now, theme),
            inner.width,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::control::Change;
    use crate::run::Status;

    fn event(step: u64, kind: EventKind, source: Option<&str>) -> EventRecord {
        EventRecord {
            step,
            time: 0.0,
            source: source.map(Into::into),
            request: None,
            kind,
        }
    }

    #[test]
    fn a_replays_plan_is_shown_where_it_takes_effect() {
        let set = |step, new| {
            let c = Change {
                param: "eta.theta".into(),
                old: 0.2,
                new,
            };
            event(step, EventKind::Set(c), Some("replay"))
        };
        let log = vec![
            set(300, 0.1),
            set(900, 0.15),
            event(0, EventKind::Started, None),
            event(
                500,
                EventKind::Ended {
                    status: Status::Interrupted,
                },
                None,
            ),
            event(
                400,
                EventKind::Resumed {
                    checkpoint: 400,
                    steps: 1000,
                },
                None,
            ),
        ];
        let steps: Vec<u64> = in_effect_order(&log).iter().map(|e| e.step).collect();
        assert_eq!(steps, [0, 300, 500, 400, 900]);
    }
}
