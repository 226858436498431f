//! Hand-computed steps: the test vectors of seed-spec §7 on f = θφ from (θ, φ) = (2, 0.5).

use super::rule::{Adam, Gradient, HeavyBall};
use super::scheme::{Alternating, Extragradient, Optimistic, PastExtragradient, Simultaneous};
use super::*;
use crate::constraint::PlayerConstraints;
use crate::game::{BilinearSpec, MatrixSpec, Start, ToyGame, ToySpec};
use crate::players::Players;

fn game(phi_box: bool) -> ToyGame {
    let constraint = phi_box.then_some(PlayerConstraints {
        theta: Constraint::Free,
        phi: Constraint::Box { lo: -1.0, hi: 1.0 },
    });
    BilinearSpec {
        dim: 1,
        matrix: MatrixSpec::Identity,
        linear: Default::default(),
        constraint,
        start: Start::Point {
            theta: vec![2.0],
            phi: vec![0.5],
        },
    }
    .build(0)
    .unwrap()
}

fn adam() -> Rule {
    Rule::Adam(Adam {
        beta2: 0.9,
        eps: 1e-8,
        moment: AdamMoment::Ema,
    })
}

/// (θ, φ) after each step, the final optimizer state and the final point.
type Trajectory = (Vec<(f64, f64)>, OptimState<Vec<f64>>, Players<Vec<f64>>);

/// Runs `n` steps and returns (θ, φ) after each, plus the final state.
fn trajectory(
    opt: &Optimizer,
    g: &mut ToyGame,
    eta: f64,
    beta: Players<f64>,
    n: usize,
) -> Trajectory {
    let mut w = g.initial_point();
    let hyper = Hyper {
        eta: Players::both(eta),
        beta,
        d_steps: opt.scheme.d_steps(),
        values: Default::default(),
    };
    let mut st = opt.init_state(&w, hyper);
    let mut sc = Scratch::new(&w);
    let mut rng = crate::rng::Rng::new(0);
    let mut out = vec![];
    for _ in 0..n {
        opt.step(g.as_mut(), &mut w, &mut st, &mut sc, &mut rng, &mut 0)
            .unwrap();
        out.push((w.theta[0], w.phi[0]));
    }
    (out, st, w)
}

fn check(name: &str, got: &[(f64, f64)], want: &[(f64, f64)], tol: f64) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g.0 - w.0).abs() <= tol && (g.1 - w.1).abs() <= tol,
            "{name}, step {}: got ({:.12}, {:.12}), want ({}, {})",
            i + 1,
            g.0,
            g.1,
            w.0,
            w.1
        );
    }
}

fn run(
    scheme: Scheme,
    rule: Rule,
    eta: f64,
    beta: Players<f64>,
    box_phi: bool,
    n: usize,
) -> Vec<(f64, f64)> {
    let mut opt = Optimizer::plain(scheme, rule);
    let mut g = game(box_phi);
    opt.constraints = g.constraints();
    trajectory(&opt, &mut g, eta, beta, n).0
}

const ZERO: Players<f64> = Players {
    theta: 0.0,
    phi: 0.0,
};
const ALT: Scheme = Scheme::Alternating(Alternating {
    d_steps: 1,
    order: Order::DiscriminatorFirst,
});
const EG: Scheme = Scheme::Extragradient(Extragradient { resample: true });

#[test]
fn simultaneous_gradient() {
    let got = run(
        Scheme::Simultaneous(Simultaneous),
        Rule::Gradient(Gradient),
        0.1,
        ZERO,
        false,
        3,
    );
    check(
        "SimGD",
        &got,
        &[(1.95, 0.7), (1.88, 0.895), (1.7905, 1.083)],
        1e-12,
    );
}

#[test]
fn alternating_gradient_discriminator_first() {
    let got = run(ALT, Rule::Gradient(Gradient), 0.1, ZERO, false, 3);
    check(
        "AltGD",
        &got,
        &[(1.93, 0.7), (1.8407, 0.893), (1.732993, 1.07707)],
        1e-12,
    );
}

#[test]
fn extragradient() {
    let got = run(EG, Rule::Gradient(Gradient), 0.6, ZERO, false, 3);
    check(
        "EG",
        &got,
        &[(0.98, 1.52), (-0.2848, 1.5608), (-1.118752, 0.828032)],
        1e-12,
    );
}

#[test]
fn extragradient_projected_after_both_half_steps() {
    let got = run(EG, Rule::Gradient(Gradient), 0.6, ZERO, true, 3);
    check("EG box", &got, &[(1.4, 1.0), (0.8, 1.0), (0.2, 1.0)], 1e-12);
}

#[test]
fn past_extragradient_with_omega_minus_half_at_start() {
    let s = Scheme::PastExtragradient(PastExtragradient {
        first: PastFirst::Extrapolate,
    });
    let got = run(s, Rule::Gradient(Gradient), 0.5, ZERO, false, 3);
    check(
        "PastEG",
        &got,
        &[(1.25, 1.375), (0.125, 1.625), (-0.8125, 1.125)],
        1e-12,
    );
}

#[test]
fn simultaneous_heavy_ball_negative() {
    let got = run(
        Scheme::Simultaneous(Simultaneous),
        Rule::HeavyBall(HeavyBall),
        0.1,
        Players::both(-0.5),
        false,
        3,
    );
    check(
        "SimHB",
        &got,
        &[(1.95, 0.7), (1.905, 0.795), (1.848, 0.938)],
        1e-12,
    );
}

#[test]
fn alternating_heavy_ball_on_the_discriminator() {
    let got = run(
        ALT,
        Rule::HeavyBall(HeavyBall),
        0.1,
        Players::new(0.0, -0.5),
        false,
        3,
    );
    check(
        "AltHB",
        &got,
        &[(1.93, 0.7), (1.8507, 0.793), (1.757543, 0.93157)],
        1e-12,
    );
}

#[test]
fn sim_adam() {
    let got = run(
        Scheme::Simultaneous(Simultaneous),
        adam(),
        0.01,
        Players::both(0.5),
        false,
        3,
    );
    let want = [
        (1.9900000006, 0.5099999998),
        (1.9799727129, 0.5199929324),
        (1.9699038297, 0.5299748011),
    ];
    check("SimAdam", &got, &want, 1e-9);
}

#[test]
fn extra_adam_updates_moments_twice() {
    let (got, st, _) = trajectory(
        &Optimizer::plain(EG, adam()),
        &mut game(false),
        0.01,
        Players::both(0.5),
        3,
    );
    let want = [
        (1.9899727123, 0.5099929325),
        (1.9798978060, 0.5199732998),
        (1.9697613664, 0.5299368404),
    ];
    check("ExtraAdam", &got, &want, 1e-9);
    assert!(matches!(
        st.rules.theta,
        RuleState::Adam(crate::optim::rule::adam::State { k: 6, .. })
    ));
    assert_eq!(st.oracle_calls, 6);
}

#[test]
fn past_extra_adam_reference_semantics() {
    let s = Scheme::PastExtragradient(PastExtragradient {
        first: PastFirst::Skip,
    });
    let (got, st, _) = trajectory(
        &Optimizer::plain(s, adam()),
        &mut game(false),
        0.01,
        Players::both(0.5),
        3,
    );
    let want = [
        (1.9900000006, 0.5099999998),
        (1.9799220317, 0.5199795652),
        (1.9697785709, 0.5299411066),
    ];
    check("PastExtraAdam", &got, &want, 1e-9);
    // The stale gradient is fed to the moments again: k = 1 + 2 + 2.
    assert!(matches!(
        st.rules.phi,
        RuleState::Adam(crate::optim::rule::adam::State { k: 5, .. })
    ));
    assert_eq!(st.oracle_calls, 3);
}

#[test]
fn optimistic_adam_reference_semantics() {
    let s = Scheme::Optimistic(Optimistic {
        first: OptimisticFirst::ZeroPrevious,
    });
    let got = run(s, adam(), 0.01, Players::both(0.5), false, 3);
    let want = [
        (1.9800000013, 0.5199999997),
        (1.9698938820, 0.5299715293),
        (1.9597540891, 0.5399332510),
    ];
    check("OptimAdam", &got, &want, 1e-9);
}

#[test]
fn optimistic_first_step_conventions() {
    // OMD with d₋₁ = 0 jumps −2ηg₀; optax's convention steps −ηg₀.
    let zero = run(
        Scheme::Optimistic(Optimistic {
            first: OptimisticFirst::ZeroPrevious,
        }),
        Rule::Gradient(Gradient),
        0.1,
        ZERO,
        false,
        2,
    );
    let rep = run(
        Scheme::Optimistic(Optimistic {
            first: OptimisticFirst::RepeatCurrent,
        }),
        Rule::Gradient(Gradient),
        0.1,
        ZERO,
        false,
        1,
    );
    check(
        "OMD",
        &zero[..1],
        &[(2.0 - 0.2 * 0.5, 0.5 + 0.2 * 2.0)],
        1e-15,
    );
    check(
        "OMD optax",
        &rep,
        &[(2.0 - 0.1 * 0.5, 0.5 + 0.1 * 2.0)],
        1e-15,
    );
    // Step 2: ω₂ = ω₁ − 2ηF(ω₁) + ηF(ω₀).
    let (t1, p1) = zero[0];
    check(
        "OMD 2",
        &zero[1..],
        &[(t1 - 0.2 * p1 + 0.1 * 0.5, p1 + 0.2 * t1 - 0.1 * 2.0)],
        1e-15,
    );
}

#[test]
fn uniform_and_ema_averages_of_sim_gd() {
    let mut opt = Optimizer::plain(Scheme::Simultaneous(Simultaneous), Rule::Gradient(Gradient));
    opt.averaging = vec![
        AverageSpec {
            kind: AverageKind::Uniform,
            over: AveragePoints::Updates,
            beta: None,
        },
        AverageSpec {
            kind: AverageKind::Ema,
            over: AveragePoints::Updates,
            beta: Some(0.9),
        },
    ];
    let (_, st, _) = trajectory(&opt, &mut game(false), 0.1, ZERO, 3);
    let u = st.averages[0].value.as_ref().unwrap();
    let e = st.averages[1].value.as_ref().unwrap();
    check(
        "uniform",
        &[(u.theta[0], u.phi[0])],
        &[(1.905125, 0.7945)],
        1e-12,
    );
    check(
        "ema",
        &[(e.theta[0], e.phi[0])],
        &[(1.9642, 0.61005)],
        1e-12,
    );
}

#[test]
fn eta_weighted_and_extrapolated_averages() {
    // Algorithm 1: Σ_{t<T} η_t ω_t / Σ η_t with η_t = η/√(t+1).
    let mut opt = Optimizer::plain(Scheme::Simultaneous(Simultaneous), Rule::Gradient(Gradient));
    opt.schedule = Schedule::InvSqrt;
    opt.averaging = vec![AverageSpec {
        kind: AverageKind::EtaWeighted,
        over: AveragePoints::Updates,
        beta: None,
    }];
    let mut g = game(false);
    let (traj, st, _) = trajectory(&opt, &mut g, 0.4, ZERO, 3);
    let pts = [(2.0, 0.5), traj[0], traj[1]];
    let etas = [0.4, 0.4 / 2f64.sqrt(), 0.4 / 3f64.sqrt()];
    let s: f64 = etas.iter().sum();
    let want_t: f64 = pts.iter().zip(etas).map(|(p, e)| p.0 * e).sum::<f64>() / s;
    let want_p: f64 = pts.iter().zip(etas).map(|(p, e)| p.1 * e).sum::<f64>() / s;
    let a = st.averages[0].value.as_ref().unwrap();
    check(
        "eta-weighted",
        &[(a.theta[0], a.phi[0])],
        &[(want_t, want_p)],
        1e-14,
    );

    // Algorithm 2: the average of the extrapolated points ω_{t+½}.
    let mut opt = Optimizer::plain(EG, Rule::Gradient(Gradient));
    opt.averaging = vec![AverageSpec {
        kind: AverageKind::Uniform,
        over: AveragePoints::Extrapolated,
        beta: None,
    }];
    let (_, st, _) = trajectory(&opt, &mut game(false), 0.6, ZERO, 2);
    // ω_{½} = ω₀ − ηF(ω₀) = (2 − 0.3, 0.5 + 1.2); ω₁ = (0.98, 1.52); ω_{3/2} = ω₁ − ηF(ω₁).
    let (h1, h2) = ((1.7, 1.7), (0.98 - 0.6 * 1.52, 1.52 + 0.6 * 0.98));
    let a = st.averages[0].value.as_ref().unwrap();
    check(
        "extrapolated",
        &[(a.theta[0], a.phi[0])],
        &[((h1.0 + h2.0) / 2.0, (h1.1 + h2.1) / 2.0)],
        1e-14,
    );
}

#[test]
fn oracle_calls_per_step() {
    let cases = [
        (Scheme::Simultaneous(Simultaneous), 1),
        (ALT, 2),
        (
            Scheme::Alternating(Alternating {
                d_steps: 4,
                order: Order::DiscriminatorFirst,
            }),
            5,
        ),
        (EG, 2),
        (
            Scheme::Optimistic(Optimistic {
                first: OptimisticFirst::ZeroPrevious,
            }),
            1,
        ),
        (
            Scheme::PastExtragradient(PastExtragradient {
                first: PastFirst::Skip,
            }),
            1,
        ),
    ];
    for (s, per) in cases {
        let (_, st, _) = trajectory(
            &Optimizer::plain(s.clone(), Rule::Gradient(Gradient)),
            &mut game(false),
            0.1,
            ZERO,
            10,
        );
        assert_eq!(st.oracle_calls, 10 * per, "{s:?}");
    }
    // The proof convention pays one extra call for ω_{−½}.
    let s = Scheme::PastExtragradient(PastExtragradient {
        first: PastFirst::Extrapolate,
    });
    let (_, st, _) = trajectory(
        &Optimizer::plain(s, Rule::Gradient(Gradient)),
        &mut game(false),
        0.1,
        ZERO,
        10,
    );
    assert_eq!(st.oracle_calls, 11);
}

/// A deterministic game's samples are taken by the step itself (`Optimizer::step`), not
/// drawn through the oracle (`Optimizer::step_with`): both count the same draws and reach
/// the same bits, for every scheme here and through a field transform that samples for
/// itself (Hamiltonian with two samples).
#[test]
fn exact_samples_taken_by_the_step_are_counted_as_drawn() {
    let hamiltonian = Optimizer {
        field: Some(FieldTransform::Hamiltonian(field::Hamiltonian {
            independent_samples: true,
        })),
        ..Optimizer::plain(EG, Rule::Gradient(Gradient))
    };
    let opts = [
        Optimizer::plain(Scheme::Simultaneous(Simultaneous), Rule::Gradient(Gradient)),
        Optimizer::plain(ALT, adam()),
        Optimizer::plain(EG, Rule::Gradient(Gradient)),
        Optimizer::plain(
            Scheme::Extragradient(Extragradient { resample: false }),
            Rule::Gradient(Gradient),
        ),
        hamiltonian,
    ];
    for opt in opts {
        let mut g = game(false);
        assert!(g.deterministic());
        let w0 = g.initial_point();
        let hyper = Hyper::new(Players::both(0.1), Players::both(0.5), 1);
        let (mut w, mut st, mut sc) = (
            w0.clone(),
            opt.init_state(&w0, hyper.clone()),
            Scratch::new(&w0),
        );
        let (mut rng, mut drawn) = (crate::rng::Rng::new(7), 0);
        let (mut w2, mut st2, mut sc2) =
            (w0.clone(), opt.init_state(&w0, hyper), Scratch::new(&w0));
        let (mut rng2, mut drawn2) = (crate::rng::Rng::new(7), 0);
        for _ in 0..5 {
            opt.step(g.as_mut(), &mut w, &mut st, &mut sc, &mut rng, &mut drawn)
                .unwrap();
            let mut o = GameOracle::new(g.as_mut(), &mut rng2, &mut drawn2);
            opt.step_with(&mut o, &mut w2, &mut st2, &mut sc2).unwrap();
        }
        let name = opt.label();
        assert!(drawn > 0, "{name}");
        assert_eq!(drawn, drawn2, "{name}: draws");
        assert_eq!(rng, rng2, "{name}: the sampling stream");
        let bits = |w: &Players<Vec<f64>>| {
            w.theta
                .iter()
                .chain(&w.phi)
                .map(|x| x.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&w), bits(&w2), "{name}: the iterate");
    }
}

fn norm_after(scheme: Scheme, rule: Rule, eta: f64, beta: Players<f64>, n: usize) -> f64 {
    let (_, _, w) = trajectory(
        &Optimizer::plain(scheme, rule),
        &mut game(false),
        eta,
        beta,
        n,
    );
    (w.theta[0].powi(2) + w.phi[0].powi(2)).sqrt()
}

#[test]
fn norms_after_1000_steps_match_the_spec() {
    let past = Scheme::PastExtragradient(PastExtragradient {
        first: PastFirst::Extrapolate,
    });
    let rel = |got: f64, want: f64, digits: f64| {
        assert!(
            ((got - want) / want).abs() < 0.5 * 10f64.powf(-digits),
            "got {got:e}, want {want:e}"
        );
    };
    rel(
        norm_after(
            Scheme::Simultaneous(Simultaneous),
            Rule::Gradient(Gradient),
            0.1,
            ZERO,
            1000,
        ),
        298.46,
        4.0,
    );
    rel(
        norm_after(ALT, Rule::Gradient(Gradient), 0.1, ZERO, 1000),
        2.11,
        2.0,
    );
    rel(
        norm_after(EG, Rule::Gradient(Gradient), 0.6, ZERO, 1000),
        2.8e-57,
        1.0,
    );
    rel(
        norm_after(past, Rule::Gradient(Gradient), 0.5, ZERO, 1000),
        2.2e-148,
        1.0,
    );
    rel(
        norm_after(
            Scheme::Simultaneous(Simultaneous),
            Rule::HeavyBall(HeavyBall),
            0.1,
            Players::both(-0.5),
            1000,
        ),
        4.34,
        2.0,
    );
    rel(
        norm_after(
            ALT,
            Rule::HeavyBall(HeavyBall),
            0.1,
            Players::new(0.0, -0.5),
            1000,
        ),
        0.681,
        2.0,
    );
    rel(
        norm_after(
            ALT,
            Rule::HeavyBall(HeavyBall),
            0.1,
            Players::both(0.5),
            1000,
        ),
        1.2e14,
        1.0,
    );
}
