//! The help popup: the main view's keys ([`super::keymap::help_lines`]) and the popups' own.

use super::keymap::help_lines;
use super::popup::centered;
use super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

/// Draws the help over `area`.
pub fn render(area: Rect, buf: &mut Buffer, theme: &Theme) {
    let mut lines: Vec<Line> = help_lines()
        .into_iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<9}"), theme.title()),
                Span::raw(what),
            ])
        })
        .collect();
    lines.push(Line::styled(
        " editor: ↑↓ field, enter apply, esc cancel · any key closes",
        Style::new().fg(theme.dim()),
    ));
    // A terminal too short for every line says how many it leaves out, last.
    let room = area.height.saturating_sub(2) as usize;
    if lines.len() > room && room > 0 {
        let left = lines.len() - (room - 1);
        lines.truncate(room - 1);
        lines.push(Line::styled(
            format!(" … {left} more lines: a taller terminal shows them"),
            Style::new().fg(theme.dim()),
        ));
    }
    let r = centered(area, 62, lines.len() as u16 + 2, buf);
    Paragraph::new(lines)
        .block(Block::bordered().title(Line::styled(" keys ", theme.title())))
        .render(r, buf);
}
