//! Sweeps: a preset's runs × a grid of field values × seeds, expanded into ordinary run
//! directories (the members) inside a sweep directory, run by a local pool or a Slurm job
//! array, and summarized with confidence intervals and paired comparisons.
//!
//! A sweep sits above the run engine: the engine never knows it drives a member; a member is
//! a run directory plus its index in the sweep ([`manifest`]). The supervisors ([`local`],
//! [`slurm`]) run on tokio; members are OS processes. The statistics live in
//! [`crate::stats`].

pub mod expand;
pub mod housekeeping;
pub mod local;
pub mod manifest;
pub mod member;
pub mod mixed_provenance;
pub mod report;
pub mod slurm;
pub mod spec;
pub mod state;

pub use manifest::{Manifest, SweepDir};
pub use spec::{Axis, Executor, SweepSection};
