//! Spectral reports of a preset's runs (`saddle spectrum`), the analysis of one iterate that
//! the spectrum log shares, and stability maps over (β, η) (`saddle stability`).
//!
//! Every analysis is bounded twice: by size (a dense eigen-solve is attempted only where the
//! cost model below estimates it within the caller's allowance — a deterministic rule, the same
//! on every machine) and by a [`Budget`] (a deadline and a cancel test that the iterations
//! read; it only decides what is shown, never a run's trajectory).

use super::checkpoint;
use super::config::RunConfig;
use super::console::short_duration;
use super::store::RunDir;
use crate::analysis::{self, coupling, measured_rate, scalar_radius, ScalarMethod};
use crate::constraint::Constraint;
use crate::game::Game;
use crate::linalg::Budget;
use crate::optim::{Hyper, Optimizer, Rule, Scheme};
use crate::players::{Player, Players};
use crate::rng::Rng;
use crate::vector::ParamVec;
use nalgebra::{Complex, DMatrix};
use serde::Serialize;
use std::time::Duration;

/// Why a network gets no report or stability map.
const NEURAL: &str = "spectral analysis needs the Jacobian in closed form or from exact JVPs, which only the MLP networks have (not the convolutional ones)";

/// Estimated seconds per row³ of a dense eigen-solve (with the operator's construction): the
/// slowest case measured, a random dense 600×600 J in 1.9 s (the alternating heavy-ball operator
/// costs about a third of this per row³: 4.3 s built and solved at 1 200 rows), in the dev
/// profile on the 2-core Xeon (AVX-512) this was written on, other builds running.
pub const SECONDS_PER_ROW_CUBED: f64 = 9e-9;

/// Estimated seconds per row³ of the singular values of a bilinear game's d×d B: twice the
/// slowest measured, 0.23 s at d = 800 and 1.85 s at d = 1 500 (release build, AMD EPYC Zen 3,
/// AVX2). The dense eigen-solve's estimate, 20 times this, kept a running game's spectrum log
/// off the exact route from d ≈ 480 on, where the SVD takes a fraction of a second.
pub const SVD_SECONDS_PER_ROW_CUBED: f64 = 1e-9;

/// The estimated seconds of the singular values of a `d`×`d` coupling matrix.
pub fn svd_seconds(d: usize) -> f64 {
    SVD_SECONDS_PER_ROW_CUBED * (d as f64).powi(3)
}

/// Ritz values of J computed where J is too large (or has no closed form).
pub const TOP_EIGENVALUES: usize = 16;

/// The estimated seconds of the dense eigenvalues of a `rows`×`rows` matrix.
pub fn dense_seconds(rows: usize) -> f64 {
    SECONDS_PER_ROW_CUBED * (rows as f64).powi(3)
}

/// What one analysis may spend.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Dense parts whose [`dense_seconds`] exceed this are skipped (with a note).
    pub dense: Duration,
    /// The deadline and cancel test its iterations read.
    pub budget: Budget,
}

impl Limits {
    /// Dense parts estimated within `dense`; a deadline at `deadline` from now.
    pub fn new(dense: Duration, deadline: Duration) -> Self {
        Limits {
            dense,
            budget: Budget::within(deadline),
        }
    }

    /// The limits of stability maps that may take `budget` seconds in all (`saddle stability`
    /// and `saddle plot --figure stability` alike): a map is attempted when one cell's
    /// estimated cost fits the budget (and a report's [`REPORT_SECONDS`]), and the cells the
    /// budget then leaves are None. The budget is not split across the cells first: a map
    /// skipped for its total estimate left nothing to read, and the estimate is a slow
    /// machine's (the plot split it, and skipped a 100×100 map of 120-row operators, some
    /// milliseconds a cell, under its default 120 s).
    pub fn for_maps(budget: u64) -> Self {
        let per_cell = (budget as f64).min(REPORT_SECONDS as f64);
        Limits::new(
            Duration::from_secs_f64(per_cell),
            Duration::from_secs(budget),
        )
    }

    /// True when the budget's cancel test (Ctrl-C) has stopped the work.
    pub fn cancelled(&self) -> bool {
        self.budget.check() == Err(crate::linalg::Exhausted::Cancelled)
    }
}

/// "an estimated T, more than this analysis's B", both to two significant figures (whole
/// seconds printed a 0.3 s estimate against a 0.1 s budget as "0 s, more than 0.1 s").
fn over_budget(estimate: f64, budget: Duration) -> String {
    format!(
        "an estimated {}, more than this analysis's {}",
        short_duration(estimate),
        short_duration(budget.as_secs_f64())
    )
}

/// Why an update operator of `rows` rows is not built: past [`analysis::MAX_STATE`] rows
/// whatever the budget (which the estimate alone did not say), or its estimated cost.
fn operator_too_big(rows: usize, dense: Duration) -> String {
    if rows > analysis::MAX_STATE {
        format!("more than the {} rows built densely", analysis::MAX_STATE)
    } else {
        format!(
            "{} to build and solve",
            over_budget(dense_seconds(rows), dense)
        )
    }
}

/// What the analysis of one iterate found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analysis {
    /// Eigenvalues of J: all of them (dense J), else the converged Ritz values of largest
    /// modulus; largest modulus first.
    pub jacobian: Vec<Complex<f64>>,
    /// True when `jacobian` is J's whole spectrum.
    pub complete: bool,
    /// Ritz values that did not converge, where Arnoldi ran.
    pub unconverged: Option<usize>,
    /// Eigenvalues of the update operator, largest modulus first (dense operator only).
    pub operator: Option<Vec<Complex<f64>>>,
    /// ρ of the update operator (dense, or from the per-eigenvalue map).
    pub radius: Option<f64>,
    /// Oracle calls per iteration.
    pub calls: f64,
    /// What is missing and why, in order.
    pub notes: Vec<String>,
}

impl Analysis {
    /// The notes as one line (None without any).
    pub fn note(&self) -> Option<String> {
        (!self.notes.is_empty()).then(|| self.notes.join("; "))
    }
}

fn largest_first(mut z: Vec<Complex<f64>>) -> Vec<Complex<f64>> {
    z.sort_by(|a, b| b.norm().total_cmp(&a.norm()).then(b.im.total_cmp(&a.im)));
    z
}

fn pairs(z: &[Complex<f64>]) -> Vec<[f64; 2]> {
    z.iter().map(|c| [c.re, c.im]).collect()
}

/// The per-eigenvalue map a method has when both players share η and β (the seed's schemes
/// with the gradient or heavy-ball rule, no transform, no wrapper).
fn scalar_method(opt: &Optimizer, eta: Players<f64>, beta: Players<f64>) -> Option<ScalarMethod> {
    if eta.theta != eta.phi
        || beta.theta != beta.phi
        || opt.rules.theta != opt.rules.phi
        || opt.field.is_some()
        || !opt.wrappers.is_empty()
    {
        return None;
    }
    let (gradient, heavy) = match opt.rules.theta {
        Rule::Gradient(_) => (true, false),
        Rule::HeavyBall(_) => (beta.theta == 0.0, beta.theta != 0.0),
        _ => (false, false),
    };
    match &opt.scheme {
        Scheme::Simultaneous(_) if gradient => Some(ScalarMethod::Simultaneous),
        Scheme::Simultaneous(_) if heavy => Some(ScalarMethod::SimultaneousHeavyBall),
        Scheme::Extragradient(_) if gradient => Some(ScalarMethod::Extragradient),
        Scheme::PastExtragradient(_) | Scheme::Optimistic(_) if gradient => {
            Some(ScalarMethod::PastExtragradient)
        }
        _ => None,
    }
}

/// ρ, the oracle calls per iteration, and the operator's eigenvalues where it was built densely.
pub type Radius = (f64, f64, Option<Vec<Complex<f64>>>);

/// ρ of `opt` under the hyperparameters `h` (η as scheduled at the step analysed, β, the
/// discriminator steps and the methods' own parameters) at the Jacobian `j` whose eigenvalues
/// are `eig` (all of them), with the calls per iteration: the dense operator where its
/// estimated cost is within `dense`, else the per-eigenvalue map where the method has one.
/// Err: why there is none.
pub fn radius(
    opt: &Optimizer,
    h: &Hyper,
    j: &DMatrix<f64>,
    eig: &[Complex<f64>],
    dt: usize,
    dense: Duration,
) -> Result<Radius, String> {
    let rows = analysis::state_rows(opt, dt, j.nrows());
    let scalar = || {
        scalar_method(opt, h.eta, h.beta).map(|m| {
            let r = eig
                .iter()
                .map(|l| scalar_radius(m, h.eta.theta, h.beta.theta, *l))
                .fold(0.0, f64::max);
            (r, opt.cost(h).gradients, None)
        })
    };
    if dense_seconds(rows) > dense.as_secs_f64() || rows > analysis::MAX_STATE {
        return scalar().ok_or_else(|| {
            format!(
                "no ρ: the update operator would have {rows} rows ({}) and this method has no per-eigenvalue map",
                operator_too_big(rows, dense)
            )
        });
    }
    let op = analysis::derived_operator(opt, h, j, dt)?;
    let r = op.spectral_radius();
    Ok((
        r,
        op.calls_per_iteration,
        Some(largest_first(op.eigenvalues)),
    ))
}

/// Analyses the game at `w` for `opt` with step sizes `eta`, momenta `beta` and `d_steps`
/// discriminator steps, within `limits`: J's whole spectrum and ρ where the dense parts fit,
/// else J's eigenvalues of largest modulus by Arnoldi on J·v, each omission noted.
pub fn analyse<V: ParamVec>(
    game: &mut dyn Game<V = V>,
    w: &Players<V>,
    opt: &Optimizer,
    hyper: &Hyper,
    limits: &Limits,
) -> Analysis {
    limits
        .budget
        .scope(|| analyse_within(game, w, opt, hyper, limits.dense))
}

fn analyse_within<V: ParamVec>(
    game: &mut dyn Game<V = V>,
    w: &Players<V>,
    opt: &Optimizer,
    hyper: &Hyper,
    dense: Duration,
) -> Analysis {
    let (dt, n) = (w.theta.len(), w.theta.len() + w.phi.len());
    // The method's own count, whether or not a radius is found (a nonlinear rule has none, and
    // ExtraAdam's two calls read as one).
    let mut a = Analysis {
        calls: opt.cost(hyper).gradients,
        ..Analysis::default()
    };
    let fits = dense_seconds(n) <= dense.as_secs_f64();
    // A bilinear game is analysed as its 2-D games (see `analysis::coupling`) where the SVD of
    // its d×d B fits: exact, and far below the dense route's cost at the sizes papers use.
    let coupled_fits = 2 * dt == n && svd_seconds(dt) <= dense.as_secs_f64();
    let j = if fits || coupled_fits {
        game.jacobian(w)
    } else {
        None
    };
    if let Some(b) = j
        .as_ref()
        .filter(|_| coupled_fits)
        .and_then(|j| coupling::skew_coupling(j, dt))
    {
        if let Some(a) = decoupled(&b, opt, hyper, dense) {
            return a;
        }
    }
    match j.filter(|_| fits) {
        Some(j) => {
            let eig = match crate::linalg::eigenvalues(&j) {
                Ok(e) => {
                    a.complete = true;
                    e
                }
                Err(e) => {
                    a.notes.push(format!("J: {e}"));
                    e.found
                }
            };
            a.jacobian = largest_first(eig);
            if let Some(why) = nonlinear(opt) {
                a.notes.push(why);
            } else if a.complete {
                match radius(opt, hyper, &j, &a.jacobian, dt, dense) {
                    Ok((r, calls, op)) => {
                        a.radius = Some(r).filter(|r| r.is_finite());
                        a.calls = calls;
                        a.operator = op;
                    }
                    Err(e) => a.notes.push(e),
                }
            }
        }
        None => {
            // Said after what was found: a pane that shows the first line of the notes shows
            // that, not why the obvious (a network's J is not solved densely) was skipped.
            let skipped = (!fits).then(|| {
                format!(
                    "dense analysis skipped: J has {n} rows ({} for its eigenvalues)",
                    over_budget(dense_seconds(n), dense)
                )
            });
            match analysis::jacobian_top(game, w, TOP_EIGENVALUES) {
                Some(Ok((ritz, steps))) => {
                    let found = analysis::converged(&ritz, analysis::RITZ_TOLERANCE);
                    // Fewer steps than asked with the budget spent: cut short, not broken down.
                    let cut = steps < analysis::ARNOLDI_STEPS.min(n)
                        && crate::linalg::Budget::ambient().check().is_err();
                    a.notes.push(super::engine::network_note(
                        found.len(),
                        ritz.len(),
                        steps,
                        cut,
                    ));
                    a.unconverged = Some(ritz.len() - found.len());
                    a.jacobian = found;
                }
                Some(Err(why)) => a.notes.push(why),
                None => a.notes.push("this game has no Jacobian".into()),
            }
            a.notes.extend(skipped);
        }
    }
    a
}

/// The analysis of a bilinear game with coupling matrix `b` through its 2-D games: J's
/// eigenvalues ±iσ, and ρ the largest over the distinct σ of the operator on [[0, σ], [−σ, 0]]
/// (whose eigenvalues, repeated as σ is, are the whole operator's). None when the SVD did not
/// converge within its cap: the caller takes the general route.
fn decoupled(b: &DMatrix<f64>, opt: &Optimizer, h: &Hyper, dense: Duration) -> Option<Analysis> {
    let sigma = coupling::singular_values(b)?;
    let mut a = Analysis {
        calls: opt.cost(h).gradients,
        complete: true,
        ..Analysis::default()
    };
    a.jacobian = largest_first(
        sigma
            .iter()
            .flat_map(|&s| [Complex::new(0.0, s), Complex::new(0.0, -s)])
            .collect(),
    );
    if let Some(why) = nonlinear(opt) {
        a.notes.push(why);
        return Some(a);
    }
    let (mut rho, mut operator) = (0.0_f64, Some(vec![]));
    for (s, times) in coupling::distinct(&sigma) {
        if let Err(e) = Budget::ambient().check() {
            a.notes.push(format!("no ρ: {e}"));
            return Some(a);
        }
        let eig = [Complex::new(0.0, s), Complex::new(0.0, -s)];
        match radius(opt, h, &coupling::block(s), &eig, 1, dense) {
            Ok((r, calls, op)) => {
                rho = rho.max(r);
                a.calls = calls;
                operator = match (operator, op) {
                    (Some(mut all), Some(op)) => {
                        for _ in 0..times {
                            all.extend_from_slice(&op);
                        }
                        Some(all)
                    }
                    _ => None,
                };
            }
            Err(e) => {
                a.notes.push(e);
                return Some(a);
            }
        }
    }
    a.radius = Some(rho).filter(|r| r.is_finite());
    a.operator = operator.map(largest_first);
    Some(a)
}

/// Why `opt` has no linear update operator, if it has none (each method says for itself).
fn nonlinear(opt: &Optimizer) -> Option<String> {
    opt.linear().err()
}

/// Which players' constraints are active at `w` (the point on the boundary of its set), as
/// words for a note; empty when none is.
pub fn active_constraints<V: ParamVec>(
    constraints: Players<Constraint>,
    w: &Players<V>,
) -> Vec<String> {
    let mut out = vec![];
    for p in [Player::Theta, Player::Phi] {
        let c = *constraints.get(p);
        let x: Vec<f64> = (0..w.get(p).len())
            .map_while(|i| w.get(p).coordinate(i))
            .collect();
        let tol = 1e-9;
        let on_boundary = match c {
            Constraint::Free => false,
            Constraint::Box { lo, hi } => x.iter().any(|v| {
                (v - lo).abs() <= tol * (1.0 + lo.abs()) || (v - hi).abs() <= tol * (1.0 + hi.abs())
            }),
            Constraint::Ball { radius } => {
                (x.iter().map(|v| v * v).sum::<f64>().sqrt() - radius).abs() <= tol * (1.0 + radius)
            }
        };
        if on_boundary {
            out.push(format!("{p} on the boundary of {}", describe(c)));
        }
    }
    out
}

fn describe(c: Constraint) -> String {
    match c {
        Constraint::Free => "ℝⁿ".into(),
        Constraint::Box { lo, hi } => format!("the box [{lo}, {hi}]"),
        Constraint::Ball { radius } => format!("the ball of radius {radius}"),
    }
}

/// What `saddle spectrum` reports for one run.
#[derive(Clone, Debug, Serialize)]
pub struct RunSpectrum {
    /// Run name.
    pub name: String,
    /// Scheme and rule.
    pub method: String,
    /// Where J was taken: `equilibrium`, `start`, or `step N` (a run's newest checkpoint).
    pub point: String,
    /// Eigenvalues of J there, [re, im], largest modulus first (all of them, or those of
    /// largest modulus that Arnoldi found: see `note`).
    pub jacobian: Vec<[f64; 2]>,
    /// ρ of the update operator (None when the method is not linear or it was not computed).
    pub spectral_radius: Option<f64>,
    /// Oracle calls per iteration.
    pub calls_per_iteration: f64,
    /// ρ^{1/calls}: the predicted rate per gradient evaluation.
    pub rate_per_call: Option<f64>,
    /// The fitted rate of ‖ω_t − ω*‖ per iteration (when measured and the run converges).
    pub measured_rate: Option<f64>,
    /// Why something is missing, or what to keep in mind reading it.
    pub note: Option<String>,
    /// The step of the run's last change of a parameter of the dynamics (0: none, or not a
    /// run): a measured rate belongs to the rows after it.
    #[serde(skip)]
    pub changed_at: u64,
}

/// The step of the last recorded parameter change in `events` (0: none); `log_every` changes
/// what is logged and an average's β what is averaged, not the dynamics.
fn last_change(events: &[crate::run::events::EventRecord]) -> u64 {
    events
        .iter()
        .filter(|e| {
            matches!(&e.kind, crate::run::events::EventKind::Set(c)
                if c.param != "log_every" && !c.param.starts_with("averaging."))
        })
        .map(|e| e.step)
        .max()
        .unwrap_or(0)
}

/// Time one `saddle spectrum` report may take: the dense parts are attempted up to this
/// estimate, and the iterations stop at twice it.
pub const REPORT_SECONDS: u64 = 30;

/// Runs the config in memory (no run directory) and returns (step, ‖ω_t − ω*‖) every step.
fn trace(
    config: &RunConfig,
    game: &mut dyn Game<V = Vec<f64>>,
    opt: &Optimizer,
    hyper: crate::optim::Hyper,
) -> Option<(Vec<f64>, Vec<f64>)> {
    let eq = game.equilibrium()?.clone();
    let mut w = game.initial_point();
    let mut st = opt.init_state(&w, hyper);
    let mut sc = crate::optim::Scratch::new(&w);
    let mut rng = Rng::derive(config.seed, "sampling");
    let mut drawn = 0;
    let (mut ts, mut ds) = (vec![], vec![]);
    for t in 1..=config.steps {
        if opt
            .step(game, &mut w, &mut st, &mut sc, &mut rng, &mut drawn)
            .is_err()
        {
            break;
        }
        let d = (w.theta.dist_sq(&eq.theta) + w.phi.dist_sq(&eq.phi)).sqrt();
        if !(1e-200..=1e100).contains(&d) {
            break;
        }
        ts.push(t as f64);
        ds.push(d);
    }
    Some((ts, ds))
}

/// The spectral report of one run; with `measure`, the run is simulated in memory for its
/// steps and the rate of ‖ω_t − ω*‖ fitted (skipping the first 30% as transient). J is taken at
/// the game's equilibrium where it is known; else, for a run given by `run`, at its newest
/// readable checkpoint (unreadable ones are named in `warnings`); else at the start.
pub fn run_spectrum(
    config: &RunConfig,
    measure: bool,
    run: Option<&RunDir>,
    warnings: &mut Vec<String>,
) -> Result<RunSpectrum, String> {
    let built = config.build()?;
    match built.game {
        crate::setup::BuiltGame::Toy(mut game) => report(
            config,
            &built.optimizer,
            built.hyper,
            game.as_mut(),
            run,
            measure,
            warnings,
        ),
        crate::setup::BuiltGame::NeuralCpu(mut game) => report(
            config,
            &built.optimizer,
            built.hyper,
            game.as_mut(),
            run,
            false,
            warnings,
        ),
        #[cfg(feature = "cuda")]
        crate::setup::BuiltGame::NeuralCuda(mut game) => report(
            config,
            &built.optimizer,
            built.hyper,
            game.as_mut(),
            run,
            false,
            warnings,
        ),
    }
}

/// ρ of the update operator of `config`'s run on its toy game, at the equilibrium (else at the
/// start), within `limits`: the prediction a sweep's heat map shows next to what its members
/// measured. Err says why there is none (a network, a method that is not linear, an operator
/// too large for `limits`, the budget spent). Networks are refused before anything is built: a
/// prediction must not load a data set.
pub fn predicted_radius(config: &RunConfig, limits: &Limits) -> Result<f64, String> {
    if config.game.is_neural() {
        return Err("a network: its J has no closed form".into());
    }
    let built = config.build()?;
    let crate::setup::BuiltGame::Toy(mut game) = built.game else {
        return Err("a network: its J has no closed form".into());
    };
    let w = match game.equilibrium() {
        Some(eq) => eq.clone(),
        None => game.initial_point(),
    };
    let opt = &built.optimizer;
    let mut h = built.hyper.clone();
    h.eta = opt.eta_at(&built.hyper, 0);
    let a = analyse(game.as_mut(), &w, opt, &h, limits);
    a.radius
        .ok_or_else(|| a.note().unwrap_or_else(|| "no ρ".into()))
}

/// [`run_spectrum`] for a game whose parameters are stored as `V`.
fn report<V: ParamVec + serde::de::DeserializeOwned + 'static>(
    config: &RunConfig,
    opt: &Optimizer,
    hyper: crate::optim::Hyper,
    game: &mut dyn Game<V = V>,
    run: Option<&RunDir>,
    measure: bool,
    warnings: &mut Vec<String>,
) -> Result<RunSpectrum, String> {
    let mut newest = run.and_then(|d| {
        let start = crate::run::engine::initial_state(config, &*game, opt, hyper.clone());
        let found = checkpoint::newest::<V>(d, None, |s| checkpoint::misfit(s, &start));
        warnings.extend(found.unreadable.iter().map(|u| u.to_string()));
        found.state
    });
    // A run's parameters are those in force now: its newest checkpoint's (what `control
    // set`, the dashboard's editor or a fork changed is in its state, not its config), then
    // the changes its event log holds after that checkpoint, as a resume re-applies them.
    let mut live_step = newest.as_ref().map_or(0, |s| s.optim.iteration);
    let events = run.map(|d| d.records_checked::<crate::run::events::EventRecord>());
    if let Some(Err(e)) = &events {
        warnings.push(format!(
            "{e}: the parameters are the newest checkpoint's, and MEASURED is fitted to every row"
        ));
    }
    let events = events.and_then(|e| e.ok()).unwrap_or_default();
    let changed_at = last_change(&events);
    // A preset's report has no events and no checkpoint: nothing to apply.
    if let Some(s) = newest.as_mut() {
        let mut live = crate::run::control::Live {
            opt,
            st: &mut s.optim,
            log_every: &mut s.log_every,
        };
        let at = live_step;
        for (step, param, value) in crate::run::events::scheduled_changes(&events) {
            if step > at {
                if let Err(e) = live.set(&param, value) {
                    warnings.push(format!("{param}={value} at step {step}: {e}"));
                }
                live_step = live_step.max(step);
            }
        }
    }
    let live = newest
        .as_ref()
        .map_or_else(|| hyper.clone(), |s| s.optim.hyper.clone());
    let changed = hyper_changes(&hyper, &live);
    let (w, point) = match (game.equilibrium(), newest) {
        (Some(eq), _) => (eq.clone(), "equilibrium".to_string()),
        (None, Some(s)) => (s.w, format!("step {}", s.optim.iteration)),
        (None, None) => (game.initial_point(), "start".to_string()),
    };
    let mut h = live.clone();
    h.eta = opt.eta_at(&live, live_step);
    let limits = Limits::new(
        Duration::from_secs(REPORT_SECONDS),
        Duration::from_secs(2 * REPORT_SECONDS),
    );
    let mut a = analyse(game, &w, opt, &h, &limits);
    if a.radius.is_some_and(|r| (r - 1.0).abs() <= 1e-9) {
        a.notes.push(
            "ρ = 1: no geometric rate; the iterates stay bounded (they cycle) where the eigenvalues of modulus 1 are simple, and grow polynomially where one is repeated without its own eigenvectors (a Jordan block: alternating GD on θφ at ησ = 2 grows linearly)"
                .into(),
        );
    }
    if opt.schedule != crate::optim::Schedule::Constant && live_step > 0 {
        a.notes
            .push(format!("η as its schedule gives it at step {live_step}"));
    }
    if !changed.is_empty() {
        a.notes.insert(
            0,
            format!(
                "with the parameters in force at step {live_step}, changed since the start: {}",
                changed.join(", ")
            ),
        );
    }
    if a.jacobian.is_empty() && a.notes.iter().any(|n| n == "this game has no Jacobian") {
        a.notes = vec![NEURAL.to_string()];
    }
    if opt.schedule != crate::optim::Schedule::Constant {
        a.notes
            .push("η changes every step (schedule), so ρ is that of one step".into());
    }
    let constraints = game.constraints();
    let active = active_constraints(constraints, &w);
    if !active.is_empty() {
        a.notes.push(format!(
            "the constraint is active at this point ({}): the run's projected steps are not the linear map whose ρ is shown, so ρ may not describe the run",
            active.join(", ")
        ));
    } else if constraints.theta != Constraint::Free || constraints.phi != Constraint::Free {
        a.notes.push(
            "the players are constrained (inactive at this point): ρ describes the run only while its iterates stay inside".into(),
        );
    }
    let measured_rate = match (measure, game.equilibrium().is_some()) {
        (true, true) => measured(config, opt, hyper),
        _ => None,
    };
    Ok(RunSpectrum {
        name: config.name.clone(),
        method: opt.label(),
        point,
        jacobian: pairs(&a.jacobian),
        spectral_radius: a.radius,
        calls_per_iteration: a.calls,
        rate_per_call: a.radius.map(|r| r.powf(1.0 / a.calls)),
        measured_rate,
        note: a.note(),
        changed_at,
    })
}

/// The hyperparameters that differ between `from` and `to`, as `η 0.3 → 0.5` (per player
/// where the players differ), in the order η, β, discriminator steps, the methods' own.
pub fn hyper_changes(from: &Hyper, to: &Hyper) -> Vec<String> {
    let pair = |p: Players<f64>| {
        if p.theta == p.phi {
            format!("{}", p.theta)
        } else {
            format!("(θ {}, φ {})", p.theta, p.phi)
        }
    };
    let mut out = vec![];
    for (name, a, b) in [("η", from.eta, to.eta), ("β", from.beta, to.beta)] {
        if a != b {
            out.push(format!("{name} {} → {}", pair(a), pair(b)));
        }
    }
    if from.d_steps != to.d_steps {
        out.push(format!("d_steps {} → {}", from.d_steps, to.d_steps));
    }
    for (k, b) in &to.values {
        match from.values.get(k) {
            Some(a) if a == b => {}
            Some(a) => out.push(format!("{k} {a} → {b}")),
            None => out.push(format!("{k} → {b}")),
        }
    }
    out
}

/// The measured rate of a toy run simulated in memory.
fn measured(config: &RunConfig, opt: &Optimizer, hyper: crate::optim::Hyper) -> Option<f64> {
    let built = config.build().ok()?;
    let crate::setup::BuiltGame::Toy(mut game) = built.game else {
        return None;
    };
    trace(config, game.as_mut(), opt, hyper).and_then(|(t, d)| measured_rate(&t, &d, 0.3))
}

/// One stability map: ρ over a (β, η) grid for one scheme and rule, with β applied to the
/// players that carry momentum in the runs it stands for.
#[derive(Clone, Debug, Serialize)]
pub struct StabilityMap {
    /// Scheme + rule.
    pub method: String,
    /// Which players β applies to: `theta`, `phi` or `both`.
    pub beta_on: &'static str,
    /// The runs this map stands for.
    pub runs: Vec<String>,
    /// β values (columns).
    pub betas: Vec<f64>,
    /// η values (rows).
    pub etas: Vec<f64>,
    /// `ρ[i][j]` at η = `etas[i]`, β = `betas[j]` (None where not defined or not computed).
    pub rho: Vec<Vec<Option<f64>>>,
    /// What to know to read it: that its Jacobian is the start's (no known equilibrium), why
    /// cells are missing (the budget ran out, the computation was cancelled).
    pub note: Option<String>,
}

/// The stability maps of a preset's runs, and why the runs without one have none.
#[derive(Clone, Debug, Default)]
pub struct Stability {
    /// One map per distinct scheme, rule and momentum pattern.
    pub maps: Vec<StabilityMap>,
    /// One line per run skipped (a network, an Adam rule, an operator too large).
    pub skipped: Vec<String>,
}

/// A map to compute: its header and what each cell needs.
struct Plan {
    map: StabilityMap,
    opt: Optimizer,
    /// The games whose largest ρ is the map's: the game itself, or a bilinear game's 2-D
    /// games, one per distinct singular value (see `analysis::coupling`).
    parts: Vec<Part>,
    d_steps: u32,
}

/// One linear game of a [`Plan`]: its J, J's eigenvalues, θ's dimension.
struct Part {
    j: DMatrix<f64>,
    eig: Vec<Complex<f64>>,
    dt: usize,
}

/// Stability maps for the runs of a preset (one per distinct scheme, rule and momentum
/// pattern). Every run is checked first; those that cannot have a map are skipped with the
/// reason, the others computed cell by cell within `limits` (cells the budget leaves are None,
/// and the map's note says so; a cancelled budget also leaves the runs not yet planned out).
/// Err: a run that cannot be built.
pub fn stability(
    configs: &[RunConfig],
    betas: &[f64],
    etas: &[f64],
    limits: &Limits,
) -> Result<Stability, String> {
    let mut plans: Vec<Plan> = vec![];
    let mut skipped = vec![];
    for c in configs {
        // Cancelled (Ctrl-C): the caller shows nothing, so the games left are not built.
        if limits.cancelled() {
            break;
        }
        let built = c.build()?;
        let crate::setup::BuiltGame::Toy(game) = built.game else {
            skipped.push(format!("run {:?}: no stability map for networks: ρ over (β, η) needs the whole spectrum of J, and a network gives only its eigenvalues of largest modulus", c.name));
            continue;
        };
        let mut opt = built.optimizer;
        if let Some(why) = nonlinear(&opt) {
            let adam = [&opt.rules.theta, &opt.rules.phi]
                .iter()
                .any(|r| r.name().contains("adam"));
            skipped.push(if adam {
                format!(
                    "run {:?} uses Adam, which is not linear: no stability map",
                    c.name
                )
            } else {
                format!("run {:?}: {why}: no stability map", c.name)
            });
            continue;
        }
        // β is a heavy-ball momentum here; plain gradient is heavy ball at β = 0.
        opt.rules = Players::both(Rule::heavy_ball());
        let b = c.beta.0;
        let beta_on = match (b.theta != 0.0, b.phi != 0.0) {
            (true, false) => "theta",
            (false, true) => "phi",
            _ => "both",
        };
        // Averages and a schedule do not change the map; everything else does (a wrapper,
        // its k and α, a field transform), and is in the map's name.
        opt.averaging.clear();
        opt.schedule = crate::optim::Schedule::Constant;
        let method = opt.label();
        if let Some(p) = plans
            .iter_mut()
            .find(|p| p.opt == opt && p.map.beta_on == beta_on)
        {
            p.map.runs.push(c.name.clone());
            continue;
        }
        // Without a known equilibrium the map linearizes at the start, which says little of
        // where the run ends: said in the map's note.
        let (w, at_start) = match game.equilibrium() {
            Some(eq) => (eq.clone(), false),
            None => (game.initial_point(), true),
        };
        let (dt, n) = (w.theta.len(), w.theta.len() + w.phi.len());
        let rows = analysis::state_rows(&opt, dt, n);
        let whole_fits =
            dense_seconds(rows) <= limits.dense.as_secs_f64() && rows <= analysis::MAX_STATE;
        let coupled_fits = 2 * dt == n && svd_seconds(dt) <= limits.dense.as_secs_f64();
        let too_large = || {
            format!(
                "run {:?}: the update operator would have {rows} rows (an estimated {} per cell; a cell may take {}): no stability map",
                c.name,
                short_duration(dense_seconds(rows)),
                short_duration(limits.dense.as_secs_f64())
            )
        };
        if !whole_fits && !coupled_fits {
            skipped.push(too_large());
            continue;
        }
        let Some(j) = game.jacobian(&w) else {
            skipped.push(format!("run {:?}: this game has no Jacobian", c.name));
            continue;
        };
        let sigma = coupled_fits
            .then(|| coupling::skew_coupling(&j, dt))
            .flatten()
            .and_then(|b| coupling::singular_values(&b));
        let parts = match sigma {
            Some(sigma) => coupling::distinct(&sigma)
                .into_iter()
                .map(|(s, _)| Part {
                    j: coupling::block(s),
                    eig: vec![Complex::new(0.0, s), Complex::new(0.0, -s)],
                    dt: 1,
                })
                .collect(),
            None if whole_fits => match limits.budget.scope(|| crate::linalg::eigenvalues(&j)) {
                Ok(eig) => vec![Part { j, eig, dt }],
                Err(e) => {
                    skipped.push(format!("run {:?}: J: {e}", c.name));
                    continue;
                }
            },
            None => {
                skipped.push(too_large());
                continue;
            }
        };
        plans.push(Plan {
            map: StabilityMap {
                method,
                beta_on,
                runs: vec![c.name.clone()],
                betas: betas.to_vec(),
                etas: etas.to_vec(),
                rho: vec![],
                note: at_start.then(|| {
                    "J at the start point: this game has no known equilibrium, so the map \
                     says how the method behaves there, not near an equilibrium"
                        .to_string()
                }),
            },
            opt,
            parts,
            d_steps: built.hyper.d_steps,
        });
    }
    let maps = plans.into_iter().map(|p| fill(p, limits)).collect();
    Ok(Stability { maps, skipped })
}

/// Computes a map's cells, row by row on the rayon pool, until the budget says stop.
fn fill(mut p: Plan, limits: &Limits) -> StabilityMap {
    use rayon::prelude::*;
    let (betas, etas) = (p.map.betas.clone(), p.map.etas.clone());
    let beta_on = p.map.beta_on;
    let stopped = std::sync::Mutex::new(None);
    let rho: Vec<Vec<Option<f64>>> = etas
        .par_iter()
        .map(|&eta| {
            limits.budget.scope(|| {
                betas
                    .iter()
                    .map(|&beta| {
                        if let Err(e) = limits.budget.check() {
                            *stopped.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                            return None;
                        }
                        let bp = match beta_on {
                            "theta" => Players::new(beta, 0.0),
                            "phi" => Players::new(0.0, beta),
                            _ => Players::both(beta),
                        };
                        let mut h = p.opt.initial_hyper(Players::both(eta), bp);
                        h.d_steps = p.d_steps;
                        // The largest ρ of the parts; none where one has none.
                        p.parts.iter().try_fold(0.0_f64, |rho, part| {
                            let r = radius(&p.opt, &h, &part.j, &part.eig, part.dt, limits.dense);
                            r.ok().map(|r| rho.max(r.0))
                        })
                    })
                    .collect()
            })
        })
        .collect();
    let missing = rho.iter().flatten().filter(|r| r.is_none()).count();
    if let Some(why) = stopped.into_inner().unwrap_or_else(|e| e.into_inner()) {
        let cut = format!(
            "{missing} of {} cells not computed: {why}",
            etas.len() * betas.len()
        );
        p.map.note = Some(match p.map.note.take() {
            Some(n) => format!("{n}; {cut}"),
            None => cut,
        });
    }
    p.map.rho = rho;
    p.map
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An operator past the dense limit says so, whatever the budget (the estimate alone said
    /// nothing of it); one over its budget prints both figures in units that show them.
    #[test]
    fn an_operator_too_big_says_why_with_figures_that_show() {
        let big = operator_too_big(analysis::MAX_STATE + 1, Duration::from_secs(3600));
        assert_eq!(
            big,
            format!("more than the {} rows built densely", analysis::MAX_STATE)
        );
        let rows = (1..analysis::MAX_STATE)
            .find(|&r| dense_seconds(r) > 0.02)
            .expect("an operator of some 20 ms");
        let slow = operator_too_big(rows, Duration::from_millis(10));
        assert!(
            slow.contains("ms, more than this analysis's 10 ms"),
            "{slow}"
        );
        assert!(!slow.contains(" 0 s"), "{slow}");
    }

    /// A cell's milliseconds read as such (a 120-row operator's 16 ms per cell was "0.0 s").
    #[test]
    fn durations_in_messages_keep_two_significant_figures() {
        assert_eq!(short_duration(dense_seconds(120)), "16 ms");
        assert_eq!(short_duration(0.012), "12 ms");
        assert_eq!(short_duration(0.0042), "4.2 ms");
        assert_eq!(short_duration(0.00003), "30 µs");
        assert_eq!(short_duration(1.25), "1.2 s");
        assert_eq!(short_duration(124.4), "124 s");
        // `saddle stability`'s rule, now the plot's too: one cell may have the whole budget
        // up to a report's 30 s; it is not split across the cells.
        assert_eq!(Limits::for_maps(120).dense, Duration::from_secs(30));
        assert_eq!(Limits::for_maps(2).dense, Duration::from_secs(2));
    }

    /// Every linear method of the presets that exercise the zoo (ConOpt, SGA, Hamiltonian,
    /// Lookahead, CGD, LEAD, OMD, past extragradient, momentum on one player, d_steps 3), with
    /// per-player η and β: the whole operator's eigenvalues are the 2-D games'.
    #[test]
    fn every_linear_method_of_the_presets_decouples() {
        let b = DMatrix::from_row_slice(3, 3, &[1.0, 0.3, 0.0, -0.2, 0.8, 0.1, 0.5, 0.0, 0.4]);
        let sigma = coupling::singular_values(&b).unwrap();
        let mut tried = 0;
        for preset in [
            "zoo-bilinear",
            "lookahead-bilinear",
            "bilinear-momentum",
            "lead-theta-phi",
            "ttur-saddle",
            "default",
            "bilinear-methods",
        ] {
            let text = crate::run::builtin::builtin(preset).unwrap();
            let p = crate::run::Preset::parse(text, preset).unwrap();
            for c in p.resolve().unwrap() {
                let built = c.build().unwrap();
                let opt = &built.optimizer;
                if opt.linear().is_err() {
                    continue;
                }
                for (eta, beta, d_steps) in [
                    (Players::new(0.3, 0.17), Players::new(0.2, -0.3), None),
                    (Players::both(0.4), Players::new(0.0, -0.5), Some(3)),
                ] {
                    let mut h = built.hyper.clone();
                    (h.eta, h.beta) = (eta, beta);
                    h.d_steps = d_steps.unwrap_or(h.d_steps);
                    let Ok(whole) =
                        crate::analysis::derived_operator(opt, &h, &coupling::jacobian_of(&b), 3)
                    else {
                        continue;
                    };
                    let key = |z: &nalgebra::Complex<f64>| (z.norm(), z.im.abs());
                    let mut all: Vec<(f64, f64)> = whole.eigenvalues.iter().map(key).collect();
                    let mut parts: Vec<(f64, f64)> = vec![];
                    for s in &sigma {
                        let op =
                            crate::analysis::derived_operator(opt, &h, &coupling::block(*s), 1)
                                .unwrap();
                        parts.extend(op.eigenvalues.iter().map(key));
                    }
                    // By modulus to 1e-9 first: equal moduli computed 1e-15 apart must not
                    // reorder the list.
                    let order = |a: &(f64, f64), b: &(f64, f64)| {
                        let round = |x: f64| (x * 1e9).round();
                        (round(a.0), a.1).partial_cmp(&(round(b.0), b.1)).unwrap()
                    };
                    all.sort_by(order);
                    parts.sort_by(order);
                    let same = all.len() == parts.len()
                        && all
                            .iter()
                            .zip(&parts)
                            .all(|(a, p)| (a.0 - p.0).abs() < 1e-6 && (a.1 - p.1).abs() < 1e-6);
                    assert!(
                        same,
                        "{preset}/{} ({}): {all:?} vs {parts:?}",
                        c.name,
                        opt.label()
                    );
                    tried += 1;
                }
            }
        }
        assert!(tried > 20, "{tried} methods compared");
    }

    /// A running bilinear game's spectrum log takes the SVD route wherever the SVD fits its
    /// budget: the dense eigen-solve's far larger estimate used to keep it on Arnoldi (no ρ,
    /// often no converged eigenvalue) from d ≈ 480 on. Here at d = 120 under 5 ms, which the
    /// SVD's estimate (1.7 ms) fits and the dense one (16 ms) does not.
    #[test]
    fn a_bilinear_game_too_large_for_the_dense_route_is_solved_through_its_svd() {
        let text = crate::run::builtin::builtin("lookahead-bilinear")
            .unwrap()
            .replace("dim: 100", "dim: 120");
        let p = crate::run::Preset::parse(&text, "lookahead-bilinear").unwrap();
        let c = p.resolve().unwrap().remove(0);
        assert!(dense_seconds(240) > 0.005 && svd_seconds(120) < 0.005);
        let built = c.build().unwrap();
        let crate::setup::BuiltGame::Toy(mut game) = built.game else {
            panic!("a toy game")
        };
        let w = game.equilibrium().unwrap().clone();
        let a = analyse(
            game.as_mut(),
            &w,
            &built.optimizer,
            &built.hyper,
            &Limits::new(Duration::from_millis(5), Duration::from_secs(60)),
        );
        assert!(a.complete, "{:?}", a.notes);
        assert_eq!(a.jacobian.len(), 240);
        assert!(a.radius.is_some(), "{:?}", a.notes);
    }
}
