//! Axis ranges that plotters can tick. Its tick loops (`key_points` of a linear and of a
//! logarithmic axis) never end on a span that is infinite or NaN, on a span too narrow for the
//! ends' floating-point precision, or on a log range touching 0 or ∞: a run whose loss reached
//! ±1e308 hung `saddle plot` at 100% CPU (its padded range overflowed to ±∞). Every figure
//! hands plotters only ranges made here, and draws only values [`drawable`] says fit.

/// The largest magnitude a figure draws: values beyond it (an overflowing loss) are left out,
/// so that a range, its padding and the room made for a legend stay far from `f64::MAX`.
pub const LIMIT: f64 = 1e300;

/// The smallest value a log axis draws (its other end is [`LIMIT`]).
pub const TINY: f64 = 1e-300;

/// The widest ratio of a log axis's ends: plotters counts its decades as a `usize` from the
/// ratio, and counted to ∞ on 1e-300..1e300.
pub const MAX_LOG_RATIO: f64 = 1e300;

/// The narrowest span a linear axis gets, relative to its ends' magnitude: about 4·10⁶
/// distinct doubles, where plotters' tick search needs more than a few.
const MIN_RELATIVE_SPAN: f64 = 1e-9;

/// True when `v` can be drawn on a linear axis (`log`: a logarithmic one): finite, within
/// ±[`LIMIT`], and on a log axis at least [`TINY`].
pub fn drawable(v: f64, log: bool) -> bool {
    v.is_finite() && v.abs() <= LIMIT && (!log || v >= TINY)
}

/// A linear axis's range from `(lo, hi)` (in either order, possibly infinite or NaN): the ends
/// clamped to ±[`LIMIT`] (NaN read as 0), widened about the centre when narrower than
/// `MIN_RELATIVE_SPAN` (10⁻⁹) of their magnitude. The result is finite and `lo < hi`.
pub fn linear((a, b): (f64, f64)) -> (f64, f64) {
    let c = |v: f64| {
        if v.is_nan() {
            0.0
        } else {
            v.clamp(-LIMIT, LIMIT)
        }
    };
    let (a, b) = (c(a), c(b));
    let (lo, hi) = (a.min(b), a.max(b));
    let magnitude = lo.abs().max(hi.abs());
    let min_span = (MIN_RELATIVE_SPAN * magnitude).max(TINY);
    if hi - lo >= min_span {
        return (lo, hi);
    }
    let mid = 0.5 * lo + 0.5 * hi;
    (mid - min_span, mid + min_span)
}

/// A log axis's range from `(lo, hi)` (in either order): the ends clamped to
/// [[`TINY`], [`LIMIT`]] (NaN read as 1), widened to a factor of 4 when they (nearly) meet,
/// the bottom raised to keep the ratio within [`MAX_LOG_RATIO`] (the top, where a run
/// diverged, is kept). The result is finite, positive and `lo < hi`.
pub fn log((a, b): (f64, f64)) -> (f64, f64) {
    let c = |v: f64| {
        if v.is_nan() {
            1.0
        } else {
            v.clamp(TINY, LIMIT)
        }
    };
    let (a, b) = (c(a), c(b));
    let (lo, hi) = (a.min(b), a.max(b));
    if hi > lo * (1.0 + MIN_RELATIVE_SPAN) {
        return (lo.max(hi / MAX_LOG_RATIO), hi);
    }
    (lo / 2.0, hi * 2.0)
}

/// The labelled values of a log axis from `lo` to `hi` (a range made by [`log`]) when
/// plotters' own would be too few — it labels only powers of 10, so a range within one decade
/// (a noisy ‖F‖ between 0.3 and 3) had one label or none: the 1-2-5 multiples of the powers of
/// 10 in range, or every integer multiple when those are fewer than three. None when the
/// range holds two powers of 10 (plotters' ticks are right) or even the multiples are fewer
/// than two (a range narrower than 1 to 2: the axis keeps plotters' ticks).
pub fn log_ticks(lo: f64, hi: f64) -> Option<Vec<f64>> {
    let (first, last) = (lo.log10().floor() as i32, hi.log10().floor() as i32);
    let powers = (first..=last + 1)
        .filter(|k| (lo..=hi).contains(&10f64.powi(*k)))
        .count();
    if powers >= 2 {
        return None;
    }
    let multiples = |mantissas: &[f64]| -> Vec<f64> {
        (first..=last)
            .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
            .filter(|v| (lo..=hi).contains(v))
            .collect()
    };
    let ticks = multiples(&[1.0, 2.0, 5.0]);
    if ticks.len() >= 3 {
        return Some(ticks);
    }
    let ticks = multiples(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    (ticks.len() >= 2).then_some(ticks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::coord::combinators::LogCoord;
    use plotters::coord::ranged1d::{AsRangedCoord, Ranged};
    use plotters::prelude::*;

    /// plotters' ticks of both axis kinds over `range`, or None when they took over 10 s (its
    /// tick loops never end on some ranges: the test must fail, not hang).
    fn ticks_within_time(range: (f64, f64)) -> Option<(usize, usize)> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let (a, b) = linear(range);
            let lin: <std::ops::Range<f64> as AsRangedCoord>::CoordDescType = (a..b).into();
            let lin = lin.key_points(6).len();
            let (a, b) = log(range);
            let log: LogCoord<f64> = (a..b).log_scale().into();
            let log = log.key_points(6).len();
            let _ = tx.send((lin, log));
        });
        rx.recv_timeout(std::time::Duration::from_secs(10)).ok()
    }

    #[test]
    fn plotters_ticks_every_range_made_here_in_finite_time() {
        let hard = [
            // A diverged loss: its span overflows to ∞.
            (-1.07e308, f64::MAX),
            (1e-300, 1e300),
            (f64::NEG_INFINITY, f64::INFINITY),
            (f64::NAN, 1.0),
            (0.0, 0.0),
            (5e307, 5e307),
            (1.0, 1.0 + f64::EPSILON),
            (1e20, 1e20 + 16384.0),
            (0.0, f64::MIN_POSITIVE),
            (-3.0, 7.0),
        ];
        for r in hard {
            let n = ticks_within_time(r);
            assert!(n.is_some(), "{r:?}: plotters' ticks never ended");
        }
        // Ordinary ranges are kept as they are.
        assert_eq!(linear((-3.0, 7.0)), (-3.0, 7.0));
        assert_eq!(log((1e-6, 1e6)), (1e-6, 1e6));
        for r in hard {
            let (a, b) = linear(r);
            assert!(a.is_finite() && b.is_finite() && a < b && (b - a).is_finite());
            let (a, b) = log(r);
            assert!(a > 0.0 && b.is_finite() && a < b && b / a <= MAX_LOG_RATIO * 1.000001);
        }
        assert!(drawable(1e300, false) && !drawable(-1e308, false) && !drawable(0.0, true));
    }

    #[test]
    fn a_log_axis_within_a_decade_gets_one_two_five_ticks() {
        // Two powers of 10 in range: plotters' ticks.
        assert_eq!(log_ticks(0.05, 20.0), None);
        assert_eq!(log_ticks(1e-8, 3.0), None);
        // Within about a decade: 1-2-5.
        assert_eq!(log_ticks(0.25, 2.7), Some(vec![0.5, 1.0, 2.0]));
        let t = log_ticks(0.15, 6.0).unwrap();
        assert_eq!(t.len(), 5, "{t:?}");
        assert!(
            (t[0] - 0.2).abs() < 1e-12 && (t[4] - 5.0).abs() < 1e-12,
            "{t:?}"
        );
        // Too few 1-2-5 multiples: every integer multiple.
        let t = log_ticks(2.5, 8.5).unwrap();
        assert_eq!(t.len(), 6, "{t:?}");
        assert!(
            (t[0] - 3.0).abs() < 1e-12 && (t[5] - 8.0).abs() < 1e-12,
            "{t:?}"
        );
        // Narrower than one multiple to the next: plotters' (a linear-looking axis).
        assert_eq!(log_ticks(1.01, 1.9), None);
        // At the limits of the axis's range, no overflow or endless loop.
        assert_eq!(log_ticks(TINY, LIMIT), None);
        assert!(log_ticks(5e299, 1e300).is_some());
    }
}
