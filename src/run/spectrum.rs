//! Spectral reports of a preset's runs (`saddle spectrum`) and stability maps over (β, η)
//! (`saddle stability`).

use super::config::RunConfig;
use super::store::RunDir;
use crate::analysis::{self, measured_rate, scalar_radius, ScalarMethod};
use crate::game::Game;
use crate::optim::{Hyper, Optimizer, Rule, Scheme};
use crate::players::Players;
use crate::rng::Rng;
use crate::vector::ParamVec;
use nalgebra::Complex;
use serde::Serialize;

/// Why a network gets no report or stability map.
const NEURAL: &str = "spectral analysis needs the Jacobian in closed form or from exact JVPs, which only the MLP networks have (not the convolutional ones)";

/// What `saddle spectrum` reports for one run.
#[derive(Clone, Debug, Serialize)]
pub struct RunSpectrum {
    /// Run name.
    pub name: String,
    /// Scheme and rule.
    pub method: String,
    /// Where J was taken: `equilibrium`, `start`, or `step N` (a network run's newest
    /// checkpoint).
    pub point: String,
    /// Eigenvalues of J there, [re, im], largest modulus first.
    pub jacobian: Vec<[f64; 2]>,
    /// ρ of the update operator (None when the method is not linear).
    pub spectral_radius: Option<f64>,
    /// Oracle calls per iteration.
    pub calls_per_iteration: f64,
    /// ρ^{1/calls}: the predicted rate per gradient evaluation.
    pub rate_per_call: Option<f64>,
    /// The fitted rate of ‖ω_t − ω*‖ per iteration (when measured and the run converges).
    pub measured_rate: Option<f64>,
    /// Why something is missing.
    pub note: Option<String>,
}

fn sorted(mut z: Vec<Complex<f64>>) -> Vec<[f64; 2]> {
    z.sort_by(|a, b| b.norm().total_cmp(&a.norm()).then(b.im.total_cmp(&a.im)));
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

/// ρ of `opt` at Jacobian `j` under `h`, and its gradient evaluations per iteration: the
/// operator derived from the method's step, or the per-eigenvalue map when the state is too
/// large to build densely.
pub fn radius(
    opt: &Optimizer,
    h: &Hyper,
    j: &nalgebra::DMatrix<f64>,
    dt: usize,
) -> Result<(f64, f64), String> {
    match analysis::derived_operator(opt, h, j, dt) {
        Ok(op) => Ok((op.spectral_radius(), op.calls_per_iteration)),
        Err(e) if e.contains("rows") => {
            let m = scalar_method(opt, h.eta, h.beta).ok_or(e)?;
            let calls = opt.cost(h).gradients;
            let r = j
                .complex_eigenvalues()
                .iter()
                .map(|l| scalar_radius(m, h.eta.theta, h.beta.theta, *l))
                .fold(0.0, f64::max);
            Ok((r, calls))
        }
        Err(e) => Err(e),
    }
}

/// The report of a network game at the newest checkpoint of `run` (its starting weights
/// when there is none): J's eigenvalues of largest modulus by Arnoldi on exact JVPs (MLP
/// GANs), no ρ (that needs the whole spectrum).
fn network_spectrum<V: ParamVec + serde::de::DeserializeOwned>(
    config: &RunConfig,
    opt: &Optimizer,
    game: &mut dyn Game<V = V>,
    run: Option<&RunDir>,
) -> Result<RunSpectrum, String> {
    let (w, point) = match run.and_then(|d| super::checkpoint::latest::<V>(d, None)) {
        Some(state) => (state.w, format!("step {}", state.optim.iteration)),
        None => (game.initial_point(), "start".to_string()),
    };
    let ritz = analysis::jacobian_top(game, &w, 16).unwrap_or_else(|| Err(NEURAL.into()))?;
    let found = analysis::converged(&ritz, analysis::RITZ_TOLERANCE);
    Ok(RunSpectrum {
        name: config.name.clone(),
        method: opt.label(),
        point,
        jacobian: sorted(found.clone()),
        spectral_radius: None,
        calls_per_iteration: 1.0,
        rate_per_call: None,
        measured_rate: None,
        note: Some(super::engine::network_note(found.len(), ritz.len())),
    })
}

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
    let (mut ts, mut ds) = (vec![], vec![]);
    for t in 1..=config.steps {
        if opt.step(game, &mut w, &mut st, &mut sc, &mut rng).is_err() {
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
/// steps and the rate of ‖ω_t − ω*‖ fitted (skipping the first 30% as transient).
/// For a network game, J is taken at the newest checkpoint of `run` when given.
pub fn run_spectrum(
    config: &RunConfig,
    measure: bool,
    run: Option<&RunDir>,
) -> Result<RunSpectrum, String> {
    let built = config.build()?;
    let opt = built.optimizer;
    let mut game = match built.game {
        crate::setup::BuiltGame::Toy(game) => game,
        crate::setup::BuiltGame::NeuralCpu(mut game) => {
            return network_spectrum(config, &opt, game.as_mut(), run)
        }
        #[cfg(feature = "cuda")]
        crate::setup::BuiltGame::NeuralCuda(mut game) => {
            return network_spectrum(config, &opt, game.as_mut(), run)
        }
    };
    let (w, point) = match game.equilibrium() {
        Some(eq) => (eq.clone(), "equilibrium".to_string()),
        None => (game.initial_point(), "start".to_string()),
    };
    let mut note = None;
    let jacobian = match game.jacobian(&w) {
        Some(j) => j,
        None => {
            return Ok(RunSpectrum {
                name: config.name.clone(),
                method: opt.label(),
                point,
                jacobian: vec![],
                spectral_radius: None,
                calls_per_iteration: 1.0,
                rate_per_call: None,
                measured_rate: None,
                note: Some("this game has no Jacobian".into()),
            })
        }
    };
    let mut h = built.hyper.clone();
    h.eta = opt.eta_at(&h, 0);
    let (spectral_radius, calls) = match radius(&opt, &h, &jacobian, w.theta.len()) {
        Ok((r, c)) => (Some(r), c),
        Err(e) => {
            note = Some(e);
            (None, 1.0)
        }
    };
    if opt.schedule != crate::optim::Schedule::Constant {
        note = Some("η changes every step (schedule), so ρ is that of the first step".into());
    }
    let measured_rate = if measure {
        trace(config, game.as_mut(), &opt, built.hyper.clone())
            .and_then(|(t, d)| measured_rate(&t, &d, 0.3))
    } else {
        None
    };
    Ok(RunSpectrum {
        name: config.name.clone(),
        method: opt.label(),
        point,
        jacobian: sorted(jacobian.complex_eigenvalues().iter().copied().collect()),
        spectral_radius,
        calls_per_iteration: calls,
        rate_per_call: spectral_radius.map(|r| r.powf(1.0 / calls)),
        measured_rate,
        note,
    })
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
    /// `ρ[i][j]` at η = `etas[i]`, β = `betas[j]` (None where not defined).
    pub rho: Vec<Vec<Option<f64>>>,
}

/// Stability maps for the runs of a preset (one per distinct scheme, rule and momentum pattern).
pub fn stability(
    configs: &[RunConfig],
    betas: &[f64],
    etas: &[f64],
) -> Result<Vec<StabilityMap>, String> {
    let mut maps: Vec<StabilityMap> = vec![];
    for c in configs {
        let built = c.build()?;
        let crate::setup::BuiltGame::Toy(game) = built.game else {
            return Err("no stability map for networks: ρ over (β, η) needs the whole spectrum of J, and a network gives only its eigenvalues of largest modulus".into());
        };
        let mut opt = built.optimizer;
        if let Err(why) = opt.linear() {
            return Err(format!("run {:?}: {why}: no stability map", c.name));
        }
        // β is a heavy-ball momentum here; plain gradient is heavy ball at β = 0.
        opt.rules = Players::both(Rule::heavy_ball());
        let b = c.beta.0;
        let beta_on = match (b.theta != 0.0, b.phi != 0.0) {
            (true, false) => "theta",
            (false, true) => "phi",
            _ => "both",
        };
        let method = opt.label();
        if let Some(m) = maps
            .iter_mut()
            .find(|m| m.method == method && m.beta_on == beta_on)
        {
            m.runs.push(c.name.clone());
            continue;
        }
        let w = match game.equilibrium() {
            Some(eq) => eq.clone(),
            None => game.initial_point(),
        };
        let j = game.jacobian(&w).ok_or("this game has no Jacobian")?;
        let base = built.hyper;
        let rho = etas
            .iter()
            .map(|&eta| {
                betas
                    .iter()
                    .map(|&beta| {
                        let bp = match beta_on {
                            "theta" => Players::new(beta, 0.0),
                            "phi" => Players::new(0.0, beta),
                            _ => Players::both(beta),
                        };
                        let h = Hyper {
                            eta: Players::both(eta),
                            beta: bp,
                            ..base.clone()
                        };
                        radius(&opt, &h, &j, w.theta.len()).ok().map(|r| r.0)
                    })
                    .collect()
            })
            .collect();
        maps.push(StabilityMap {
            method,
            beta_on,
            runs: vec![c.name.clone()],
            betas: betas.to_vec(),
            etas: etas.to_vec(),
            rho,
        });
    }
    Ok(maps)
}
