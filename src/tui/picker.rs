//! A list popup to choose one item: a preset to start runs from (`n`), or a run of the runs
//! directory to attach (`o`).

use super::popup::centered;
use super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, List, ListState, StatefulWidget};

/// What the list is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickerKind {
    /// Built-in presets and `presets/*.ron`: Enter starts its runs.
    Preset,
    /// Runs of the runs directory not shown yet: Enter attaches one, `A` all.
    Attach,
}

/// The picker's state.
#[derive(Clone, Debug, PartialEq)]
pub struct Picker {
    /// What it is for.
    pub kind: PickerKind,
    /// (value, description) of each item.
    pub items: Vec<(String, String)>,
    /// The highlighted item.
    pub selected: usize,
}

/// What a key did.
#[derive(Clone, Debug, PartialEq)]
pub enum PickerOutcome {
    /// Still choosing.
    Choosing,
    /// Closed.
    Cancelled,
    /// These items were chosen.
    Chosen(Vec<String>),
}

impl Picker {
    /// A picker over `items`.
    pub fn new(kind: PickerKind, items: Vec<(String, String)>) -> Self {
        Picker {
            kind,
            items,
            selected: 0,
        }
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: KeyEvent) -> PickerOutcome {
        let n = self.items.len();
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return PickerOutcome::Cancelled,
            KeyCode::Up | KeyCode::Char('k') if n > 0 => {
                self.selected = (self.selected + n - 1) % n
            }
            KeyCode::Down | KeyCode::Char('j') if n > 0 => self.selected = (self.selected + 1) % n,
            KeyCode::Enter if n > 0 => {
                return PickerOutcome::Chosen(vec![self.items[self.selected].0.clone()])
            }
            KeyCode::Char('A') if self.kind == PickerKind::Attach && n > 0 => {
                return PickerOutcome::Chosen(self.items.iter().map(|i| i.0.clone()).collect())
            }
            _ => {}
        }
        PickerOutcome::Choosing
    }

    /// Draws the popup.
    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let (title, hint) = match self.kind {
            PickerKind::Preset => (" start runs from a preset ", "enter start  esc cancel"),
            PickerKind::Attach => (" attach runs ", "enter attach  A all  esc cancel"),
        };
        let h = (self.items.len() as u16 + 3).clamp(5, 20);
        let r = centered(area, 76, h, buf);
        let items: Vec<Line> = if self.items.is_empty() {
            vec![Line::styled(
                "(nothing to choose from)",
                Style::new().fg(theme.dim()),
            )]
        } else {
            self.items
                .iter()
                .map(|(v, d)| Line::from(format!("{v:<28} {d}")))
                .collect()
        };
        let list = List::new(items).highlight_style(theme.selected()).block(
            Block::bordered()
                .title(Line::styled(title, theme.title()))
                .title_bottom(hint),
        );
        let mut st = ListState::default().with_selected(Some(self.selected));
        StatefulWidget::render(list, r, buf, &mut st);
    }
}
