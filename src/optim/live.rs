//! The table of live parameters: every value a run may change while it runs, with its name,
//! symbol, meaning, valid range and where it is kept. [`super::Optimizer::live`] builds it from
//! the optimizer's pieces (each method declares its own [`MethodParam`]s), and it alone feeds
//! `saddle control` (names and validation), the dashboard's editor (fields), the metrics
//! table (trace columns) and the runs table.

use super::Hyper;
use crate::players::Player;

/// The values a live parameter may take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// Finite and > 0 (step sizes).
    Positive,
    /// Finite and ≥ 0.
    NonNegative,
    /// In the interval from `lo` to `hi`, each end open or closed.
    Interval {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
        /// `lo` itself allowed.
        lo_closed: bool,
        /// `hi` itself allowed.
        hi_closed: bool,
    },
    /// An integer in `lo..=hi`.
    Integer {
        /// Smallest value.
        lo: u64,
        /// Largest value.
        hi: u64,
    },
}

impl Range {
    /// (lo, hi), both ends open.
    pub const fn open(lo: f64, hi: f64) -> Range {
        Range::Interval {
            lo,
            hi,
            lo_closed: false,
            hi_closed: false,
        }
    }

    /// [lo, hi), lo allowed.
    pub const fn closed_open(lo: f64, hi: f64) -> Range {
        Range::Interval {
            lo,
            hi,
            lo_closed: true,
            hi_closed: false,
        }
    }

    /// [lo, hi].
    pub const fn closed(lo: f64, hi: f64) -> Range {
        Range::Interval {
            lo,
            hi,
            lo_closed: true,
            hi_closed: true,
        }
    }

    /// Checks `v` for the parameter `name`; the message names both.
    pub fn check(&self, name: &str, v: f64) -> Result<(), String> {
        match *self {
            Range::Positive if v.is_finite() && v > 0.0 => Ok(()),
            Range::Positive => Err(format!("{name} must be finite and > 0, got {v}")),
            Range::NonNegative if v.is_finite() && v >= 0.0 => Ok(()),
            Range::NonNegative => Err(format!("{name} must be finite and ≥ 0, got {v}")),
            Range::Interval {
                lo,
                hi,
                lo_closed,
                hi_closed,
            } => {
                let above = if lo_closed { v >= lo } else { v > lo };
                let below = if hi_closed { v <= hi } else { v < hi };
                if v.is_finite() && above && below {
                    Ok(())
                } else {
                    Err(format!(
                        "{name} must be in {}{lo}, {hi}{}, got {v}",
                        if lo_closed { '[' } else { '(' },
                        if hi_closed { ']' } else { ')' }
                    ))
                }
            }
            Range::Integer { lo, hi } => {
                if v.fract() == 0.0 && v >= lo as f64 && v <= hi as f64 {
                    Ok(())
                } else {
                    Err(format!("{name} must be an integer in {lo}..={hi}, got {v}"))
                }
            }
        }
    }
}

/// A live parameter a method declares (γ of ConOpt, Lookahead's k and α, …).
#[derive(Clone, Debug, PartialEq)]
pub struct MethodParam {
    /// Its name in `saddle control`, events and the editor (`gamma`, `lookahead.alpha`).
    pub name: &'static str,
    /// Its symbol on the dashboard (`γ`).
    pub symbol: &'static str,
    /// What it does, one line.
    pub about: &'static str,
    /// Its values.
    pub range: Range,
    /// The value a run starts with (from the preset).
    pub initial: f64,
}

/// Where a live parameter's value is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A player's base step size, [`Hyper::eta`].
    Eta(Player),
    /// A player's momentum, [`Hyper::beta`].
    Beta(Player),
    /// Discriminator steps per generator step, [`Hyper::d_steps`].
    DSteps,
    /// A method's parameter, [`Hyper::values`].
    Value(&'static str),
    /// β of the EMA average at this index of the optimizer's averaging.
    AverageBeta(usize),
    /// Iterations between metrics rows (the run's, not the optimizer's).
    LogEvery,
}

/// One row of the table of live parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveParam {
    /// Canonical name (`eta.theta`, `gamma`, `averaging.ema.beta`, `log_every`).
    pub name: String,
    /// Symbol on the dashboard (`η θ`, `γ`).
    pub symbol: String,
    /// What it does.
    pub about: String,
    /// Valid values.
    pub range: Range,
    /// Where the value is kept.
    pub slot: Slot,
    /// The metrics column that traces its value, if any.
    pub column: Option<String>,
}

impl LiveParam {
    /// The row of a method's parameter: traced in a column named like it (`.` → `_`).
    pub fn of_method(p: &MethodParam) -> Self {
        LiveParam {
            name: p.name.to_string(),
            symbol: p.symbol.to_string(),
            about: p.about.to_string(),
            range: p.range,
            slot: Slot::Value(p.name),
            column: Some(column_name(p.name)),
        }
    }

    /// Its value in force in `h` (averages' β and `log_every` are kept elsewhere: None).
    pub fn get(&self, h: &Hyper) -> Option<f64> {
        match &self.slot {
            Slot::Eta(p) => Some(*h.eta.get(*p)),
            Slot::Beta(p) => Some(*h.beta.get(*p)),
            Slot::DSteps => Some(h.d_steps as f64),
            Slot::Value(n) => h.values.get(*n).copied(),
            Slot::AverageBeta(_) | Slot::LogEvery => None,
        }
    }
}

/// The metrics column of a parameter name: `lookahead.alpha` → `lookahead_alpha`.
pub fn column_name(name: &str) -> String {
    name.replace('.', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_say_what_is_wrong() {
        assert!(Range::Positive.check("eta.phi", 0.1).is_ok());
        assert_eq!(
            Range::Positive.check("eta.phi", -0.1).unwrap_err(),
            "eta.phi must be finite and > 0, got -0.1"
        );
        assert_eq!(
            Range::open(-1.0, 1.0).check("beta.theta", 1.0).unwrap_err(),
            "beta.theta must be in (-1, 1), got 1"
        );
        assert!(Range::closed(0.0, 1.0).check("a", 1.0).is_ok());
        assert!(Range::closed_open(0.0, 1.0).check("a", 1.0).is_err());
        assert!(Range::open(0.0, 1.0).check("a", f64::NAN).is_err());
        let k = Range::Integer { lo: 1, hi: 100 };
        assert!(k.check("lookahead.k", 5.0).is_ok());
        assert_eq!(
            k.check("lookahead.k", 2.5).unwrap_err(),
            "lookahead.k must be an integer in 1..=100, got 2.5"
        );
        assert_eq!(column_name("lookahead.alpha"), "lookahead_alpha");
    }
}
