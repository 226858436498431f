//! How long an analysis may take: a deadline and a cancel test that iterative routines read
//! between sweeps. A budget only decides whether a result is *shown* (a run's trajectory never
//! depends on it); the routines' iteration caps, which are the same on every machine, are what
//! make them terminate.
//!
//! Code that cannot take a budget as an argument (the update operator's eigen-solve, deep inside
//! the analysis) reads the *ambient* budget that its caller set for the thread with
//! [`Budget::scope`].

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A deadline and a cancel test; the default has neither.
#[derive(Clone, Default)]
pub struct Budget {
    deadline: Option<Instant>,
    allowed: Option<Duration>,
    cancel: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
}

impl fmt::Debug for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Budget")
            .field("allowed", &self.allowed)
            .field("cancellable", &self.cancel.is_some())
            .finish()
    }
}

/// Why a budgeted routine stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhausted {
    /// The deadline passed (the allowed time is given).
    OutOfTime(Duration),
    /// The cancel test answered true.
    Cancelled,
}

impl fmt::Display for Exhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exhausted::OutOfTime(d) => {
                write!(f, "not done within its {:.1} s budget", d.as_secs_f64())
            }
            Exhausted::Cancelled => f.write_str("cancelled"),
        }
    }
}

thread_local! {
    static AMBIENT: RefCell<Budget> = RefCell::new(Budget::default());
}

impl Budget {
    /// No deadline, no cancel test: only the routines' own iteration caps bound them.
    pub fn unlimited() -> Self {
        Budget::default()
    }

    /// At most `allowed` from now.
    pub fn within(allowed: Duration) -> Self {
        Budget {
            deadline: Some(Instant::now() + allowed),
            allowed: Some(allowed),
            cancel: None,
        }
    }

    /// This budget, also ended as soon as `cancelled` answers true (a signal's flag, a
    /// dashboard's cancel key).
    pub fn or_cancelled(mut self, cancelled: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        let previous = self.cancel.take();
        self.cancel = Some(Arc::new(move || {
            cancelled() || previous.as_ref().is_some_and(|p| p())
        }));
        self
    }

    /// Why the work must stop now, if it must.
    pub fn check(&self) -> Result<(), Exhausted> {
        if self.cancel.as_ref().is_some_and(|c| c()) {
            return Err(Exhausted::Cancelled);
        }
        match (self.deadline, self.allowed) {
            (Some(d), Some(a)) if Instant::now() >= d => Err(Exhausted::OutOfTime(a)),
            _ => Ok(()),
        }
    }

    /// Runs `f` with this budget as the thread's ambient budget ([`Budget::ambient`]), then
    /// restores the previous one.
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let previous = AMBIENT.with(|a| a.replace(self.clone()));
        struct Restore(Option<Budget>);
        impl Drop for Restore {
            fn drop(&mut self) {
                if let Some(b) = self.0.take() {
                    AMBIENT.with(|a| *a.borrow_mut() = b);
                }
            }
        }
        let _restore = Restore(Some(previous));
        f()
    }

    /// The budget the innermost [`Budget::scope`] of this thread set (unlimited outside any).
    pub fn ambient() -> Budget {
        AMBIENT.with(|a| a.borrow().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn deadlines_cancel_tests_and_scopes() {
        assert_eq!(Budget::unlimited().check(), Ok(()));
        let past = Budget::within(Duration::ZERO);
        assert_eq!(past.check(), Err(Exhausted::OutOfTime(Duration::ZERO)));
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let b =
            Budget::within(Duration::from_secs(60)).or_cancelled(move || f.load(Ordering::Relaxed));
        assert_eq!(b.check(), Ok(()));
        let seen = b.scope(|| {
            flag.store(true, Ordering::Relaxed);
            Budget::ambient().check()
        });
        assert_eq!(seen, Err(Exhausted::Cancelled));
        assert_eq!(
            Budget::ambient().check(),
            Ok(()),
            "restored after the scope"
        );
    }
}
