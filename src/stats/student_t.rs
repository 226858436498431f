//! Student's t distribution with ν degrees of freedom: its CDF through the incomplete beta
//! function and its quantile by bisection on the CDF.

use super::special::incomplete_beta;

/// Bisection steps of [`t_quantile`]: each halves the bracket, so 200 reach the spacing of
/// f64 long before the cap; the cap keeps the cost bounded for any input.
const MAX_BISECTIONS: usize = 200;

/// P(T ≤ t) for T ~ t(ν), ν > 0: for t ≥ 0 it is 1 − ½·I_{ν/(ν+t²)}(ν/2, ½), and by symmetry
/// P(T ≤ −t) = 1 − P(T ≤ t).
pub fn t_cdf(t: f64, nu: f64) -> f64 {
    if t.is_nan() || nu.is_nan() || nu <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 1.0 } else { 0.0 };
    }
    let tail = 0.5 * incomplete_beta(nu / 2.0, 0.5, nu / (nu + t * t));
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// The p-quantile t_{p,ν} of Student's t distribution (the t with P(T ≤ t) = p), for p in
/// (0, 1) and ν > 0; NaN outside. Closed forms for ν = 1 (Cauchy: tan(π(p − ½))) and ν = 2
/// ((2p − 1)/√(2p(1 − p))); otherwise bisection on [`t_cdf`].
pub fn t_quantile(p: f64, nu: f64) -> f64 {
    // Memoized per thread: a dashboard describes thousands of samples a frame at the same
    // level and a few sample sizes, and one bisection costs tens of microseconds.
    thread_local! {
        static MEMO: std::cell::RefCell<std::collections::HashMap<(u64, u64), f64>> =
            Default::default();
        // The few keys a frame asks again and again, looked up before hashing.
        static RECENT: std::cell::RefCell<[((u64, u64), f64); RECENT_LEN]> =
            const { std::cell::RefCell::new([((u64::MAX, u64::MAX), f64::NAN); RECENT_LEN]) };
    }
    let key = (p.to_bits(), nu.to_bits());
    if let Some(t) = RECENT.with(|r| r.borrow().iter().find(|e| e.0 == key).map(|e| e.1)) {
        return t;
    }
    let remember = |t: f64| {
        RECENT.with(|r| {
            let mut r = r.borrow_mut();
            r.rotate_right(1);
            r[0] = (key, t);
        })
    };
    if let Some(t) = MEMO.with(|m| m.borrow().get(&key).copied()) {
        remember(t);
        return t;
    }
    let t = t_quantile_uncached(p, nu);
    remember(t);
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MEMO_MAX {
            m.clear();
        }
        m.insert(key, t);
    });
    t
}

/// Keys [`t_quantile`] checks before its hash map: a sweep's groups' sizes.
const RECENT_LEN: usize = 16;

/// Entries [`t_quantile`] remembers per thread before it forgets them all.
const MEMO_MAX: usize = 4096;

fn t_quantile_uncached(p: f64, nu: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && nu > 0.0) {
        return f64::NAN;
    }
    if nu == 1.0 {
        return (std::f64::consts::PI * (p - 0.5)).tan();
    }
    if nu == 2.0 {
        return (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
    }
    if p < 0.5 {
        return -t_quantile_uncached(1.0 - p, nu);
    }
    if p == 0.5 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    // The upper end doubles until it brackets p (≤ 2^60 covers every p < 1 − 1e-16 with ν > 2).
    for _ in 0..60 {
        if t_cdf(hi, nu) >= p {
            break;
        }
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..MAX_BISECTIONS {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if t_cdf(mid, nu) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two-sided 95% and 99% critical values from the standard t table (six decimals).
    #[test]
    fn quantiles_match_the_t_table() {
        let table = [
            (0.975, 1.0, 12.706205),
            (0.975, 2.0, 4.302653),
            (0.975, 3.0, 3.182446),
            (0.975, 4.0, 2.776445),
            (0.975, 5.0, 2.570582),
            (0.975, 10.0, 2.228139),
            (0.975, 15.0, 2.131450),
            (0.975, 30.0, 2.042272),
            (0.975, 120.0, 1.979930),
            (0.995, 3.0, 5.840909),
            (0.995, 10.0, 3.169273),
            (0.95, 5.0, 2.015048),
            (0.9, 7.0, 1.414924),
        ];
        for (p, nu, want) in table {
            let got = t_quantile(p, nu);
            assert!(
                (got - want).abs() < 5e-7,
                "t_({p}, {nu}) = {got}, table {want}"
            );
            assert!((t_quantile(1.0 - p, nu) + want).abs() < 5e-7);
        }
        // Large ν tends to the normal quantile 1.959964.
        assert!((t_quantile(0.975, 1e6) - 1.959964).abs() < 1e-5);
    }

    #[test]
    fn cdf_inverts_the_quantile_and_is_symmetric() {
        for nu in [1.0, 2.0, 3.5, 9.0, 50.0] {
            for p in [0.01, 0.2, 0.5, 0.8, 0.999] {
                let t = t_quantile(p, nu);
                assert!((t_cdf(t, nu) - p).abs() < 1e-12, "ν = {nu}, p = {p}");
            }
            assert!((t_cdf(1.3, nu) + t_cdf(-1.3, nu) - 1.0).abs() < 1e-14);
        }
        // ν = 1 is the Cauchy distribution: P(T ≤ 1) = ¾.
        assert!((t_cdf(1.0, 1.0) - 0.75).abs() < 1e-14);
        assert!(t_quantile(0.0, 3.0).is_nan() && t_quantile(0.5, 0.0).is_nan());
    }
}
