//! A sample grid as the terminal image protocols take it: the PNG file's own bytes (kitty and
//! iTerm2 decode PNG themselves, so nothing is re-encoded) and its RGB pixels (sixel is drawn
//! from them, and the half-block fallback from their luminance).

use std::io::Cursor;

/// A decoded PNG sample grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    /// The step the grid was written at.
    pub step: u64,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width × height × 3` bytes, row-major RGB.
    pub rgb: Vec<u8>,
    /// The PNG file as written.
    pub png: Vec<u8>,
}

impl Picture {
    /// Decodes `png` (gray, gray+alpha, RGB or RGBA, 8 bits; 16-bit samples are stripped);
    /// None when it is not a PNG of those kinds.
    pub fn decode(png: Vec<u8>, step: u64) -> Option<Picture> {
        let mut decoder = png::Decoder::new(Cursor::new(&png));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().ok()?;
        let mut data = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut data).ok()?;
        let channels = info.color_type.samples();
        let (width, height) = (info.width as usize, info.height as usize);
        let rgb = data[..info.buffer_size()]
            .chunks_exact(channels)
            .take(width * height)
            .flat_map(|p| match channels {
                1 | 2 => [p[0], p[0], p[0]],
                _ => [p[0], p[1], p[2]],
            })
            .collect::<Vec<u8>>();
        (rgb.len() == width * height * 3).then_some(Picture {
            step,
            width,
            height,
            rgb,
            png,
        })
    }

    /// Luminance (ITU-R BT.601 weights) of every pixel, in [0, 1]: what half blocks draw.
    pub fn luminance(&self) -> Vec<f32> {
        self.rgb
            .chunks_exact(3)
            .map(|p| (0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32) / 255.0)
            .collect()
    }

    /// `self` resized to `w × h` by nearest neighbour: integer enlargements stay crisp, which
    /// is what a reader of 28×28 digits wants to see.
    pub fn resized(&self, w: usize, h: usize) -> Vec<u8> {
        let (w, h) = (w.max(1), h.max(1));
        let mut out = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            let sy = (y * self.height / h).min(self.height - 1);
            for x in 0..w {
                let sx = (x * self.width / w).min(self.width - 1);
                let k = 3 * (sy * self.width + sx);
                out.extend_from_slice(&self.rgb[k..k + 3]);
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) fn png_of(width: u32, height: u32, color: png::ColorType, data: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(color);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header().unwrap().write_image_data(data).unwrap();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gray_and_rgba_pngs_decode_to_rgb() {
        let gray = png_of(2, 1, png::ColorType::Grayscale, &[0, 255]);
        let p = Picture::decode(gray.clone(), 7).unwrap();
        assert_eq!((p.width, p.height, p.step), (2, 1, 7));
        assert_eq!(p.rgb, vec![0, 0, 0, 255, 255, 255]);
        assert_eq!(p.png, gray);
        assert_eq!(p.luminance(), vec![0.0, 1.0]);
        let rgba = png_of(1, 1, png::ColorType::Rgba, &[10, 20, 30, 40]);
        assert_eq!(Picture::decode(rgba, 0).unwrap().rgb, vec![10, 20, 30]);
        assert!(Picture::decode(b"not a png".to_vec(), 0).is_none());
    }

    #[test]
    fn nearest_neighbour_doubles_pixels() {
        let p = Picture::decode(png_of(2, 1, png::ColorType::Rgb, &[1, 2, 3, 4, 5, 6]), 0).unwrap();
        assert_eq!(
            p.resized(4, 2),
            [[1, 2, 3], [1, 2, 3], [4, 5, 6], [4, 5, 6]]
                .repeat(2)
                .concat()
        );
    }
}
