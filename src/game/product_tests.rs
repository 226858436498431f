//! The Jacobian products every toy game answers (issue 16 item 1): J·v and Jᵀ·v on a sample
//! against the dense Jacobian of that sample's field by central differences, the closed-form
//! Jacobian where the game has one, and Jᵀ = D·J·D (D = diag(I, −I)) on the games that declare
//! themselves zero-sum — and not on the one that is not (the non-saturating Dirac GAN).

use super::*;
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};

/// ∂F(w; s)/∂w by central differences with step h, ordered (θ, φ).
fn numeric(
    g: &mut dyn Game<V = Vec<f64>>,
    w: &Players<Vec<f64>>,
    s: Sample,
    h: f64,
) -> DMatrix<f64> {
    let (dt, dp) = (w.theta.len(), w.phi.len());
    let n = dt + dp;
    let mut j = DMatrix::zeros(n, n);
    let mut fp = Players::new(vec![0.0; dt], vec![0.0; dp]);
    let mut fm = fp.clone();
    for col in 0..n {
        let (mut plus, mut minus) = (w.clone(), w.clone());
        let bump = |x: &mut Players<Vec<f64>>, d: f64| {
            if col < dt {
                x.theta[col] += d;
            } else {
                x.phi[col - dt] += d;
            }
        };
        bump(&mut plus, h);
        bump(&mut minus, -h);
        g.field(&plus, s, &mut fp);
        g.field(&minus, s, &mut fm);
        for row in 0..n {
            let (a, b) = if row < dt {
                (fp.theta[row], fm.theta[row])
            } else {
                (fp.phi[row - dt], fm.phi[row - dt])
            };
            j[(row, col)] = (a - b) / (2.0 * h);
        }
    }
    j
}

fn flat(p: &Players<Vec<f64>>) -> DVector<f64> {
    DVector::from_iterator(
        p.theta.len() + p.phi.len(),
        p.theta.iter().chain(&p.phi).copied(),
    )
}

fn unflat(x: &DVector<f64>, dt: usize) -> Players<Vec<f64>> {
    Players::new(x.as_slice()[..dt].to_vec(), x.as_slice()[dt..].to_vec())
}

fn d_matrix(dt: usize, n: usize) -> DMatrix<f64> {
    DMatrix::from_fn(n, n, |i, j| match (i == j, i < dt) {
        (false, _) => 0.0,
        (true, true) => 1.0,
        (true, false) => -1.0,
    })
}

/// Checks J·v and Jᵀ·v of `g` at a random point near its start, on an exact and on a drawn
/// sample, against central differences (relative error `tol`); returns the largest relative
/// error seen.
fn check(name: &str, g: &mut dyn Game<V = Vec<f64>>, tol: f64) -> f64 {
    let mut rng = Rng::new(11);
    let mut w = g.initial_point();
    w.theta.iter_mut().for_each(|x| *x += 0.1 * rng.normal());
    w.phi.iter_mut().for_each(|x| *x += 0.1 * rng.normal());
    let dt = w.theta.len();
    let n = dt + w.phi.len();
    let mut worst: f64 = 0.0;
    let samples = [Sample::Exact, g.draw_sample(&mut rng, 0)];
    for s in samples {
        let j = numeric(g, &w, s, 1e-6);
        if s == Sample::Exact {
            if let Some(exact) = g.jacobian(&w) {
                let e = (&exact - &j).amax() / exact.amax().max(1.0);
                assert!(e < tol, "{name}: closed-form J vs differences: {e}");
            }
        }
        let d = d_matrix(dt, n);
        if g.zero_sum() {
            let e = (j.transpose() - &d * &j * &d).amax() / j.amax().max(1e-300);
            assert!(e < tol, "{name}: declared zero-sum but Jᵀ ≠ DJD ({e})");
        }
        for _ in 0..3 {
            let v = DVector::from_fn(n, |_, _| rng.normal());
            let pv = unflat(&v, dt);
            let mut out = pv.clone();
            g.jvp(&w, s, &pv, &mut out)
                .unwrap_or_else(|e| panic!("{name}: J·v: {e}"));
            let want = &j * &v;
            let e = (flat(&out) - &want).amax() / want.amax().max(1.0);
            assert!(e < tol, "{name}: J·v off by {e} on {s:?}");
            worst = worst.max(e);
            g.vjp(&w, s, &pv, &mut out)
                .unwrap_or_else(|e| panic!("{name}: Jᵀ·v: {e}"));
            let want = j.transpose() * &v;
            let e = (flat(&out) - &want).amax() / want.amax().max(1.0);
            assert!(e < tol, "{name}: Jᵀ·v off by {e} on {s:?}");
            worst = worst.max(e);
            if g.zero_sum() {
                // Jᵀv = D·J·(D·v): the shortcut the zero-sum games may take.
                let mut jd = pv.clone();
                g.jvp(&w, s, &unflat(&(&d * &v), dt), &mut jd).unwrap();
                let e = (&d * flat(&jd) - flat(&out)).amax() / want.amax().max(1.0);
                assert!(e < tol, "{name}: Jᵀv vs D·J·D·v: {e}");
            }
        }
    }
    worst
}

fn spec<T: ToySpec + serde::de::DeserializeOwned>(ron: &str) -> T {
    ron::from_str(ron).unwrap_or_else(|e| panic!("{ron}: {e}"))
}

/// Every toy game, named, with whether it is zero-sum.
fn toy_games() -> Vec<(&'static str, Box<dyn ToySpec>, bool)> {
    vec![
        (
            "bilinear",
            Box::new(spec::<BilinearSpec>(
                "(dim: 3, matrix: SingularValues([1.0, 0.5, 0.2]), linear: Random(scale: 1.0))",
            )),
            true,
        ),
        (
            "quadratic",
            Box::new(spec::<QuadraticSpec>(
                "(dim: 3, mix: 0.5, mu: 0.2, ell: 1.0)",
            )),
            true,
        ),
        (
            "stochastic bilinear",
            Box::new(spec::<StochasticBilinearSpec>(
                "(dim: 3, components: 6, noise: 1.0)",
            )),
            true,
        ),
        (
            "logistic",
            Box::new(spec::<LogisticSpec>("(x0: [-2.0, 1.0])")),
            true,
        ),
        (
            "dirac saturating",
            Box::new(spec::<DiracGanSpec>("(loss: Saturating)")),
            true,
        ),
        (
            "dirac wgan",
            Box::new(spec::<DiracGanSpec>("(loss: Wgan)")),
            true,
        ),
        (
            "dirac non-saturating",
            Box::new(spec::<DiracGanSpec>("(loss: NonSaturating)")),
            false,
        ),
        (
            "ttur saddle",
            Box::new(spec::<TturSaddleSpec>("(noise: 1.0)")),
            true,
        ),
        (
            "mlp gan",
            Box::new(spec::<MlpGanSpec>("(hidden: 3, samples: 8, modes: 2)")),
            true,
        ),
    ]
}

#[test]
fn every_toy_game_answers_jacobian_products_that_match_its_jacobian() {
    for (name, spec, zero_sum) in toy_games() {
        let mut g = spec.build(3).unwrap();
        assert_eq!(g.zero_sum(), zero_sum, "{name}");
        let worst = check(name, g.as_mut(), 1e-6);
        eprintln!("{name}: largest relative error of J·v, Jᵀ·v vs differences {worst:.1e}");
    }
    // The non-saturating Dirac GAN is general-sum: its J is not D·J·D-transposed.
    let mut g = spec::<DiracGanSpec>("(loss: NonSaturating)")
        .build(3)
        .unwrap();
    let w = Players::new(vec![0.7], vec![0.4]);
    let j = numeric(g.as_mut(), &w, Sample::Exact, 1e-6);
    let d = d_matrix(1, 2);
    assert!((j.transpose() - &d * &j * &d).amax() > 1e-3, "{j}");
}

/// A game that calls itself deterministic draws `Sample::Exact` and leaves the sampling
/// stream alone (the step then takes its samples without asking); one that draws anything
/// else says it is not.
#[test]
fn deterministic_games_draw_exact_samples_and_touch_no_randomness() {
    let mut seen = [false; 2];
    for (name, spec, _) in toy_games() {
        let g = spec.build(3).unwrap();
        let mut rng = Rng::new(11);
        let draws: Vec<Sample> = (0..4).map(|i| g.draw_sample(&mut rng, i)).collect();
        let exact = draws.iter().all(|s| *s == Sample::Exact) && rng == Rng::new(11);
        assert_eq!(g.deterministic(), exact, "{name}: {draws:?}");
        seen[usize::from(exact)] = true;
    }
    assert_eq!(seen, [true; 2], "both kinds of game are in the list");
}
