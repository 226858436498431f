//! 2-D mixtures of Gaussians and the mode metrics of VEEGAN/PacGAN (`landscape.md` §3.2).
//!
//! A generated point x is *high quality* when its standardized distance to the nearest mode,
//! d(x) = min_j ‖x − μ_j‖/σ, is below `hq_sigmas` (3 by default); a mode is *covered* when at
//! least `min_count` high-quality points have it as their nearest mode.

use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Which mixture, as a preset writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum MixtureSpec {
    /// `modes` centres evenly on a circle (VEEGAN/PacGAN ring-8: radius 1, σ 0.01).
    Ring {
        /// Number of modes.
        modes: usize,
        /// Radius of the circle.
        radius: f64,
        /// Standard deviation of each mode.
        std: f64,
    },
    /// A side×side grid centred on 0 with the given spacing (PacGAN grid-25: side 5,
    /// spacing 2, σ 0.05).
    Grid {
        /// Modes per side.
        side: usize,
        /// Distance between neighbouring modes.
        spacing: f64,
        /// Standard deviation of each mode.
        std: f64,
    },
    /// \[NM\]'s 8 Gaussians (spec §4.5(b)): centres at radius 2 every 45°, σ 0.05, everything
    /// then divided by 1.414.
    NegativeMomentum8,
}

/// A mixture of isotropic 2-D Gaussians with equal weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Mixture {
    /// The centres μ_j.
    pub centers: Vec<[f64; 2]>,
    /// The common standard deviation σ.
    pub std: f64,
}

/// Mode statistics of a set of generated points.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeStats {
    /// Modes with at least `min_count` high-quality points.
    pub modes_covered: usize,
    /// Percentage of points within `hq_sigmas`·σ of their nearest mode.
    pub high_quality_pct: f64,
    /// High-quality points per mode.
    pub counts: Vec<usize>,
}

impl MixtureSpec {
    /// Checks the parameters and builds the mixture.
    pub fn build(&self) -> Result<Mixture, String> {
        let pos = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("mixture.{name} must be finite and > 0, got {v}"))
            }
        };
        match *self {
            MixtureSpec::Ring { modes, radius, std } => {
                if !(1..=1000).contains(&modes) {
                    return Err(format!("mixture.modes must be in 1..=1000, got {modes}"));
                }
                pos("radius", radius)?;
                pos("std", std)?;
                let centers = (0..modes)
                    .map(|k| {
                        let a = 2.0 * std::f64::consts::PI * k as f64 / modes as f64;
                        [radius * a.cos(), radius * a.sin()]
                    })
                    .collect();
                Ok(Mixture { centers, std })
            }
            MixtureSpec::Grid { side, spacing, std } => {
                if !(1..=30).contains(&side) {
                    return Err(format!("mixture.side must be in 1..=30, got {side}"));
                }
                pos("spacing", spacing)?;
                pos("std", std)?;
                let off = (side as f64 - 1.0) / 2.0;
                let mut centers = vec![];
                for i in 0..side {
                    for j in 0..side {
                        centers.push([(i as f64 - off) * spacing, (j as f64 - off) * spacing]);
                    }
                }
                Ok(Mixture { centers, std })
            }
            MixtureSpec::NegativeMomentum8 => {
                let s = 1.414;
                let centers = (0..8)
                    .map(|k| {
                        let a = std::f64::consts::FRAC_PI_4 * k as f64;
                        [2.0 * a.cos() / s, 2.0 * a.sin() / s]
                    })
                    .collect();
                Ok(Mixture {
                    centers,
                    std: 0.05 / s,
                })
            }
        }
    }
}

impl Mixture {
    /// n points, row-major (x, y) pairs.
    pub fn sample(&self, rng: &mut Rng, n: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(2 * n);
        for _ in 0..n {
            let c = self.centers[rng.below(self.centers.len() as u64) as usize];
            out.push((c[0] + self.std * rng.normal()) as f32);
            out.push((c[1] + self.std * rng.normal()) as f32);
        }
        out
    }

    /// Modes covered and % high quality of `points` (row-major pairs).
    pub fn stats(&self, points: &[f32], hq_sigmas: f64, min_count: usize) -> ModeStats {
        let mut counts = vec![0usize; self.centers.len()];
        let mut hq = 0usize;
        let n = points.len() / 2;
        for p in points.chunks_exact(2) {
            let (x, y) = (p[0] as f64, p[1] as f64);
            let (j, d2) = self
                .centers
                .iter()
                .enumerate()
                .map(|(j, c)| (j, (x - c[0]).powi(2) + (y - c[1]).powi(2)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .expect("a mixture has modes");
            if d2.sqrt() / self.std < hq_sigmas {
                hq += 1;
                counts[j] += 1;
            }
        }
        ModeStats {
            modes_covered: counts.iter().filter(|c| **c >= min_count.max(1)).count(),
            high_quality_pct: if n == 0 {
                0.0
            } else {
                100.0 * hq as f64 / n as f64
            },
            counts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_samples_cover_every_mode_and_are_high_quality() {
        for spec in [
            MixtureSpec::Ring {
                modes: 8,
                radius: 1.0,
                std: 0.01,
            },
            MixtureSpec::Grid {
                side: 5,
                spacing: 2.0,
                std: 0.05,
            },
            MixtureSpec::NegativeMomentum8,
        ] {
            let m = spec.build().unwrap();
            let pts = m.sample(&mut Rng::new(1), 2500);
            let s = m.stats(&pts, 3.0, 1);
            assert_eq!(s.modes_covered, m.centers.len(), "{spec:?}");
            // P(χ₂ < 9) = 1 − e^{−4.5} ≈ 98.9 %.
            assert!(
                (s.high_quality_pct - 98.9).abs() < 1.0,
                "{spec:?}: {}",
                s.high_quality_pct
            );
        }
        let m = MixtureSpec::Ring {
            modes: 8,
            radius: 1.0,
            std: 0.01,
        }
        .build()
        .unwrap();
        // All points on one mode: one mode covered; points far away: none high quality.
        let s = m.stats(&[1.0, 0.0, 1.001, 0.0, 0.0, 0.0], 3.0, 1);
        assert_eq!((s.modes_covered, s.counts[0]), (1, 2));
        assert!((s.high_quality_pct - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.stats(&[1.0, 0.0, 1.001, 0.0], 3.0, 3).modes_covered, 0);
        assert!(MixtureSpec::Ring {
            modes: 8,
            radius: -1.0,
            std: 0.01
        }
        .build()
        .is_err());
    }
}
