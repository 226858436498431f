//! Checks of preset values whose messages name the field and the value found.

/// `v` is finite and > 0.
pub fn positive(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be finite and > 0, got {v}"))
    }
}

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
