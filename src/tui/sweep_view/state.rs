//! The sweep view's state and what keys do to it. Pure: keys change the state and return
//! [`SweepEffect`]s (drill into a member, commands to members, quit) that the dashboard
//! carries out.

use super::aggregate::AggregateKey;
use super::data::SweepData;
use super::groups::{self, Band, Filter, Group, Grouping, SortBy, TableRow};
use crate::run::control::Command;
use crate::run::metrics::{BETA_PHI, BETA_THETA, ETA_PHI, ETA_THETA};
use crate::run::Status;
use crate::sweep::state::MemberState;
use crate::tui::editor::{Editor, EditorOutcome};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The keys of the sweep view, for the help and the README: (keys, what they do).
pub const KEYS: &[(&str, &str)] = &[
    ("↑/k ↓/j", "select a group (a row of the table)"),
    ("←/→", "select a member of the group (its seed)"),
    (
        "enter",
        "drill into the member: the run dashboard (esc back)",
    ),
    ("g", "group by configuration → run name → each grid key"),
    ("v", "next metric (curves, heat map)"),
    ("b", "band: ±std ↔ 95% CI of the mean"),
    ("l", "log-y on / off"),
    (
        "p",
        "heat map: measured (✓/✗ predicted ρ < 1 / ≥ 1) ↔ predicted ρ",
    ),
    (
        "s S",
        "sort by the next column (# group n metrics…) / reverse",
    ),
    (
        "/",
        "filter groups: regex or substring (enter keeps, esc clears)",
    ),
    ("space", "pause / resume the selected group"),
    ("e", "edit η and β of the selected group"),
    ("?", "this help"),
    ("q", "quit (the sweep keeps running)"),
];

/// Something the dashboard must do after a key in the sweep view.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepEffect {
    /// Show member `.0` in the run dashboard.
    DrillIn(usize),
    /// Send `command` to each of `members`.
    Send {
        /// Member indices.
        members: Vec<usize>,
        /// The command.
        command: Command,
    },
    /// Leave the dashboard (the sweep's members keep running).
    Quit,
}

/// The sweep view's state.
#[derive(Clone, Debug)]
pub struct SweepView {
    /// What members are grouped by.
    pub grouping: Grouping,
    /// Index into [`SweepData::metrics`] of the metric shown.
    pub metric: usize,
    /// The band around the means.
    pub band: Band,
    /// log10 y axis.
    pub log_y: bool,
    /// The heat map shows the stability map's predicted ρ instead of the measured values.
    pub rho: bool,
    /// The sort column: 0 the sweep's order, 1 the label, 2 n, 3 + k metric k.
    pub sort: usize,
    /// Sort descending.
    pub descending: bool,
    /// The filter's text.
    pub filter: String,
    /// The filter is being typed.
    pub typing: bool,
    /// The selected row (of the sorted, filtered table).
    pub selected: usize,
    /// The selected member within the selected group (by position).
    pub member: usize,
    /// The η/β editor for the selected group, open.
    pub editor: Option<Editor>,
    /// The help is open.
    pub help: bool,
    /// Status line.
    pub message: Option<(String, bool)>,
}

impl Default for SweepView {
    fn default() -> Self {
        SweepView {
            grouping: Grouping::Configuration,
            metric: 0,
            band: Band::Std,
            log_y: true,
            rho: false,
            sort: 0,
            descending: false,
            filter: String::new(),
            typing: false,
            selected: 0,
            member: 0,
            editor: None,
            help: false,
            message: None,
        }
    }
}

/// The column of sort index `sort` (see [`SweepView::sort`]).
fn sort_by(sort: usize) -> SortBy {
    match sort {
        0 => SortBy::Index,
        1 => SortBy::Label,
        2 => SortBy::N,
        k => SortBy::Metric(k - 3),
    }
}

/// What the view shows of the data: the metric, the groups and the table's rows (sorted,
/// filtered).
pub struct Shown {
    /// The metrics the sweep has.
    pub metrics: Vec<String>,
    /// The metric shown (None before any member logged one).
    pub metric: Option<String>,
    /// All groups.
    pub groups: Vec<Group>,
    /// The table's rows, sorted and filtered.
    pub rows: Vec<TableRow>,
}

impl Shown {
    /// What a view of `key` shows of `data`.
    pub fn of(data: &SweepData, key: &AggregateKey) -> Shown {
        let metrics = data.metrics();
        let metric = metrics
            .get(key.metric.min(metrics.len().max(1) - 1))
            .cloned();
        let groups = groups::groups(&data.manifest, key.grouping);
        let filter = Filter::new(&key.filter);
        let mut rows: Vec<TableRow> = groups::table(data, &groups, &metrics)
            .into_iter()
            .filter(|r| filter.matches(&r.label))
            .collect();
        groups::sort(&mut rows, sort_by(key.sort), key.descending);
        Shown {
            metrics,
            metric,
            groups,
            rows,
        }
    }

    /// The selected row's group, if any.
    pub fn group(&self, view: &SweepView) -> Option<&Group> {
        let r = self.rows.get(view.selected)?;
        self.groups.get(r.group)
    }

    /// The selected member, if any.
    pub fn member(&self, view: &SweepView) -> Option<usize> {
        let g = self.group(view)?;
        g.members.get(view.member.min(g.members.len() - 1)).copied()
    }
}

impl SweepView {
    /// The column sorted by.
    pub fn sort_by(&self) -> SortBy {
        sort_by(self.sort)
    }

    /// What the view shows of `data`.
    pub fn shown(&self, data: &SweepData) -> Shown {
        Shown::of(data, &self.key(0))
    }

    /// What the view's aggregates depend on, with curves of `points` points.
    pub fn key(&self, points: usize) -> AggregateKey {
        AggregateKey {
            grouping: self.grouping,
            metric: self.metric,
            band: self.band,
            filter: self.filter.clone(),
            sort: self.sort,
            descending: self.descending,
            points,
        }
    }

    /// Shows `text` in the status line.
    pub fn say(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some((text.into(), error));
    }

    /// Handles a key.
    pub fn on_key(&mut self, key: KeyEvent, data: &SweepData) -> Vec<SweepEffect> {
        if self.help {
            self.help = false;
            return vec![];
        }
        if let Some(mut e) = self.editor.take() {
            return match e.on_key(key) {
                EditorOutcome::Editing => {
                    self.editor = Some(e);
                    vec![]
                }
                EditorOutcome::Cancelled => vec![],
                EditorOutcome::Apply(cmds) => self.send_to_group(data, cmds),
            };
        }
        if self.typing {
            match key.code {
                KeyCode::Enter => self.typing = false,
                KeyCode::Esc => {
                    self.typing = false;
                    self.filter.clear();
                }
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => {}
            }
            self.selected = 0;
            return vec![];
        }
        let shown = self.shown(data);
        let rows = shown.rows.len();
        let group_len = shown.group(self).map_or(0, |g| g.members.len());
        match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return vec![SweepEffect::Quit]
            }
            KeyCode::Char('q') => return vec![SweepEffect::Quit],
            KeyCode::Char('?') | KeyCode::F(1) => self.help = true,
            KeyCode::Up | KeyCode::Char('k') if rows > 0 => {
                self.selected = (self.selected.min(rows - 1) + rows - 1) % rows;
                self.member = 0;
            }
            KeyCode::Down | KeyCode::Char('j') if rows > 0 => {
                self.selected = (self.selected + 1) % rows;
                self.member = 0;
            }
            KeyCode::Left if group_len > 0 => {
                self.member = (self.member.min(group_len - 1) + group_len - 1) % group_len
            }
            KeyCode::Right if group_len > 0 => self.member = (self.member + 1) % group_len,
            KeyCode::Enter => match shown.member(self) {
                Some(m) => return vec![SweepEffect::DrillIn(m)],
                None => self.say("no member selected (the filter hides every group)", true),
            },
            KeyCode::Char('g') => {
                self.grouping = self.grouping.next(data.manifest.grid.len());
                self.selected = 0;
                self.member = 0;
            }
            KeyCode::Char('v') => self.metric = (self.metric + 1) % shown.metrics.len().max(1),
            KeyCode::Char('b') => self.band = self.band.toggle(),
            KeyCode::Char('l') => self.log_y = !self.log_y,
            KeyCode::Char('p') => self.rho = !self.rho,
            KeyCode::Char('s') => self.sort = (self.sort + 1) % (3 + shown.metrics.len()),
            KeyCode::Char('S') => self.descending = !self.descending,
            KeyCode::Char('/') => {
                self.typing = true;
                self.filter.clear();
            }
            KeyCode::Char(' ') => return self.pause_group(data, &shown),
            KeyCode::Char('e') => self.open_editor(data, &shown),
            _ => {}
        }
        vec![]
    }

    /// The live members of the selected group (a process drives them).
    fn live(data: &SweepData, shown: &Shown, view: &SweepView) -> Vec<usize> {
        shown.group(view).map_or(vec![], |g| {
            g.members
                .iter()
                .copied()
                .filter(|&m| data.members[m].state == MemberState::Running)
                .collect()
        })
    }

    /// Pause every live member of the selected group, or resume them when all are paused.
    fn pause_group(&mut self, data: &SweepData, shown: &Shown) -> Vec<SweepEffect> {
        let live = Self::live(data, shown, self);
        if live.is_empty() {
            self.say("no member of this group is running", true);
            return vec![];
        }
        let paused = |m: &usize| data.members[*m].status == Some(Status::Paused);
        let command = if live.iter().all(paused) {
            Command::Resume
        } else {
            Command::Pause
        };
        vec![SweepEffect::Send {
            members: live,
            command,
        }]
    }

    fn open_editor(&mut self, data: &SweepData, shown: &Shown) {
        let live = Self::live(data, shown, self);
        let Some(&first) = live.first() else {
            self.say(
                "no member of this group is running: nothing to change",
                true,
            );
            return;
        };
        let m = &data.members[first];
        let v = |c: &str| m.last(c).unwrap_or(f64::NAN);
        let label = shown.group(self).map_or(String::new(), |g| {
            format!("{} ({} running)", g.key, live.len())
        });
        self.editor = Some(Editor::new(
            first,
            &label,
            [v(ETA_THETA), v(ETA_PHI)],
            [v(BETA_THETA), v(BETA_PHI)],
        ));
    }

    /// The editor's commands, to every live member of the selected group.
    fn send_to_group(&mut self, data: &SweepData, cmds: Vec<Command>) -> Vec<SweepEffect> {
        if cmds.is_empty() {
            self.say("nothing changed", false);
            return vec![];
        }
        let shown = self.shown(data);
        let live = Self::live(data, &shown, self);
        cmds.into_iter()
            .map(|command| SweepEffect::Send {
                members: live.clone(),
                command,
            })
            .collect()
    }
}
