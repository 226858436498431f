//! The network's input as the TF graph forms it from bytes: each channel resized to 299×299 by
//! TF1's bilinear resize ([`crate::score::resize`]), then (x − 128)/128. Grey images are
//! repeated over the three channels (what image libraries do when converting to RGB).

use super::act::Act;
use crate::neural::image_set::ImageSet;
use crate::score::resize::resize_plane;

/// Side of the network's input.
pub const SIDE: usize = 299;

/// Images `range` of `set` as a channel-major network input (3, B, 299, 299).
pub fn network_input(set: &ImageSet, range: std::ops::Range<usize>) -> Act {
    assert!(
        set.channels == 1 || set.channels == 3,
        "images must be grey or RGB"
    );
    let b = range.len();
    let p = SIDE * SIDE;
    let mut x = Act::zeros(3, b, SIDE, SIDE);
    let (h, w) = (set.height, set.width);
    for (n, i) in range.enumerate() {
        let img = set.image(i);
        for c in 0..3 {
            let src_c = if set.channels == 1 { 0 } else { c };
            let plane: Vec<f32> = img[src_c * h * w..(src_c + 1) * h * w]
                .iter()
                .map(|&v| v as f32)
                .collect();
            let r = resize_plane(&plane, h, w, SIDE, SIDE);
            let dst = &mut x.data[(c * b + n) * p..(c * b + n + 1) * p];
            for (d, v) in dst.iter_mut().zip(r) {
                *d = (v - 128.0) / 128.0;
            }
        }
    }
    x
}
