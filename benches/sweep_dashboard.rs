//! Sweep view benchmark (`cargo bench --bench sweep_dashboard`): the sweep view attached to a
//! 1 000-member sweep whose members keep writing rows (issue 15 item 7). Prints, with the
//! machine: the time of a 160×48 frame (widgets → buffer → diff → escape codes into a sink),
//! wall and the CPU time of its thread,
//! keypress-to-redraw, the CPU the dashboard takes when nothing changes, resident memory, and
//! how the feed learns of new rows (file-change notifications, or looking).
//! Nothing is hard-coded: every number is measured now.
//!
//! Environment: SADDLE_BENCH_MEMBERS (default 1000), SADDLE_BENCH_ROWS (rows each member has
//! logged before the dashboard opens, default 500), SADDLE_BENCH_IDLE_SECS (default 10).

#[path = "support/python.rs"]
mod python;

use python::{cpu_seconds, rss_mb};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use saddle::machine::Machine;
use saddle::sweep::expand::Configuration;
use saddle::sweep::manifest::{Member, MANIFEST};
use saddle::sweep::{Axis, Executor, Manifest, SweepDir};
use saddle::tui::log::Log;
use saddle::tui::terminal::{draw_synchronized, CountingWriter};
use saddle::tui::theme::Theme;
use saddle::tui::{watch, Dashboard};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HEADER: &str =
    "step,oracle_calls,wall_time,jv_equivalents,loss_theta,loss_phi,field_norm,distance_to_equilibrium,eta_theta,eta_phi,beta_theta,beta_phi";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds of the calling thread: a frame's own work, whatever else shares the cores (on
/// a loaded 2-core machine the wall time of a frame also counts the waits for a core).
fn thread_cpu_secs() -> f64 {
    // SAFETY: clock_gettime fills the timespec it is given.
    let mut t: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

fn row(member: usize, step: u64) -> String {
    let s = step as f64;
    let rate = 1e-3 * (1.0 + (member % 100) as f64 / 50.0);
    let v = (-rate * s).exp() * (1.0 + 0.05 * ((member * 7 + step as usize) % 11) as f64);
    format!(
        "{step},{step},{:.3},{step},{:.6},{:.6},{:.6},{:.6},0.05,0.05,0,-0.5",
        s * 1e-3,
        -v,
        v,
        2.0 * v,
        v
    )
}

/// A sweep directory of `n` members over a 2-axis grid (10 values × 10 values × n/100 seeds),
/// each with `rows` rows logged.
fn make_sweep(dir: &Path, n: usize, rows: u64) -> SweepDir {
    let etas: Vec<String> = (1..=10).map(|k| format!("{}", k as f64 * 0.01)).collect();
    let betas: Vec<String> = (0..10)
        .map(|k| format!("{}", -0.5 + k as f64 * 0.1))
        .collect();
    let seeds = n.div_ceil(100);
    let mut configurations = vec![];
    let mut members = vec![];
    'outer: for e in &etas {
        for b in &betas {
            let c = configurations.len();
            let label = format!("sim eta={e} beta.phi={b}");
            for seed in 0..seeds {
                let i = members.len();
                if i == n {
                    break 'outer;
                }
                members.push(Member {
                    index: i,
                    id: format!("bench/{i:04}"),
                    dir: format!("{i:04}"),
                    name: format!("{label} seed={seed}"),
                    configuration: c,
                    seed: seed as u64,
                });
            }
            configurations.push(Configuration {
                index: c,
                run: "sim".into(),
                grid: vec![
                    ("runs[*].eta".into(), e.clone()),
                    ("runs[*].beta.phi".into(), b.clone()),
                ],
                label,
            });
        }
    }
    let manifest = Manifest {
        version: 1,
        id: "bench".into(),
        name: "bench".into(),
        preset: "synthetic".into(),
        origin: "<bench>".into(),
        created: 0.0,
        grid: vec![
            Axis {
                path: "runs[*].eta".into(),
                values: etas,
            },
            Axis {
                path: "runs[*].beta.phi".into(),
                values: betas,
            },
        ],
        seeds: (0..seeds as u64).collect(),
        executor: Executor::Local,
        jobs: None,
        keep_checkpoints: 1,
        slurm: None,
        configurations,
        members,
    };
    for m in &manifest.members {
        let d = dir.join(&m.dir);
        std::fs::create_dir_all(&d).unwrap();
        let mut text = format!("{HEADER}\n");
        for s in 0..rows {
            text.push_str(&row(m.index, s * 10));
            text.push('\n');
        }
        std::fs::write(d.join("metrics.csv"), text).unwrap();
    }
    std::fs::write(
        dir.join(MANIFEST),
        serde_json::to_string(&manifest).unwrap(),
    )
    .unwrap();
    SweepDir {
        path: dir.to_path_buf(),
    }
}

fn stats(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    format!(
        "median {:.2} ms, p95 {:.2} ms, max {:.2} ms (n = {})",
        q(0.5),
        q(0.95),
        q(1.0),
        v.len()
    )
}

fn main() {
    let n = env("SADDLE_BENCH_MEMBERS", 1000);
    let rows = env("SADDLE_BENCH_ROWS", 500) as u64;
    let idle = env("SADDLE_BENCH_IDLE_SECS", 10) as u64;
    println!("sweep_dashboard: {n} synthetic members, {rows} rows each before opening");
    println!("  machine: {}", Machine::with_threads(1));
    let tmp = tempfile::tempdir().unwrap();
    let rss0 = rss_mb();
    let sweep = make_sweep(tmp.path(), n, rows);
    let log = Log::open(tmp.path());
    let mut dash = Dashboard::for_sweep(sweep.clone(), tmp.path(), Theme::default(), log).unwrap();
    let t0 = Instant::now();
    let loaded = |d: &Dashboard| {
        d.sweep.as_ref().is_some_and(|s| {
            let data = s.watch.data();
            data.members.iter().all(|m| m.series.rows() >= rows)
        })
    };
    while !loaded(&dash) {
        std::thread::sleep(Duration::from_millis(20));
        assert!(
            t0.elapsed() < Duration::from_secs(600),
            "the members were not read in 10 min"
        );
    }
    println!(
        "  first read of every member: {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    if let Some(s) = &dash.sweep {
        println!("  feed: {}", s.watch.how());
    }
    // Writers: every member appends a row every 100 ms while frames are measured.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, dir) = (stop.clone(), tmp.path().to_path_buf());
        std::thread::spawn(move || {
            let mut step = rows * 10;
            while !stop.load(Ordering::Relaxed) {
                for i in 0..n {
                    let p = dir.join(format!("{i:04}")).join("metrics.csv");
                    let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
                    writeln!(f, "{}", row(i, step)).unwrap();
                }
                step += 10;
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let w = CountingWriter::new(std::io::sink());
    let opts = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, 160, 48)),
    };
    let mut term = Terminal::with_options(CrosstermBackend::new(w), opts).unwrap();
    let mut frames = vec![];
    let mut frames_cpu = vec![];
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(30));
        dash.poll(Instant::now());
        let (t, c) = (Instant::now(), thread_cpu_secs());
        draw_synchronized(&mut term, |f| dash.draw(f.area(), f.buffer_mut())).unwrap();
        frames.push(t.elapsed().as_secs_f64() * 1e3);
        frames_cpu.push((thread_cpu_secs() - c) * 1e3);
    }
    println!(
        "  frame at 160×48 while 1 000 members write (target ≤ 5 ms): {}",
        stats(frames)
    );
    println!(
        "  the same frames' CPU time on their thread (no waits for a core): {}",
        stats(frames_cpu)
    );
    let mut keys = vec![];
    for (k, c) in "gggsssSbv/".chars().chain(['\n']).enumerate() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        let t = Instant::now();
        dash.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        if k == 9 {
            for ch in "eta=0.0".chars() {
                dash.on_key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE));
            }
        }
        draw_synchronized(&mut term, |f| dash.draw(f.area(), f.buffer_mut())).unwrap();
        keys.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!("  keypress to redraw (target ≤ 100 ms): {}", stats(keys));
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    // Nothing changes: the dashboard's loop (poll every 100 ms, draw when changed) and its
    // feed thread, for `idle` seconds.
    std::thread::sleep(Duration::from_millis(600));
    let (c0, w0) = (cpu_seconds(), Instant::now());
    let end = w0 + Duration::from_secs(idle);
    watch(&mut dash, &mut term, 10.0, |_| Instant::now() >= end).unwrap();
    let share = (cpu_seconds() - c0) / w0.elapsed().as_secs_f64();
    println!(
        "  idle CPU (nothing written, {idle} s; target ≤ 5% of one core): {:.2}%",
        100.0 * share
    );
    println!(
        "  resident memory (target ≤ 300 MB): {:.1} MB (before the sweep {:.1} MB)",
        rss_mb(),
        rss0
    );
}
