//! The field of a GAN between two ReLU MLPs (the mixture-of-Gaussians game) in f64 on one fixed
//! minibatch, with exact Jacobian-vector products: what the eigenvalues of J = ∂F/∂ω of the
//! networks are computed from.
//!
//! F(ω) = (∇_θ L_G, ∇_φ L_D) by hand-written backpropagation, and J·v by forward-mode
//! differentiation of that backpropagation: every quantity q carries its tangent
//! q̇ = d/ds q(ω + s·v) at s = 0. ReLU's derivative [a > 0] is locally constant, so J·v is exact
//! wherever no pre-activation is exactly 0. Central differences of the f32 field are not: the
//! gradient of a ReLU network jumps where an activation flips, and a difference quotient across
//! a flip grows like 1/ε (measured on these networks from ε = 10⁻² down to 10⁻⁵).
//!
//! With p_r = D(x_real), p_f = D(G(z)) and n points (spec §1, `neural::loss`):
//!
//! ```text
//! Saturating     V = mean log σ(p_r) + mean log σ(−p_f)   F = (∇_θ V, −∇_φ V)
//! NonSaturating  L_G = −mean log σ(p_f), L_D = −V          F = (∇_θ L_G, −∇_φ V)
//! Wgan           V = mean p_r − mean p_f                   F = (∇_θ V, −∇_φ V)
//! ```

use super::loss::GanLoss;
use super::ops::gemm::{matmul, Mat};
use crate::game::sigmoid;
use crate::players::Players;

/// A value and its tangent, both row-major matrices of the same shape.
#[derive(Clone, Debug, Default)]
struct Dual {
    v: Vec<f64>,
    t: Vec<f64>,
}

impl Dual {
    fn zeros(len: usize) -> Self {
        Dual {
            v: vec![0.0; len],
            t: vec![0.0; len],
        }
    }
}

/// A ReLU MLP's widths (input first); parameters laid out as `neural::nets::mlp::Mlp` lays
/// them: per layer the weight (out × in, row-major) then the bias.
#[derive(Clone, Debug, PartialEq)]
pub struct MlpShape(pub Vec<usize>);

/// A row-major operand.
fn rows(d: &[f64]) -> Mat<'_, f64> {
    Mat {
        data: d,
        transposed: false,
    }
}

/// The transpose of a row-major matrix stored in `d`.
fn tr(d: &[f64]) -> Mat<'_, f64> {
    Mat {
        data: d,
        transposed: true,
    }
}

/// What the backward pass needs from the forward pass: each layer's input and pre-activation.
struct Tape {
    inputs: Vec<Dual>,
    pre: Vec<Dual>,
}

impl MlpShape {
    /// Number of parameters.
    pub fn numel(&self) -> usize {
        self.0.windows(2).map(|w| w[1] * w[0] + w[1]).sum()
    }

    /// (weight offset, bias offset, in, out) per layer.
    fn layers(&self) -> Vec<(usize, usize, usize, usize)> {
        let mut at = 0;
        self.0
            .windows(2)
            .map(|w| {
                let (i, o) = (w[0], w[1]);
                let l = (at, at + o * i, i, o);
                at += o * i + o;
                l
            })
            .collect()
    }

    /// Output (n × last width) with tangent, and the tape.
    fn forward(&self, p: &Dual, x: Dual, n: usize) -> (Dual, Tape) {
        let layers = self.layers();
        let mut tape = Tape {
            inputs: vec![],
            pre: vec![],
        };
        let mut h = x;
        for (l, &(w, b, i, o)) in layers.iter().enumerate() {
            let mut a = Dual::zeros(n * o);
            for r in 0..n {
                a.v[r * o..(r + 1) * o].copy_from_slice(&p.v[b..b + o]);
                a.t[r * o..(r + 1) * o].copy_from_slice(&p.t[b..b + o]);
            }
            // a = h·Wᵀ + b, ȧ = ḣ·Wᵀ + h·Ẇᵀ + ḃ
            matmul(n, o, i, &mut a.v, true, rows(&h.v), tr(&p.v[w..w + o * i]));
            matmul(n, o, i, &mut a.t, true, rows(&h.t), tr(&p.v[w..w + o * i]));
            matmul(n, o, i, &mut a.t, true, rows(&h.v), tr(&p.t[w..w + o * i]));
            let next = if l + 1 < layers.len() {
                let mut r = a.clone();
                for (k, &pre) in a.v.iter().enumerate() {
                    if pre <= 0.0 {
                        r.v[k] = 0.0;
                        r.t[k] = 0.0;
                    }
                }
                r
            } else {
                a.clone()
            };
            tape.inputs.push(std::mem::replace(&mut h, next));
            tape.pre.push(a);
        }
        (h, tape)
    }

    /// Backpropagates `g` = ∂L/∂output (with its tangent): adds ∂L/∂params into `grad` when
    /// given, and returns ∂L/∂input when `want_input`.
    fn backward(
        &self,
        p: &Dual,
        tape: &Tape,
        mut g: Dual,
        n: usize,
        mut grad: Option<&mut Dual>,
        want_input: bool,
    ) -> Option<Dual> {
        let layers = self.layers();
        for (l, &(w, b, i, o)) in layers.iter().enumerate().rev() {
            let h = &tape.inputs[l];
            if let Some(grad) = grad.as_deref_mut() {
                // ∂W = gᵀ·h, its tangent ġᵀ·h + gᵀ·ḣ; ∂b = Σ rows of g
                matmul(
                    o,
                    i,
                    n,
                    &mut grad.v[w..w + o * i],
                    true,
                    tr(&g.v),
                    rows(&h.v),
                );
                matmul(
                    o,
                    i,
                    n,
                    &mut grad.t[w..w + o * i],
                    true,
                    tr(&g.t),
                    rows(&h.v),
                );
                matmul(
                    o,
                    i,
                    n,
                    &mut grad.t[w..w + o * i],
                    true,
                    tr(&g.v),
                    rows(&h.t),
                );
                for r in 0..n {
                    for k in 0..o {
                        grad.v[b + k] += g.v[r * o + k];
                        grad.t[b + k] += g.t[r * o + k];
                    }
                }
            }
            if l == 0 && !want_input {
                return None;
            }
            // ∂h = g·W, its tangent ġ·W + g·Ẇ
            let mut gh = Dual::zeros(n * i);
            matmul(
                n,
                i,
                o,
                &mut gh.v,
                false,
                rows(&g.v),
                rows(&p.v[w..w + o * i]),
            );
            matmul(
                n,
                i,
                o,
                &mut gh.t,
                false,
                rows(&g.t),
                rows(&p.v[w..w + o * i]),
            );
            matmul(
                n,
                i,
                o,
                &mut gh.t,
                true,
                rows(&g.v),
                rows(&p.t[w..w + o * i]),
            );
            if l > 0 {
                for (k, &pre) in tape.pre[l - 1].v.iter().enumerate() {
                    if pre <= 0.0 {
                        gh.v[k] = 0.0;
                        gh.t[k] = 0.0;
                    }
                }
            }
            g = gh;
        }
        Some(g)
    }
}

/// The field of the GAN G: z ↦ x, D: x ↦ logit on one fixed minibatch (see the module docs).
#[derive(Clone, Debug)]
pub struct MlpGanField {
    /// The generator's widths (latent first, data dimension last).
    pub g: MlpShape,
    /// The discriminator's widths (data dimension first, 1 last).
    pub d: MlpShape,
    /// The loss.
    pub loss: GanLoss,
    /// Real points, n × data dimension, row-major.
    pub real: Vec<f64>,
    /// Latent codes, n × latent dimension, row-major.
    pub z: Vec<f64>,
}

/// ∂(loss)/∂(logits) per point and its tangent, for the head `f(p) = c·log σ(s·p)` (s = ±1)
/// or `f(p) = c·p` (Wasserstein): f′ and f″·ṗ.
fn head(loss: GanLoss, logits: &Dual, scale: f64, sign: f64) -> Dual {
    let mut g = Dual::zeros(logits.v.len());
    for k in 0..logits.v.len() {
        if loss == GanLoss::Wgan {
            g.v[k] = scale;
        } else {
            // d/dp log σ(s·p) = s·(1 − σ(s·p)); d²/dp² = −σ(p)(1 − σ(p))
            let u = sign * logits.v[k];
            let s = sigmoid(logits.v[k]);
            g.v[k] = scale * sign * (1.0 - sigmoid(u));
            g.t[k] = -scale * s * (1.0 - s) * logits.t[k];
        }
    }
    g
}

impl MlpGanField {
    fn n(&self) -> usize {
        self.z.len() / self.g.0[0]
    }

    /// F(w) and J(w)·v (flat per player, in the layouts' order).
    pub fn field_and_jvp(
        &self,
        w: &Players<&[f64]>,
        v: &Players<&[f64]>,
    ) -> (Players<Vec<f64>>, Players<Vec<f64>>) {
        let n = self.n();
        let dual = |a: &[f64], b: &[f64]| Dual {
            v: a.to_vec(),
            t: b.to_vec(),
        };
        let (th, ph) = (dual(w.theta, v.theta), dual(w.phi, v.phi));
        let constant = |x: &[f64]| Dual {
            v: x.to_vec(),
            t: vec![0.0; x.len()],
        };
        let (fake, g_tape) = self.g.forward(&th, constant(&self.z), n);
        let (p_real, r_tape) = self.d.forward(&ph, constant(&self.real), n);
        let (p_fake, f_tape) = self.d.forward(&ph, fake, n);
        let inv = 1.0 / n as f64;
        // ∂V/∂p: +mean log σ(p_r) (or +mean p_r), +mean log σ(−p_f) (or −mean p_f)
        let v_real = head(self.loss, &p_real, inv, 1.0);
        let v_fake = head(
            self.loss,
            &p_fake,
            if self.loss == GanLoss::Wgan {
                -inv
            } else {
                inv
            },
            -1.0,
        );
        let mut grad_phi = Dual::zeros(self.d.numel());
        self.d
            .backward(&ph, &r_tape, v_real, n, Some(&mut grad_phi), false);
        let into_fake = if self.loss == GanLoss::NonSaturating {
            self.d
                .backward(&ph, &f_tape, v_fake, n, Some(&mut grad_phi), false);
            // L_G = −mean log σ(p_f)
            let lg = head(self.loss, &p_fake, -inv, 1.0);
            self.d.backward(&ph, &f_tape, lg, n, None, true)
        } else {
            self.d
                .backward(&ph, &f_tape, v_fake, n, Some(&mut grad_phi), true)
        }
        .expect("the input's gradient was asked for");
        let mut grad_theta = Dual::zeros(self.g.numel());
        self.g
            .backward(&th, &g_tape, into_fake, n, Some(&mut grad_theta), false);
        let neg = |x: Vec<f64>| x.into_iter().map(|a| -a).collect::<Vec<_>>();
        (
            Players::new(grad_theta.v, neg(grad_phi.v)),
            Players::new(grad_theta.t, neg(grad_phi.t)),
        )
    }

    /// F(w).
    pub fn field(&self, w: &Players<&[f64]>) -> Players<Vec<f64>> {
        let zero = w.map(|x| vec![0.0; x.len()]);
        self.field_and_jvp(w, &Players::new(&zero.theta, &zero.phi))
            .0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{Game, Sample};
    use crate::neural::gan::{wide, Gan, GanModel, GanSettings, ARNOLDI_STEPS, RITZ_TOLERANCE};
    use crate::neural::mixture::MixtureSpec;
    use crate::neural::mog::{MixtureModel, ModeEval};
    use crate::neural::params::Params;
    use crate::rng::Rng;
    use dfdx::prelude::Cpu;

    fn small(loss: GanLoss) -> (MlpGanField, Players<Vec<f64>>) {
        let mut rng = Rng::new(7);
        let g = MlpShape(vec![3, 6, 5, 2]);
        let d = MlpShape(vec![2, 7, 4, 1]);
        let n = 9;
        let mut draw = |k: usize, s: f64| (0..k).map(|_| s * rng.normal()).collect::<Vec<_>>();
        let real = draw(2 * n, 1.0);
        let z = draw(3 * n, 1.0);
        let w = Players::new(draw(g.numel(), 0.7), draw(d.numel(), 0.7));
        (
            MlpGanField {
                g,
                d,
                loss,
                real,
                z,
            },
            w,
        )
    }

    /// The losses straight from their definitions (no backpropagation): what F must be the
    /// gradient of.
    fn losses(f: &MlpGanField, w: &Players<Vec<f64>>) -> (f64, f64) {
        let mlp = |s: &MlpShape, p: &[f64], x: &[f64]| -> Vec<f64> {
            let mut h = x.to_vec();
            let layers = s.layers();
            for (l, &(wo, bo, i, o)) in layers.iter().enumerate() {
                let rows = h.len() / i;
                let mut a = vec![0.0; rows * o];
                for r in 0..rows {
                    for k in 0..o {
                        let mut acc = p[bo + k];
                        for j in 0..i {
                            acc += p[wo + k * i + j] * h[r * i + j];
                        }
                        a[r * o + k] = if l + 1 < layers.len() {
                            acc.max(0.0)
                        } else {
                            acc
                        };
                    }
                }
                h = a;
            }
            h
        };
        let fake = mlp(&f.g, &w.theta, &f.z);
        let pr = mlp(&f.d, &w.phi, &f.real);
        let pf = mlp(&f.d, &w.phi, &fake);
        let mean = |x: Vec<f64>| x.iter().sum::<f64>() / x.len() as f64;
        let ls = crate::game::log_sigmoid;
        match f.loss {
            GanLoss::Wgan => {
                let v = mean(pr) - mean(pf);
                (v, -v)
            }
            GanLoss::Saturating => {
                let v = mean(pr.iter().map(|p| ls(*p)).collect())
                    + mean(pf.iter().map(|p| ls(-p)).collect());
                (v, -v)
            }
            GanLoss::NonSaturating => {
                let v = mean(pr.iter().map(|p| ls(*p)).collect())
                    + mean(pf.iter().map(|p| ls(-p)).collect());
                (-mean(pf.iter().map(|p| ls(*p)).collect()), -v)
            }
        }
    }

    fn flat(w: &Players<Vec<f64>>) -> Vec<f64> {
        [w.theta.as_slice(), &w.phi].concat()
    }

    fn norm(x: &[f64]) -> f64 {
        x.iter().map(|a| a * a).sum::<f64>().sqrt()
    }

    fn distance(x: &[f64], y: &[f64]) -> f64 {
        x.iter()
            .zip(y)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    fn views(w: &Players<Vec<f64>>) -> Players<&[f64]> {
        Players::new(&w.theta, &w.phi)
    }

    #[test]
    fn the_field_is_the_gradient_of_each_players_loss() {
        for loss in [GanLoss::Saturating, GanLoss::NonSaturating, GanLoss::Wgan] {
            let (f, w) = small(loss);
            let got = f.field(&views(&w));
            let eps = 1e-6;
            for (player, k) in [(0, 0), (0, 17), (0, 40), (1, 0), (1, 30), (1, 49)] {
                let mut plus = w.clone();
                let mut minus = w.clone();
                let (p, m, g) = if player == 0 {
                    (&mut plus.theta, &mut minus.theta, &got.theta)
                } else {
                    (&mut plus.phi, &mut minus.phi, &got.phi)
                };
                p[k] += eps;
                m[k] -= eps;
                let (lp, lm) = (losses(&f, &plus), losses(&f, &minus));
                let want = if player == 0 {
                    (lp.0 - lm.0) / (2.0 * eps)
                } else {
                    (lp.1 - lm.1) / (2.0 * eps)
                };
                assert!(
                    (g[k] - want).abs() <= 1e-7 * (1.0 + want.abs()),
                    "{loss:?} player {player} entry {k}: {} vs {want}",
                    g[k]
                );
            }
        }
    }

    #[test]
    fn jacobian_vector_products_are_exact_derivatives_of_the_field() {
        for loss in [GanLoss::Saturating, GanLoss::NonSaturating, GanLoss::Wgan] {
            let (f, w) = small(loss);
            let mut rng = Rng::new(3);
            let v = w.map(|x| (0..x.len()).map(|_| rng.normal()).collect::<Vec<_>>());
            let (_, jv) = f.field_and_jvp(&views(&w), &views(&v));
            // Small enough that no activation flips between ω − εv and ω + εv here.
            let eps = 1e-7;
            let shift = |s: f64| {
                Players::new(
                    w.theta
                        .iter()
                        .zip(&v.theta)
                        .map(|(a, b)| a + s * b)
                        .collect(),
                    w.phi.iter().zip(&v.phi).map(|(a, b)| a + s * b).collect(),
                )
            };
            let (p, m) = (shift(eps), shift(-eps));
            let (fp, fm) = (flat(&f.field(&views(&p))), flat(&f.field(&views(&m))));
            let fd: Vec<f64> = fp
                .iter()
                .zip(&fm)
                .map(|(a, b)| (a - b) / (2.0 * eps))
                .collect();
            let (jv, norm) = (flat(&jv), norm(&flat(&jv)));
            let err = distance(&jv, &fd);
            assert!(norm > 1e-3, "{loss:?}: J·v = 0?");
            assert!(
                err <= 1e-6 * norm,
                "{loss:?}: ‖J·v − FD‖ = {err}, ‖J·v‖ = {norm}"
            );
        }
    }

    #[test]
    fn networks_without_exact_jvps_say_why() {
        let mut gan = mixture_gan(8, 1, 8);
        assert!(gan.mlp_field().is_ok());
        gan = Gan::new(
            MixtureModel::new(
                MixtureSpec::NegativeMomentum8.build().expect("a mixture"),
                8,
                8,
                1,
                ModeEval {
                    samples: 10,
                    hq_sigmas: 3.0,
                    min_count: 1,
                },
            ),
            Cpu::default(),
            GanSettings {
                loss: GanLoss::Wgan,
                batch: 8,
                clip: None,
                gp_weight: Some(10.0),
                seed: 1,
            },
        );
        let w = gan.initial_point();
        let why = gan.jacobian_top(&w, 4, 8).unwrap_err();
        assert!(why.contains("gradient penalty"), "{why}");
    }

    fn mixture_gan(hidden: usize, layers: usize, batch: usize) -> Gan<Cpu, MixtureModel> {
        let model = MixtureModel::new(
            MixtureSpec::NegativeMomentum8.build().expect("a mixture"),
            8,
            hidden,
            layers,
            ModeEval {
                samples: 100,
                hq_sigmas: 3.0,
                min_count: 1,
            },
        );
        let settings = GanSettings {
            loss: GanLoss::Saturating,
            batch,
            clip: None,
            gp_weight: None,
            seed: 1,
        };
        Gan::new(model, Cpu::default(), settings)
    }

    /// Weights N(0, std²) in the game's layouts.
    fn weights(gan: &Gan<Cpu, MixtureModel>, std: f64) -> Players<Params<Cpu>> {
        let mut rng = Rng::new(11);
        let layouts = GanModel::<Cpu>::layouts(gan.model());
        layouts.map(|l| {
            let values = l
                .specs
                .iter()
                .map(|s| {
                    (0..s.numel())
                        .map(|_| (std * rng.normal()) as f32)
                        .collect()
                })
                .collect();
            Params::from_host(&Cpu::default(), l.clone(), values)
        })
    }

    fn host(w: &Players<Params<Cpu>>) -> Players<Vec<f64>> {
        w.map(|p| wide(p.to_host().concat()))
    }

    #[test]
    fn the_f64_field_is_the_networks_field_on_the_metrics_minibatch() {
        let mut gan = mixture_gan(32, 3, 64);
        let w = weights(&gan, 0.3);
        let mut f32_field = w.clone();
        gan.field(&w, Sample::Exact, &mut f32_field);
        let h = host(&w);
        let f64_field = gan.mlp_field().expect("an MLP game").field(&views(&h));
        let got = host(&f32_field);
        let (diff, norm) = (
            distance(&flat(&got), &flat(&f64_field)),
            norm(&flat(&f64_field)),
        );
        assert!(norm > 1e-2, "‖F‖ = {norm}");
        assert!(diff <= 1e-5 * norm, "‖F₃₂ − F₆₄‖ = {diff}, ‖F‖ = {norm}");
    }

    #[test]
    fn arnoldi_on_exact_jvps_finds_the_eigenvalues_of_largest_modulus() {
        let gan = mixture_gan(6, 2, 16);
        let w = weights(&gan, 0.5);
        let field = gan.mlp_field().expect("an MLP game");
        let h = host(&w);
        let (dt, n) = (h.theta.len(), h.theta.len() + h.phi.len());
        let mut j = nalgebra::DMatrix::<f64>::zeros(n, n);
        for c in 0..n {
            let mut e = vec![0.0; n];
            e[c] = 1.0;
            let (vt, vp) = e.split_at(dt);
            let (_, col) = field.field_and_jvp(&views(&h), &Players::new(vt, vp));
            for (r, x) in col.theta.iter().chain(&col.phi).enumerate() {
                j[(r, c)] = *x;
            }
        }
        let mut dense: Vec<_> = j.complex_eigenvalues().iter().copied().collect();
        dense.sort_by(|a, b| b.norm().total_cmp(&a.norm()));
        let top = gan.jacobian_top(&w, 6, 40).expect("eigenvalues");
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
        let gan = mixture_gan(256, 3, 128);
        // The preset's networks at their start.
        let start = gan.initial_point();
        let short = gan
            .jacobian_top(&start, 8, ARNOLDI_STEPS)
            .expect("eigenvalues");
        let long = gan
            .jacobian_top(&start, 8, 2 * ARNOLDI_STEPS)
            .expect("eigenvalues");
        let found = crate::analysis::converged(&short, RITZ_TOLERANCE);
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
}
