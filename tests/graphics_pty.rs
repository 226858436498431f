//! The samples pane's image protocols end to end: the real dashboard in a pseudo-terminal
//! whose other end plays the terminal — it answers the start-up query as a sixel terminal,
//! as kitty, or not at all — and reads what the dashboard draws. (tmux cannot show these: it
//! never passes the query through; `dashboard_e2e` covers its half-block fallback.)

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The query every terminal gets: a kitty probe then Primary Device Attributes.
const QUERY_END: &[u8] = b"\x1b[c";

struct Pty {
    master: File,
    child: Child,
    seen: Vec<u8>,
    /// Cursor-position requests answered so far.
    answered: usize,
}

impl Pty {
    /// `saddle attach` on `runs` in a 160×48 terminal of 8×16-pixel cells.
    fn attach(runs: &std::path::Path, cwd: &std::path::Path) -> Pty {
        Self::attach_with(runs, cwd, &[])
    }

    /// [`Pty::attach`] with more arguments.
    fn attach_with(runs: &std::path::Path, cwd: &std::path::Path, more: &[&str]) -> Pty {
        let (mut m, mut s) = (0, 0);
        let size = libc::winsize {
            ws_row: 48,
            ws_col: 160,
            ws_xpixel: 1280,
            ws_ypixel: 768,
        };
        // SAFETY: openpty fills two descriptors; the size is read only.
        let rc = unsafe {
            libc::openpty(
                &mut m,
                &mut s,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty");
        // SAFETY: fresh descriptors owned by nothing else.
        let (master, slave) = unsafe { (File::from_raw_fd(m), File::from_raw_fd(s)) };
        let mut cmd = Command::new(common::bin());
        cmd.current_dir(cwd)
            .args(["attach", "--runs-dir"])
            .arg(runs)
            .args(more)
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .env_remove("STY")
            .env_remove("TERM_PROGRAM")
            .env_remove("LC_TERMINAL")
            .env_remove("SADDLE_GRAPHICS")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY, 0);
                Ok(())
            });
        }
        let child = cmd.spawn().expect("saddle starts");
        Pty {
            master,
            child,
            seen: vec![],
            answered: 0,
        }
    }

    /// Reads until `pred` holds of everything read so far; false after `secs`. Answers
    /// cursor-position requests as it goes.
    fn read_until(&mut self, secs: f64, pred: impl Fn(&[u8]) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs_f64(secs);
        let mut buf = [0u8; 65536];
        while !pred(&self.seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            let mut pfd = libc::pollfd {
                fd: self.master.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            if unsafe { libc::poll(&mut pfd, 1, left.as_millis() as i32) } <= 0 {
                continue;
            }
            match self.master.read(&mut buf) {
                Ok(n) if n > 0 => {
                    self.seen.extend_from_slice(&buf[..n]);
                    // A terminal answers "where is the cursor?" (ratatui asks at start).
                    let asked = count(&self.seen, b"\x1b[6n");
                    for _ in self.answered..asked {
                        self.send(b"\x1b[1;1R");
                    }
                    self.answered = asked;
                }
                _ => return pred(&self.seen),
            }
        }
        true
    }

    fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
    }

    /// Quits (q, then d: leave the finished runs) and waits for the process.
    fn quit(mut self) {
        // Keep reading, as a terminal does: a full pty would stop the dashboard mid-frame.
        self.send(b"q");
        self.read_until(0.2, |_| false);
        self.send(b"d");
        let t0 = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            if t0.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                self.read_until(0.5, |_| false);
                let tail = &self.seen[self.seen.len().saturating_sub(3000)..];
                panic!(
                    "the dashboard did not quit; it wrote last:\n{}",
                    String::from_utf8_lossy(tail)
                );
            }
            self.read_until(0.05, |_| false);
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

#[test]
fn a_sixel_terminal_gets_the_grid_in_sixels_once() {
    let t = common::tmp();
    let runs = common::image_gan_runs(t.path());
    let mut pty = Pty::attach(&runs, t.path());
    assert!(pty.read_until(20.0, |s| contains(s, QUERY_END)), "no query");
    pty.send(b"\x1b[?62;4;22c");
    // The grid of step 20 (16 images of 32×32 with borders), drawn once as sixels.
    assert!(
        pty.read_until(20.0, |s| contains(s, b"\x1bP0;1;0q\"1;1;")),
        "no sixel image: {}",
        String::from_utf8_lossy(&pty.seen)
    );
    std::thread::sleep(Duration::from_millis(1500));
    pty.read_until(0.5, |_| false);
    assert_eq!(
        count(&pty.seen, b"\x1bP0;1;0q"),
        1,
        "redrawn while nothing changed"
    );
    // `g`: half blocks; `g` again: the image again.
    pty.send(b"g");
    assert!(pty.read_until(5.0, |s| contains(s, "▀".as_bytes())));
    pty.send(b"g");
    assert!(pty.read_until(5.0, |s| count(s, b"\x1bP0;1;0q") == 2));
    pty.quit();
}

#[test]
fn a_kitty_terminal_gets_the_png_and_a_delete_when_it_goes() {
    let t = common::tmp();
    let runs = common::image_gan_runs(t.path());
    let mut pty = Pty::attach(&runs, t.path());
    assert!(pty.read_until(20.0, |s| contains(s, QUERY_END)), "no query");
    pty.send(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;22c");
    assert!(
        pty.read_until(20.0, |s| contains(s, b"\x1b_Ga=T,f=100,t=d,i=7373")),
        "no kitty image"
    );
    // A popup (help) takes the image away: deleted, not left over the popup.
    pty.send(b"?");
    assert!(pty.read_until(5.0, |s| contains(s, b"\x1b_Ga=d,d=I,i=7373")));
    pty.send(b"\x1b");
    assert!(pty.read_until(5.0, |s| count(s, b"\x1b_Ga=T,f=100") == 2));
    pty.quit();
}

#[test]
fn a_terminal_that_does_not_answer_gets_half_blocks_after_the_timeout() {
    let t = common::tmp();
    let runs = common::image_gan_runs(t.path());
    let mut pty = Pty::attach(&runs, t.path());
    assert!(pty.read_until(20.0, |s| contains(s, QUERY_END)), "no query");
    let asked = Instant::now();
    assert!(
        pty.read_until(20.0, |s| contains(s, "▀".as_bytes())),
        "no half blocks"
    );
    let waited = asked.elapsed();
    assert!(
        waited >= Duration::from_millis(350),
        "drew before the timeout: {waited:?}"
    );
    assert!(!contains(&pty.seen, b"\x1bP0;1;0q") && !contains(&pty.seen, b"a=T,f=100"));
    pty.quit();
}

/// `--mouse`: a click on the curves chart (an SGR mouse report, as xterm sends it) turns the
/// value cursor on at that column; its readout appears under the chart.
#[test]
fn a_mouse_click_on_the_curves_chart_places_the_value_cursor() {
    let t = common::tmp();
    let runs = common::image_gan_runs(t.path());
    let mut pty = Pty::attach_with(&runs, t.path(), &["--mouse"]);
    assert!(pty.read_until(20.0, |s| contains(s, QUERY_END)), "no query");
    // Mouse reporting on (SGR), then the first frame (half blocks after the query times out).
    assert!(pty.read_until(20.0, |s| contains(s, b"\x1b[?1006h")));
    assert!(pty.read_until(20.0, |s| contains(s, "▀".as_bytes())));
    assert!(!contains(&pty.seen, b"cursor step"));
    // Left button pressed and released at column 40, row 20 (1-based): inside the curves
    // chart of the 160×48 layout, below the runs table.
    pty.send(b"\x1b[<0;40;20M\x1b[<0;40;20m");
    assert!(
        pty.read_until(10.0, |s| contains(s, b"cursor step")),
        "no cursor readout after the click: {}",
        String::from_utf8_lossy(&pty.seen[pty.seen.len().saturating_sub(4000)..])
    );
    pty.quit();
}
