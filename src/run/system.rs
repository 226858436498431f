//! The machine as a run sees it, sampled off the step path: `system.csv` in the run directory,
//! one row about every 10 s (`SADDLE_SYSTEM_EVERY=SECONDS`, 0 turns it off) — the process's
//! CPU use (in all, and of the run's own thread), resident memory, threads, open files; the
//! machine's load and memory; and, where an NVIDIA driver is present, its GPUs (through NVML
//! loaded at run time, see [`super::nvml`]). Append-only like `metrics.csv`: a row cut by a
//! crash is dropped by readers and cut off when the run opens again.

use super::nvml::Nvml;
use crate::error::{io_error, Error, Result};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The file in the run directory.
pub const SYSTEM: &str = "system.csv";

/// Seconds between samples unless `SADDLE_SYSTEM_EVERY` says otherwise.
pub const DEFAULT_EVERY: f64 = 10.0;

/// The columns of `system.csv`, in order. GPU columns sum (memory, power), average
/// (utilization) or take the maximum (temperature) over the visible GPUs; empty without one.
/// `gpu_process_memory_bytes` is this process's own GPU memory on all of them (0 when it holds
/// none; empty without a GPU or when the driver cannot tell); files written before it existed
/// lack that last column, and their rows read with it empty ([`SystemSample::parse`]).
pub const COLUMNS: [&str; 16] = [
    "unix_time",
    "cpu_percent",
    "run_thread_cpu_percent",
    "rss_bytes",
    "threads",
    "open_files",
    "load_1m",
    "mem_available_bytes",
    "mem_total_bytes",
    "gpus",
    "gpu_utilization_percent",
    "gpu_memory_used_bytes",
    "gpu_memory_total_bytes",
    "gpu_temperature_c",
    "gpu_power_w",
    "gpu_process_memory_bytes",
];

/// Columns of the files written before `gpu_process_memory_bytes`: still read.
const OLD_COLUMNS: usize = 15;

/// One row of `system.csv`; a value that could not be read is NaN (an empty field).
#[derive(Clone, Debug, PartialEq)]
pub struct SystemSample {
    /// The values in [`COLUMNS`] order.
    pub values: [f64; COLUMNS.len()],
}

impl SystemSample {
    /// The value of a column by name.
    pub fn get(&self, column: &str) -> Option<f64> {
        COLUMNS
            .iter()
            .position(|c| *c == column)
            .map(|i| self.values[i])
    }

    fn to_line(&self) -> String {
        let fields: Vec<String> = self
            .values
            .iter()
            .map(|v| {
                if v.is_finite() {
                    format!("{v}")
                } else {
                    String::new()
                }
            })
            .collect();
        fields.join(",")
    }

    /// One data row of `system.csv` (also one of a file written before the last column
    /// existed: that value is then NaN); None for the header, a torn or a foreign line.
    pub fn parse(line: &str) -> Option<SystemSample> {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != COLUMNS.len() && fields.len() != OLD_COLUMNS {
            return None;
        }
        let mut values = [f64::NAN; COLUMNS.len()];
        for (v, f) in values.iter_mut().zip(fields) {
            if !f.is_empty() {
                *v = f.parse().ok()?;
            }
        }
        values[0].is_finite().then_some(SystemSample { values })
    }

    /// Every whole row of a run's `system.csv` (none when it does not exist); a torn or
    /// foreign line is skipped.
    pub fn read_all(path: &Path) -> Vec<SystemSample> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let whole = match text.rfind('\n') {
            Some(i) => &text[..=i],
            None => "",
        };
        whole
            .lines()
            .skip(1)
            .filter_map(SystemSample::parse)
            .collect()
    }
}

/// CPU ticks of a `/proc/.../stat` line: utime + stime, and the thread count.
fn stat_ticks(text: &str) -> Option<(u64, u64)> {
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some((ticks, f.get(17)?.parse().ok()?))
}

fn kib_field(text: &str, key: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |k| k * 1024.0)
}

/// What one sample reads, and what the CPU percentages are measured against.
struct Probe {
    thread: Option<i64>,
    nvml: Option<Nvml>,
    ticks_per_s: f64,
    last: Option<(Instant, u64, Option<u64>)>,
}

impl Probe {
    fn new(thread: Option<i64>) -> Probe {
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        Probe {
            thread,
            nvml: Nvml::load().ok(),
            ticks_per_s: if hz > 0 { hz as f64 } else { 100.0 },
            last: None,
        }
    }

    fn sample(&mut self) -> SystemSample {
        let now = Instant::now();
        let proc_stat = std::fs::read_to_string("/proc/self/stat").ok();
        let (ticks, threads) = proc_stat.as_deref().and_then(stat_ticks).unzip();
        let thread_ticks = self.thread.and_then(|tid| {
            let t = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
            stat_ticks(&t).map(|x| x.0)
        });
        let percent = |before: Option<u64>, after: Option<u64>, dt: f64| match (before, after) {
            (Some(a), Some(b)) if dt > 0.0 => {
                100.0 * b.saturating_sub(a) as f64 / self.ticks_per_s / dt
            }
            _ => f64::NAN,
        };
        let (cpu, thread_cpu) = match self.last {
            Some((t0, p0, th0)) => {
                let dt = now.duration_since(t0).as_secs_f64();
                (percent(Some(p0), ticks, dt), percent(th0, thread_ticks, dt))
            }
            None => (f64::NAN, f64::NAN),
        };
        if let Some(p) = ticks {
            self.last = Some((now, p, thread_ticks));
        }
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next()?.parse().ok())
            .unwrap_or(f64::NAN);
        let open_files = std::fs::read_dir("/proc/self/fd").map_or(f64::NAN, |d| d.count() as f64);
        let gpus = self.nvml.as_ref().map(|n| n.sample()).unwrap_or_default();
        let k = gpus.len() as f64;
        let (gpu_util, gpu_used, gpu_total, gpu_temp, gpu_power) = if gpus.is_empty() {
            (f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN)
        } else {
            (
                gpus.iter().map(|g| g.utilization_percent).sum::<f64>() / k,
                gpus.iter().map(|g| g.memory_used as f64).sum(),
                gpus.iter().map(|g| g.memory_total as f64).sum(),
                gpus.iter()
                    .map(|g| g.temperature_c)
                    .fold(f64::NAN, f64::max),
                gpus.iter().map(|g| g.power_w).sum(),
            )
        };
        SystemSample {
            values: [
                crate::clock::unix_now(),
                cpu,
                thread_cpu,
                kib_field(&status, "VmRSS:"),
                threads.map_or(f64::NAN, |t| t as f64),
                open_files,
                load,
                kib_field(&meminfo, "MemAvailable:"),
                kib_field(&meminfo, "MemTotal:"),
                if self.nvml.is_some() { k } else { f64::NAN },
                gpu_util,
                gpu_used,
                gpu_total,
                gpu_temp,
                gpu_power,
                self.nvml
                    .as_ref()
                    .and_then(Nvml::process_memory)
                    .map_or(f64::NAN, |b| b as f64),
            ],
        }
    }
}

/// Cuts a torn last line off `path` and writes the header into a new or empty file.
fn open_table(path: &Path) -> Result<()> {
    let text = std::fs::read(path).unwrap_or_default();
    if text.is_empty() {
        return crate::files::append_line(path, &COLUMNS.join(","));
    }
    if text.last() != Some(&b'\n') {
        let keep = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| io_error(path, e))?;
        f.set_len(keep as u64).map_err(|e| io_error(path, e))?;
        if keep == 0 {
            return crate::files::append_line(path, &COLUMNS.join(","));
        }
    }
    Ok(())
}

/// The sampling interval from `SADDLE_SYSTEM_EVERY` (seconds; 0 = off), else the default.
pub fn interval_from_env() -> Result<Option<Duration>> {
    match std::env::var("SADDLE_SYSTEM_EVERY") {
        Err(_) => Ok(Some(Duration::from_secs_f64(DEFAULT_EVERY))),
        Ok(v) => parse_every(&v),
    }
}

/// `SECONDS` (≥ 0.05) or `0` (off).
fn parse_every(v: &str) -> Result<Option<Duration>> {
    match v.trim().parse::<f64>() {
        Ok(0.0) => Ok(None),
        Ok(s) if s.is_finite() && s >= 0.05 => Ok(Some(Duration::from_secs_f64(s))),
        _ => Err(Error::input(format!(
            "SADDLE_SYSTEM_EVERY={v:?}: expected seconds ≥ 0.05, or 0 to turn the sampler off"
        ))),
    }
}

/// A thread appending a [`SystemSample`] to a file every interval until dropped. It never
/// touches the run's state, so it cannot slow or change a step; dropping it stops it at once.
pub struct SystemSampler {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl SystemSampler {
    /// Starts sampling into `path` every `every`; `thread` is the run thread's id (Linux
    /// `gettid`) whose CPU use is recorded beside the process's.
    pub fn start(path: PathBuf, every: Duration, thread: Option<i64>) -> Result<SystemSampler> {
        open_table(&path)?;
        let (tx, rx) = mpsc::channel::<()>();
        let handle = std::thread::Builder::new()
            .name("saddle-system".into())
            .spawn(move || {
                let mut probe = Probe::new(thread);
                loop {
                    let row = probe.sample().to_line();
                    // A full disk must not end the run: the sampler stops writing instead.
                    if crate::files::append_line(&path, &row).is_err() {
                        return;
                    }
                    match rx.recv_timeout(every) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                }
            })
            .map_err(|e| Error::failure(format!("system sampler: {e}")))?;
        Ok(SystemSampler {
            stop: Some(tx),
            thread: Some(handle),
        })
    }
}

impl Drop for SystemSampler {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The calling thread's id (Linux), for [`SystemSampler::start`].
pub fn this_thread_id() -> Option<i64> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions.
        Some(i64::from(unsafe { libc::gettid() }))
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn samples_land_with_every_column_and_a_torn_tail_is_dropped_then_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SYSTEM);
        let busy = std::thread::spawn(|| {
            let t0 = Instant::now();
            let mut x = 0u64;
            while t0.elapsed() < Duration::from_millis(400) {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            x
        });
        let s = SystemSampler::start(path.clone(), Duration::from_millis(100), this_thread_id())
            .unwrap();
        std::thread::sleep(Duration::from_millis(450));
        drop(s);
        busy.join().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().next().unwrap(), COLUMNS.join(","));
        let rows = SystemSample::read_all(&path);
        assert!(rows.len() >= 3, "{text}");
        for r in &rows {
            assert!(r.get("rss_bytes").unwrap() > 1e6, "{r:?}");
            assert!(r.get("threads").unwrap() >= 2.0);
            assert!(r.get("open_files").unwrap() >= 1.0);
            assert!(r.get("mem_total_bytes").unwrap() >= r.get("mem_available_bytes").unwrap());
            assert!(r.get("load_1m").unwrap() >= 0.0);
        }
        assert!(
            rows[0].get("cpu_percent").unwrap().is_nan(),
            "no interval yet"
        );
        let later = &rows[1..];
        assert!(later.iter().all(|r| r.get("cpu_percent").unwrap() >= 0.0));
        // The busy thread ran while this process was sampled: some CPU was measured.
        assert!(
            later.iter().any(|r| r.get("cpu_percent").unwrap() > 10.0),
            "{text}"
        );
        let times: Vec<f64> = rows.iter().map(|r| r.values[0]).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        if Nvml::load().is_err() {
            for column in ["gpus", "gpu_memory_used_bytes", "gpu_process_memory_bytes"] {
                assert!(
                    rows.iter().all(|r| r.get(column).unwrap().is_nan()),
                    "{column}"
                );
            }
            let row = text.lines().nth(1).unwrap();
            assert!(row.ends_with(",,,,,,,"), "the GPU columns are empty: {row}");
        }
        // A crash mid-row: readers skip the torn line, and reopening cuts it off.
        let n = rows.len();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"1796297102.5,12.")
            .unwrap();
        assert_eq!(SystemSample::read_all(&path).len(), n);
        let s = SystemSampler::start(path.clone(), Duration::from_secs(60), None).unwrap();
        drop(s);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("12.\n") && text.ends_with('\n'), "{text}");
        assert_eq!(SystemSample::read_all(&path).len(), n + 1);
        assert_eq!(text.matches("unix_time").count(), 1, "one header");
    }

    #[test]
    fn rows_of_files_from_before_the_process_gpu_memory_column_still_read() {
        let old = "1796297102.5,12,99,4e7,9,12,0.5,1e9,2e9,1,40,1e9,8e10,55,300";
        let s = SystemSample::parse(old).expect("a 15-column row");
        assert_eq!(s.get("gpu_power_w"), Some(300.0));
        assert!(s.get("gpu_process_memory_bytes").unwrap().is_nan());
        let new = format!("{old},5e8");
        let s = SystemSample::parse(&new).unwrap();
        assert_eq!(s.get("gpu_process_memory_bytes"), Some(5e8));
        assert_eq!(
            SystemSample::parse(&format!("{new},1")),
            None,
            "a foreign line"
        );
        assert_eq!(SystemSample::parse("1796297102.5,12"), None, "a torn line");
    }

    #[test]
    fn proc_stat_lines_with_odd_command_names_parse() {
        let line = "4242 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 7 0 100 0 0";
        assert_eq!(stat_ticks(line), Some((300, 7)));
        assert_eq!(stat_ticks("garbage"), None);
    }

    #[test]
    fn the_interval_is_seconds_or_zero() {
        assert_eq!(parse_every("0").unwrap(), None);
        assert_eq!(
            parse_every(" 2.5 ").unwrap(),
            Some(Duration::from_millis(2500))
        );
        for bad in ["abc", "-1", "0.01", "inf", "NaN", ""] {
            let e = parse_every(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains("SADDLE_SYSTEM_EVERY"), "{e}");
        }
    }
}
