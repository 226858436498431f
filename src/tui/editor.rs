//! The η/β editor popup: four fields (η and β of each player) prefilled with the values in
//! force. Only numbers are checked here; the run itself validates the change and answers with
//! a `set` or a `refused` event carrying its reason, which the dashboard then shows.

use super::theme::Theme;
use crate::run::control::Command;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

/// The live parameters the editor changes, in field order.
pub const FIELDS: [(&str, &str); 4] = [
    ("eta.theta", "η θ (generator step size)"),
    ("eta.phi", "η φ (discriminator step size)"),
    ("beta.theta", "β θ (generator momentum)"),
    ("beta.phi", "β φ (discriminator momentum)"),
];

/// The editor's state.
#[derive(Clone, Debug, PartialEq)]
pub struct Editor {
    /// Index of the run being edited.
    pub run: usize,
    /// The run's name, for the title.
    pub run_name: String,
    /// The values in force when the editor opened, in [`FIELDS`] order.
    pub initial: [f64; 4],
    /// The text of each field.
    pub text: [String; 4],
    /// The field with the cursor.
    pub focus: usize,
    /// Why the last Enter was not accepted.
    pub error: Option<String>,
    /// Fork mode: the changes go to a new run branched at this step instead of to the run.
    pub fork_at: Option<u64>,
}

/// What a key did to the editor.
#[derive(Clone, Debug, PartialEq)]
pub enum EditorOutcome {
    /// Keep editing.
    Editing,
    /// Closed without changes.
    Cancelled,
    /// Send these commands to the run (one `Set` per changed field, possibly none).
    Apply(Vec<Command>),
}

fn show(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

impl Editor {
    /// Opens on run `run` with η = (θ, φ) and β = (θ, φ) in force.
    pub fn new(run: usize, run_name: &str, eta: [f64; 2], beta: [f64; 2]) -> Self {
        let initial = [eta[0], eta[1], beta[0], beta[1]];
        Editor {
            run,
            run_name: run_name.to_string(),
            initial,
            text: initial.map(show),
            focus: 0,
            error: None,
            fork_at: None,
        }
    }

    /// Opens in fork mode: the values become those of a new run branched from run `run` at
    /// step `at` (`saddle fork`).
    pub fn for_fork(run: usize, run_name: &str, eta: [f64; 2], beta: [f64; 2], at: u64) -> Self {
        Editor {
            fork_at: Some(at),
            ..Editor::new(run, run_name, eta, beta)
        }
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: KeyEvent) -> EditorOutcome {
        match key.code {
            KeyCode::Esc => return EditorOutcome::Cancelled,
            KeyCode::Up | KeyCode::BackTab => self.focus = (self.focus + 3) % 4,
            KeyCode::Down | KeyCode::Tab => self.focus = (self.focus + 1) % 4,
            KeyCode::Backspace => {
                self.text[self.focus].pop();
            }
            KeyCode::Char(c) if c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E') => {
                self.text[self.focus].push(c);
            }
            KeyCode::Enter => match self.commands() {
                Ok(cmds) => return EditorOutcome::Apply(cmds),
                Err(e) => self.error = Some(e),
            },
            _ => {}
        }
        EditorOutcome::Editing
    }

    /// The commands for the fields whose value changed, or why a field is not a number.
    pub fn commands(&self) -> Result<Vec<Command>, String> {
        let mut out = vec![];
        for (i, (param, _)) in FIELDS.iter().enumerate() {
            let t = self.text[i].trim();
            let v: f64 = t
                .parse()
                .map_err(|_| format!("{param}: {t:?} is not a number"))?;
            if v.to_bits() != self.initial[i].to_bits() {
                out.push(Command::Set {
                    param: param.to_string(),
                    value: v,
                });
            }
        }
        Ok(out)
    }

    /// Draws the popup centred in `area`.
    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let w = 64.min(area.width);
        let h = 10.min(area.height);
        let r = Rect {
            x: area.x + (area.width - w) / 2,
            y: area.y + (area.height - h) / 2,
            width: w,
            height: h,
        };
        Clear.render(r, buf);
        let mut lines = vec![];
        for (i, (param, label)) in FIELDS.iter().enumerate() {
            let focused = i == self.focus;
            let value = if focused {
                format!("{}▏", self.text[i])
            } else {
                self.text[i].clone()
            };
            let style = if focused {
                theme.selected()
            } else {
                Style::new()
            };
            lines.push(Line::from(vec![
                Span::raw(format!("{param:<11}")),
                Span::styled(format!("{value:<14}"), style),
                Span::styled(format!(" {label}"), Style::new().fg(theme.dim())),
            ]));
        }
        lines.push(Line::raw(""));
        match &self.error {
            Some(e) => lines.push(Line::styled(e.clone(), theme.error())),
            None => lines.push(Line::styled(
                "the run validates the change",
                Style::new().fg(theme.dim()),
            )),
        }
        lines.push(Line::styled(
            "↑↓ field  enter apply  esc cancel",
            Style::new().add_modifier(Modifier::DIM),
        ));
        let block = Block::bordered().title(Line::styled(
            match self.fork_at {
                Some(at) => format!(" fork {} at step {at}: η, β of the new run ", self.run_name),
                None => format!(" η, β of {} ", self.run_name),
            },
            theme.title(),
        ));
        Paragraph::new(lines).block(block).render(r, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn only_changed_fields_are_sent() {
        let mut e = Editor::new(2, "alt", [0.2, 0.2], [0.0, -0.5]);
        assert_eq!(e.on_key(key(KeyCode::Enter)), EditorOutcome::Apply(vec![]));
        e.on_key(key(KeyCode::Up)); // wraps to beta.phi
        assert_eq!(e.focus, 3);
        for _ in 0..4 {
            e.on_key(key(KeyCode::Backspace));
        }
        for c in "-0.3".chars() {
            e.on_key(key(KeyCode::Char(c)));
        }
        e.on_key(key(KeyCode::Char('x'))); // ignored
        assert_eq!(
            e.on_key(key(KeyCode::Enter)),
            EditorOutcome::Apply(vec![Command::Set {
                param: "beta.phi".into(),
                value: -0.3
            }])
        );
        e.text[0] = "0.2.".into();
        assert_eq!(e.on_key(key(KeyCode::Enter)), EditorOutcome::Editing);
        assert!(e.error.as_deref().unwrap().starts_with("eta.theta"));
        assert_eq!(e.on_key(key(KeyCode::Esc)), EditorOutcome::Cancelled);
    }
}
