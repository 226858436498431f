//! Pictures written into run directories (under `samples/`): PNG sample grids of generated
//! images and PNG scatters of generated 2-D points, named by step so the dashboard can show
//! the newest one and a history.

use std::path::{Path, PathBuf};

/// `dir/samples/<stem>-<step, 9 digits>.<ext>`, creating `samples/`.
pub fn sample_path(dir: &Path, stem: &str, step: u64, ext: &str) -> Result<PathBuf, String> {
    let d = dir.join("samples");
    std::fs::create_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
    Ok(d.join(format!("{stem}-{step:09}.{ext}")))
}

/// Writes an 8-bit RGB image (row-major, 3 bytes per pixel) as PNG.
pub fn write_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<(), String> {
    assert_eq!(rgb.len(), (width * height * 3) as usize);
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc
        .write_header()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    w.write_image_data(rgb)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Tiles images (n, c, h, w) with values in [−1, 1] (c = 1 or 3) into a grid of `cols`
/// columns with a 2-pixel border, as 8-bit RGB; pixel = ⌊(x·0.5 + 0.5)·255⌋ clamped.
pub fn grid(
    images: &[f32],
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    cols: usize,
) -> (u32, u32, Vec<u8>) {
    let cols = cols.max(1).min(n.max(1));
    let rows = n.div_ceil(cols);
    let pad = 2;
    let (gw, gh) = (cols * (w + pad) + pad, rows * (h + pad) + pad);
    let mut rgb = vec![40u8; gw * gh * 3];
    let to_u8 = |v: f32| ((v * 0.5 + 0.5) * 255.0).clamp(0.0, 255.0) as u8;
    for i in 0..n {
        let (r, q) = (i / cols, i % cols);
        let img = &images[i * c * h * w..(i + 1) * c * h * w];
        for y in 0..h {
            for x in 0..w {
                let o = ((r * (h + pad) + pad + y) * gw + q * (w + pad) + pad + x) * 3;
                for ch in 0..3 {
                    rgb[o + ch] = to_u8(img[(ch.min(c - 1) * h + y) * w + x]);
                }
            }
        }
    }
    (gw as u32, gh as u32, rgb)
}

/// A size×size scatter of 2-D `points` (row-major pairs, dark dots) over the square
/// [−extent, extent]², with `marks` (the mixture's centres) as red crosses.
pub fn scatter(points: &[f32], marks: &[[f64; 2]], extent: f64, size: usize) -> Vec<u8> {
    let mut rgb = vec![255u8; size * size * 3];
    let px = |v: f64| ((v + extent) / (2.0 * extent) * (size as f64 - 1.0)).round() as isize;
    let mut put = |x: isize, y: isize, color: [u8; 3]| {
        if x >= 0 && y >= 0 && (x as usize) < size && (y as usize) < size {
            let o = ((size - 1 - y as usize) * size + x as usize) * 3;
            rgb[o..o + 3].copy_from_slice(&color);
        }
    };
    for p in points.chunks_exact(2) {
        let (x, y) = (px(p[0] as f64), px(p[1] as f64));
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            put(x + dx, y + dy, [30, 60, 160]);
        }
    }
    for m in marks {
        let (x, y) = (px(m[0]), px(m[1]));
        for d in -4..=4 {
            put(x + d, y + d, [220, 30, 30]);
            put(x + d, y - d, [220, 30, 30]);
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_and_scatters_are_valid_pngs() {
        let dir = tempfile::tempdir().unwrap();
        let imgs: Vec<f32> = (0..3 * 2 * 4 * 4)
            .map(|i| (i % 7) as f32 / 3.5 - 1.0)
            .collect();
        let (w, h, rgb) = grid(&imgs, 3, 1, 4, 8, 2);
        assert_eq!((w, h), (2 * 10 + 2, 2 * 6 + 2));
        let p = sample_path(dir.path(), "grid", 7, "png").unwrap();
        write_png(&p, w, h, &rgb).unwrap();
        let decoder = png::Decoder::new(std::fs::File::open(&p).unwrap());
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (w, h));
        assert!(p.ends_with("samples/grid-000000007.png"));
        let s = scatter(&[0.0, 0.0, 1.0, 1.0], &[[0.0, 0.0]], 2.0, 64);
        assert_eq!(s.len(), 64 * 64 * 3);
        assert!(s.contains(&220));
    }
}
