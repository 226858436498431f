//! The seed's claims on bilinear games, for every scheme × rule: one table, asserted against
//! known mathematics ([VI] Prop. 1–2, [NM]'s momentum table, spec §3.4–3.5).

use saddle::game::{BilinearSpec, MatrixSpec, QuadraticSpec, Start, ToyGame, ToySpec};
use saddle::optim::rule::{Adam, Gradient, HeavyBall};
use saddle::optim::scheme::{
    Alternating, Extragradient, Optimistic, PastExtragradient, Simultaneous,
};
use saddle::optim::{
    AdamMoment, AverageKind, AveragePoints, AverageSpec, Hyper, OptimisticFirst, Optimizer, Order,
    PastFirst, Rule, Schedule, Scheme, Scratch,
};
use saddle::players::Players;
use saddle::rng::Rng;

/// min_θ max_φ θᵀAφ with singular values 1, 0.6, 0.3 (σ_max = 1), from a fixed random start.
fn bilinear() -> ToyGame {
    BilinearSpec {
        dim: 3,
        matrix: MatrixSpec::SingularValues(vec![1.0, 0.6, 0.3]),
        linear: Default::default(),
        constraint: None,
        start: Start::Random { scale: 1.0 },
    }
    .build(11)
    .unwrap()
}

struct Outcome {
    start: f64,
    max: f64,
    end: f64,
    averages: Vec<f64>,
}

fn dist(g: &ToyGame, w: &Players<Vec<f64>>) -> f64 {
    let eq = g.equilibrium().unwrap();
    let d: f64 = w
        .theta
        .iter()
        .zip(&eq.theta)
        .chain(w.phi.iter().zip(&eq.phi))
        .map(|(a, b)| (a - b).powi(2))
        .sum();
    d.sqrt()
}

fn run(
    g: &mut ToyGame,
    scheme: Scheme,
    rule: Rule,
    eta: f64,
    beta: Players<f64>,
    averaging: Vec<AverageSpec>,
    steps: usize,
) -> Outcome {
    let opt = Optimizer {
        scheme,
        rules: Players::both(rule),
        field: None,
        wrappers: vec![],
        schedule: Schedule::Constant,
        constraints: g.constraints(),
        averaging,
    };
    let mut w = g.initial_point();
    let hyper = Hyper {
        eta: Players::both(eta),
        beta,
        d_steps: opt.scheme.d_steps(),
        values: Default::default(),
    };
    let mut st = opt.init_state(&w, hyper);
    let mut sc = Scratch::new(&w);
    let mut rng = Rng::new(5);
    let start = dist(g, &w);
    let mut max = start;
    for _ in 0..steps {
        opt.step(g.as_mut(), &mut w, &mut st, &mut sc, &mut rng, &mut 0)
            .unwrap();
        let d = dist(g, &w);
        max = max.max(d);
        if !d.is_finite() || d > 1e12 {
            break;
        }
    }
    let averages = st
        .averages
        .iter()
        .map(|a| dist(g, a.value.as_ref().unwrap()))
        .collect();
    Outcome {
        start,
        max,
        end: dist(g, &w),
        averages,
    }
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

#[derive(Debug, Clone, Copy)]
enum Expect {
    Diverges,
    BoundedNotConverging,
    Converges,
}

fn check(name: &str, o: &Outcome, e: Expect) {
    match e {
        Expect::Diverges => assert!(
            o.end.is_nan() || o.end >= 1e3 * o.start,
            "{name}: expected divergence, start {} end {}",
            o.start,
            o.end
        ),
        Expect::Converges => assert!(
            o.end < 1e-6 * o.start,
            "{name}: expected convergence, start {} end {}",
            o.start,
            o.end
        ),
        Expect::BoundedNotConverging => {
            assert!(
                o.max < 10.0 * o.start,
                "{name}: expected bounded iterates, max {} from {}",
                o.max,
                o.start
            );
            assert!(
                o.end > 0.05 * o.start,
                "{name}: expected no convergence, end {} from {}",
                o.end,
                o.start
            );
        }
    }
}

#[test]
fn momentum_table_on_bilinear_games() {
    let hb = Rule::HeavyBall(HeavyBall);
    let on_phi = |b: f64| Players::new(0.0, b);
    // (name, scheme, eta, beta, expected): [NM]'s table with β on the discriminator and on
    // both players, per ZY Thm 3.4: Jacobi momentum never converges; Gauss–Seidel momentum
    // converges only with a negative β, for ησ_max small enough.
    let table = [
        ("sim β<0 on φ", SIM, 0.1, on_phi(-0.5), Expect::Diverges),
        (
            "sim β<0 both",
            SIM,
            0.1,
            Players::both(-0.5),
            Expect::Diverges,
        ),
        ("sim β=0", SIM, 0.1, Players::both(0.0), Expect::Diverges),
        ("sim β>0", SIM, 0.1, on_phi(0.5), Expect::Diverges),
        ("alt β<0 on φ", ALT, 0.5, on_phi(-0.5), Expect::Converges),
        (
            "alt β<0 both",
            ALT,
            0.5,
            Players::both(-0.3),
            Expect::Converges,
        ),
        (
            "alt β=0",
            ALT,
            0.5,
            Players::both(0.0),
            Expect::BoundedNotConverging,
        ),
        ("alt β>0 on φ", ALT, 0.5, on_phi(0.5), Expect::Diverges),
        (
            "alt β>0 both",
            ALT,
            0.5,
            Players::both(0.3),
            Expect::Diverges,
        ),
    ];
    for (name, scheme, eta, beta, expect) in table {
        let o = run(
            &mut bilinear(),
            scheme,
            hb.clone(),
            eta,
            beta,
            vec![],
            60_000,
        );
        check(name, &o, expect);
    }
}

#[test]
fn extragradient_converges_iff_eta_below_one_over_sigma_max() {
    let z = Players::both(0.0);
    check(
        "EG η=0.9/σ",
        &run(
            &mut bilinear(),
            EG,
            Rule::Gradient(Gradient),
            0.9,
            z,
            vec![],
            40_000,
        ),
        Expect::Converges,
    );
    check(
        "EG η=1.1/σ",
        &run(
            &mut bilinear(),
            EG,
            Rule::Gradient(Gradient),
            1.1,
            z,
            vec![],
            40_000,
        ),
        Expect::Diverges,
    );
}

#[test]
fn past_extragradient_converges_iff_eta_sigma_below_one_over_sqrt3() {
    let z = Players::both(0.0);
    let lim = 1.0 / 3f64.sqrt();
    check(
        "PastEG η=0.95/√3",
        &run(
            &mut bilinear(),
            PAST,
            Rule::Gradient(Gradient),
            0.95 * lim,
            z,
            vec![],
            60_000,
        ),
        Expect::Converges,
    );
    check(
        "PastEG η=1.05/√3",
        &run(
            &mut bilinear(),
            PAST,
            Rule::Gradient(Gradient),
            1.05 * lim,
            z,
            vec![],
            60_000,
        ),
        Expect::Diverges,
    );
    let opt = Scheme::Optimistic(Optimistic {
        first: OptimisticFirst::ZeroPrevious,
    });
    check(
        "OGD η=0.95/√3",
        &run(
            &mut bilinear(),
            opt,
            Rule::Gradient(Gradient),
            0.95 * lim,
            z,
            vec![],
            60_000,
        ),
        Expect::Converges,
    );
}

#[test]
fn uniform_averaging_turns_the_alternating_cycle_into_order_one_over_t() {
    let avg = vec![AverageSpec {
        kind: AverageKind::Uniform,
        over: AveragePoints::Updates,
        beta: None,
    }];
    let z = Players::both(0.0);
    let at = |t: usize| {
        run(
            &mut bilinear(),
            ALT,
            Rule::Gradient(Gradient),
            0.5,
            z,
            avg.clone(),
            t,
        )
    };
    let (a, b, c) = (at(2_000), at(8_000), at(32_000));
    // The last iterate cycles…
    check("alt last iterate", &c, Expect::BoundedNotConverging);
    // …while the average decays like C/t: each ×4 in t divides the distance by about 4.
    for (x, y) in [(&a, &b), (&b, &c)] {
        let r = x.averages[0] / y.averages[0];
        assert!(
            (2.5..6.5).contains(&r),
            "average shrank by {r} over ×4 steps"
        );
    }
    assert!(
        c.averages[0] * 32_000.0 < 50.0 * c.start,
        "t·‖ω̄_t − ω*‖ stays bounded"
    );
}

#[test]
fn every_scheme_composes_with_every_rule() {
    // A mostly potential quadratic game that every method solves with a small step.
    let schemes = [
        SIM,
        ALT,
        Scheme::Alternating(Alternating {
            d_steps: 4,
            order: Order::GeneratorFirst,
        }),
        EG,
        Scheme::Extragradient(Extragradient { resample: false }),
        PAST,
        Scheme::PastExtragradient(PastExtragradient {
            first: PastFirst::Skip,
        }),
        Scheme::Optimistic(Optimistic {
            first: OptimisticFirst::ZeroPrevious,
        }),
        Scheme::Optimistic(Optimistic {
            first: OptimisticFirst::RepeatCurrent,
        }),
    ];
    let adam = |moment| {
        Rule::Adam(Adam {
            beta2: 0.9,
            eps: 1e-8,
            moment,
        })
    };
    let rules = [
        (Rule::Gradient(Gradient), 0.0, 0.05),
        (Rule::HeavyBall(HeavyBall), 0.5, 0.05),
        (Rule::HeavyBall(HeavyBall), -0.5, 0.05),
        (adam(AdamMoment::Ema), 0.5, 0.002),
        (adam(AdamMoment::Sum), -0.5, 0.002),
    ];
    for scheme in schemes {
        for (rule, beta, eta) in rules.clone() {
            let mut g = QuadraticSpec {
                dim: 4,
                mix: 0.3,
                mu: 0.2,
                ell: 1.0,
                start: Start::default(),
            }
            .build(2)
            .unwrap();
            let o = run(
                &mut g,
                scheme.clone(),
                rule.clone(),
                eta,
                Players::both(beta),
                vec![],
                3_000,
            );
            assert!(
                o.end.is_finite() && o.end < 0.2 * o.start,
                "{scheme:?} × {rule:?} β={beta}: {} → {}",
                o.start,
                o.end
            );
        }
    }
}
