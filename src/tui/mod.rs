//! The terminal dashboard: watches and steers runs that train in another process.
//!
//! Training never happens here. The dashboard reads the run directories (incrementally,
//! [`feed`]), draws at most `fps` frames a second and only when something changed ([`pacer`]),
//! and steers runs through their `control.jsonl` ([`control`]); a run validates every change
//! and answers with an event, refusals included, which the dashboard shows.
//!
//! Layout of the module: [`dashboard`] (the dashboard without its terminal), [`app`] (state
//! and keys, pure), [`keymap`], [`layout`], the panes ([`panes`], one file each), the views
//! and popups around them ([`runs_table`], [`compare`], [`help`], [`editor`], [`quit`],
//! [`picker`], [`stability`], [`overview`], [`filter`]), the data ([`model`], [`series`], [`feed`], [`sample_files`]),
//! and the terminal ([`terminal`], [`pacer`], [`log`]).

pub mod app;
pub mod compare;
pub mod control;
pub mod cursor;
pub mod dashboard;
pub mod editor;
pub mod feed;
pub mod filter;
pub mod graphics;
pub mod help;
pub mod job;
pub mod keymap;
pub mod kinds;
pub mod layout;
pub mod log;
pub mod model;
pub mod overview;
pub mod pacer;
pub mod panes;
pub mod picker;
pub mod plane_view;
pub mod plot;
pub mod popup;
pub mod quit;
pub mod runs_table;
pub mod sample_files;
pub mod series;
pub mod stability;
pub mod sweep_view;
pub mod terminal;
pub mod theme;

#[cfg(test)]
mod network_tests;
#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;

pub use dashboard::{Dashboard, ForkRun, StartPreset};
pub use pacer::Pacer;

use log::Log;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, Event, KeyCode, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use terminal::CountingWriter;
use theme::Theme;

use crate::run::store::RunDir;

/// Dashboard options.
pub struct Options {
    /// Frames per second at most (default 10).
    pub fps: f64,
    /// Colors and symbols.
    pub theme: Theme,
    /// Mouse reporting (the wheel selects runs, a click on a chart places the value cursor); off
    /// by default so the terminal's own text selection keeps working.
    pub mouse: bool,
    /// What `n` offers: (preset, description).
    pub presets: Vec<(String, String)>,
    /// How `n` starts one.
    pub start_preset: Option<StartPreset>,
    /// How to fork a run (None: the `f` key says it is unavailable).
    pub fork_run: Option<ForkRun>,
    /// Where the log file goes.
    pub log_dir: PathBuf,
    /// The image protocol `SADDLE_GRAPHICS` forces (None: found from the terminal).
    pub graphics: Option<graphics::Protocol>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            fps: 10.0,
            theme: Theme::default(),
            mouse: false,
            presets: vec![],
            start_preset: None,
            fork_run: None,
            log_dir: PathBuf::from("logs"),
            graphics: None,
        }
    }
}

/// Why the dashboard ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Quit, runs left running.
    Detached,
    /// Quit after stopping the live runs.
    Stopped,
    /// SIGTERM, SIGHUP or SIGINT.
    Signal,
}

/// Opens the dashboard on `dirs` in this terminal until the user quits or a signal arrives.
/// Returns why it ended and the runs it held then (with the forks and presets started from
/// it, which the caller names when they are left running).
pub fn run(dirs: Vec<RunDir>, runs_dir: &Path, opts: Options) -> io::Result<(Exit, Vec<RunDir>)> {
    let log = Log::open(&opts.log_dir);
    let mut dash = Dashboard::new(dirs, runs_dir, opts.theme, log.clone());
    let exit = run_dashboard(&mut dash, log, opts)?;
    let held = dash.app.runs.iter().filter_map(|r| r.dir.clone()).collect();
    Ok((exit, held))
}

/// Opens the sweep view on `sweep` in this terminal until the user quits or a signal
/// arrives; an unreadable sweep is an error before the terminal is touched.
pub fn run_sweep(
    sweep: crate::sweep::SweepDir,
    runs_dir: &Path,
    opts: Options,
) -> crate::error::Result<io::Result<Exit>> {
    let log = Log::open(&opts.log_dir);
    let mut dash = Dashboard::for_sweep(sweep, runs_dir, opts.theme, log.clone())?;
    Ok(run_dashboard(&mut dash, log, opts))
}

fn run_dashboard(dash: &mut Dashboard, log: Log, mut opts: Options) -> io::Result<Exit> {
    dash.app.presets = std::mem::take(&mut opts.presets);
    dash.start_preset = opts.start_preset.take();
    dash.fork_run = opts.fork_run.take();
    let signals = terminal::signal_flag();
    let jobs = terminal::JobControl::install();
    terminal::install_panic_hook(log.clone());
    terminal::enter(opts.mouse)?;
    dash.app.graphics = detect_graphics(opts.graphics);
    dash.log.line(&format!(
        "images: {} ({})",
        dash.app.graphics.protocol.name(),
        dash.app.graphics.why
    ));
    let writer = CountingWriter::new(io::stdout());
    let bytes = writer.counter();
    let result = (|| -> io::Result<Exit> {
        let mut term = Terminal::new(CrosstermBackend::new(writer))?;
        term.clear()?;
        event_loop(dash, &mut term, &opts, (&signals, &jobs), &bytes)
    })();
    terminal::restore();
    match &result {
        Ok(exit) => log.line(&format!(
            "exit {exit:?}; {} bytes written",
            bytes.load(Ordering::Relaxed)
        )),
        Err(e) => log.line(&format!("error: {e}")),
    }
    result
}

/// The samples pane's image mode for this terminal (in raw mode already, so the answer to the
/// query is read, not echoed): [`graphics::detect::choose`], with the cell size in pixels.
fn detect_graphics(forced: Option<graphics::Protocol>) -> graphics::Graphics {
    use std::os::fd::AsRawFd;
    let env = |k: &str| std::env::var(k).ok();
    let (protocol, why) = graphics::detect::choose(forced, env, || {
        graphics::detect::query(
            io::stdin().as_raw_fd(),
            &mut io::stdout(),
            graphics::detect::QUERY_TIMEOUT,
        )
    });
    let cell = ratatui::crossterm::terminal::window_size()
        .ok()
        .filter(|w| w.columns > 0 && w.rows > 0)
        .map_or((0, 0), |w| (w.width / w.columns, w.height / w.rows));
    graphics::Graphics::new(protocol, why, cell)
}

/// Watches the runs without input, drawing as the dashboard would, until `done` says so;
/// returns the frames drawn. What the benchmark measures.
pub fn watch<W: Write>(
    dash: &mut Dashboard,
    term: &mut Terminal<CrosstermBackend<W>>,
    fps: f64,
    mut done: impl FnMut(&Dashboard) -> bool,
) -> io::Result<u64> {
    let mut pacer = Pacer::new(fps);
    let mut frames = 0;
    while !done(dash) {
        let now = Instant::now();
        std::thread::sleep(pacer.wait(now));
        let now = Instant::now();
        if pacer.poll_due(now) {
            pacer.dirty |= dash.poll(now);
        }
        if pacer.draw_due(now).is_some() {
            terminal::draw_synchronized(term, |f| dash.draw(f.area(), f.buffer_mut()))?;
            frames += 1;
        }
    }
    Ok(frames)
}

fn event_loop<W: Write>(
    dash: &mut Dashboard,
    term: &mut Terminal<CrosstermBackend<W>>,
    opts: &Options,
    (signals, jobs): (&std::sync::atomic::AtomicBool, &terminal::JobControl),
    bytes: &std::sync::atomic::AtomicU64,
) -> io::Result<Exit> {
    let mut pacer = Pacer::new(opts.fps);
    let mut painter = graphics::painter::Painter::default();
    let mut cleared = false;
    let (mut frames, mut stats_at, mut stats_bytes) = (0u64, Instant::now(), 0u64);
    loop {
        if signals.load(Ordering::Relaxed) {
            dash.log.line("signal: leaving the runs running");
            return Ok(Exit::Signal);
        }
        let ctrl_z = |k: &event::KeyEvent| {
            k.code == KeyCode::Char('z') && k.modifiers.contains(KeyModifiers::CONTROL)
        };
        let mut stop = jobs.pending();
        if stop.is_none() && event::poll(pacer.wait(Instant::now()))? {
            match event::read()? {
                Event::Key(k) if k.kind == KeyEventKind::Press && ctrl_z(&k) => stop = Some(true),
                Event::Key(k) if k.kind == KeyEventKind::Press => {
                    let (exit, repaint) = dash.on_key(k);
                    if let Some(stop_runs) = exit {
                        if !stop_runs {
                            return Ok(Exit::Detached);
                        }
                        let n = dash.app.live_runs();
                        dash.app.popup = None;
                        dash.app.say(format!("stopping {n} run(s)…"), false);
                        terminal::draw_synchronized(term, |f| {
                            layout::draw(&dash.app, f.area(), f.buffer_mut())
                        })?;
                        let silent = dash.stop_all();
                        if silent > 0 {
                            dash.log
                                .line(&format!("{silent} run(s) did not answer the stop"));
                        }
                        return Ok(Exit::Stopped);
                    }
                    if repaint {
                        term.clear()?;
                        cleared = true;
                    }
                    pacer.dirty = true;
                }
                Event::Mouse(m) => {
                    // A click or drag on a chart places the value cursor there.
                    let clicked = matches!(
                        m.kind,
                        MouseEventKind::Down(MouseButton::Left)
                            | MouseEventKind::Drag(MouseButton::Left)
                    ) && !dash.in_sweep_view()
                        && dash.app.click(m.column, m.row);
                    pacer.dirty |= clicked;
                    let action = match m.kind {
                        MouseEventKind::ScrollUp => Some(keymap::Action::Up),
                        MouseEventKind::ScrollDown => Some(keymap::Action::Down),
                        _ => None,
                    };
                    if let (Some(a), false) = (action, dash.in_sweep_view()) {
                        dash.app.on_action(a);
                        pacer.dirty = true;
                    }
                }
                Event::Resize(..) => pacer.resized(Instant::now()),
                _ => {}
            }
        }
        if let Some(by_us) = stop {
            if by_us {
                if jobs.suspend(opts.mouse)? {
                    dash.log.line("stopped (job control), then continued");
                } else {
                    dash.app.say(
                        "ctrl-z: no job-control shell to return to (saddle leads its session or its group is orphaned)",
                        true,
                    );
                    pacer.dirty = true;
                    continue;
                }
            } else {
                // Continued after a stop from outside (SIGSTOP), or a stray SIGCONT: the
                // terminal is taken again either way.
                dash.log.line("SIGCONT: the terminal taken again");
                jobs.retake(opts.mouse)?;
            }
            // The shell drew over the screen meanwhile, and its size may have changed.
            term.clear()?;
            cleared = true;
            pacer.resized(Instant::now());
        }
        let now = Instant::now();
        if pacer.poll_due(now) {
            pacer.dirty |= dash.poll(now);
        }
        if let Some(resize) = pacer.draw_due(now) {
            if resize {
                term.autoresize()?;
            }
            terminal::draw_synchronized(term, |f| {
                let area: Rect = f.area();
                dash.draw(area, f.buffer_mut())
            })?;
            // Images go after the frame, into the cells it left to them.
            painter.paint(term.backend_mut(), &dash.app.graphics, resize || cleared)?;
            cleared = false;
            frames += 1;
        }
        if stats_at.elapsed() >= Duration::from_secs(10) {
            let b = bytes.load(Ordering::Relaxed);
            let secs = stats_at.elapsed().as_secs_f64();
            dash.log.line(&format!(
                "{frames} frames, {:.0} B/s to the terminal",
                (b - stats_bytes) as f64 / secs
            ));
            (frames, stats_at, stats_bytes) = (0, Instant::now(), b);
        }
    }
}
