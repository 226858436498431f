//! The keys of the main view: one table that both the key handler and the help pane read, so
//! the help can never disagree with what the keys do. Popups (editor, pickers, dialogs) read
//! their own keys.

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
    /// Next metric on the curves.
    NextMetric,
    /// Previous metric on the curves.
    PrevMetric,
    /// Toggle log-y.
    LogY,
    /// Cycle the x axis: step, oracle calls, wall time.
    XAxis,
    /// More smoothing.
    SmoothMore,
    /// Less smoothing.
    SmoothLess,
    /// Curves of all runs or of the selected one.
    Overlay,
    /// Toggle the min–max band under the curves.
    Band,
    /// Next pane (compact layout).
    NextPane,
    /// Previous pane (compact layout).
    PrevPane,
    /// Show pane number n (compact layout).
    Pane(u8),
    /// Repaint the whole screen.
    Redraw,
}

/// (keys as shown in the help, what they do, the action).
pub const BINDINGS: &[(&str, &str, Action)] = &[
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
    ("←/→", "previous / next metric", Action::NextMetric),
    ("l", "log-y on / off", Action::LogY),
    (
        "x",
        "x axis: step → oracle calls → wall time",
        Action::XAxis,
    ),
    (
        "[ ]",
        "less / more smoothing (debiased EMA)",
        Action::SmoothMore,
    ),
    (
        "a",
        "curves of all runs / the selected run",
        Action::Overlay,
    ),
    ("b", "min–max band of each bucket on / off", Action::Band),
    ("tab 1-5", "pane (compact layout)", Action::NextPane),
    ("ctrl-l", "repaint the screen", Action::Redraw),
    ("?", "this help", Action::Help),
    (
        "q",
        "quit: stop the runs or leave them running",
        Action::Quit,
    ),
];

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
        KeyCode::Right => Action::NextMetric,
        KeyCode::Left => Action::PrevMetric,
        KeyCode::Char('l') => Action::LogY,
        KeyCode::Char('x') => Action::XAxis,
        KeyCode::Char(']') => Action::SmoothMore,
        KeyCode::Char('[') => Action::SmoothLess,
        KeyCode::Char('a') => Action::Overlay,
        KeyCode::Char('b') => Action::Band,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PrevPane,
        KeyCode::Char(c @ '1'..='5') => Action::Pane(c as u8 - b'0'),
        _ => return None,
    })
}
