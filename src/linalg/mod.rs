//! Dense row-major matrices for the toy games' hot loops, and the few decompositions saddle
//! needs from nalgebra (random orthogonal factors, linear solves).
//!
//! The matrix–vector products are rows of [`dot`]s: SIMD at the machine's width
//! ([`Simd::detect`]), and for large matrices blocks of rows on the rayon pool. Each output
//! entry is one dot product computed the same way whatever the threads or the SIMD level, so
//! the bits never depend on either.
//!
//! The eigenvalues of nonsymmetric matrices come with an iteration cap and a time budget
//! ([`eigen`], [`budget`]).

pub mod budget;
pub mod eigen;
#[cfg(target_arch = "x86_64")]
mod fused;

pub use budget::{Budget, Exhausted};
pub use eigen::{eigenvalues, eigenvalues_within, EigenError};

use crate::machine::Simd;
use crate::rng::Rng;
use nalgebra::DMatrix;
use rayon::prelude::*;

/// Entries (rows × cols) from which a product runs on the rayon pool: below it, the fork and
/// join would cost more than the product.
const PAR_ENTRIES: usize = 1 << 16;

/// Rows per parallel task of a matrix–vector product (fixed, so tasks depend on the shape only).
const PAR_ROWS: usize = 32;

/// Rows per block of a transposed product (see [`Mat::mul_t_affine`]).
const T_BLOCK: usize = 32;

/// Columns up to which a serial transposed product keeps its block sums on the stack.
const SMALL: usize = 256;

/// One affine product `(c, s, x, out)`: out ← c + s·(product with x).
pub type Affine<'a> = (&'a [f64], f64, &'a [f64], &'a mut [f64]);

/// An optional [`Affine`] as four values that travel in registers (see [`Mat::pass_general`]):
/// c and out are None together.
#[inline(always)]
#[allow(clippy::type_complexity)]
fn unpack(a: Option<Affine<'_>>) -> (Option<&[f64]>, f64, &[f64], Option<&mut [f64]>) {
    match a {
        Some((c, s, x, out)) => (Some(c), s, x, Some(out)),
        None => (None, 0.0, &[], None),
    }
}

/// `parts` cut into `blocks` chunks of `len` (or `blocks` empty chunks when len = 0), in
/// parallel.
fn par_chunks_or_empty(
    parts: &mut [f64],
    len: usize,
    blocks: usize,
) -> rayon::vec::IntoIter<&mut [f64]> {
    let v: Vec<&mut [f64]> = if len == 0 {
        (0..blocks).map(|_| <&mut [f64]>::default()).collect()
    } else {
        parts.chunks_mut(len).collect()
    };
    v.into_par_iter()
}

thread_local! {
    static PARTIALS: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread's buffer of block sums, `len` entries (contents unspecified).
fn with_partials<R>(len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    PARTIALS.with(|p| {
        // A nested call (from a rayon task that stole this thread's work) gets its own buffer.
        match p.try_borrow_mut() {
            Ok(mut buf) => {
                if buf.len() < len {
                    buf.resize(len, 0.0);
                }
                f(&mut buf[..len])
            }
            Err(_) => f(&mut vec![0.0; len]),
        }
    })
}

/// y ← y + a·x (multiply, then add: the same bits at every SIMD level).
#[inline]
pub fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    if n >= 64 {
        #[cfg(target_arch = "x86_64")]
        match Simd::detect() {
            // SAFETY: the CPU has AVX-512F (detected).
            Simd::Avx512 => return unsafe { axpy_avx512(a, &x[..n], &mut y[..n]) },
            // SAFETY: the CPU has AVX2 (detected).
            Simd::Avx2Fma => return unsafe { axpy_avx2(a, &x[..n], &mut y[..n]) },
            Simd::Baseline => {}
        }
    }
    for (y, x) in y[..n].iter_mut().zip(&x[..n]) {
        *y += a * x;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn axpy_avx512(a: f64, x: &[f64], y: &mut [f64]) {
    use std::arch::x86_64::*;
    let av = _mm512_set1_pd(a);
    let (px, py) = (x.as_ptr(), y.as_mut_ptr());
    let mut i = 0;
    while i + 8 <= x.len() {
        let v = _mm512_add_pd(
            _mm512_loadu_pd(py.add(i)),
            _mm512_mul_pd(av, _mm512_loadu_pd(px.add(i))),
        );
        _mm512_storeu_pd(py.add(i), v);
        i += 8;
    }
    for j in i..x.len() {
        y[j] += a * x[j];
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn axpy_avx2(a: f64, x: &[f64], y: &mut [f64]) {
    use std::arch::x86_64::*;
    let av = _mm256_set1_pd(a);
    let (px, py) = (x.as_ptr(), y.as_mut_ptr());
    let mut i = 0;
    while i + 8 <= x.len() {
        for o in [i, i + 4] {
            let v = _mm256_add_pd(
                _mm256_loadu_pd(py.add(o)),
                _mm256_mul_pd(av, _mm256_loadu_pd(px.add(o))),
            );
            _mm256_storeu_pd(py.add(o), v);
        }
        i += 8;
    }
    for j in i..x.len() {
        y[j] += a * x[j];
    }
}

/// A dense row-major matrix. The games' matrix–vector products run through its loops;
/// nalgebra is used only off the hot path.
#[derive(Clone, Debug, PartialEq)]
pub struct Mat {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Entries, row after row.
    pub data: Vec<f64>,
}

impl Mat {
    /// The zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Mat {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// The identity of size n.
    pub fn identity(n: usize) -> Self {
        Self::diagonal(&vec![1.0; n])
    }

    /// diag(d).
    pub fn diagonal(d: &[f64]) -> Self {
        let n = d.len();
        let mut m = Self::zeros(n, n);
        for (i, &x) in d.iter().enumerate() {
            m.data[i * n + i] = x;
        }
        m
    }

    /// Entry (i, j).
    #[inline]
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    /// out_i ← f(i, out_i, row_i · x) for every row, blocks of rows in parallel when large.
    #[inline]
    fn rows_dot(&self, x: &[f64], out: &mut [f64], f: impl Fn(usize, f64, f64) -> f64 + Sync) {
        assert!(
            x.len() == self.cols && out.len() == self.rows,
            "matrix–vector shapes"
        );
        let cols = self.cols.max(1);
        if self.rows * self.cols < PAR_ENTRIES {
            for (i, (row, o)) in self.data.chunks_exact(cols).zip(out.iter_mut()).enumerate() {
                *o = f(i, *o, dot(row, x));
            }
            return;
        }
        out.par_chunks_mut(PAR_ROWS)
            .zip(self.data.par_chunks(PAR_ROWS * cols))
            .enumerate()
            .for_each(|(t, (o, rows))| {
                for (r, (row, o)) in rows.chunks_exact(cols).zip(o.iter_mut()).enumerate() {
                    *o = f(t * PAR_ROWS + r, *o, dot(row, x));
                }
            });
    }

    /// `out ← out + s·M x`.
    #[inline]
    pub fn mul_add(&self, s: f64, x: &[f64], out: &mut [f64]) {
        self.rows_dot(x, out, |_, o, d| o + s * d);
    }

    /// `out ← c + s·M x`, in one pass.
    #[inline]
    pub fn affine_into(&self, c: &[f64], s: f64, x: &[f64], out: &mut [f64]) {
        assert_eq!(c.len(), self.rows, "affine_into: shift length");
        self.rows_dot(x, out, |i, _, d| c[i] + s * d);
    }

    /// `out ← out + s·Mᵀ x` (row by row, so each entry of out sums its terms in row order;
    /// large matrices split the columns across threads, which keeps that order).
    #[inline]
    pub fn mul_t_add(&self, s: f64, x: &[f64], out: &mut [f64]) {
        assert!(
            x.len() == self.rows && out.len() == self.cols,
            "matrix–vector shapes"
        );
        let cols = self.cols.max(1);
        let block = |c0: usize, out: &mut [f64]| {
            for (row, &xi) in self.data.chunks_exact(cols).zip(x) {
                let k = s * xi;
                for (o, a) in out.iter_mut().zip(&row[c0..]) {
                    *o += k * a;
                }
            }
        };
        if self.rows * self.cols < PAR_ENTRIES {
            block(0, out);
        } else {
            const COLS: usize = 128;
            out.par_chunks_mut(COLS)
                .enumerate()
                .for_each(|(t, o)| block(t * COLS, o));
        }
    }

    /// `out ← c + s·Mᵀ x`. Each entry Σ_i x_i·M_ij is accumulated row by row within fixed
    /// blocks of [`T_BLOCK`] rows and the blocks' sums are added in order, so one pass reads M
    /// row by row (no stored transpose) and the bits depend on the shape only.
    #[inline]
    pub fn mul_t_affine(&self, c: &[f64], s: f64, x: &[f64], out: &mut [f64]) {
        self.pass(None, Some((c, s, x, out)));
    }

    /// Both products of a bilinear field in one pass over M: `out_r ← c_r + s_r·M x_c` (bit for
    /// bit [`Mat::affine_into`]) and `out_c ← c_c + s_c·Mᵀ x_r` (bit for bit
    /// [`Mat::mul_t_affine`]). Each is `(c, s, x, out)`.
    #[inline]
    pub fn affine_pair(&self, rows: Affine<'_>, cols: Affine<'_>) {
        self.pass(Some(rows), Some(cols));
    }

    /// One pass over M in blocks of [`T_BLOCK`] rows, in parallel when large: the row products
    /// of `rows` and the block sums of the transposed product `cols`. Always inlined, and the
    /// square matrices of d ≤ 4 handled here, the rest out of line: at that size the call,
    /// and the frame and spills the general cases need, were a visible part of a toy step.
    #[inline(always)]
    fn pass(&self, rows: Option<Affine<'_>>, cols: Option<Affine<'_>>) {
        if self.rows == self.cols {
            match self.cols {
                1 => return self.square::<1>(rows, cols),
                2 => return self.square::<2>(rows, cols),
                3 => return self.square::<3>(rows, cols),
                4 => return self.square::<4>(rows, cols),
                _ => {}
            }
        }
        let (rc, rs, rx, ro) = unpack(rows);
        let (cc, cs, cx, co) = unpack(cols);
        self.pass_general(rc, rs, rx, ro, cc, cs, cx, co)
    }

    /// [`Mat::pass`] past the small square case, its operands as separate arguments
    /// ([`unpack`]). Never inlined (see [`Mat::pass`]). Taken whole, the two operands were
    /// passed by reference to a copy the caller stored before it knew which case it was in.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn pass_general<'a>(
        &self,
        rc: Option<&'a [f64]>,
        rs: f64,
        rx: &'a [f64],
        ro: Option<&'a mut [f64]>,
        cc: Option<&'a [f64]>,
        cs: f64,
        cx: &'a [f64],
        co: Option<&'a mut [f64]>,
    ) {
        let rows = rc.zip(ro).map(|(c, o)| (c, rs, rx, o));
        let cols = cc.zip(co).map(|(c, o)| (c, cs, cx, o));
        if self.cols < LANES && self.rows <= T_BLOCK {
            return self.pass_tiny(rows, cols);
        }
        self.pass_blocks(rows, cols)
    }

    /// [`Mat::pass`] past the tiny cases.
    fn pass_blocks(&self, rows: Option<Affine<'_>>, cols: Option<Affine<'_>>) {
        let (r, cn) = (self.rows, self.cols.max(1));
        if let Some((c, _, x, out)) = &rows {
            assert!(
                x.len() == self.cols && out.len() == r && c.len() == r,
                "M x shapes"
            );
        }
        if let Some((c, _, x, out)) = &cols {
            assert!(
                x.len() == r && out.len() == self.cols && c.len() == self.cols,
                "Mᵀ x shapes"
            );
        }
        let blocks = r.div_ceil(T_BLOCK).max(1);
        let want_t = cols.is_some();
        let x_r = cols.as_ref().map(|a| a.2);
        let (row_out, row_args) = match rows {
            Some((c, s, x, out)) => (Some(out), Some((c, s, x))),
            None => (None, None),
        };
        // One block: rows i0..i1, its row products into `ro` (offset i0), its transposed
        // partial sums into `part` (cols entries).
        // Both products at once read each row once (see `fused`); the bits are the same.
        #[cfg(target_arch = "x86_64")]
        let fused = (want_t && row_args.is_some() && cn >= LANES)
            .then(Simd::detect)
            .filter(|s| matches!(s, Simd::Avx512 | Simd::Avx2Fma));
        let block = |b: usize, ro: Option<&mut [f64]>, part: &mut [f64]| {
            let (i0, i1) = (b * T_BLOCK, ((b + 1) * T_BLOCK).min(r));
            let mat = &self.data[i0 * cn..i1 * cn];
            #[cfg(target_arch = "x86_64")]
            if let Some(simd) = fused {
                if let (Some(ro), Some((c, s, x)), Some(xr)) = (ro, row_args, x_r) {
                    let mut dots = [0.0f64; T_BLOCK];
                    let dots = &mut dots[..i1 - i0];
                    part.fill(0.0);
                    let xr = &xr[i0..i1];
                    // SAFETY: the CPU has the kernel's features (detected); the shapes were
                    // checked above.
                    unsafe { fused::rows_and_columns(simd, mat, x, xr, dots, part) };
                    for ((o, d), c) in ro.iter_mut().zip(dots.iter()).zip(&c[i0..i1]) {
                        *o = c + s * d;
                    }
                }
                return;
            }
            if let (Some(ro), Some((c, s, x))) = (ro, row_args) {
                for (k, (row, o)) in mat.chunks_exact(cn).zip(ro.iter_mut()).enumerate() {
                    *o = c[i0 + k] + s * dot(row, x);
                }
            }
            if want_t {
                part.fill(0.0);
                let x = x_r.expect("transposed operand");
                for (row, xi) in mat.chunks_exact(cn).zip(&x[i0..i1]) {
                    axpy(*xi, row, part);
                }
            }
        };
        let tlen = if want_t { self.cols } else { 0 };
        let parallel = r * self.cols >= PAR_ENTRIES && blocks > 1;
        if !parallel && tlen <= SMALL {
            // Small: the same blocks in order, block sums in a stack buffer, the running total
            // in `out_c` itself (no thread-local buffer, no closures over rayon).
            let mut row_out = row_out;
            let mut cols = cols;
            if blocks == 1 {
                // One block: its sums accumulate in `out_c` directly.
                let part = cols.as_mut().map_or(&mut [][..], |a| &mut *a.3);
                block(0, row_out.as_deref_mut(), part);
                if let Some((c, s, _, out)) = cols {
                    out.iter_mut().zip(c).for_each(|(o, c)| *o = c + s * *o);
                }
                return;
            }
            let mut part = [0.0f64; SMALL];
            for b in 0..blocks {
                let o = row_out.as_deref_mut().map(|o| {
                    let end = ((b + 1) * T_BLOCK).min(r);
                    &mut o[b * T_BLOCK..end]
                });
                block(b, o, &mut part[..tlen]);
                if let Some((_, _, _, out)) = cols.as_mut() {
                    if b == 0 {
                        out.copy_from_slice(&part[..tlen]);
                    } else {
                        out.iter_mut().zip(&part[..tlen]).for_each(|(o, p)| *o += p);
                    }
                }
            }
            if let Some((c, s, _, out)) = cols {
                out.iter_mut().zip(c).for_each(|(o, c)| *o = c + s * *o);
            }
            return;
        }
        with_partials(blocks * tlen, |parts| {
            let mut row_out = row_out;
            match (&mut row_out, parallel) {
                (Some(ro), true) => ro
                    .par_chunks_mut(T_BLOCK)
                    .zip(par_chunks_or_empty(parts, tlen, blocks))
                    .enumerate()
                    .for_each(|(b, (ro, part))| block(b, Some(ro), part)),
                (None, true) => par_chunks_or_empty(parts, tlen, blocks)
                    .enumerate()
                    .for_each(|(b, part)| block(b, None, part)),
                (ro, false) => {
                    for b in 0..blocks {
                        let part = &mut parts[b * tlen..(b + 1) * tlen];
                        let o = ro.as_deref_mut().map(|o| {
                            let end = ((b + 1) * T_BLOCK).min(r);
                            &mut o[b * T_BLOCK..end]
                        });
                        block(b, o, part);
                    }
                }
            }
            if let Some((c, s, _, out)) = cols {
                let combine = |j0: usize, o: &mut [f64]| {
                    for (k, o) in o.iter_mut().enumerate() {
                        let j = j0 + k;
                        let mut t = parts[j];
                        for b in 1..blocks {
                            t += parts[b * tlen + j];
                        }
                        *o = c[j] + s * t;
                    }
                };
                if parallel {
                    out.par_chunks_mut(PAR_ROWS * 4)
                        .enumerate()
                        .for_each(|(t, o)| combine(t * PAR_ROWS * 4, o));
                } else {
                    combine(0, out);
                }
            }
        });
    }

    /// [`Mat::pass`] for a matrix of one block with rows shorter than [`LANES`]: the same
    /// additions in the same order (in-order dots, row-by-row sums), written out plainly
    /// because at this size the general path's bookkeeping would cost more than the products.
    #[inline(always)]
    fn pass_tiny(&self, rows: Option<Affine<'_>>, cols: Option<Affine<'_>>) {
        if let Some((c, _, x, out)) = &rows {
            assert!(x.len() == self.cols && out.len() == self.rows && c.len() == self.rows);
        }
        if let Some((c, _, x, out)) = &cols {
            assert!(x.len() == self.rows && out.len() == self.cols && c.len() == self.cols);
        }
        // Rows of a known length keep their sums in registers (a game whose players differ in
        // dimension, up to 4, steps in a few dozen nanoseconds, where a loop over a runtime
        // length would spill its sums to the stack; square ones take [`Mat::square`]).
        match self.cols {
            1 => self.tiny::<1>(rows, cols),
            2 => self.tiny::<2>(rows, cols),
            3 => self.tiny::<3>(rows, cols),
            4 => self.tiny::<4>(rows, cols),
            _ => self.tiny::<LANES>(rows, cols),
        }
    }

    /// [`Mat::pass_tiny`] for an N×N matrix: every loop of a known length, so the whole pass
    /// unrolls into registers (the same additions in the same order).
    #[inline(always)]
    fn square<const N: usize>(&self, rows: Option<Affine<'_>>, cols: Option<Affine<'_>>) {
        let m: &[[f64; N]; N] = self.data.as_chunks::<N>().0.try_into().expect("N×N");
        let arr = |v: &[f64]| -> [f64; N] { v.try_into().expect("operand of N entries") };
        if let Some((c, s, x, out)) = rows {
            let (c, x) = (arr(c), arr(x));
            let out: &mut [f64; N] = out.try_into().expect("M x shapes: N entries");
            for i in 0..N {
                let d = (0..N).fold(0.0, |acc, j| acc + m[i][j] * x[j]);
                out[i] = c[i] + s * d;
            }
        }
        if let Some((c, s, x, out)) = cols {
            let (c, x) = (arr(c), arr(x));
            let out: &mut [f64; N] = out.try_into().expect("Mᵀ x shapes: N entries");
            let mut acc = [0.0f64; N];
            for i in 0..N {
                for j in 0..N {
                    acc[j] += x[i] * m[i][j];
                }
            }
            for j in 0..N {
                out[j] = c[j] + s * acc[j];
            }
        }
    }

    /// [`Mat::pass_tiny`] with rows of exactly C entries (C < [`LANES`]), or of at most
    /// [`LANES`] (C = LANES).
    #[inline(always)]
    fn tiny<const C: usize>(&self, rows: Option<Affine<'_>>, cols: Option<Affine<'_>>) {
        if C < LANES {
            let (m, _) = self.data.as_chunks::<C>();
            let m = &m[..self.rows];
            return self.tiny_rows(m.iter().map(|r| &r[..]), C, rows, cols);
        }
        let cn = self.cols.max(1);
        self.tiny_rows(self.data.chunks_exact(cn), LANES, rows, cols)
    }

    /// The loops of [`Mat::pass_tiny`] over `m`'s rows (at most `width` ≤ [`LANES`] each).
    #[inline(always)]
    fn tiny_rows<'m>(
        &self,
        m: impl Iterator<Item = &'m [f64]> + Clone,
        width: usize,
        rows: Option<Affine<'_>>,
        cols: Option<Affine<'_>>,
    ) {
        if let Some((c, s, x, out)) = rows {
            for ((row, o), ci) in m.clone().zip(out.iter_mut()).zip(c) {
                let d = row.iter().zip(x).fold(0.0, |acc, (a, b)| acc + a * b);
                *o = ci + s * d;
            }
        }
        if let Some((c, s, x, out)) = cols {
            let mut acc = [0.0f64; LANES];
            let acc = &mut acc[..width];
            for (row, xi) in m.zip(x) {
                for (o, a) in acc.iter_mut().zip(row) {
                    *o += xi * a;
                }
            }
            for ((o, a), c) in out.iter_mut().zip(acc.iter()).zip(c) {
                *o = c + s * a;
            }
        }
    }

    /// The matrix as an nalgebra matrix.
    pub fn to_dmatrix(&self) -> DMatrix<f64> {
        DMatrix::from_row_slice(self.rows, self.cols, &self.data)
    }

    /// From an nalgebra matrix.
    pub fn from_dmatrix(m: &DMatrix<f64>) -> Self {
        let mut out = Self::zeros(m.nrows(), m.ncols());
        for i in 0..m.nrows() {
            for j in 0..m.ncols() {
                out.data[i * m.ncols() + j] = m[(i, j)];
            }
        }
        out
    }

    /// From rows; every row must have the same length.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, String> {
        let cols = rows.first().map_or(0, |r| r.len());
        if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != cols) {
            return Err(format!(
                "row {i} has {} entries but row 0 has {cols}",
                r.len()
            ));
        }
        Ok(Mat {
            rows: rows.len(),
            cols,
            data: rows.iter().flatten().copied().collect(),
        })
    }
}

/// Partial sums of [`dot`].
const LANES: usize = 16;

/// xᵀy over the common length. Sixteen partial sums s_k = Σ x_i·y_i over i ≡ k (mod 16) in
/// the longest multiple-of-16 prefix, added pairwise (s_k + s_{k+8}, then +4, +2, +1), then
/// the remaining terms in order: the additions pipeline instead of waiting on one running sum,
/// and the SIMD kernels (AVX-512, AVX2) hold the same sixteen sums in vector lanes and add
/// them in the same order (multiply, then add: no fused multiply-add), so every CPU gets the
/// same bits.
#[inline]
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    if n < LANES {
        // The sixteen partial sums are all zero: only the in-order tail remains.
        return dot_tail(0.0, x, y);
    }
    if n < 4 * LANES {
        return dot_portable(x, y);
    }
    match Simd::detect() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has AVX-512F (detected).
        Simd::Avx512 => unsafe { dot_avx512(x, y) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has AVX2 (detected).
        Simd::Avx2Fma => unsafe { dot_avx2(x, y) },
        _ => dot_portable(x, y),
    }
}

/// Adds the remaining terms of a [`dot`] after the sixteen partial sums.
#[inline(always)]
fn dot_tail(total: f64, x: &[f64], y: &[f64]) -> f64 {
    let start = x.len() / LANES * LANES;
    x[start..]
        .iter()
        .zip(&y[start..])
        .fold(total, |acc, (a, b)| acc + a * b)
}

/// [`dot`] in portable code.
fn dot_portable(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0.0f64; LANES];
    for (a, b) in x.chunks_exact(LANES).zip(y.chunks_exact(LANES)) {
        for k in 0..LANES {
            acc[k] += a[k] * b[k];
        }
    }
    for step in [8, 4, 2, 1] {
        for k in 0..step {
            acc[k] += acc[k + step];
        }
    }
    dot_tail(acc[0], x, y)
}

/// [`dot`] with AVX-512F: lanes 0–7 and 8–15 in two registers.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn dot_avx512(x: &[f64], y: &[f64]) -> f64 {
    use std::arch::x86_64::*;
    let (mut a0, mut a1) = (_mm512_setzero_pd(), _mm512_setzero_pd());
    let (px, py) = (x.as_ptr(), y.as_ptr());
    let mut i = 0;
    while i + LANES <= x.len() {
        a0 = _mm512_add_pd(
            a0,
            _mm512_mul_pd(_mm512_loadu_pd(px.add(i)), _mm512_loadu_pd(py.add(i))),
        );
        a1 = _mm512_add_pd(
            a1,
            _mm512_mul_pd(
                _mm512_loadu_pd(px.add(i + 8)),
                _mm512_loadu_pd(py.add(i + 8)),
            ),
        );
        i += LANES;
    }
    // Step 8: lanes k + k+8; step 4: the two 256-bit halves; then 2 and 1.
    let s8 = _mm512_add_pd(a0, a1);
    let s4 = _mm256_add_pd(_mm512_castpd512_pd256(s8), _mm512_extractf64x4_pd::<1>(s8));
    let s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd::<1>(s4));
    let s1 = _mm_add_sd(s2, _mm_unpackhi_pd(s2, s2));
    dot_tail(_mm_cvtsd_f64(s1), x, y)
}

/// [`dot`] with AVX2: lanes 0–3, 4–7, 8–11, 12–15 in four registers.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_avx2(x: &[f64], y: &[f64]) -> f64 {
    use std::arch::x86_64::*;
    let mut a = [_mm256_setzero_pd(); 4];
    let (px, py) = (x.as_ptr(), y.as_ptr());
    let mut i = 0;
    while i + LANES <= x.len() {
        for (r, acc) in a.iter_mut().enumerate() {
            let o = i + 4 * r;
            *acc = _mm256_add_pd(
                *acc,
                _mm256_mul_pd(_mm256_loadu_pd(px.add(o)), _mm256_loadu_pd(py.add(o))),
            );
        }
        i += LANES;
    }
    // Step 8: lanes 0–7 += 8–15; step 4: 0–3 += 4–7; then 2 and 1.
    let (b0, b1) = (_mm256_add_pd(a[0], a[2]), _mm256_add_pd(a[1], a[3]));
    let s4 = _mm256_add_pd(b0, b1);
    let s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd::<1>(s4));
    let s1 = _mm_add_sd(s2, _mm_unpackhi_pd(s2, s2));
    dot_tail(_mm_cvtsd_f64(s1), x, y)
}

/// A Haar-distributed random orthogonal matrix (QR of a Gaussian matrix, signs fixed by R's
/// diagonal).
pub fn random_orthogonal(n: usize, rng: &mut Rng) -> DMatrix<f64> {
    let g = DMatrix::from_fn(n, n, |_, _| rng.normal());
    let qr = g.qr();
    let mut q = qr.q();
    let r = qr.r();
    for j in 0..n {
        if r[(j, j)] < 0.0 {
            q.column_mut(j).neg_mut();
        }
    }
    q
}

/// U diag(s) Vᵀ with U, V random orthogonal: a square matrix with prescribed singular values.
pub fn with_singular_values(s: &[f64], rng: &mut Rng) -> Mat {
    let n = s.len();
    let u = random_orthogonal(n, rng);
    let v = random_orthogonal(n, rng);
    let d = DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(s));
    Mat::from_dmatrix(&(u * d * v.transpose()))
}

/// Q diag(e) Qᵀ with Q random orthogonal: a symmetric matrix with prescribed eigenvalues.
pub fn with_eigenvalues(e: &[f64], rng: &mut Rng) -> Mat {
    let n = e.len();
    let q = random_orthogonal(n, rng);
    let d = DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(e));
    let m = &q * d * q.transpose();
    // Symmetrize away rounding so the potential part is exactly symmetric.
    Mat::from_dmatrix(&((&m + m.transpose()) * 0.5))
}

/// n points evenly spaced from `lo` to `hi` (both included; `lo` alone when n = 1).
pub fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![lo];
    }
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prescribed_singular_values_are_recovered() {
        let mut rng = Rng::new(1);
        let s = [3.0, 1.0, 0.25];
        let m = with_singular_values(&s, &mut rng).to_dmatrix();
        let mut got: Vec<f64> = m.singular_values().iter().copied().collect();
        got.sort_by(|a, b| b.partial_cmp(a).unwrap());
        for (g, e) in got.iter().zip(s) {
            assert!((g - e).abs() < 1e-12, "{got:?}");
        }
    }

    /// The SIMD kernels give exactly the portable dot's bits, at every length around the
    /// sixteen-lane blocks.
    #[test]
    fn dot_has_the_same_bits_at_every_simd_level() {
        let mut rng = Rng::new(3);
        for n in [0, 1, 15, 16, 17, 63, 64, 65, 100, 1000, 1037] {
            let x: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            let y: Vec<f64> = (0..n).map(|_| rng.normal() * 1e3).collect();
            let want = dot_portable(&x, &y);
            assert_eq!(dot(&x, &y).to_bits(), want.to_bits(), "n = {n}");
            #[cfg(target_arch = "x86_64")]
            {
                if std::is_x86_feature_detected!("avx2") {
                    assert_eq!(unsafe { dot_avx2(&x, &y) }.to_bits(), want.to_bits());
                }
                if std::is_x86_feature_detected!("avx512f") {
                    assert_eq!(unsafe { dot_avx512(&x, &y) }.to_bits(), want.to_bits());
                }
            }
            let exact: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
            assert!((want - exact).abs() <= 1e-12 * (1.0 + exact.abs()) * n as f64);
        }
    }

    /// Large products (parallel blocks of rows or columns) equal the serial loops bit for bit.
    #[test]
    fn large_products_do_not_depend_on_threads() {
        let mut rng = Rng::new(4);
        let (r, c) = (300, 400);
        let m = Mat {
            rows: r,
            cols: c,
            data: (0..r * c).map(|_| rng.normal()).collect(),
        };
        let x: Vec<f64> = (0..c).map(|_| rng.normal()).collect();
        let xt: Vec<f64> = (0..r).map(|_| rng.normal()).collect();
        let serial: Vec<f64> = m
            .data
            .chunks(c)
            .map(|row| 0.5 + 2.0 * dot(row, &x))
            .collect();
        let mut serial_t = vec![1.0; c];
        for (row, xi) in m.data.chunks(c).zip(&xt) {
            for (o, a) in serial_t.iter_mut().zip(row) {
                *o += (-1.5 * xi) * a;
            }
        }
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let (mut out, mut out_t) = (vec![0.0; r], vec![1.0; c]);
            pool.install(|| {
                m.affine_into(&vec![0.5; r], 2.0, &x, &mut out);
                m.mul_t_add(-1.5, &xt, &mut out_t);
            });
            assert_eq!(out, serial, "{threads} threads");
            assert_eq!(out_t, serial_t, "{threads} threads");
        }
    }

    /// Mᵀx by row blocks, and both products of one pass, equal the separate products bit for
    /// bit at any thread count, and Mᵀx matches the stored transpose's dots to rounding.
    #[test]
    fn one_pass_products_keep_their_bits() {
        let mut rng = Rng::new(6);
        // Shapes with rows left over after groups of four and columns past the last 16.
        for (r, c) in [(2, 2), (3, 5), (5, 16), (37, 45), (100, 100), (300, 257)] {
            let m = Mat {
                rows: r,
                cols: c,
                data: (0..r * c).map(|_| rng.normal()).collect(),
            };
            let mt = Mat::from_dmatrix(&m.to_dmatrix().transpose());
            let (xc, xr): (Vec<f64>, Vec<f64>) = (
                (0..c).map(|_| rng.normal()).collect(),
                (0..r).map(|_| rng.normal()).collect(),
            );
            let (cr, cc): (Vec<f64>, Vec<f64>) = (
                (0..r).map(|_| rng.normal()).collect(),
                (0..c).map(|_| rng.normal()).collect(),
            );
            let mut want_r = vec![0.0; r];
            m.affine_into(&cr, 1.0, &xc, &mut want_r);
            let mut want_c = vec![0.0; c];
            m.mul_t_affine(&cc, -1.0, &xr, &mut want_c);
            let mut via_t = vec![0.0; c];
            mt.affine_into(&cc, -1.0, &xr, &mut via_t);
            for (a, b) in want_c.iter().zip(&via_t) {
                assert!(
                    (a - b).abs() <= 1e-12 * (1.0 + b.abs()) * r as f64,
                    "{a} vs {b}"
                );
            }
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let (mut or, mut oc, mut oc2) = (vec![0.0; r], vec![0.0; c], vec![0.0; c]);
                pool.install(|| {
                    m.affine_pair((&cr, 1.0, &xc, &mut or), (&cc, -1.0, &xr, &mut oc));
                    m.mul_t_affine(&cc, -1.0, &xr, &mut oc2);
                });
                assert_eq!(or, want_r, "{r}×{c}, {threads} threads");
                assert_eq!(oc, want_c, "{r}×{c}, {threads} threads");
                assert_eq!(oc2, want_c, "{r}×{c}, {threads} threads");
            }
        }
    }

    /// The unrolled square passes (d ≤ 4) give the bits of the general tiny pass and of
    /// the in-order loops it documents, for either product alone or both.
    #[test]
    fn square_passes_keep_the_general_bits() {
        let mut rng = Rng::new(7);
        for n in 1..=5 {
            let m = Mat {
                rows: n,
                cols: n,
                data: (0..n * n).map(|_| rng.normal()).collect(),
            };
            let v = |rng: &mut Rng| -> Vec<f64> { (0..n).map(|_| rng.normal()).collect() };
            let (xc, xr, cr, cc) = (v(&mut rng), v(&mut rng), v(&mut rng), v(&mut rng));
            let rows = m.data.chunks(n);
            let want_r: Vec<f64> = rows
                .clone()
                .zip(&cr)
                .map(|(row, c)| c + 0.5 * row.iter().zip(&xc).fold(0.0, |a, (m, x)| a + m * x))
                .collect();
            let mut sums = vec![0.0; n];
            for (row, xi) in rows.zip(&xr) {
                for (s, a) in sums.iter_mut().zip(row) {
                    *s += xi * a;
                }
            }
            let want_c: Vec<f64> = sums.iter().zip(&cc).map(|(s, c)| c - 1.5 * s).collect();
            let (mut or, mut oc) = (vec![0.0; n], vec![0.0; n]);
            m.affine_pair((&cr, 0.5, &xc, &mut or), (&cc, -1.5, &xr, &mut oc));
            let (mut gr, mut gc) = (vec![0.0; n], vec![0.0; n]);
            m.pass_general(
                Some(&cr),
                0.5,
                &xc,
                Some(&mut gr),
                Some(&cc),
                -1.5,
                &xr,
                Some(&mut gc),
            );
            let mut alone = vec![0.0; n];
            m.mul_t_affine(&cc, -1.5, &xr, &mut alone);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&or), bits(&want_r), "d = {n}");
            assert_eq!(bits(&oc), bits(&want_c), "d = {n}");
            assert_eq!(bits(&gr), bits(&want_r), "d = {n}");
            assert_eq!(bits(&gc), bits(&want_c), "d = {n}");
            assert_eq!(bits(&alone), bits(&want_c), "d = {n}");
        }
    }

    #[test]
    fn products_match_nalgebra() {
        let mut rng = Rng::new(2);
        let m = Mat::from_dmatrix(&DMatrix::from_fn(3, 2, |_, _| rng.normal()));
        let x = [0.5, -1.5];
        let y = [1.0, 2.0, -3.0];
        let mut out = vec![0.0; 3];
        m.mul_add(2.0, &x, &mut out);
        let want = m.to_dmatrix() * nalgebra::DVector::from_column_slice(&x) * 2.0;
        for i in 0..3 {
            assert!((out[i] - want[i]).abs() < 1e-14);
        }
        let mut out_t = vec![0.0; 2];
        m.mul_t_add(1.0, &y, &mut out_t);
        let want_t = m.to_dmatrix().transpose() * nalgebra::DVector::from_column_slice(&y);
        for i in 0..2 {
            assert!((out_t[i] - want_t[i]).abs() < 1e-14);
        }
    }
}
