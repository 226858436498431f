//! TensorFlow 1's `resize_bilinear` with `align_corners = False` and no half-pixel centres
//! (the "legacy" resize inside the 2015-12-05 Inception graph), reproduced operation by
//! operation in f32:
//!
//! ```text
//! scale = in / out                          (f32)
//! src   = dst · scale                       (f32; no +0.5 / −0.5 shift)
//! lo    = ⌊src⌋,  hi = min(⌈src⌉, in − 1),  t = src − lo
//! top   = a[lo_y][lo_x] + (a[lo_y][hi_x] − a[lo_y][lo_x])·t_x
//! bot   = a[hi_y][lo_x] + (a[hi_y][hi_x] − a[hi_y][lo_x])·t_x
//! out   = top + (bot − top)·t_y
//! ```
//!
//! PyTorch's `interpolate(…, align_corners=False)` (what pytorch-fid uses) samples at
//! (dst + 0.5)·scale − 0.5 instead, a shifted grid: its 299×299 image of a 32×32 input differs.

/// The source positions of every output index along one axis: (lo, hi, t).
fn axis(input: usize, output: usize) -> Vec<(usize, usize, f32)> {
    let scale = input as f32 / output as f32;
    (0..output)
        .map(|d| {
            let src = d as f32 * scale;
            let lo = src.floor();
            let hi = (src.ceil() as usize).min(input - 1);
            ((lo as usize).min(input - 1), hi, src - lo)
        })
        .collect()
}

/// One plane `src` (h × w, row-major) resized to `out_h × out_w`.
pub fn resize_plane(src: &[f32], h: usize, w: usize, out_h: usize, out_w: usize) -> Vec<f32> {
    assert_eq!(src.len(), h * w, "plane size");
    assert!(h > 0 && w > 0, "empty image");
    let (ys, xs) = (axis(h, out_h), axis(w, out_w));
    let mut out = Vec::with_capacity(out_h * out_w);
    for &(y0, y1, ty) in &ys {
        let (r0, r1) = (&src[y0 * w..(y0 + 1) * w], &src[y1 * w..(y1 + 1) * w]);
        for &(x0, x1, tx) in &xs {
            let top = r0[x0] + (r0[x1] - r0[x0]) * tx;
            let bottom = r1[x0] + (r1[x1] - r1[x0]) * tx;
            out.push(top + (bottom - top) * ty);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_size_is_the_identity() {
        let src: Vec<f32> = (0..12).map(|v| v as f32 * 1.5).collect();
        assert_eq!(resize_plane(&src, 3, 4, 3, 4), src);
    }

    #[test]
    fn upsampling_samples_the_unshifted_grid() {
        // 2 → 4 along x: scale 0.5, sources 0, 0.5, 1, 1.5 → clamped to the last pixel.
        let out = resize_plane(&[10.0, 20.0], 1, 2, 1, 4);
        assert_eq!(out, vec![10.0, 15.0, 20.0, 20.0]);
        // Half-pixel centres would give 10, 12.5, 17.5, 20.
        let out = resize_plane(&[0.0, 4.0, 8.0, 12.0], 2, 2, 3, 3);
        // y sources 0, 2/3, 4/3 → rows 0, between, 1 (clamped).
        assert_eq!(out[0], 0.0);
        assert!((out[1] - 4.0 * (2.0 / 3.0)).abs() < 1e-6);
        assert_eq!(out[6], 8.0);
        assert!((out[8] - 12.0).abs() < 1e-6);
    }

    #[test]
    fn downsampling_skips_pixels() {
        // 4 → 2: sources 0 and 2, no averaging (TF1 has no antialiasing).
        let out = resize_plane(&[1.0, 2.0, 3.0, 4.0], 1, 4, 1, 2);
        assert_eq!(out, vec![1.0, 3.0]);
    }
}
