//! The loop's cadence: how often it polls its command sources (adaptively, about every
//! [`POLL_EVERY`] whatever a step costs), pushes rows to readers, refreshes the summary, and —
//! for a paced run — how long it sleeps to keep at most `pace` iterations a second.

use std::time::{Duration, Instant};

/// How long a poll of the control sources may lag behind a command.
pub const POLL_EVERY: Duration = Duration::from_millis(10);
/// How often buffered metrics rows are pushed to `metrics.csv` (without fsync), so a
/// dashboard watching the file sees them within this delay whatever the logging rate.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// How often `summary.json` is refreshed while running.
pub const SUMMARY_EVERY: Duration = Duration::from_secs(1);
/// The most iterations between two polls.
const MAX_STRIDE: u64 = 1 << 16;

/// What is due after a poll.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Chores {
    /// Push the buffered rows to the file.
    pub flush: bool,
    /// Rewrite the summary.
    pub summary: bool,
}

/// The clocks of one run's loop.
#[derive(Debug)]
pub struct Cadence {
    stride: u64,
    since: u64,
    last_poll: Instant,
    last_flush: Instant,
    last_summary: Instant,
    pace: Option<f64>,
    paced: u64,
    pace_clock: Instant,
}

impl Cadence {
    /// The cadence of a loop starting at `now`, at most `pace` iterations a second when given.
    pub fn new(pace: Option<f64>, now: Instant) -> Self {
        Cadence {
            stride: 1,
            since: 0,
            last_poll: now,
            last_flush: now,
            last_summary: now,
            pace,
            paced: 0,
            pace_clock: now,
        }
    }

    /// Counts one turn of the loop; true when the command sources are due a poll (every turn
    /// while paused).
    pub fn tick(&mut self, paused: bool) -> bool {
        self.since += 1;
        self.since >= self.stride || paused
    }

    /// After a poll at `now`: sets the next stride and says which chores are due.
    pub fn polled(&mut self, now: Instant) -> Chores {
        let elapsed = (now - self.last_poll).as_secs_f64();
        // Aim for one poll per POLL_EVERY whatever the step cost; the stride at most doubles
        // per poll, so one fast stretch cannot make the run deaf for long.
        let target = (self.since as f64 * POLL_EVERY.as_secs_f64() / elapsed.max(1e-9)) as u64;
        self.stride = target
            .min(self.stride.saturating_mul(2))
            .clamp(1, MAX_STRIDE);
        self.since = 0;
        self.last_poll = now;
        let mut chores = Chores::default();
        // Readers (the dashboard) see rows within FLUSH_EVERY; durability comes from the
        // synced flush before each checkpoint.
        if now - self.last_flush >= FLUSH_EVERY {
            chores.flush = true;
            self.last_flush = now;
        }
        if now - self.last_summary >= SUMMARY_EVERY {
            chores.summary = true;
            self.last_summary = now;
        }
        chores
    }

    /// While paused: waits one poll interval; pacing starts afresh when stepping resumes.
    pub fn idle(&mut self) {
        std::thread::sleep(POLL_EVERY);
        self.paced = 0;
        self.pace_clock = Instant::now();
    }

    /// After a step at `now`: how long to sleep to keep the pace (None: not ahead of it).
    pub fn pace_delay(&mut self, now: Instant) -> Option<Duration> {
        let pace = self.pace?;
        self.paced += 1;
        let ahead = self.paced as f64 / pace - (now - self.pace_clock).as_secs_f64();
        (ahead > 1e-3).then(|| Duration::from_secs_f64(ahead))
    }

    /// After a step: sleeps as long as the pace asks.
    pub fn pace(&mut self) {
        if let Some(d) = self.pace_delay(Instant::now()) {
            std::thread::sleep(d);
        }
    }

    /// Iterations between two polls, as it stands.
    pub fn stride(&self) -> u64 {
        self.stride
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Turns the loop `n` times, then polls at `at`.
    fn run(c: &mut Cadence, n: u64, at: Instant) -> Chores {
        let due = (0..n).map(|_| c.tick(false)).last().unwrap();
        assert!(due, "a poll is due after a stride");
        c.polled(at)
    }

    #[test]
    fn the_stride_follows_the_step_cost_doubling_at_most() {
        let t0 = Instant::now();
        let mut c = Cadence::new(None, t0);
        assert!(c.tick(false), "the first turn polls");
        // Fast steps (0.1 µs): the stride doubles per poll, up to its cap.
        c.polled(t0 + Duration::from_nanos(100));
        assert_eq!(c.stride(), 2);
        let mut at = t0;
        for _ in 0..30 {
            let n = c.stride();
            at += Duration::from_nanos(100 * n);
            run(&mut c, n, at);
        }
        assert_eq!(c.stride(), MAX_STRIDE);
        assert!(!c.tick(false) && c.tick(true), "paused: every turn polls");
        // Slow steps (5 ms each): back to about two steps per POLL_EVERY at once.
        c.polled(at);
        let n = c.stride();
        run(&mut c, n, at + ms(5 * n));
        assert_eq!(c.stride(), 2);
    }

    #[test]
    fn rows_are_pushed_every_flush_interval_and_the_summary_every_second() {
        let t0 = Instant::now();
        let mut c = Cadence::new(None, t0);
        assert_eq!(run(&mut c, 1, t0 + ms(50)), Chores::default());
        let n = c.stride();
        let due = run(&mut c, n, t0 + ms(100));
        assert!(due.flush && !due.summary);
        let n = c.stride();
        assert!(!run(&mut c, n, t0 + ms(150)).flush);
        let n = c.stride();
        assert_eq!(
            run(&mut c, n, t0 + ms(1000)),
            Chores {
                flush: true,
                summary: true
            }
        );
    }

    #[test]
    fn a_paced_run_sleeps_off_what_it_is_ahead() {
        let t0 = Instant::now();
        let mut c = Cadence::new(Some(100.0), t0);
        // Step 1 done at once: 10 ms ahead of 100 iterations per second.
        let d = c.pace_delay(t0).unwrap();
        assert!((d.as_secs_f64() - 0.01).abs() < 1e-9);
        // Step 2 done 30 ms in: behind, no sleep.
        assert_eq!(c.pace_delay(t0 + ms(30)), None);
        let mut free = Cadence::new(None, t0);
        assert_eq!(free.pace_delay(t0), None);
    }
}
