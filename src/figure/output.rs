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

/// What a figure file records about itself: the saddle that drew it, and what it shows (a PNG's
/// text chunks, an SVG's `<metadata>`), so that a figure found in a paper's folder names its
/// runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct About {
    /// What the figure shows: `runs: <id>, <id>` or `sweep: <id>`.
    pub shows: String,
}

impl About {
    /// The figure of the runs `ids`.
    pub fn runs(ids: &[String]) -> About {
        About {
            shows: format!("runs: {}", ids.join(", ")),
        }
    }

    /// The figure of the sweep `id`.
    pub fn sweep(id: &str) -> About {
        About {
            shows: format!("sweep: {id}"),
        }
    }

    /// The program that drew it: `saddle <version>`.
    pub fn software() -> String {
        format!("saddle {}", env!("CARGO_PKG_VERSION"))
    }
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

    /// Converts `svg` to the target's format, recording `about` (in SVG and PNG), and writes
    /// it atomically.
    pub fn write(&self, svg: &str, about: &About) -> Result<()> {
        let bytes = match self.format {
            Format::Svg => with_metadata(svg, about).into_bytes(),
            Format::Png => png(svg, self.dpi, about)?,
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

/// `svg` with a `<metadata>` element first inside its root: [`About::software`] and what it
/// shows, escaped as XML text.
pub fn with_metadata(svg: &str, about: &About) -> String {
    let Some(open) = svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|end| at + end + 1))
    else {
        return svg.to_string();
    };
    let text = format!("{}; {}", About::software(), about.shows)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "{}\n<metadata>{text}</metadata>{}",
        &svg[..open],
        &svg[open..]
    )
}

/// The figure as a PNG at `dpi` pixels per inch, on white, its resolution recorded in a pHYs
/// chunk (without it, a 1050-pixel figure at 300 dpi imported at 11 in, not 3.5 in) and
/// `about` in text chunks (`Software`, and `Description` when it shows something).
pub fn png(svg: &str, dpi: f64, about: &About) -> Result<Vec<u8>> {
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
    let failed = |e: ::png::EncodingError| Error::failure(format!("encoding the PNG: {e}"));
    let mut out = vec![];
    {
        let mut enc = ::png::Encoder::new(&mut out, w, h);
        enc.set_color(::png::ColorType::Rgba);
        enc.set_depth(::png::BitDepth::Eight);
        let per_metre = (dpi / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(::png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: ::png::Unit::Meter,
        }));
        let mut texts = vec![("Software", About::software())];
        if !about.shows.is_empty() {
            texts.push(("Description", about.shows.clone()));
        }
        for (key, text) in texts {
            // tEXt is Latin-1; a run id outside it goes in an international (UTF-8) chunk.
            if text.chars().all(|c| (c as u32) < 0x100) {
                enc.add_text_chunk(key.into(), text).map_err(failed)?;
            } else {
                enc.add_itxt_chunk(key.into(), text).map_err(failed)?;
            }
        }
        let mut writer = enc.write_header().map_err(failed)?;
        // The pixmap is premultiplied RGBA, but filled opaque white first, every pixel stays
        // opaque: its bytes are the straight RGBA a PNG holds.
        writer.write_image_data(pixmap.data()).map_err(failed)?;
        writer.finish().map_err(failed)?;
    }
    Ok(out)
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
    fn a_png_records_its_resolution_and_what_it_shows_and_an_svg_its_metadata() {
        let about = About::runs(&["20261205-221549-default-alternating".into(), "r&2".into()]);
        let bytes = png(SVG, 300.0, &about).unwrap();
        let decoder = ::png::Decoder::new(std::io::Cursor::new(&bytes));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        // 300 dpi = 11811 pixels a metre: 3.5 in of a 1050-pixel figure.
        let dims = info.pixel_dims.expect("a pHYs chunk");
        assert_eq!(
            (dims.xppu, dims.yppu, dims.unit),
            (11811, 11811, ::png::Unit::Meter)
        );
        let texts: Vec<(&str, &str)> = info
            .uncompressed_latin1_text
            .iter()
            .map(|t| (t.keyword.as_str(), t.text.as_str()))
            .collect();
        assert!(
            texts.contains(&("Software", About::software().as_str())),
            "{texts:?}"
        );
        assert!(
            texts.contains(&(
                "Description",
                "runs: 20261205-221549-default-alternating, r&2"
            )),
            "{texts:?}"
        );
        // Still the same picture.
        let pixmap = tiny_skia::Pixmap::decode_png(&bytes).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (300, 150));
        let svg = with_metadata(SVG, &About::sweep("s<1>"));
        assert!(svg.contains("<metadata>saddle "), "{svg}");
        assert!(svg.contains("; sweep: s&lt;1&gt;</metadata><rect"), "{svg}");
        parse(&svg).unwrap();
    }

    #[test]
    fn text_renders_with_the_embedded_font_in_png_and_pdf() {
        let png = png(SVG, 192.0, &About::default()).unwrap();
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
