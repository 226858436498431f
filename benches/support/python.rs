//! The Python that benchmarks compare against: `$SADDLE_PYTHON`, then `.venv/bin/python`, then
//! `python3`, whichever first runs the reference script successfully.

/// Runs `scripts/<script>` with `args` under the first Python that succeeds and returns the
/// JSON object on the last line of its output (printed to stderr with the Python used).
pub fn reference(script: &str, args: &[String]) -> Option<serde_json::Value> {
    let script = format!("{}/scripts/{script}", env!("CARGO_MANIFEST_DIR"));
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");
    let candidates: Vec<String> = std::env::var("SADDLE_PYTHON")
        .into_iter()
        .chain([venv.to_string(), "python3".to_string()])
        .collect();
    for py in candidates {
        let Ok(o) = std::process::Command::new(&py)
            .arg(&script)
            .args(args)
            .output()
        else {
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
