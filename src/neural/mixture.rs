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

/// Cells per side of the discriminator's grid in a [`DataPlane`]: 64² evaluations of D, a
/// few milliseconds next to the `sample_every` iterations between two planes.
pub const PLANE_SIDE: usize = 64;

/// The square a picture of a mixture covers: the modes with half their radius to spare and
/// six σ around the outermost ones.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaneWindow {
    /// [lo, hi] of x.
    pub x: [f64; 2],
    /// [lo, hi] of y.
    pub y: [f64; 2],
}

/// The data plane of a GAN on 2-D data after `step` iterations — the picture GAN papers draw:
/// the real modes, the generator's points and the discriminator's decision map D(x) on a grid.
/// Written by the game as `samples/plane-<step>.json` (see `run::plane`, which reads it back).
///
/// Grid cell (i, j), i along x and j along y (bottom row first), has its centre at
/// x_i = x₀ + (i + ½)·(x₁ − x₀)/side, y_j likewise, and D's raw output (a logit for the
/// logistic losses: P(real) = σ(logit)) at index j·side + i. Non-finite numbers (a diverged
/// run) are written as `null` and read back as NaN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataPlane {
    /// Iterations completed.
    pub step: u64,
    /// [lo, hi] of x.
    pub x: [f64; 2],
    /// [lo, hi] of y.
    pub y: [f64; 2],
    /// Cells per side.
    pub side: usize,
    /// D at the cell centres, `side²` values, row j·side + i.
    #[serde(with = "nullable_f32")]
    pub logits: Vec<f32>,
    /// The generator's points (the fixed latents metrics use), as (x, y) pairs.
    #[serde(with = "nullable_f32")]
    pub generated: Vec<f32>,
    /// The centres μ_j of the data's modes.
    pub modes: Vec<[f64; 2]>,
    /// The modes' common standard deviation σ.
    pub std: f64,
}

impl DataPlane {
    /// Centre of grid cell `k` (0..side) along an axis spanning `range`.
    pub fn cell_center(range: [f64; 2], side: usize, k: usize) -> f64 {
        range[0] + (range[1] - range[0]) * (k as f64 + 0.5) / side as f64
    }

    /// The grid's points, row j·side + i, as (x, y) pairs in f32 (what D is fed).
    pub fn grid_points(x: [f64; 2], y: [f64; 2], side: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(2 * side * side);
        for j in 0..side {
            for i in 0..side {
                out.push(Self::cell_center(x, side, i) as f32);
                out.push(Self::cell_center(y, side, j) as f32);
            }
        }
        out
    }

    /// Checks the shapes agree (a file written by another program, or damaged).
    pub fn check(&self) -> Result<(), String> {
        if self.side == 0 || self.logits.len() != self.side * self.side {
            return Err(format!(
                "{} logits for a {}×{} grid",
                self.logits.len(),
                self.side,
                self.side
            ));
        }
        if !self.generated.len().is_multiple_of(2) {
            return Err("an odd number of coordinates in generated".into());
        }
        let ok = |r: [f64; 2]| r[0].is_finite() && r[1].is_finite() && r[0] < r[1];
        if !(ok(self.x) && ok(self.y)) {
            return Err(format!("bad window x {:?}, y {:?}", self.x, self.y));
        }
        Ok(())
    }

    /// P(real) = σ(D) at cell (i, j), for the logistic losses.
    pub fn probability(&self, i: usize, j: usize) -> f64 {
        let l = self.logits[j * self.side + i] as f64;
        1.0 / (1.0 + (-l).exp())
    }
}

/// f32 lists with non-finite entries as `null` (JSON has no NaN).
mod nullable_f32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.is_finite().then_some(*x)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let v: Vec<Option<f32>> = Vec::deserialize(d)?;
        Ok(v.into_iter().map(|x| x.unwrap_or(f32::NAN)).collect())
    }
}

impl Mixture {
    /// The square its pictures cover (the sample scatter's and the data plane's).
    pub fn window(&self) -> PlaneWindow {
        let e = self
            .centers
            .iter()
            .flat_map(|c| [c[0].abs(), c[1].abs()])
            .fold(0.0f64, f64::max)
            * 1.5
            + 6.0 * self.std;
        PlaneWindow {
            x: [-e, e],
            y: [-e, e],
        }
    }

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
