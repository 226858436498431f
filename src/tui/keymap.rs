//! The keys of the main view: the global ones here (each binding names its action), the
//! panes' own in their files ([`super::panes::Pane::keys`]); the help is assembled from both
//! ([`help_lines`]). Popups (editor, pickers, dialogs) read their own keys.

use super::panes;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks of the main view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open the quit dialog.
    Quit,
    /// Show the keys.
    Help,
    /// Select the previous run.
    Up,
    /// Select the next run.
    Down,
    /// Pause or resume the selected run.
    PauseResume,
    /// Edit η and β of the selected run.
    Edit,
    /// Stop the selected run (asks first).
    Stop,
    /// Start runs from a preset.
    NewRun,
    /// Fork the selected run with changed hyperparameters.
    Fork,
    /// The stability heat map ρ(β, η) of the selected run's scheme.
    Stability,
    /// Attach runs of the runs directory.
    Open,
    /// Toggle the compare view.
    Compare,
    /// Mark or unmark the selected run for the compare view.
    Mark,
    /// Pin or unpin the selected run (drawn above the others).
    Pin,
    /// The selected run's overview.
    Overview,
    /// The filter prompt.
    Filter,
    /// Next pane (compact layout).
    NextPane,
    /// Previous pane (compact layout).
    PrevPane,
    /// Show pane number n (compact layout).
    Pane(u8),
    /// Repaint the whole screen.
    Redraw,
}

/// The keys that act on runs and views, shown first in the help: (keys, what they do, the
/// action).
pub const RUN_KEYS: &[(&str, &str, Action)] = &[
    ("↑/k ↓/j", "select run", Action::Down),
    (
        "space",
        "pause / resume the selected run",
        Action::PauseResume,
    ),
    ("e", "edit η and β of the selected run", Action::Edit),
    ("s", "stop the selected run", Action::Stop),
    ("n", "start runs from a preset", Action::NewRun),
    (
        "o",
        "open (attach) runs of the runs directory",
        Action::Open,
    ),
    (
        "f",
        "fork the selected run here with new η, β",
        Action::Fork,
    ),
    (
        "h",
        "stability map ρ(β, η) of the selected run's scheme",
        Action::Stability,
    ),
    (
        "c",
        "compare view: runs side by side, same axes",
        Action::Compare,
    ),
    (
        "m",
        "mark / unmark the run for the compare view",
        Action::Mark,
    ),
    (
        "p",
        "pin / unpin the run: drawn above the others",
        Action::Pin,
    ),
    (
        "v enter",
        "overview: config, provenance, events, commands",
        Action::Overview,
    ),
    (
        "/",
        "filter runs (name, method, config); tab: metrics",
        Action::Filter,
    ),
];

/// The keys of the screen itself, shown last in the help (after the pane keys).
pub const SCREEN_KEYS: &[(&str, &str, Action)] = &[
    ("ctrl-l", "repaint the screen", Action::Redraw),
    ("?", "this help", Action::Help),
    (
        "q",
        "quit: stop the runs or leave them running",
        Action::Quit,
    ),
];

/// The help's lines, (keys, what they do): the run keys, each pane's keys, switching panes,
/// the screen keys.
pub fn help_lines() -> Vec<(String, &'static str)> {
    let global = |t: &[(&'static str, &'static str, Action)]| -> Vec<(String, &'static str)> {
        t.iter()
            .map(|(k, what, _)| (k.to_string(), *what))
            .collect()
    };
    let mut lines = global(RUN_KEYS);
    for p in panes::ALL {
        lines.extend(p.keys().iter().map(|(k, what)| (k.to_string(), *what)));
    }
    lines.push((
        format!("tab 1-{}", panes::ALL.len()),
        "pane (compact layout)",
    ));
    // Keys the event loop and the app take before any action.
    lines.push(("esc".into(), "cancel a computation, or clear the filters"));
    lines.push(("ctrl-z".into(), "suspend to the shell (fg comes back)"));
    lines.extend(global(SCREEN_KEYS));
    lines
}

/// The action of a key in the main view.
pub fn action(key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('c') if ctrl => Action::Quit,
        KeyCode::Char('l') if ctrl => Action::Redraw,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') | KeyCode::F(1) => Action::Help,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Char(' ') => Action::PauseResume,
        KeyCode::Char('e') => Action::Edit,
        KeyCode::Char('s') => Action::Stop,
        KeyCode::Char('n') => Action::NewRun,
        KeyCode::Char('f') => Action::Fork,
        KeyCode::Char('h') => Action::Stability,
        KeyCode::Char('o') => Action::Open,
        KeyCode::Char('c') => Action::Compare,
        KeyCode::Char('m') => Action::Mark,
        KeyCode::Char('p') => Action::Pin,
        KeyCode::Char('v') | KeyCode::Enter => Action::Overview,
        KeyCode::Char('/') => Action::Filter,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PrevPane,
        KeyCode::Char(c @ '1'..='9') if (c as u8 - b'0') as usize <= panes::ALL.len() => {
            Action::Pane(c as u8 - b'0')
        }
        _ => return None,
    })
}
