//! Reading what a GAN run writes under `samples/` ([`crate::run::sample_files`]) for the
//! samples and data-plane panes: `points-<step>.csv` (generated 2-D points; the mixture's
//! centres come from the run's config), `grid-<step>.png` (a grid of generated images, shown
//! in gray) and `plane-<step>.json` (the data plane, [`crate::run::plane`]).

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

/// The samples view of `step`: its points or its grid; the error names the file.
pub fn load_step(dir: &RunDir, step: u64, game: Option<&GameConfig>) -> Result<SampleView, String> {
    let f = sample_files::list(dir)
        .into_iter()
        .find(|f| f.step == step && is_view(f))
        .ok_or_else(|| format!("no sample file for step {step} in {}", dir.path.display()))?;
    load(&f.path, game).ok_or_else(|| format!("{}: unreadable", f.path.display()))
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

/// A PNG image grid as one gray image (luminance, values in [0, 1]).
fn grid(path: &Path) -> Option<SampleView> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).ok()?));
    let mut reader = decoder.read_info().ok()?;
    let mut data = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut data).ok()?;
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let pixels = data[..info.buffer_size()]
        .chunks_exact(channels)
        .take(w * h)
        .map(|p| match channels {
            1 | 2 => p[0] as f32 / 255.0,
            _ => (0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32) / 255.0,
        })
        .collect();
    Some(SampleView::Images(vec![Image {
        width: w,
        height: h,
        pixels,
    }]))
}

/// Loads a sample file found by [`newest`].
pub fn load(path: &Path, game: Option<&GameConfig>) -> Option<SampleView> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => scatter(path, game),
        Some("png") => grid(path),
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
        assert!(load_step(&dir, 2, Some(&game)).is_ok());
        std::fs::write(s.join("grid-000000030.png"), b"torn").unwrap();
        let e = load_step(&dir, 30, None).unwrap_err();
        assert!(e.contains("grid-000000030.png: unreadable"), "{e}");
        assert!(load_step(&dir, 31, None).unwrap_err().contains("step 31"));
    }
}
