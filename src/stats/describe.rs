//! The summary of one sample of values: n, mean, sample standard deviation and the
//! Student-t confidence interval of the mean.

use super::student_t::t_quantile;
use serde::Serialize;

/// n, mean, standard deviation and confidence interval of a sample.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Description {
    /// Number of values.
    pub n: usize,
    /// Mean x̄ = Σx / n.
    pub mean: f64,
    /// Sample standard deviation s = √(Σ(x − x̄)² / (n − 1)); None for n = 1.
    pub std: Option<f64>,
    /// The confidence level of `ci` (0.95 for a 95% interval).
    pub level: f64,
    /// x̄ ± t_{(1+level)/2, n−1} · s / √n; None for n = 1.
    pub ci: Option<(f64, f64)>,
}

impl Description {
    /// The half-width of the confidence interval, t · s / √n.
    pub fn half_width(&self) -> Option<f64> {
        self.ci.map(|(lo, hi)| 0.5 * (hi - lo))
    }
}

/// Describes the finite values of `xs` at confidence `level` (e.g. 0.95); None when none is
/// finite.
pub fn describe(xs: &[f64], level: f64) -> Option<Description> {
    // Two passes over the finite values in place: the sweep view describes thousands of
    // samples a frame, and a copy of each was most of the frame's cost.
    let finite = || xs.iter().copied().filter(|x| x.is_finite());
    let n = finite().count();
    if n == 0 {
        return None;
    }
    // Summed as offsets from the first value: members that agree to the last bit (a seed
    // that does not matter) then have that value as their mean and a spread of exactly 0,
    // where Σx / n rounded to a neighbour and gave 1e6 ± 1e-10.
    let first = finite().next().unwrap_or(0.0);
    let mean = match first + finite().map(|x| x - first).sum::<f64>() / n as f64 {
        // Offsets past f64's range (values of both signs near it): the plain sum.
        m if m.is_finite() => m,
        _ => finite().map(|x| x / n as f64).sum::<f64>(),
    };
    let (std, ci) = if n > 1 {
        let var = finite().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let s = var.sqrt();
        let half = t_quantile(0.5 + level / 2.0, (n - 1) as f64) * s / (n as f64).sqrt();
        (Some(s), Some((mean - half, mean + half)))
    } else {
        (None, None)
    };
    Some(Description {
        n,
        mean,
        std,
        level,
        ci,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_computed_interval() {
        // x = 2, 4, 4, 6: x̄ = 4, Σ(x − x̄)² = 8, s² = 8/3, s = 1.632993, s/√4 = 0.816497,
        // t_{0.975,3} = 3.182446, half-width 2.598457 → [1.401543, 6.598457].
        let d = describe(&[2.0, 4.0, 4.0, 6.0], 0.95).unwrap();
        assert_eq!((d.n, d.mean), (4, 4.0));
        assert!((d.std.unwrap() - 1.632993).abs() < 1e-6);
        let (lo, hi) = d.ci.unwrap();
        assert!(
            (lo - 1.401543).abs() < 1e-6 && (hi - 6.598457).abs() < 1e-6,
            "{lo} {hi}"
        );
        assert!((d.half_width().unwrap() - 2.598457).abs() < 1e-6);
    }

    #[test]
    fn equal_values_have_their_value_as_mean_and_no_spread() {
        for x in [1e6 + 0.1, 0.1, -3.3e-7, 123456.789] {
            let d = describe(&[x; 7], 0.95).unwrap();
            assert_eq!((d.mean, d.std, d.ci), (x, Some(0.0), Some((x, x))), "{x}");
        }
        assert_eq!(describe(&[-1e308, 1e308], 0.95).unwrap().mean, 0.0);
    }

    #[test]
    fn one_value_has_no_spread_and_non_finite_values_are_left_out() {
        let d = describe(&[3.0, f64::NAN, f64::INFINITY], 0.95).unwrap();
        assert_eq!((d.n, d.mean, d.std, d.ci), (1, 3.0, None, None));
        assert_eq!(describe(&[f64::NAN], 0.95), None);
        assert_eq!(describe(&[], 0.95), None);
    }
}
