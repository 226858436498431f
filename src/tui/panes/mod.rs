//! The dashboard's panes. A pane is one file here with a unit type implementing [`Pane`] — its
//! title, its place in the full layout, what it reads of a run directory, how it draws, and its
//! keys — and one entry in [`ALL`]. The tabs and number keys of the compact layout, next and
//! previous pane, the full layout, the help and what the feeds read all derive from [`ALL`].

pub mod curves;
pub mod events;
pub mod phase;
pub mod samples;
pub mod scores;
pub mod spectral;
pub mod system;

use super::app::App;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

/// Every pane, in tab order: key `k` shows `ALL[k − 1]` in the compact layout.
pub const ALL: &[&dyn Pane] = &[
    &curves::Curves,
    &spectral::Spectral,
    &phase::Phase,
    &samples::Samples,
    &scores::Scores,
    &events::Events,
    &system::System,
];

/// What a pane reads of a run directory besides `config.ron`, `metrics.csv`, `events.jsonl`
/// and `summary.json`, which the runs table and the status line need anyway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reads {
    /// `spectrum.jsonl`.
    Spectrum,
    /// `scores.jsonl`.
    Scores,
    /// The sample files (`samples/points-*.csv`, `grid-*.png`).
    Samples,
    /// The data planes (`samples/plane-*.json`).
    Plane,
    /// `system.csv`.
    System,
}

/// A row of the full layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    /// The upper, taller row (3/5 of the height).
    Top,
    /// The lower row.
    Bottom,
}

/// Where a pane sits in the full layout: its row, and its share of that row's width (shares
/// are weights: a row's panes split its width in proportion to them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    /// The row.
    pub row: Row,
    /// The weight of its width.
    pub share: u16,
}

impl Place {
    /// In the top row, with weight `share`.
    pub const fn top(share: u16) -> Place {
        Place {
            row: Row::Top,
            share,
        }
    }

    /// In the bottom row, with weight `share`.
    pub const fn bottom(share: u16) -> Place {
        Place {
            row: Row::Bottom,
            share,
        }
    }
}

/// A key a pane adds to the main view, as the help shows it: (keys, what they do).
pub type Key = (&'static str, &'static str);

/// A pane of the dashboard.
pub trait Pane: Sync {
    /// Its tab title in the compact layout.
    fn title(&self) -> &'static str;

    /// Where it sits in the full layout.
    fn place(&self) -> Place;

    /// What it reads of a run directory beyond what every view reads.
    fn reads(&self) -> &'static [Reads] {
        &[]
    }

    /// Draws it for the state `app` into `area`.
    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer);

    /// The keys it adds to the main view (active whichever pane is shown: they change how it
    /// draws), for the help.
    fn keys(&self) -> &'static [Key] {
        &[]
    }

    /// Handles a main-view key no global binding took; true when it was one of its [`keys`].
    ///
    /// [`keys`]: Pane::keys
    fn on_key(&self, _app: &mut App, _key: KeyEvent) -> bool {
        false
    }
}

/// Everything the registered panes read, each once.
pub fn reads() -> Vec<Reads> {
    let mut all = vec![];
    for r in ALL.iter().flat_map(|p| p.reads()) {
        if !all.contains(r) {
            all.push(*r);
        }
    }
    all
}

/// The index in [`ALL`] of the pane titled `title`.
pub fn index(title: &str) -> Option<usize> {
    ALL.iter().position(|p| p.title() == title)
}

/// Draws the full layout's `row` into `area`: its panes side by side, in [`ALL`] order, each
/// as wide as its share.
pub fn draw_row(app: &App, row: Row, area: Rect, buf: &mut Buffer) {
    use ratatui::layout::{Constraint, Layout};
    let here: Vec<&dyn Pane> = ALL
        .iter()
        .copied()
        .filter(|p| p.place().row == row)
        .collect();
    let total: u16 = here.iter().map(|p| p.place().share).sum::<u16>().max(1);
    let widths = here
        .iter()
        .map(|p| Constraint::Ratio(u32::from(p.place().share), u32::from(total)));
    let areas = Layout::horizontal(widths).split(area);
    for (p, a) in here.iter().zip(areas.iter()) {
        p.draw(app, *a, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_distinct_and_every_row_is_used() {
        for (i, p) in ALL.iter().enumerate() {
            assert_eq!(index(p.title()), Some(i), "{} twice", p.title());
        }
        for row in [Row::Top, Row::Bottom] {
            assert!(ALL.iter().any(|p| p.place().row == row));
        }
        assert!(ALL.len() <= 9, "number keys reach 9 panes");
    }

    #[test]
    fn the_feeds_read_what_the_panes_need_once() {
        let r = reads();
        for p in ALL {
            assert!(p.reads().iter().all(|x| r.contains(x)));
        }
        assert!(r.iter().enumerate().all(|(i, x)| !r[i + 1..].contains(x)));
    }
}
