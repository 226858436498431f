//! tanh of an f32 in straight-line f64 arithmetic, so that a loop over a slice vectorizes (the
//! C library's `tanhf` is a call per entry: a DCGAN generator's output layer, 196 608 entries
//! a batch, spent more time in it than in the rest of its activation op).
//!
//! tanh|x| = 1 − 2/(e^{2|x|} + 1) for |x| ≥ 2⁻¹², and |x| − |x|³/3 below (the series' next term
//! is 2|x|⁵/15, under 10⁻¹⁵ relative there); the sign is x's, NaN stays NaN. e^y for y ∈ [0, 40]
//! is 2^k·e^r with k = round(y/ln 2), r = y − k·ln 2 (ln 2 in two parts, |r| ≤ 0.35) and e^r
//! by its Taylor series to r¹² (remainder < 2·10⁻¹⁶). Every step is in f64, about 10⁻¹⁵
//! relative in all, so the result rounded to f32 is tanh correctly rounded except where the
//! exact value lies within ~10⁻¹⁵ of a midpoint between two f32s (never, on the test's sweep of
//! 4·10⁶ points).

/// Above this, tanh|x| rounds to 1 in f32 (1 − tanh 20 ≈ 8.5·10⁻¹⁸); e^{2|x|} stays finite.
const CLAMP: f64 = 20.0;

/// Below this, the odd series is used (the closed form would cancel).
const SERIES: f64 = 1.0 / 4096.0;

/// 1.5·2⁵²: adding it rounds a double of magnitude below 2⁵¹ to an integer, which then sits
/// in the low bits of the sum's mantissa.
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// e^y for 0 ≤ y ≤ 2·CLAMP (see the module docs).
#[inline(always)]
fn exp(y: f64) -> f64 {
    // ln 2 = LN2_HI + LN2_LO, the high part with its low 21 bits zero so that k·LN2_HI is
    // exact for every k here (fdlibm's split).
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
    let shifted = y * std::f64::consts::LOG2_E + ROUNDER;
    let k = shifted - ROUNDER;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    // 1/12!, 1/11!, …, 1/2!, 1, 1 by Horner's rule.
    let mut p = 1.0 / 479_001_600.0;
    for c in [
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // k is in 0..=58: 2^k from its exponent bits.
    let k_bits = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    p * f64::from_bits((k_bits.wrapping_add(1023)) << 52)
}

/// tanh(x), rounded to f32 (see the module docs).
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    let a = (x as f64).abs().min(CLAMP);
    let closed = 1.0 - 2.0 / (exp(2.0 * a) + 1.0);
    let series = a - a * a * a / 3.0;
    let t = if a < SERIES { series } else { closed };
    let r = (t as f32).copysign(x);
    if x.is_nan() {
        x
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neural::ops::wide::{wide, Kernel};

    /// The f32 tanh correctly rounded: the f64 tanh of the f32 input, rounded.
    fn reference(x: f32) -> f32 {
        (x as f64).tanh() as f32
    }

    /// Equal to the correctly rounded tanh on 4·10⁶ points over [−12, 12], on the powers of
    /// two from 2⁻¹⁴⁹ to 2¹²⁷ and at the special values; the same bits at every vector width.
    #[test]
    fn tanh_is_correctly_rounded() {
        let mut xs: Vec<f32> = (0..4_000_000)
            .map(|i| -12.0 + 24.0 * (i as f32) / 4.0e6)
            .collect();
        for e in -149..=127 {
            let p = 2f32.powi(e);
            xs.extend([p, -p, p * 1.37, -p * 0.71]);
        }
        xs.extend([0.0, -0.0, f32::MIN_POSITIVE, 9.0, 9.01, 20.0, 1e30, -1e30]);
        xs.extend([f32::INFINITY, f32::NEG_INFINITY, 1.0 / 4096.0, 1.0 / 4097.0]);
        for &x in &xs {
            assert_eq!(tanh(x).to_bits(), reference(x).to_bits(), "tanh({x:e})");
        }
        assert!(tanh(f32::NAN).is_nan() && tanh(-f32::NAN).is_nan());

        struct Map<'a>(&'a [f32], &'a mut [f32]);
        impl Kernel for Map<'_> {
            type Out = ();
            #[inline(always)]
            fn run(self) {
                for (y, x) in self.1.iter_mut().zip(self.0) {
                    *y = tanh(*x);
                }
            }
        }
        let mut wide_out = vec![0.0f32; xs.len()];
        wide(Map(&xs, &mut wide_out));
        let plain: Vec<u32> = xs.iter().map(|x| tanh(*x).to_bits()).collect();
        assert_eq!(
            wide_out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            plain
        );
    }
}
