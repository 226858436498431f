//! What the system sampler costs a run: the same toy-game run (extragradient on a bilinear
//! game, d = 200 per player) through the real binary with the sampler off
//! (`SADDLE_SYSTEM_EVERY=0`) and on at 0.05 s — 200 times its default rate, so its cost shows
//! at all — alternating round by round, steps per second of stepping time from each run's
//! summary. Prints the machine and the ratio on/off (the goal: within 1% at the default rate).
//!
//!     cargo bench --bench system_sampler [-- ROUNDS]    (default 5)

use saddle::machine::Machine;
use std::process::{Command, Stdio};

const PRESET: &str = r#"Preset(
    name: "sampler-cost", seed: 1, steps: 40000, log_every: Some(1000),
    game: Bilinear(dim: 200),
    stop: (converge_below: None),
    runs: [Run(name: "eg", scheme: Extragradient(), eta: 0.05)],
)"#;

/// Steps per second of stepping time of one run with `SADDLE_SYSTEM_EVERY=every`.
fn steps_per_s(dir: &std::path::Path, preset: &std::path::Path, every: &str) -> f64 {
    let runs = dir.join(format!("runs-{every}"));
    let out = Command::new(env!("CARGO_BIN_EXE_saddle"))
        .args(["run", preset.to_str().unwrap(), "--json", "--runs-dir"])
        .arg(&runs)
        .env("SADDLE_SYSTEM_EVERY", every)
        .stdin(Stdio::null())
        .output()
        .expect("saddle runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    let s: serde_json::Value = serde_json::from_str(line.lines().last().unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&runs);
    s["step"].as_f64().unwrap() / s["wall_time"].as_f64().unwrap()
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5)
        .max(1);
    let dir = tempfile::tempdir().unwrap();
    let preset = dir.path().join("sampler-cost.ron");
    std::fs::write(&preset, PRESET).unwrap();
    println!("system sampler cost: a d = 200 bilinear extragradient run, 40 000 steps, off vs every 0.05 s");
    println!("  {}", Machine::current());
    let mut ratios = vec![];
    for r in 0..rounds {
        let off = steps_per_s(dir.path(), &preset, "0");
        let on = steps_per_s(dir.path(), &preset, "0.05");
        ratios.push(on / off);
        println!(
            "  round {r}: off {off:9.0} steps/s, on {on:9.0} steps/s, on/off {:.3}",
            on / off
        );
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "on/off: {:.3} (median of {rounds} rounds; range {:.3}–{:.3}); at the default 10 s the sampler runs 200 times less often",
        ratios[rounds / 2],
        ratios[0],
        ratios[rounds - 1]
    );
}
