//! The terminal dashboard: watches and steers runs that train in another process.
//!
//! Training never happens here. The dashboard reads the run directories (incrementally,
//! [`feed`]), draws at most `fps` frames a second and only when something changed, and
//! steers runs through their `control.jsonl` ([`control`]); a run validates every change and
//! answers with an event, refusals included, which the dashboard shows.
//!
//! Layout of the module: [`app`] (state and keys, pure), [`keymap`], [`layout`], one file per
//! pane ([`runs_table`], [`curves`], [`spectral`], [`phase`], [`samples`], [`scores`],
//! [`compare`], [`help`], [`editor`], [`quit`], [`picker`]), the data ([`model`], [`series`],
//! [`feed`]), and the terminal ([`terminal`], [`log`]).

pub mod app;
pub mod compare;
pub mod control;
pub mod curves;
pub mod editor;
pub mod feed;
pub mod help;
pub mod keymap;
pub mod layout;
pub mod log;
pub mod model;
pub mod phase;
pub mod picker;
pub mod plot;
pub mod popup;
pub mod quit;
pub mod runs_table;
pub mod sample_files;
pub mod samples;
pub mod scores;
pub mod series;
pub mod spectral;
pub mod stability;
pub mod terminal;
pub mod testdata;
pub mod theme;

#[cfg(test)]
mod tests;

use app::{App, Effect, Popup};
use control::Controller;
use feed::RunFeed;
use log::Log;
use picker::{Picker, PickerKind};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, KeyEventKind, MouseEventKind};
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use terminal::CountingWriter;
use theme::Theme;

use crate::run::listing::list;
use crate::run::store::RunDir;

/// Starts the runs of a preset (creates their directories and a detached worker); given by
/// the command line, which knows how to resolve presets.
pub type StartPreset = Box<dyn FnMut(&str) -> Result<Vec<RunDir>, String>>;

/// Branches a run (its directory) at a step with live changes (`param=value`) into a new run,
/// starts it detached and returns its directory.
pub type ForkRun = Box<dyn FnMut(&RunDir, u64, &[String]) -> Result<RunDir, String>>;

/// Dashboard options.
pub struct Options {
    /// Frames per second at most (default 10).
    pub fps: f64,
    /// Colors and symbols.
    pub theme: Theme,
    /// Mouse reporting (wheel selects runs); off by default so the terminal's own text
    /// selection keeps working.
    pub mouse: bool,
    /// What `n` offers: (preset, description).
    pub presets: Vec<(String, String)>,
    /// How `n` starts one.
    pub start_preset: Option<StartPreset>,
    /// How to fork a run (None: the `f` key says it is unavailable).
    pub fork_run: Option<ForkRun>,
    /// Where the log file goes.
    pub log_dir: PathBuf,
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

/// The dashboard without its terminal: the state, the readers of the run directories and
/// the command sender. The terminal loop drives it; tests and the benchmark drive it too.
pub struct Dashboard {
    /// State shown.
    pub app: App,
    feeds: Vec<RunFeed>,
    controller: Controller,
    runs_dir: PathBuf,
    log: Log,
    start_preset: Option<StartPreset>,
    fork_run: Option<ForkRun>,
}

impl Dashboard {
    /// A dashboard on `dirs`.
    pub fn new(dirs: Vec<RunDir>, runs_dir: &Path, theme: Theme, log: Log) -> Self {
        let mut d = Dashboard {
            app: App::new(vec![], theme),
            feeds: vec![],
            controller: Controller::default(),
            runs_dir: runs_dir.to_path_buf(),
            log,
            start_preset: None,
            fork_run: None,
        };
        d.app.runs_dir = runs_dir.display().to_string();
        for dir in dirs {
            d.attach(dir);
        }
        d
    }

    /// Starts showing the run in `dir` (no-op if shown already).
    pub fn attach(&mut self, dir: RunDir) {
        if self.feeds.iter().any(|f| f.dir().path == dir.path) {
            return;
        }
        self.log.line(&format!("attach {}", dir.path.display()));
        let (feed, data) = RunFeed::open(dir, 0);
        self.feeds.push(feed);
        self.app.add_run(data);
    }

    /// Reads what the runs appended and the answers to commands; true when the screen must
    /// be redrawn.
    pub fn poll(&mut self, now: Instant) -> bool {
        let mut changed = false;
        for (feed, run) in self.feeds.iter_mut().zip(self.app.runs.iter_mut()) {
            changed |= feed.poll(run, now);
        }
        if changed {
            self.app.refresh_phase();
        }
        for a in self.controller.answers() {
            let (text, error) = a.describe(self.app.run_name(a.run));
            self.log.line(&format!("answer: {text}"));
            self.app.say(text, error);
            changed = true;
        }
        changed
    }

    /// Sends a command to run `i`.
    pub fn send(&mut self, i: usize, command: crate::run::control::Command) {
        let Some(dir) = self.app.runs.get(i).and_then(|r| r.dir.clone()) else {
            return;
        };
        self.log
            .line(&format!("send {:?} to {}", command, dir.id()));
        let name = self.app.runs[i].name.clone();
        self.app.say(
            format!("{name}: sent {command:?}, waiting for the run…"),
            false,
        );
        self.controller.send(i, dir, command);
    }

    /// Carries out the effects of a key; returns an exit request and whether a full repaint
    /// is needed.
    pub fn apply(&mut self, effects: Vec<Effect>) -> (Option<bool>, bool) {
        let mut repaint = false;
        for e in effects {
            match e {
                Effect::Send { run, command } => self.send(run, command),
                Effect::Quit { stop_runs } => return (Some(stop_runs), repaint),
                Effect::Redraw => repaint = true,
                Effect::Attach(ids) => {
                    for id in ids {
                        match RunDir::find(&id, &self.runs_dir) {
                            Ok(d) => self.attach(d),
                            Err(e) => self.app.say(e.message, true),
                        }
                    }
                }
                Effect::OpenAttachPicker => {
                    let shown: Vec<PathBuf> =
                        self.feeds.iter().map(|f| f.dir().path.clone()).collect();
                    let items = list(&self.runs_dir)
                        .into_iter()
                        .filter(|l| !shown.contains(&l.dir.path))
                        .map(|l| {
                            let method = l
                                .summary
                                .as_ref()
                                .map(|s| s.method.clone())
                                .unwrap_or_default();
                            (l.id.clone(), format!("{} {method}", l.status_word()))
                        })
                        .collect();
                    self.app.popup = Some(Popup::Picker(Picker::new(PickerKind::Attach, items)));
                }
                Effect::Fork { run, at, sets } => {
                    let src = self.feeds.get(run).map(|f| f.dir().clone());
                    let (Some(fork), Some(src)) = (self.fork_run.as_mut(), src) else {
                        self.app.say("forking is not available here", true);
                        continue;
                    };
                    match fork(&src, at, &sets) {
                        Ok(dir) => {
                            self.log
                                .line(&format!("forked {} at {at} as {}", src.id(), dir.id()));
                            self.app
                                .say(format!("forked at step {at}: {}", dir.id()), false);
                            self.attach(dir);
                        }
                        Err(e) => self.app.say(format!("fork: {e}"), true),
                    }
                }
                Effect::StartPreset(name) => {
                    let Some(start) = self.start_preset.as_mut() else {
                        self.app.say("starting runs is not available here", true);
                        continue;
                    };
                    match start(&name) {
                        Ok(dirs) => {
                            self.log
                                .line(&format!("started preset {name}: {} run(s)", dirs.len()));
                            self.app
                                .say(format!("started {} run(s) of {name}", dirs.len()), false);
                            for d in dirs {
                                self.attach(d);
                            }
                        }
                        Err(e) => self.app.say(format!("{name}: {e}"), true),
                    }
                }
            }
        }
        (None, repaint)
    }

    /// Sends Stop to every live run and waits (at most [`control::TIMEOUT`]) for them to
    /// end; returns how many did not answer.
    pub fn stop_all(&mut self) -> usize {
        let live: Vec<usize> = (0..self.app.runs.len())
            .filter(|&i| self.app.runs[i].status.is_live())
            .collect();
        for &i in &live {
            self.send(i, crate::run::control::Command::Stop);
        }
        let deadline = Instant::now() + control::TIMEOUT;
        while self.controller.in_flight() > 0 && Instant::now() < deadline {
            if let Some(a) = self
                .controller
                .wait(deadline.saturating_duration_since(Instant::now()))
            {
                let text = a.describe(self.app.run_name(a.run)).0;
                self.log.line(&format!("stop: {text}"));
            }
        }
        self.controller.in_flight()
    }
}

/// Opens the dashboard on `dirs` in this terminal until the user quits or a signal arrives.
pub fn run(dirs: Vec<RunDir>, runs_dir: &Path, mut opts: Options) -> io::Result<Exit> {
    let log = Log::open(&opts.log_dir);
    let mut dash = Dashboard::new(dirs, runs_dir, opts.theme, log.clone());
    dash.app.presets = std::mem::take(&mut opts.presets);
    dash.start_preset = opts.start_preset.take();
    dash.fork_run = opts.fork_run.take();
    let signals = terminal::signal_flag();
    terminal::install_panic_hook(log.clone());
    terminal::enter(opts.mouse)?;
    let writer = CountingWriter::new(io::stdout());
    let bytes = writer.counter();
    let result = (|| -> io::Result<Exit> {
        let mut term = Terminal::new(CrosstermBackend::new(writer))?;
        term.clear()?;
        event_loop(&mut dash, &mut term, &opts, &signals, &bytes)
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

/// Resizes arrive in bursts while a window is dragged: draw once it settles.
const RESIZE_SETTLE: Duration = Duration::from_millis(80);
/// How often the run directories are read.
const POLL_EVERY: Duration = Duration::from_millis(100);

/// When to read the runs and when to draw: reads every `POLL_EVERY`, draws only when
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
            terminal::draw_synchronized(term, |f| {
                layout::draw(&dash.app, f.area(), f.buffer_mut())
            })?;
            frames += 1;
        }
    }
    Ok(frames)
}

fn event_loop<W: Write>(
    dash: &mut Dashboard,
    term: &mut Terminal<CrosstermBackend<W>>,
    opts: &Options,
    signals: &std::sync::atomic::AtomicBool,
    bytes: &std::sync::atomic::AtomicU64,
) -> io::Result<Exit> {
    let mut pacer = Pacer::new(opts.fps);
    let (mut frames, mut stats_at, mut stats_bytes) = (0u64, Instant::now(), 0u64);
    loop {
        if signals.load(Ordering::Relaxed) {
            dash.log.line("signal: leaving the runs running");
            return Ok(Exit::Signal);
        }
        if event::poll(pacer.wait(Instant::now()))? {
            match event::read()? {
                Event::Key(k) if k.kind == KeyEventKind::Press => {
                    let effects = dash.app.on_key(k);
                    let (exit, repaint) = dash.apply(effects);
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
                    }
                    pacer.dirty = true;
                }
                Event::Mouse(m) => {
                    let action = match m.kind {
                        MouseEventKind::ScrollUp => Some(keymap::Action::Up),
                        MouseEventKind::ScrollDown => Some(keymap::Action::Down),
                        _ => None,
                    };
                    if let Some(a) = action {
                        dash.app.on_action(a);
                        pacer.dirty = true;
                    }
                }
                Event::Resize(..) => pacer.resized(Instant::now()),
                _ => {}
            }
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
                layout::draw(&dash.app, area, f.buffer_mut())
            })?;
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
