//! The quit dialog: training runs in its own process, so quitting the dashboard can either stop
//! the runs it shows or leave them running detached (re-attach with `saddle attach`).

use super::popup::centered;
use super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

/// What the user chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuitChoice {
    /// Not decided yet.
    Undecided,
    /// Back to the dashboard.
    Cancel,
    /// Stop every live run shown, then quit.
    StopRuns,
    /// Quit; the runs go on in their worker process.
    Detach,
}

/// Maps a key in the dialog to a choice (ctrl-c twice quits detached: never lose a run by
/// accident).
pub fn on_key(key: KeyEvent) -> QuitChoice {
    match key.code {
        KeyCode::Char('s') => QuitChoice::StopRuns,
        KeyCode::Char('d') | KeyCode::Char('q') | KeyCode::Enter => QuitChoice::Detach,
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => QuitChoice::Detach,
        KeyCode::Char('c') | KeyCode::Esc => QuitChoice::Cancel,
        _ => QuitChoice::Undecided,
    }
}

/// Draws the dialog; `live` is the number of live runs shown.
pub fn render(live: usize, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let r = centered(area, 50, 8, buf);
    let lines = vec![
        Line::raw(format!("{live} run(s) shown are live.")),
        Line::raw(""),
        Line::raw("d  quit, leave them running (saddle attach)"),
        Line::raw("s  stop them, then quit"),
        Line::styled("c  cancel", Style::new().fg(theme.dim())),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title(Line::styled(" quit ", theme.title())))
        .render(r, buf);
}
