//! What a frame of the sweep view shows that takes work to compute: the table's rows
//! ([`Shown`]) and each shown group's curve. A thousand members make that a few
//! milliseconds, more than the rest of a frame; the feed's thread computes it after each
//! change it applies (for the key the view last drew with), so the frames that follow a change
//! only draw. A frame whose key has no aggregates yet (a key was pressed, the terminal was
//! resized) computes them itself, once.

use super::data::SweepData;
use super::groups::{curve, Band, Curve, Grouping};
use super::state::Shown;
use std::sync::{Arc, Mutex};

/// What the aggregates depend on besides the data: the view's grouping, metric, band, row
/// filter and order, and the curves' resolution (points across the chart).
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateKey {
    /// What members are grouped by.
    pub grouping: Grouping,
    /// Index into [`SweepData::metrics`] of the metric shown.
    pub metric: usize,
    /// The band around the means.
    pub band: Band,
    /// The row filter's text.
    pub filter: String,
    /// The sort column (see [`super::state::SweepView::sort`]).
    pub sort: usize,
    /// Sort descending.
    pub descending: bool,
    /// Points of each curve: the x grid is `x_max·k/points`, k = 0..=points.
    pub points: usize,
}

/// The table's rows and the shown groups' curves for one key and one generation of the data.
pub struct Aggregates {
    /// What they were computed for.
    pub key: AggregateKey,
    /// [`SweepData::generation`] they were computed at.
    pub generation: u64,
    /// The metric, the groups and the table's rows.
    pub shown: Shown,
    /// The x the curves end at: the most iterations any member runs to (at least 1).
    pub x_max: f64,
    /// Per row of [`Shown::rows`], in order, its group's curve (empty without a metric).
    pub curves: Vec<Curve>,
}

/// The most iterations any member runs to, at least 1: the curves' x range.
pub fn x_max(data: &SweepData) -> f64 {
    data.members
        .iter()
        .map(|m| m.steps.max(m.step))
        .max()
        .unwrap_or(0)
        .max(1) as f64
}

/// Computes the aggregates of `key` over `data`.
pub fn compute(data: &SweepData, key: &AggregateKey) -> Aggregates {
    let shown = Shown::of(data, key);
    let x_max = x_max(data);
    let xs: Vec<f64> = (0..=key.points)
        .map(|k| x_max * k as f64 / key.points.max(1) as f64)
        .collect();
    let curves = match &shown.metric {
        Some(metric) => shown
            .rows
            .iter()
            .map(|r| curve(data, &shown.groups[r.group].members, metric, &xs, key.band))
            .collect(),
        None => vec![],
    };
    Aggregates {
        key: key.clone(),
        generation: data.generation,
        shown,
        x_max,
        curves,
    }
}

/// The newest aggregates and the key the view last drew with: shared by the view (which
/// reads and, on a new key, fills them) and the feed's thread (which refreshes them after each
/// change).
#[derive(Default)]
pub struct AggregateSlot {
    inner: Mutex<(Option<AggregateKey>, Option<Arc<Aggregates>>)>,
}

impl AggregateSlot {
    /// The aggregates of `key` over `data`: the stored ones when they are for `key` (they may
    /// be one change behind `data` while the feed's thread computes the next), else computed
    /// now and stored. `key` becomes the one the feed's thread computes for.
    pub fn get(&self, data: &SweepData, key: &AggregateKey) -> Arc<Aggregates> {
        {
            let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            if s.0.as_ref() != Some(key) {
                s.0 = Some(key.clone());
            }
            if let Some(a) = s.1.as_ref().filter(|a| a.key == *key) {
                return a.clone();
            }
        }
        let a = Arc::new(compute(data, key));
        self.put(a.clone());
        a
    }

    /// The key the view last drew with, if it has drawn.
    pub fn wanted(&self) -> Option<AggregateKey> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .clone()
    }

    /// Stores `a` unless newer aggregates of the same key are stored.
    pub fn put(&self, a: Arc<Aggregates>) {
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let newer =
            s.1.as_ref()
                .is_some_and(|b| b.key == a.key && b.generation > a.generation);
        if !newer {
            s.1 = Some(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata;
    use super::*;

    fn key() -> AggregateKey {
        AggregateKey {
            grouping: Grouping::Configuration,
            metric: 0,
            band: Band::Ci,
            filter: String::new(),
            sort: 0,
            descending: false,
            points: 40,
        }
    }

    /// The slot hands out what it holds for the same key, recomputes for another key, and
    /// never replaces newer aggregates with older ones.
    #[test]
    fn the_slot_keeps_the_newest_aggregates_of_the_key_drawn_with() {
        let mut d = testdata::grid_sweep();
        let slot = AggregateSlot::default();
        assert_eq!(slot.wanted(), None);
        let a = slot.get(&d, &key());
        assert_eq!(slot.wanted(), Some(key()));
        assert_eq!(a.curves.len(), a.shown.rows.len());
        assert!(!a.curves.is_empty() && a.curves.iter().all(|c| !c.mean.is_empty()));
        d.generation += 1;
        assert!(
            Arc::ptr_eq(&a, &slot.get(&d, &key())),
            "one change behind is served"
        );
        let fresh = Arc::new(compute(&d, &key()));
        slot.put(fresh.clone());
        slot.put(a.clone());
        assert!(
            Arc::ptr_eq(&fresh, &slot.get(&d, &key())),
            "older is refused"
        );
        let mut other = key();
        other.band = Band::Std;
        let b = slot.get(&d, &other);
        assert_eq!(b.key, other);
        assert_eq!(slot.wanted(), Some(other));
        assert_eq!(b.generation, d.generation);
    }
}
