//! Groups of members and what the view shows of them: each group's curve of a metric (the
//! mean over its members with a ±std or confidence band) and its row of final metrics. The
//! statistics are [`crate::stats::describe()`]'s at [`crate::sweep::report::LEVEL`], the same as
//! `saddle sweep report`'s.

use super::data::SweepData;
use crate::stats::{describe, Description};
use crate::sweep::manifest::Manifest;
use crate::sweep::report::LEVEL;
use crate::tui::series::XAxis;
use std::collections::HashMap;

/// What members are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// Configuration (run name and every grid value): members differ only in seed.
    Configuration,
    /// The preset run's name.
    Run,
    /// The value of grid axis `.0`.
    Axis(usize),
}

impl Grouping {
    /// The next grouping, in the order the `g` key cycles: configuration, run name, each
    /// grid axis.
    pub fn next(self, axes: usize) -> Self {
        match self {
            Grouping::Configuration => Grouping::Run,
            Grouping::Run if axes > 0 => Grouping::Axis(0),
            Grouping::Axis(k) if k + 1 < axes => Grouping::Axis(k + 1),
            _ => Grouping::Configuration,
        }
    }

    /// Its name in the title: `configuration`, `run`, or the axis' path.
    pub fn label(self, manifest: &Manifest) -> String {
        match self {
            Grouping::Configuration => "configuration".into(),
            Grouping::Run => "run".into(),
            Grouping::Axis(k) => manifest
                .grid
                .get(k)
                .map_or_else(|| "?".into(), |a| a.path.clone()),
        }
    }

    /// The group of configuration `c`.
    fn key(self, manifest: &Manifest, c: usize) -> String {
        let conf = &manifest.configurations[c];
        match self {
            Grouping::Configuration => conf.label.clone(),
            Grouping::Run => conf.run.clone(),
            Grouping::Axis(k) => match (manifest.grid.get(k), conf.grid.get(k)) {
                (Some(axis), Some((_, v))) => format!("{}={v}", axis.label()),
                _ => "?".into(),
            },
        }
    }
}

/// Members sharing a key.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Its label.
    pub key: String,
    /// Its members' indices, ascending.
    pub members: Vec<usize>,
}

/// The groups of the sweep's members, in order of first appearance.
pub fn groups(manifest: &Manifest, by: Grouping) -> Vec<Group> {
    let mut out: Vec<Group> = vec![];
    // Keys are per configuration, and a sweep has far fewer configurations than members:
    // each configuration's group is found once (this runs every frame).
    let mut of_configuration: Vec<Option<usize>> = vec![None; manifest.configurations.len()];
    let mut index: HashMap<String, usize> = HashMap::new();
    for m in &manifest.members {
        let slot = of_configuration.get_mut(m.configuration);
        let g = match slot.as_deref().copied().flatten() {
            Some(g) => g,
            None => {
                let key = by.key(manifest, m.configuration);
                let g = *index.entry(key.clone()).or_insert_with(|| {
                    out.push(Group {
                        key,
                        members: vec![],
                    });
                    out.len() - 1
                });
                if let Some(s) = slot {
                    *s = Some(g);
                }
                g
            }
        };
        out[g].members.push(m.index);
    }
    out
}

/// The band drawn around a group's mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Band {
    /// Mean ± one sample standard deviation.
    Std,
    /// The confidence interval of the mean (Student t, [`LEVEL`]).
    Ci,
}

impl Band {
    /// The other one.
    pub fn toggle(self) -> Self {
        match self {
            Band::Std => Band::Ci,
            Band::Ci => Band::Std,
        }
    }

    /// Its label.
    pub fn label(self) -> String {
        match self {
            Band::Std => "±std".into(),
            Band::Ci => format!("{:.0}% CI", LEVEL * 100.0),
        }
    }

    /// Its bounds for `d` (None for a single value).
    pub fn bounds(self, d: &Description) -> Option<(f64, f64)> {
        match self {
            Band::Std => d.std.map(|s| (d.mean - s, d.mean + s)),
            Band::Ci => d.ci,
        }
    }
}

/// A group's curve: at each x of a common grid, the mean over the members that reached it
/// and the band's bounds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Curve {
    /// (x, mean).
    pub mean: Vec<(f64, f64)>,
    /// (x, lower bound).
    pub lo: Vec<(f64, f64)>,
    /// (x, upper bound).
    pub hi: Vec<(f64, f64)>,
}

/// One member's curve of `metric` as (x, last value of each bucket), at most `points` of them.
pub fn member_curve(data: &SweepData, m: usize, metric: &str, points: usize) -> Vec<(f64, f64)> {
    let d = &data.members[m];
    let Some(c) = d.column(metric) else {
        return vec![];
    };
    d.series
        .view(c, XAxis::Step, points)
        .into_iter()
        .map(|b| (b.x, b.last))
        .collect()
}

/// The curve of `members` over `xs` (ascending): at each x, the value of each member that has
/// logged a row at or after x, taken from its newest row at or before x.
pub fn curve(data: &SweepData, members: &[usize], metric: &str, xs: &[f64], band: Band) -> Curve {
    // Each member's buckets read in place (x of the last row, last value): no copies, since
    // this runs over every member each frame.
    let per: Vec<(&[f64], &[f64])> = members
        .iter()
        .filter_map(|&m| {
            let d = &data.members[m];
            let values = d.series.lasts(d.column(metric)?)?;
            Some((d.series.xs(XAxis::Step), values))
        })
        .collect();
    let mut at = vec![0usize; per.len()];
    let mut out = Curve::default();
    let mut values = Vec::with_capacity(per.len());
    for &x in xs {
        values.clear();
        for (k, (cx, cv)) in per.iter().enumerate() {
            while at[k] < cx.len() && cx[at[k]] <= x {
                at[k] += 1;
            }
            let reached = cx.last().is_some_and(|&l| l >= x);
            if reached && at[k] > 0 {
                values.push(cv[at[k] - 1]);
            }
        }
        if let Some(d) = describe(&values, LEVEL) {
            out.mean.push((x, d.mean));
            if let Some((lo, hi)) = band.bounds(&d) {
                out.lo.push((x, lo));
                out.hi.push((x, hi));
            }
        }
    }
    out
}

/// A group's row of the table: its final metrics over its members.
#[derive(Clone, Debug, PartialEq)]
pub struct TableRow {
    /// Index into the groups.
    pub group: usize,
    /// Its label.
    pub label: String,
    /// Members in it.
    pub members: usize,
    /// Members that have ended with a result.
    pub ended: usize,
    /// Per metric (in the order asked), the description of its members' final values.
    pub cells: Vec<Option<Description>>,
}

/// One row per group: each metric's final values over the group's members.
pub fn table(data: &SweepData, groups: &[Group], metrics: &[String]) -> Vec<TableRow> {
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| TableRow {
            group: i,
            label: g.key.clone(),
            members: g.members.len(),
            ended: g
                .members
                .iter()
                .filter(|&&m| data.members[m].finals.is_some())
                .count(),
            cells: metrics
                .iter()
                .map(|metric| {
                    let xs: Vec<f64> = g
                        .members
                        .iter()
                        .filter_map(|&m| data.members[m].final_value(metric))
                        .collect();
                    describe(&xs, LEVEL)
                })
                .collect(),
        })
        .collect()
}

/// A column of the table to sort by: the sweep's order, the label, n, or a metric's mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    /// The order of the sweep (first appearance).
    Index,
    /// The group's label.
    Label,
    /// Members that ended.
    N,
    /// The mean of metric `.0`.
    Metric(usize),
}

/// Sorts `rows` by `by` (rows without a value last, whichever the direction).
pub fn sort(rows: &mut [TableRow], by: SortBy, descending: bool) {
    use std::cmp::Ordering;
    rows.sort_by(|a, b| {
        let o = match by {
            SortBy::Index => a.group.cmp(&b.group),
            SortBy::Label => a.label.cmp(&b.label),
            SortBy::N => a.ended.cmp(&b.ended),
            SortBy::Metric(k) => {
                let v = |r: &TableRow| r.cells.get(k).and_then(|c| c.as_ref()).map(|d| d.mean);
                match (v(a), v(b)) {
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (Some(_), None) => return Ordering::Less,
                    (None, Some(_)) => return Ordering::Greater,
                    (None, None) => Ordering::Equal,
                }
            }
        };
        let o = if descending { o.reverse() } else { o };
        o.then(a.group.cmp(&b.group))
    });
}

/// A row filter: a case-insensitive regular expression, or a substring when the text is not
/// one.
#[derive(Clone, Debug)]
pub struct Filter {
    text: String,
    regex: Option<regex::Regex>,
}

impl Filter {
    /// The filter of `text` (empty: everything passes).
    pub fn new(text: &str) -> Self {
        Filter {
            text: text.to_lowercase(),
            regex: regex::RegexBuilder::new(text)
                .case_insensitive(true)
                .build()
                .ok(),
        }
    }

    /// True when the text is taken as a substring (it is not a regular expression).
    pub fn is_substring(&self) -> bool {
        self.regex.is_none()
    }

    /// True when `label` passes.
    pub fn matches(&self, label: &str) -> bool {
        match &self.regex {
            Some(r) => r.is_match(label),
            None => label.to_lowercase().contains(&self.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::state::MemberState;

    #[test]
    fn curves_average_the_members_that_reached_each_x_and_bands_come_from_describe() {
        let m = super::super::testdata::manifest(3);
        let mut d = SweepData::new(m);
        for (i, vals) in [[1.0, 2.0], [3.0, 4.0], [5.0, f64::NAN]].iter().enumerate() {
            let md = &mut d.members[i];
            md.set_columns(vec!["field_norm".into()]);
            for (k, v) in vals.iter().enumerate() {
                if v.is_finite() {
                    md.push_row(&[Some(10.0 * k as f64), None, None, None, Some(*v)]);
                }
            }
        }
        let c = curve(&d, &[0, 1, 2], "field_norm", &[0.0, 10.0], Band::Std);
        assert_eq!(
            c.mean,
            [(0.0, 3.0), (10.0, 3.0)],
            "member 2 stopped before x = 10"
        );
        let want = describe(&[1.0, 3.0, 5.0], LEVEL).unwrap();
        assert_eq!(c.lo[0].1, 3.0 - want.std.unwrap());
        let ci = curve(&d, &[0, 1, 2], "field_norm", &[0.0], Band::Ci);
        assert_eq!((ci.lo[0].1, ci.hi[0].1), want.ci.unwrap());
        d.members[0].finals = Some([("field_norm".to_string(), Some(2.0))].into());
        d.members[0].state = MemberState::Done;
        let g = groups(&d.manifest, Grouping::Configuration);
        let t = table(&d, &g, &["field_norm".into()]);
        assert_eq!((t[0].members, t[0].ended), (3, 1));
        assert_eq!(t[0].cells[0].as_ref().unwrap().mean, 2.0);
    }

    #[test]
    fn filters_take_a_regex_or_else_a_substring() {
        let f = Filter::new("eta=0\\.(05|1)$");
        assert!(!f.is_substring());
        assert!(f.matches("alt ETA=0.05") && !f.matches("eta=0.15"));
        let s = Filter::new("beta=(");
        assert!(s.is_substring());
        assert!(s.matches("x BETA=(0") && !s.matches("beta=0"));
    }
}
