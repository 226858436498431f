//! Paired comparison of two configurations over the seeds they share: the mean difference with
//! its Student-t interval, and the exact two-sided sign test.

use super::describe::{describe, Description};
use super::special::ln_gamma;
use serde::Serialize;

/// The comparison of a and b on the seeds both have a finite value for.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Paired {
    /// The seeds used, in the order given.
    pub seeds: Vec<u64>,
    /// Differences dᵢ = aᵢ − bᵢ, one per seed.
    pub differences: Vec<f64>,
    /// Mean, standard deviation and confidence interval of the differences.
    pub difference: Option<Description>,
    /// Seeds where a > b.
    pub a_greater: usize,
    /// Seeds where a < b.
    pub b_greater: usize,
    /// Seeds where a = b (left out of the sign test).
    pub ties: usize,
    /// Exact two-sided sign-test p-value (see [`sign_test`]).
    pub sign_test_p: f64,
}

/// Exact two-sided sign test: with m = wins + losses (ties dropped) and k = min(wins, losses),
/// p = min(1, 2·P(X ≤ k)) for X ~ Binomial(m, ½), where P(X ≤ k) = Σ_{i≤k} C(m, i) / 2^m.
/// p = 1 when m = 0.
pub fn sign_test(wins: usize, losses: usize) -> f64 {
    let m = wins + losses;
    if m == 0 {
        return 1.0;
    }
    let k = wins.min(losses);
    let mf = m as f64;
    let tail: f64 = if m <= 1000 {
        // C(m, i) by the recurrence C(m, i) = C(m, i − 1)·(m − i + 1)/i: exact integers while
        // they fit in 53 bits, and below f64's range up to m = 1000 (C(1000, 500) ≈ 2.7e299).
        let mut c = 1.0f64;
        let mut sum = 1.0f64;
        for i in 1..=k {
            c = c * (m - i + 1) as f64 / i as f64;
            sum += c;
        }
        sum * 0.5f64.powi(m as i32)
    } else {
        let ln_half_m = mf * std::f64::consts::LN_2;
        (0..=k)
            .map(|i| {
                let i = i as f64;
                (ln_gamma(mf + 1.0) - ln_gamma(i + 1.0) - ln_gamma(mf - i + 1.0) - ln_half_m).exp()
            })
            .sum()
    };
    (2.0 * tail).min(1.0)
}

/// Pairs `a` and `b` (seed, value) by seed; only seeds where both values are finite count.
pub fn paired(a: &[(u64, f64)], b: &[(u64, f64)], level: f64) -> Paired {
    let mut seeds = vec![];
    let mut differences = vec![];
    for (seed, x) in a.iter().filter(|(_, x)| x.is_finite()) {
        if let Some((_, y)) = b.iter().find(|(s, y)| s == seed && y.is_finite()) {
            seeds.push(*seed);
            differences.push(x - y);
        }
    }
    let a_greater = differences.iter().filter(|d| **d > 0.0).count();
    let b_greater = differences.iter().filter(|d| **d < 0.0).count();
    Paired {
        difference: describe(&differences, level),
        ties: differences.len() - a_greater - b_greater,
        sign_test_p: sign_test(a_greater, b_greater),
        a_greater,
        b_greater,
        seeds,
        differences,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_test_p_values_by_hand() {
        // 8 wins, 0 losses: 2 · (1/256) = 0.0078125.
        assert!((sign_test(8, 0) - 0.0078125).abs() < 1e-15);
        // 6 vs 2: P(X ≤ 2) = (1 + 8 + 28)/256 = 37/256; p = 74/256 = 0.2890625.
        assert!((sign_test(6, 2) - 0.2890625).abs() < 1e-14);
        // 3 vs 3 and 5 vs 4 cap at 1; no informative pair gives 1.
        assert_eq!(sign_test(3, 3), 1.0);
        assert_eq!(sign_test(5, 4), 1.0);
        assert_eq!(sign_test(0, 0), 1.0);
        // 12 vs 3: P(X ≤ 3) = (1 + 15 + 105 + 455)/32768 = 576/32768; p = 0.03515625.
        assert!((sign_test(3, 12) - 0.03515625).abs() < 1e-14);
        // Large m stays finite and agrees across the two ways of summing.
        let p = sign_test(600, 400);
        assert!(p > 0.0 && p < 1e-9, "{p}");
        // Exact values (Python's integer binomials): 2·Σ_{i≤480} C(1000, i)/2^1000 and
        // 2·Σ_{i≤481} C(1002, i)/2^1002.
        let (a, b) = (sign_test(480, 520), sign_test(481, 521));
        assert!((a - 0.21744829320414094).abs() < 1e-12, "{a}");
        assert!((b - 0.21790806275972963).abs() < 1e-9, "{b}");
    }

    #[test]
    fn paired_difference_by_hand() {
        // Shared seeds 0..3 (seed 4 only in a, seed 1 NaN in b is dropped):
        // d = 3−1, 5−4, 4−4 → 2, 1, 0 over seeds 0, 2, 3. Mean 1, s = 1,
        // half-width t_{0.975,2} · 1/√3 = 4.302653/1.732051 = 2.484138.
        let a = [(0, 3.0), (1, 2.0), (2, 5.0), (3, 4.0), (4, 9.0)];
        let b = [(3, 4.0), (2, 4.0), (1, f64::NAN), (0, 1.0)];
        let p = paired(&a, &b, 0.95);
        assert_eq!(p.seeds, [0, 2, 3]);
        assert_eq!(p.differences, [2.0, 1.0, 0.0]);
        assert_eq!((p.a_greater, p.b_greater, p.ties), (2, 0, 1));
        let d = p.difference.unwrap();
        assert_eq!((d.n, d.mean, d.std), (3, 1.0, Some(1.0)));
        let (lo, hi) = d.ci.unwrap();
        assert!((lo + 1.484138).abs() < 1e-6 && (hi - 3.484138).abs() < 1e-6);
        // Two wins, no loss: 2 · ¼ = ½.
        assert_eq!(p.sign_test_p, 0.5);
    }
}
