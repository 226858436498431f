//! `samples/plane-<step>.json`: the data plane of a GAN on 2-D data — the real modes, the
//! generator's points and the discriminator's values on a grid — one file per `sample_every`
//! iterations ([`DataPlane`], written by the game through the engine's samples part, read by
//! the dashboard's data-plane pane and by figures).
//!
//! ```json
//! {"step": 2500, "x": [-2.33, 2.33], "y": [-2.33, 2.33], "side": 64,
//!  "logits": [… 64² values of D, row j (y, bottom first) then column i (x) …],
//!  "generated": [x₀, y₀, x₁, y₁, …], "modes": [[1.41, 0.0], …], "std": 0.0354}
//! ```
//!
//! Files are written atomically, so a reader sees a whole plane or none.

use super::sample_files::{self, SAMPLES};
use super::store::{write_atomic, RunDir};
use crate::error::{io_error, Error, Result};
pub use crate::neural::mixture::DataPlane;

/// The kind of a plane file in `samples/`.
pub const KIND: &str = "plane";
/// Its extension.
pub const EXT: &str = "json";

/// Writes `plane` as `samples/plane-<step>.json` of `dir`, atomically.
pub fn write(dir: &RunDir, plane: &DataPlane) -> Result<()> {
    let folder = dir.file(SAMPLES);
    std::fs::create_dir_all(&folder).map_err(|e| io_error(&folder, e))?;
    let text = serde_json::to_string(plane).map_err(|e| Error::failure(e.to_string()))?;
    write_atomic(
        &sample_files::path(dir, KIND, plane.step, EXT),
        text.as_bytes(),
    )
}

/// The steps with a plane, ascending.
pub fn steps(dir: &RunDir) -> Vec<u64> {
    sample_files::steps(dir, KIND, EXT)
}

/// The plane drawn after `step` iterations; the error names the file and what is wrong.
pub fn read(dir: &RunDir, step: u64) -> std::result::Result<DataPlane, String> {
    let p = sample_files::path(dir, KIND, step, EXT);
    let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    let plane: DataPlane =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
    plane.check().map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(plane)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(step: u64) -> DataPlane {
        DataPlane {
            step,
            x: [-2.0, 2.0],
            y: [-1.0, 1.0],
            side: 2,
            logits: vec![0.0, 1.5, f32::NAN, -3.0],
            generated: vec![0.5, -0.25, f32::INFINITY, 1.0],
            modes: vec![[1.0, 0.0], [-1.0, 0.0]],
            std: 0.05,
        }
    }

    #[test]
    fn planes_read_back_what_was_written_with_non_finite_values_as_nan() {
        let t = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: t.path().to_path_buf(),
        };
        assert!(steps(&dir).is_empty());
        write(&dir, &plane(20)).unwrap();
        write(&dir, &plane(0)).unwrap();
        assert_eq!(steps(&dir), vec![0, 20]);
        let back = read(&dir, 20).unwrap();
        assert_eq!(back.step, 20);
        assert_eq!(back.logits[..2], [0.0, 1.5]);
        assert!(back.logits[2].is_nan() && back.generated[2].is_nan());
        assert_eq!((back.x, back.modes.len(), back.std), ([-2.0, 2.0], 2, 0.05));
        // σ(D) at cell (1, 0) and the cell centres.
        assert!((back.probability(1, 0) - 1.0 / (1.0 + (-1.5f64).exp())).abs() < 1e-12);
        assert_eq!(DataPlane::cell_center([-2.0, 2.0], 2, 0), -1.0);
        assert_eq!(
            DataPlane::grid_points([-2.0, 2.0], [-1.0, 1.0], 2),
            vec![-1.0, -0.5, 1.0, -0.5, -1.0, 0.5, 1.0, 0.5]
        );
    }

    #[test]
    fn a_damaged_plane_is_refused_with_its_file_named() {
        let t = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: t.path().to_path_buf(),
        };
        let mut bad = plane(5);
        bad.logits.pop();
        write(&dir, &bad).unwrap();
        let e = read(&dir, 5).unwrap_err();
        assert!(
            e.contains("plane-000000005.json") && e.contains("3 logits for a 2×2 grid"),
            "{e}"
        );
        std::fs::write(sample_files::path(&dir, KIND, 6, EXT), "{\"step\": 6").unwrap();
        assert!(read(&dir, 6).unwrap_err().contains("plane-000000006.json"));
        assert!(read(&dir, 7).unwrap_err().contains("plane-000000007.json"));
    }
}
