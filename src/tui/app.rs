//! The dashboard's state and what keys do to it. Pure: keys change the state and return
//! [`Effect`]s (commands to runs, quitting, starting runs) that the runtime carries out, so
//! every key can be tested without a terminal or a run.

use super::editor::{method_fields, Editor, EditorOutcome};
use super::filter::{self, Filter, PromptOutcome, Target};
use super::keymap::{self, Action};
use super::model::{RunData, RunStatus};
use super::overview::Overview;
use super::panes::{self, phase::PhaseField};
use super::picker::{Picker, PickerKind, PickerOutcome};
use super::quit::{self, QuitChoice};
use super::series::XAxis;
use super::stability::StabilityView;
use super::theme::Theme;
use crate::run::control::Command;
use crate::run::Status;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Position, Rect};
use std::cell::RefCell;

/// The popup on top of the panes, if any.
#[derive(Clone, Debug, PartialEq)]
pub enum Popup {
    /// Key help, scrolled down by this many lines.
    Help(usize),
    /// η/β editor.
    Editor(Editor),
    /// The quit dialog.
    Quit,
    /// "Stop run i?".
    ConfirmStop(usize),
    /// A preset or run list.
    Picker(Picker),
    /// The stability heat map of a run's scheme.
    Stability(Box<StabilityView>),
    /// The selected run's overview.
    Overview(Box<Overview>),
    /// The filter prompt, editing the pattern of its target.
    Filter(Target),
}

/// How the curves are drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewState {
    /// Index into [`metrics`] of the selected run.
    pub metric: usize,
    /// EMA weight in [0, 0.99].
    pub smoothing: f64,
    /// log10 y axis.
    pub log_y: bool,
    /// x axis.
    pub x_axis: XAxis,
    /// All runs (true) or only the selected one.
    pub overlay_all: bool,
    /// Min–max band per bucket.
    pub band: bool,
    /// The pane the compact layout shows: an index into [`panes::ALL`].
    pub pane: usize,
    /// The compare view replaces the panes.
    pub compare: bool,
    /// The step whose samples and data plane are shown (the newest saved at or before it);
    /// None follows each run's newest.
    pub samples_at: Option<u64>,
    /// The value cursor of the curves and the compare view: its x on [`ViewState::x_axis`];
    /// None when off ([`super::cursor`]).
    pub cursor: Option<f64>,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            metric: 0,
            smoothing: 0.0,
            log_y: true,
            x_axis: XAxis::Step,
            overlay_all: true,
            band: false,
            pane: 0,
            compare: false,
            samples_at: None,
            cursor: None,
        }
    }
}

/// Something the runtime must do after a key.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Send a command to run `run` (answered asynchronously).
    Send {
        /// Index in [`App::runs`].
        run: usize,
        /// The command.
        command: Command,
    },
    /// Leave the dashboard, first stopping every live run when `stop_runs`.
    Quit {
        /// Stop the live runs first.
        stop_runs: bool,
    },
    /// Create the runs of this preset, start them detached and attach them.
    StartPreset(String),
    /// Attach these runs (ids under the runs directory).
    Attach(Vec<String>),
    /// Fill and open the attach picker.
    OpenAttachPicker,
    /// Branch run `run` at step `at` into a new run with the live changes `sets`
    /// (`param=value`), start it detached and attach it.
    Fork {
        /// Index in [`App::runs`].
        run: usize,
        /// The step to branch at.
        at: u64,
        /// The changes, `param=value`.
        sets: Vec<String>,
        /// The step the fork runs to (None: its source's end).
        steps: Option<u64>,
    },
    /// Compute the stability map of run `i` off the UI thread (see [`App::computing`]).
    ComputeStability(usize),
    /// Cancel the computation in progress.
    CancelComputation,
    /// Repaint the whole screen.
    Redraw,
}

/// A line for the status bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// The text.
    pub text: String,
    /// Shown as an error.
    pub error: bool,
}

/// One curve family of the curves pane: a title and the columns drawn (as a line, or dotted).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSpec {
    /// Title.
    pub title: String,
    /// (column, dotted).
    pub columns: Vec<(String, bool)>,
}

/// The curve families a run offers, the default first: per kind of game
/// ([`super::kinds::curve_families`]).
pub fn metrics(run: Option<&RunData>) -> Vec<MetricSpec> {
    super::kinds::curve_families(run)
}

/// The whole dashboard state.
#[derive(Clone, Debug)]
pub struct App {
    /// The runs shown, in the order they were attached.
    pub runs: Vec<RunData>,
    /// Index of the selected run.
    pub selected: usize,
    /// Runs marked for the compare view.
    pub marked: Vec<bool>,
    /// How curves are drawn.
    pub view: ViewState,
    /// The popup, if any.
    pub popup: Option<Popup>,
    /// Status line.
    pub message: Option<Message>,
    /// Colors and symbols.
    pub theme: Theme,
    /// The vector field of the selected run's game (see [`App::refresh_phase`]).
    pub phase: Option<PhaseField>,
    /// Presets `n` offers: (name or path, description).
    pub presets: Vec<(String, String)>,
    /// Shown in the title bar: where the runs live.
    pub runs_dir: String,
    /// What is being computed off the UI thread, if anything (Esc cancels it).
    pub computing: Option<String>,
    /// How the samples pane draws images: real pixels or half blocks (`g`).
    pub graphics: super::graphics::Graphics,
    /// The patterns `/` set ([`super::filter`]).
    pub filter: Filter,
    /// Runs pinned with `p`: drawn above the others, marked in the table.
    pub pinned: Vec<bool>,
    /// Per run, the text the run pattern is looked for in ([`filter::haystack`]).
    haystacks: Vec<String>,
    /// Where the last frame drew charts that the value cursor reads (the curves pane, the
    /// compare view's cells): the canvas and its x bounds, so a click can place the cursor.
    pub charts: RefCell<Vec<(Rect, [f64; 2])>>,
    /// The help's lines the last frame had room for (0 before one was drawn): scrolling
    /// stops where the last line shows.
    pub help_room: std::cell::Cell<usize>,
}

impl App {
    /// A click (or drag) of the mouse at column `col`, row `row`: on a chart the last frame
    /// drew, the value cursor goes to that column's x (and turns on). True when it did.
    pub fn click(&mut self, col: u16, row: u16) -> bool {
        if self.popup.is_some() {
            return false;
        }
        let charts = self.charts.borrow();
        let Some((area, [x0, x1])) = charts
            .iter()
            .find(|(a, _)| a.contains(Position::new(col, row)))
        else {
            return false;
        };
        // The centre of the cell: a click reads what the braille dots of that column show.
        let f = (f64::from(col - area.x) + 0.5) / f64::from(area.width.max(1));
        let x = (x0 + f * (x1 - x0)).clamp(*x0, *x1);
        drop(charts);
        self.view.cursor = Some(x);
        true
    }

    /// Run `i`'s name, `?` when there is no such run (an answer about a run since removed).
    pub fn run_name(&self, i: usize) -> &str {
        self.runs.get(i).map_or("?", |r| r.name.as_str())
    }

    /// A dashboard over `runs`.
    pub fn new(runs: Vec<RunData>, theme: Theme) -> Self {
        let n = runs.len();
        let haystacks = runs.iter().map(filter::haystack).collect();
        let mut app = App {
            runs,
            selected: 0,
            marked: vec![false; n],
            view: ViewState::default(),
            popup: None,
            message: None,
            theme,
            phase: None,
            presets: vec![],
            runs_dir: String::new(),
            computing: None,
            graphics: Default::default(),
            filter: Filter::default(),
            pinned: vec![false; n],
            haystacks,
            charts: RefCell::new(vec![]),
            help_room: std::cell::Cell::new(0),
        };
        if app
            .runs
            .first()
            .is_some_and(super::kinds::GameKind::linear_first)
        {
            app.view.log_y = false;
        }
        app.refresh_phase();
        app
    }

    /// Adds a run (its color is the next palette index). A dashboard that opens on a GAN
    /// starts with linear y ([`super::kinds::GameKind::linear_first`]).
    pub fn add_run(&mut self, mut run: RunData) {
        if self.runs.is_empty() && super::kinds::GameKind::linear_first(&run) {
            self.view.log_y = false;
        }
        run.color = self.runs.iter().map(|r| r.color + 1).max().unwrap_or(0);
        self.haystacks.push(filter::haystack(&run));
        self.runs.push(run);
        self.marked.push(false);
        self.pinned.push(false);
        self.refilter();
    }

    /// The selected run, None when the run filter hides it (none matches).
    pub fn current(&self) -> Option<&RunData> {
        self.runs
            .get(self.selected)
            .filter(|_| self.shown(self.selected))
    }

    /// Whether run `i` passes the run filter.
    pub fn shown(&self, i: usize) -> bool {
        self.haystacks
            .get(i)
            .is_some_and(|h| filter::matches(h, &self.filter.runs))
    }

    /// The runs the run filter passes, in attach order.
    pub fn visible(&self) -> Vec<usize> {
        (0..self.runs.len()).filter(|&i| self.shown(i)).collect()
    }

    /// After the run filter changed: the selection moves to the first run shown when it was
    /// filtered out.
    pub fn refilter(&mut self) {
        if !self.shown(self.selected) {
            if let Some(&first) = self.visible().first() {
                self.selected = first;
            }
        }
        self.refresh_phase();
    }

    /// The indices into `all` of the curve families the metric filter passes; every index
    /// when it is empty or passes none (the prompt says so).
    pub fn metric_choices(&self, all: &[MetricSpec]) -> Vec<usize> {
        let hits: Vec<usize> = (0..all.len())
            .filter(|&k| filter::metric_matches(&all[k], &self.filter.metrics))
            .collect();
        if hits.is_empty() {
            (0..all.len()).collect()
        } else {
            hits
        }
    }

    /// The index into `all` of the family shown: [`ViewState::metric`] when the metric filter
    /// passes it, else the first it passes.
    pub fn metric_index(&self, all: &[MetricSpec]) -> usize {
        let choices = self.metric_choices(all);
        let k = self.view.metric.min(all.len() - 1);
        if choices.contains(&k) {
            k
        } else {
            choices[0]
        }
    }

    /// The curve family shown.
    pub fn metric(&self) -> MetricSpec {
        let all = metrics(self.current());
        all[self.metric_index(&all)].clone()
    }

    /// Recomputes the vector field when the selected run's game changed or the trajectories
    /// left its window; true when it did.
    pub fn refresh_phase(&mut self) -> bool {
        let Some(cfg) = self.runs.get(self.selected).and_then(|r| r.config.clone()) else {
            return false;
        };
        match self.phase.as_mut() {
            Some(p) if p.is_game(&cfg) => {
                let b = p.window(&self.runs);
                if b == p.bounds {
                    return false;
                }
                p.resample(&cfg, b);
            }
            _ => self.phase = Some(PhaseField::for_game(&cfg, &self.runs)),
        }
        true
    }

    /// Shows `text` in the status line.
    pub fn say(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some(Message {
            text: text.into(),
            error,
        });
    }

    /// Number of live runs shown.
    pub fn live_runs(&self) -> usize {
        self.runs.iter().filter(|r| r.status.is_live()).count()
    }

    /// Handles a key press.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if let Some(p) = self.popup.take() {
            return self.on_popup_key(p, key);
        }
        if key.code == KeyCode::Esc && self.computing.is_some() {
            return vec![Effect::CancelComputation];
        }
        if key.code == KeyCode::Esc && self.filter.active() {
            self.filter = Filter::default();
            self.refilter();
            self.say("filters cleared", false);
            return vec![];
        }
        if let Some(action) = keymap::action(key) {
            return self.on_action(action);
        }
        for p in panes::ALL {
            if p.on_key(self, key) {
                break;
            }
        }
        vec![]
    }

    fn on_popup_key(&mut self, popup: Popup, key: KeyEvent) -> Vec<Effect> {
        match popup {
            Popup::Help(top) => {
                // The arrows scroll a help taller than the terminal; any other key closes it.
                let moved = match key.code {
                    KeyCode::Up | KeyCode::Char('k') => Some(top.saturating_sub(1)),
                    KeyCode::Down | KeyCode::Char('j') => Some(top + 1),
                    KeyCode::PageUp => Some(top.saturating_sub(10)),
                    KeyCode::PageDown => Some(top + 10),
                    KeyCode::Home => Some(0),
                    KeyCode::End => Some(usize::MAX),
                    _ => None,
                };
                if let Some(top) = moved {
                    let last = super::help::line_count().saturating_sub(self.help_room.get());
                    self.popup = Some(Popup::Help(top.min(last)));
                }
            }
            Popup::Stability(_) => {}
            Popup::Overview(mut o) => {
                if o.on_key(key) {
                    self.popup = Some(Popup::Overview(o));
                }
            }
            Popup::Filter(target) => {
                match filter::on_key(&mut self.filter, target, key) {
                    PromptOutcome::Editing(t) => self.popup = Some(Popup::Filter(t)),
                    PromptOutcome::Kept | PromptOutcome::Cleared => {}
                }
                self.refilter();
            }
            Popup::Quit => match quit::on_key(key) {
                QuitChoice::Undecided => self.popup = Some(Popup::Quit),
                QuitChoice::Cancel => {}
                QuitChoice::StopRuns => return vec![Effect::Quit { stop_runs: true }],
                QuitChoice::Detach => return vec![Effect::Quit { stop_runs: false }],
            },
            Popup::ConfirmStop(i) => match key.code {
                KeyCode::Char('y') | KeyCode::Enter => {
                    return vec![Effect::Send {
                        run: i,
                        command: Command::Stop,
                    }];
                }
                KeyCode::Char('n') | KeyCode::Esc => {}
                _ => self.popup = Some(Popup::ConfirmStop(i)),
            },
            Popup::Editor(mut e) => match e.on_key(key) {
                EditorOutcome::Editing => self.popup = Some(Popup::Editor(e)),
                EditorOutcome::Cancelled => {}
                EditorOutcome::Apply(cmds) => {
                    if cmds.is_empty() {
                        self.say("nothing changed", false);
                    }
                    if let Some(at) = e.fork_at {
                        if cmds.is_empty() {
                            return vec![];
                        }
                        let sets = cmds
                            .into_iter()
                            .filter_map(|c| match c {
                                Command::Set { param, value } => Some(format!("{param}={value}")),
                                _ => None,
                            })
                            .collect();
                        // A fork at the step its source ended at (a finished run) would end
                        // there too: it runs on for as many steps again.
                        let steps = self
                            .runs
                            .get(e.run)
                            .filter(|r| at >= r.steps)
                            .map(|r| at + r.steps.max(1));
                        return vec![Effect::Fork {
                            run: e.run,
                            at,
                            sets,
                            steps,
                        }];
                    }
                    return cmds
                        .into_iter()
                        .map(|command| Effect::Send {
                            run: e.run,
                            command,
                        })
                        .collect();
                }
            },
            Popup::Picker(mut p) => match p.on_key(key) {
                PickerOutcome::Choosing => self.popup = Some(Popup::Picker(p)),
                PickerOutcome::Cancelled => {}
                PickerOutcome::Chosen(items) => {
                    return match p.kind {
                        PickerKind::Preset => items.into_iter().map(Effect::StartPreset).collect(),
                        PickerKind::Attach => vec![Effect::Attach(items)],
                    }
                }
            },
        }
        vec![]
    }

    fn selected_live(&mut self, verb: &str) -> Option<usize> {
        let run = self.current()?;
        if run.status.is_live() {
            Some(self.selected)
        } else {
            // What can be done instead: continue it from the shell, or branch it here.
            let word = run.status.word();
            let next = match word {
                "interrupted" | "crashed" | "failed" | "stopped" => {
                    format!(": `saddle resume {}` continues it", run.id)
                }
                "finished" | "converged" | "diverged" => ": f forks it with new values".into(),
                _ => String::new(),
            };
            let text = format!("{}: cannot {verb}, the run is {word}{next}", run.name);
            self.say(text, true);
            None
        }
    }

    /// Carries out a main-view action.
    pub fn on_action(&mut self, action: Action) -> Vec<Effect> {
        let v = &mut self.view;
        match action {
            Action::Quit => {
                if self.live_runs() == 0 {
                    return vec![Effect::Quit { stop_runs: false }];
                }
                self.popup = Some(Popup::Quit);
            }
            Action::Help => self.popup = Some(Popup::Help(0)),
            Action::Up | Action::Down => {
                // Among the runs shown: the filter's hidden ones are skipped.
                let shown = self.visible();
                let k = shown.len();
                if k > 0 {
                    let at = shown.iter().position(|&i| i == self.selected);
                    let next = match (at, action == Action::Up) {
                        (Some(p), true) => (p + k - 1) % k,
                        (Some(p), false) => (p + 1) % k,
                        (None, _) => 0,
                    };
                    self.selected = shown[next];
                    self.refresh_phase();
                }
            }
            Action::PauseResume => {
                if let Some(i) = self.selected_live("pause or resume") {
                    let command = if self.runs[i].status == RunStatus::Known(Status::Paused) {
                        Command::Resume
                    } else {
                        Command::Pause
                    };
                    return vec![Effect::Send { run: i, command }];
                }
            }
            Action::Edit => {
                if let Some(i) = self.selected_live("change η or β") {
                    let r = &self.runs[i];
                    let live = r.config.as_ref().map(|c| c.live());
                    let e = Editor::new(i, &r.name, r.eta, r.beta)
                        .offered(live.as_deref())
                        .with_params(method_fields(r));
                    self.popup = Some(Popup::Editor(e));
                }
            }
            Action::Stop => {
                if let Some(i) = self.selected_live("stop") {
                    self.popup = Some(Popup::ConfirmStop(i));
                }
            }
            Action::NewRun => {
                self.popup = Some(Popup::Picker(Picker::new(
                    PickerKind::Preset,
                    self.presets.clone(),
                )));
            }
            Action::Open => return vec![Effect::OpenAttachPicker],
            Action::Stability => {
                if self.computing.is_some() {
                    self.say("a computation is running already (Esc cancels it)", true);
                } else if let Some(r) = self.current() {
                    if r.config.is_none() {
                        let text = format!(
                            "{}: no stability map: its config.ron could not be read",
                            r.name
                        );
                        self.say(text, true);
                    } else {
                        let what = format!("the stability map of {}", r.name);
                        self.say(format!("computing {what}… (Esc cancels)"), false);
                        self.computing = Some(what);
                        return vec![Effect::ComputeStability(self.selected)];
                    }
                }
            }
            Action::Fork => {
                if let Some(r) = self.current() {
                    let live = r.config.as_ref().map(|c| c.live());
                    let editor = Editor::for_fork(self.selected, &r.name, r.eta, r.beta, r.step)
                        .offered(live.as_deref())
                        .with_params(method_fields(r));
                    self.popup = Some(Popup::Editor(editor));
                }
            }
            Action::Compare => v.compare = !v.compare,
            Action::Mark => {
                if self.current().is_some() {
                    self.marked[self.selected] = !self.marked[self.selected];
                }
            }
            Action::Pin => {
                if let Some(r) = self.current() {
                    let now = !self.pinned[self.selected];
                    let text = if now {
                        format!("{} pinned: drawn above the other runs", r.name)
                    } else {
                        format!("{} unpinned", r.name)
                    };
                    self.pinned[self.selected] = now;
                    self.say(text, false);
                }
            }
            Action::Overview => {
                if let Some(r) = self.current() {
                    let o = Overview::of(self.selected, r, &self.runs_dir);
                    self.popup = Some(Popup::Overview(Box::new(o)));
                }
            }
            Action::Filter => self.popup = Some(Popup::Filter(Target::Runs)),
            Action::NextPane => v.pane = (v.pane + 1) % panes::ALL.len(),
            Action::PrevPane => v.pane = (v.pane + panes::ALL.len() - 1) % panes::ALL.len(),
            Action::Pane(k) => v.pane = (k as usize).clamp(1, panes::ALL.len()) - 1,
            Action::Redraw => return vec![Effect::Redraw],
        }
        vec![]
    }

    /// The runs the compare view shows: of those the run filter passes, the marked ones if at
    /// least two are, else all.
    pub fn compared(&self) -> Vec<usize> {
        let shown = self.visible();
        let m: Vec<usize> = shown.iter().copied().filter(|&i| self.marked[i]).collect();
        if m.len() >= 2 {
            m
        } else {
            shown
        }
    }
}
