//! The terminal: raw mode and the alternate screen on the way in, everything undone on the
//! way out — also on panic (a hook) and on SIGTERM/SIGHUP/SIGINT (flags the loop checks) —
//! and for a job-control stop (Ctrl-Z, SIGTSTP), taken again on `fg`.
//! Frames are wrapped in DEC 2026 synchronized output, written through the backend's own
//! writer so the brackets and the frame share one stream; terminals without 2026 ignore them.
//! A counting writer measures the bytes sent (what an SSH link carries).

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::crossterm::{cursor, execute, queue, terminal};
use ratatui::{Frame, Terminal};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Counts the bytes written through it.
#[derive(Debug)]
pub struct CountingWriter<W> {
    inner: W,
    bytes: Arc<AtomicU64>,
}

impl<W> CountingWriter<W> {
    /// Wraps `inner`; the count starts at 0.
    pub fn new(inner: W) -> Self {
        CountingWriter {
            inner,
            bytes: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A handle on the count.
    pub fn counter(&self) -> Arc<AtomicU64> {
        self.bytes.clone()
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Mouse reporting without any-motion tracking (?1003): clicks, drags and the wheel only, so a
/// moving pointer sends nothing upstream.
const MOUSE_ON: &str = "\x1b[?1000h\x1b[?1002h\x1b[?1006h";
const MOUSE_OFF: &str = "\x1b[?1006l\x1b[?1002l\x1b[?1000l";

static MOUSE: AtomicBool = AtomicBool::new(false);

/// Enters raw mode and the alternate screen, hides the cursor, and turns mouse reporting on
/// when asked.
pub fn enter(mouse: bool) -> io::Result<()> {
    terminal::enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(out, terminal::EnterAlternateScreen, cursor::Hide)?;
    if mouse {
        out.write_all(MOUSE_ON.as_bytes())?;
        out.flush()?;
        MOUSE.store(true, Ordering::Relaxed);
    }
    Ok(())
}

/// Undoes [`enter`]; safe to call more than once and when the terminal is gone (errors are
/// ignored: there is nobody to show them to).
pub fn restore() {
    let mut out = io::stdout();
    if MOUSE.swap(false, Ordering::Relaxed) {
        let _ = out.write_all(MOUSE_OFF.as_bytes());
    }
    let _ = execute!(
        out,
        EndSynchronizedUpdate,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
}

/// Installs a panic hook that restores the terminal, writes the panic to `log`, then runs
/// the previous hook (so the message lands on a usable screen).
pub fn install_panic_hook(log: super::log::Log) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        log.line(&format!("panic: {info}"));
        previous(info);
    }));
}

/// Set by SIGTERM, SIGHUP or SIGINT: the dashboard then restores the terminal and exits,
/// leaving the runs running (their worker is in its own session).
pub fn signal_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        let _ = signal_hook::flag::register(sig, flag.clone());
    }
    // When the terminal is gone (SSH dropped, tmux session killed) crossterm's reader can spin
    // on end-of-file inside `event::read` and never give the loop a chance to see the flag:
    // a watchdog leaves on its behalf shortly after the signal. The runs live in their own
    // worker process, so nothing is lost.
    let watched = flag.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        if watched.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(700));
            restore();
            std::process::exit(0);
        }
    });
    flag
}

/// Job control: set by SIGTSTP (Ctrl-Z from the shell's point of view, `kill -TSTP`) and by
/// SIGCONT. Raw mode turns Ctrl-Z into a key, and a stop taken with the terminal raw leaves
/// the shell drawing over the alternate screen and the dashboard, once continued, reading a
/// cooked terminal: so the stop is taken by [`JobControl::suspend`], and a continue after a
/// stop saddle did not take (SIGSTOP) re-enters the terminal.
#[derive(Clone, Debug)]
pub struct JobControl {
    /// SIGTSTP arrived.
    pub stop: Arc<AtomicBool>,
    /// SIGCONT arrived.
    pub cont: Arc<AtomicBool>,
}

impl JobControl {
    /// Catches SIGTSTP and SIGCONT from now on.
    pub fn install() -> Self {
        let (stop, cont) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let _ = signal_hook::flag::register(signal_hook::consts::SIGTSTP, stop.clone());
        let _ = signal_hook::flag::register(signal_hook::consts::SIGCONT, cont.clone());
        JobControl { stop, cont }
    }

    /// What the loop must do now: `Some(true)` stop (a SIGTSTP), `Some(false)` take the
    /// terminal back (continued after a stop it did not take), None nothing.
    pub fn pending(&self) -> Option<bool> {
        if self.stop.swap(false, Ordering::Relaxed) {
            self.cont.store(false, Ordering::Relaxed);
            return Some(true);
        }
        self.cont.swap(false, Ordering::Relaxed).then_some(false)
    }

    /// Gives the terminal back to the shell, stops the process until it is continued (`fg`),
    /// then takes the terminal again; the caller repaints everything. False, doing nothing,
    /// where no job-control shell could continue it (see [`JobControl::can_stop`]).
    pub fn suspend(&self, mouse: bool) -> io::Result<bool> {
        if !Self::can_stop() {
            return Ok(false);
        }
        restore();
        // The default action of SIGTSTP, which the handler replaced: a stop (SIGSTOP cannot
        // be caught).
        let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGTSTP);
        self.cont.store(false, Ordering::Relaxed);
        enter(mouse)?;
        Ok(true)
    }

    /// True when a shell with job control can continue a stopped dashboard: its parent is in
    /// the same session but another process group (the shell that made it a job). Otherwise
    /// (`ssh -t host saddle`, `setsid`, a parent that left) the process group is orphaned,
    /// where the kernel drops terminal stops, and a stop would leave no one to `fg` it.
    pub fn can_stop() -> bool {
        // SAFETY: these calls only read the process's ids.
        unsafe {
            let parent = libc::getppid();
            libc::getsid(parent) == libc::getsid(0) && libc::getpgid(parent) != libc::getpgrp()
        }
    }

    /// Takes the terminal again after a stop from outside (raw mode as crossterm last set it
    /// may have been undone by the shell, so it is left and entered afresh).
    pub fn retake(&self, mouse: bool) -> io::Result<()> {
        restore();
        enter(mouse)
    }
}

/// Draws one frame inside a synchronized-output bracket.
pub fn draw_synchronized<W: Write>(
    term: &mut Terminal<CrosstermBackend<W>>,
    render: impl FnOnce(&mut Frame),
) -> io::Result<()> {
    queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
    term.draw(render)?;
    queue!(term.backend_mut(), EndSynchronizedUpdate)?;
    term.backend_mut().flush()
}
