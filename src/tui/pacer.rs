//! The frame pacer: when the dashboard reads its runs and when it draws.

use std::time::{Duration, Instant};

/// Resizes arrive in bursts while a window is dragged: draw once it settles.
const RESIZE_SETTLE: Duration = Duration::from_millis(80);
/// How often the run directories are read.
pub const POLL_EVERY: Duration = Duration::from_millis(100);

/// When to read the runs and when to draw: reads every [`POLL_EVERY`], draws only when
/// something changed, at most once per frame budget, and not while a resize is settling.
#[derive(Debug)]
pub struct Pacer {
    budget: Duration,
    /// Something changed since the last frame.
    pub dirty: bool,
    last_draw: Option<Instant>,
    last_poll: Option<Instant>,
    resized: Option<Instant>,
}

impl Pacer {
    /// A pacer for at most `fps` frames per second.
    pub fn new(fps: f64) -> Self {
        Pacer {
            budget: Duration::from_secs_f64(1.0 / fps.clamp(0.2, 60.0)),
            dirty: true,
            last_draw: None,
            last_poll: None,
            resized: None,
        }
    }

    /// How long to wait for input before the next poll or frame is due.
    pub fn wait(&self, now: Instant) -> Duration {
        let next_poll = self
            .last_poll
            .map_or(Duration::ZERO, |t| POLL_EVERY.saturating_sub(now - t));
        let next_draw = if self.dirty {
            self.last_draw
                .map_or(Duration::ZERO, |t| self.budget.saturating_sub(now - t))
        } else {
            POLL_EVERY
        };
        next_poll.min(next_draw).min(POLL_EVERY)
    }

    /// True (and the poll counted) when the runs should be read now.
    pub fn poll_due(&mut self, now: Instant) -> bool {
        if self.last_poll.is_none_or(|t| now - t >= POLL_EVERY) {
            self.last_poll = Some(now);
            return true;
        }
        false
    }

    /// A resize happened.
    pub fn resized(&mut self, now: Instant) {
        self.resized = Some(now);
        self.dirty = true;
    }

    /// Some(resize pending) when a frame should be drawn now; the frame is then counted.
    pub fn draw_due(&mut self, now: Instant) -> Option<bool> {
        let settled = self.resized.is_none_or(|t| now - t >= RESIZE_SETTLE);
        if self.dirty && settled && self.last_draw.is_none_or(|t| now - t >= self.budget) {
            self.last_draw = Some(now);
            self.dirty = false;
            return Some(self.resized.take().is_some());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_only_when_dirty_within_budget_and_after_resizes_settle() {
        let ms = Duration::from_millis;
        let mut p = Pacer::new(10.0);
        let t0 = Instant::now();
        assert_eq!(p.draw_due(t0), Some(false), "the first frame");
        assert_eq!(p.draw_due(t0 + ms(300)), None, "nothing changed");
        p.dirty = true;
        assert_eq!(p.draw_due(t0 + ms(50)), None, "within the 100 ms budget");
        assert_eq!(p.draw_due(t0 + ms(100)), Some(false));
        p.resized(t0 + ms(150));
        assert_eq!(p.draw_due(t0 + ms(200)), None, "resize still settling");
        assert_eq!(p.draw_due(t0 + ms(240)), Some(true));
        assert!(p.poll_due(t0) && !p.poll_due(t0 + ms(50)) && p.poll_due(t0 + ms(100)));
    }
}
