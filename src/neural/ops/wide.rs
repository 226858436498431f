//! Host kernels at the CPU's vector width, chosen at run time.
//!
//! saddle is built for the baseline x86-64 target (SSE2), so a plain loop is vectorized four
//! f32 lanes wide however wide the CPU's registers are. [`wide`] runs a kernel inside a
//! function compiled with AVX-512F (or AVX2 + FMA) enabled when the CPU has it: the kernel,
//! inlined there, is vectorized sixteen (or eight) lanes wide. Rust never contracts `a·b + c`
//! into a fused multiply-add and LLVM never reorders float additions on its own, so a kernel
//! gives the same bits at every level: only its speed depends on the CPU.

#[cfg(target_arch = "x86_64")]
use crate::machine::Simd;

/// A piece of work whose loops [`wide`] compiles at the CPU's width. `run` and everything it
/// calls must be `#[inline(always)]` (or small enough that LLVM inlines it anyway): code
/// that stays a separate function is compiled for the baseline.
pub(crate) trait Kernel {
    /// What the work returns.
    type Out;
    /// Does the work.
    fn run(self) -> Self::Out;
}

/// `k.run()`, compiled for the widest vector instructions this CPU has. Call it inside each
/// thread's piece of work: a closure passed on to rayon is compiled on its own.
#[inline(always)]
pub(crate) fn wide<K: Kernel>(k: K) -> K::Out {
    #[cfg(target_arch = "x86_64")]
    match Simd::detect() {
        // SAFETY: the CPU has the features each function enables (detected at run time).
        Simd::Avx512 => return unsafe { avx512(k) },
        Simd::Avx2Fma => return unsafe { avx2(k) },
        Simd::Baseline => {}
    }
    k.run()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn avx512<K: Kernel>(k: K) -> K::Out {
    k.run()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2<K: Kernel>(k: K) -> K::Out {
    k.run()
}

/// Partial sums a reduction keeps: sixteen f64 lanes fill two AVX-512 registers (four AVX2
/// ones), enough independent additions to hide the adder's latency.
pub(crate) const SUM_LANES: usize = 16;

/// Partial sums of a reduction: lane l holds the terms of entries l, l + 16, l + 32, …
pub(crate) type Lanes = [f64; SUM_LANES];

/// (Σ u, Σ v) of `uv(a_i, b_i)` over the pairs of `a` and `b` (`b` at least as long), in f64.
/// Entry i goes to partial sum i mod 16 and the partials are added pairwise, a fixed order, so
/// the bits are the same at every vector width. Inline it into a [`Kernel`] to get that width.
#[inline(always)]
pub(crate) fn pair_sums(a: &[f32], b: &[f32], uv: impl Fn(f32, f32) -> (f64, f64)) -> (f64, f64) {
    let (mut u, mut v) = ([0.0f64; SUM_LANES], [0.0f64; SUM_LANES]);
    pair_sums_into(a, b, uv, &mut u, &mut v);
    (pairwise(u), pairwise(v))
}

/// [`pair_sums`] without the final additions: the terms are added into the lanes `u` and `v`,
/// so one set of lanes can run over many short rows (a 4×4 feature map is one chunk of 16)
/// and be added up once, by [`pairwise`].
#[inline(always)]
pub(crate) fn pair_sums_into(
    a: &[f32],
    b: &[f32],
    uv: impl Fn(f32, f32) -> (f64, f64),
    u: &mut Lanes,
    v: &mut Lanes,
) {
    let (a_full, a_rest) = a.as_chunks::<SUM_LANES>();
    let (b_full, b_rest) = b[..a.len()].as_chunks::<SUM_LANES>();
    for (a16, b16) in a_full.iter().zip(b_full) {
        for l in 0..SUM_LANES {
            let (x, y) = uv(a16[l], b16[l]);
            u[l] += x;
            v[l] += y;
        }
    }
    for (l, (a, b)) in a_rest.iter().zip(b_rest).enumerate() {
        let (x, y) = uv(*a, *b);
        u[l] += x;
        v[l] += y;
    }
}

/// s₀ + … + s₁₅ as a balanced tree of additions.
#[inline(always)]
pub(crate) fn pairwise(mut s: Lanes) -> f64 {
    let mut w = SUM_LANES / 2;
    while w > 0 {
        for i in 0..w {
            s[i] += s[i + w];
        }
        w /= 2;
    }
    s[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same kernel at the detected level and at the baseline gives the same bits.
    #[test]
    fn a_kernel_has_the_same_bits_at_every_level() {
        let x: Vec<f32> = (0..1037)
            .map(|i| ((i * 7919) % 1000) as f32 / 97.0 - 5.0)
            .collect();
        struct Leaky<'a>(&'a [f32], &'a mut [f32]);
        impl Kernel for Leaky<'_> {
            type Out = ();
            #[inline(always)]
            fn run(self) {
                for (y, x) in self.1.iter_mut().zip(self.0) {
                    let z = x * 1.37 + 0.25;
                    *y = if z > 0.0 { z } else { z * 0.2 };
                }
            }
        }
        let (mut a, mut b) = (vec![0.0f32; x.len()], vec![0.0f32; x.len()]);
        wide(Leaky(&x, &mut a));
        Leaky(&x, &mut b).run();
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    /// pair_sums: exact on sums f64 represents exactly, and the same bits at every level on
    /// sums it rounds (every length 0..40 exercises the tail).
    #[test]
    fn pair_sums_are_exact_where_f64_is_and_the_same_at_every_level() {
        for len in 0..40 {
            let a: Vec<f32> = (0..len).map(|i| (i as f32) - 7.0).collect();
            let b: Vec<f32> = (0..len).map(|i| 1.0 / (i as f32 + 3.0)).collect();
            let (s, sq) = pair_sums(&a, &a, |x, _| (x as f64, (x * x) as f64));
            let want: f64 = a.iter().map(|x| *x as f64).sum();
            let want_sq: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum();
            assert_eq!((s, sq), (want, want_sq), "length {len}");
            struct Dot<'a>(&'a [f32], &'a [f32]);
            impl Kernel for Dot<'_> {
                type Out = (f64, f64);
                #[inline(always)]
                fn run(self) -> (f64, f64) {
                    pair_sums(self.0, self.1, |x, y| ((x * y) as f64, (y * 0.3) as f64))
                }
            }
            let (w, plain) = (wide(Dot(&a, &b)), Dot(&a, &b).run());
            assert_eq!(
                (w.0.to_bits(), w.1.to_bits()),
                (plain.0.to_bits(), plain.1.to_bits())
            );
        }
    }
}
