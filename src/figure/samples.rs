//! `--figure samples`: an image GAN's grid of generated images at a chosen step, from the
//! run's `samples/grid-<step>.png`, embedded in the figure at its real pixels (scaled by nearest
//! neighbour, never smoothed) under a caption.

use super::drawing;
use super::style::{self, Size, FAMILY, TEXT};
use crate::error::{Error, Result};
use crate::run::sample_files::{self, pick};
use crate::run::store::RunDir;
use crate::setup::GameConfig;
use plotters::prelude::*;

/// A sample grid read from a run.
#[derive(Clone, Debug)]
pub struct Grid {
    /// The step it was drawn at.
    pub step: u64,
    /// Its width and height in pixels.
    pub pixels: (u32, u32),
    /// The PNG file's bytes, as written by the run.
    pub png: Vec<u8>,
}

/// The grid of `dir` at `step` (the newest at or before it; the newest when None). Err (bad
/// input): the run has none, and why.
pub fn load(dir: &RunDir, step: Option<u64>) -> Result<Grid> {
    let steps = sample_files::steps(dir, "grid", "png");
    let Some(at) = pick(&steps, step) else {
        let why = match dir.config().map(|c| (c.game.clone(), c.sample_every)) {
            Ok((GameConfig::ImageGan(_), None)) => {
                "it was run without sample_every: set it when starting the run (e.g. `--set sample_every=1000`)".to_string()
            }
            Ok((GameConfig::ImageGan(_), Some(_))) => {
                "it has not reached its first sample yet".to_string()
            }
            Ok((GameConfig::MixtureGan(_), _)) => {
                "it is a GAN on 2-D data: its samples are points (use --figure plane)".to_string()
            }
            Ok((g, _)) => format!(
                "the game {} has no sample images; only image GANs (game ImageGan) write samples/grid-*.png",
                g.name()
            ),
            Err(e) => e.message,
        };
        return Err(Error::input(format!(
            "run {}: no sample grid in samples/: {why}",
            dir.id()
        )));
    };
    let path = sample_files::path(dir, "grid", at, "png");
    let png = std::fs::read(&path).map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
    let pixels = png::Decoder::new(std::io::Cursor::new(&png))
        .read_info()
        .map(|r| (r.info().width, r.info().height))
        .map_err(|e| Error::input(format!("{}: not a readable PNG: {e}", path.display())))?;
    Ok(Grid {
        step: at,
        pixels,
        png,
    })
}

/// Standard base64 (RFC 4648, with padding), for the image's data URL.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The figure as SVG: the grid as large as fits at a whole number of figure units per pixel
/// where it can, centred, with its caption under it.
pub fn svg(name: &str, grid: &Grid, size: Size) -> Result<String> {
    style::register_font();
    let (w, h) = size.units();
    let caption = format!(
        "{name}: generator samples at step {} ({}×{} px)",
        grid.step, grid.pixels.0, grid.pixels.1
    );
    let room = (w as f64 - 12.0, h as f64 - 12.0 - 20.0);
    let (gw, gh) = (grid.pixels.0 as f64, grid.pixels.1 as f64);
    let mut scale = (room.0 / gw).min(room.1 / gh);
    if scale >= 1.0 {
        scale = scale.floor();
    }
    let (iw, ih) = (gw * scale, gh * scale);
    let (ix, iy) = ((w as f64 - iw) / 2.0, 6.0 + (room.1 - ih) / 2.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let font =
            (FAMILY, TEXT)
                .into_font()
                .color(&BLACK)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Top,
                ));
        root.draw(&Text::new(
            caption,
            ((w / 2) as i32, (iy + ih + 6.0) as i32),
            font,
        ))
        .map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    // plotters' SVG backend has no raster image without its image codecs; the element is
    // plain SVG, placed before the closing tag.
    let image = format!(
        r#"<image x="{ix:.2}" y="{iy:.2}" width="{iw:.2}" height="{ih:.2}" image-rendering="optimizeSpeed" style="image-rendering:pixelated" preserveAspectRatio="none" href="data:image/png;base64,{}"/>"#,
        base64(&grid.png)
    );
    let end = svg
        .rfind("</svg>")
        .ok_or_else(|| Error::failure("the drawn SVG has no closing tag"))?;
    svg.insert_str(end, &image);
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
    }
}
