//! Row-major matrix products through the `gemm` crate, in f32 (the networks) and f64 (the exact
//! Jacobian-vector products of `neural::mog_field`).
//!
//! Every product saddle computes on the host goes through `gemm_strided`, the one call site of
//! the crate (its 0.19 release with the `x86-v4` feature). The crate picks its kernels at run
//! time by the rule [`Simd::detect`] states: AVX-512F where the CPU has it, AVX2/FMA otherwise,
//! portable code on older CPUs — so one binary built for plain x86-64 runs at the width of the
//! machine it lands on and never executes an instruction the CPU lacks. dfdx links its own copy
//! of gemm 0.15 (AVX2 at most on stable) for `Tensor::matmul`; saddle's CPU networks do not call
//! it (their linear layers are [`super::linear`]).
//!
//! Threads: [`par_matmul`] cuts a product into tiles whose boundaries depend on the shape alone
//! and runs them on the current rayon pool, each tile single-threaded, so the result does not
//! depend on the number of threads.

use crate::machine::Simd;
use rayon::prelude::*;

/// The SIMD level the products run at on this CPU (the crate's dispatch rule; see the module
/// docs).
pub fn simd() -> Simd {
    Simd::detect()
}

/// The element types saddle multiplies: f32 and f64.
pub trait Scalar: Copy + Send + Sync + 'static {
    /// Zero (what an empty product accumulates to).
    const ZERO: Self;
    /// One (the scale of every product here).
    const ONE: Self;
}

impl Scalar for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

impl Scalar for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

/// A row-major matrix operand: `data` holds it, or its transpose when `transposed`.
#[derive(Clone, Copy)]
pub struct Mat<'a, T = f32> {
    /// The entries.
    pub data: &'a [T],
    /// True when `data` stores the transpose (so the operand is read column by column).
    pub transposed: bool,
}

/// dst[m×n] ← (dst if `accumulate`) + a[m×k]·b[k×n], all row-major; single-threaded (callers
/// parallelize over the batch, or call [`par_matmul`]).
pub fn matmul<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [T],
    accumulate: bool,
    a: Mat<T>,
    b: Mat<T>,
) {
    let (a, b) = (a.strided(m, k), b.strided(k, n));
    gemm_strided(m, n, k, dst, n, accumulate, a, b);
}

/// Rows or columns of one tile of [`par_matmul`]: large enough that packing an operand once per
/// tile costs little next to the tile's multiply-adds.
const TILE: usize = 128;

/// [`matmul`] on the current rayon pool: the longer of m and n is cut into tiles of `TILE`
/// (the last one shorter), one single-threaded product per tile. Tiles depend on the shape
/// only, so the result is the same bits for any number of threads.
#[allow(clippy::too_many_arguments)]
pub fn par_matmul<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [T],
    accumulate: bool,
    a: Mat<T>,
    b: Mat<T>,
) {
    let (sa, sb) = (a.strided(m, k), b.strided(k, n));
    if m.max(n) <= TILE || k == 0 {
        return gemm_strided(m, n, k, dst, n, accumulate, sa, sb);
    }
    assert!(
        dst.len() >= m * n,
        "par_matmul: dst holds {} < {m}×{n}",
        dst.len()
    );
    sa.check(m, k, "a");
    sb.check(k, n, "b");
    let split_rows = m >= n;
    let tiles = if split_rows { m } else { n }.div_ceil(TILE);
    let out = SendPtr(dst.as_mut_ptr());
    (0..tiles).into_par_iter().for_each(|t| {
        let start = t * TILE;
        let (rows, cols, a, b, offset) = if split_rows {
            let a = Strided {
                data: &sa.data[start * sa.rs..],
                ..sa
            };
            (TILE.min(m - start), n, a, sb, start * n)
        } else {
            let b = Strided {
                data: &sb.data[start * sb.cs..],
                ..sb
            };
            (m, TILE.min(n - start), sa, b, start)
        };
        // SAFETY: the tile writes rows × cols entries of dst from `offset` with row stride n,
        // inside dst (asserted above) and disjoint from every other tile's; its operands are
        // sub-blocks of a and b, checked above.
        unsafe { gemm_unchecked(rows, cols, k, out.get().add(offset), n, accumulate, a, b) }
    });
}

/// A raw pointer that may cross threads (the tiles it addresses are disjoint).
#[derive(Clone, Copy)]
struct SendPtr<T>(*mut T);
unsafe impl<T: Send> Send for SendPtr<T> {}
unsafe impl<T: Send> Sync for SendPtr<T> {}
impl<T> SendPtr<T> {
    fn get(self) -> *mut T {
        self.0
    }
}

impl<'a, T> Mat<'a, T> {
    /// The rows × cols operand as strides over `data`.
    fn strided(self, rows: usize, cols: usize) -> Strided<'a, T> {
        let (rs, cs) = if self.transposed {
            (1, rows)
        } else {
            (cols, 1)
        };
        Strided {
            data: self.data,
            rs,
            cs,
        }
    }
}

/// An operand whose element (r, c) is `data[r·rs + c·cs]`.
#[derive(Clone, Copy)]
pub(crate) struct Strided<'a, T = f32> {
    /// The entries.
    pub data: &'a [T],
    /// Row stride.
    pub rs: usize,
    /// Column stride.
    pub cs: usize,
}

impl<T> Strided<'_, T> {
    /// Asserts that every element of a rows × cols operand lies inside `data`.
    fn check(&self, rows: usize, cols: usize, what: &str) {
        let reach = (rows - 1) * self.rs + (cols - 1) * self.cs;
        assert!(
            reach < self.data.len(),
            "gemm: {what} reaches {reach} of {}",
            self.data.len()
        );
    }
}

/// dst[m×n] (row stride `dst_rs`) ← (dst if `accumulate`) + a[m×k]·b[k×n]; single-threaded.
/// The one place saddle calls the `gemm` crate: the asserts here bound every index it reads
/// or writes.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_strided<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [T],
    dst_rs: usize,
    accumulate: bool,
    a: Strided<T>,
    b: Strided<T>,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!((m - 1) * dst_rs + n <= dst.len() && (m == 1 || n <= dst_rs));
    if k == 0 {
        if !accumulate {
            for r in 0..m {
                dst[r * dst_rs..r * dst_rs + n].fill(T::ZERO);
            }
        }
        return;
    }
    a.check(m, k, "a");
    b.check(k, n, "b");
    // SAFETY: the asserts above bound every index the strides reach.
    unsafe { gemm_unchecked(m, n, k, dst.as_mut_ptr(), dst_rs, accumulate, a, b) }
}

/// The crate's product without bounds checks: k ≥ 1, and the caller guarantees that dst
/// (m rows of n, row stride `dst_rs`) and both operands lie inside their allocations.
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_unchecked<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    dst: *mut T,
    dst_rs: usize,
    accumulate: bool,
    a: Strided<T>,
    b: Strided<T>,
) {
    let started = std::time::Instant::now();
    gemm::gemm(
        m,
        n,
        k,
        dst,
        1,
        dst_rs as isize,
        accumulate,
        a.data.as_ptr(),
        a.cs as isize,
        a.rs as isize,
        b.data.as_ptr(),
        b.cs as isize,
        b.rs as isize,
        T::ONE,
        T::ONE,
        false,
        false,
        false,
        gemm::Parallelism::None,
    );
    super::timing::add_gemm(2 * (m * n * k) as u64, started);
}

/// The transpose of a row-major rows × cols matrix, row-major (cols × rows). The products
/// whose left operand is a layer's weights read the other way (convolution backward's Wᵀ·∂y,
/// the transposed convolution's Wᵀ·x) take it once per op: the crate multiplies a transposed
/// left operand 7–25% slower at these shapes (gemm 0.19, AMD EPYC AVX2, 2026-12-05), and the
/// op reuses it for every group of samples. Blocks of 16 output rows (16 source columns), in
/// parallel when large: each reads its 16 entries of a source row contiguously and writes one
/// column of a block that stays in cache (256 × 2048: 0.43 → 0.27 ms against 16 × 16 tiles on
/// one thread).
pub(crate) fn transposed(src: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    assert_eq!(src.len(), rows * cols, "transposed: {rows}×{cols}");
    const T: usize = 16;
    let mut out = vec![0.0f32; rows * cols];
    if rows == 0 || cols == 0 {
        return out;
    }
    let fill = |(b, block): (usize, &mut [f32])| {
        let c0 = b * T;
        let width = block.len() / rows;
        for (r, row) in src.chunks_exact(cols).enumerate() {
            for (j, v) in row[c0..c0 + width].iter().enumerate() {
                block[j * rows + r] = *v;
            }
        }
    };
    // A first layer's few thousand weights: handing them to the pool costs more than the copy.
    if rows * cols < 4 * super::PAR_CHUNK {
        out.chunks_mut(T * rows).enumerate().for_each(fill);
    } else {
        out.par_chunks_mut(T * rows).enumerate().for_each(fill);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry lands at its mirrored place, at sizes on and off the blocks of 16.
    #[test]
    fn transposed_mirrors_every_entry() {
        // The last two are past the parallel threshold, one with a last block of one column.
        for (r, c) in [
            (1, 1),
            (1, 5),
            (5, 1),
            (16, 16),
            (17, 33),
            (48, 64),
            (300, 257),
            (256, 512),
        ] {
            let src: Vec<f32> = (0..r * c).map(|i| i as f32).collect();
            let t = transposed(&src, r, c);
            for i in 0..r {
                for j in 0..c {
                    assert_eq!(t[j * r + i], src[i * c + j], "{r}×{c} at ({i}, {j})");
                }
            }
        }
    }

    #[test]
    fn matmul_with_every_transpose() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2×3
        let at = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]; // its transpose, 3×2
        let b = [1.0, 0.0, -1.0, 2.0, 0.5, 1.0]; // 3×2
        let bt = [1.0, -1.0, 0.5, 0.0, 2.0, 1.0];
        let want = [1.0 - 2.0 + 1.5, 4.0 + 3.0, 4.0 - 5.0 + 3.0, 10.0 + 6.0];
        for (a, ta) in [(&a, false), (&at, true)] {
            for (b, tb) in [(&b, false), (&bt, true)] {
                let mut d = [1.0f32; 4];
                matmul(
                    2,
                    2,
                    3,
                    &mut d,
                    false,
                    Mat {
                        data: a,
                        transposed: ta,
                    },
                    Mat {
                        data: b,
                        transposed: tb,
                    },
                );
                assert_eq!(d, want);
                matmul(
                    2,
                    2,
                    3,
                    &mut d,
                    true,
                    Mat {
                        data: a,
                        transposed: ta,
                    },
                    Mat {
                        data: b,
                        transposed: tb,
                    },
                );
                assert_eq!(d, want.map(|x| 2.0 * x));
            }
        }
    }
}
