//! The Inception Score as openai/improved-gan computes it (and the seed's
//! `tflib/inception_score.py`): p(y|x) = softmax(logits) over the 1008 classes, the N samples
//! cut in `splits` contiguous parts (part i = samples ⌊iN/k⌋ … ⌊(i+1)N/k⌋ − 1, no shuffling),
//! and per part
//!
//! ```text
//! IS_i = exp( mean_x KL(p(y|x) ‖ p̄(y)) ),   p̄(y) = mean_x p(y|x) over the part,
//! ```
//!
//! reported as mean_i IS_i ± std_i IS_i (population std, NumPy's default). Streaming: with
//! KL summed over a part, Σ_x Σ_y p log p − n·Σ_y p̄ log p̄, a part needs only Σ_x p(·|x) and
//! the scalar Σ_x Σ_y p log p, so scores of 50 000 samples never hold their logits. Logs come
//! from a log-softmax in f64, so p = 0 contributes 0 (the reference's log(0) gives NaN there).

/// Mean and spread of the per-split scores.
#[derive(Clone, Debug, PartialEq)]
pub struct InceptionScore {
    /// mean_i IS_i.
    pub mean: f64,
    /// Population standard deviation of the IS_i.
    pub std: f64,
    /// The IS_i in split order.
    pub per_split: Vec<f64>,
}

#[derive(Clone, Debug)]
struct Part {
    count: usize,
    sum_p: Vec<f64>,
    sum_plogp: f64,
}

/// Accumulates the score of exactly `n` samples fed in order.
#[derive(Clone, Debug)]
pub struct IsAccumulator {
    n: usize,
    classes: usize,
    seen: usize,
    parts: Vec<Part>,
}

impl IsAccumulator {
    /// For `n` samples of `classes` logits each, cut in `splits` parts (1 ≤ splits ≤ n).
    pub fn new(n: usize, classes: usize, splits: usize) -> Result<Self, String> {
        if splits == 0 || splits > n {
            return Err(format!(
                "splits must be in 1..={n} (the number of samples), got {splits}"
            ));
        }
        Ok(IsAccumulator {
            n,
            classes,
            seen: 0,
            parts: vec![
                Part {
                    count: 0,
                    sum_p: vec![0.0; classes],
                    sum_plogp: 0.0,
                };
                splits
            ],
        })
    }

    fn part_of(&self, i: usize) -> usize {
        let k = self.parts.len();
        // Part j holds ⌊jN/k⌋ ≤ i < ⌊(j+1)N/k⌋; start from the estimate and correct.
        let mut j = (i * k / self.n).min(k - 1);
        while j + 1 < k && (j + 1) * self.n / k <= i {
            j += 1;
        }
        while j > 0 && j * self.n / k > i {
            j -= 1;
        }
        j
    }

    /// Adds rows of logits (`classes` each), continuing where the last call stopped.
    pub fn add(&mut self, logits: &[f32]) {
        assert_eq!(logits.len() % self.classes, 0, "whole rows of logits");
        let mut logp = vec![0.0f64; self.classes];
        for row in logits.chunks(self.classes) {
            assert!(self.seen < self.n, "more than {} samples", self.n);
            let m = row.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v as f64));
            let lse = m + row.iter().map(|v| (*v as f64 - m).exp()).sum::<f64>().ln();
            for (l, v) in logp.iter_mut().zip(row) {
                *l = *v as f64 - lse;
            }
            let j = self.part_of(self.seen);
            let part = &mut self.parts[j];
            for (s, l) in part.sum_p.iter_mut().zip(&logp) {
                let p = l.exp();
                *s += p;
                if p > 0.0 {
                    part.sum_plogp += p * l;
                }
            }
            part.count += 1;
            self.seen += 1;
        }
    }

    /// The score, once all `n` samples are in.
    pub fn finish(&self) -> Result<InceptionScore, String> {
        if self.seen != self.n {
            return Err(format!("{} of {} samples scored", self.seen, self.n));
        }
        let per_split: Vec<f64> = self
            .parts
            .iter()
            .map(|p| {
                let c = p.count as f64;
                let ent_bar: f64 = p
                    .sum_p
                    .iter()
                    .map(|s| {
                        let q = s / c;
                        if q > 0.0 {
                            q * q.ln()
                        } else {
                            0.0
                        }
                    })
                    .sum();
                (p.sum_plogp / c - ent_bar).exp()
            })
            .collect();
        let k = per_split.len() as f64;
        let mean = per_split.iter().sum::<f64>() / k;
        let var = per_split.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / k;
        Ok(InceptionScore {
            mean,
            std: var.sqrt(),
            per_split,
        })
    }
}

/// The score of all rows of `logits` at once.
pub fn inception_score(
    logits: &[f32],
    classes: usize,
    splits: usize,
) -> Result<InceptionScore, String> {
    let mut acc = IsAccumulator::new(logits.len() / classes, classes, splits)?;
    acc.add(logits);
    acc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confident_distinct_classes_score_the_class_count() {
        // Each sample certain of its own class, k classes evenly used: IS = k exactly.
        let k = 4;
        let mut logits = vec![];
        for i in 0..8 {
            for c in 0..k {
                logits.push(if c == i % k { 200.0 } else { -200.0 });
            }
        }
        let s = inception_score(&logits, k, 2).unwrap();
        assert!((s.mean - 4.0).abs() < 1e-9, "{s:?}");
        assert!(s.std < 1e-9);
        // Identical predictions: p(y|x) = p̄, IS = 1.
        let same = [0.3f32, 1.0, -2.0].repeat(10);
        let s = inception_score(&same, 3, 5).unwrap();
        assert!((s.mean - 1.0).abs() < 1e-12);
    }

    #[test]
    fn splits_are_contiguous_floor_ranges() {
        let a = IsAccumulator::new(10, 2, 3).unwrap();
        let parts: Vec<usize> = (0..10).map(|i| a.part_of(i)).collect();
        // ⌊10·j/3⌋ = 0, 3, 6, 10.
        assert_eq!(parts, vec![0, 0, 0, 1, 1, 1, 2, 2, 2, 2]);
        assert!(IsAccumulator::new(3, 2, 4).is_err());
        // Split 0 all class 0, split 1 all class 1: each split alone has IS 1.
        let mut logits = vec![];
        for i in 0..4 {
            logits.extend(if i < 2 { [50.0, -50.0] } else { [-50.0, 50.0] });
        }
        let s = inception_score(&logits, 2, 2).unwrap();
        assert!((s.mean - 1.0).abs() < 1e-9);
        assert!((inception_score(&logits, 2, 1).unwrap().mean - 2.0).abs() < 1e-9);
    }
}
