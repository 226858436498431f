//! From a preset's game section to a built game: the sections of every game (built-in or
//! registered by the program that runs saddle), building them on their device, and the
//! registry of games and dataset readers.
//!
//! It sits above `game` and `neural` (it knows every game and network) and below `run`.

mod built;
mod custom;
mod game_config;
mod neural;
mod registry;

#[cfg(feature = "cuda")]
pub use built::CudaGame;
pub use built::{BuiltGame, CpuGame};
pub use custom::CustomGame;
pub use game_config::{GameConfig, GameSpec};
pub use neural::{ImageGanSpec, MaybeCuda, MixtureGanSpec};
pub use registry::{install, Registry};
