//! Reading what a GAN run writes under `samples/` ([`crate::run::sample_files`]) for the
//! samples and data-plane panes: `points-<step>.csv` (generated 2-D points; the mixture's
//! centres come from the run's config), `grid-<step>.png` (a grid of generated images, shown
//! in gray) and `plane-<step>.json` (the data plane, [`crate::run::plane`]).

use super::graphics::Picture;
use super::panes::samples::{Image, SampleView};
use crate::run::sample_files::{self, SampleFile};
use crate::run::store::RunDir;
use crate::setup::GameConfig;
use std::path::Path;

/// True for the files the samples pane shows.
fn is_view(f: &SampleFile) -> bool {
    matches!(
        (f.kind.as_str(), f.ext.as_str()),
        ("points", "csv") | ("grid", "png")
    )
}

/// The steps with something for the samples pane and with a data plane, ascending.
pub fn steps(dir: &RunDir) -> (Vec<u64>, Vec<u64>) {
    let files = sample_files::list(dir);
    let of = |keep: &dyn Fn(&SampleFile) -> bool| {
        let mut v: Vec<u64> = files.iter().filter(|f| keep(f)).map(|f| f.step).collect();
        v.dedup();
        v
    };
    (
        of(&is_view),
        of(&|f| f.kind == crate::run::plane::KIND && f.ext == crate::run::plane::EXT),
    )
}

/// The newest sample file of a run and the step in its name, if any.
pub fn newest(dir: &RunDir) -> Option<(std::path::PathBuf, u64)> {
    sample_files::list(dir)
        .into_iter()
        .filter(is_view)
        .max_by_key(|f| f.step)
        .map(|f| (f.path, f.step))
}

/// The samples view of `step`: its points or its grid, and the grid as written; the error
/// names the file.
pub fn load_step(
    dir: &RunDir,
    step: u64,
    game: Option<&GameConfig>,
) -> Result<(SampleView, Option<Picture>), String> {
    let f = sample_files::list(dir)
        .into_iter()
        .find(|f| f.step == step && is_view(f))
        .ok_or_else(|| format!("no sample file for step {step} in {}", dir.path.display()))?;
    let loaded = match f.ext.as_str() {
        "png" => grid(&f.path, step).map(|(v, p)| (v, Some(p))),
        _ => load(&f.path, game).map(|v| (v, None)),
    };
    loaded.ok_or_else(|| format!("{}: unreadable", f.path.display()))
}

/// The scatter of a `points-*.csv` (header `x,y`), with the data's mode centres as the real
/// points when the game is a mixture of Gaussians.
fn scatter(path: &Path, game: Option<&GameConfig>) -> Option<SampleView> {
    let text = std::fs::read_to_string(path).ok()?;
    let generated: Vec<(f64, f64)> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (x, y) = l.split_once(',')?;
            Some((x.trim().parse().ok()?, y.trim().parse().ok()?))
        })
        .collect();
    let real = match game {
        Some(GameConfig::MixtureGan(spec)) => spec
            .mixture
            .build()
            .map(|m| m.centers.iter().map(|c| (c[0], c[1])).collect())
            .unwrap_or_default(),
        _ => vec![],
    };
    Some(SampleView::Scatter { real, generated })
}

/// A PNG image grid: the picture as written (for real pixels) and one gray image (luminance,
/// values in [0, 1], for half blocks).
fn grid(path: &Path, step: u64) -> Option<(SampleView, Picture)> {
    let picture = Picture::decode(std::fs::read(path).ok()?, step)?;
    let view = SampleView::Images(vec![Image {
        width: picture.width,
        height: picture.height,
        pixels: picture.luminance(),
    }]);
    Some((view, picture))
}

/// Loads a sample file found by [`newest`].
pub fn load(path: &Path, game: Option<&GameConfig>) -> Option<SampleView> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => scatter(path, game),
        Some("png") => grid(path, 0).map(|(view, _)| view),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_points_and_grids_are_read() {
        let t = tempfile::tempdir().unwrap();
        let dir = RunDir {
            path: t.path().to_path_buf(),
        };
        assert!(newest(&dir).is_none());
        let s = t.path().join("samples");
        std::fs::create_dir_all(&s).unwrap();
        std::fs::write(s.join("points-000000010.csv"), "x,y\n0.5,-1\n1.5,2\n").unwrap();
        std::fs::write(s.join("points-000000002.csv"), "x,y\n9,9\n").unwrap();
        std::fs::write(s.join("scatter-000000099.png"), b"not ours").unwrap();
        let (p, step) = newest(&dir).unwrap();
        assert_eq!(step, 10);
        let game: GameConfig = ron::from_str(
            "MixtureGan(mixture: Ring(modes: 4, radius: 1.0, std: 0.1), loss: Saturating)",
        )
        .unwrap();
        match load(&p, Some(&game)).unwrap() {
            SampleView::Scatter { real, generated } => {
                assert_eq!(generated, vec![(0.5, -1.0), (1.5, 2.0)]);
                assert_eq!(real.len(), 4);
            }
            other => panic!("{other:?}"),
        }
        // A 2×1 RGB grid: white and black.
        let g = s.join("grid-000000020.png");
        crate::neural::picture::write_png(&g, 2, 1, &[255, 255, 255, 0, 0, 0]).unwrap();
        assert_eq!(newest(&dir).unwrap().1, 20);
        match load(&g, None).unwrap() {
            SampleView::Images(v) => {
                assert_eq!((v[0].width, v[0].height), (2, 1));
                assert!((v[0].pixels[0] - 1.0).abs() < 1e-6 && v[0].pixels[1] == 0.0);
            }
            other => panic!("{other:?}"),
        }
        // Every step, and an unreadable one named.
        assert_eq!(steps(&dir).0, vec![2, 10, 20]);
        assert!(load_step(&dir, 2, Some(&game)).unwrap().1.is_none());
        // A grid comes with the picture as written, for real pixels.
        let picture = load_step(&dir, 20, None).unwrap().1.unwrap();
        assert_eq!((picture.width, picture.height, picture.step), (2, 1, 20));
        assert_eq!(picture.png, std::fs::read(&g).unwrap());
        assert_eq!(picture.rgb, vec![255, 255, 255, 0, 0, 0]);
        std::fs::write(s.join("grid-000000030.png"), b"torn").unwrap();
        let e = load_step(&dir, 30, None).unwrap_err();
        assert!(e.contains("grid-000000030.png: unreadable"), "{e}");
        assert!(load_step(&dir, 31, None).unwrap_err().contains("step 31"));
    }
}
