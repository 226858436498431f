//! The methods beyond the seed against known mathematics (issue 16 item 4, zoo-notes): the
//! closed-form spectral radii on θφ, hand-derived operators of CGD and LEAD against the ones
//! derived from the step code and against simulation, EAG's O(1/k²) against extragradient's,
//! and for every linear method the measured rate against the predicted ρ within 2% on
//! bilinear games with several singular values and on quadratic games.

use super::*;
use crate::game::{BilinearSpec, LinearTerms, MatrixSpec, QuadraticSpec, Start, ToySpec};
use crate::optim::field::{Consensus, Hamiltonian, Sga};
use crate::optim::rule::omd::Predictor;
use crate::optim::rule::{Gradient, HeavyBall, Omd};
use crate::optim::scheme::cgd::Cgd;
use crate::optim::scheme::eag::{Eag, EagStep};
use crate::optim::scheme::lead::{Coupling, Lead, LeadOrder};
use crate::optim::scheme::{Extragradient, Optimistic, Simultaneous};
use crate::optim::wrapper::Lookahead;
use crate::optim::{
    FieldTransform, Hyper, OptimState, OptimisticFirst, Optimizer, Rule, Scheme, Scratch, Wrapper,
};
use crate::players::Players;
use crate::rng::Rng;
use crate::vector::ParamVec;
use nalgebra::DMatrix;

const SIM: Scheme = Scheme::Simultaneous(Simultaneous);
const EG: Scheme = Scheme::Extragradient(Extragradient { resample: true });
const GD: Rule = Rule::Gradient(Gradient);
const Z: Players<f64> = Players {
    theta: 0.0,
    phi: 0.0,
};

/// J of min_θ max_φ θφ, ordered (θ, φ): F = (φ, −θ).
fn theta_phi() -> DMatrix<f64> {
    DMatrix::from_row_slice(2, 2, &[0.0, 1.0, -1.0, 0.0])
}

fn with_field(f: FieldTransform) -> Optimizer {
    let mut o = Optimizer::plain(SIM, GD);
    o.field = Some(f);
    o
}

fn conopt(gamma: f64) -> Optimizer {
    with_field(FieldTransform::Consensus(Consensus { gamma }))
}

fn lookahead(base: Optimizer, k: u32, alpha: f64) -> Optimizer {
    let mut o = base;
    o.wrappers.push(Wrapper::Lookahead(Lookahead { k, alpha }));
    o
}

fn cgd() -> Optimizer {
    Optimizer::plain(
        Scheme::Cgd(Cgd {
            tolerance: 1e-12,
            max_iterations: 200,
            time_budget: 60.0,
            warm_start: true,
            alternate: true,
        }),
        GD,
    )
}

fn lead(alpha: f64, order: LeadOrder, rule: Rule) -> Optimizer {
    Optimizer::plain(
        Scheme::Lead(Lead {
            alpha,
            order,
            coupling: Coupling::Step,
        }),
        rule,
    )
}

/// ρ of `opt` at step size η (both players), momentum β, on the Jacobian `j`.
fn rho(opt: &Optimizer, eta: f64, beta: Players<f64>, j: &DMatrix<f64>) -> f64 {
    operator(opt, Players::both(eta), beta, 1, j, j.nrows() / 2)
        .unwrap()
        .spectral_radius()
}

fn bilinear(sv: Vec<f64>) -> Box<dyn ToySpec> {
    Box::new(BilinearSpec {
        dim: sv.len(),
        matrix: MatrixSpec::SingularValues(sv),
        linear: LinearTerms::Random { scale: 1.0 },
        constraint: None,
        start: Start::default(),
    })
}

fn quadratic(mix: f64) -> Box<dyn ToySpec> {
    Box::new(QuadraticSpec {
        dim: 4,
        mix,
        mu: 0.2,
        ell: 1.0,
        start: Start::default(),
    })
}

/// Runs `opt` from the game's start and returns its measured asymptotic rate per iteration —
/// (d_T/d_{T/2})^{1/(T − T/2)} of d_t = ‖ω_t − ω*‖, T the step where d falls below 1e-140·d₀ (its square stays a normal float)
/// (1e-11·d₀ when ω* ≠ 0, above rounding; or the last step) — with ρ of the operator derived at the start. The second half of a long
/// run leaves out the transient of the faster modes, which a fit over the first twelve
/// decades can still see when two moduli are close.
fn measured_vs_predicted(
    spec: &dyn ToySpec,
    opt: &Optimizer,
    eta: Players<f64>,
    beta: Players<f64>,
    steps: usize,
) -> (f64, f64) {
    let mut g = spec.build(7).unwrap();
    let eq = g.equilibrium().unwrap().clone();
    let mut w = g.initial_point();
    let hyper = opt.initial_hyper(eta, beta);
    let j = g.jacobian(&w).unwrap();
    let predicted = derived_operator(opt, &hyper, &j, w.theta.len())
        .unwrap()
        .spectral_radius();
    let mut st = opt.init_state(&w, hyper);
    let mut sc = Scratch::new(&w);
    let mut rng = Rng::new(1);
    let dist = |w: &Players<Vec<f64>>| (w.theta.dist_sq(&eq.theta) + w.phi.dist_sq(&eq.phi)).sqrt();
    let d0 = dist(&w);
    // Iterates reach an equilibrium away from the origin only to rounding (≈1e-16·‖ω*‖); one
    // at the origin, to any scale.
    let at_origin = eq.theta.norm_sq() + eq.phi.norm_sq() == 0.0;
    let floor = if at_origin { 1e-140 } else { 1e-11 } * d0;
    let mut ds = vec![d0];
    for _ in 0..steps {
        opt.step(g.as_mut(), &mut w, &mut st, &mut sc, &mut rng, &mut 0)
            .unwrap();
        let d = dist(&w);
        ds.push(d);
        if d < floor || !d.is_finite() {
            break;
        }
    }
    let end = ds.len() - 1;
    let mid = end / 2;
    let measured = (ds[end] / ds[mid]).powf(1.0 / (end - mid) as f64);
    // The shared fit of `measured_rate` agrees where the modes are well separated.
    let ts: Vec<f64> = (0..ds.len()).map(|t| t as f64).collect();
    assert!(measured_rate(&ts, &ds, 0.3).is_some());
    (measured, predicted)
}

#[test]
fn conopt_radius_on_theta_phi_is_the_closed_form() {
    let j = theta_phi();
    for (eta, gamma, want) in [(0.1, 1.0, 0.9055), (0.1, 10.0, 0.1), (0.3, 10.0, 2.02)] {
        let got = rho(&conopt(gamma), eta, Z, &j);
        let closed = ((1.0 - eta * gamma).powi(2) + eta * eta).sqrt();
        assert!(
            (got - closed).abs() < 1e-12,
            "η={eta} γ={gamma}: {got} vs {closed}"
        );
        assert!(
            (got - want).abs() < 5e-3,
            "η={eta} γ={gamma}: {got} vs {want}"
        );
    }
    assert!(
        rho(&conopt(10.0), 0.3, Z, &j) > 1.0,
        "η = 0.3, γ = 10 diverges"
    );
}

/// One ConOpt step on θφ with plain SGD is the reference code's
/// θ ← θ − η(φ + γθ), φ ← φ + η(θ − γφ) (zoo-notes), exactly.
#[test]
fn conopt_steps_like_the_reference_update() {
    let spec = BilinearSpec {
        dim: 1,
        matrix: MatrixSpec::Identity,
        linear: LinearTerms::Zero,
        constraint: None,
        start: Start::Point {
            theta: vec![2.0],
            phi: vec![0.5],
        },
    };
    let (eta, gamma) = (0.1, 10.0);
    let opt = conopt(gamma);
    let mut g = spec.build(0).unwrap();
    let mut w = g.initial_point();
    let mut st = opt.init_state(&w, opt.initial_hyper(Players::both(eta), Z));
    let mut sc = Scratch::new(&w);
    let (mut t, mut p) = (2.0f64, 0.5f64);
    for _ in 0..20 {
        opt.step(
            g.as_mut(),
            &mut w,
            &mut st,
            &mut sc,
            &mut Rng::new(0),
            &mut 0,
        )
        .unwrap();
        (t, p) = (t - eta * (p + gamma * t), p + eta * (t - gamma * p));
        assert!((w.theta[0] - t).abs() < 1e-14 && (w.phi[0] - p).abs() < 1e-14);
    }
    assert_eq!((st.oracle_calls, st.vjp_calls, st.jvp_calls), (20, 20, 0));
}

/// On θφ ⟨ξ, Jᵀξ⟩ = 0, so the alignment rule picks λ = +reg and SGA is ConOpt with γ = reg:
/// the same trajectory and the same operator.
#[test]
fn sga_on_theta_phi_is_conopt_with_gamma_lambda() {
    let sga = with_field(FieldTransform::Sga(Sga {
        lambda: 1.0,
        align: true,
    }));
    let j = theta_phi();
    assert!((rho(&sga, 0.1, Z, &j) - rho(&conopt(1.0), 0.1, Z, &j)).abs() < 1e-12);
    let spec = bilinear(vec![1.0]);
    let run = |opt: &Optimizer| {
        let mut g = spec.build(3).unwrap();
        let mut w = g.initial_point();
        let mut st = opt.init_state(&w, opt.initial_hyper(Players::both(0.1), Z));
        let mut sc = Scratch::new(&w);
        let mut out = vec![];
        for _ in 0..50 {
            opt.step(
                g.as_mut(),
                &mut w,
                &mut st,
                &mut sc,
                &mut Rng::new(0),
                &mut 0,
            )
            .unwrap();
            out.push((w.theta[0], w.phi[0]));
        }
        (out, st.jv_equivalents())
    };
    let (a, cost_sga) = run(&sga);
    let (b, cost_conopt) = run(&conopt(1.0));
    for (x, y) in a.iter().zip(&b) {
        assert!((x.0 - y.0).abs() < 1e-12 && (x.1 - y.1).abs() < 1e-12);
    }
    assert_eq!(
        (cost_sga, cost_conopt),
        (150, 100),
        "SGA: 1 gradient + J·v + Jᵀ·v"
    );
}

#[test]
fn hamiltonian_gradient_descent_contracts_by_one_minus_eta() {
    let hgd = with_field(FieldTransform::Hamiltonian(Hamiltonian::default()));
    for eta in [0.05, 0.1, 0.5, 0.9] {
        let got = rho(&hgd, eta, Z, &theta_phi());
        assert!((got - (1.0 - eta)).abs() < 1e-12, "η={eta}: {got}");
    }
}

#[test]
fn lookahead_over_gda_converges_where_gda_does_not() {
    let j = theta_phi();
    let plain = rho(&Optimizer::plain(SIM, GD), 0.1, Z, &j);
    let la = rho(&lookahead(Optimizer::plain(SIM, GD), 5, 0.5), 0.1, Z, &j);
    assert!((plain - 1.005).abs() < 5e-4, "plain GDA {plain}");
    assert!((la - 0.981).abs() < 5e-4, "Lookahead k = 5, α = 0.5: {la}");
    // The closed form: |1 − α + α(1 + iη)^k|.
    let z = nalgebra::Complex::new(1.0, 0.1).powu(5);
    let closed = (nalgebra::Complex::new(0.5, 0.0) + z * 0.5).norm();
    assert!((la - closed).abs() < 1e-12, "{la} vs {closed}");
}

/// CGD on f = θᵀAφ: the local Nash step is θ' = (I + η²AAᵀ)⁻¹(θ − ηAφ),
/// φ' = (I + η²AᵀA)⁻¹(φ + ηAᵀθ), so ρ = 1/√(1 + η²σ_min²).
#[test]
fn cgd_operator_is_the_hand_derived_one_and_simulation_follows_it() {
    let spec = bilinear(vec![1.0, 0.5, 0.2]);
    let g = spec.build(7).unwrap();
    let w = g.initial_point();
    let j = g.jacobian(&w).unwrap();
    let d = 3;
    let a = j.view((0, d), (d, d)).into_owned();
    let eta = 0.7;
    let i = DMatrix::<f64>::identity(d, d);
    let pt = (&i + eta * eta * &a * a.transpose()).try_inverse().unwrap();
    let pp = (&i + eta * eta * a.transpose() * &a).try_inverse().unwrap();
    let mut m = DMatrix::zeros(2 * d, 2 * d);
    m.view_mut((0, 0), (d, d)).copy_from(&pt);
    m.view_mut((0, d), (d, d)).copy_from(&(-eta * &pt * &a));
    m.view_mut((d, 0), (d, d))
        .copy_from(&(eta * &pp * a.transpose()));
    m.view_mut((d, d), (d, d)).copy_from(&pp);
    let hand = m
        .complex_eigenvalues()
        .iter()
        .map(|z| z.norm())
        .fold(0.0, f64::max);
    let closed = 1.0 / (1.0 + eta * eta * 0.04f64).sqrt();
    assert!((hand - closed).abs() < 1e-10, "{hand} vs {closed}");
    let opt = cgd();
    let derived = derived_operator(&opt, &opt.initial_hyper(Players::both(eta), Z), &j, d).unwrap();
    // The derived state is (ω, previous directions); the directions do not feed back under an
    // exact solve, so ω's block is the hand operator.
    let block = derived.matrix.view((0, 0), (2 * d, 2 * d)).into_owned();
    assert!(
        (&block - &m).amax() < 1e-10,
        "derived ω block differs:\n{block}\nvs\n{m}"
    );
    assert!((derived.spectral_radius() - hand).abs() < 1e-10);
    let (measured, predicted) =
        measured_vs_predicted(spec.as_ref(), &opt, Players::both(eta), Z, 3000);
    let rel = (measured.ln() / predicted.ln() - 1.0).abs();
    assert!(rel < 0.02, "CGD measured {measured} vs {predicted}");
}

/// LEAD on θφ (paper's equations, simultaneous), state (θ, φ, θ₋, φ₋):
/// θ' = (1+β)θ − βθ₋ − ηφ − α(φ − φ₋),  φ' = (1+β)φ − βφ₋ + ηθ + α(θ − θ₋).
fn lead_hand(eta: f64, beta: f64, alpha: f64) -> DMatrix<f64> {
    DMatrix::from_row_slice(
        4,
        4,
        &[
            1.0 + beta,
            -eta - alpha,
            -beta,
            alpha,
            eta + alpha,
            1.0 + beta,
            -alpha,
            -beta,
            1.0,
            0.0,
            0.0,
            0.0,
            0.0,
            1.0,
            0.0,
            0.0,
        ],
    )
}

fn radius(m: &DMatrix<f64>) -> f64 {
    m.complex_eigenvalues()
        .iter()
        .map(|z| z.norm())
        .fold(0.0, f64::max)
}

#[test]
fn lead_operator_is_the_hand_derived_one_and_simulation_follows_it() {
    let j = theta_phi();
    for (eta, beta, alpha) in [(0.1, 0.0, 0.51), (0.2, 0.3, 0.3), (0.3, -0.2, 0.3)] {
        let hand = radius(&lead_hand(eta, beta, alpha));
        let rule = if beta == 0.0 {
            GD
        } else {
            Rule::HeavyBall(HeavyBall)
        };
        let opt = lead(alpha, LeadOrder::Simultaneous, rule);
        let derived = rho(&opt, eta, Players::both(beta), &j);
        assert!(
            (derived - hand).abs() < 1e-10,
            "η={eta} β={beta} α={alpha}: derived {derived} vs hand {hand}"
        );
        if beta == 0.0 {
            // With the gradient rule the state is exactly (ω, ω₋): the same matrix.
            let m = operator(&opt, Players::both(eta), Z, 1, &j, 1)
                .unwrap()
                .matrix;
            assert!((&m - lead_hand(eta, 0.0, alpha)).amax() < 1e-12, "{m}");
        }
        let (measured, predicted) = measured_vs_predicted(
            bilinear(vec![1.0]).as_ref(),
            &opt,
            Players::both(eta),
            Players::both(beta),
            20_000,
        );
        assert!((predicted - hand).abs() < 1e-10);
        assert!(hand < 1.0, "η={eta} β={beta} α={alpha}: ρ = {hand}");
        let rel = (measured.ln() / predicted.ln() - 1.0).abs();
        assert!(
            rel < 0.02,
            "LEAD η={eta} β={beta} α={alpha}: {measured} vs {predicted}"
        );
    }
}

/// LEAD with β = 0 and α = η is optimistic gradient: on a bilinear game J_pq·Δq is the
/// change of F_p, so LEAD's step is ω − η(2F_t − F_{t−1}); its first coupling is zero, which
/// is OGD with d_{−1} = d₀. The same iterates.
#[test]
fn lead_with_alpha_eta_and_no_momentum_is_optimistic_gradient() {
    let eta = 0.2;
    let spec = bilinear(vec![1.0, 0.4]);
    let ogd = Optimizer::plain(
        Scheme::Optimistic(Optimistic {
            first: OptimisticFirst::RepeatCurrent,
        }),
        GD,
    );
    let run = |opt: &Optimizer| {
        let mut g = spec.build(1).unwrap();
        let mut w = g.initial_point();
        let mut st = opt.init_state(&w, opt.initial_hyper(Players::both(eta), Z));
        let mut sc = Scratch::new(&w);
        let mut out = vec![];
        for _ in 0..200 {
            opt.step(
                g.as_mut(),
                &mut w,
                &mut st,
                &mut sc,
                &mut Rng::new(0),
                &mut 0,
            )
            .unwrap();
            out.push(w.clone());
        }
        out
    };
    let a = run(&lead(eta, LeadOrder::Simultaneous, GD));
    let b = run(&ogd);
    for (t, (x, y)) in a.iter().zip(&b).enumerate() {
        let d = (x.theta.dist_sq(&y.theta) + x.phi.dist_sq(&y.phi)).sqrt();
        assert!(d < 1e-12, "step {}: LEAD and OGD differ by {d}", t + 1);
    }
}

/// ‖F(z)‖² along a run of `opt` for `steps` iterations from the game's start.
fn field_norms(spec: &dyn ToySpec, opt: &Optimizer, eta: f64, steps: usize) -> (Vec<f64>, f64) {
    let mut g = spec.build(5).unwrap();
    let mut w = g.initial_point();
    let eq = g.equilibrium().unwrap().clone();
    let r2 = w.theta.dist_sq(&eq.theta) + w.phi.dist_sq(&eq.phi);
    let mut st: OptimState<Vec<f64>> = opt.init_state(&w, opt.initial_hyper(Players::both(eta), Z));
    let mut sc = Scratch::new(&w);
    let mut f = w.clone();
    let mut out = vec![];
    let mut rng = Rng::new(0);
    for _ in 0..steps {
        opt.step(g.as_mut(), &mut w, &mut st, &mut sc, &mut rng, &mut 0)
            .unwrap();
        g.field(&w, crate::game::Sample::Exact, &mut f);
        out.push(f.theta.norm_sq() + f.phi.norm_sq());
    }
    (out, r2)
}

/// EAG-C with α = 1/(8L) keeps (k+1)²‖F(z_k)‖² below 260·L²‖z₀ − z*‖² (Yoon & Ryu 2021,
/// Theorem 1, the constant as zoo-notes recalls it — the paper could not be re-read from this
/// machine) and EAG-V with α₀ = 0.618/L below 27·L²‖z₀ − z*‖²·(k+1)/(k+2) (Theorem 2, same
/// caveat), on a bilinear game with singular values spread over three decades; extragradient
/// with the same step breaks the 1/k² envelope (its last iterate is O(1/k)).
#[test]
fn eag_keeps_k_squared_field_norm_bounded_where_extragradient_does_not() {
    // The equilibrium at the origin, so ‖z₀ − z*‖ is spread over every singular value.
    let spec = BilinearSpec {
        dim: 7,
        matrix: MatrixSpec::SingularValues(vec![1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001]),
        linear: LinearTerms::Zero,
        constraint: None,
        start: Start::default(),
    };
    let spec: &dyn ToySpec = &spec;
    let l = 1.0;
    let steps = 3000;
    let eag_c = Optimizer::plain(
        Scheme::Eag(Eag {
            step: EagStep::Constant,
        }),
        GD,
    );
    let eag_v = Optimizer::plain(
        Scheme::Eag(Eag {
            step: EagStep::Varying { lipschitz: l },
        }),
        GD,
    );
    let scaled = |norms: &[f64], r2: f64| -> Vec<f64> {
        norms
            .iter()
            .enumerate()
            .map(|(k, f)| ((k + 2) as f64).powi(2) * f / (l * l * r2))
            .collect()
    };
    let (c, r2) = field_norms(spec, &eag_c, 1.0 / (8.0 * l), steps);
    let c = scaled(&c, r2);
    let c_max = c.iter().copied().fold(0.0, f64::max);
    assert!(c_max < 260.0, "EAG-C: max (k+1)²‖F‖²/(L²R²) = {c_max}");
    let (v, r2) = field_norms(spec, &eag_v, 0.618 / l, steps);
    // (k+1)(k+2)‖F(z_k)‖²/(L²R²), k the iterate's number.
    let v_max = scaled(&v, r2)
        .iter()
        .enumerate()
        .map(|(i, x)| x * ((i + 3) as f64) / ((i + 2) as f64))
        .fold(0.0, f64::max);
    assert!(v_max < 27.0, "EAG-V: max (k+1)(k+2)‖F‖²/(L²R²) = {v_max}");
    let (e, r2) = field_norms(spec, &Optimizer::plain(EG, GD), 1.0 / (8.0 * l), steps);
    let e = scaled(&e, r2);
    let e_max = e.iter().copied().fold(0.0, f64::max);
    eprintln!("max over k ≤ {steps}: EAG-C (k+1)²‖F‖²/(L²R²) {c_max:.2}, EAG-V (k+1)(k+2)‖F‖²/(L²R²) {v_max:.2}, EG (k+1)²‖F‖²/(L²R²) {e_max:.1}");
    assert!(e_max > 260.0, "extragradient's k²‖F‖² grows: {e_max}");
    // EG's scaled norm still grows at the end of the window, EAG's does not.
    assert!(
        e[steps - 1] > e[steps / 3],
        "EG: {} then {}",
        e[steps / 3],
        e[steps - 1]
    );
    assert!(c[steps - 1] < 2.0 * c[steps / 3] + 1.0);
}

/// Every linear method beyond the seed: the rate measured over a run matches ρ of the
/// operator derived from its step within 2%, on bilinear games with several singular values
/// and on quadratic games.
#[test]
fn every_new_linear_method_runs_at_its_predicted_rate() {
    let one = Players::both;
    let omd = |predictor| Optimizer::plain(SIM, Rule::Omd(Omd { predictor }));
    let sga = with_field(FieldTransform::Sga(Sga {
        lambda: 1.0,
        align: true,
    }));
    let hgd = with_field(FieldTransform::Hamiltonian(Hamiltonian::default()));
    type Case = (
        &'static str,
        Box<dyn ToySpec>,
        Optimizer,
        Players<f64>,
        Players<f64>,
    );
    let cases: Vec<Case> = vec![
        (
            "ConOpt γ=1 bil",
            bilinear(vec![1.0, 0.6, 0.3]),
            conopt(1.0),
            one(0.3),
            Z,
        ),
        (
            "ConOpt γ=0.5 quad",
            quadratic(0.7),
            conopt(0.5),
            one(0.4),
            Z,
        ),
        (
            "SGA bil",
            bilinear(vec![1.0, 0.5, 0.25]),
            sga.clone(),
            one(0.3),
            Z,
        ),
        ("SGA quad", quadratic(0.9), sga, one(0.3), Z),
        (
            "HGD bil",
            bilinear(vec![1.0, 0.7, 0.4]),
            hgd.clone(),
            one(0.5),
            Z,
        ),
        ("HGD quad", quadratic(0.5), hgd, one(0.5), Z),
        (
            "Lookahead/GDA bil",
            bilinear(vec![1.0, 0.7, 0.5]),
            lookahead(Optimizer::plain(SIM, GD), 5, 0.5),
            one(0.2),
            Z,
        ),
        (
            "Lookahead/EG bil",
            bilinear(vec![1.0, 0.5, 0.3]),
            lookahead(Optimizer::plain(EG, GD), 6, 0.4),
            one(0.3),
            Z,
        ),
        (
            "Lookahead/GDA quad",
            quadratic(0.8),
            lookahead(Optimizer::plain(SIM, GD), 5, 0.5),
            one(0.3),
            Z,
        ),
        ("CGD bil", bilinear(vec![1.0, 0.6, 0.3]), cgd(), one(0.8), Z),
        ("CGD quad", quadratic(0.6), cgd(), one(0.5), Z),
        (
            "LEAD bil",
            bilinear(vec![1.0, 0.6, 0.3]),
            lead(0.3, LeadOrder::Simultaneous, GD),
            one(0.3),
            Z,
        ),
        (
            "LEAD HB bil",
            bilinear(vec![1.0, 0.5]),
            lead(0.3, LeadOrder::Simultaneous, Rule::HeavyBall(HeavyBall)),
            one(0.2),
            one(0.2),
        ),
        (
            "LEAD gen-first bil",
            bilinear(vec![1.0, 0.6, 0.3]),
            lead(0.3, LeadOrder::GeneratorFirst, GD),
            one(0.3),
            Z,
        ),
        (
            "LEAD quad",
            quadratic(0.7),
            lead(0.2, LeadOrder::Simultaneous, GD),
            one(0.4),
            Z,
        ),
        (
            "OMD bil",
            bilinear(vec![1.0, 0.6, 0.3]),
            omd(Predictor::Last),
            one(0.3),
            Z,
        ),
        (
            "OMD-EMA quad",
            quadratic(0.6),
            omd(Predictor::Ema { rho: 0.1 }),
            one(0.3),
            Z,
        ),
    ];
    let mut failures = vec![];
    for (name, game, opt, eta, beta) in cases {
        let (measured, predicted) = measured_vs_predicted(game.as_ref(), &opt, eta, beta, 20_000);
        eprintln!("{name}: measured {measured:.6} predicted {predicted:.6}");
        let rel = (measured.ln() / predicted.ln() - 1.0).abs();
        if !(predicted < 1.0 && rel < 0.02) {
            failures.push(format!(
                "{name}: measured {measured} vs predicted {predicted} ({:.2}%)",
                rel * 100.0
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn hyper_values_reach_the_operator() {
    // γ changed in the hyperparameters (as `saddle control set gamma` does) changes ρ.
    let o = conopt(1.0);
    let mut h: Hyper = o.initial_hyper(Players::both(0.1), Z);
    h.values.insert("gamma".into(), 10.0);
    let r = derived_operator(&o, &h, &theta_phi(), 1)
        .unwrap()
        .spectral_radius();
    assert!((r - 0.1).abs() < 1e-12, "{r}");
}
