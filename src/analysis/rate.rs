//! The measured linear rate of a run: a least-squares fit of ln ‖ω_t − ω*‖ against t over the
//! linear phase.

/// Fits ln d_t = a + t·ln ρ over the rows with d_t above the floating-point floor (10⁻¹² of
/// the largest distance seen, and not the exact 0 of a finished iteration), dropping the
/// first `skip` fraction of that window (the transient before the slowest mode dominates).
/// Returns ρ, or None with fewer than 8 usable points.
pub fn measured_rate(steps: &[f64], distances: &[f64], skip: f64) -> Option<f64> {
    let dmax = distances
        .iter()
        .copied()
        .filter(|d| d.is_finite())
        .fold(0.0, f64::max);
    let floor = dmax * 1e-12;
    let pts: Vec<(f64, f64)> = steps
        .iter()
        .zip(distances)
        .filter(|(_, d)| d.is_finite() && **d > floor && **d > 0.0)
        .map(|(t, d)| (*t, d.ln()))
        .collect();
    let start = ((pts.len() as f64) * skip.clamp(0.0, 0.95)) as usize;
    let pts = &pts[start..];
    if pts.len() < 8 {
        return None;
    }
    let n = pts.len() as f64;
    let (mt, my) = pts
        .iter()
        .fold((0.0, 0.0), |(a, b), (t, y)| (a + t / n, b + y / n));
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, y) in pts {
        sxy += (t - mt) * (y - my);
        sxx += (t - mt) * (t - mt);
    }
    (sxx > 0.0).then(|| (sxy / sxx).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_geometric_rate_through_oscillations() {
        let steps: Vec<f64> = (0..400).map(|t| t as f64).collect();
        let d: Vec<f64> = steps
            .iter()
            .map(|t| 3.0 * 0.97f64.powf(*t) * (1.2 + (0.4 * t).cos()))
            .collect();
        let r = measured_rate(&steps, &d, 0.1).unwrap();
        assert!((r.ln() / 0.97f64.ln() - 1.0).abs() < 0.01, "{r}");
    }
}
