//! `saddle spectrum` and `saddle stability`: what the theory predicts for a preset's runs.

use super::preset_arg;
use crate::error::{Error, Result};
use crate::linalg::linspace;
use crate::run::engine::{install_interrupt_handlers, interrupted};
use crate::run::metrics::{format_value, MetricsTable, DISTANCE_TO_EQUILIBRIUM, STEP};
use crate::run::spectrum::{run_spectrum, stability, Limits, Stability};
use crate::run::store::{RunDir, METRICS};
use crate::run::RunConfig;
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `saddle spectrum`.
#[derive(Args, Debug)]
pub struct SpectrumArgs {
    /// A preset (file or built-in name), or a run (id or directory) whose metrics give the
    /// measured rate (a network run: J at its newest checkpoint).
    target: String,
    /// Simulate each run of the preset in memory and fit its measured rate.
    #[arg(long)]
    measure: bool,
    /// One JSON object per run.
    #[arg(long)]
    json: bool,
    /// Change one field of the preset first (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
}

/// J's eigenvalues as one cell: the two of largest modulus, a conjugate pair as a ± b i, a
/// repeated one with its multiplicity (`×3`), then how many distinct ones are left.
fn eigs_text(e: &[[f64; 2]]) -> String {
    // (value, multiplicity); a pair counts once.
    let mut seen: Vec<([f64; 2], usize)> = vec![];
    for z in e {
        let same = |s: &[f64; 2]| (s[0] - z[0]).abs() < 1e-9 && (s[1] - z[1]).abs() < 1e-9;
        let conjugate = |s: &[f64; 2]| (s[0] - z[0]).abs() < 1e-9 && (s[1] + z[1]).abs() < 1e-9;
        if let Some(k) = seen.iter_mut().find(|(s, _)| same(s)) {
            k.1 += 1;
        } else if z[1] != 0.0 && seen.iter().any(|(s, _)| conjugate(s)) {
            // The other half of a pair printed as a ± b i, whichever came first.
            continue;
        } else {
            seen.push((*z, 1));
        }
    }
    // Rounded to 4 places: a zero computed as −1e-17 prints as 0.0000, not −0.0000.
    let four = |x: f64| format!("{:.4}", if x.abs() < 5e-5 { 0.0 } else { x });
    let shown: Vec<String> = seen
        .iter()
        .take(2)
        .map(|(z, k)| {
            let times = if *k > 1 {
                format!(" ×{k}")
            } else {
                String::new()
            };
            if z[1].abs() < 1e-12 {
                format!("{}{times}", four(z[0]))
            } else {
                format!("{}±{}i{times}", four(z[0]), four(z[1].abs()))
            }
        })
        .collect();
    let more = if seen.len() > 2 {
        format!(" …+{}", seen.len() - 2)
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

/// `saddle spectrum`.
pub fn spectrum(args: SpectrumArgs, runs_dir: &Path) -> Result<i32> {
    let (configs, metrics, run): (Vec<RunConfig>, Option<MetricsTable>, Option<RunDir>) =
        match RunDir::find(&args.target, runs_dir) {
            Ok(_) if !args.sets.is_empty() => {
                return Err(Error::input(format!(
                    "--set changes a preset; {} is a run (its spectrum is its own config's: \
                     `saddle spectrum PRESET --set …` for another)",
                    args.target
                )))
            }
            Ok(dir) => {
                let c = dir.config()?;
                // The table only gives the measured rate: without one the spectrum is still
                // computed, and the rate's absence said.
                let path = dir.file(METRICS);
                let table = if path.exists() {
                    Some(MetricsTable::read(&path)?)
                } else {
                    eprintln!(
                        "saddle: warning: {}: no metrics table, so no measured rate",
                        path.display()
                    );
                    None
                };
                (vec![c], table, Some(dir))
            }
            _ => (
                preset_arg::load(&args.target, &args.sets, None)?.1,
                None,
                None,
            ),
        };
    let mut rows = vec![];
    for c in &configs {
        let mut warnings = vec![];
        let mut r = run_spectrum(c, args.measure, run.as_ref(), &mut warnings)
            .map_err(|e| Error::input(format!("run {:?}: {e}", c.name)))?;
        for w in warnings {
            eprintln!("saddle: warning: {w}");
        }
        if let Some(t) = &metrics {
            // A rate belongs to one set of parameters: the rows after the last change.
            let since = r.changed_at;
            let (ti, di) = (t.column(STEP), t.column(DISTANCE_TO_EQUILIBRIUM));
            if let (Some(ti), Some(di)) = (ti, di) {
                let (ts, ds): (Vec<f64>, Vec<f64>) = t
                    .rows
                    .iter()
                    .filter_map(|row| Some((row[ti]?, row[di]?)))
                    .filter(|&(step, _)| step >= since as f64)
                    .unzip();
                r.measured_rate = crate::analysis::measured_rate(&ts, &ds, 0.3);
                if since > 0 {
                    let said = format!("MEASURED is fitted to the rows from step {since}, the last change of a parameter");
                    r.note = Some(match r.note.take() {
                        Some(n) => format!("{n}; {said}"),
                        None => said,
                    });
                }
            }
        }
        rows.push(r);
    }
    if args.json {
        for r in &rows {
            println!("{}", serde_json::to_string(r).expect("reports serialize"));
        }
        return Ok(0);
    }
    println!(
        "{:<24} {:<32} {:<11} {:<34} {:>10} {:>10} {:>10}",
        "RUN", "METHOD", "J AT", "EIGENVALUES OF J", "ρ", "RATE/CALL", "MEASURED"
    );
    for r in &rows {
        let f = |v: Option<f64>| v.map_or("—".into(), |x| format!("{x:.6}"));
        println!(
            "{:<24} {:<32} {:<11} {:<34} {:>10} {:>10} {:>10}",
            r.name,
            r.method,
            r.point,
            eigs_text(&r.jacobian),
            f(r.spectral_radius),
            f(r.rate_per_call),
            f(r.measured_rate)
        );
        if let Some(n) = &r.note {
            println!("    note: {n}");
        }
    }
    Ok(0)
}

/// Arguments of `saddle stability`.
#[derive(Args, Debug)]
pub struct StabilityArgs {
    /// A preset (file or built-in name).
    preset: String,
    /// β grid, LO:HI:N.
    #[arg(long, default_value = "-0.9:0.9:19", allow_hyphen_values = true)]
    beta: String,
    /// η grid, LO:HI:M.
    #[arg(long, default_value = "0.05:1.5:30", allow_hyphen_values = true)]
    eta: String,
    /// Also write the map as CSV (runs, method, beta_on, beta, eta, spectral_radius; `runs`:
    /// the preset's runs the map is for, joined by `;`).
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Change one field of the preset first (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Seconds the maps may take in all; cells left when it runs out print as `?`. (Ctrl-C
    /// stops the maps with nothing printed or written, exit 1.)
    #[arg(long, default_value_t = 300, value_parser = budget_seconds)]
    budget: u64,
}

/// The most seconds `--budget` takes: a year (a deadline past the clock's range panicked).
const MAX_BUDGET: u64 = 365 * 24 * 3600;

/// `--budget`'s value: whole seconds, from 1 to [`MAX_BUDGET`].
pub fn budget_seconds(text: &str) -> std::result::Result<u64, String> {
    let s: u64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number of seconds"))?;
    match s {
        0 => Err("at least 1 second (cells it leaves print as ?)".into()),
        s if s > MAX_BUDGET => Err(format!("at most {MAX_BUDGET} seconds (a year)")),
        s => Ok(s),
    }
}

/// A LO:HI:N grid flag's values (N evenly spaced from LO to HI).
pub(super) fn grid(flag: &str, s: &str) -> Result<Vec<f64>> {
    let parts: Vec<&str> = s.split(':').collect();
    let bad = || Error::input(format!("{flag} {s:?}: expected LO:HI:N, e.g. -0.9:0.9:19"));
    if parts.len() != 3 {
        return Err(bad());
    }
    let lo: f64 = parts[0].trim().parse().map_err(|_| bad())?;
    let hi: f64 = parts[1].trim().parse().map_err(|_| bad())?;
    let n: usize = parts[2].trim().parse().map_err(|_| bad())?;
    if !(lo.is_finite() && hi.is_finite()) || lo > hi || n == 0 || n > 1000 {
        return Err(Error::input(format!(
            "{flag} {s:?}: need finite LO ≤ HI and 1 ≤ N ≤ 1000"
        )));
    }
    // One value is the centre of LO..HI, as `plot --figure stability` draws it (this took
    // LO, and the two disagreed); snap rounding residue (a grid through 0 prints 0, not -0.00).
    let values = if n == 1 {
        vec![0.5 * lo + 0.5 * hi]
    } else {
        linspace(lo, hi, n)
    };
    Ok(values
        .into_iter()
        .map(|x| (x * 1e12).round() / 1e12 + 0.0)
        .collect())
}

/// The limits of stability maps given `--budget` seconds in all ([`Limits::for_maps`]),
/// cancelled by Ctrl-C (or SIGTERM, SIGHUP) between cells and inside their eigen-solves: a map
/// cut short by a signal is not the budget's partial map, so the caller shows nothing of it
/// and says so with [`interrupted_maps`] (the signal's default action ended the process with
/// no word). `saddle stability` and `saddle plot --figure stability` alike.
pub(super) fn map_limits(budget: u64) -> Limits {
    let mut limits = Limits::for_maps(budget);
    install_interrupt_handlers();
    limits.budget = limits.budget.or_cancelled(interrupted);
    limits
}

/// The error (exit 1) of stability maps stopped by Ctrl-C; `left` says what was not done.
pub(super) fn interrupted_maps(left: &str) -> Error {
    Error::failure(format!(
        "interrupted before the stability maps were done: {left}"
    ))
}

/// ρ < 1 beyond eigensolver rounding (a cycle's ρ = 1 can come out as 1 − 10⁻¹⁵).
fn converges(rho: f64) -> bool {
    rho < 1.0 - 1e-9
}

/// `saddle stability`.
pub fn stability_cmd(args: StabilityArgs) -> Result<i32> {
    let betas = grid("--beta", &args.beta)?;
    if let Some(b) = betas.iter().find(|b| b.abs() >= 1.0) {
        return Err(Error::input(format!(
            "--beta: every β must be in (-1, 1), got {b}"
        )));
    }
    let etas = grid("--eta", &args.eta)?;
    if let Some(e) = etas.iter().find(|e| **e <= 0.0) {
        return Err(Error::input(format!("--eta: every η must be > 0, got {e}")));
    }
    let (_, configs) = preset_arg::load(&args.preset, &args.sets, None)?;
    if let Some(path) = &args.csv {
        super::launch::check_output_file(path, "--csv")?;
        super::launch::check_not_an_input(path, "--csv", &[Path::new(&args.preset)])?;
    }
    let limits = map_limits(args.budget);
    let Stability { maps, skipped } =
        stability(&configs, &betas, &etas, &limits).map_err(Error::input)?;
    if limits.cancelled() {
        let csv = match &args.csv {
            Some(path) => format!(", and {} was not written", path.display()),
            None => String::new(),
        };
        return Err(interrupted_maps(&format!("nothing was printed{csv}")));
    }
    for s in &skipped {
        eprintln!("saddle: skipped {s}");
    }
    if maps.is_empty() {
        return Err(Error::input(format!(
            "no run of {} has a stability map (see above)",
            args.preset
        )));
    }
    println!("cells: ρ where it is below 1, cut (not rounded) to 4 places so that it never reads 1.0000; · where ρ ≥ 1; ? not computed");
    for m in &maps {
        println!(
            "\n{} — β on {} (runs: {})",
            m.method,
            m.beta_on,
            m.runs.join(", ")
        );
        print!("{:>7} ", "η \\ β");
        for b in &m.betas {
            print!("{b:>6.2}");
        }
        println!();
        for (eta, row) in m.etas.iter().zip(&m.rho) {
            print!("{eta:>7.3} ");
            for r in row {
                // Cells where the method converges (ρ < 1) show ρ, cut (not rounded) to four
                // places so that a ρ just below 1 never reads 1.0000 and fills its column; the
                // others show ·.
                match r {
                    Some(x) if converges(*x) => {
                        let cut = (x * 1e4).floor() / 1e4;
                        print!("{:>6}", format!("{cut:.4}").trim_start_matches('0'))
                    }
                    Some(_) => print!("{:>6}", "·"),
                    None => print!("{:>6}", "?"),
                }
            }
            println!();
        }
        let conv: Vec<f64> = m
            .rho
            .iter()
            .flat_map(|row| {
                row.iter()
                    .zip(&m.betas)
                    .filter(|(r, _)| r.is_some_and(converges))
                    .map(|(_, b)| *b)
            })
            .collect();
        let cells = m.etas.len() * m.betas.len();
        let computed = m.rho.iter().flatten().filter(|r| r.is_some()).count();
        let among = if computed < cells {
            format!(" ({} of {cells} cells not computed)", cells - computed)
        } else {
            String::new()
        };
        if computed == 0 {
            println!("ρ not computed on this grid (see the note)");
        } else if conv.is_empty() {
            println!("ρ < 1 nowhere on this grid{among}");
        } else {
            let lo = conv.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = conv.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            println!(
                "ρ < 1 on {} of {cells} cells, for β from {lo:.2} to {hi:.2}{among}",
                conv.len(),
            );
        }
        if let Some(n) = &m.note {
            println!("note: {n}");
        }
    }
    if let Some(path) = &args.csv {
        let field = crate::csv::field;
        let mut text = String::from("runs,method,beta_on,beta,eta,spectral_radius\n");
        for m in &maps {
            for (eta, row) in m.etas.iter().zip(&m.rho) {
                for (beta, r) in m.betas.iter().zip(row) {
                    text.push_str(&format!(
                        "{},{},{},{beta},{eta},{}\n",
                        field(&m.runs.join(";")),
                        field(&m.method),
                        field(m.beta_on),
                        format_value(*r)
                    ));
                }
            }
        }
        crate::run::store::write_atomic(path, text.as_bytes())?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `LO:HI:N` gives N evenly spaced values from LO to HI; one value is the centre of the
    /// range, as the stability figure draws it.
    #[test]
    fn a_grid_of_one_value_is_the_centre_of_its_range() {
        assert_eq!(grid("--beta", "-0.5:0.5:1").unwrap(), [0.0]);
        assert_eq!(grid("--eta", "0.1:0.3:1").unwrap(), [0.2]);
        assert_eq!(grid("--beta", "-0.5:0.5:3").unwrap(), [-0.5, 0.0, 0.5]);
        assert!(grid("--beta", "0.5:-0.5:2").is_err());
    }
}
