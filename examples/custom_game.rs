//! A game of your own, run through saddle's command line, presets and dashboard: rock–paper–
//! scissors between two softmax players. One `Game` implementation, one registration line.
//!
//! ```text
//! cargo run --example custom_game -- run examples/rock_paper_scissors.ron
//! cargo run --example custom_game -- examples/rock_paper_scissors.ron     # the dashboard
//! ```
//!
//! Each player mixes rock, paper and scissors with probabilities p = softmax(θ₁, θ₂, 0) and
//! q = softmax(φ₁, φ₂, 0) (the third logit fixed, so every mix has one parameter vector), and
//! the generator θ pays f(θ, φ) = pᵀAq to the discriminator φ, A = s·[[0, −1, 1], [1, 0, −1],
//! [−1, 1, 0]]: L_G = f, L_D = −f. The only equilibrium is the uniform mix, θ = φ = 0, where
//! J = [[0, B], [−Bᵀ, 0]] is purely rotational: simultaneous gradient steps spiral out, and
//! extragradient converges. The game's own metric is the exploitability
//! max_i (Aq)_i − min_j (pᵀA)_j ≥ 0, zero exactly at equilibrium.

use saddle::{Game, Player, Players, Registry, Rng, Sample};
use serde::Deserialize;

/// The preset's parameters: `game: RockPaperScissors(scale: 1.0, spread: 1.0)`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// The payoff scale s.
    scale: f64,
    /// Standard deviation of the random starting logits.
    #[serde(default = "one")]
    spread: f64,
}

fn one() -> f64 {
    1.0
}

struct RockPaperScissors {
    a: [[f64; 3]; 3],
    start: Players<Vec<f64>>,
    equilibrium: Players<Vec<f64>>,
}

impl RockPaperScissors {
    fn new(p: Params, seed: u64) -> Result<Self, String> {
        for (name, v) in [("scale", p.scale), ("spread", p.spread)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{name} must be finite and > 0, got {v}"));
            }
        }
        let s = p.scale;
        let mut rng = Rng::derive(seed, "start");
        let mut draw = || vec![p.spread * rng.normal(), p.spread * rng.normal()];
        Ok(RockPaperScissors {
            a: [[0.0, -s, s], [s, 0.0, -s], [-s, s, 0.0]],
            start: Players::new(draw(), draw()),
            equilibrium: Players::both(vec![0.0, 0.0]),
        })
    }

    /// (p, q, Aq, Aᵀp).
    fn mixes(&self, w: &Players<Vec<f64>>) -> ([f64; 3], [f64; 3], [f64; 3], [f64; 3]) {
        let (p, q) = (softmax(&w.theta), softmax(&w.phi));
        let aq = [0, 1, 2].map(|i| (0..3).map(|j| self.a[i][j] * q[j]).sum());
        let atp = [0, 1, 2].map(|j| (0..3).map(|i| self.a[i][j] * p[i]).sum());
        (p, q, aq, atp)
    }
}

/// softmax(x₁, x₂, 0).
fn softmax(x: &[f64]) -> [f64; 3] {
    let m = x[0].max(x[1]).max(0.0);
    let e = [(x[0] - m).exp(), (x[1] - m).exp(), (-m).exp()];
    let z: f64 = e.iter().sum();
    e.map(|v| v / z)
}

impl Game for RockPaperScissors {
    type V = Vec<f64>;

    fn describe(&self) -> String {
        format!(
            "rock-paper-scissors, softmax players, scale {}",
            self.a[1][0]
        )
    }

    fn initial_point(&self) -> Players<Vec<f64>> {
        self.start.clone()
    }

    /// ∂f/∂θ_i = p_i((Aq)_i − pᵀAq) for the free logits i = 1, 2; ∂L_D/∂φ_j = −q_j((Aᵀp)_j − qᵀAᵀp).
    fn gradient(&mut self, who: Player, w: &Players<Vec<f64>>, _: Sample, out: &mut Vec<f64>) {
        let (p, q, aq, atp) = self.mixes(w);
        let (mix, pay, sign) = match who {
            Player::Theta => (p, aq, 1.0),
            Player::Phi => (q, atp, -1.0),
        };
        let mean: f64 = (0..3).map(|i| mix[i] * pay[i]).sum();
        for i in 0..2 {
            out[i] = sign * mix[i] * (pay[i] - mean);
        }
    }

    fn losses(&mut self, w: &Players<Vec<f64>>) -> Players<f64> {
        let (p, _, aq, _) = self.mixes(w);
        let f: f64 = (0..3).map(|i| p[i] * aq[i]).sum();
        Players::new(f, -f)
    }

    fn equilibrium(&self) -> Option<&Players<Vec<f64>>> {
        Some(&self.equilibrium)
    }

    fn extra_metric_names(&self) -> Vec<String> {
        vec!["exploitability".into()]
    }

    fn extra_metrics(&mut self, w: &Players<Vec<f64>>) -> Vec<Option<f64>> {
        let (_, _, aq, atp) = self.mixes(w);
        let best_reply = aq.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let worst_for_phi = atp.iter().copied().fold(f64::INFINITY, f64::min);
        vec![Some(best_reply - worst_for_phi)]
    }
}

fn main() {
    let registry = Registry::builtin().game("RockPaperScissors", RockPaperScissors::new);
    std::process::exit(saddle::cli::main_with(registry));
}
