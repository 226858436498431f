//! The order in which a finite training set's points enter minibatches: drawn with
//! replacement, or shuffled epochs as PyTorch's `DataLoader(shuffle=True)` gives them.
//!
//! Epoch order is a function of the run's data seed and of how many minibatches the run has
//! drawn before (the counter a checkpoint keeps), not of a stateful iterator: the permutation of
//! epoch e comes from its own stream, so a resumed or forked run draws the same batches as an
//! uninterrupted one, and any oracle call can be re-drawn from its sample alone.

use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// How minibatches take their real points from a training set of `len` points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum DataOrder {
    /// Each point of a minibatch drawn uniformly with replacement, from the oracle call's seed
    /// alone.
    #[default]
    Replacement,
    /// Epochs: each epoch a fresh uniform permutation of the training set, cut into consecutive
    /// minibatches; every point is seen once per epoch. The epoch's last minibatch holds the
    /// `len mod batch` points left over (PyTorch's default), or is dropped with `drop_last`.
    Epochs {
        /// Drop each epoch's short last minibatch (PyTorch's `drop_last=True`).
        #[serde(default)]
        drop_last: bool,
    },
}

impl DataOrder {
    /// Why this order cannot cut a training set of `len` points into minibatches of `batch`,
    /// if it cannot: an epoch with no minibatch, or a last minibatch of one point (batch
    /// statistics such as BatchNorm's need two; PyTorch fails on it too).
    pub fn check(&self, len: usize, batch: usize) -> Result<(), String> {
        let DataOrder::Epochs { drop_last } = *self else {
            return Ok(());
        };
        if len == 0 || batch == 0 {
            return Err("order: Epochs needs a non-empty training set and batch ≥ 1".into());
        }
        if drop_last && batch > len {
            return Err(format!(
                "order: Epochs(drop_last: true) with batch {batch} > the {len} training points leaves no minibatch"
            ));
        }
        if !drop_last && len % batch == 1 && len > 1 {
            return Err(format!(
                "order: Epochs: {len} training points in batches of {batch} leave a last minibatch of one point each epoch (batch statistics need two); use drop_last: true or another batch"
            ));
        }
        Ok(())
    }

    /// Minibatches per epoch: ⌈len / batch⌉, or ⌊len / batch⌋ with `drop_last`.
    pub fn batches_per_epoch(drop_last: bool, len: usize, batch: usize) -> u64 {
        let n = if drop_last {
            len / batch
        } else {
            len.div_ceil(batch)
        };
        n as u64
    }

    /// The training-set indices of minibatch number `draw` (0 for the run's first) in epoch
    /// order with data seed `seed`: minibatch j of epoch e is π_e[j·batch .. min((j+1)·batch,
    /// len)], where e = ⌊draw / m⌋, j = draw mod m, m = [`DataOrder::batches_per_epoch`], and π_e
    /// is a Fisher–Yates permutation drawn from the stream of (`seed`, e). `perm` caches π_e
    /// between calls (the epoch it belongs to, and the permutation).
    pub fn indices(
        drop_last: bool,
        seed: u64,
        len: usize,
        batch: usize,
        draw: u64,
        perm: &mut Option<(u64, Vec<u32>)>,
    ) -> Vec<usize> {
        let m = Self::batches_per_epoch(drop_last, len, batch).max(1);
        let (epoch, j) = (draw / m, (draw % m) as usize);
        if perm.as_ref().is_none_or(|(e, _)| *e != epoch) {
            *perm = Some((epoch, permutation(seed, epoch, len)));
        }
        let p = &perm.as_ref().expect("just filled").1;
        let start = (j * batch).min(len);
        let end = ((j + 1) * batch).min(len);
        p[start..end].iter().map(|&i| i as usize).collect()
    }
}

/// π_e: a uniform permutation of 0..len (Fisher–Yates), from a stream of its own per epoch so
/// that no epoch's draws shift another's.
fn permutation(seed: u64, epoch: u64, len: usize) -> Vec<u32> {
    let mut rng = Rng::derive(seed, &format!("epoch order {epoch}"));
    let mut p: Vec<u32> = (0..len as u32).collect();
    for i in (1..len).rev() {
        let k = rng.below(i as u64 + 1) as usize;
        p.swap(i, k);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(drop_last: bool, seed: u64, len: usize, batch: usize, e: u64) -> Vec<Vec<usize>> {
        let m = DataOrder::batches_per_epoch(drop_last, len, batch);
        let mut cache = None;
        (e * m..(e + 1) * m)
            .map(|d| DataOrder::indices(drop_last, seed, len, batch, d, &mut cache))
            .collect()
    }

    #[test]
    fn every_point_is_seen_once_per_epoch_and_the_last_batch_holds_the_rest() {
        // 10 points in batches of 4: 4 + 4 + 2, as DataLoader(shuffle=True) cuts them.
        for e in 0..3 {
            let batches = epoch(false, 7, 10, 4, e);
            let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
            assert_eq!(sizes, [4, 4, 2]);
            let mut all: Vec<usize> = batches.concat();
            all.sort_unstable();
            assert_eq!(all, (0..10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn drop_last_leaves_out_the_short_batch_and_varies_who_is_left_out() {
        let mut left_out = std::collections::BTreeSet::new();
        for e in 0..20 {
            let batches = epoch(true, 3, 10, 4, e);
            assert_eq!(batches.len(), 2);
            assert!(batches.iter().all(|b| b.len() == 4));
            let mut seen = batches.concat();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), 8, "no point twice in an epoch");
            left_out.extend((0..10).filter(|i| !seen.contains(i)));
        }
        assert_eq!(
            left_out.len(),
            10,
            "over 20 epochs every point is left out once or more"
        );
    }

    #[test]
    fn epochs_differ_and_a_draw_is_a_function_of_its_number_alone() {
        assert_ne!(epoch(false, 1, 100, 10, 0), epoch(false, 1, 100, 10, 1));
        assert_ne!(epoch(false, 1, 100, 10, 0), epoch(false, 2, 100, 10, 0));
        // Draw 37 computed cold equals draw 37 reached in sequence (what resume relies on).
        let mut warm = None;
        let seq: Vec<Vec<usize>> = (0..=37)
            .map(|d| DataOrder::indices(false, 5, 100, 10, d, &mut warm))
            .collect();
        let cold = DataOrder::indices(false, 5, 100, 10, 37, &mut None);
        assert_eq!(seq[37], cold);
    }

    #[test]
    fn positions_are_uniform_over_epochs() {
        // Where point 0 lands over 4000 epochs of 8 points: each of the 8 places with
        // probability 1/8; χ² with 7 degrees of freedom stays below 24.3 (p = 0.001).
        let (len, epochs) = (8usize, 4000u64);
        let mut counts = [0f64; 8];
        for e in 0..epochs {
            let p = permutation(11, e, len);
            counts[p.iter().position(|&i| i == 0).unwrap()] += 1.0;
        }
        let expect = epochs as f64 / len as f64;
        let chi2: f64 = counts.iter().map(|c| (c - expect).powi(2) / expect).sum();
        assert!(chi2 < 24.3, "χ² = {chi2}, counts {counts:?}");
    }

    #[test]
    fn orders_that_cannot_cut_the_set_are_refused_with_the_reason() {
        let e = |d| DataOrder::Epochs { drop_last: d };
        assert!(DataOrder::Replacement.check(5, 64).is_ok());
        assert!(e(false).check(50_000, 64).is_ok());
        assert!(e(true).check(50_000, 64).is_ok());
        let one = e(false).check(65, 64).unwrap_err();
        assert!(one.contains("one point"), "{one}");
        assert!(e(true).check(65, 64).is_ok());
        let none = e(true).check(10, 64).unwrap_err();
        assert!(none.contains("no minibatch"), "{none}");
        assert!(
            e(false).check(10, 64).is_ok(),
            "one short batch of 10 per epoch"
        );
    }
}
