//! Both products of a bilinear field over one block of rows, reading each row once (AVX-512F).
//!
//! `Mat::pass` computes M·x (a dot per row) and Mᵀ·x′ (an axpy per row into block sums) in one
//! pass over M. Written as a dot then an axpy, each row is loaded twice and each chunk of x and
//! of the block sums once per row. Here four rows go together: each 16-column chunk of x and of
//! the sums is loaded once for four rows, and each row chunk once for both products. The
//! arithmetic is [`super::dot`]'s sixteen lanes and [`super::axpy`]'s multiply-then-add in row
//! order, so the bits are those of the two-loop form at every SIMD level.

use super::{dot_tail, LANES};

/// For the `xr.len()` rows of `mat` (each `x.len()` long): `dots[r] = dot(row_r, x)` and
/// `part += xr[r]·row_r`, rows in order.
///
/// # Safety
/// The CPU must have AVX-512F; `mat` holds at least `xr.len()·x.len()` entries, `dots` is
/// `xr.len()` long and `part` is `x.len()` long.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn rows_and_columns(
    mat: &[f64],
    x: &[f64],
    xr: &[f64],
    dots: &mut [f64],
    part: &mut [f64],
) {
    let (n, rows) = (x.len(), xr.len());
    assert!(mat.len() >= rows * n && dots.len() == rows && part.len() == n);
    let mut r = 0;
    while r + 4 <= rows {
        group::<4>(mat, r, x, xr, dots, part);
        r += 4;
    }
    while r < rows {
        group::<1>(mat, r, x, xr, dots, part);
        r += 1;
    }
}

/// Rows r0 .. r0 + R of [`rows_and_columns`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn group<const R: usize>(
    mat: &[f64],
    r0: usize,
    x: &[f64],
    xr: &[f64],
    dots: &mut [f64],
    part: &mut [f64],
) {
    use std::arch::x86_64::*;
    let n = x.len();
    let full = n / LANES * LANES;
    let (pm, px, pp) = (mat.as_ptr().add(r0 * n), x.as_ptr(), part.as_mut_ptr());
    let mut acc = [[_mm512_setzero_pd(); 2]; R];
    let k: [__m512d; R] = std::array::from_fn(|j| _mm512_set1_pd(xr[r0 + j]));
    let mut i = 0;
    while i < full {
        let (x0, x1) = (_mm512_loadu_pd(px.add(i)), _mm512_loadu_pd(px.add(i + 8)));
        let (mut p0, mut p1) = (_mm512_loadu_pd(pp.add(i)), _mm512_loadu_pd(pp.add(i + 8)));
        for j in 0..R {
            let row = pm.add(j * n + i);
            let (a0, a1) = (_mm512_loadu_pd(row), _mm512_loadu_pd(row.add(8)));
            acc[j][0] = _mm512_add_pd(acc[j][0], _mm512_mul_pd(a0, x0));
            acc[j][1] = _mm512_add_pd(acc[j][1], _mm512_mul_pd(a1, x1));
            p0 = _mm512_add_pd(p0, _mm512_mul_pd(k[j], a0));
            p1 = _mm512_add_pd(p1, _mm512_mul_pd(k[j], a1));
        }
        _mm512_storeu_pd(pp.add(i), p0);
        _mm512_storeu_pd(pp.add(i + 8), p1);
        i += LANES;
    }
    for (j, acc) in acc.iter().enumerate() {
        let row = &mat[(r0 + j) * n..(r0 + j + 1) * n];
        let a = xr[r0 + j];
        for (p, m) in part[full..].iter_mut().zip(&row[full..]) {
            *p += a * m;
        }
        // dot's reduction: lanes k + k+8, the two 256-bit halves, then 2 and 1.
        let s8 = _mm512_add_pd(acc[0], acc[1]);
        let s4 = _mm256_add_pd(_mm512_castpd512_pd256(s8), _mm512_extractf64x4_pd::<1>(s8));
        let s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd::<1>(s4));
        let s1 = _mm_add_sd(s2, _mm_unpackhi_pd(s2, s2));
        dots[r0 + j] = dot_tail(_mm_cvtsd_f64(s1), row, x);
    }
}
