//! The command line: parses arguments and calls the library. Exit codes: 0 success, 2 bad
//! input, 1 anything else.

mod classifier;
mod dashboard;
mod launch;
mod lifecycle;
mod manage;
mod plot;
mod preset_arg;
mod score;
mod show;
mod spectral;
mod sweep;

use crate::error::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// saddle — run and watch optimizers on two-player games.
#[derive(Parser, Debug)]
#[command(name = "saddle", version, about, subcommand_precedence_over_arg = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// A preset (a .ron file or a built-in name); without one, the built-in `default`.
    preset: Option<String>,
    /// Directory holding run directories.
    #[arg(long, global = true, env = "SADDLE_RUNS_DIR", default_value = "runs")]
    runs_dir: PathBuf,
    /// Directory for the logs of background workers and of the dashboard.
    #[arg(long, global = true, env = "SADDLE_LOGS_DIR", default_value = "logs")]
    logs_dir: PathBuf,
    #[command(flatten)]
    preset_opts: dashboard::PresetOpts,
    #[command(flatten)]
    dash: dashboard::DashArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every run of a preset, one thread each, without a dashboard.
    Run(launch::RunArgs),
    /// List the built-in presets.
    Presets,
    /// List the runs under the runs directory with their status, step and key metrics.
    ///
    /// STATUS is one of: created (made, never started), starting (its process is opening it),
    /// running, paused, stopped (by `control … stop`; resumable), interrupted (by a signal;
    /// resumable), crashed (its process died without saying how it ended; resumable; its
    /// STEP is the furthest its summary or metrics recorded, which may be past its newest checkpoint),
    /// failed (ended by an error; resumable), finished (ran all its steps; `resume --steps N`
    /// extends it), converged or diverged (ended by its stop rule: its result, not resumable),
    /// damaged (its summary.json cannot be read; named on stderr). Directories that hold a
    /// run's files but no config.ron are named on stderr, not listed.
    /// Every id listed, also of a run directory copied in by hand, is accepted by `resume`,
    /// `attach`, `control`, `fork` and the others.
    #[command(verbatim_doc_comment)]
    Ls {
        /// One JSON object per run.
        #[arg(long)]
        json: bool,
    },
    /// Where a run's numbers came from (saddle, commit, compiler, CPU, SIMD, threads, device,
    /// host, command, Slurm ids, at its start and every resume) and where it stands.
    Show {
        /// Run id or directory.
        run: String,
        /// The provenance records, one JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Steer a live run: pause, resume, stop, checkpoint, or set a live parameter.
    Control(manage::ControlArgs),
    /// Eigenvalues of J, spectral radius and predicted rate of each run's update operator.
    Spectrum(spectral::SpectrumArgs),
    /// The map ρ(β, η) of each run's scheme over a grid of momenta and step sizes.
    Stability(spectral::StabilityArgs),
    /// A figure of runs or a sweep for a paper: SVG, PNG or PDF by the output's extension.
    Plot(plot::PlotArgs),
    /// Open the dashboard on existing runs (all runs of the runs directory when none is named),
    /// or the sweep view on one sweep.
    Attach {
        /// Run ids or directories, or one sweep's id or directory.
        runs: Vec<String>,
        #[command(flatten)]
        dash: dashboard::DashArgs,
    },
    /// (internal) Drive run directories created by `run --detach`.
    #[command(hide = true)]
    Worker {
        /// Total iterations.
        #[arg(long)]
        steps: Option<u64>,
        /// Start the runs again from step 0 (see `resume --from-scratch`).
        #[arg(long)]
        from_scratch: bool,
        /// Run directories.
        dirs: Vec<PathBuf>,
    },
    /// Continue a stopped, interrupted, crashed or failed run from its last checkpoint.
    Resume(lifecycle::ResumeArgs),
    /// Re-run a run from its config and recorded parameter changes, into a new run.
    Replay(lifecycle::ReplayArgs),
    /// Start a new run from a run's state at a step, with changed live parameters.
    Fork(lifecycle::ForkArgs),
    /// Write a run's metrics (csv) or everything about it (json).
    Export(lifecycle::ExportArgs),
    /// Inception Score and FID of PNG images or of a run's generator, the reference way.
    Score(score::ScoreArgs),
    /// The MNIST-like classifier behind the classifier score.
    Classifier(classifier::ClassifierArgs),
    /// Runs × a grid × seeds as ordinary runs, locally or on Slurm; status, report, resume.
    Sweep(sweep::SweepArgs),
}

/// Parses `std::env::args`, runs the command, and returns the process exit code: saddle's own
/// entry point, with the built-in games and datasets.
pub fn main() -> i32 {
    main_with(crate::setup::Registry::builtin())
}

/// As [`main`], with the games and dataset readers of `registry` (the built-in ones and the
/// program's own): a program that registers its games calls this from its `main`, and its
/// presets, runs, dashboard and background workers (the same executable) all know them.
pub fn main_with(registry: crate::setup::Registry) -> i32 {
    // Like other command-line tools, end quietly when the reader of our output goes away
    // (`saddle stability … | head`) instead of panicking on a broken pipe.
    // SAFETY: restoring the default disposition of SIGPIPE; called first thing in a program's
    // `main`, before saddle starts any thread.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    if let Err(e) = crate::setup::install(registry) {
        eprintln!("saddle: {e}");
        return 1;
    }
    let cli = match parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("saddle: {e}");
            e.exit_code()
        }
    }
}

/// The command line, parsed. `--runs-dir` and `--logs-dir` go before or after a command
/// (`saddle --runs-dir D ls` as `saddle ls --runs-dir D`); the dashboard's own arguments (a
/// preset, its flags) with a command are refused, as clap's conflict rule did when it also
/// refused those two before the command.
fn parse() -> std::result::Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Cli::command();
    let matches = command.try_get_matches_from_mut(std::env::args_os())?;
    if let Some(sub) = matches.subcommand_name() {
        let given: Vec<String> = matches
            .ids()
            .map(|id| id.as_str())
            .filter(|id| !matches!(*id, "runs_dir" | "logs_dir"))
            .filter(|id| matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
            .map(|id| format!("`{id}`"))
            .collect();
        if !given.is_empty() {
            return Err(command.error(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "{} belong{} to the dashboard (`saddle [PRESET]`), not to `saddle {sub}`",
                    given.join(", "),
                    if given.len() == 1 { "s" } else { "" }
                ),
            ));
        }
    }
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
}

fn dispatch(cli: Cli) -> Result<i32> {
    let (runs_dir, logs_dir) = (cli.runs_dir, cli.logs_dir);
    // Commands that start runs refuse a bad sampler interval before creating anything.
    if matches!(
        cli.command,
        None | Some(
            Command::Run(_)
                | Command::Resume(_)
                | Command::Replay(_)
                | Command::Fork(_)
                | Command::Sweep(_)
                | Command::Worker { .. }
        )
    ) {
        crate::run::system::interval_from_env()?;
    }
    match cli.command {
        Some(Command::Run(args)) => launch::run(args, &runs_dir, &logs_dir),
        Some(Command::Presets) => {
            // As wide as the longest name: a fixed 20 let the long MoG names push their
            // descriptions out of the column.
            let width = crate::run::builtin::BUILTIN
                .iter()
                .map(|(n, _)| n.chars().count())
                .max()
                .unwrap_or(0);
            for (name, text) in crate::run::builtin::BUILTIN {
                let p = crate::run::Preset::parse(text, name)?;
                println!("{name:width$}  {}", p.description);
            }
            Ok(0)
        }
        Some(Command::Worker {
            steps,
            from_scratch,
            dirs,
        }) => launch::worker(
            &dirs,
            crate::run::engine::Opening {
                steps,
                from_scratch,
            },
        ),
        Some(Command::Resume(args)) => lifecycle::resume(args, &runs_dir, &logs_dir),
        Some(Command::Replay(args)) => lifecycle::replay(args, &runs_dir, &logs_dir),
        Some(Command::Fork(args)) => lifecycle::fork(args, &runs_dir, &logs_dir),
        Some(Command::Export(args)) => lifecycle::export(args, &runs_dir),
        Some(Command::Score(args)) => score::score(args, &runs_dir),
        Some(Command::Classifier(args)) => classifier::classifier(args),
        Some(Command::Sweep(args)) => sweep::sweep(args, &runs_dir),
        Some(Command::Ls { json }) => manage::ls(&runs_dir, json),
        Some(Command::Show { run, json }) => show::show(&run, json, &runs_dir),
        Some(Command::Control(args)) => manage::control(args, &runs_dir),
        Some(Command::Spectrum(args)) => spectral::spectrum(args, &runs_dir),
        Some(Command::Stability(args)) => spectral::stability_cmd(args),
        Some(Command::Plot(args)) => plot::plot(args, &runs_dir),
        Some(Command::Attach { runs, dash }) => {
            dashboard::attach(&runs, &dash, &runs_dir, &logs_dir)
        }
        None => {
            dashboard::open_preset(cli.preset, cli.preset_opts, &cli.dash, &runs_dir, &logs_dir)
        }
    }
}
