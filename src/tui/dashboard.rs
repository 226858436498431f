//! The dashboard without its terminal: the state ([`App`]), the readers of the run directories
//! ([`RunFeed`]) and the command sender ([`Controller`]). The terminal loop drives it; tests
//! and the benchmark drive it too.

use super::app::{App, Effect, Popup};
use super::control::{self, Controller};
use super::feed::RunFeed;
use super::job::Job;
use super::layout;
use super::log::Log;
use super::panes::{self, Reads};
use super::picker::{Picker, PickerKind};
use super::stability::StabilityView;
use super::sweep_view::{SweepEffect, SweepMode};
use super::theme::Theme;
use crate::run::listing::list;
use crate::run::store::RunDir;
use crate::sweep::SweepDir;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Starts the runs of a preset (creates their directories and a detached worker); given by
/// the command line, which knows how to resolve presets. It runs off the UI thread (building a
/// game may load a dataset), hence `Send + Sync`.
pub type StartPreset = Arc<dyn Fn(&str) -> Result<Vec<RunDir>, String> + Send + Sync>;

/// Branches a run (its directory) at a step with live changes (`param=value`) into a new run,
/// starts it detached and returns its directory. It runs off the UI thread (it builds the game
/// and reads a checkpoint), hence `Send + Sync`.
pub type ForkRun =
    Arc<dyn Fn(&RunDir, u64, &[String], Option<u64>) -> Result<RunDir, String> + Send + Sync>;

/// The longest quitting waits for a fork or a preset's start in flight, so that its run
/// directories are complete and its runs attached (and stopped, if asked) before the
/// dashboard exits.
const LAUNCH_SETTLE: Duration = Duration::from_secs(60);

/// The dashboard without its terminal: the state, the readers of the run directories and
/// the command sender. The terminal loop drives it; tests and the benchmark drive it too.
pub struct Dashboard {
    /// State shown.
    pub app: App,
    feeds: Vec<RunFeed>,
    reads: Vec<Reads>,
    controller: Controller,
    runs_dir: PathBuf,
    /// The dashboard's log file.
    pub(super) log: Log,
    /// How `n` starts runs (None: unavailable).
    pub(super) start_preset: Option<StartPreset>,
    /// How `f` forks a run (None: unavailable).
    pub(super) fork_run: Option<ForkRun>,
    /// The computation running off the UI thread (`h`'s stability map), if any.
    job: Option<Job<Result<StabilityView, String>>>,
    /// A fork or a preset's start running off the UI thread: the directories to attach.
    launch: Option<Job<Result<Vec<RunDir>, String>>>,
    /// The sweep view, when the dashboard was opened on a sweep (`saddle attach SWEEP`).
    pub sweep: Option<SweepMode>,
}

impl Dashboard {
    /// A dashboard on `dirs`.
    pub fn new(dirs: Vec<RunDir>, runs_dir: &Path, theme: Theme, log: Log) -> Self {
        let mut d = Dashboard {
            app: App::new(vec![], theme),
            feeds: vec![],
            reads: panes::reads(),
            controller: Controller::default(),
            runs_dir: runs_dir.to_path_buf(),
            log,
            start_preset: None,
            fork_run: None,
            job: None,
            launch: None,
            sweep: None,
        };
        d.app.runs_dir = runs_dir.display().to_string();
        for dir in dirs {
            d.attach(dir);
        }
        d
    }

    /// A dashboard on the sweep in `sweep`: the sweep view, from which Enter drills into a
    /// member with the run dashboard.
    pub fn for_sweep(
        sweep: SweepDir,
        runs_dir: &Path,
        theme: Theme,
        log: Log,
    ) -> crate::error::Result<Self> {
        let mode = SweepMode::open(sweep)?;
        log.line(&format!("sweep {}", mode.watch.sweep.path.display()));
        let mut d = Dashboard::new(vec![], runs_dir, theme, log);
        d.sweep = Some(mode);
        Ok(d)
    }

    /// True while the sweep view (not the run dashboard) is on screen.
    pub fn in_sweep_view(&self) -> bool {
        self.sweep.as_ref().is_some_and(|s| !s.drilled)
    }

    /// Draws the screen: the sweep view, or the run dashboard.
    pub fn draw(&self, area: Rect, buf: &mut Buffer) {
        match &self.sweep {
            Some(s) if !s.drilled => s.draw(&self.app.theme, area, buf),
            _ => layout::draw(&self.app, area, buf),
        }
    }

    /// Handles a key; returns an exit request (stop the runs first or not) and whether a full
    /// repaint is needed.
    pub fn on_key(&mut self, key: KeyEvent) -> (Option<bool>, bool) {
        let Some(sweep) = self.sweep.as_mut() else {
            let effects = self.app.on_key(key);
            return self.apply(effects);
        };
        if sweep.drilled {
            // Esc leaves the member for the sweep, unless a popup or a computation takes it.
            if key.code == KeyCode::Esc && self.app.popup.is_none() && self.app.computing.is_none()
            {
                sweep.drilled = false;
                return (None, false);
            }
            let effects = self.app.on_key(key);
            return self.apply(effects);
        }
        let effects = sweep.on_key(key);
        for e in effects {
            let Some(sweep) = self.sweep.as_mut() else {
                break;
            };
            match e {
                SweepEffect::Quit => return (Some(false), false),
                SweepEffect::Send { members, command } => {
                    let ids = sweep.send(&members, command.clone());
                    self.log
                        .line(&format!("send {command:?} to {}", ids.join(" ")));
                }
                SweepEffect::DrillIn(m) => {
                    let Some(dir) = sweep.member_dir(m) else {
                        continue;
                    };
                    sweep.drilled = true;
                    let path = dir.path.clone();
                    self.attach(dir);
                    if let Some(i) = self.feeds.iter().position(|f| f.dir().path == path) {
                        self.app.selected = i;
                        self.app.refresh_phase();
                    }
                    self.app
                        .say("a member of the sweep · esc back to the sweep", false);
                }
            }
        }
        (None, false)
    }

    /// Starts showing the run in `dir` (no-op if shown already).
    pub fn attach(&mut self, dir: RunDir) {
        if self.feeds.iter().any(|f| f.dir().path == dir.path) {
            return;
        }
        self.log.line(&format!("attach {}", dir.path.display()));
        let (feed, data) = RunFeed::open(dir, 0, &self.reads);
        self.feeds.push(feed);
        self.app.add_run(data);
    }

    /// Reads what the runs appended and the answers to commands; true when the screen must
    /// be redrawn.
    pub fn poll(&mut self, now: Instant) -> bool {
        let mut changed = false;
        let at = self.app.view.samples_at;
        for (feed, run) in self.feeds.iter_mut().zip(self.app.runs.iter_mut()) {
            run.samples_at = at;
            changed |= feed.poll(run, now);
        }
        if changed {
            self.app.refresh_phase();
        }
        if let Some(s) = self.sweep.as_mut() {
            changed |= s.changed();
            for (text, _) in s.answers() {
                self.log.line(&format!("answer: {text}"));
                changed = true;
            }
        }
        for a in self.controller.answers() {
            let (text, error) = a.describe(self.app.run_name(a.run));
            self.log.line(&format!("answer: {text}"));
            self.app.say(text, error);
            changed = true;
        }
        changed | self.poll_job() | self.poll_launch()
    }

    /// Attaches the runs of a fork or a preset's start when it has finished; true when it has.
    fn poll_launch(&mut self) -> bool {
        let Some(result) = self.launch.as_ref().and_then(Job::poll) else {
            return false;
        };
        let job = self.launch.take().expect("polled");
        self.launched(&job.what, result);
        true
    }

    /// Reports and attaches what a launch job gave.
    fn launched(&mut self, what: &str, result: Option<Result<Vec<RunDir>, String>>) {
        match result {
            Some(Ok(dirs)) => {
                let ids: Vec<String> = dirs.iter().map(RunDir::id).collect();
                self.log.line(&format!("{what}: {}", ids.join(" ")));
                self.app.say(format!("{what}: {}", ids.join(" ")), false);
                for d in dirs {
                    self.attach(d);
                }
            }
            // Said as a failure (not "forking …: …", which reads as still going) and logged
            // whole: the status line cuts a long reason at the terminal's width.
            Some(Err(e)) => {
                self.log.line(&format!("{what}: failed: {e}"));
                self.app.say(format!("failed: {what}: {e}"), true);
            }
            None => {
                self.log.line(&format!("{what}: failed"));
                self.app.say(format!("failed: {what}"), true);
            }
        }
    }

    /// Starts `work` (a fork or a preset's start) off the UI thread, one at a time.
    fn start_launch(
        &mut self,
        what: String,
        work: impl FnOnce() -> Result<Vec<RunDir>, String> + Send + 'static,
    ) {
        if let Some(busy) = &self.launch {
            self.app.say(
                format!("{} is still going: try again when it is done", busy.what),
                true,
            );
            return;
        }
        self.log.line(&format!("{what}…"));
        self.app.say(format!("{what}…"), false);
        self.launch = Some(Job::spawn(what, move |_| work()));
    }

    /// Takes the result of the computation in progress when it is there; true when it was.
    fn poll_job(&mut self) -> bool {
        let Some(result) = self.job.as_ref().and_then(Job::poll) else {
            return false;
        };
        let job = self.job.take().expect("polled");
        self.app.computing = None;
        let secs = job.started.elapsed().as_secs_f64();
        self.log
            .line(&format!("computed {} in {secs:.2} s", job.what));
        match result {
            Some(Ok(view)) => {
                self.app.message = None;
                // A key the user pressed meanwhile (a popup opened) wins over the map.
                if self.app.popup.is_none() {
                    self.app.popup = Some(Popup::Stability(Box::new(view)));
                }
            }
            Some(Err(e)) => self.app.say(format!("{}: {e}", job.what), true),
            None => self
                .app
                .say(format!("{}: the computation failed", job.what), true),
        }
        true
    }

    /// Starts the stability map of run `i` on its own thread.
    fn compute_stability(&mut self, i: usize) {
        let Some(r) = self.app.runs.get(i) else {
            self.app.computing = None;
            return;
        };
        let Some(config) = r.config.clone() else {
            self.app.computing = None;
            return;
        };
        let (name, beta, eta) = (r.name.clone(), r.beta[1], r.eta[1]);
        let what = format!("the stability map of {name}");
        self.log.line(&format!("computing {what}"));
        self.job = Some(Job::spawn(what, move |budget| {
            StabilityView::compute(&name, &config, beta, eta, budget)
        }));
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
                Effect::Quit { stop_runs } => {
                    // A fork or start half done would leave a directory half made.
                    if let Some(job) = self.launch.take() {
                        match job.wait(LAUNCH_SETTLE) {
                            Some(result) => self.launched(&job.what, result),
                            None => self.log.line(&format!(
                                "{} still going after {} s at quit",
                                job.what,
                                LAUNCH_SETTLE.as_secs()
                            )),
                        }
                    }
                    return (Some(stop_runs), repaint);
                }
                Effect::Redraw => repaint = true,
                Effect::ComputeStability(i) => self.compute_stability(i),
                Effect::CancelComputation => {
                    if let Some(job) = self.job.take() {
                        job.cancel();
                        self.log.line(&format!("cancelled {}", job.what));
                        self.app.say(format!("cancelled {}", job.what), false);
                    }
                    self.app.computing = None;
                }
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
                Effect::Fork {
                    run,
                    at,
                    sets,
                    steps,
                } => {
                    let src = self.feeds.get(run).map(|f| f.dir().clone());
                    let (Some(fork), Some(src)) = (self.fork_run.clone(), src) else {
                        self.app.say("forking is not available here", true);
                        continue;
                    };
                    let what = match steps {
                        Some(s) => format!(
                            "forking {} at step {at}, its end, to step {s} (saddle fork --steps N sets another end)",
                            src.id()
                        ),
                        None => format!("forking {} at step {at}", src.id()),
                    };
                    self.start_launch(what, move || fork(&src, at, &sets, steps).map(|d| vec![d]));
                }
                Effect::StartPreset(name) => {
                    let Some(start) = self.start_preset.clone() else {
                        self.app.say("starting runs is not available here", true);
                        continue;
                    };
                    let what = format!("starting {name}");
                    self.start_launch(what, move || start(&name));
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

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;
    use std::sync::{mpsc, Mutex};

    fn said(d: &Dashboard) -> String {
        d.app
            .message
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default()
    }

    /// A fork that takes as long as it likes (it builds a game, may load a dataset) holds no
    /// key: the effect returns at once with "forking…", keys are answered meanwhile, a second
    /// fork is told to wait, and the new run attaches when the first ends.
    #[test]
    fn a_slow_fork_runs_off_the_ui_thread_and_attaches_when_done() {
        let tmp = tempfile::tempdir().unwrap();
        let src = RunDir::create(tmp.path(), "src").unwrap();
        let made = RunDir::create(tmp.path(), "forked").unwrap();
        let mut d = Dashboard::new(vec![src], tmp.path(), Theme::default(), Log::default());
        let (go, gate) = mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        d.fork_run = Some(Arc::new(move |_: &RunDir, _: u64, _: &[String], _| {
            gate.lock().unwrap().recv().ok();
            Ok(made.clone())
        }));
        let fork = || Effect::Fork {
            run: 0,
            at: 5,
            sets: vec!["eta=0.1".into()],
            steps: None,
        };
        let t = Instant::now();
        d.apply(vec![fork()]);
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "{:?}",
            t.elapsed()
        );
        assert!(
            said(&d).starts_with("forking src at step 5"),
            "{}",
            said(&d)
        );
        let t = Instant::now();
        d.on_key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
        d.poll(Instant::now());
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(d.app.runs.len(), 1, "nothing attached before the fork ends");
        d.apply(vec![fork()]);
        assert!(said(&d).contains("still going"), "{}", said(&d));
        go.send(()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while d.app.runs.len() < 2 && Instant::now() < deadline {
            d.poll(Instant::now());
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(d.app.runs.len(), 2, "the forked run is attached");
        assert!(said(&d).ends_with(": forked"), "{}", said(&d));
    }

    /// Quitting while a preset's runs are being created waits for them, so no directory is
    /// left half made, and attaches them (a stop-all then reaches them too).
    #[test]
    fn quitting_waits_for_a_start_in_flight() {
        let tmp = tempfile::tempdir().unwrap();
        let made = RunDir::create(tmp.path(), "started").unwrap();
        let mut d = Dashboard::new(vec![], tmp.path(), Theme::default(), Log::default());
        d.start_preset = Some(Arc::new(move |_: &str| {
            std::thread::sleep(Duration::from_millis(300));
            Ok(vec![made.clone()])
        }));
        d.apply(vec![Effect::StartPreset("default".into())]);
        assert!(d.app.runs.is_empty());
        let (exit, _) = d.apply(vec![Effect::Quit { stop_runs: true }]);
        assert_eq!(exit, Some(true));
        assert_eq!(d.app.runs.len(), 1, "{}", said(&d));
    }
}
