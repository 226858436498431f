//! Checks of preset values whose messages name the field and the value found.

/// `v` is finite and > 0.
pub fn positive(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be finite and > 0, got {v}"))
    }
}

/// `bytes` (what `what` needs at least) fit in the memory this process can still take (see
/// [`memory_left`]; not checked where nothing can be read), so that a game too large is refused
/// with the estimate instead of aborting on a failed allocation.
pub fn fits_in_memory(what: &str, bytes: f64) -> Result<(), String> {
    match memory_left() {
        Some((a, whose)) if bytes > a => Err(format!(
            "{what} needs at least {:.1} GiB, more than the {:.1} GiB {whose}",
            bytes / GIB,
            a / GIB
        )),
        _ => Ok(()),
    }
}

/// The bytes this process can still allocate, and which limit says so: the least of the
/// machine's available memory (`MemAvailable`), what its memory cgroup leaves (v2
/// `memory.max` − `memory.current`, v1 `memory.limit_in_bytes` − `memory.usage_in_bytes`: a
/// Slurm job's or a container's limit, which `MemAvailable` does not see) and what its address
/// space limit leaves (`ulimit -v` − the current `VmSize`). None where none can be read.
pub fn memory_left() -> Option<(f64, &'static str)> {
    let kib = |text: &str, key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|k| k * 1024.0)
    };
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let number = |p: String| read(&p).and_then(|t| t.trim().parse::<f64>().ok());
    let mut limits: Vec<(f64, &'static str)> = vec![];
    if let Some(a) = read("/proc/meminfo").and_then(|t| kib(&t, "MemAvailable:")) {
        limits.push((a, "of memory available"));
    }
    let cgroups = read("/proc/self/cgroup").unwrap_or_default();
    for line in cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next(), parts.next(), parts.next().unwrap_or("/"));
        let path = path.trim_end_matches('/');
        let left = match controllers {
            Some("") => number(format!("/sys/fs/cgroup{path}/memory.max"))
                .zip(number(format!("/sys/fs/cgroup{path}/memory.current"))),
            Some(c) if c.split(',').any(|c| c == "memory") => {
                number(format!("/sys/fs/cgroup/memory{path}/memory.limit_in_bytes")).zip(number(
                    format!("/sys/fs/cgroup/memory{path}/memory.usage_in_bytes"),
                ))
            }
            _ => None,
        };
        // v1 writes "no limit" as a number near 2⁶³; v2 as `max` (which does not parse).
        if let Some((max, used)) = left.filter(|(max, _)| *max < 1e18) {
            limits.push((
                (max - used).max(0.0),
                "its memory cgroup leaves this process",
            ));
        }
    }
    // SAFETY: getrlimit fills the struct it is given.
    let mut r: libc::rlimit = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut r) } == 0 && r.rlim_cur != libc::RLIM_INFINITY
    {
        let used = read("/proc/self/status")
            .and_then(|t| kib(&t, "VmSize:"))
            .unwrap_or(0.0);
        limits.push((
            (r.rlim_cur as f64 - used).max(0.0),
            "its address-space limit (ulimit -v) leaves this process",
        ));
    }
    limits.into_iter().min_by(|a, b| a.0.total_cmp(&b.0))
}

const GIB: f64 = (1u64 << 30) as f64;

/// A dimension in 1..=max, with a message for each side.
pub fn dimension(name: &str, v: usize, max: usize) -> Result<(), String> {
    if v == 0 {
        Err(format!("{name} must be at least 1, got 0"))
    } else if v > max {
        Err(format!("{name} = {v} is larger than the supported {max}"))
    } else {
        Ok(())
    }
}

/// A count in 1..=max.
pub fn count(name: &str, v: usize, max: usize) -> Result<(), String> {
    if v == 0 || v > max {
        Err(format!("{name} must be in 1..={max}, got {v}"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod memory_tests {
    #[test]
    fn a_size_beyond_the_machine_is_refused_with_the_estimate() {
        let e = super::fits_in_memory("a matrix", 1e18).unwrap_err();
        assert!(
            e.starts_with("a matrix needs at least 931322574.6 GiB, more than the"),
            "{e}"
        );
        assert!(super::fits_in_memory("a matrix", 1024.0).is_ok());
    }
}
