//! Checks of preset values whose messages name the field and the value found.

/// `v` is finite and > 0.
pub fn positive(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be finite and > 0, got {v}"))
    }
}

/// `bytes` (what `what` needs at least) fit in the memory this machine has available now
/// (`MemAvailable` of /proc/meminfo; not checked where that cannot be read), so that a game too
/// large is refused with the estimate instead of aborting on a failed allocation.
pub fn fits_in_memory(what: &str, bytes: f64) -> Result<(), String> {
    let available = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb * 1024.0)
    });
    match available {
        Some(a) if bytes > a => Err(format!(
            "{what} needs at least {:.1} GiB, more than the {:.1} GiB of memory available",
            bytes / GIB,
            a / GIB
        )),
        _ => Ok(()),
    }
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
