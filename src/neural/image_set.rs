//! Sets of images as bytes 0–255, all the same size, `pixels[i][c][y][x]`: what generators are
//! sampled into and what the scores read.
//!
//! Generator outputs in [−1, 1] become bytes as in the seed's Inception Score protocol,
//! int32((x·0.5 + 0.5)·255) — truncation, not rounding (`train_extraadam.py`) — clamped to
//! 0–255.

/// Images of one size as bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageSet {
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Height.
    pub height: usize,
    /// Width.
    pub width: usize,
    /// pixels[((i·channels + c)·height + y)·width + x].
    pub pixels: Vec<u8>,
}

impl ImageSet {
    /// An empty set of images of the given shape.
    pub fn empty(channels: usize, height: usize, width: usize) -> Self {
        ImageSet {
            channels,
            height,
            width,
            pixels: vec![],
        }
    }

    /// Bytes per image.
    pub fn image_len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.pixels.len().checked_div(self.image_len()).unwrap_or(0)
    }

    /// True when there is no image.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Image `i`'s bytes (C, H, W).
    pub fn image(&self, i: usize) -> &[u8] {
        let l = self.image_len();
        &self.pixels[i * l..(i + 1) * l]
    }

    /// Images `range` as a set of their own.
    pub fn slice(&self, range: std::ops::Range<usize>) -> ImageSet {
        let l = self.image_len();
        ImageSet {
            pixels: self.pixels[range.start * l..range.end * l].to_vec(),
            ..*self
        }
    }

    /// Appends generator outputs `values` in [−1, 1] (image-major, this set's shape) as
    /// int32((x·0.5 + 0.5)·255), clamped to 0–255.
    pub fn push_generated(&mut self, values: &[f32]) {
        assert_eq!(values.len() % self.image_len(), 0, "whole images");
        self.pixels.extend(values.iter().map(|&x| to_byte(x)));
    }
}

/// int32((x·0.5 + 0.5)·255) clamped to 0–255 (NaN → 0).
pub fn to_byte(x: f32) -> u8 {
    let v = ((x * 0.5 + 0.5) * 255.0) as i32;
    v.clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_values_truncate_like_the_seed() {
        assert_eq!(to_byte(-1.0), 0);
        assert_eq!(to_byte(1.0), 255);
        assert_eq!(to_byte(0.0), 127, "127.5 truncates");
        assert_eq!(to_byte(2.0), 255);
        assert_eq!(to_byte(f32::NAN), 0);
    }
}
