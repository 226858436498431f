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
}
