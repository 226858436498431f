//! Dashboard benchmark (`cargo bench --bench dashboard`): prints measured numbers against the
//! targets of the dashboard issue. Nothing here is hard-coded: every number is measured now.
//!
//! 1. resident memory holding 8 runs × 10⁶ logged rows of history (target ≤ 100 MB);
//! 2. render time per frame at 160×48 with 8 runs, new rows arriving between frames
//!    (widgets → buffer → diff → escape codes into a sink; target ≤ 2 ms);
//! 3. bytes written to the terminal per second in steady state, watching the paced default
//!    preset train in a worker process (target ≤ 20 KB/s);
//! 4. training throughput with the dashboard attached vs headless, one unpaced run, repeated
//!    (target ratio ≥ 0.97).
//!
//! Environment: SADDLE_BENCH_STEPS (steps of the throughput run, default 2·10⁶),
//! SADDLE_BENCH_REPS (repetitions, default 3).

#[path = "support/python.rs"]
mod python;

use python::rss_mb;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use saddle::run::listing::list;
use saddle::run::metrics::{
    BASE_COLUMNS, BETA_PHI, BETA_THETA, DISTANCE_TO_EQUILIBRIUM, ETA_PHI, ETA_THETA, FIELD_NORM,
    LOSS_PHI, LOSS_THETA, PHI_0, SPECTRAL_RADIUS, THETA_0, TRACE_COLUMNS, X_COLUMNS,
};
use saddle::run::store::RunDir;
use saddle::run::RunConfig;
use saddle::tui::model::{RunData, RunStatus};
use saddle::tui::terminal::{draw_synchronized, CountingWriter};
use saddle::tui::theme::Theme;
use saddle::tui::{layout, log::Log, watch, Dashboard};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_saddle");

fn sink_terminal() -> (
    Terminal<CrosstermBackend<CountingWriter<std::io::Sink>>>,
    std::sync::Arc<std::sync::atomic::AtomicU64>,
) {
    let w = CountingWriter::new(std::io::sink());
    let bytes = w.counter();
    let opts = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, 160, 48)),
    };
    (
        Terminal::with_options(CrosstermBackend::new(w), opts).expect("terminal"),
        bytes,
    )
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// CPU seconds (user + system) used so far by this process, or by its reaped children.
fn cpu_s(who: libc::c_int) -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut ru) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 * 1e-6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn saddle(cwd: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("saddle runs");
    assert!(
        out.status.success(),
        "saddle {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn steps_per_s(dir: &Path) -> f64 {
    let s = summary(dir);
    s["step"].as_f64().unwrap() / s["wall_time"].as_f64().unwrap()
}

/// The resolved configs of the built-in default preset.
fn default_configs() -> Vec<RunConfig> {
    let text = saddle::run::builtin::builtin("default").expect("built-in default preset");
    let p = saddle::run::Preset::parse(text, "default").expect("default preset parses");
    p.resolve().expect("default preset resolves")
}

/// `n` runs of `rows` logged rows each, with smoothly varying values, in the default preset's
/// value columns (the engine's: no averages, with ρ).
fn synthetic_runs(n: usize, rows: u64) -> Vec<RunData> {
    let cols: Vec<String> = BASE_COLUMNS
        .iter()
        .chain(&TRACE_COLUMNS)
        .chain(&[SPECTRAL_RADIUS])
        .map(|s| s.to_string())
        .collect();
    let at = |name: &str| X_COLUMNS.len() + cols.iter().position(|c| c == name).expect(name);
    let cells = [
        LOSS_THETA,
        LOSS_PHI,
        FIELD_NORM,
        DISTANCE_TO_EQUILIBRIUM,
        ETA_THETA,
        ETA_PHI,
        BETA_THETA,
        BETA_PHI,
        THETA_0,
        PHI_0,
    ]
    .map(at);
    let rho = at(SPECTRAL_RADIUS);
    (0..n)
        .map(|k| {
            let mut r = RunData::new(
                &format!("bench-{k}"),
                &format!("run {k}"),
                "simultaneous+gradient",
                cols.clone(),
                k,
            );
            r.steps = rows;
            r.status = RunStatus::Known(saddle::run::Status::Running);
            let mut row = vec![None; X_COLUMNS.len() + cols.len()];
            for t in 0..rows {
                let x = t as f64;
                let a = 1.0 + k as f64 * 0.1;
                let (th, ph) = (
                    a * (x * 0.01).cos() * (-x * 1e-6).exp(),
                    a * (x * 0.01).sin() * (-x * 1e-6).exp(),
                );
                row[0] = Some(x);
                row[1] = Some(2.0 * x);
                row[2] = Some(x * 1e-4);
                let values = [
                    th * ph,
                    -th * ph,
                    th.hypot(ph),
                    th.hypot(ph),
                    0.1,
                    0.1,
                    0.0,
                    -0.5,
                    th,
                    ph,
                ];
                for (i, v) in cells.iter().zip(values) {
                    row[*i] = Some(v);
                }
                row[rho] = (t % 50 == 0).then_some(1.0 - 1e-3 * k as f64);
                r.push_row(&row);
            }
            r
        })
        .collect()
}

fn main() {
    // `cargo bench` passes --bench; nothing to parse.
    println!(
        "saddle dashboard benchmark ({} cores, load average {} at start)",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg()
    );

    // 1. Memory.
    let before = rss_mb();
    let t = Instant::now();
    let mut runs = synthetic_runs(8, 1_000_000);
    let built = t.elapsed().as_secs_f64();
    let after = rss_mb();
    let heap: usize = runs.iter().map(|r| r.series.heap_bytes()).sum();
    println!(
        "memory: 8 runs × 1000000 rows of history: process resident {after:.1} MB (before {before:.1} MB, +{:.1} MB; \
         series buckets {:.2} MB; ingest {:.1} M rows/s) — target ≤ 100 MB: {}",
        after - before,
        heap as f64 / 1e6,
        8.0 / built,
        if after <= 100.0 { "met" } else { "NOT met" }
    );

    // 2. Render time per frame at 160×48, 8 runs, rows arriving between frames.
    let cfg = default_configs()[1].clone();
    for r in &mut runs {
        r.config = Some(cfg.clone());
    }
    let mut app = saddle::tui::app::App::new(runs, Theme::default());
    app.runs_dir = "runs".into();
    let (mut term, bytes) = sink_terminal();
    let mut times = vec![];
    let mut cpu_ms = 0.0;
    let mut row = vec![None; app.runs[0].columns.len() + 3];
    for frame in 0..300u64 {
        for (k, r) in app.runs.iter_mut().enumerate() {
            for j in 0..50u64 {
                let x = (1_000_000 + frame * 50 + j) as f64;
                let v = (1.0 + k as f64 * 0.1) * (-x * 1e-6).exp();
                row[0] = Some(x);
                row[1] = Some(2.0 * x);
                row[2] = Some(x * 1e-4);
                for c in &mut row[3..] {
                    *c = Some(v);
                }
                r.push_row(&row);
            }
            r.step = 1_000_000 + frame * 50;
        }
        app.refresh_phase();
        let (t, c) = (Instant::now(), cpu_s(libc::RUSAGE_SELF));
        draw_synchronized(&mut term, |f| layout::draw(&app, f.area(), f.buffer_mut())).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        cpu_ms += (cpu_s(libc::RUSAGE_SELF) - c) * 1e3;
    }
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let (min, p50, p99) = (
        percentile(&mut times, 0.0),
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.99),
    );
    println!(
        "render: 160×48, 8 runs × 10⁶ rows, 300 frames: wall mean {mean:.3} ms, min {min:.3} ms, p50 {p50:.3} ms, p99 {p99:.3} ms, CPU mean {:.3} ms per frame \
         ({:.0} B/frame with data changing every frame) — target ≤ 2 ms: {}",
        cpu_ms / 300.0,
        bytes.load(Ordering::Relaxed) as f64 / 300.0,
        if mean <= 2.0 {
            "met"
        } else if cpu_ms / 300.0 <= 2.0 {
            "met in CPU time (the wall-clock mean includes preemption by other load)"
        } else {
            "NOT met"
        }
    );
    drop(app);

    let tmp = tempfile::tempdir().expect("temp dir");

    // 3. Bytes per second watching the paced default preset (300 steps/s, 4 runs).
    let runs_dir = tmp.path().join("bytes");
    saddle(
        tmp.path(),
        &[
            "run",
            "default",
            "--detach",
            "--runs-dir",
            runs_dir.to_str().unwrap(),
        ],
    );
    let dirs: Vec<RunDir> = list(&runs_dir).into_iter().map(|l| l.dir).collect();
    let mut dash = Dashboard::new(dirs, &runs_dir, Theme::default(), Log::default());
    let (mut term, bytes) = sink_terminal();
    let t0 = Instant::now();
    watch(&mut dash, &mut term, 10.0, |_| {
        t0.elapsed() >= Duration::from_millis(1500)
    })
    .unwrap();
    let (b0, t1) = (bytes.load(Ordering::Relaxed), Instant::now());
    let frames = watch(&mut dash, &mut term, 10.0, |_| {
        t1.elapsed() >= Duration::from_secs(6)
    })
    .unwrap();
    let secs = t1.elapsed().as_secs_f64();
    let rate = (bytes.load(Ordering::Relaxed) - b0) as f64 / secs;
    println!(
        "bytes: default preset live (4 runs, 300 steps/s), 160×48 at --fps 10: {:.0} B/s over {secs:.1} s, {frames} frames \
         ({:.0} B/frame) — target ≤ 20 KB/s: {}",
        rate,
        (bytes.load(Ordering::Relaxed) - b0) as f64 / frames.max(1) as f64,
        if rate <= 20_000.0 { "met" } else { "NOT met" }
    );
    let silent = dash.stop_all();
    assert_eq!(silent, 0, "runs did not stop");
    drop(dash);

    // 4. Throughput: one unpaced run, headless vs with the dashboard attached.
    let steps: u64 = std::env::var("SADDLE_BENCH_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000);
    let reps: usize = std::env::var("SADDLE_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let preset = tmp.path().join("throughput.ron");
    std::fs::write(
        &preset,
        format!(
            "Preset(name: \"throughput\", description: \"alternating GD on θφ, cycles forever\", seed: 0, steps: {steps}, \
             log_every: Some(5), spectral_every: Some(50), game: Bilinear(dim: 1, start: Point(theta: [2.0], phi: [0.5])), \
             runs: [Run(name: \"alternating\", scheme: Alternating(d_steps: 1), eta: 0.2)])"
        ),
    )
    .unwrap();
    let (mut headless, mut attached) = (vec![], vec![]);
    let configs =
        saddle::run::Preset::parse(&std::fs::read_to_string(&preset).unwrap(), "throughput")
            .and_then(|p| p.resolve())
            .expect("throughput preset");
    // Both sides run the same worker process (`saddle worker DIR`, what `--detach` starts) as
    // a child of this one, so its CPU time is measured exactly; the only difference is the
    // dashboard watching.
    let train = |name: &str, with_dashboard: bool| -> (f64, f64, f64, u64) {
        let runs_dir = tmp.path().join(name);
        let dir = saddle::run::engine::create_dir(&runs_dir, &configs[0], "").unwrap();
        let c0 = cpu_s(libc::RUSAGE_CHILDREN);
        let mut child = Command::new(BIN)
            .current_dir(tmp.path())
            .arg("worker")
            .arg(&dir.path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let (mut dash_cpu, mut frames) = (0.0, 0);
        if with_dashboard {
            let mut dash = Dashboard::new(
                vec![dir.clone()],
                &runs_dir,
                Theme::default(),
                Log::default(),
            );
            let (mut term, _) = sink_terminal();
            let (t0, d0) = (Instant::now(), cpu_s(libc::RUSAGE_SELF));
            frames = watch(&mut dash, &mut term, 10.0, |_| {
                child.try_wait().unwrap().is_some()
            })
            .unwrap();
            dash.poll(Instant::now() + Duration::from_secs(1));
            assert_eq!(
                dash.app.runs[0].series.rows(),
                steps / 5 + 1,
                "the dashboard read every row"
            );
            dash_cpu = (cpu_s(libc::RUSAGE_SELF) - d0) / t0.elapsed().as_secs_f64();
        }
        assert!(child.wait().unwrap().success());
        let worker_cpu = cpu_s(libc::RUSAGE_CHILDREN) - c0;
        let s = summary(&dir.path);
        assert_eq!(s["status"], "finished", "{s}");
        (
            steps_per_s(&dir.path),
            steps as f64 / worker_cpu,
            dash_cpu,
            frames,
        )
    };
    let (mut h_cpu, mut a_cpu, mut dash_cpu) = (vec![], vec![], vec![]);
    for rep in 0..reps {
        // Alternate the order so a drift of the machine's load hits both sides alike.
        let (h, a) = if rep % 2 == 0 {
            let h = train(&format!("h{rep}"), false);
            (h, train(&format!("a{rep}"), true))
        } else {
            let a = train(&format!("a{rep}"), true);
            (train(&format!("h{rep}"), false), a)
        };
        headless.push(h.0);
        attached.push(a.0);
        h_cpu.push(h.1);
        a_cpu.push(a.1);
        dash_cpu.push(a.2);
        println!(
            "  rep {rep}: headless {:.0} steps/s ({:.0} per CPU-second), attached {:.0} steps/s ({:.0} per CPU-second; \
             {} frames, dashboard {:.1}% of one core), load average {}",
            h.0,
            h.1,
            a.0,
            a.1,
            a.3,
            a.2 * 100.0,
            loadavg()
        );
    }
    let (mhc, mac) = (percentile(&mut h_cpu, 0.5), percentile(&mut a_cpu, 0.5));
    println!(
        "throughput per CPU-second of the worker (robust to other load on the machine): headless {mhc:.0}, attached {mac:.0}, \
         ratio {:.3} — target ≥ 0.97: {}",
        mac / mhc,
        if mac / mhc >= 0.97 { "met" } else { "NOT met" }
    );
    let (mh, ma) = (
        percentile(&mut headless, 0.5),
        percentile(&mut attached, 0.5),
    );
    println!(
        "throughput (wall clock): {steps} steps, median of {reps}: headless {mh:.0} steps/s, dashboard attached {ma:.0} steps/s, \
         ratio {:.3} (dashboard used {:.1}% of one core) — target ≥ 0.97: {}",
        ma / mh,
        percentile(&mut dash_cpu, 0.5) * 100.0,
        if ma / mh >= 0.97 { "met" } else { "NOT met" }
    );
}
