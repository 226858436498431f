//! The update operators whose spectra once hung the analysis: the alternating heavy-ball
//! operator of the bilinear game (η = 0.2, β = (0, −0.5)) at every dimension from 1 to 40, and
//! other schemes on random and rotated games, each under a watchdog so a regression fails
//! instead of stalling the suite.

use super::*;
use crate::optim::scheme::{
    Alternating, Extragradient, Optimistic, PastExtragradient, Simultaneous,
};
use crate::optim::{OptimisticFirst, Optimizer, Order, PastFirst, Rule, Scheme};
use crate::players::Players;
use crate::rng::Rng;
use nalgebra::{Complex, DMatrix};
use std::time::Duration;

use crate::linalg::eigen::tests::within;

/// J of min_θ max_φ θᵀφ in dimension d, ordered (θ, φ): F = (φ, −θ).
fn bilinear(d: usize) -> DMatrix<f64> {
    DMatrix::from_fn(2 * d, 2 * d, |i, j| {
        if j == i + d {
            1.0
        } else if i == j + d {
            -1.0
        } else {
            0.0
        }
    })
}

const ALT: Scheme = Scheme::Alternating(Alternating {
    d_steps: 1,
    order: Order::DiscriminatorFirst,
});

#[test]
fn the_alternating_heavy_ball_operator_of_every_bilinear_dimension_has_its_spectrum() {
    within(
        Duration::from_secs(120),
        "alternating heavy ball, d = 1…40",
        || {
            let opt = Optimizer::plain(ALT, Rule::heavy_ball());
            let (eta, beta) = (Players::both(0.2), Players::new(0.0, -0.5));
            let one = operator(&opt, eta, beta, 1, &bilinear(1), 1).unwrap();
            for d in 1..=40 {
                let op = operator(&opt, eta, beta, 1, &bilinear(d), d)
                    .unwrap_or_else(|e| panic!("d = {d}: {e}"));
                assert_eq!(op.eigenvalues.len(), 4 * d);
                // A = I decouples the game into d copies of the one-dimensional one.
                assert!(
                    (op.spectral_radius() - one.spectral_radius()).abs() < 1e-9,
                    "d = {d}: ρ = {} against {}",
                    op.spectral_radius(),
                    one.spectral_radius()
                );
                for z in &op.eigenvalues {
                    let closest = one
                        .eigenvalues
                        .iter()
                        .map(|w| (z - w).norm())
                        .fold(f64::INFINITY, f64::min);
                    assert!(closest < 1e-7, "d = {d}: {z} is not an eigenvalue of d = 1");
                }
            }
        },
    );
}

#[test]
fn every_scheme_on_random_and_rotated_games_of_sizes_1_to_40_answers() {
    within(Duration::from_secs(240), "schemes × sizes", || {
        let mut rng = Rng::new(17);
        let schemes = [
            Scheme::Simultaneous(Simultaneous),
            ALT,
            Scheme::Extragradient(Extragradient { resample: true }),
            Scheme::PastExtragradient(PastExtragradient {
                first: PastFirst::Extrapolate,
            }),
            Scheme::Optimistic(Optimistic {
                first: OptimisticFirst::ZeroPrevious,
            }),
        ];
        for n in (1..=40usize).step_by(3) {
            let dt = n.div_ceil(2);
            let random = DMatrix::from_fn(n, n, |_, _| 0.5 * rng.normal());
            for j in [random, bilinear(dt).view((0, 0), (n, n)).into_owned()] {
                for scheme in &schemes {
                    for rule in [Rule::gradient(), Rule::heavy_ball()] {
                        let opt = Optimizer::plain(scheme.clone(), rule);
                        let r =
                            operator(&opt, Players::both(0.2), Players::new(0.3, -0.5), 1, &j, dt);
                        let op = r.unwrap_or_else(|e| panic!("{} n = {n}: {e}", opt.label()));
                        // The eigenvalues multiply to det M and add up to its trace.
                        let sum: Complex<f64> = op.eigenvalues.iter().sum();
                        let trace = op.matrix.trace();
                        assert!(
                            (sum.re - trace).abs() < 1e-8 * (1.0 + trace.abs())
                                && sum.im.abs() < 1e-8,
                            "{} n = {n}: Σλ = {sum}, trace {trace}",
                            opt.label()
                        );
                    }
                }
            }
        }
    });
}
