//! The run engine: presets, resolved configs, the step loop, control, events, checkpoints,
//! resume, replay and fork, and the run-directory store. It never knows about any UI.

pub mod across_seeds;
pub mod builtin;
pub mod checkpoint;
pub mod client;
pub mod config;
pub mod console;
pub mod control;
pub mod engine;
pub mod events;
pub mod export;
pub mod generator;
pub mod ident;
pub mod lineage;
pub mod listing;
pub mod metrics;
pub mod nvml;
pub mod observer;
pub mod overrides;
pub mod plane;
pub mod preset;
pub mod provenance;
pub mod provenance_text;
pub mod records;
pub mod ron_locate;
pub mod ron_plain;
pub mod ron_value;
pub mod sample_files;
pub mod spectrum;
pub mod spectrum_record;
pub mod store;
pub mod summary;
pub mod system;

pub use config::{RunConfig, StopRule};
pub use engine::Engine;
pub use preset::Preset;
pub use summary::{Status, Summary};
