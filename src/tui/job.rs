//! Heavy work off the UI thread: a computation (a stability map) runs on its own thread under a
//! [`Budget`] whose cancel test is the job's flag, while the event loop keeps answering keys and
//! polls for the result. Dropping the job (leaving the dashboard) cancels it.

use crate::linalg::Budget;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest a dashboard computation may run before it gives up on its own.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// A computation running on its own thread.
pub struct Job<T> {
    /// What it computes, for the status line.
    pub what: String,
    /// When it started.
    pub started: Instant,
    cancel: Arc<AtomicBool>,
    result: Receiver<T>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a new thread with a budget of [`DEADLINE`] that the job's cancel flag
    /// also ends.
    pub fn spawn(what: impl Into<String>, work: impl FnOnce(Budget) -> T + Send + 'static) -> Self {
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let budget = Budget::within(DEADLINE).or_cancelled(move || flag.load(Ordering::Relaxed));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // The receiver is gone when the job was dropped: nobody wants the result.
            let _ = tx.send(work(budget));
        });
        Job {
            what: what.into(),
            started: Instant::now(),
            cancel,
            result: rx,
        }
    }

    /// None while it runs; then Some(the result), or Some(None) when its thread panicked.
    pub fn poll(&self) -> Option<Option<T>> {
        match self.result.try_recv() {
            Ok(v) => Some(Some(v)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(None),
        }
    }

    /// Blocks up to `timeout` for the result: Some(the result), Some(None) when its thread
    /// panicked, None when it is still running.
    pub fn wait(&self, timeout: Duration) -> Option<Option<T>> {
        match self.result.recv_timeout(timeout) {
            Ok(v) => Some(Some(v)),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => Some(None),
        }
    }

    /// Asks the computation to stop at its next budget check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl<T> std::fmt::Debug for Job<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("what", &self.what)
            .field("started", &self.started)
            .finish()
    }
}

impl<T> Drop for Job<T> {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_answers_and_a_cancel_reaches_its_budget() {
        let j = Job::spawn("sum", |_| 2 + 2);
        let t0 = Instant::now();
        let v = loop {
            if let Some(v) = j.poll() {
                break v;
            }
            assert!(t0.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(1));
        };
        assert_eq!(v, Some(4));
        // A computation that runs until its budget says stop: cancelled, it ends at once.
        let j = Job::spawn("spin", |b: Budget| {
            while b.check().is_ok() {
                std::thread::sleep(Duration::from_millis(1));
            }
            b.check().unwrap_err().to_string()
        });
        assert!(j.poll().is_none());
        j.cancel();
        let t0 = Instant::now();
        let v = loop {
            if let Some(v) = j.poll() {
                break v;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(2),
                "the cancel was not seen"
            );
            std::thread::sleep(Duration::from_millis(1));
        };
        assert_eq!(v.as_deref(), Some("cancelled"));
    }
}
