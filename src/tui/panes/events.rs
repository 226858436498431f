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
fn line(e: &EventRecord, plan: bool, width: usize, now: u64, theme: &Theme) -> Line<'static> {
    if plan && e.step > now {
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

/// Which events are a plan: changes written before the run reached their step (a replay's or
/// fork's, written when it was made; those after a checkpoint a resume applies again), known
/// by a start or resume written after them at an earlier step.
fn planned(events: &[EventRecord]) -> Vec<bool> {
    let mut earliest_opening_after = u64::MAX;
    let mut out = vec![false; events.len()];
    for (k, e) in events.iter().enumerate().rev() {
        match e.kind {
            EventKind::Started | EventKind::Resumed { .. } => {
                earliest_opening_after = earliest_opening_after.min(e.step);
            }
            EventKind::Set(_) => out[k] = e.step > earliest_opening_after,
            _ => {}
        }
    }
    out
}

/// The events in the order they took effect, each with whether it is a plan (see
/// [`planned`]): as written, except the plan's changes, each placed before the first other
/// event written at a later step (a resumed run's log goes back in steps, so a plain sort by
/// step would misplace its ends and resumes).
fn in_effect_order(events: &[EventRecord]) -> Vec<(&EventRecord, bool)> {
    let plan = planned(events);
    let mut planned: Vec<&EventRecord> = events
        .iter()
        .zip(&plan)
        .filter(|(_, p)| **p)
        .map(|(e, _)| e)
        .collect();
    planned.sort_by_key(|e| e.step);
    let mut planned = planned.into_iter().peekable();
    let mut out = Vec::with_capacity(events.len());
    for e in events
        .iter()
        .zip(&plan)
        .filter(|(_, p)| !**p)
        .map(|(e, _)| e)
    {
        while let Some(p) = planned.next_if(|p| p.step < e.step) {
            out.push((p, true));
        }
        out.push((e, false));
    }
    out.extend(planned.map(|p| (p, true)));
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
        .map(|(e, _)| e.step.to_string().len())
        .max()
        .unwrap_or(1);
    for (k, (e, plan)) in shown.iter().enumerate() {
        buf.set_line(
            inner.x,
            inner.y + k as u16,
            &line(e, *plan, width, now, theme),
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
        let steps: Vec<u64> = in_effect_order(&log).iter().map(|e| e.0.step).collect();
        assert_eq!(steps, [0, 300, 500, 400, 900]);
        // A fork's log: its source's history, its plan, then the resume the engine writes.
        let fork = vec![
            event(0, EventKind::Started, None),
            set(200, 0.1),
            event(200, EventKind::Replaying { until: 300 }, Some("fork")),
            set(250, 0.12),
            set(300, 0.3),
            event(
                200,
                EventKind::Resumed {
                    checkpoint: 200,
                    steps: 1000,
                },
                None,
            ),
        ];
        let order: Vec<(u64, bool)> = in_effect_order(&fork)
            .iter()
            .map(|(e, p)| (e.step, *p))
            .collect();
        assert_eq!(
            order,
            [
                (0, false),
                (200, false),
                (200, false),
                (200, false),
                (250, true),
                (300, true)
            ]
        );
        // A change made live is no plan, even before the rows reach its step.
        let live = vec![event(0, EventKind::Started, None), set(700, 0.1)];
        assert!(in_effect_order(&live).iter().all(|(_, p)| !p));
    }
}
