//! The spectral toolkit against known mathematics (spec §3.2–3.5).

use super::*;
use crate::game::gan_tests::{mixture_gan, weights};
use crate::game::{
    dense_jacobian, BilinearSpec, Game, Linearization, MatrixSpec, QuadraticSpec, Start, ToySpec,
};
use crate::optim::rule::{Adam, Gradient, HeavyBall};
use crate::optim::scheme::{
    Alternating, Extragradient, Optimistic, PastExtragradient, Simultaneous,
};
use crate::optim::{OptimisticFirst, Optimizer, Order, PastFirst, Rule, Scheme};
use crate::players::Players;
use crate::rng::Rng;
use nalgebra::{Complex, DMatrix};

/// J of min_θ max_φ θφ, ordered (θ, φ): F = (φ, −θ).
fn bilinear_1d() -> DMatrix<f64> {
    DMatrix::from_row_slice(2, 2, &[0.0, 1.0, -1.0, 0.0])
}

fn rho(
    scheme: Scheme,
    rule: Rule,
    eta: f64,
    beta: Players<f64>,
    j: &DMatrix<f64>,
    dt: usize,
) -> f64 {
    operator(
        &Optimizer::plain(scheme.clone(), rule),
        Players::both(eta),
        beta,
        scheme.d_steps(),
        j,
        dt,
    )
    .unwrap()
    .spectral_radius()
}

const SIM: Scheme = Scheme::Simultaneous(Simultaneous);
const ALT: Scheme = Scheme::Alternating(Alternating {
    d_steps: 1,
    order: Order::DiscriminatorFirst,
});
const EG: Scheme = Scheme::Extragradient(Extragradient { resample: true });
const PAST: Scheme = Scheme::PastExtragradient(PastExtragradient {
    first: PastFirst::Extrapolate,
});
const Z: Players<f64> = Players {
    theta: 0.0,
    phi: 0.0,
};

#[test]
fn sanity_values_on_the_1d_bilinear_game() {
    let j = bilinear_1d();
    for a in [0.1, 0.5, 1.0, 1.9] {
        let sim = rho(SIM, Rule::Gradient(Gradient), a, Z, &j, 1);
        assert!(
            (sim - (1.0 + a * a).sqrt()).abs() < 1e-12,
            "SimGD a={a}: {sim}"
        );
        let alt = rho(ALT, Rule::Gradient(Gradient), a, Z, &j, 1);
        assert!((alt - 1.0).abs() < 1e-7, "AltGD a={a}: {alt}");
        let eg = rho(EG, Rule::Gradient(Gradient), a, Z, &j, 1);
        assert!(
            (eg * eg - (1.0 - a * a + a.powi(4))).abs() < 1e-12,
            "EG a={a}: {eg}"
        );
    }
    assert!(rho(ALT, Rule::Gradient(Gradient), 2.1, Z, &j, 1) > 1.0);
    assert!((rho(EG, Rule::Gradient(Gradient), 0.5, Z, &j, 1) - 0.9014).abs() < 1e-4);
    for (a, want) in [
        (0.1, 0.99494),
        (0.3, 0.94868),
        (0.5, std::f64::consts::FRAC_1_SQRT_2),
        (0.6, 1.0574),
    ] {
        let past = rho(PAST, Rule::Gradient(Gradient), a, Z, &j, 1);
        assert!((past - want).abs() < 5e-5, "PastEG a={a}: {past}");
        let ogd = rho(
            Scheme::Optimistic(Optimistic {
                first: OptimisticFirst::ZeroPrevious,
            }),
            Rule::Gradient(Gradient),
            a,
            Z,
            &j,
            1,
        );
        assert!((ogd - want).abs() < 5e-5, "OGD a={a}: {ogd}");
    }
    let lim = 1.0 / 3f64.sqrt();
    assert!(rho(PAST, Rule::Gradient(Gradient), lim * 0.999, Z, &j, 1) < 1.0);
    assert!(rho(PAST, Rule::Gradient(Gradient), lim * 1.001, Z, &j, 1) > 1.0);
}

fn random_j(n: usize, seed: u64) -> DMatrix<f64> {
    let mut rng = Rng::new(seed);
    DMatrix::from_fn(n, n, |_, _| rng.normal() * 0.5)
}

fn sorted(mut z: Vec<Complex<f64>>) -> Vec<Complex<f64>> {
    z.sort_by(|a, b| (a.norm(), a.im).partial_cmp(&(b.norm(), b.im)).unwrap());
    z
}

fn assert_same_spectrum(a: &[Complex<f64>], b: &[Complex<f64>], what: &str) {
    let (a, b) = (sorted(a.to_vec()), sorted(b.to_vec()));
    assert_eq!(a.len(), b.len(), "{what}");
    // Match greedily: each eigenvalue of `a` has a partner in `b`.
    let mut used = vec![false; b.len()];
    for x in &a {
        let (i, d) = b
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .map(|(i, y)| (i, (x - y).norm()))
            .min_by(|p, q| p.1.total_cmp(&q.1))
            .unwrap();
        assert!(
            d < 1e-8,
            "{what}: eigenvalue {x} has no partner (closest {})",
            b[i]
        );
        used[i] = true;
    }
}

#[test]
fn heavy_ball_mu_equals_the_companion_matrix() {
    for seed in 0..4 {
        let n = 4;
        let j = random_j(n, seed);
        let (eta, beta) = (0.3, [-0.5, 0.4, -0.9, 0.2][seed as usize]);
        // [[(1+β)I − ηJ, −βI], [I, 0]]
        let mut c = DMatrix::zeros(2 * n, 2 * n);
        for i in 0..n {
            for k in 0..n {
                c[(i, k)] = -eta * j[(i, k)];
            }
            c[(i, i)] += 1.0 + beta;
            c[(i, n + i)] = -beta;
            c[(n + i, i)] = 1.0;
        }
        let companion: Vec<_> = c.complex_eigenvalues().iter().copied().collect();
        let mut mus = vec![];
        for l in j.complex_eigenvalues().iter() {
            let (a, b) = heavy_ball_mu(beta, eta, *l);
            mus.push(a);
            mus.push(b);
        }
        assert_same_spectrum(&companion, &mus, "μ± vs companion");
        // The buffer-form operator has the same nonzero spectrum.
        let op = operator(
            &Optimizer::plain(SIM, Rule::HeavyBall(HeavyBall)),
            Players::both(eta),
            Players::both(beta),
            1,
            &j,
            2,
        )
        .unwrap();
        let r = op.spectral_radius();
        let want = mus.iter().map(|z| z.norm()).fold(0.0, f64::max);
        assert!((r - want).abs() < 1e-9, "operator ρ {r} vs μ± {want}");
    }
}

#[test]
fn scalar_maps_agree_with_the_operators() {
    let j = random_j(6, 9);
    let lambdas: Vec<_> = j.complex_eigenvalues().iter().copied().collect();
    let cases = [
        (
            SIM,
            Rule::Gradient(Gradient),
            ScalarMethod::Simultaneous,
            0.0,
        ),
        (
            SIM,
            Rule::HeavyBall(HeavyBall),
            ScalarMethod::SimultaneousHeavyBall,
            -0.4,
        ),
        (
            EG,
            Rule::Gradient(Gradient),
            ScalarMethod::Extragradient,
            0.0,
        ),
        (
            PAST,
            Rule::Gradient(Gradient),
            ScalarMethod::PastExtragradient,
            0.0,
        ),
    ];
    for (s, r, m, beta) in cases {
        let eta = 0.25;
        let op = rho(s, r, eta, Players::both(beta), &j, 3);
        let sc = lambdas
            .iter()
            .map(|l| scalar_radius(m, eta, beta, *l))
            .fold(0.0, f64::max);
        assert!(
            (op - sc).abs() < 1e-9,
            "{m:?}: operator {op} vs scalar {sc}"
        );
    }
}

/// The spec's explicit block matrices (§3.5), written out independently of the composition.
#[test]
fn spec_block_matrices_have_the_operators_spectra() {
    let (dt, dp) = (2, 3);
    let n = dt + dp;
    let j = random_j(n, 21);
    let (et, ep, bt, bp) = (0.2, 0.35, -0.3, 0.25);
    let h = DMatrix::from_diagonal(&nalgebra::DVector::from_iterator(
        n,
        (0..n).map(|i| if i < dt { et } else { ep }),
    ));
    let eye = |k: usize| DMatrix::<f64>::identity(k, k);
    // Alternating heavy ball, spec order (φ, θ, φ_prev, θ_prev).
    let perm: Vec<usize> = (dt..n).chain(0..dt).collect();
    let jp = DMatrix::from_fn(n, n, |r, c| j[(perm[r], perm[c])]);
    let (jpp, jpt) = (
        jp.view((0, 0), (dp, dp)).into_owned(),
        jp.view((0, dp), (dp, dt)).into_owned(),
    );
    let (jtp, jtt) = (
        jp.view((dp, 0), (dt, dp)).into_owned(),
        jp.view((dp, dp), (dt, dt)).into_owned(),
    );
    let p = eye(dp) * (1.0 + bp) - &jpp * ep;
    let q = eye(dt) * (1.0 + bt) - &jtt * et;
    let mut m = DMatrix::zeros(2 * n, 2 * n);
    m.view_mut((0, 0), (dp, dp)).copy_from(&p);
    m.view_mut((0, dp), (dp, dt)).copy_from(&(-&jpt * ep));
    m.view_mut((0, n), (dp, dp)).copy_from(&(-eye(dp) * bp));
    m.view_mut((dp, 0), (dt, dp))
        .copy_from(&(-(&jtp * &p) * et));
    m.view_mut((dp, dp), (dt, dt))
        .copy_from(&(&jtp * &jpt * (et * ep) + &q));
    m.view_mut((dp, n), (dt, dp)).copy_from(&(&jtp * (et * bp)));
    m.view_mut((dp, n + dp), (dt, dt))
        .copy_from(&(-eye(dt) * bt));
    m.view_mut((n, 0), (n, n)).copy_from(&eye(n));
    let spec: Vec<_> = m.complex_eigenvalues().iter().copied().collect();
    let ours = operator(
        &Optimizer::plain(ALT, Rule::HeavyBall(HeavyBall)),
        Players::new(et, ep),
        Players::new(bt, bp),
        1,
        &j,
        dt,
    )
    .unwrap();
    let r_spec = spec.iter().map(|z| z.norm()).fold(0.0, f64::max);
    assert!(
        (ours.spectral_radius() - r_spec).abs() < 1e-9,
        "alt HB: {} vs spec {}",
        ours.spectral_radius(),
        r_spec
    );
    let nonzero = |z: &[Complex<f64>]| {
        z.iter()
            .copied()
            .filter(|z| z.norm() > 1e-9)
            .collect::<Vec<_>>()
    };
    assert_same_spectrum(
        &nonzero(&ours.eigenvalues),
        &nonzero(&spec),
        "alternating heavy ball",
    );

    // Past extragradient on (ω_t, ω_{t−½}): [[I − HJ, HJHJ], [I, −HJ]].
    let hj = &h * &j;
    let mut pm = DMatrix::zeros(2 * n, 2 * n);
    pm.view_mut((0, 0), (n, n)).copy_from(&(eye(n) - &hj));
    pm.view_mut((0, n), (n, n)).copy_from(&(&hj * &hj));
    pm.view_mut((n, 0), (n, n)).copy_from(&eye(n));
    pm.view_mut((n, n), (n, n)).copy_from(&(-&hj));
    let spec: Vec<_> = pm.complex_eigenvalues().iter().copied().collect();
    let ours = operator(
        &Optimizer::plain(PAST, Rule::Gradient(Gradient)),
        Players::new(et, ep),
        Z,
        1,
        &j,
        dt,
    )
    .unwrap();
    assert_same_spectrum(
        &nonzero(&ours.eigenvalues),
        &nonzero(&spec),
        "past extragradient",
    );
    // Extragradient: I − HJ + HJHJ.
    let spec: Vec<_> = (eye(n) - &hj + &hj * &hj)
        .complex_eigenvalues()
        .iter()
        .copied()
        .collect();
    let ours = operator(
        &Optimizer::plain(EG, Rule::Gradient(Gradient)),
        Players::new(et, ep),
        Z,
        1,
        &j,
        dt,
    )
    .unwrap();
    assert_same_spectrum(
        &nonzero(&ours.eigenvalues),
        &nonzero(&spec),
        "extragradient",
    );
}

#[test]
fn alternating_heavy_ball_convergence_regions() {
    // On θφ (σ = 1): β on one player converges iff η² < 4(1 + β); same β on both iff
    // η² < 4(1 + β)² (spec §3.4, −1 < β < 0).
    let j = bilinear_1d();
    for beta in [-0.9, -0.7, -0.5, -0.3, -0.1] {
        let one = 2.0 * (1.0f64 + beta).sqrt();
        let r_in = rho(
            ALT,
            Rule::HeavyBall(HeavyBall),
            one * 0.98,
            Players::new(0.0, beta),
            &j,
            1,
        );
        let r_out = rho(
            ALT,
            Rule::HeavyBall(HeavyBall),
            one * 1.02,
            Players::new(0.0, beta),
            &j,
            1,
        );
        assert!(
            r_in < 1.0 && r_out > 1.0,
            "one player β={beta}: ρ {r_in} inside, {r_out} outside"
        );
        let both = 2.0 * (1.0 + beta);
        let r_in = rho(
            ALT,
            Rule::HeavyBall(HeavyBall),
            both * 0.98,
            Players::both(beta),
            &j,
            1,
        );
        let r_out = rho(
            ALT,
            Rule::HeavyBall(HeavyBall),
            both * 1.02,
            Players::both(beta),
            &j,
            1,
        );
        assert!(
            r_in < 1.0 && r_out > 1.0,
            "both players β={beta}: ρ {r_in} inside, {r_out} outside"
        );
    }
    // Small-step rate with β on one player: ρ² ≈ 1 − η²σ²|β|/(1+|β|)² (spec §3.4).
    let r = rho(
        ALT,
        Rule::HeavyBall(HeavyBall),
        0.05,
        Players::new(0.0, -0.5),
        &j,
        1,
    );
    let want = (1.0 - 0.05f64.powi(2) * 0.5 / 2.25).sqrt();
    assert!((r - want).abs() < 1e-5, "{r} vs {want}");
}

#[test]
fn adam_has_no_linear_operator() {
    let a = Rule::Adam(Adam {
        beta2: 0.9,
        eps: 1e-8,
        moment: Default::default(),
    });
    let e = operator(
        &Optimizer::plain(SIM, a),
        Players::both(0.1),
        Players::both(0.5),
        1,
        &bilinear_1d(),
        1,
    )
    .unwrap_err();
    assert!(e.contains("not linear"), "{e}");
}

/// Runs `scheme`/`rule` on a game and compares the fitted rate with ρ of the operator.
fn measured_vs_predicted(
    game: &dyn ToySpec,
    scheme: Scheme,
    rule: Rule,
    eta: Players<f64>,
    beta: Players<f64>,
    steps: usize,
) -> (f64, f64) {
    let mut g = game.build(7).unwrap();
    let o = Optimizer::plain(scheme.clone(), rule);
    let eq = g.equilibrium().unwrap().clone();
    let mut w = g.initial_point();
    let hyper = crate::optim::Hyper {
        eta,
        beta,
        d_steps: scheme.d_steps(),
        values: Default::default(),
    };
    let j = g.jacobian(&w).unwrap();
    let predicted = operator(&o, eta, beta, hyper.d_steps, &j, w.theta.len())
        .unwrap()
        .spectral_radius();
    let mut st = o.init_state(&w, hyper);
    let mut sc = crate::optim::Scratch::new(&w);
    let mut rng = Rng::new(1);
    let (mut ts, mut ds) = (vec![], vec![]);
    for t in 0..steps {
        o.step(g.as_mut(), &mut w, &mut st, &mut sc, &mut rng, &mut 0)
            .unwrap();
        use crate::vector::ParamVec;
        let d = (w.theta.dist_sq(&eq.theta) + w.phi.dist_sq(&eq.phi)).sqrt();
        ts.push((t + 1) as f64);
        ds.push(d);
        if d < 1e-250 {
            break;
        }
    }
    (measured_rate(&ts, &ds, 0.3).unwrap(), predicted)
}

#[test]
fn measured_rates_match_the_spectral_radius_within_two_percent() {
    let bil = |sv: Vec<f64>| -> Box<dyn ToySpec> {
        Box::new(BilinearSpec {
            dim: sv.len(),
            matrix: MatrixSpec::SingularValues(sv),
            linear: crate::game::LinearTerms::Random { scale: 1.0 },
            constraint: None,
            start: Start::default(),
        })
    };
    let quad = |mix: f64| -> Box<dyn ToySpec> {
        Box::new(QuadraticSpec {
            dim: 5,
            mix,
            mu: 0.2,
            ell: 1.0,
            start: Start::default(),
        })
    };
    let one = Players::both;
    type Case = (
        &'static str,
        Box<dyn ToySpec>,
        Scheme,
        Rule,
        Players<f64>,
        Players<f64>,
    );
    let cases: Vec<Case> = vec![
        (
            "EG σ∈[0.3,1] η=0.5",
            bil(vec![1.0, 0.6, 0.3]),
            EG,
            Rule::Gradient(Gradient),
            one(0.5),
            Z,
        ),
        (
            "EG σ∈[0.1,1] η=0.8",
            bil(vec![1.0, 0.5, 0.1]),
            EG,
            Rule::Gradient(Gradient),
            one(0.8),
            Z,
        ),
        (
            "PastEG σ∈[0.3,1] η=0.4",
            bil(vec![1.0, 0.6, 0.3]),
            PAST,
            Rule::Gradient(Gradient),
            one(0.4),
            Z,
        ),
        (
            "OGD σ∈[0.5,1] η=0.3",
            bil(vec![1.0, 0.5]),
            Scheme::Optimistic(Optimistic {
                first: OptimisticFirst::RepeatCurrent,
            }),
            Rule::Gradient(Gradient),
            one(0.3),
            Z,
        ),
        (
            "alt HB β_φ=-0.5 η=0.8",
            bil(vec![1.0, 0.7, 0.4]),
            ALT,
            Rule::HeavyBall(HeavyBall),
            one(0.8),
            Players::new(0.0, -0.5),
        ),
        (
            "alt HB β=-0.3 both η=0.6",
            bil(vec![1.0, 0.5]),
            ALT,
            Rule::HeavyBall(HeavyBall),
            one(0.6),
            Players::both(-0.3),
        ),
        (
            "alt HB per-player η",
            bil(vec![1.0, 0.5]),
            ALT,
            Rule::HeavyBall(HeavyBall),
            Players::new(0.5, 0.9),
            Players::new(0.0, -0.4),
        ),
        (
            "sim quad mix 0.3 η=0.5",
            quad(0.3),
            SIM,
            Rule::Gradient(Gradient),
            one(0.5),
            Z,
        ),
        (
            "sim HB quad mix 0.3 β=0.3",
            quad(0.3),
            SIM,
            Rule::HeavyBall(HeavyBall),
            one(0.4),
            Players::both(0.3),
        ),
        (
            "sim HB quad mix 0.7 β=-0.2",
            quad(0.7),
            SIM,
            Rule::HeavyBall(HeavyBall),
            one(0.3),
            Players::both(-0.2),
        ),
        (
            "alt quad mix 0.9 η=0.5",
            quad(0.9),
            ALT,
            Rule::Gradient(Gradient),
            one(0.5),
            Z,
        ),
        (
            "alt k=3 quad mix 0.5",
            quad(0.5),
            Scheme::Alternating(Alternating {
                d_steps: 3,
                order: Order::DiscriminatorFirst,
            }),
            Rule::Gradient(Gradient),
            one(0.3),
            Z,
        ),
        (
            "EG quad mix 0.9 η=0.7",
            quad(0.9),
            EG,
            Rule::Gradient(Gradient),
            one(0.7),
            Z,
        ),
        (
            "PastEG quad mix 0.5 η=0.4",
            quad(0.5),
            PAST,
            Rule::Gradient(Gradient),
            one(0.4),
            Z,
        ),
    ];
    for (name, game, scheme, rule, eta, beta) in cases {
        let (measured, predicted) =
            measured_vs_predicted(game.as_ref(), scheme, rule, eta, beta, 20_000);
        eprintln!("{name}: measured {measured:.6} predicted {predicted:.6}");
        assert!(predicted < 1.0, "{name}: ρ = {predicted} does not converge");
        let rel = (measured.ln() / predicted.ln() - 1.0).abs();
        assert!(
            rel < 0.02,
            "{name}: measured rate {measured} vs predicted ρ {predicted} (log-rate off by {:.2}%)",
            rel * 100.0
        );
    }
}

#[test]
fn arnoldi_top_eigenvalues_of_an_mlp_game_match_the_dense_jacobian() {
    use crate::game::MlpGan;
    let g = MlpGan::new(12, 64, 4, &Start::Random { scale: 0.8 }, 5).unwrap();
    let w = g.initial_point();
    let n = w.theta.len() + w.phi.len();
    assert_eq!(n, 111);
    let lin = g.central_differences(&w);
    let dense = dense_jacobian(&lin);
    let mut want: Vec<Complex<f64>> = dense.complex_eigenvalues().iter().copied().collect();
    want.sort_by(|a, b| b.norm().total_cmp(&a.norm()));
    let k = 6;
    let got = arnoldi_top(|v| lin.jvp(v), n, k, 60, 17);
    assert_eq!(got.len(), k);
    for (i, z) in got.iter().enumerate() {
        let closest = want
            .iter()
            .map(|y| (z - y).norm())
            .fold(f64::INFINITY, f64::min);
        assert!(
            closest / want[i].norm() < 1e-4,
            "Ritz value {i} = {z}: nearest dense eigenvalue off by {closest}; dense top: {:?}",
            &want[..k]
        );
        let rel = (z.norm() - want[i].norm()).abs() / want[i].norm();
        assert!(
            rel < 1e-4,
            "|λ_{i}|: Arnoldi {} vs dense {}",
            z.norm(),
            want[i].norm()
        );
    }
    // The game's own Jacobian is the same JVP construction.
    let j = g.jacobian(&w).unwrap();
    assert!((&j - &dense).abs().max() < 1e-12);
}

#[test]
fn ritz_residuals_bound_the_distance_to_the_spectrum_of_a_normal_matrix() {
    // A = Q·diag(λ)·Qᵀ: one isolated eigenvalue (5), a cluster near 1 that 25 steps cannot
    // resolve. For a normal matrix every Ritz value lies within its residual of an eigenvalue.
    let n = 300;
    let mut rng = Rng::new(4);
    let lambda: Vec<f64> = (0..n)
        .map(|i| {
            if i == 0 {
                5.0
            } else {
                1.0 - 0.5 * rng.uniform()
            }
        })
        .collect();
    let q = nalgebra::DMatrix::<f64>::from_fn(n, n, |_, _| rng.normal())
        .qr()
        .q();
    let a = &q
        * nalgebra::DMatrix::from_diagonal(&nalgebra::DVector::from_vec(lambda.clone()))
        * q.transpose();
    let ritz = arnoldi_ritz(
        |v| {
            (&a * nalgebra::DVector::from_column_slice(v))
                .as_slice()
                .to_vec()
        },
        n,
        8,
        25,
        3,
    );
    for r in &ritz {
        let nearest = lambda
            .iter()
            .map(|l| (r.value - l).norm())
            .fold(f64::INFINITY, f64::min);
        assert!(
            nearest <= r.residual * (1.0 + 1e-9) + 1e-12,
            "{} is {nearest} from the spectrum but its residual is {}",
            r.value,
            r.residual
        );
    }
    assert!((ritz[0].value.re - 5.0).abs() < 1e-10 && ritz[0].residual < 1e-8);
    assert!(
        ritz[1..].iter().any(|r| r.residual > 1e-3),
        "the cluster cannot have converged in 25 steps: {ritz:?}"
    );
    // Out of time after the first step (a spectrum record on a busy machine): the Ritz value
    // of that step, with its residual, not none (the exhausted budget also stopped the small
    // Hessenberg solve, so a network's record showed "0 of 0 eigenvalues").
    let (cut, steps) = crate::linalg::Budget::within(std::time::Duration::ZERO).scope(|| {
        arnoldi_steps(
            |v| {
                (&a * nalgebra::DVector::from_column_slice(v))
                    .as_slice()
                    .to_vec()
            },
            n,
            8,
            25,
            3,
        )
    });
    assert_eq!((cut.len(), steps), (1, 1), "{cut:?}");
    assert!(cut[0].residual > 0.0);
}

#[test]
fn arnoldi_on_exact_jvps_finds_the_eigenvalues_of_largest_modulus() {
    let mut gan = mixture_gan(6, 2, 16);
    let w = weights(&gan, 0.5);
    let at = gan.exact_linearization(&w).expect("an MLP game");
    let j = dense_jacobian(&at);
    let mut dense: Vec<_> = j.complex_eigenvalues().iter().copied().collect();
    dense.sort_by(|a, b| b.norm().total_cmp(&a.norm()));
    let top = jacobian_ritz(&at, 6, 40);
    for r in &top[..4] {
        let nearest = dense
            .iter()
            .map(|d| (d - r.value).norm())
            .fold(f64::INFINITY, f64::min);
        assert!(
            nearest <= 1e-6 * dense[0].norm(),
            "{} is no eigenvalue of J",
            r.value
        );
        assert!(
            r.residual <= 1e-6 * dense[0].norm(),
            "{r:?} has not converged"
        );
    }
    assert!((top[0].value.norm() - dense[0].norm()).abs() <= 1e-6 * dense[0].norm());
}

#[test]
fn the_mog_networks_converged_eigenvalues_stay_put_with_more_arnoldi_steps() {
    let mut gan = mixture_gan(256, 3, 128);
    // The preset's networks at their start.
    let start = gan.initial_point();
    let at = gan.exact_linearization(&start).expect("eigenvalues");
    let short = jacobian_ritz(&at, 8, ARNOLDI_STEPS);
    let long = jacobian_ritz(&at, 8, 2 * ARNOLDI_STEPS);
    let found = converged(&short, RITZ_TOLERANCE);
    assert_eq!(
        found.first(),
        Some(&short[0].value),
        "the largest has converged"
    );
    assert!(
        found.len() < short.len(),
        "the cluster under it has not: {short:?}"
    );
    for z in found {
        let nearest = long
            .iter()
            .map(|r| (r.value - z).norm())
            .fold(f64::INFINITY, f64::min);
        assert!(
            nearest <= RITZ_TOLERANCE * z.norm(),
            "{z} moved by {nearest}"
        );
    }
}
