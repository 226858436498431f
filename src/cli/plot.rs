//! `saddle plot`: a publication figure of runs or a sweep, written as SVG, PNG or PDF by the
//! output's extension (see [`crate::figure`]).

use super::spectral::grid;
use crate::error::{Error, Result};
use crate::figure::curves::{Curves, XAxis};
use crate::figure::output::{About, Target};
use crate::figure::stability::Grid;
use crate::figure::style::Size;
use crate::figure::sweep::{Spread, SweepFigure};
use crate::figure::{self, names};
use crate::run::store::RunDir;
use crate::sweep::manifest::SweepDir;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// The kinds of figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// A metric of each run over iterations, oracle calls or seconds, η/β changes marked.
    Curves,
    /// A sweep's configurations (or groups) as mean ± 95% CI (or std) with the seeds faint.
    Sweep,
    /// Eigenvalues of J and of the update operator in ℂ with the unit circle, at a step.
    Spectrum,
    /// ρ(β, η) as a heat map with the ρ = 1 contour and the runs' measured rates.
    Stability,
    /// A 2-D GAN's data plane: real modes, generated points, D's decision map, at a step.
    Plane,
    /// An image GAN's grid of generated images at a step.
    Samples,
}

/// Arguments of `saddle plot`.
#[derive(Args, Debug)]
pub struct PlotArgs {
    /// Runs (ids or directories); for `--figure sweep`, one sweep (id or directory).
    #[arg(required = true)]
    runs: Vec<String>,
    /// Which figure.
    #[arg(long, value_enum)]
    figure: Kind,
    /// The file to write: .svg, .png or .pdf.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// The metric, a column of metrics.csv (curves, sweep; default distance_to_equilibrium
    /// where the runs have it, else field_norm).
    #[arg(long)]
    metric: Option<String>,
    /// The x axis (curves).
    #[arg(long, value_enum, default_value = "step")]
    x: XAxis,
    /// A logarithmic y axis (curves, sweep).
    #[arg(long)]
    log_y: bool,
    /// Trailing moving average over W logged rows, the raw curve faint behind (curves).
    #[arg(long, value_name = "W", default_value_t = 1)]
    smooth: usize,
    /// Pool the configurations that share this grid axis's value, its PATH as `--grid` took
    /// it (sweep; default: one curve per configuration).
    #[arg(long, value_name = "PATH")]
    group: Option<String>,
    /// The band around the mean (sweep).
    #[arg(long, value_enum, default_value = "ci")]
    band: Spread,
    /// The step to show: the newest record at or before it (spectrum, plane, samples; default
    /// the newest).
    #[arg(long)]
    step: Option<u64>,
    /// β grid, LO:HI:N (stability).
    #[arg(long, default_value = "-0.9:0.9:37", allow_hyphen_values = true)]
    beta: String,
    /// η grid, LO:HI:M (stability).
    #[arg(long, default_value = "0.05:1.5:30", allow_hyphen_values = true)]
    eta: String,
    /// Seconds the stability maps may take in all (cells left blank when it runs out); a map
    /// is attempted when one cell fits it, as in `saddle stability`. (Ctrl-C stops the maps
    /// with no figure written, exit 1.)
    #[arg(long, default_value_t = 120, value_parser = super::spectral::budget_seconds)]
    budget: u64,
    /// A paper's single column (3.5 in) or its full width (7 in).
    #[arg(long, value_enum, default_value = "one-column")]
    size: Size,
    /// Pixels per inch of a PNG.
    #[arg(long, default_value_t = 300.0)]
    dpi: f64,
}

/// Refuses flags that the figure does not read, so that none is ignored silently.
fn check_flags(a: &PlotArgs) -> Result<()> {
    use Kind::*;
    let given: [(&str, bool, &[Kind]); 8] = [
        ("--metric", a.metric.is_some(), &[Curves, Sweep]),
        ("--x", a.x != XAxis::Step, &[Curves]),
        ("--log-y", a.log_y, &[Curves, Sweep]),
        ("--smooth", a.smooth != 1, &[Curves]),
        ("--group", a.group.is_some(), &[Sweep]),
        ("--band", a.band != Spread::Ci, &[Sweep]),
        ("--step", a.step.is_some(), &[Spectrum, Plane, Samples]),
        (
            "--beta/--eta",
            a.beta != "-0.9:0.9:37" || a.eta != "0.05:1.5:30",
            &[Stability],
        ),
    ];
    for (flag, set, kinds) in given {
        if set && !kinds.contains(&a.figure) {
            let names: Vec<String> = kinds
                .iter()
                .map(|k| {
                    k.to_possible_value()
                        .map_or(String::new(), |v| v.get_name().to_string())
                })
                .collect();
            return Err(Error::input(format!(
                "{flag} applies to --figure {}, not {}",
                names.join(" or "),
                a.figure
                    .to_possible_value()
                    .map_or(String::new(), |v| v.get_name().to_string())
            )));
        }
    }
    if a.smooth == 0 {
        return Err(Error::input("--smooth 0: the window is at least 1 row"));
    }
    Ok(())
}

/// Exactly one run for the figures of one run.
fn one<'a>(runs: &'a [RunDir], kind: &str) -> Result<&'a RunDir> {
    match runs {
        [one] => Ok(one),
        _ => Err(Error::input(format!(
            "--figure {kind} shows one run; {} were given",
            runs.len()
        ))),
    }
}

/// A stability figure's axis from its `LO:HI:N` flag: its values and (LO, HI). N = 1 is the
/// centre of LO..HI, its cell spanning the range ([`Grid::axis`]).
fn stability_axis(flag: &str, s: &str) -> Result<(Vec<f64>, (f64, f64))> {
    let values = grid(flag, s)?;
    // `grid` has checked the form: LO and HI are finite numbers.
    let end = |k: usize| {
        s.split(':')
            .nth(k)
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    let range = match (end(0), end(1)) {
        (Some(lo), Some(hi)) => (lo, hi),
        _ => (values[0], values[values.len() - 1]),
    };
    Ok((Grid::axis(values, range), range))
}

/// The most cells a stability figure's map draws (200 × 200: far finer than a printed
/// figure resolves).
const MAX_FIGURE_CELLS: usize = 40_000;

/// `runs` with each run kept at its first mention: a run named twice (by its id and a prefix,
/// or twice over) was drawn twice, two identical entries in the legend. Each repeat is named
/// on stderr as it was given.
fn once_each(runs: Vec<RunDir>, given: &[String]) -> Vec<RunDir> {
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::with_capacity(runs.len());
    for (run, arg) in runs.into_iter().zip(given) {
        let key = std::fs::canonicalize(&run.path).unwrap_or_else(|_| run.path.clone());
        if seen.insert(key) {
            kept.push(run);
        } else {
            eprintln!("warning: {arg} names {} again; it is drawn once", run.id());
        }
    }
    kept
}

/// `saddle plot`.
pub fn plot(args: PlotArgs, runs_dir: &Path) -> Result<i32> {
    check_flags(&args)?;
    let target = Target::new(&args.output, args.dpi)?;
    super::launch::check_not_owned(&args.output, "-o")?;
    let (svg, about) = if args.figure == Kind::Sweep {
        let [sweep] = args.runs.as_slice() else {
            return Err(Error::input(format!(
                "--figure sweep shows one sweep; {} were given",
                args.runs.len()
            )));
        };
        let sweep = SweepDir::find(sweep, runs_dir)?;
        let spec = SweepFigure {
            metric: args.metric.clone(),
            group: args.group.clone(),
            spread: args.band,
            log_y: args.log_y,
        };
        let (svg, warnings) = figure::sweep::svg(&sweep, &spec, args.size)?;
        // Said before the figure is written, so that a damaged member is never left out of
        // the figure without a word.
        for w in warnings {
            eprintln!("warning: {w}");
        }
        (svg, About::sweep(&sweep.id()))
    } else {
        let runs: Vec<RunDir> = args
            .runs
            .iter()
            .map(|r| RunDir::find(r, runs_dir))
            .collect::<Result<_>>()?;
        let runs = once_each(runs, &args.runs);
        let names = names(&runs);
        let ids: Vec<String> = runs.iter().map(RunDir::id).collect();
        let svg = match args.figure {
            Kind::Curves => {
                let spec = Curves {
                    metric: args.metric.clone(),
                    x: args.x,
                    log_y: args.log_y,
                    smooth: args.smooth,
                };
                let (svg, warnings) = figure::curves::svg(&runs, &names, &spec, args.size)?;
                for w in warnings {
                    eprintln!("warning: {w}");
                }
                svg
            }
            Kind::Spectrum => figure::spectrum::svg(&runs, &names, args.step, args.size)?,
            Kind::Stability => {
                let (betas, beta_range) = stability_axis("--beta", &args.beta)?;
                let (etas, eta_range) = stability_axis("--eta", &args.eta)?;
                let grid = Grid {
                    betas,
                    etas,
                    beta_range,
                    eta_range,
                };
                // The cells reach LO and HI: those too must be momenta.
                let (lo, hi) = grid.beta_range;
                if let Some(b) = grid.betas.iter().chain([&lo, &hi]).find(|b| b.abs() >= 1.0) {
                    return Err(Error::input(format!(
                        "--beta: every β must be in (-1, 1), got {b}"
                    )));
                }
                if let Some(e) = grid.etas.iter().find(|e| **e <= 0.0) {
                    return Err(Error::input(format!("--eta: every η must be > 0, got {e}")));
                }
                // Checked before the maps are computed: each cell is drawn as its own
                // rectangle, and a 1000×1000 map failed after the work (its SVG past the PNG
                // renderer's node limit; 171 MB as SVG).
                let cells = grid.betas.len() * grid.etas.len();
                if cells > MAX_FIGURE_CELLS {
                    return Err(Error::input(format!(
                        "--beta × --eta: {} × {} = {cells} cells a map; a figure draws at most \
                         {MAX_FIGURE_CELLS} (`saddle stability --csv FILE` computes finer grids)",
                        grid.betas.len(),
                        grid.etas.len()
                    )));
                }
                // Ctrl-C stops the maps as it stops `saddle stability`'s, and no figure is
                // written (the signal killed the process: the shell's 130, no word).
                let limits = super::spectral::map_limits(args.budget);
                figure::stability::svg(&runs, &names, &grid, &limits, args.size)?.ok_or_else(
                    || {
                        super::spectral::interrupted_maps(&format!(
                            "{} was not written",
                            args.output.display()
                        ))
                    },
                )?
            }
            Kind::Plane => {
                let run = one(&runs, "plane")?;
                let p = figure::plane::load(run, args.step)?;
                figure::plane::svg(&names[0], &p, args.size)?
            }
            Kind::Samples => {
                let run = one(&runs, "samples")?;
                let g = figure::samples::load(run, args.step)?;
                figure::samples::svg(&names[0], &g, args.size)?
            }
            Kind::Sweep => unreachable!("handled above"),
        };
        (svg, About::runs(&ids))
    };
    target.write(&svg, &about)?;
    println!("{}", args.output.display());
    Ok(0)
}
