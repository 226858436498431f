//! The index geometry shared by convolution and its transpose.
//!
//! A convolution with kernel (kh, kw), stride s and zero padding p maps an image of size
//! (h, w) to (ho, wo) = (⌊(h + 2p − kh)/s⌋ + 1, ⌊(w + 2p − kw)/s⌋ + 1); output pixel (oh, ow)
//! reads input pixel (oh·s − p + i, ow·s − p + j) for kernel offset (i, j). The transposed
//! convolution is this map's adjoint, from the small image back to the large one, whose size
//! (h − 1)·s − 2p + kh + output_padding is given, not computed.

use super::wide::{wide, Kernel};
use std::ops::Range;

/// Sizes of one convolution between a "large" image (h, w) and a "small" one (ho, wo).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Channels of the large image.
    pub channels: usize,
    /// Height of the large image.
    pub h: usize,
    /// Width of the large image.
    pub w: usize,
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Stride (both axes).
    pub stride: usize,
    /// Zero padding (both axes).
    pub pad: usize,
    /// Height of the small image.
    pub ho: usize,
    /// Width of the small image.
    pub wo: usize,
}

impl Geometry {
    /// The geometry of a convolution from (channels, h, w) with the small size computed.
    pub fn conv(
        channels: usize,
        h: usize,
        w: usize,
        k: (usize, usize),
        stride: usize,
        pad: usize,
    ) -> Result<Self, String> {
        if stride == 0 || k.0 == 0 || k.1 == 0 {
            return Err("kernel and stride must be at least 1".into());
        }
        if h + 2 * pad < k.0 || w + 2 * pad < k.1 {
            return Err(format!(
                "kernel {}×{} larger than the padded input {}×{}",
                k.0,
                k.1,
                h + 2 * pad,
                w + 2 * pad
            ));
        }
        Ok(Geometry {
            channels,
            h,
            w,
            kh: k.0,
            kw: k.1,
            stride,
            pad,
            ho: (h + 2 * pad - k.0) / stride + 1,
            wo: (w + 2 * pad - k.1) / stride + 1,
        })
    }

    /// The geometry whose adjoint is a transposed convolution from (small) (hi, wi) with
    /// `output_padding` (< stride) extra rows and columns.
    pub fn transposed(
        channels: usize,
        hi: usize,
        wi: usize,
        k: (usize, usize),
        stride: usize,
        pad: usize,
        output_padding: usize,
    ) -> Result<Self, String> {
        if stride == 0 || k.0 == 0 || k.1 == 0 || hi == 0 || wi == 0 {
            return Err("kernel, stride and input size must be at least 1".into());
        }
        if output_padding >= stride.max(1) && output_padding > 0 {
            return Err(format!(
                "output_padding {output_padding} must be smaller than the stride {stride}"
            ));
        }
        let big = |n: usize, k: usize| ((n - 1) * stride + k + output_padding).checked_sub(2 * pad);
        let (h, w) = match (big(hi, k.0), big(wi, k.1)) {
            (Some(h), Some(w)) if h > 0 && w > 0 => (h, w),
            _ => {
                return Err(format!(
                    "padding {pad} leaves no output for a {hi}×{wi} input"
                ))
            }
        };
        Ok(Geometry {
            channels,
            h,
            w,
            kh: k.0,
            kw: k.1,
            stride,
            pad,
            ho: hi,
            wo: wi,
        })
    }

    /// Rows of the column matrix: channels·kh·kw.
    pub fn rows(&self) -> usize {
        self.channels * self.kh * self.kw
    }

    /// Columns of the column matrix: ho·wo.
    pub fn cols(&self) -> usize {
        self.ho * self.wo
    }

    /// Input index range of kernel offset `i` along one axis: for each output position o,
    /// o·s − p + i must lie in [0, n); returns the valid o range [lo, hi).
    #[inline]
    fn valid(&self, i: usize, n: usize, out: usize) -> (usize, usize) {
        let s = self.stride as isize;
        let off = i as isize - self.pad as isize;
        // o·s + off ≥ 0  ⇔  o ≥ ceil(−off / s)
        let lo = if off >= 0 { 0 } else { ((-off) + s - 1) / s } as usize;
        // o·s + off ≤ n − 1  ⇔  o ≤ floor((n − 1 − off) / s)
        let top = n as isize - 1 - off;
        let hi = if top < 0 { 0 } else { (top / s + 1) as usize };
        (lo.min(out), hi.min(out).max(lo.min(out)))
    }

    /// cols[(c, i, j), (oh, ow)] = img[c, oh·s − p + i, ow·s − p + j], zero outside.
    pub fn im2col(&self, img: &[f32], cols: &mut [f32]) {
        debug_assert_eq!(cols.len(), self.rows() * self.cols());
        self.im2col_into(img, cols, self.cols(), 0);
    }

    /// Offset (q, a) of kernel tap `i` on the stride grid: i − p = s·q + a with 0 ≤ a < s, so
    /// that tap i of output o reads input s·(o + q) + a (floor division).
    #[inline]
    fn phase(&self, i: usize) -> (isize, usize) {
        let (t, s) = (i as isize - self.pad as isize, self.stride as isize);
        let q = t.div_euclid(s);
        (q, (t - q * s) as usize)
    }

    /// Rows and columns of one phase plane: ⌈h/s⌉ × ⌈w/s⌉.
    fn phase_dims(&self) -> (usize, usize) {
        (self.h.div_ceil(self.stride), self.w.div_ceil(self.stride))
    }

    /// [`Geometry::im2col`] into columns `off .. off + ho·wo` of a column matrix whose rows are
    /// `ld` long (so the images of several samples sit side by side, one block of columns each).
    ///
    /// With stride s > 1 the image is first split into its s² phase planes
    /// plane[a][b][c][y][x] = img[c][s·y + a][s·x + b]; every row of the column matrix then
    /// reads each output row from one plane as one contiguous run.
    pub fn im2col_into(&self, img: &[f32], cols: &mut [f32], ld: usize, off: usize) {
        let (ho, wo, s) = (self.ho, self.wo, self.stride);
        let plane_len = self.h * self.w;
        debug_assert_eq!(img.len(), self.channels * plane_len);
        debug_assert!(off + ho * wo <= ld && cols.len() >= (self.rows() - 1) * ld + off + ho * wo);
        let (hp, wp) = self.phase_dims();
        with_phases(
            if s > 1 {
                s * s * self.channels * hp * wp
            } else {
                0
            },
            |ph| {
                if s > 1 {
                    self.split_phases(img, ph);
                }
                for c in 0..self.channels {
                    for i in 0..self.kh {
                        let (oh_lo, oh_hi) = self.valid(i, self.h, ho);
                        let (qi, ai) = self.phase(i);
                        for j in 0..self.kw {
                            let (ow_lo, ow_hi) = self.valid(j, self.w, wo);
                            let (qj, bj) = self.phase(j);
                            let row = ((c * self.kh + i) * self.kw + j) * ld + off;
                            let dst = &mut cols[row..row + ho * wo];
                            if oh_lo > 0 || oh_hi < ho || ow_lo > 0 || ow_hi < wo {
                                dst.fill(0.0);
                            }
                            let n = ow_hi.saturating_sub(ow_lo);
                            if n == 0 {
                                continue;
                            }
                            // Source: plane (ai, bj) of channel c (the image itself when s = 1), row
                            // oh + qi, columns from ow_lo + qj.
                            let (src, width) = if s > 1 {
                                let p0 = ((ai * s + bj) * self.channels + c) * hp * wp;
                                (&ph[p0..p0 + hp * wp], wp)
                            } else {
                                (&img[c * plane_len..(c + 1) * plane_len], self.w)
                            };
                            let x0 = (ow_lo as isize + qj) as usize;
                            if n == wo && width == wo {
                                // Whole rows of a plane as wide as the output: one run.
                                let y0 = (oh_lo as isize + qi) as usize;
                                let len = (oh_hi - oh_lo) * wo;
                                dst[oh_lo * wo..oh_lo * wo + len]
                                    .copy_from_slice(&src[y0 * width..y0 * width + len]);
                            } else {
                                for oh in oh_lo..oh_hi {
                                    let y = (oh as isize + qi) as usize;
                                    copy_run(
                                        &mut dst[oh * wo + ow_lo..oh * wo + ow_hi],
                                        &src[y * width + x0..y * width + x0 + n],
                                    );
                                }
                            }
                        }
                    }
                }
            },
        );
    }

    /// plane[a][b][c][y][x] = img[c][s·y + a][s·x + b] (entries past the image unspecified).
    fn split_phases(&self, img: &[f32], ph: &mut [f32]) {
        if self.stride == 2 && self.w.is_multiple_of(2) {
            return wide(Stride2 { g: self, img, ph });
        }
        let (s, (hp, wp)) = (self.stride, self.phase_dims());
        for a in 0..s {
            for b in 0..s {
                for c in 0..self.channels {
                    let p0 = ((a * s + b) * self.channels + c) * hp * wp;
                    let plane = &mut ph[p0..p0 + hp * wp];
                    let src = &img[c * self.h * self.w..(c + 1) * self.h * self.w];
                    for y in 0..hp {
                        let iy = s * y + a;
                        if iy >= self.h {
                            break;
                        }
                        let row = &src[iy * self.w..(iy + 1) * self.w];
                        let out = &mut plane[y * wp..(y + 1) * wp];
                        for (o, v) in out.iter_mut().zip(row.iter().skip(b).step_by(s)) {
                            *o = *v;
                        }
                    }
                }
            }
        }
    }

    /// img[c][s·y + a][s·x + b] += plane[a][b][c][y][x]: the adjoint of `split_phases`.
    fn merge_phases_add(&self, ph: &[f32], img: &mut [f32]) {
        if self.stride == 2 && self.w.is_multiple_of(2) {
            return wide(Stride2Adjoint { g: self, ph, img });
        }
        let (s, (hp, wp)) = (self.stride, self.phase_dims());
        for a in 0..s {
            for b in 0..s {
                for c in 0..self.channels {
                    let p0 = ((a * s + b) * self.channels + c) * hp * wp;
                    let plane = &ph[p0..p0 + hp * wp];
                    let dst = &mut img[c * self.h * self.w..(c + 1) * self.h * self.w];
                    for y in 0..hp {
                        let iy = s * y + a;
                        if iy >= self.h {
                            break;
                        }
                        let row = &mut dst[iy * self.w..(iy + 1) * self.w];
                        for (o, v) in row.iter_mut().skip(b).step_by(s).zip(&plane[y * wp..]) {
                            *o += *v;
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of [`Geometry::im2col`]: img[c, y, x] += Σ cols entries that read it.
    pub fn col2im_add(&self, cols: &[f32], img: &mut [f32]) {
        self.col2im_add_from(cols, self.cols(), 0, img);
    }

    /// [`Geometry::col2im_add`] from columns `off .. off + ho·wo` of rows `ld` long (with
    /// stride s > 1 through the phase planes, so every run of adds is contiguous).
    pub fn col2im_add_from(&self, cols: &[f32], ld: usize, off: usize, img: &mut [f32]) {
        let (ho, wo, s) = (self.ho, self.wo, self.stride);
        let plane_len = self.h * self.w;
        debug_assert_eq!(img.len(), self.channels * plane_len);
        let (hp, wp) = self.phase_dims();
        with_phases(
            if s > 1 {
                s * s * self.channels * hp * wp
            } else {
                0
            },
            |ph| {
                ph.fill(0.0);
                for c in 0..self.channels {
                    for i in 0..self.kh {
                        let (oh_lo, oh_hi) = self.valid(i, self.h, ho);
                        let (qi, ai) = self.phase(i);
                        for j in 0..self.kw {
                            let (ow_lo, ow_hi) = self.valid(j, self.w, wo);
                            let (qj, bj) = self.phase(j);
                            let n = ow_hi.saturating_sub(ow_lo);
                            if n == 0 {
                                continue;
                            }
                            let row = ((c * self.kh + i) * self.kw + j) * ld + off;
                            let src = &cols[row..row + ho * wo];
                            let (dst, width): (&mut [f32], usize) = if s > 1 {
                                let p0 = ((ai * s + bj) * self.channels + c) * hp * wp;
                                (&mut ph[p0..p0 + hp * wp], wp)
                            } else {
                                (&mut img[c * plane_len..(c + 1) * plane_len], self.w)
                            };
                            let x0 = (ow_lo as isize + qj) as usize;
                            if n == wo && width == wo {
                                // Whole rows of a plane as wide as the output: one run.
                                let y0 = (oh_lo as isize + qi) as usize;
                                let len = (oh_hi - oh_lo) * wo;
                                let d = &mut dst[y0 * width..y0 * width + len];
                                for (d, v) in d.iter_mut().zip(&src[oh_lo * wo..oh_lo * wo + len]) {
                                    *d += *v;
                                }
                                continue;
                            }
                            for oh in oh_lo..oh_hi {
                                let y = (oh as isize + qi) as usize;
                                let d = &mut dst[y * width + x0..y * width + x0 + n];
                                for (d, v) in
                                    d.iter_mut().zip(&src[oh * wo + ow_lo..oh * wo + ow_hi])
                                {
                                    *d += *v;
                                }
                            }
                        }
                    }
                }
                if s > 1 {
                    self.merge_phases_add(ph, img);
                }
            },
        );
    }
}

/// For every row of every channel of an image of even width at stride 2: `f(r, e, o)` with r
/// the image row's index range and e, o those of its row in phase planes (a, 0) and (a, 1).
#[inline(always)]
fn stride2_rows(g: &Geometry, mut f: impl FnMut(Range<usize>, Range<usize>, Range<usize>)) {
    let ((hp, wp), w) = (g.phase_dims(), g.w);
    for a in 0..2 {
        for c in 0..g.channels {
            let even = (a * 2 * g.channels + c) * hp * wp;
            let odd = even + g.channels * hp * wp;
            for (y, iy) in (a..g.h).step_by(2).enumerate() {
                let r = (c * g.h + iy) * w;
                let (e, o) = (even + y * wp, odd + y * wp);
                f(r..r + w, e..e + wp, o..o + wp);
            }
        }
    }
}

/// [`Geometry::split_phases`] at stride 2 on images of even width: each image row is read
/// once, as pairs, into the rows of its two planes (a DCGAN's discriminator convolutions).
struct Stride2<'a> {
    g: &'a Geometry,
    img: &'a [f32],
    ph: &'a mut [f32],
}

impl Kernel for Stride2<'_> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        stride2_rows(self.g, |r, e, o| {
            let (lo, hi) = self.ph.split_at_mut(o.start);
            let (pairs, _) = self.img[r].as_chunks::<2>();
            let rows = lo[e].iter_mut().zip(&mut hi[..o.len()]);
            for ((e, o), pair) in rows.zip(pairs) {
                *e = pair[0];
                *o = pair[1];
            }
        });
    }
}

/// [`Geometry::merge_phases_add`] at stride 2 on images of even width (the adjoint of
/// [`Stride2`]; every entry of the image receives one addition, as in the general loop).
struct Stride2Adjoint<'a> {
    g: &'a Geometry,
    ph: &'a [f32],
    img: &'a mut [f32],
}

impl Kernel for Stride2Adjoint<'_> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        stride2_rows(self.g, |r, e, o| {
            let (pairs, _) = self.img[r].as_chunks_mut::<2>();
            for ((pair, e), o) in pairs.iter_mut().zip(&self.ph[e]).zip(&self.ph[o]) {
                pair[0] += *e;
                pair[1] += *o;
            }
        });
    }
}

/// d ← s for the short runs of im2col (3–16 floats in a DCGAN): fixed-size moves instead of
/// a call into memcpy per run.
#[inline(always)]
fn copy_run(d: &mut [f32], s: &[f32]) {
    let n = d.len();
    let s = &s[..n];
    let mut i = 0;
    while i + 8 <= n {
        let (a, b): (&mut [f32; 8], &[f32; 8]) = (
            (&mut d[i..i + 8]).try_into().expect("8"),
            (&s[i..i + 8]).try_into().expect("8"),
        );
        *a = *b;
        i += 8;
    }
    if i + 4 <= n {
        let (a, b): (&mut [f32; 4], &[f32; 4]) = (
            (&mut d[i..i + 4]).try_into().expect("4"),
            (&s[i..i + 4]).try_into().expect("4"),
        );
        *a = *b;
        i += 4;
    }
    if i < n {
        d[i] = s[i];
        if i + 1 < n {
            d[i + 1] = s[i + 1];
            if i + 2 < n {
                d[i + 2] = s[i + 2];
            }
        }
    }
}

thread_local! {
    static PHASES: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread's phase-plane buffer of `len` floats (contents unspecified).
fn with_phases<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    PHASES.with(|p| {
        let mut buf = p.borrow_mut();
        if buf.len() < len {
            buf.resize(len, 0.0);
        }
        f(&mut buf[..len])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// im2col against its definition, entry by entry, including columns placed at an offset
    /// in wider rows, strides 1 to 3, odd sizes and padding wider than the stride.
    #[test]
    fn im2col_follows_its_definition() {
        let mut rng = crate::rng::Rng::new(5);
        for (h, w, k, s, p) in [
            (5, 6, (3, 3), 1, 1),
            (8, 8, (4, 4), 2, 1),
            (7, 5, (2, 3), 3, 0),
            (9, 7, (5, 3), 2, 2),
            (4, 4, (1, 1), 2, 0),
            (7, 6, (3, 3), 2, 1),
        ] {
            let g = Geometry::conv(2, h, w, k, s, p).unwrap();
            let x: Vec<f32> = (0..2 * h * w).map(|_| rng.normal() as f32).collect();
            let (ld, off) = (g.cols() + 5, 3);
            let mut cols = vec![f32::NAN; g.rows() * ld];
            g.im2col_into(&x, &mut cols, ld, off);
            for c in 0..2 {
                for i in 0..g.kh {
                    for j in 0..g.kw {
                        for oh in 0..g.ho {
                            for ow in 0..g.wo {
                                let (y, xx) = (
                                    (oh * s + i) as isize - p as isize,
                                    (ow * s + j) as isize - p as isize,
                                );
                                let want =
                                    if y >= 0 && xx >= 0 && (y as usize) < h && (xx as usize) < w {
                                        x[(c * h + y as usize) * w + xx as usize]
                                    } else {
                                        0.0
                                    };
                                let row = (c * g.kh + i) * g.kw + j;
                                assert_eq!(cols[row * ld + off + oh * g.wo + ow], want);
                            }
                        }
                    }
                }
            }
        }
    }

    /// ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for random x, c: col2im is exactly the adjoint.
    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        let mut rng = crate::rng::Rng::new(3);
        for (h, w, k, s, p) in [
            (5, 6, (3, 3), 1, 1),
            (8, 8, (4, 4), 2, 1),
            (7, 5, (2, 3), 3, 0),
            (9, 7, (5, 3), 2, 2),
            (4, 4, (1, 1), 2, 0),
            (7, 6, (3, 3), 2, 1),
        ] {
            let g = Geometry::conv(2, h, w, k, s, p).unwrap();
            let x: Vec<f32> = (0..2 * h * w).map(|_| rng.normal() as f32).collect();
            let c: Vec<f32> = (0..g.rows() * g.cols())
                .map(|_| rng.normal() as f32)
                .collect();
            let mut cx = vec![0.0; c.len()];
            g.im2col(&x, &mut cx);
            let mut xc = vec![0.0; x.len()];
            g.col2im_add(&c, &mut xc);
            let lhs: f64 = cx.iter().zip(&c).map(|(a, b)| (*a * *b) as f64).sum();
            let rhs: f64 = x.iter().zip(&xc).map(|(a, b)| (*a * *b) as f64).sum();
            assert!(
                (lhs - rhs).abs() < 1e-4 * (1.0 + lhs.abs()),
                "{lhs} vs {rhs}"
            );
        }
        let t = Geometry::transposed(3, 4, 4, (4, 4), 2, 1, 0).unwrap();
        assert_eq!((t.h, t.w), (8, 8));
        let t = Geometry::transposed(3, 4, 4, (1, 1), 2, 0, 1).unwrap();
        assert_eq!((t.h, t.w), (8, 8));
        let back = Geometry::conv(3, t.h, t.w, (1, 1), 2, 0).unwrap();
        assert_eq!((back.ho, back.wo), (4, 4));
    }
}
