//! Where headless runs report to: stderr, shared by the runs of one process. On a terminal each
//! run has a progress bar, redrawn in place below the lines printed so far; piped (a log file,
//! a batch job) there are no bars, only lines.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

/// Stderr shared by the runs of one process: lines, and on a terminal one bar per run.
pub struct Console {
    tty: bool,
    /// (run label, its bar), in the order the runs first reported.
    bars: Vec<(String, String)>,
    /// Bar lines on the screen below the last line printed.
    drawn: usize,
}

/// A console shared between threads.
pub type Shared = Arc<Mutex<Console>>;

impl Console {
    /// Stderr: bars when it is a terminal (and `TERM` is not `dumb`), lines only otherwise.
    pub fn stderr() -> Shared {
        let tty =
            std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb");
        Arc::new(Mutex::new(Console {
            tty,
            bars: vec![],
            drawn: 0,
        }))
    }

    /// True when bars are drawn.
    pub fn is_tty(&self) -> bool {
        self.tty
    }

    /// Prints a line above the bars.
    pub fn line(&mut self, text: &str) {
        let mut e = std::io::stderr().lock();
        self.clear(&mut e);
        let _ = writeln!(e, "{}", printable(text));
        self.draw(&mut e);
    }

    /// Sets run `label`'s bar (None removes it); nothing is drawn when piped.
    pub fn bar(&mut self, label: &str, text: Option<String>) {
        match (self.bars.iter().position(|(l, _)| l == label), text) {
            (Some(i), Some(t)) => self.bars[i].1 = t,
            (Some(i), None) => {
                self.bars.remove(i);
            }
            (None, Some(t)) => self.bars.push((label.to_string(), t)),
            (None, None) => {}
        }
        if self.tty {
            let mut e = std::io::stderr().lock();
            self.clear(&mut e);
            self.draw(&mut e);
        }
    }

    fn clear(&mut self, e: &mut impl Write) {
        if self.drawn > 0 {
            // To the first bar's line, and erase from there down.
            let _ = write!(e, "\x1b[{}F\x1b[J", self.drawn);
            self.drawn = 0;
        }
    }

    fn draw(&mut self, e: &mut impl Write) {
        if !self.tty {
            return;
        }
        // One screen line each (a wrapped bar would break the count of lines to go back).
        let width = crossterm_width().saturating_sub(1).max(10);
        for (_, b) in &self.bars {
            let shown: String = printable(b).chars().take(width).collect();
            let _ = writeln!(e, "{shown}");
        }
        self.drawn = self.bars.len();
        let _ = e.flush();
    }
}

/// `text` safe to print on a terminal: control characters (ESC, BEL, CR … — a run name from a
/// preset could move the cursor, retitle the window or clear the screen) and the bidirectional
/// overrides and isolates (which reorder what follows them) each become `�`; newlines and tabs
/// stay.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if text.chars().any(bad) {
        text.chars()
            .map(|c| if bad(c) { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

fn crossterm_width() -> usize {
    ratatui::crossterm::terminal::size().map_or(80, |(w, _)| w as usize)
}

/// `x` with three significant digits (scientific outside [10⁻³, 10⁶)).
pub fn sig3(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{x:.2e}");
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    format!("{x:.decimals$}")
}

/// A duration in seconds as `42 s`, `3 min 05 s` or `2 h 07 min`.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "?".into();
    }
    let s = secs.round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

/// A short duration for a message, in s, ms or µs with at least two significant figures
/// (`16 ms`, `4.2 ms`, `124 s`): estimates and budgets of analyses, where [`duration`]'s whole
/// seconds read a cell's 16 ms as "0 s".
pub fn short_duration(seconds: f64) -> String {
    let (v, unit) = if seconds >= 1.0 {
        (seconds, "s")
    } else if seconds >= 1e-3 {
        (seconds * 1e3, "ms")
    } else {
        (seconds * 1e6, "µs")
    };
    let places = if v >= 10.0 { 0 } else { 1 };
    format!("{v:.places$} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_drive_the_terminal() {
        assert_eq!(printable("sim β=-0.5\tok\n"), "sim β=-0.5\tok\n");
        assert_eq!(
            printable("red\u{1b}[31mX\u{7}\u{202E}cba\u{202C}\r"),
            "red\u{FFFD}[31mX\u{FFFD}\u{FFFD}cba\u{FFFD}\u{FFFD}"
        );
    }

    #[test]
    fn numbers_and_durations_read_at_a_glance() {
        let cases = [
            (1234.567, "1235"),
            (523.4, "523"),
            (12.345, "12.3"),
            (0.4567, "0.457"),
            (0.001234, "0.00123"),
            (1.2e-7, "1.20e-7"),
            (3.0e9, "3.00e9"),
            (-0.25, "-0.250"),
            (0.0, "0"),
        ];
        for (x, want) in cases {
            assert_eq!(sig3(x), want, "{x}");
        }
        assert_eq!(duration(4.4), "4 s");
        assert_eq!(duration(185.0), "3 min 05 s");
        assert_eq!(duration(7620.0), "2 h 07 min");
        assert_eq!(duration(f64::INFINITY), "?");
    }
}
