//! What a method observes while it steps that its state does not need but a researcher does:
//! counters a method fills through its oracle ([`crate::optim::oracle::Oracle::notes`]),
//! summed by the run between two metrics rows and written as the columns the method declares
//! ([`Method::notes`](crate::optim::Method::notes)).
//!
//! SGA's alignment rule is the first: λ = sign(⟨ξ, Jᵀξ⟩⟨Aᵀξ, Jᵀξ⟩/n + 0.1)·reg flips the
//! adjustment's sign from one minibatch to the next, and whether it did (how often) is what
//! tells a run whose SGA collapses from one whose SGA covers the modes.
//!
//! A new counter is one field here and one [`Note`] variant with its column.

use serde::{Deserialize, Serialize};

/// Counters of what the methods observed (since the last metrics row, in a run's state).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notes {
    /// Field evaluations in which SGA's alignment rule chose λ's sign.
    pub sga_aligned: u64,
    /// Of those, the ones in which it chose λ < 0.
    pub sga_negative: u64,
}

impl Notes {
    /// `self ← self + other`, counter by counter.
    pub fn add(&mut self, other: &Notes) {
        self.sga_aligned += other.sga_aligned;
        self.sga_negative += other.sga_negative;
    }
}

/// A metrics column a method can declare, computed from [`Notes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// `lambda_negative_share`: of SGA's field evaluations since the previous row, the share
    /// in which the alignment rule chose λ = −reg (empty when there were none).
    LambdaNegativeShare,
}

/// Column name of [`Note::LambdaNegativeShare`].
pub const LAMBDA_NEGATIVE_SHARE: &str = "lambda_negative_share";

impl Note {
    /// Its column in `metrics.csv`.
    pub fn column(self) -> &'static str {
        match self {
            Note::LambdaNegativeShare => LAMBDA_NEGATIVE_SHARE,
        }
    }

    /// Its value from the counters of one interval; None where it is undefined.
    pub fn value(self, n: &Notes) -> Option<f64> {
        match self {
            Note::LambdaNegativeShare => {
                (n.sga_aligned > 0).then(|| n.sga_negative as f64 / n.sga_aligned as f64)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_is_over_the_interval_and_empty_without_evaluations() {
        let mut n = Notes::default();
        assert_eq!(Note::LambdaNegativeShare.value(&n), None);
        n.add(&Notes {
            sga_aligned: 3,
            sga_negative: 1,
        });
        n.add(&Notes {
            sga_aligned: 1,
            sga_negative: 0,
        });
        assert_eq!(Note::LambdaNegativeShare.value(&n), Some(0.25));
    }
}
