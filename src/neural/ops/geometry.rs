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

    /// The part of every phase plane the taps read (see [`Window`]).
    fn window(&self) -> Window {
        // q is non-decreasing in the tap, so taps 0 and k − 1 bound it.
        let q0 = self.phase(0).0;
        let extent = |out: usize, k: usize| (out as isize + self.phase(k - 1).0 - q0) as usize;
        Window {
            q0,
            rows: extent(self.ho, self.kh),
            cols: extent(self.wo, self.kw),
        }
    }

    /// The window rows (or columns) `0..len` that hold image entries along an axis of `n`
    /// entries in phase `a`: those Y with 0 ≤ s·(Y + q0) + a < n.
    fn span(&self, a: usize, n: usize, len: usize, q0: isize) -> Range<usize> {
        // q0 ≤ 0 (tap 0 never lies right of the output pixel), so Y ≥ −q0 puts the entry at
        // a plane index y = Y + q0 ≥ 0.
        let lo = ((-q0) as usize).min(len);
        if a >= n {
            return lo..lo;
        }
        let last = ((n - 1 - a) / self.stride) as isize;
        lo..(last + 1 - q0).clamp(lo as isize, len as isize) as usize
    }

    /// Floats of the padded phase planes: s² planes per channel, one window each.
    fn planes_len(&self, win: Window) -> usize {
        self.stride * self.stride * self.channels * win.rows * win.cols
    }

    /// Per kernel tap (i, j), in row order: where its window starts inside a channel's block
    /// of planes, relative to the block (the plane (a_i, b_j), row q_i − q0, column q_j − q0).
    fn taps(&self, win: Window) -> Vec<usize> {
        let (s, pl) = (self.stride, win.rows * win.cols);
        let mut taps = Vec::with_capacity(self.kh * self.kw);
        for i in 0..self.kh {
            let (qi, ai) = self.phase(i);
            for j in 0..self.kw {
                let (qj, bj) = self.phase(j);
                let at = (qi - win.q0) as usize * win.cols + (qj - win.q0) as usize;
                taps.push((ai * s + bj) * self.channels * pl + at);
            }
        }
        taps
    }

    /// [`Geometry::im2col`] into columns `off .. off + ho·wo` of a column matrix whose rows are
    /// `ld` long (so the images of several samples sit side by side, one block of columns each).
    ///
    /// The image is first split into its s² phase planes, each padded with zeros to the window
    /// the taps read (see [`Window`]), plane[a][b][c][Y][X] = img[c][s·(Y + q0) + a][s·(X +
    /// q0) + b]; every row of the column matrix is then ho runs of wo floats read from one
    /// plane at a fixed offset, with no index checks for the padding (which these zeros are).
    pub fn im2col_into(&self, img: &[f32], cols: &mut [f32], ld: usize, off: usize) {
        debug_assert_eq!(img.len(), self.channels * self.h * self.w);
        debug_assert!(
            off + self.cols() <= ld && cols.len() >= (self.rows() - 1) * ld + off + self.cols()
        );
        let win = self.window();
        let taps = self.taps(win);
        with_phases(self.planes_len(win), |ph| {
            wide(Im2col {
                g: self,
                win,
                taps: &taps,
                img,
                ph,
                cols,
                ld,
                off,
            })
        });
    }

    /// The adjoint of [`Geometry::im2col`]: img[c, y, x] += Σ cols entries that read it.
    pub fn col2im_add(&self, cols: &[f32], img: &mut [f32]) {
        self.col2im_add_from(cols, self.cols(), 0, img);
    }

    /// [`Geometry::col2im_add`] from columns `off .. off + ho·wo` of rows `ld` long: the runs
    /// of [`Geometry::im2col_into`] are added into zeroed padded phase planes (taps in row
    /// order), whose window entries inside the image are then added into it.
    pub fn col2im_add_from(&self, cols: &[f32], ld: usize, off: usize, img: &mut [f32]) {
        debug_assert_eq!(img.len(), self.channels * self.h * self.w);
        let win = self.window();
        let taps = self.taps(win);
        with_phases(self.planes_len(win), |ph| {
            wide(Col2im {
                g: self,
                win,
                taps: &taps,
                cols,
                ph,
                img,
                ld,
                off,
            })
        });
    }

    /// Calls `f(c, a, b, Y, iy, x0, xs)` for every window row Y of plane (a, b) of channel c
    /// that holds image row iy: its entries `xs` come from image columns x0, x0 + s, …
    #[inline(always)]
    fn plane_rows(
        &self,
        win: Window,
        mut f: impl FnMut(usize, usize, usize, usize, usize, usize, Range<usize>),
    ) {
        let s = self.stride;
        for a in 0..s {
            let ys = self.span(a, self.h, win.rows, win.q0);
            for b in 0..s {
                let xs = self.span(b, self.w, win.cols, win.q0);
                let x0 = (s as isize * (xs.start as isize + win.q0)) as usize + b;
                for c in 0..self.channels {
                    for y in ys.clone() {
                        let iy = (s as isize * (y as isize + win.q0)) as usize + a;
                        f(c, a, b, y, iy, x0, xs.clone());
                    }
                }
            }
        }
    }

    /// Index of plane (a, b) of channel c in the planes buffer, in planes.
    #[inline(always)]
    fn plane(&self, a: usize, b: usize, c: usize) -> usize {
        (a * self.stride + b) * self.channels + c
    }

    /// Stride 2 on an image of even width: both column phases of an image row hold the same
    /// window columns, so each row is read once, as pairs, into its two planes.
    fn paired(&self, win: Window) -> bool {
        self.stride == 2
            && self.w.is_multiple_of(2)
            && self.span(0, self.w, win.cols, win.q0) == self.span(1, self.w, win.cols, win.q0)
    }

    /// The padded phase planes of `img` (see [`Geometry::im2col_into`]).
    #[inline(always)]
    fn split_phases(&self, win: Window, img: &[f32], ph: &mut [f32]) {
        let (s, w, pl) = (self.stride, self.w, win.rows * win.cols);
        ph.fill(0.0);
        if self.paired(win) {
            // Row by row within each row phase a: the planes (a, 0) and (a, 1) of every
            // channel are two blocks side by side, so each image row splits into its even
            // and odd entries with no per-row search for its planes.
            let half = self.channels * pl;
            let xs = self.span(0, w, win.cols, win.q0);
            for (a, block) in ph.chunks_exact_mut(2 * half).enumerate() {
                let (even, odd) = block.split_at_mut(half);
                let ys = self.span(a, self.h, win.rows, win.q0);
                for c in 0..self.channels {
                    for y in ys.clone() {
                        let iy = (2 * (y as isize + win.q0)) as usize + a;
                        let (pairs, _) = img[(c * self.h + iy) * w..][..w].as_chunks::<2>();
                        let at = c * pl + y * win.cols;
                        let e = &mut even[at..][xs.clone()];
                        let o = &mut odd[at..][xs.clone()];
                        for ((e, o), pair) in e.iter_mut().zip(o).zip(pairs) {
                            *e = pair[0];
                            *o = pair[1];
                        }
                    }
                }
            }
            return;
        }
        self.plane_rows(win, |c, a, b, y, iy, x0, xs| {
            let line = &img[(c * self.h + iy) * w..(c * self.h + iy + 1) * w];
            let row = &mut ph[self.plane(a, b, c) * pl + y * win.cols..][xs];
            if s == 1 {
                row.copy_from_slice(&line[x0..x0 + row.len()]);
            } else {
                for (o, v) in row.iter_mut().zip(line[x0..].iter().step_by(s)) {
                    *o = *v;
                }
            }
        });
    }

    /// img += the window entries of the padded phase planes that lie inside the image (the
    /// adjoint of `split_phases`).
    #[inline(always)]
    fn merge_phases_add(&self, win: Window, ph: &[f32], img: &mut [f32]) {
        let (s, w, pl) = (self.stride, self.w, win.rows * win.cols);
        if self.paired(win) {
            // The loop order of `split_phases`, for the same reason.
            let half = self.channels * pl;
            let xs = self.span(0, w, win.cols, win.q0);
            for (a, block) in ph.chunks_exact(2 * half).enumerate() {
                let (even, odd) = block.split_at(half);
                let ys = self.span(a, self.h, win.rows, win.q0);
                for c in 0..self.channels {
                    for y in ys.clone() {
                        let iy = (2 * (y as isize + win.q0)) as usize + a;
                        let row = &mut img[(c * self.h + iy) * w..][..w];
                        let (pairs, _) = row.as_chunks_mut::<2>();
                        let at = c * pl + y * win.cols;
                        let (e, o) = (&even[at..][xs.clone()], &odd[at..][xs.clone()]);
                        for ((pair, e), o) in pairs.iter_mut().zip(e).zip(o) {
                            pair[0] += *e;
                            pair[1] += *o;
                        }
                    }
                }
            }
            return;
        }
        self.plane_rows(win, |c, a, b, y, iy, x0, xs| {
            let line = &mut img[(c * self.h + iy) * w..(c * self.h + iy + 1) * w];
            let row = &ph[self.plane(a, b, c) * pl + y * win.cols..][xs];
            for (o, v) in line[x0..].iter_mut().step_by(s).zip(row) {
                *o += *v;
            }
        });
    }
}

/// The rectangle of a phase plane that the taps read: plane rows (and columns) q0 … q0 +
/// rows − 1 (q0 + cols − 1), q0 being the smallest tap offset on the stride grid (≤ 0). Held
/// with zeros wherever it leaves the image, it turns the padding into plain reads.
#[derive(Clone, Copy, Debug)]
struct Window {
    q0: isize,
    rows: usize,
    cols: usize,
}

/// [`Geometry::im2col_into`] as a [`Kernel`].
struct Im2col<'a> {
    g: &'a Geometry,
    win: Window,
    taps: &'a [usize],
    img: &'a [f32],
    ph: &'a mut [f32],
    cols: &'a mut [f32],
    ld: usize,
    off: usize,
}

impl Kernel for Im2col<'_> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        let (g, win) = (self.g, self.win);
        g.split_phases(win, self.img, self.ph);
        // The run length chosen once, not per row (a row of a late DCGAN layer is 4 runs).
        match g.wo {
            4 => self.rows(copy_runs::<4>),
            8 => self.rows(copy_runs::<8>),
            16 => self.rows(copy_runs::<16>),
            32 => self.rows(copy_runs::<32>),
            wo => self.rows(|dst, src, ld| {
                for (d, s) in dst.chunks_exact_mut(wo).zip(src.chunks(ld)) {
                    copy_run(d, &s[..wo]);
                }
            }),
        }
    }
}

impl Im2col<'_> {
    /// `copy(row, window, ld)` for every row of the column matrix and the window it reads.
    #[inline(always)]
    fn rows(self, copy: impl Fn(&mut [f32], &[f32], usize)) {
        let (g, win) = (self.g, self.win);
        let hw = g.cols();
        let mut row = self.off;
        for c in 0..g.channels {
            // Channel c's planes start c·rows·cols into each phase's group of channels.
            let at = c * win.rows * win.cols;
            for &t in self.taps {
                copy(&mut self.cols[row..row + hw], &self.ph[at + t..], win.cols);
                row += self.ld;
            }
        }
    }
}

/// [`Geometry::col2im_add_from`] as a [`Kernel`].
struct Col2im<'a> {
    g: &'a Geometry,
    win: Window,
    taps: &'a [usize],
    cols: &'a [f32],
    ph: &'a mut [f32],
    img: &'a mut [f32],
    ld: usize,
    off: usize,
}

impl Kernel for Col2im<'_> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        let (g, win) = (self.g, self.win);
        self.ph.fill(0.0);
        let hw = g.cols();
        let mut row = self.off;
        // As in `Im2col`, the run length chosen once.
        let add: fn(&mut [f32], &[f32], usize, usize) = match g.wo {
            4 => |d, s, ld, _| add_runs::<4>(d, s, ld),
            8 => |d, s, ld, _| add_runs::<8>(d, s, ld),
            16 => |d, s, ld, _| add_runs::<16>(d, s, ld),
            32 => |d, s, ld, _| add_runs::<32>(d, s, ld),
            _ => |dst, src, ld, wo| {
                for (d, s) in dst.chunks_mut(ld).zip(src.chunks_exact(wo)) {
                    for (d, s) in d[..wo].iter_mut().zip(s) {
                        *d += *s;
                    }
                }
            },
        };
        for c in 0..g.channels {
            let at = c * win.rows * win.cols;
            for &t in self.taps {
                let dst = &mut self.ph[at + t..];
                add(dst, &self.cols[row..row + hw], win.cols, g.wo);
                row += self.ld;
            }
        }
        g.merge_phases_add(win, self.ph, self.img);
    }
}

/// dst's runs of N floats ← src, run r from `src[r·ld ..]`: fixed-length moves for the widths
/// a DCGAN or ResNet has ([`copy_run`] for the others).
#[inline(always)]
fn copy_runs<const N: usize>(dst: &mut [f32], src: &[f32], ld: usize) {
    let (runs, _) = dst.as_chunks_mut::<N>();
    for (r, d) in runs.iter_mut().enumerate() {
        *d = <[f32; N]>::try_from(&src[r * ld..r * ld + N]).expect("N floats");
    }
}

/// The adjoint of [`copy_runs`]: run r of `src` (N floats) added into `dst[r·ld ..]`.
#[inline(always)]
fn add_runs<const N: usize>(dst: &mut [f32], src: &[f32], ld: usize) {
    let (runs, _) = src.as_chunks::<N>();
    for (r, s) in runs.iter().enumerate() {
        let d: &mut [f32; N] = (&mut dst[r * ld..r * ld + N]).try_into().expect("N floats");
        // Summed in a copy and stored whole: added in place, entry by entry, the compiler
        // kept each entry's load, add and store apart (scalar code, 2× slower).
        let mut v = *d;
        for k in 0..N {
            v[k] += s[k];
        }
        *d = v;
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
    /// (h, w, kernel, stride, padding) of the im2col tests: odd and even sizes, strides 1–3,
    /// padding past a kernel's reach, and the DCGAN's layers (the fixed-length runs).
    type Case = (usize, usize, (usize, usize), usize, usize);
    const SHAPES: [Case; 11] = [
        (5, 6, (3, 3), 1, 1),
        (8, 8, (4, 4), 2, 1),
        (7, 5, (2, 3), 3, 0),
        (9, 7, (5, 3), 2, 2),
        (4, 4, (1, 1), 2, 0),
        (7, 6, (3, 3), 2, 1),
        (6, 6, (2, 2), 2, 0),
        (8, 8, (3, 3), 1, 1),
        (16, 16, (4, 4), 2, 1),
        (32, 32, (4, 4), 2, 1),
        (5, 9, (1, 2), 1, 0),
    ];

    #[test]
    fn im2col_follows_its_definition() {
        let mut rng = crate::rng::Rng::new(5);
        for (h, w, k, s, p) in SHAPES {
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
        for (h, w, k, s, p) in SHAPES {
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
