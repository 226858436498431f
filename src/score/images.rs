//! Image sets ([`ImageSet`]) read from and written to PNG files: a directory of PNGs is read in
//! file-name order, all of one size and colour kind.

use crate::neural::image_set::ImageSet;
use std::path::{Path, PathBuf};

/// The PNG files of `dir`, sorted by name.
pub fn png_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads one PNG as (channels 1 or 3, height, width, bytes C×H×W). Alpha is dropped; 16-bit
/// samples keep their high byte; palettes are expanded.
pub fn read_png(path: &Path) -> Result<(usize, usize, usize, Vec<u8>), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(|e| err(&e))?;
    let mut dec = png::Decoder::new(std::io::BufReader::new(file));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().map_err(|e| err(&e))?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| err(&e))?;
    let (w, h) = (info.width as usize, info.height as usize);
    let (src_c, out_c) = match info.color_type {
        png::ColorType::Grayscale => (1, 1),
        png::ColorType::GrayscaleAlpha => (2, 1),
        png::ColorType::Rgb => (3, 3),
        png::ColorType::Rgba => (4, 3),
        png::ColorType::Indexed => return Err(err(&"palette PNG not expanded")),
    };
    let stride = info.line_size;
    let mut out = vec![0u8; out_c * h * w];
    for y in 0..h {
        let line = &buf[y * stride..y * stride + w * src_c];
        for x in 0..w {
            for c in 0..out_c {
                out[(c * h + y) * w + x] = line[x * src_c + c];
            }
        }
    }
    Ok((out_c, h, w, out))
}

/// Every PNG of `dir` (at most `limit`), which must all have one size and colour kind.
pub fn read_png_dir(dir: &Path, limit: Option<usize>) -> Result<ImageSet, String> {
    let mut files = png_files(dir)?;
    if files.is_empty() {
        return Err(format!("{}: no .png files", dir.display()));
    }
    if let Some(l) = limit {
        files.truncate(l);
    }
    let mut set: Option<(ImageSet, PathBuf)> = None;
    for f in files {
        let (c, h, w, px) = read_png(&f)?;
        match &mut set {
            None => {
                set = Some((
                    ImageSet {
                        channels: c,
                        height: h,
                        width: w,
                        pixels: px,
                    },
                    f,
                ))
            }
            Some((s, first)) => {
                if (s.channels, s.height, s.width) != (c, h, w) {
                    return Err(format!(
                        "{}: {w}×{h} with {c} channel(s), but {} is {}×{} with {}: every image of a set must have one size and colour kind",
                        f.display(),
                        first.display(),
                        s.width,
                        s.height,
                        s.channels
                    ));
                }
                s.pixels.extend(px);
            }
        }
    }
    Ok(set.expect("at least one file").0)
}

/// Writes image `i` of `set` as a PNG (grey or RGB).
pub fn write_png(set: &ImageSet, i: usize, path: &Path) -> Result<(), String> {
    let (c, h, w) = (set.channels, set.height, set.width);
    let img = set.image(i);
    let mut interleaved = vec![0u8; c * h * w];
    for ch in 0..c {
        for p in 0..h * w {
            interleaved[p * c + ch] = img[ch * h * w + p];
        }
    }
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w as u32, h as u32);
    enc.set_color(if c == 1 {
        png::ColorType::Grayscale
    } else {
        png::ColorType::Rgb
    });
    enc.set_depth(png::BitDepth::Eight);
    let mut wr = enc
        .write_header()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    wr.write_image_data(&interleaved)
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trip_in_name_order_and_size_check() {
        let dir = tempfile::tempdir().unwrap();
        let mut set = ImageSet::empty(3, 2, 3);
        set.pixels = (0..2 * 18).map(|v| (v * 7) as u8).collect();
        write_png(&set, 1, &dir.path().join("b.png")).unwrap();
        write_png(&set, 0, &dir.path().join("a.png")).unwrap();
        assert_eq!(read_png_dir(dir.path(), None).unwrap(), set);
        assert_eq!(read_png_dir(dir.path(), Some(1)).unwrap().len(), 1);
        let grey = ImageSet {
            channels: 1,
            height: 2,
            width: 3,
            pixels: vec![1, 2, 3, 4, 5, 6],
        };
        write_png(&grey, 0, &dir.path().join("c.png")).unwrap();
        let e = read_png_dir(dir.path(), None).unwrap_err();
        assert!(e.contains("one size and colour kind"), "{e}");
    }
}
