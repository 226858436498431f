//! The sweep view (`saddle attach SWEEP`): a sweep's members grouped by a grid key, by run
//! name or by configuration; each group's curve of one metric as the mean over its members
//! with a ±std or confidence band and each member faint; a table of groups × final metrics
//! (n, mean ± CI, from [`crate::stats::describe()`] at [`crate::sweep::report::LEVEL`], as
//! `saddle sweep report` computes them), sortable and filterable; a heat map of a final metric
//! over two grid axes; and each member's progress (its state in the sweep, and its Slurm
//! task's state under Slurm).
//!
//! The data ([`data`]) is kept by a [`watch`] on its own thread: file-change
//! [`notices`] say what changed, [`feed`] reads only the bytes the members appended, and the
//! view's [`aggregate`]s are refreshed there too; the state and keys ([`state`]) are pure;
//! [`groups`] aggregates, [`render`] and [`heatmap`] draw.

pub mod aggregate;
pub mod data;
pub mod feed;
pub mod groups;
pub mod heatmap;
pub mod mode;
pub mod notices;
pub mod prediction;
pub mod render;
pub mod state;
#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;
pub mod watch;

pub use data::SweepData;
pub use mode::SweepMode;
pub use state::{SweepEffect, SweepView};
pub use watch::Watch;
