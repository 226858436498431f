//! Publication figures from run directories (`saddle plot`): one file per kind of figure,
//! each reading what the runs wrote (metrics, events, spectra, samples) and drawing an SVG with
//! plotters; [`output`] turns it into PNG (resvg) or PDF (svg2pdf) and writes it atomically.
//!
//! Text is laid out and rendered with the DejaVu Sans embedded in the binary ([`style::FONT`]),
//! so a figure looks the same on every machine, whatever fonts it has installed.
//!
//! | kind        | from                                   | module          |
//! |-------------|----------------------------------------|-----------------|
//! | `curves`    | `metrics.csv`, `events.jsonl` of runs  | [`curves`]      |
//! | `sweep`     | a sweep's members, `sweep report`'s statistics | [`sweep`] |
//! | `spectrum`  | `spectrum.jsonl`                       | [`spectrum`]    |
//! | `stability` | the runs' configs and metrics          | [`stability`]   |
//! | `plane`     | `samples/plane-<step>.json`            | [`plane`]       |
//! | `samples`   | `samples/grid-<step>.png`              | [`samples`]     |

pub mod axis;
pub mod curves;
pub mod lines;
pub mod output;
pub mod plane;
pub mod samples;
pub mod spectrum;
pub mod stability;
pub mod style;
pub mod subpixel;
pub mod sweep;

use crate::error::Error;

/// A drawing error of plotters as a failure (exit 1): the data was accepted, drawing it failed.
pub(crate) fn drawing<E: std::fmt::Display>(e: E) -> Error {
    Error::failure(format!("drawing the figure: {e}"))
}

use crate::run::store::RunDir;

/// The legend names of `runs`: each run's name in its preset, or its id where two would read
/// the same (members of a sweep, two runs of one preset).
pub fn names(runs: &[RunDir]) -> Vec<String> {
    let by_name: Vec<String> = runs
        .iter()
        .map(|d| d.config().map(|c| c.name).unwrap_or_else(|_| d.id()))
        .collect();
    let unique = by_name
        .iter()
        .enumerate()
        .all(|(i, n)| !by_name[..i].contains(n));
    if unique {
        by_name
    } else {
        runs.iter().map(RunDir::id).collect()
    }
}
