//! The poolings of the FID Inception, per feature map:
//!
//! * max pooling 3×3, stride 2, no padding (the stem, Mixed_6a, Mixed_7a), and 3×3 stride 1
//!   padding 1 (Mixed_7c, pytorch-fid's `FIDInceptionE_2`: padded positions never win, as in
//!   PyTorch's −∞ padding);
//! * average pooling 3×3, stride 1, padding 1 with `count_include_pad = False` (Mixed_5b–7b):
//!   the mean over the window's pixels inside the image, as TensorFlow's average pool;
//! * the global average over the final 8×8 map (pool_3).

use super::act::Act;

/// Window `[lo, hi)` along one axis of output position `o` (kernel k, stride s, padding p),
/// clipped to the input [0, n).
fn window(o: usize, k: usize, s: usize, p: usize, n: usize) -> (usize, usize) {
    let start = (o * s) as isize - p as isize;
    let lo = start.max(0) as usize;
    let hi = ((start + k as isize) as usize).min(n);
    (lo, hi)
}

/// Output size ⌊(n + 2p − k)/s⌋ + 1.
fn out_size(n: usize, k: usize, s: usize, p: usize) -> usize {
    (n + 2 * p - k) / s + 1
}

fn pool(
    x: &Act,
    k: usize,
    s: usize,
    p: usize,
    f: impl Fn(&[f32], usize, (usize, usize), (usize, usize)) -> f32,
) -> Act {
    let (ho, wo) = (out_size(x.h, k, s, p), out_size(x.w, k, s, p));
    let mut out = Act::zeros(x.c, x.b, ho, wo);
    let q = ho * wo;
    for (m, dst) in out.data.chunks_mut(q).enumerate() {
        let src = &x.data[m * x.plane()..(m + 1) * x.plane()];
        for oy in 0..ho {
            let ys = window(oy, k, s, p, x.h);
            for ox in 0..wo {
                dst[oy * wo + ox] = f(src, x.w, ys, window(ox, k, s, p, x.w));
            }
        }
    }
    out
}

/// Max over each k×k window with stride s and padding p (padding never wins).
pub fn max_pool(x: &Act, k: usize, s: usize, p: usize) -> Act {
    pool(x, k, s, p, |src, w, (y0, y1), (x0, x1)| {
        let mut m = f32::NEG_INFINITY;
        for y in y0..y1 {
            for v in &src[y * w + x0..y * w + x1] {
                m = m.max(*v);
            }
        }
        m
    })
}

/// Mean over each k×k window's pixels inside the image (`count_include_pad = False`).
pub fn avg_pool_valid(x: &Act, k: usize, s: usize, p: usize) -> Act {
    pool(x, k, s, p, |src, w, (y0, y1), (x0, x1)| {
        let mut acc = 0.0f32;
        for y in y0..y1 {
            for v in &src[y * w + x0..y * w + x1] {
                acc += *v;
            }
        }
        acc / ((y1 - y0) * (x1 - x0)) as f32
    })
}

/// The global average of every map, image-major: `out[image][channel] = mean_{y,x} x[c][image]`.
/// Sums run in f64 (the reference's f32 sum differs by rounding only).
pub fn global_mean(x: &Act) -> Vec<f32> {
    let mut out = vec![0.0f32; x.b * x.c];
    for c in 0..x.c {
        for i in 0..x.b {
            let s: f64 = x.map(c, i).iter().map(|v| *v as f64).sum();
            out[i * x.c + c] = (s / x.plane() as f64) as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(h: usize, w: usize) -> Act {
        Act {
            c: 1,
            b: 1,
            h,
            w,
            data: (0..h * w).map(|i| i as f32).collect(),
        }
    }

    #[test]
    fn average_excludes_padding_and_max_ignores_it() {
        // 3×3 image 0..9: corner window covers {0, 1, 3, 4} → 2 (not 8/9 as with the pad).
        let x = grid(3, 3);
        let a = avg_pool_valid(&x, 3, 1, 1);
        assert_eq!((a.h, a.w), (3, 3));
        assert_eq!(a.data[0], 2.0);
        assert_eq!(a.data[4], 4.0);
        assert_eq!(a.data[1], (0.0 + 1.0 + 2.0 + 3.0 + 4.0 + 5.0) / 6.0);
        let negative = Act {
            data: x.data.iter().map(|v| -v - 1.0).collect(),
            ..x.clone()
        };
        let m = max_pool(&negative, 3, 1, 1);
        assert_eq!(m.data[0], -1.0, "zero padding would win with 0");
        assert_eq!(m.data[8], -1.0 - 4.0);
    }

    #[test]
    fn strided_max_pool_and_global_mean() {
        let x = grid(7, 7);
        let m = max_pool(&x, 3, 2, 0);
        assert_eq!((m.h, m.w), (3, 3));
        assert_eq!(
            m.data,
            vec![16.0, 18.0, 20.0, 30.0, 32.0, 34.0, 44.0, 46.0, 48.0]
        );
        assert_eq!(global_mean(&x), vec![24.0]);
    }
}
