//! Writing a figure: SVG as drawn, PNG rasterized by resvg, PDF by svg2pdf — chosen by the
//! output's extension, checked before any work, and written atomically (a temporary file in
//! the same directory, renamed), so a failure leaves no partial file.

use super::style::{FAMILY, FONT, UNITS_PER_INCH};
use crate::error::{Error, Result};
use resvg::{tiny_skia, usvg};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file format of a figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The SVG as drawn (text as text).
    Svg,
    /// A raster at the chosen resolution.
    Png,
    /// A vector PDF (text as embedded, subset DejaVu Sans).
    Pdf,
}

/// Where and how a figure is written.
#[derive(Clone, Debug)]
pub struct Target {
    /// The output file.
    pub path: PathBuf,
    /// Its format, from its extension.
    pub format: Format,
    /// Pixels per inch of a PNG.
    pub dpi: f64,
}

impl Target {
    /// Checks `path` before any drawing: a known extension (`.svg`, `.png`, `.pdf`), an
    /// existing, writable directory, and a `dpi` that gives a sane PNG. Err (bad input): what
    /// is wrong.
    pub fn new(path: &Path, dpi: f64) -> Result<Target> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let format = match ext.as_deref() {
            Some("svg") => Format::Svg,
            Some("png") => Format::Png,
            Some("pdf") => Format::Pdf,
            _ => {
                return Err(Error::input(format!(
                    "-o {}: unknown extension; a figure is written as .svg, .png or .pdf",
                    path.display()
                )))
            }
        };
        if !(dpi.is_finite() && (10.0..=1200.0).contains(&dpi)) {
            return Err(Error::input(format!(
                "--dpi {dpi}: expected 10 to 1200 pixels per inch"
            )));
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(Error::input(format!(
                "-o {}: no directory {} to write into",
                path.display(),
                dir.display()
            )));
        }
        if path.is_dir() {
            return Err(Error::input(format!(
                "-o {}: is a directory; name a file",
                path.display()
            )));
        }
        // Writability is known only by trying: a probe file, removed at once.
        let probe = dir.join(format!(".saddle-plot-probe{}", std::process::id()));
        match std::fs::File::create(&probe) {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
            }
            Err(e) => {
                return Err(Error::input(format!(
                    "-o {}: cannot write into {}: {e}",
                    path.display(),
                    dir.display()
                )))
            }
        }
        Ok(Target {
            path: path.to_path_buf(),
            format,
            dpi,
        })
    }

    /// Converts `svg` to the target's format and writes it atomically.
    pub fn write(&self, svg: &str) -> Result<()> {
        let bytes = match self.format {
            Format::Svg => svg.as_bytes().to_vec(),
            Format::Png => png(svg, self.dpi)?,
            Format::Pdf => pdf(svg)?,
        };
        // The path was checked before the figure was drawn: failing to write it now (a full
        // disk) is a failure, not bad input.
        crate::files::write_atomic(&self.path, &bytes)
    }
}

/// usvg's options with the embedded font as the only one, standing for every family.
fn options() -> usvg::Options<'static> {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(FONT.to_vec());
    let name = db
        .faces()
        .next()
        .and_then(|f| f.families.first())
        .map(|(n, _)| n.clone())
        .unwrap_or_else(|| "DejaVu Sans".into());
    db.set_sans_serif_family(&name);
    db.set_serif_family(&name);
    db.set_monospace_family(&name);
    let mut opt = usvg::Options {
        font_family: name,
        ..usvg::Options::default()
    };
    opt.fontdb = Arc::new(db);
    debug_assert_eq!(FAMILY, "sans-serif");
    opt
}

/// The SVG parsed with the embedded font.
pub fn parse(svg: &str) -> Result<usvg::Tree> {
    usvg::Tree::from_str(svg, &options())
        .map_err(|e| Error::failure(format!("the drawn SVG does not parse: {e}")))
}

/// The figure as a PNG at `dpi` pixels per inch, on white.
pub fn png(svg: &str, dpi: f64) -> Result<Vec<u8>> {
    let tree = parse(svg)?;
    let scale = (dpi / UNITS_PER_INCH) as f32;
    let size = tree.size();
    let (w, h) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap = tiny_skia::Pixmap::new(w, h)
        .ok_or_else(|| Error::input(format!("a {w}×{h} PNG is too large: lower --dpi")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| Error::failure(format!("encoding the PNG: {e}")))
}

/// The figure as a one-page PDF, its page the figure's size (96 SVG units to the inch).
pub fn pdf(svg: &str) -> Result<Vec<u8>> {
    let tree = parse(svg)?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions {
            dpi: UNITS_PER_INCH as f32,
        },
    )
    .map_err(|e| Error::failure(format!("converting to PDF: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="96" height="48"><rect x="0" y="0" width="48" height="48" fill="#000"/><text x="50" y="30" font-family="sans-serif" font-size="12">ηβ</text></svg>"##;

    #[test]
    fn the_extension_picks_the_format_and_bad_targets_are_refused_up_front() {
        let t = tempfile::tempdir().unwrap();
        let at = |n: &str| t.path().join(n);
        assert_eq!(
            Target::new(&at("a.PNG"), 150.0).unwrap().format,
            Format::Png
        );
        assert_eq!(
            Target::new(&at("a.pdf"), 150.0).unwrap().format,
            Format::Pdf
        );
        let e = Target::new(&at("a.jpg"), 150.0).unwrap_err();
        assert!(e.message.contains(".svg, .png or .pdf"), "{}", e.message);
        let e = Target::new(&at("missing/a.svg"), 150.0).unwrap_err();
        assert!(e.message.contains("no directory"), "{}", e.message);
        assert!(Target::new(&at("a.png"), 0.0).is_err());
        assert!(std::fs::read_dir(t.path()).unwrap().next().is_none());
    }

    #[test]
    fn text_renders_with_the_embedded_font_in_png_and_pdf() {
        let png = png(SVG, 192.0).unwrap();
        let pixmap = tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (192, 96));
        // The text's pixels (right half) are not all white: the font was found.
        let dark = (0..96)
            .flat_map(|y| (100..192).map(move |x| (x, y)))
            .filter(|&(x, y)| pixmap.pixel(x, y).unwrap().red() < 128)
            .count();
        assert!(dark > 20, "{dark} dark pixels of text");
        let pdf = pdf(SVG).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(
            pdf.windows(8).any(|w| w == b"FontFile"),
            "the font is embedded"
        );
    }
}
