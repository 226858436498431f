//! Row-major matrix products through the `gemm` crate (the kernel dfdx itself uses on the CPU).

/// A row-major matrix operand: `data` holds it, or its transpose when `transposed`.
#[derive(Clone, Copy)]
pub struct Mat<'a> {
    /// The entries.
    pub data: &'a [f32],
    /// True when `data` stores the transpose (so the operand is read column by column).
    pub transposed: bool,
}

/// dst[m×n] ← (dst if `accumulate`) + a[m×k]·b[k×n], all row-major; single-threaded (callers
/// parallelize over the batch).
pub fn matmul(m: usize, n: usize, k: usize, dst: &mut [f32], accumulate: bool, a: Mat, b: Mat) {
    assert!(dst.len() >= m * n && a.data.len() >= m * k && b.data.len() >= k * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst[..m * n].fill(0.0);
        }
        return;
    }
    let (a_rs, a_cs) = if a.transposed {
        (1, m as isize)
    } else {
        (k as isize, 1)
    };
    let (b_rs, b_cs) = if b.transposed {
        (1, k as isize)
    } else {
        (n as isize, 1)
    };
    // SAFETY: the asserts above bound every index the strides reach.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a_cs,
            a_rs,
            b.data.as_ptr(),
            b_cs,
            b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
