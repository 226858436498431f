//! The help popup: the main view's keys ([`super::keymap::help_lines`]) and the popups' own.

use super::keymap::help_lines;
use super::popup::centered;
use super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

/// The help's lines: the keys, then the popups' own.
fn lines(theme: &Theme) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = help_lines()
        .into_iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<9}"), theme.title()),
                Span::raw(what),
            ])
        })
        .collect();
    for l in [
        " editor: ↑↓ field, enter apply, esc cancel",
        " quit: d leaves the runs, s stops them",
    ] {
        lines.push(Line::styled(l, Style::new().fg(theme.dim())));
    }
    lines
}

/// The popup's width: every line fits inside its border.
const WIDTH: u16 = 62;

/// The help's lines that fit in `area` with everything shown (the border's two rows off), or
/// a window of them with the scroll line (one row fewer).
pub fn room(area: Rect) -> usize {
    let room = area.height.saturating_sub(2) as usize;
    if line_count() > room {
        room.saturating_sub(1)
    } else {
        room
    }
}

/// How many lines the help has (what scrolling stops at).
pub fn line_count() -> usize {
    lines(&Theme::default()).len()
}

/// Draws the help over `area`, from line `top` on: a terminal too short for every line shows
/// a window of them and says how to scroll (↑↓, PgUp/PgDn, Home/End; any other key closes).
pub fn render(area: Rect, buf: &mut Buffer, theme: &Theme, top: usize) {
    let mut lines = lines(theme);
    let room = area.height.saturating_sub(2) as usize;
    if lines.len() > room && room > 1 {
        let shown = room - 1;
        let top = top.min(lines.len() - shown);
        let (above, below) = (top, lines.len() - shown - top);
        lines = lines.split_off(top);
        lines.truncate(shown);
        lines.push(Line::styled(
            format!(" ↑↓ scroll: {above} more above, {below} below · any other key closes"),
            Style::new().fg(theme.dim()),
        ));
    }
    let r = centered(area, WIDTH, lines.len() as u16 + 2, buf);
    Paragraph::new(lines)
        .block(Block::bordered().title(Line::styled(" keys ", theme.title())))
        .render(r, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line fits the popup: the last one was cut at `quit: d leaves t`.
    #[test]
    fn every_line_fits_inside_the_border() {
        for l in lines(&Theme::default()) {
            let w = l.width();
            assert!(w <= WIDTH as usize - 2, "{w}: {l:?}");
        }
    }
}
