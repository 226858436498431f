//! The Python that benchmarks compare against: `$SADDLE_PYTHON`, then `.venv/bin/python`, then
//! `python3`, whichever first runs the reference script successfully.
#![allow(dead_code)] // each benchmark uses the part it needs

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

fn candidates() -> Vec<String> {
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");
    std::env::var("SADDLE_PYTHON")
        .into_iter()
        .chain([venv.to_string(), "python3".to_string()])
        .collect()
}

fn script_path(script: &str) -> String {
    format!("{}/scripts/{script}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `scripts/<script>` with `args` under the first Python that succeeds and returns the
/// JSON object on the last line of its output (printed to stderr with the Python used).
pub fn reference(script: &str, args: &[String]) -> Option<serde_json::Value> {
    let script = script_path(script);
    for py in candidates() {
        let Ok(o) = Command::new(&py).arg(&script).args(args).output() else {
            continue;
        };
        if o.status.success() {
            let text = String::from_utf8_lossy(&o.stdout);
            let line = text.trim().lines().last()?;
            eprintln!("reference ({py}): {line}");
            return serde_json::from_str(line).ok();
        }
    }
    None
}

/// A reference kept running (`script --serve`), asked for timings between saddle's own, so both
/// see the same load on a shared machine.
pub struct Server {
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
    /// The Python that runs it.
    pub python: String,
    /// Its first line: provenance (torch version, threads, SIMD level).
    pub hello: serde_json::Value,
}

impl Server {
    /// Starts `scripts/<script> --serve args` under the first Python that answers "ready".
    pub fn start(script: &str, args: &[String]) -> Option<Server> {
        let script = script_path(script);
        for py in candidates() {
            let Ok(mut child) = Command::new(&py)
                .arg(&script)
                .arg("--serve")
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
            else {
                continue;
            };
            let input = child.stdin.take();
            let mut output = BufReader::new(child.stdout.take()?);
            let mut line = String::new();
            let hello: Option<serde_json::Value> = output
                .read_line(&mut line)
                .ok()
                .and_then(|_| serde_json::from_str(&line).ok());
            match hello {
                Some(h) if h["ready"] == serde_json::Value::Bool(true) => {
                    return Some(Server {
                        child,
                        input,
                        output,
                        python: py,
                        hello: h,
                    })
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
        None
    }

    /// Sends one request, returns the reply (None if the process died).
    pub fn ask(&mut self, request: serde_json::Value) -> Option<serde_json::Value> {
        let input = self.input.as_mut()?;
        writeln!(input, "{request}").ok()?;
        input.flush().ok()?;
        let mut line = String::new();
        self.output.read_line(&mut line).ok()?;
        serde_json::from_str(&line).ok()
    }

    /// "PyTorch 2.x (threads T, ATen SIMD S)".
    pub fn describe(&self) -> String {
        format!(
            "PyTorch {} ({} threads, ATen SIMD {}) via {}",
            self.hello["torch"].as_str().unwrap_or("?"),
            self.hello["threads"],
            self.hello["simd"].as_str().unwrap_or("?"),
            self.python
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.input.take()); // EOF ends the serving loop
        if self.child.wait().is_err() {
            let _ = self.child.kill();
        }
    }
}

/// The median of `v` (the mean of the middle two for an even count; NaN when empty).
pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let h = v.len() / 2;
    if v.len().is_multiple_of(2) {
        0.5 * (v[h - 1] + v[h])
    } else {
        v[h]
    }
}

/// "min–max" of `v`.
pub fn range(v: &[f64], digits: usize) -> String {
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    format!("{lo:.digits$}–{hi:.digits$}")
}

/// Resident memory of this process in MB (NaN where /proc cannot be read).
pub fn rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The bench's `[REPEATS [ROUNDS]]` arguments (the numbers on its command line, in that
/// order; `default` where absent), with rayon's global pool set to one thread, as the
/// PyTorch side runs.
pub fn one_thread_rounds(default: (usize, usize)) -> (usize, usize) {
    let nums: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let repeats = nums.first().copied().unwrap_or(default.0).max(1);
    let rounds = nums.get(1).copied().unwrap_or(default.1).max(1);
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("global pool");
    (repeats, rounds)
}

/// CPU seconds (user + system, every thread) this process has used so far.
pub fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 * 1e-6;
    t(u.ru_utime) + t(u.ru_stime)
}
