//! The dashboard in sweep mode: the sweep view, the watch that keeps its data, the sender of
//! commands to members, and whether the run dashboard shows a member instead (drilled in).

use super::data::SweepData;
use super::render;
use super::state::{SweepEffect, SweepView};
use super::watch::{Watch, LOOK_EVERY};
use crate::error::Result;
use crate::run::control::Command;
use crate::run::store::RunDir;
use crate::sweep::manifest::SweepDir;
use crate::tui::control::Controller;
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

/// The sweep view of a dashboard.
pub struct SweepMode {
    /// The data, kept by its own thread.
    pub watch: Watch,
    /// The view's state.
    pub view: SweepView,
    /// The run dashboard shows a member (Esc comes back).
    pub drilled: bool,
    controller: Controller,
}

impl SweepMode {
    /// Opens `sweep`: reads its manifest and starts watching its members.
    pub fn open(sweep: SweepDir) -> Result<Self> {
        let manifest = sweep.manifest()?;
        Ok(Self::watching(sweep, SweepData::new(manifest)))
    }

    /// The mode over `data` (already read) of `sweep`.
    pub fn watching(sweep: SweepDir, data: SweepData) -> Self {
        SweepMode {
            watch: Watch::start(sweep, data, LOOK_EVERY),
            view: SweepView::default(),
            drilled: false,
            controller: Controller::default(),
        }
    }

    fn data(&self) -> std::sync::RwLockReadGuard<'_, SweepData> {
        self.watch.data()
    }

    /// Handles a key of the sweep view.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<SweepEffect> {
        let data = self.watch.data();
        self.view.on_key(key, &data)
    }

    /// Member `i`'s run directory.
    pub fn member_dir(&self, i: usize) -> Option<RunDir> {
        let data = self.data();
        let m = data.manifest.members.get(i)?;
        Some(self.watch.sweep.member(m))
    }

    /// Sends `command` to each of `members`; their answers come back through
    /// [`SweepMode::answers`], and each member records the change in its events.
    pub fn send(&mut self, members: &[usize], command: Command) -> Vec<String> {
        let mut sent = vec![];
        for &i in members {
            if let Some(dir) = self.member_dir(i) {
                sent.push(dir.id());
                self.controller.send(i, dir, command.clone());
            }
        }
        self.view.say(
            format!(
                "sent {command:?} to {} member(s), waiting for them…",
                sent.len()
            ),
            false,
        );
        sent
    }

    /// The answers that arrived, described; true when any did (and the status line changed).
    pub fn answers(&mut self) -> Vec<(String, bool)> {
        let answers = self.controller.answers();
        if answers.is_empty() {
            return vec![];
        }
        let out: Vec<(String, bool)> = {
            let data = self.data();
            answers
                .iter()
                .map(|a| a.describe(data.name(a.run)))
                .collect()
        };
        let errors = out.iter().filter(|(_, e)| *e).count();
        let last = out.last().cloned().unwrap_or_default();
        if errors > 0 {
            let first = out
                .iter()
                .find(|(_, e)| *e)
                .map(|(t, _)| t.clone())
                .unwrap_or_default();
            self.view.say(
                format!(
                    "{errors} of {} answers refused or failed: {first}",
                    out.len()
                ),
                true,
            );
        } else {
            self.view.say(last.0, false);
        }
        out
    }

    /// Commands still waiting for an answer.
    pub fn in_flight(&self) -> usize {
        self.controller.in_flight()
    }

    /// True when the data changed since the last call.
    pub fn changed(&self) -> bool {
        self.watch.take_changed()
    }

    /// Draws the sweep view, with the aggregates the watch's thread keeps for this view's
    /// key (computed here when the key is new).
    pub fn draw(&self, theme: &Theme, area: Rect, buf: &mut Buffer) {
        let data = self.data();
        let agg = self
            .watch
            .aggregates()
            .get(&data, &render::aggregate_key(&self.view, area));
        render::draw_with(&data, &self.view, &agg, theme, area, buf);
    }

    /// How the data is kept up to date (see [`Watch::how`]).
    pub fn how(&self) -> String {
        self.watch.how()
    }
}
