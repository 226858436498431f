//! Both products of a bilinear field over one block of rows, reading each row once (AVX-512F
//! or AVX2).
//!
//! `Mat::pass` computes M·x (a dot per row) and Mᵀ·x′ (an axpy per row into block sums) in one
//! pass over M. Written as a dot then an axpy, each row is loaded twice and each chunk of x and
//! of the block sums once per row. Here four rows (AVX-512) or two (AVX2) go together: each
//! 16-column chunk of x and of the sums is loaded once for the group, and each row chunk once
//! for both products. The arithmetic is [`super::dot`]'s sixteen lanes and [`super::axpy`]'s
//! multiply-then-add in row order, so the bits are those of the two-loop form at every SIMD
//! level.

use super::{dot_tail, LANES};
use crate::machine::Simd;

/// For the `xr.len()` rows of `mat` (each `x.len()` long): `dots[r] = dot(row_r, x)` and
/// `part += xr[r]·row_r`, rows in order, with the `simd` level's kernel.
///
/// # Safety
/// The CPU must have `simd`'s instructions and `simd` must be AVX-512 or AVX2 (the shapes are
/// checked here: `mat` holds at least `xr.len()·x.len()` entries, `dots` is `xr.len()` long
/// and `part` is `x.len()` long).
#[cfg(target_arch = "x86_64")]
pub(super) unsafe fn rows_and_columns(
    simd: Simd,
    mat: &[f64],
    x: &[f64],
    xr: &[f64],
    dots: &mut [f64],
    part: &mut [f64],
) {
    let (n, rows) = (x.len(), xr.len());
    assert!(mat.len() >= rows * n && dots.len() == rows && part.len() == n);
    match simd {
        Simd::Avx512 => groups_avx512(mat, x, xr, dots, part),
        Simd::Avx2Fma => groups_avx2(mat, x, xr, dots, part),
        Simd::Baseline => unreachable!("rows_and_columns: no kernel at the baseline"),
    }
}

/// [`rows_and_columns`] with AVX-512F: four rows at a time, then one.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn groups_avx512(mat: &[f64], x: &[f64], xr: &[f64], dots: &mut [f64], part: &mut [f64]) {
    let mut r = 0;
    while r < xr.len() {
        r += if r + 4 <= xr.len() {
            group::<4>(mat, r, x, xr, dots, part);
            4
        } else {
            group::<1>(mat, r, x, xr, dots, part);
            1
        };
    }
}

/// [`rows_and_columns`] with AVX2: two rows at a time (sixteen registers hold four rows' dot
/// lanes on AVX-512, only two rows' here), then one.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn groups_avx2(mat: &[f64], x: &[f64], xr: &[f64], dots: &mut [f64], part: &mut [f64]) {
    let mut r = 0;
    while r < xr.len() {
        r += if r + 2 <= xr.len() {
            group_avx2::<2>(mat, r, x, xr, dots, part);
            2
        } else {
            group_avx2::<1>(mat, r, x, xr, dots, part);
            1
        };
    }
}

/// The columns past the last sixteen of one row: `part += s·row` there, and the row's dot from
/// its sixteen lanes already added up (`head`).
#[inline(always)]
fn row_tail(row: &[f64], s: f64, x: &[f64], head: f64, part: &mut [f64]) -> f64 {
    let full = x.len() / LANES * LANES;
    for (p, m) in part[full..].iter_mut().zip(&row[full..]) {
        *p += s * m;
    }
    dot_tail(head, row, x)
}

/// Rows r0 .. r0 + R of [`groups_avx512`].
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
        // dot's reduction: lanes k + k+8, the two 256-bit halves, then 2 and 1.
        let s8 = _mm512_add_pd(acc[0], acc[1]);
        let s4 = _mm256_add_pd(_mm512_castpd512_pd256(s8), _mm512_extractf64x4_pd::<1>(s8));
        let s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd::<1>(s4));
        let s1 = _mm_add_sd(s2, _mm_unpackhi_pd(s2, s2));
        dots[r0 + j] = row_tail(row, xr[r0 + j], x, _mm_cvtsd_f64(s1), part);
    }
}

/// Rows r0 .. r0 + R of [`groups_avx2`], each 16-column chunk in two halves of eight.
/// Register q of a row holds dot lanes 4q .. 4q + 3, as in [`super::dot`]'s AVX2 kernel.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn group_avx2<const R: usize>(
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
    let mut acc = [[_mm256_setzero_pd(); 4]; R];
    let k: [__m256d; R] = std::array::from_fn(|j| _mm256_set1_pd(xr[r0 + j]));
    let mut i = 0;
    while i < full {
        for h in 0..2 {
            let o = i + 8 * h;
            let (x0, x1) = (_mm256_loadu_pd(px.add(o)), _mm256_loadu_pd(px.add(o + 4)));
            let (mut p0, mut p1) = (_mm256_loadu_pd(pp.add(o)), _mm256_loadu_pd(pp.add(o + 4)));
            for j in 0..R {
                let row = pm.add(j * n + o);
                let (a0, a1) = (_mm256_loadu_pd(row), _mm256_loadu_pd(row.add(4)));
                acc[j][2 * h] = _mm256_add_pd(acc[j][2 * h], _mm256_mul_pd(a0, x0));
                acc[j][2 * h + 1] = _mm256_add_pd(acc[j][2 * h + 1], _mm256_mul_pd(a1, x1));
                p0 = _mm256_add_pd(p0, _mm256_mul_pd(k[j], a0));
                p1 = _mm256_add_pd(p1, _mm256_mul_pd(k[j], a1));
            }
            _mm256_storeu_pd(pp.add(o), p0);
            _mm256_storeu_pd(pp.add(o + 4), p1);
        }
        i += LANES;
    }
    for (j, a) in acc.iter().enumerate() {
        let row = &mat[(r0 + j) * n..(r0 + j + 1) * n];
        // dot's reduction: lanes k + k+8, then the two 128-bit halves, then 2 and 1.
        let s4 = _mm256_add_pd(_mm256_add_pd(a[0], a[2]), _mm256_add_pd(a[1], a[3]));
        let s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd::<1>(s4));
        let s1 = _mm_add_sd(s2, _mm_unpackhi_pd(s2, s2));
        dots[r0 + j] = row_tail(row, xr[r0 + j], x, _mm_cvtsd_f64(s1), part);
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Each kernel the CPU can run gives the bits of a portable dot per row and a
    /// multiply-then-add per row, rows in order, for row counts past the groups and column
    /// counts past the last sixteen.
    #[test]
    fn every_kernel_gives_the_two_loop_bits() {
        let mut rng = Rng::new(11);
        for (rows, n) in [(1, 16), (3, 17), (5, 40), (8, 64), (7, 100), (32, 257)] {
            let mat: Vec<f64> = (0..rows * n).map(|_| rng.normal()).collect();
            let x: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            let xr: Vec<f64> = (0..rows).map(|_| rng.normal() * 10.0).collect();
            let want_dots: Vec<f64> = mat
                .chunks(n)
                .map(|row| super::super::dot_portable(row, &x))
                .collect();
            let mut want_part = vec![0.0; n];
            for (row, a) in mat.chunks(n).zip(&xr) {
                want_part.iter_mut().zip(row).for_each(|(p, m)| *p += a * m);
            }
            let mut levels = Vec::new();
            if std::is_x86_feature_detected!("avx2") {
                levels.push(Simd::Avx2Fma);
            }
            if std::is_x86_feature_detected!("avx512f") {
                levels.push(Simd::Avx512);
            }
            for simd in levels {
                let (mut dots, mut part) = (vec![0.0; rows], vec![0.0; n]);
                // SAFETY: the CPU has the kernel's features (detected); shapes as documented.
                unsafe { rows_and_columns(simd, &mat, &x, &xr, &mut dots, &mut part) };
                assert_eq!(dots, want_dots, "{simd}, {rows}×{n}");
                assert_eq!(part, want_part, "{simd}, {rows}×{n}");
            }
        }
    }
}
