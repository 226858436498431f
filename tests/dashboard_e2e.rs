//! End-to-end tests of the dashboard: the real binary in a real terminal emulator (tmux),
//! driven with send-keys and read back with capture-pane. Without tmux they print why they
//! are skipped instead of passing silently.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_saddle");

struct Tmux {
    socket: String,
    session: String,
}

/// True (after saying so) when tmux is missing: the test is skipped with its reason printed,
/// never passed silently.
fn skipped_without_tmux(test: &str) -> bool {
    if tmux_available() {
        return false;
    }
    eprintln!("SKIPPED {test}: tmux not found");
    true
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Tmux {
    /// A 160×48 shell in `cwd`, on a private tmux server.
    fn start(name: &str, cwd: &Path) -> Tmux {
        let t = Tmux {
            socket: format!("saddle-test-{}-{name}", std::process::id()),
            session: name.into(),
        };
        let ok = t
            .cmd(&[
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "160",
                "-y",
                "48",
                "-c",
                cwd.to_str().unwrap(),
                "bash --norc --noprofile",
            ])
            .status
            .success();
        assert!(ok, "tmux new-session failed");
        t
    }

    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn keys(&self, keys: &[&str]) {
        let mut a = vec!["send-keys", "-t", &self.session];
        a.extend_from_slice(keys);
        assert!(self.cmd(&a).status.success());
    }

    fn line(&self, text: &str) {
        self.cmd(&["send-keys", "-t", &self.session, "-l", "--", text]);
        self.keys(&["Enter"]);
    }

    /// The pid of the pane's shell.
    fn shell_pid(&self) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["list-panes", "-t", &self.session, "-F", "#{pane_pid}"])
                .stdout,
        )
        .trim()
        .to_string()
    }

    /// The pid of the process the pane's shell runs (the dashboard).
    fn child_pid(&self) -> String {
        let shell = self.shell_pid();
        let children = Command::new("pgrep")
            .args(["-P", &shell])
            .output()
            .expect("pgrep");
        let pid = String::from_utf8_lossy(&children.stdout).trim().to_string();
        assert!(!pid.is_empty(), "no process under the shell {shell}");
        pid
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    /// Waits until the screen satisfies `pred`; panics with the screen after `secs`.
    fn wait(&self, what: &str, secs: f64, pred: impl Fn(&str) -> bool) -> String {
        let t0 = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if t0.elapsed().as_secs_f64() > secs {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

/// The runs table's row of run `name` (pinned or not), or "".
fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|l| {
            ["■ ", "▶ ", "■ ◆ ", "▶ ◆ "]
                .iter()
                .any(|m| l.contains(&format!("{m}{name} ")))
        })
        .unwrap_or("")
}

fn step_of(screen: &str, name: &str) -> u64 {
    row(screen, name)
        .split_whitespace()
        .find_map(|w| w.split_once('/').and_then(|(a, _)| a.parse().ok()))
        .unwrap_or(0)
}

fn run_dir(runs: &Path, name: &str) -> PathBuf {
    std::fs::read_dir(runs)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            std::fs::read_to_string(p.join("config.ron"))
                .is_ok_and(|c| c.contains(&format!("name: \"{name}\"")))
        })
        .unwrap_or_else(|| panic!("no run named {name} under {}", runs.display()))
}

fn summary_status(dir: &Path) -> String {
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    s["status"].as_str().unwrap().to_string()
}

fn wait_final(dir: &Path, secs: f64) -> String {
    let t0 = Instant::now();
    loop {
        let s = summary_status(dir);
        if !matches!(s.as_str(), "running" | "paused") {
            return s;
        }
        assert!(
            t0.elapsed().as_secs_f64() < secs,
            "{} still {s}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs the preset `text` (written to `dir/preset.ron`) headless into `runs`, to its end.
fn run_to_the_end(dir: &Path, runs: &Path, text: &str) {
    let preset = dir.join("preset.ron");
    std::fs::write(&preset, text).unwrap();
    let out = Command::new(BIN)
        .args(["run", preset.to_str().unwrap(), "--runs-dir"])
        .arg(runs)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn pause_edit_beta_resume_detach_reattach() {
    if !tmux_available() {
        eprintln!(
            "SKIPPED pause_edit_beta_resume_detach_reattach: tmux not found (apt-get install tmux)"
        );
        return;
    }
    let t0 = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let tm = Tmux::start("e2e", tmp.path());
    tm.line(&format!("{BIN} --runs-dir {} --steps 3000", runs.display()));
    let name = "alternating β=-0.5";
    let first = tm.wait("the four runs", 10.0, |s| {
        s.contains("runs (4)")
            && ["simultaneous", "alternating", name, "extragradient"]
                .iter()
                .all(|n| !row(s, n).is_empty())
    });
    // The curves move: the run advances and the curves pane changes.
    let curves = |s: &str| {
        s.lines()
            .skip(9)
            .take(20)
            .map(|l| l.chars().take(92).collect::<String>())
            .collect::<Vec<_>>()
    };
    let later = tm.wait("the run to advance", 10.0, |s| {
        step_of(s, name) > step_of(&first, name) + 50
    });
    assert_ne!(curves(&first), curves(&later), "the curves did not change");
    // Select the momentum run (third) and pause it.
    tm.keys(&["j", "j", "Space"]);
    let s = tm.wait("the pause", 10.0, |s| {
        row(s, name).contains("paused") && s.contains("paused at step")
    });
    let paused_at = step_of(&s, name);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        step_of(&tm.screen(), name),
        paused_at,
        "a paused run does not advance"
    );
    // Change β of the discriminator through the editor.
    tm.keys(&["e"]);
    tm.wait("the editor", 5.0, |s| {
        s.contains("η, β of alternating β=-0.5")
    });
    tm.keys(&[
        "Up", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace",
    ]);
    tm.cmd(&["send-keys", "-t", "e2e", "-l", "--", "-0.3"]);
    tm.keys(&["Enter"]);
    tm.wait("the run's answer to the β change", 10.0, |s| {
        s.contains("beta.phi -0.5 → -0.3")
    });
    tm.wait("β in the runs table", 5.0, |s| {
        row(s, name).contains("0/-0.3")
    });
    // A change out of the run's range is refused in the editor with the range, and nothing
    // is sent (η must be > 0).
    tm.keys(&["e"]);
    tm.wait("the editor", 5.0, |s| s.contains("η, β of"));
    tm.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    tm.cmd(&["send-keys", "-t", "e2e", "-l", "--", "0"]);
    tm.keys(&["Enter"]);
    tm.wait("the refusal", 10.0, |s| {
        s.contains("eta.theta must be finite and > 0") && s.contains("nothing was sent")
    });
    tm.keys(&["Escape"]);
    tm.wait("the editor closed", 5.0, |s| !s.contains("η, β of"));
    assert!(
        row(&tm.screen(), name).contains("0/-0.3"),
        "a refused change changes nothing"
    );
    // Resume, then quit leaving the runs running.
    tm.keys(&["Space"]);
    tm.wait("the resume", 10.0, |s| {
        s.contains("resumed at step") && row(s, name).contains("running")
    });
    tm.keys(&["q"]);
    tm.wait("the quit dialog", 5.0, |s| s.contains("leave them running"));
    tm.keys(&["d"]);
    tm.wait("the shell again", 10.0, |s| {
        s.contains("runs left running; watch them again with: saddle --runs-dir")
    });
    let dir = run_dir(&runs, name);
    // Re-attach to every run of the runs directory.
    tm.line(&format!("{BIN} attach --runs-dir {}", runs.display()));
    tm.wait("the re-attached runs", 10.0, |s| {
        s.contains("runs (4)") && !row(s, name).is_empty()
    });
    let status = wait_final(&dir, 25.0);
    assert!(
        status == "finished" || status == "converged",
        "status {status}"
    );
    tm.wait("the final status on screen", 5.0, |s| {
        row(s, name).contains(&status)
    });
    tm.keys(&["q"]); // nothing live any more: quits at once
    tm.wait("the shell again", 10.0, |s| !s.contains("runs (4)"));
    // The run's own record: pause, the change and resume, in order, from the control file.
    let events: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    let pos = |k: &str| {
        kinds
            .iter()
            .position(|x| *x == k)
            .unwrap_or_else(|| panic!("no {k} event in {kinds:?}"))
    };
    let (p, s, r) = (pos("pause"), pos("set"), pos("resume"));
    assert!(p < s && s < r, "{kinds:?}");
    assert_eq!(events[s]["param"], "beta.phi");
    assert_eq!(events[s]["old"], -0.5);
    assert_eq!(events[s]["new"], -0.3);
    assert_eq!(events[s]["source"], "control-file");
    assert_eq!(
        events[p]["step"], events[r]["step"],
        "no step between pause and resume"
    );
    assert!(
        !kinds.contains(&"refused"),
        "the editor sent nothing out of range: {kinds:?}"
    );
    assert_eq!(kinds.last(), Some(&"ended"));
    assert_eq!(events.last().unwrap()["status"], status.as_str());
    // The metrics after the change carry the new β.
    let m = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let header: Vec<&str> = m.lines().next().unwrap().split(',').collect();
    let bp = header.iter().position(|c| *c == "beta_phi").unwrap();
    let last: Vec<&str> = m.lines().last().unwrap().split(',').collect();
    assert_eq!(last[bp], "-0.3");
    // The dashboard logged to logs/, not to the screen.
    assert!(std::fs::read_dir(tmp.path().join("logs"))
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("dashboard-")));
    eprintln!("e2e took {:.1} s", t0.elapsed().as_secs_f64());
}

fn metrics_by_name(runs: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    let mut out: Vec<(String, Vec<Vec<String>>)> = std::fs::read_dir(runs)
        .unwrap()
        .flatten()
        .map(|e| {
            let p = e.path();
            let s: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(p.join("summary.json")).unwrap())
                    .unwrap();
            let text = std::fs::read_to_string(p.join("metrics.csv")).unwrap();
            let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
            let wall = header.iter().position(|c| *c == "wall_time").unwrap();
            let rows = text
                .lines()
                .map(|l| {
                    l.split(',')
                        .enumerate()
                        .filter(|(i, _)| *i != wall)
                        .map(|(_, c)| c.to_string())
                        .collect()
                })
                .collect();
            (s["name"].as_str().unwrap().to_string(), rows)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn metrics_with_the_dashboard_attached_equal_headless_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let (with, headless) = (tmp.path().join("with"), tmp.path().join("headless"));
    // Headless: stdout is not a terminal, so `saddle PRESET` runs without a dashboard.
    let out = Command::new(BIN)
        .current_dir(tmp.path())
        .args([
            "default",
            "--steps",
            "600",
            "--set",
            "pace=None",
            "--runs-dir",
            headless.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(metrics_by_name(&headless).len(), 4);
    if !tmux_available() {
        eprintln!("SKIPPED the attached half of metrics_with_the_dashboard_attached_equal_headless_ones: tmux not found");
        return;
    }
    let tm = Tmux::start("same", tmp.path());
    tm.line(&format!(
        "{BIN} default --steps 600 --runs-dir {}",
        with.display()
    ));
    let ended = |s: &str| {
        [
            "simultaneous",
            "alternating",
            "alternating β=-0.5",
            "extragradient",
        ]
        .iter()
        .all(|n| {
            ["finished", "converged", "diverged"]
                .iter()
                .any(|w| row(s, n).contains(w))
        })
    };
    tm.wait("all runs to end", 30.0, |s| {
        s.contains("0 live") && ended(s)
    });
    tm.keys(&["q"]);
    tm.wait("the shell again", 10.0, |s| !s.contains("runs (4)"));
    let (a, b) = (metrics_by_name(&with), metrics_by_name(&headless));
    assert_eq!(a.len(), 4);
    for ((na, ra), (nb, rb)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        assert!(ra.len() > 10, "{na}: {} rows", ra.len());
        assert_eq!(ra, rb, "{na}: metrics differ (wall_time excluded)");
    }
}

/// Ctrl-Z (a key in raw mode) and SIGTSTP from outside give the terminal back to the shell
/// and stop the dashboard; `fg` takes the terminal again, raw, and repaints. Before, Ctrl-Z
/// did nothing, and a SIGTSTP left the shell drawing on the alternate screen and, after `fg`,
/// a dashboard reading a cooked terminal (no key reached it).
#[test]
fn ctrl_z_and_sigtstp_suspend_to_the_shell_and_fg_comes_back() {
    if skipped_without_tmux("ctrl_z_and_sigtstp_suspend_to_the_shell_and_fg_comes_back") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    let tm = Tmux::start("susp", tmp.path());
    tm.line(&format!("{BIN} attach --runs-dir {}", runs.display()));
    let dashboard = |s: &str| s.contains("saddle · 0 run(s)");
    tm.wait("the dashboard", 10.0, dashboard);
    for how in ["ctrl-z", "sigtstp"] {
        if how == "ctrl-z" {
            tm.keys(&["C-z"]);
        } else {
            let pid = tm.child_pid();
            assert!(Command::new("kill")
                .args(["-TSTP", &pid])
                .status()
                .unwrap()
                .success());
        }
        tm.wait(&format!("{how}: the shell's Stopped"), 5.0, |s| {
            s.contains("Stopped") && !dashboard(s)
        });
        tm.line("stty -a | grep -o -- '-\\?icanon' ; echo cooked-$?");
        let s = tm.wait(&format!("{how}: the shell to answer"), 5.0, |s| {
            s.lines().any(|l| l.trim() == "cooked-0")
        });
        assert!(
            s.lines().any(|l| l.trim() == "icanon"),
            "{how}: raw mode left on while stopped:\n{s}"
        );
        tm.line("fg");
        tm.wait(&format!("{how}: the dashboard again"), 5.0, dashboard);
        // A key reaches it at once: the terminal is raw again.
        tm.keys(&["?"]);
        let help = |s: &str| s.contains("suspend to the shell");
        tm.wait(&format!("{how}: the help"), 5.0, help);
        tm.keys(&["Escape"]);
        tm.wait(&format!("{how}: the help closed"), 5.0, |s| !help(s));
    }
    tm.keys(&["q"]);
    tm.wait("the shell after q", 5.0, |s| !dashboard(s));
}

#[test]
fn sigterm_restores_the_terminal_and_leaves_runs_alone() {
    if skipped_without_tmux("sigterm_restores_the_terminal_and_leaves_runs_alone") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    let tm = Tmux::start("term", tmp.path());
    tm.line(&format!("{BIN} attach --runs-dir {}", runs.display()));
    tm.wait("the dashboard", 10.0, |s| s.contains("saddle · 0 run(s)"));
    let pid = tm.child_pid();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    tm.wait("the shell, alternate screen left", 5.0, |s| {
        !s.contains("saddle · 0 run(s)")
    });
    tm.line("stty -a | grep -o -- '-\\?icanon' ; echo restored");
    let s = tm.wait("the shell to answer", 5.0, |s| {
        s.lines().any(|l| l.trim() == "restored")
    });
    assert!(
        s.lines().any(|l| l.trim() == "icanon") && !s.lines().any(|l| l.trim() == "-icanon"),
        "raw mode left on:\n{s}"
    );
}

#[test]
fn the_dashboard_leaves_when_its_terminal_goes_away() {
    if skipped_without_tmux("the_dashboard_leaves_when_its_terminal_goes_away") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    let tm = Tmux::start("hangup", tmp.path());
    // `exec`: the dashboard replaces the shell, as when ssh runs it directly.
    tm.line(&format!("exec {BIN} attach --runs-dir {}", runs.display()));
    tm.wait("the dashboard", 10.0, |s| s.contains("saddle · 0 run(s)"));
    let pid = tm.shell_pid();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    // Like a dropped SSH connection: the terminal closes under the dashboard (SIGHUP, EOF).
    tm.cmd(&["kill-session", "-t", "hangup"]);
    let t0 = Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if state.split_whitespace().nth(2) == Some("Z") {
            break; // exited, waiting to be reaped by tmux's server
        }
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "the dashboard (pid {pid}) outlived its terminal"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A small GAN on 8 Gaussians that draws its data plane every 100 iterations.
const MOG_PLANE_PRESET: &str = r#"Preset(
    name: "mog-plane",
    steps: 300,
    log_every: Some(50),
    sample_every: Some(100),
    game: MixtureGan(mixture: NegativeMomentum8, loss: Saturating, hidden: 16, hidden_layers: 2, batch: 32, eval_samples: 200),
    runs: [
        Run(name: "adam", scheme: Alternating(d_steps: 1), rules: (theta: Adam(beta2: 0.9), phi: Adam(beta2: 0.9)), eta: 1e-3, beta: (theta: 0.5, phi: 0.5)),
    ],
)"#;

#[test]
fn the_mixture_game_shows_its_data_plane_and_steps_back_through_it() {
    if skipped_without_tmux("the_mixture_game_shows_its_data_plane_and_steps_back_through_it") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let preset = tmp.path().join("mog-plane.ron");
    std::fs::write(&preset, MOG_PLANE_PRESET).unwrap();
    let tm = Tmux::start("plane", tmp.path());
    tm.line(&format!(
        "{BIN} --runs-dir {} {}",
        runs.display(),
        preset.display()
    ));
    // The run ends at step 300 with planes at 0, 100, 200 and 300; the pane shows the newest,
    // with the legend of the decision map, the modes and the generated points, and the curves
    // open on the losses (a network has no distance to equilibrium).
    let s = tm.wait("the newest data plane", 60.0, |s| {
        s.contains("data plane · step 300") && s.contains("4/4 newest")
    });
    assert!(s.contains("P(real) 0"), "no decision-map legend:\n{s}");
    assert!(s.contains("+ modes"), "no modes legend:\n{s}");
    assert!(s.contains("G(z)"), "no generated points legend:\n{s}");
    assert!(s.contains("high quality"), "no mode statistics:\n{s}");
    assert!(
        s.contains("losses L_G"),
        "curves do not open on the losses:\n{s}"
    );
    assert!(
        !s.contains("phase portrait"),
        "a phase portrait of a network:\n{s}"
    );
    // Step back twice in time: the plane of step 100.
    tm.keys(&["<", "<"]);
    let s = tm.wait("the plane of step 100", 10.0, |s| {
        s.contains("data plane · step 100") && s.contains("2/4")
    });
    // Home: the first plane, drawn before any step.
    tm.keys(&["Home"]);
    tm.wait("the plane of step 0", 10.0, |s| {
        s.contains("data plane · step 0 ")
    });
    // End: back to following the newest.
    tm.keys(&["End"]);
    tm.wait("the newest plane again", 10.0, |s| {
        s.contains("data plane · step 300") && s.contains("newest")
    });
    drop(s);
    tm.keys(&["q"]);
}

/// Issue 13 item 2: `h` on a game whose stability map takes seconds used to freeze the screen
/// (q, Esc and Ctrl-C did nothing until it was done). The map now computes off the UI thread:
/// the status line says so, Esc cancels it, and q quits within 100 ms while it runs.
#[test]
fn q_quits_within_100_ms_while_a_stability_map_computes() {
    if skipped_without_tmux("q_quits_within_100_ms_while_a_stability_map_computes") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    // 300-row update operators: each of the map's 228 cells is a dense eigen-solve (a
    // quadratic game: a bilinear one decouples into 2-D games and takes milliseconds).
    run_to_the_end(
        tmp.path(),
        &runs,
        r#"Preset(name: "slow", seed: 0, steps: 10, log_every: Some(5), game: Quadratic(dim: 75, mix: 0.9, mu: 0.1, ell: 1.0),
        runs: [Run(name: "alt-hb", scheme: Alternating(), rule: HeavyBall, eta: 0.2, beta: (theta: 0.0, phi: -0.5))])"#,
    );
    let tm = Tmux::start("slow", tmp.path());
    tm.line(&format!(
        "{BIN} attach --runs-dir {}; echo EXITED-$(date +%s%N)",
        runs.display()
    ));
    tm.wait("the dashboard", 10.0, |s| s.contains("saddle · 1 run(s)"));
    tm.keys(&["h"]);
    tm.wait("computing…", 5.0, |s| {
        s.contains("computing the stability map of alt-hb")
    });
    tm.keys(&["Escape"]);
    tm.wait("the cancel", 5.0, |s| {
        s.contains("cancelled the stability map of alt-hb")
    });
    tm.keys(&["h"]);
    tm.wait("computing again", 5.0, |s| {
        s.contains("computing the stability map of alt-hb")
    });
    let sent = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    tm.keys(&["q"]);
    let exited = |s: &str| -> Option<u128> {
        s.lines().find_map(|l| {
            l.trim()
                .strip_prefix("EXITED-")
                .and_then(|n| n.parse::<u128>().ok())
        })
    };
    let s = tm.wait("the dashboard to quit", 5.0, |s| exited(s).is_some());
    let ms = (exited(&s).unwrap() as f64 - sent as f64) / 1e6;
    eprintln!("q answered in {ms:.1} ms while the map computed");
    assert!(ms < 100.0, "q took {ms:.1} ms");
}

/// A method's own live parameter through the dashboard: γ of a ConOpt run shows in the runs
/// table, is a field of the editor, and a change reaches the run (its event and its metrics).
#[test]
fn a_methods_own_parameter_is_edited_live() {
    if skipped_without_tmux("a_methods_own_parameter_is_edited_live") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let preset = tmp.path().join("conopt.ron");
    std::fs::write(
        &preset,
        r#"Preset(name: "conopt", seed: 0, steps: 2500, pace: 250.0,
            game: Bilinear(dim: 2, matrix: SingularValues([1.0, 0.5])),
            stop: (converge_below: None),
            runs: [Run(name: "conopt", scheme: Simultaneous, field: Consensus(gamma: 1.0), eta: 0.05)])"#,
    )
    .unwrap();
    let tm = Tmux::start("e2e-gamma", tmp.path());
    tm.line(&format!(
        "{BIN} {} --runs-dir {}",
        preset.display(),
        runs.display()
    ));
    tm.wait("the run with its γ, running", 10.0, |s| {
        s.contains("runs (1)") && row(s, "conopt").contains("γ=1") && step_of(s, "conopt") > 100
    });
    tm.keys(&["e"]);
    tm.wait("the editor with γ", 5.0, |s| {
        s.contains("live parameters of conopt") && s.contains("gamma")
    });
    // Fields: η θ, η φ, γ (no β: the gradient rule has none): up from the first wraps to γ.
    tm.keys(&["Up", "BSpace", "BSpace", "BSpace"]);
    tm.cmd(&["send-keys", "-t", "e2e-gamma", "-l", "--", "5"]);
    tm.keys(&["Enter"]);
    tm.wait("the run's answer", 10.0, |s| s.contains("gamma 1 → 5"));
    tm.wait("γ in the runs table", 5.0, |s| {
        row(s, "conopt").contains("γ=5")
    });
    tm.keys(&["q"]);
    tm.wait("the quit dialog", 5.0, |s| s.contains("leave them running"));
    tm.keys(&["d"]);
    tm.wait("the shell again", 10.0, |s| s.contains("runs left running"));
    let dir = run_dir(&runs, "conopt");
    let status = wait_final(&dir, 30.0);
    assert_eq!(status, "finished");
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let set: serde_json::Value = events
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["event"] == "set")
        .expect("a set event");
    assert_eq!(set["param"], "gamma");
    assert_eq!(
        (set["old"].as_f64(), set["new"].as_f64()),
        (Some(1.0), Some(5.0))
    );
    let m = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let header: Vec<&str> = m.lines().next().unwrap().split(',').collect();
    let g = header.iter().position(|c| *c == "gamma").unwrap();
    let last: Vec<&str> = m.lines().last().unwrap().split(',').collect();
    assert_eq!(last[g], "5");
}

/// Issue 19 item 3: inside tmux (no passthrough) the samples pane draws an image GAN's grid in
/// half blocks, never an image sequence, and `g` says why; a misspelt `SADDLE_GRAPHICS` exits 2
/// before the screen changes.
#[test]
fn image_samples_fall_back_to_half_blocks_in_tmux() {
    if skipped_without_tmux("image_samples_fall_back_to_half_blocks_in_tmux") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let runs = common::image_gan_runs(tmp.path());
    let tm = Tmux::start("pixels", tmp.path());
    tm.line(&format!(
        "SADDLE_GRAPHICS=png {BIN} attach --runs-dir {}; echo exit=$?",
        runs.display()
    ));
    let s = tm.wait("the refusal of SADDLE_GRAPHICS=png", 20.0, |s| {
        s.lines().any(|l| l.starts_with("exit="))
    });
    assert!(s.lines().any(|l| l == "exit=2"), "{s}");
    assert!(
        s.contains("SADDLE_GRAPHICS=png: expected one of auto, kitty"),
        "{s}"
    );
    tm.line("clear");
    tm.line(&format!("{BIN} attach --runs-dir {}", runs.display()));
    let s = tm.wait("the newest grid", 30.0, |s| {
        s.contains("generated images · step 20")
    });
    assert!(s.contains('▀'), "no half blocks:\n{s}");
    tm.keys(&["g"]);
    let s = tm.wait("what g says", 10.0, |s| {
        s.contains("samples in half blocks")
    });
    assert!(s.contains("inside tmux"), "{s}");
    // The screen holds no stray image sequence text (an APC or DCS would show as `_G` / `q"1`).
    assert!(!s.contains("_Ga=") && !s.contains("\"1;1;"), "{s}");
    tm.keys(&["q"]);
}

/// Issue 20 items 3 and 4 in a real terminal: `v` opens a run's overview (its status, its
/// provenance, its events, the commands that resume, fork and export it), End scrolls to its
/// end, Esc closes it; `/` filters the runs table as one types, `p` pins the selected run (◆),
/// Esc clears the filter.
#[test]
fn overview_filter_and_pin() {
    if skipped_without_tmux("overview_filter_and_pin") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    run_to_the_end(
        tmp.path(),
        &runs,
        r#"Preset(name: "two", seed: 0, steps: 20, log_every: Some(5), game: Bilinear(dim: 2),
        runs: [Run(name: "gda", scheme: Simultaneous, eta: 0.1),
               Run(name: "alt-hb", scheme: Alternating(), rule: HeavyBall, eta: 0.1, beta: (theta: 0.0, phi: -0.5))])"#,
    );
    let tm = Tmux::start("e2e-overview", tmp.path());
    tm.line(&format!("{BIN} attach --runs-dir {}", runs.display()));
    tm.wait("the dashboard", 10.0, |s| s.contains("saddle · 2 run(s)"));
    tm.keys(&["v"]);
    tm.wait("the overview", 5.0, |s| {
        s.contains(" · overview ") && s.contains("finished at step 20 of 20")
    });
    tm.keys(&["End"]);
    let end = tm.wait("the overview's end", 5.0, |s| {
        s.contains("--format tensorboard")
    });
    for part in [
        "provenance · 1 record",
        "started",
        "saddle resume ",
        "saddle fork ",
    ] {
        assert!(end.contains(part), "{part:?} not on\n{end}");
    }
    tm.keys(&["Escape"]);
    tm.wait("the overview closed", 5.0, |s| !s.contains(" · overview "));
    tm.keys(&["/"]);
    tm.cmd(&["send-keys", "-t", "e2e-overview", "-l", "--", "ALT"]);
    tm.wait("the filtered table", 5.0, |s| {
        s.contains("runs (1 of 2 · /ALT)") && row(s, "gda").is_empty()
    });
    tm.keys(&["Enter", "p"]);
    tm.wait("the pinned run", 5.0, |s| {
        row(s, "alt-hb").contains("◆ alt-hb")
    });
    tm.keys(&["Escape"]);
    tm.wait("the filter cleared", 5.0, |s| {
        s.contains("runs (2)") && !row(s, "gda").is_empty()
    });
    tm.keys(&["q"]);
    tm.wait("the shell again", 10.0, |s| {
        !s.contains("saddle · 2 run(s)")
    });
}

/// Creates a sweep of the preset `text` in `tmp` (runs under `tmp/runs`) with `args` after the
/// preset; returns the runs directory and the sweep's directory.
fn new_sweep(tmp: &Path, text: &str, args: &[&str]) -> (PathBuf, PathBuf) {
    let runs = tmp.join("runs");
    let preset = tmp.join("preset.ron");
    std::fs::write(&preset, text).unwrap();
    let out = Command::new(BIN)
        .current_dir(tmp)
        .arg("sweep")
        .arg(&preset)
        .args(args)
        .args(["--json", "--runs-dir"])
        .arg(&runs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    (runs, PathBuf::from(v["dir"].as_str().unwrap()))
}

/// A small local sweep, paced so its members are live while the test drives the sweep view.
const SWEEP_PRESET: &str = r#"Preset(
    name: "paced", steps: 3000, log_every: Some(10), checkpoint_every: Some(500), pace: Some(100.0),
    game: StochasticBilinear(dim: 4, components: 8, noise: 1.0),
    stop: (converge_below: None),
    runs: [Run(name: "sim", scheme: Simultaneous, eta: 0.05)],
)"#;

/// Issue 15 item 6: attach to a live local sweep, group by a grid key, pause a whole group
/// (each of its members records the pause in its events), sort the table, drill into a member
/// and come back.
#[test]
fn the_sweep_view_groups_sorts_drills_in_and_pauses_a_group() {
    if skipped_without_tmux("the_sweep_view_groups_sorts_drills_in_and_pauses_a_group") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (runs, sweep) = new_sweep(
        tmp.path(),
        SWEEP_PRESET,
        &[
            "--grid",
            "runs[*].eta=0.05,0.1",
            "--seeds",
            "0..2",
            "--jobs",
            "4",
        ],
    );
    let cancel = || {
        Command::new(BIN)
            .args(["sweep", "cancel", sweep.to_str().unwrap(), "--runs-dir"])
            .arg(&runs)
            .output()
            .unwrap()
    };
    let tm = Tmux::start("sweep", tmp.path());
    tm.line(&format!(
        "{BIN} attach {} --runs-dir {}",
        sweep.display(),
        runs.display()
    ));
    tm.wait("the sweep view with 4 running members", 20.0, |s| {
        s.contains("by configuration") && s.contains("4 running") && s.contains("sim eta=0.1")
    });
    // Group by the grid key: configuration → run → runs[*].eta.
    tm.keys(&["g", "g"]);
    let s = tm.wait("grouped by η", 5.0, |s| {
        s.contains("by runs[*].eta") && s.contains("eta=0.05") && s.contains("2 of 2 groups")
    });
    assert!(s.contains("0/2"), "no member has ended yet:\n{s}");
    // Pause the first group (η = 0.05: members 0 and 1) as a whole.
    tm.keys(&["Space"]);
    tm.wait("both answers", 15.0, |s| s.contains("paused at step"));
    let paused = |dir: &str| {
        std::fs::read_to_string(sweep.join(dir).join("events.jsonl"))
            .unwrap_or_default()
            .lines()
            .any(|l| l.contains(r#""event":"pause""#))
    };
    let t0 = Instant::now();
    while !(paused("000") && paused("001")) && t0.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        paused("000") && paused("001"),
        "each member of the group records the pause"
    );
    assert!(!paused("002") && !paused("003"), "the other group runs on");
    // Sort by the first metric (# → group → n → field_norm), then reverse it.
    tm.keys(&["s", "s", "s"]);
    tm.wait("sorted by field_norm", 5.0, |s| {
        s.contains("sorted by field_norm ▲")
    });
    tm.keys(&["S"]);
    tm.wait("reversed", 5.0, |s| s.contains("sorted by field_norm ▼"));
    // Drill into the selected group's first member: the run dashboard, then Esc back.
    tm.keys(&["Enter"]);
    tm.wait("the member in the run dashboard", 10.0, |s| {
        s.contains("esc back to the sweep") && s.contains("seed=0")
    });
    tm.keys(&["Escape"]);
    tm.wait("the sweep view again", 5.0, |s| {
        s.contains("by runs[*].eta")
    });
    tm.keys(&["q"]);
    tm.wait("the shell", 5.0, |s| s.contains("the sweep keeps running"));
    assert!(cancel().status.success());
}

/// Issue 15 items 6–7: a sweep over a 2-axis grid (η × β.φ) of alternating heavy ball on θφ.
/// The heat map marks each configuration with the stability map's prediction (β.φ < 0:
/// ρ < 1, ✓; β.φ = 0: ρ = 1, ✗), `p` shows ρ itself, and the progress pane says the feed is
/// notified of changes rather than looking at every table.
#[test]
fn the_sweep_heat_map_shows_the_predicted_radius_next_to_the_measured_values() {
    if skipped_without_tmux(
        "the_sweep_heat_map_shows_the_predicted_radius_next_to_the_measured_values",
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (runs, sweep) = new_sweep(
        tmp.path(),
        r#"Preset(
    name: "alt", steps: 400, log_every: Some(10),
    game: Bilinear(dim: 2, start: Point(theta: [1.0, 0.5], phi: [0.5, -1.0])),
    stop: (converge_below: None),
    runs: [Run(name: "alt", scheme: Alternating(d_steps: 1), rule: HeavyBall, eta: 0.1, beta: (theta: 0.0, phi: -0.3))],
)"#,
        &[
            "--grid",
            "runs[*].eta=0.1,0.2",
            "--grid",
            "runs[*].beta.phi=-0.3,0",
            "--seeds",
            "0..2",
            "--wait",
        ],
    );
    let tm = Tmux::start("heat", tmp.path());
    tm.line(&format!(
        "{BIN} attach {} --runs-dir {}",
        sweep.display(),
        runs.display()
    ));
    let s = tm.wait("the heat map with its predictions", 30.0, |s| {
        s.contains("predicted ρ < 1") && s.contains("8 done")
    });
    let heat: Vec<&str> = s
        .lines()
        .filter(|l| (l.contains('✓') || l.contains('✗')) && !l.contains("predicted ρ"))
        .collect();
    assert_eq!(heat.len(), 2, "two η rows:\n{s}");
    for row in &heat {
        assert_eq!(row.matches('✓').count(), 1, "β.φ = −0.3 converges:\n{s}");
        assert_eq!(row.matches('✗').count(), 1, "β.φ = 0 does not:\n{s}");
    }
    assert!(s.contains("feed: notified of changes"), "{s}");
    tm.keys(&["p"]);
    tm.wait("ρ itself", 5.0, |s| {
        s.contains("alt: predicted ρ") && s.contains("1.0000") && s.contains(" .9")
    });
    tm.keys(&["q"]);
    tm.wait("the shell", 5.0, |s| s.contains("the sweep keeps running"));
}
