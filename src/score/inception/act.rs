//! Activations of a batch of images in channel-major layout, `data[c][b][y][x]`.
//!
//! Channel-major (rather than PyTorch's image-major N, C, H, W) because a 1×1 convolution of
//! the whole batch is then a single product W[c_out × c_in] · X[c_in × B·H·W] over the buffer
//! as it lies, and the channel concatenation that closes every Inception block is an append.

/// A batch of feature maps: `c` channels of `b` images of `h`×`w` pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Act {
    /// Channels.
    pub c: usize,
    /// Images.
    pub b: usize,
    /// Height.
    pub h: usize,
    /// Width.
    pub w: usize,
    /// data[((c·b + image)·h + y)·w + x].
    pub data: Vec<f32>,
}

impl Act {
    /// An all-zero batch.
    pub fn zeros(c: usize, b: usize, h: usize, w: usize) -> Self {
        Act {
            c,
            b,
            h,
            w,
            data: vec![0.0; c * b * h * w],
        }
    }

    /// Pixels of one feature map, h·w.
    pub fn plane(&self) -> usize {
        self.h * self.w
    }

    /// Columns of the channel-major matrix view [c × b·h·w]: b·h·w.
    pub fn cols(&self) -> usize {
        self.b * self.h * self.w
    }

    /// The feature map of channel `c`, image `i`.
    pub fn map(&self, c: usize, i: usize) -> &[f32] {
        let p = self.plane();
        let o = (c * self.b + i) * p;
        &self.data[o..o + p]
    }

    /// Concatenation along channels (torch.cat(…, 1)): the parts' buffers one after another.
    pub fn concat(parts: Vec<Act>) -> Act {
        let first = &parts[0];
        let (b, h, w) = (first.b, first.h, first.w);
        let mut data = Vec::with_capacity(parts.iter().map(|p| p.data.len()).sum());
        let mut c = 0;
        for p in parts {
            assert_eq!(
                (p.b, p.h, p.w),
                (b, h, w),
                "concatenated maps differ in size"
            );
            c += p.c;
            data.extend_from_slice(&p.data);
        }
        Act { c, b, h, w, data }
    }

    /// The batch from image-major values x[i][c][y][x] (PyTorch's layout).
    pub fn from_nchw(values: &[f32], b: usize, c: usize, h: usize, w: usize) -> Act {
        assert_eq!(values.len(), b * c * h * w);
        let p = h * w;
        let mut out = Act::zeros(c, b, h, w);
        for i in 0..b {
            for ch in 0..c {
                let src = &values[(i * c + ch) * p..(i * c + ch + 1) * p];
                out.data[(ch * b + i) * p..(ch * b + i + 1) * p].copy_from_slice(src);
            }
        }
        out
    }

    /// The values in image-major order x[i][c][y][x].
    pub fn to_nchw(&self) -> Vec<f32> {
        let p = self.plane();
        let mut out = vec![0.0; self.data.len()];
        for i in 0..self.b {
            for ch in 0..self.c {
                out[(i * self.c + ch) * p..(i * self.c + ch + 1) * p]
                    .copy_from_slice(self.map(ch, i));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_round_trip_and_concat_appends_channels() {
        let v: Vec<f32> = (0..2 * 3 * 2 * 2).map(|i| i as f32).collect();
        let a = Act::from_nchw(&v, 2, 3, 2, 2);
        assert_eq!(a.map(1, 0), &[4.0, 5.0, 6.0, 7.0]);
        assert_eq!(a.map(0, 1), &[12.0, 13.0, 14.0, 15.0]);
        assert_eq!(a.to_nchw(), v);
        let both = Act::concat(vec![a.clone(), a.clone()]);
        assert_eq!(both.c, 6);
        assert_eq!(both.map(4, 1), a.map(1, 1));
    }
}
