//! Deterministic, non-pretrained network weights that Rust and Python generate bit for bit
//! alike, so a parity check needs no weights file: both sides build the same network from a
//! seed (`scripts/inception_parity.py` has the NumPy twin of this file).
//!
//! Scores computed with these weights mean nothing; they exist for parity tests, benchmarks
//! and demonstrations of the machinery.
//!
//! Stream of tensor `name`: key = splitmix64(seed ⊕ fnv1a64(name)); entry i draws
//! u = (splitmix64(key + i) >> 40) / 2²⁴ ∈ [0, 1) (24 bits, exact in f32 and f64) and becomes
//! lo + (hi − lo)·u computed in f64, then rounded to f32. Ranges by tensor kind:
//!
//! | tensor | range |
//! |---|---|
//! | `*.conv.weight` [o, i, kh, kw] | ±√(6 / (i·kh·kw)) (He-uniform: activations keep their scale through ReLUs) |
//! | `*.bn.weight` | [0.8, 1.2] |
//! | `*.bn.bias`, `*.bn.running_mean` | [−0.2, 0.2] |
//! | `*.bn.running_var` | [0.5, 1.5] |
//! | `fc.weight` [1008, d] | ±[`FC_SCALE`]·√(3/d) |
//! | `fc.bias` | [−1, 1] |

use super::inception::blocks::TensorSource;

/// fc.weight entries are uniform on ±FC_SCALE·√(3/d). Synthetic pool_3 features share a large
/// common part (their spread across images is ~7% of their size), so logits must be large
/// (std ≈ 16) for the softmax to tell images apart — and for adding `fc.bias` by mistake to
/// move the Inception Score by more than the parity tolerance.
pub const FC_SCALE: f64 = 8.0;

/// splitmix64's output function of state `z`.
pub fn splitmix64(z: u64) -> u64 {
    let mut z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 64-bit FNV-1a of `s`'s bytes.
pub fn fnv1a64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// n uniform draws in [0, 1) of stream `name` under `seed`.
pub fn uniforms(seed: u64, name: &str, n: usize) -> Vec<f64> {
    let key = splitmix64(seed ^ fnv1a64(name));
    (0..n as u64)
        .map(|i| (splitmix64(key.wrapping_add(i)) >> 40) as f64 / 16_777_216.0)
        .collect()
}

/// The range [lo, hi] of tensor `name` of shape `shape` (see the table above).
pub fn range(name: &str, shape: &[usize]) -> (f64, f64) {
    let sym = |b: f64| (-b, b);
    if name.ends_with(".conv.weight") {
        let fan_in: usize = shape[1..].iter().product();
        sym((6.0 / fan_in as f64).sqrt())
    } else if name.ends_with(".bn.weight") {
        (0.8, 1.2)
    } else if name.ends_with(".bn.bias") || name.ends_with(".bn.running_mean") {
        (-0.2, 0.2)
    } else if name.ends_with(".bn.running_var") {
        (0.5, 1.5)
    } else if name == "fc.weight" {
        sym(FC_SCALE * (3.0 / shape[1] as f64).sqrt())
    } else {
        (-1.0, 1.0)
    }
}

/// Tensor `name` of `shape` under `seed`.
pub fn tensor(seed: u64, name: &str, shape: &[usize]) -> Vec<f32> {
    let (lo, hi) = range(name, shape);
    uniforms(seed, name, shape.iter().product())
        .into_iter()
        .map(|u| (lo + (hi - lo) * u) as f32)
        .collect()
}

/// A [`TensorSource`] of synthetic tensors under one seed.
#[derive(Clone, Copy, Debug)]
pub struct Synthetic {
    /// The seed.
    pub seed: u64,
}

impl TensorSource for Synthetic {
    fn tensor(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        Ok(tensor(self.seed, name, shape))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_of_the_generators() {
        // splitmix64 from state 0: its published first output.
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c);
        let u = uniforms(7, "x", 1000);
        assert!(u.iter().all(|v| (0.0..1.0).contains(v)));
        let mean = u.iter().sum::<f64>() / 1000.0;
        assert!((mean - 0.5).abs() < 0.05, "{mean}");
        assert_ne!(uniforms(7, "y", 3), uniforms(7, "x", 3));
        assert_ne!(uniforms(8, "x", 3), uniforms(7, "x", 3));
    }

    #[test]
    fn ranges_by_kind() {
        assert_eq!(range("a.bn.running_var", &[4]), (0.5, 1.5));
        let (lo, hi) = range("a.conv.weight", &[4, 2, 3, 3]);
        assert_eq!((lo, hi), (-(6.0f64 / 18.0).sqrt(), (6.0f64 / 18.0).sqrt()));
        let t = tensor(1, "a.bn.weight", &[100]);
        assert!(t.iter().all(|v| (0.8..=1.2).contains(v)));
    }
}
