//! The η/β editor popup: η and β of each player, then the run's method parameters from the
//! table of live parameters (γ, λ, Lookahead's k and α, LEAD's α, …), prefilled with the
//! values in force. Numbers are checked here, and against the ranges of the run's table of live
//! parameters when it is known, so that an edit is sent whole or not at all; the run validates
//! each change again and answers with a `set` or a `refused` event carrying its reason, which
//! the dashboard then shows.

use super::model::RunData;
use super::theme::Theme;
use crate::optim::{LiveParam, Slot};
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
    /// The fields: [`FIELDS`] then the method parameters, (name, label).
    pub fields: Vec<(String, String)>,
    /// The values in force when the editor opened, in field order (NaN: not known yet).
    pub initial: Vec<f64>,
    /// The text of each field.
    pub text: Vec<String>,
    /// The field with the cursor.
    pub focus: usize,
    /// Why the last Enter was not accepted.
    pub error: Option<String>,
    /// Fork mode: the changes go to a new run branched at this step instead of to the run.
    pub fork_at: Option<u64>,
    /// The run's table of live parameters (empty: not known): every changed field is checked
    /// against its range before anything is sent, since the run takes each field's `set` on
    /// its own and a refused one would leave the fields before it applied.
    pub live: Vec<LiveParam>,
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

/// A method parameter of a run with the value in force.
#[derive(Clone, Debug, PartialEq)]
pub struct MethodField {
    /// Its name in `saddle control` (`gamma`, `lookahead.k`).
    pub name: String,
    /// Its symbol (`γ`).
    pub symbol: String,
    /// What it does.
    pub about: String,
    /// The value in force (NaN: not known).
    pub value: f64,
}

/// The method parameters of a run (the rows of its table of live parameters that a method
/// declares), with the value in force: the last one in the run's metrics, else the preset's.
pub fn method_fields(r: &RunData) -> Vec<MethodField> {
    let Some(c) = &r.config else {
        return vec![];
    };
    let initial = crate::optim::method_params(&c.scheme, c.field.as_ref(), &c.wrap);
    c.live()
        .into_iter()
        .filter(|p| matches!(p.slot, Slot::Value(_)))
        .map(|p| {
            let logged = p
                .column
                .as_deref()
                .and_then(|col| r.column(col))
                .and_then(|i| r.series.last_value(i));
            let preset = initial.iter().find(|m| m.name == p.name).map(|m| m.initial);
            MethodField {
                value: logged.or(preset).unwrap_or(f64::NAN),
                name: p.name,
                symbol: p.symbol,
                about: p.about,
            }
        })
        .collect()
}

/// `γ=10 k=5 α=0.5`: a run's method parameters in one short string (empty when none).
pub fn method_summary(r: &RunData) -> String {
    method_fields(r)
        .iter()
        .map(|f| format!("{}={}", f.symbol, crate::tui::plot::fmt_num(f.value)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// True for the names of [`FIELDS`].
fn is_eta_or_beta(name: &str) -> bool {
    FIELDS.iter().any(|(f, _)| *f == name)
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
        let initial = vec![eta[0], eta[1], beta[0], beta[1]];
        Editor {
            run,
            run_name: run_name.to_string(),
            fields: FIELDS
                .iter()
                .map(|(n, l)| (n.to_string(), l.to_string()))
                .collect(),
            text: initial.iter().map(|v| show(*v)).collect(),
            initial,
            focus: 0,
            error: None,
            fork_at: None,
            live: vec![],
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

    /// Leaves out the η and β fields the run has no such parameter for (β of a player whose
    /// rule has no momentum), given the run's table of live parameters: offered, such a field
    /// was refused by the run after the other fields' changes were applied.
    pub fn offered(mut self, live: Option<&[crate::optim::LiveParam]>) -> Self {
        let Some(live) = live else {
            return self;
        };
        self.live = live.to_vec();
        let fields = std::mem::take(&mut self.fields);
        let text = std::mem::take(&mut self.text);
        let initial = std::mem::take(&mut self.initial);
        for ((f, t), v) in fields.into_iter().zip(text).zip(initial) {
            if !is_eta_or_beta(&f.0) || live.iter().any(|p| p.name == f.0) {
                self.fields.push(f);
                self.text.push(t);
                self.initial.push(v);
            }
        }
        self
    }

    /// Adds the run's method parameters as fields.
    pub fn with_params(mut self, params: Vec<MethodField>) -> Self {
        for f in params {
            self.fields
                .push((f.name, format!("{} {}", f.symbol, f.about)));
            self.text.push(show(f.value));
            self.initial.push(f.value);
        }
        self
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: KeyEvent) -> EditorOutcome {
        let n = self.fields.len();
        match key.code {
            KeyCode::Esc => return EditorOutcome::Cancelled,
            KeyCode::Up | KeyCode::BackTab => self.focus = (self.focus + n - 1) % n,
            KeyCode::Down | KeyCode::Tab => self.focus = (self.focus + 1) % n,
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
        for (i, (param, _)) in self.fields.iter().enumerate() {
            let t = self.text[i].trim();
            if t.is_empty() && self.initial[i].is_nan() {
                continue;
            }
            let v: f64 = t
                .parse()
                .map_err(|_| format!("{param}: {t:?} is not a number"))?;
            // `1e400` parses as ∞, which no run takes (and JSON cannot carry to it).
            if !v.is_finite() {
                return Err(format!(
                    "{param}: {t:?} is not a finite number (f64 reaches about ±1.8e308)"
                ));
            }
            if v.to_bits() != self.initial[i].to_bits() {
                if let Some(p) = self.live.iter().find(|p| p.name == *param) {
                    p.range
                        .check(param, v)
                        .map_err(|e| format!("{e} (nothing was sent)"))?;
                }
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
        // A refusal's reason is its end: as many lines as it takes, not cut at the border.
        let inner = (w as usize).saturating_sub(2).max(1);
        let error: Vec<String> = self.error.as_ref().map_or(vec![], |e| {
            let chars: Vec<char> = e.chars().collect();
            chars.chunks(inner).map(|c| c.iter().collect()).collect()
        });
        let extra = error.len().saturating_sub(1) as u16;
        let h = (self.fields.len() as u16 + 6 + extra).min(area.height);
        let r = Rect {
            x: area.x + (area.width - w) / 2,
            y: area.y + (area.height - h) / 2,
            width: w,
            height: h,
        };
        Clear.render(r, buf);
        let mut lines = vec![];
        // Names such as `lookahead.alpha` are longer than η's and β's.
        let nw = self
            .fields
            .iter()
            .map(|(n, _)| n.chars().count() + 1)
            .max()
            .unwrap_or(0)
            .max(11);
        for (i, (param, label)) in self.fields.iter().enumerate() {
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
                Span::raw(format!("{param:<nw$}")),
                Span::styled(format!("{value:<14}"), style),
                Span::styled(format!(" {label}"), Style::new().fg(theme.dim())),
            ]));
        }
        lines.push(Line::raw(""));
        match &self.error {
            Some(_) => lines.extend(error.into_iter().map(|l| Line::styled(l, theme.error()))),
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
                Some(at) => format!(
                    " fork {} at step {at}: the new run's parameters ",
                    self.run_name
                ),
                // Fields past η and β: the method's own (the β fields may be left out).
                None if self.fields.iter().any(|(n, _)| !is_eta_or_beta(n)) => {
                    format!(" live parameters of {} ", self.run_name)
                }
                None if self.fields.iter().any(|(n, _)| n.starts_with("beta")) => {
                    format!(" η, β of {} ", self.run_name)
                }
                None => format!(" η of {} ", self.run_name),
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

    /// A run of the default preset with the plain gradient rule has no β to change; its
    /// heavy-ball run has β φ only.
    #[test]
    fn only_the_parameters_a_run_has_are_offered() {
        let text = crate::run::builtin::builtin("default").unwrap();
        let runs = crate::run::Preset::parse(text, "default")
            .unwrap()
            .resolve()
            .unwrap();
        let names = |i: usize| {
            let live = runs[i].live();
            Editor::new(i, "r", [0.2, 0.2], [0.0, -0.5])
                .offered(Some(&live))
                .fields
                .into_iter()
                .map(|(n, _)| n)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(0), ["eta.theta", "eta.phi"]);
        let e = Editor::new(2, "r", [0.2, 0.2], [0.0, -0.5]).offered(Some(&runs[2].live()));
        assert_eq!(e.text.len(), e.fields.len());
        assert!(
            e.fields.iter().any(|(n, _)| n == "beta.phi"),
            "{:?}",
            e.fields
        );
        assert_eq!(
            Editor::new(0, "r", [0.2, 0.2], [0.0, 0.0])
                .offered(None)
                .fields
                .len(),
            4
        );
    }

    #[test]
    fn a_value_out_of_range_sends_nothing() {
        let runs =
            crate::run::Preset::parse(crate::run::builtin::builtin("default").unwrap(), "default")
                .unwrap()
                .resolve()
                .unwrap();
        let live = runs[2].live();
        let mut e = Editor::new(2, "r", [0.2, 0.2], [0.0, -0.5]).offered(Some(&live));
        let field = |e: &Editor, n: &str| e.fields.iter().position(|(f, _)| f == n).unwrap();
        let (eta, beta) = (field(&e, "eta.theta"), field(&e, "beta.phi"));
        // β within range, η not: neither goes to the run.
        e.text[beta] = "-0.3".into();
        e.text[eta] = "-1".into();
        assert_eq!(e.on_key(key(KeyCode::Enter)), EditorOutcome::Editing);
        let why = e.error.clone().unwrap();
        assert!(why.starts_with("eta.theta must be finite and > 0"), "{why}");
        assert!(why.ends_with("(nothing was sent)"), "{why}");
        e.text[eta] = "0.1".into();
        assert_eq!(
            e.on_key(key(KeyCode::Enter)),
            EditorOutcome::Apply(vec![
                Command::Set {
                    param: "eta.theta".into(),
                    value: 0.1
                },
                Command::Set {
                    param: "beta.phi".into(),
                    value: -0.3
                }
            ])
        );
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
        // A number past f64's range is ∞: refused in the editor, never sent.
        e.text[0] = "1e400".into();
        assert_eq!(e.on_key(key(KeyCode::Enter)), EditorOutcome::Editing);
        assert!(
            e.error.as_deref().unwrap().contains("not a finite number"),
            "{:?}",
            e.error
        );
        // The reason is drawn whole, over as many lines as it takes.
        let area = Rect::new(0, 0, 80, 24);
        let mut buf = Buffer::empty(area);
        e.render(area, &mut buf, &Theme::default());
        let text: String = (0..24)
            .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect();
        assert!(text.contains("1.8e308)"), "{text}");
        assert_eq!(e.on_key(key(KeyCode::Esc)), EditorOutcome::Cancelled);
    }

    #[test]
    fn method_parameters_are_fields_too() {
        let mut e = Editor::new(0, "conopt", [0.1, 0.1], [f64::NAN, f64::NAN]).with_params(vec![
            MethodField {
                name: "gamma".into(),
                symbol: "γ".into(),
                about: "consensus weight".into(),
                value: 1.0,
            },
            MethodField {
                name: "lookahead.k".into(),
                symbol: "k".into(),
                about: "fast steps".into(),
                value: f64::NAN,
            },
        ]);
        assert_eq!(e.fields.len(), 6);
        // Unknown values (no β, k not logged yet) left empty are not sent.
        assert_eq!(e.on_key(key(KeyCode::Enter)), EditorOutcome::Apply(vec![]));
        e.on_key(key(KeyCode::Up));
        e.on_key(key(KeyCode::Up));
        assert_eq!(e.focus, 4);
        e.on_key(key(KeyCode::Backspace));
        e.on_key(key(KeyCode::Char('5')));
        assert_eq!(
            e.on_key(key(KeyCode::Enter)),
            EditorOutcome::Apply(vec![Command::Set {
                param: "gamma".into(),
                value: 5.0
            }])
        );
    }

    #[test]
    fn a_runs_method_fields_come_from_its_config_and_metrics() {
        let preset = crate::run::Preset::parse(
            r#"Preset(name: "p", seed: 0, steps: 10, game: Bilinear(dim: 1), runs: [
                Run(name: "la", scheme: Simultaneous, field: Consensus(gamma: 2.0),
                    wrap: [Lookahead(k: 5, alpha: 0.5)], eta: 0.1),
                Run(name: "plain", scheme: Simultaneous, eta: 0.1),
            ])"#,
            "p",
        )
        .unwrap();
        let configs = preset.resolve().unwrap();
        let mut r = RunData::new(
            "la",
            "la",
            "",
            vec!["gamma".into(), "lookahead_k".into()],
            0,
        );
        r.config = Some(configs[0].clone());
        // Before any row: the preset's values.
        assert_eq!(method_summary(&r), "γ=2 k=5 α=0.5");
        // A logged value (a live change) wins.
        r.push_row(&[
            Some(0.0),
            Some(0.0),
            Some(0.0),
            Some(0.0),
            Some(7.0),
            Some(3.0),
        ]);
        let f = method_fields(&r);
        assert_eq!(
            f.iter()
                .map(|f| (f.name.as_str(), f.value))
                .collect::<Vec<_>>(),
            [
                ("gamma", 7.0),
                ("lookahead.k", 3.0),
                ("lookahead.alpha", 0.5)
            ]
        );
        let e = Editor::new(0, "la", [0.1, 0.1], [f64::NAN; 2]).with_params(f);
        assert_eq!(e.text[4], "7");
        let mut plain = RunData::new("plain", "plain", "", vec![], 1);
        plain.config = Some(configs[1].clone());
        assert!(method_fields(&plain).is_empty());
    }
}
