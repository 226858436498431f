//! The field of a GAN between two ReLU MLPs (the mixture-of-Gaussians game) in f64 on one fixed
//! minibatch, with exact Jacobian-vector products: what the eigenvalues of J = ∂F/∂ω of the
//! networks are computed from.
//!
//! F(ω) = (∇_θ L_G, ∇_φ L_D) by hand-written backpropagation, and J·v by forward-mode
//! differentiation of that backpropagation: the tangent q̇ = d/ds q(ω + s·v) at s = 0 of every
//! quantity q. The values depend on ω only, so [`MlpGanField::linearize`] runs them once and
//! keeps them; each [`Linearized::jvp`] then propagates tangents alone (what Arnoldi repeats).
//! ReLU's derivative \[a > 0\] is locally constant, so J·v is exact wherever no pre-activation is
//! exactly 0. Central differences of the f32 field are not: the
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
use crate::players::Players;
use crate::special::sigmoid;

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

/// Zeroes the entries of `x` whose pre-activation is not positive (ReLU's derivative).
fn mask(x: &mut [f64], pre: &[f64]) {
    for (x, &a) in x.iter_mut().zip(pre) {
        if a <= 0.0 {
            *x = 0.0;
        }
    }
}

/// One pass through an MLP at ω: each layer's input and pre-activation.
struct Pass {
    inputs: Vec<Vec<f64>>,
    pre: Vec<Vec<f64>>,
}

/// ∂L/∂(pre-activation) of each layer, from a backward pass at ω.
type Adjoints = Vec<Vec<f64>>;

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

    /// The output (n × last width) at parameters `p`, and the pass.
    fn forward(&self, p: &[f64], x: Vec<f64>, n: usize) -> (Vec<f64>, Pass) {
        let layers = self.layers();
        let mut pass = Pass {
            inputs: vec![],
            pre: vec![],
        };
        let mut h = x;
        for (l, &(w, b, i, o)) in layers.iter().enumerate() {
            // a = h·Wᵀ + b
            let mut a: Vec<f64> = p[b..b + o].repeat(n);
            matmul(n, o, i, &mut a, true, rows(&h), tr(&p[w..w + o * i]));
            let mut next = a.clone();
            if l + 1 < layers.len() {
                mask(&mut next, &a);
            }
            pass.inputs.push(std::mem::replace(&mut h, next));
            pass.pre.push(a);
        }
        (h, pass)
    }

    /// The tangent of [`MlpShape::forward`] along (ṗ, ẋ): the output's, and each layer's
    /// input's.
    fn forward_tangent(
        &self,
        (p, pd): (&[f64], &[f64]),
        pass: &Pass,
        xd: Vec<f64>,
        n: usize,
    ) -> (Vec<f64>, Vec<Vec<f64>>) {
        let layers = self.layers();
        let mut inputs = vec![];
        let mut hd = xd;
        for (l, &(w, b, i, o)) in layers.iter().enumerate() {
            // ȧ = ḣ·Wᵀ + h·Ẇᵀ + ḃ
            let mut ad: Vec<f64> = pd[b..b + o].repeat(n);
            matmul(n, o, i, &mut ad, true, rows(&hd), tr(&p[w..w + o * i]));
            matmul(
                n,
                o,
                i,
                &mut ad,
                true,
                rows(&pass.inputs[l]),
                tr(&pd[w..w + o * i]),
            );
            if l + 1 < layers.len() {
                mask(&mut ad, &pass.pre[l]);
            }
            inputs.push(std::mem::replace(&mut hd, ad));
        }
        (hd, inputs)
    }

    /// Backpropagates `g` = ∂L/∂output: adds ∂L/∂params into `grad` when given; returns
    /// ∂L/∂input when `want_input`, and the adjoints.
    fn backward(
        &self,
        p: &[f64],
        pass: &Pass,
        mut g: Vec<f64>,
        n: usize,
        mut grad: Option<&mut [f64]>,
        want_input: bool,
    ) -> (Option<Vec<f64>>, Adjoints) {
        let layers = self.layers();
        let mut adjoints = vec![vec![]; layers.len()];
        for (l, &(w, b, i, o)) in layers.iter().enumerate().rev() {
            if let Some(grad) = grad.as_deref_mut() {
                // ∂W = gᵀ·h, ∂b = Σ rows of g
                matmul(
                    o,
                    i,
                    n,
                    &mut grad[w..w + o * i],
                    true,
                    tr(&g),
                    rows(&pass.inputs[l]),
                );
                for r in g.chunks_exact(o) {
                    grad[b..b + o].iter_mut().zip(r).for_each(|(a, x)| *a += x);
                }
            }
            let below = (l > 0 || want_input).then(|| {
                // ∂h = g·W
                let mut gh = vec![0.0; n * i];
                matmul(n, i, o, &mut gh, false, rows(&g), rows(&p[w..w + o * i]));
                if l > 0 {
                    mask(&mut gh, &pass.pre[l - 1]);
                }
                gh
            });
            adjoints[l] = match below {
                Some(gh) => std::mem::replace(&mut g, gh),
                None => std::mem::take(&mut g),
            };
        }
        (want_input.then_some(g), adjoints)
    }

    /// The tangent of [`MlpShape::backward`] along (ṗ, the inputs' tangents `hd`, `gd` = ġ at
    /// the output): adds into `grad` when given; returns the input's when `want_input`.
    #[allow(clippy::too_many_arguments)]
    fn backward_tangent(
        &self,
        (p, pd): (&[f64], &[f64]),
        pass: &Pass,
        hd: &[Vec<f64>],
        adjoints: &Adjoints,
        mut gd: Vec<f64>,
        n: usize,
        mut grad: Option<&mut [f64]>,
        want_input: bool,
    ) -> Option<Vec<f64>> {
        let layers = self.layers();
        for (l, &(w, b, i, o)) in layers.iter().enumerate().rev() {
            let g = &adjoints[l];
            if let Some(grad) = grad.as_deref_mut() {
                // (∂W)˙ = ġᵀ·h + gᵀ·ḣ, (∂b)˙ = Σ rows of ġ
                let dw = &mut grad[w..w + o * i];
                matmul(o, i, n, dw, true, tr(&gd), rows(&pass.inputs[l]));
                matmul(o, i, n, dw, true, tr(g), rows(&hd[l]));
                for r in gd.chunks_exact(o) {
                    grad[b..b + o].iter_mut().zip(r).for_each(|(a, x)| *a += x);
                }
            }
            if l == 0 && !want_input {
                return None;
            }
            // (∂h)˙ = ġ·W + g·Ẇ
            let mut ghd = vec![0.0; n * i];
            matmul(n, i, o, &mut ghd, false, rows(&gd), rows(&p[w..w + o * i]));
            matmul(n, i, o, &mut ghd, true, rows(g), rows(&pd[w..w + o * i]));
            if l > 0 {
                mask(&mut ghd, &pass.pre[l - 1]);
            }
            gd = ghd;
        }
        Some(gd)
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

/// A loss head on the logits p: f′(p) per point (∂loss/∂p) and f″(p), so that the tangent of
/// f′ is f″·ṗ. `f(p) = c·log σ(s·p)` (s = ±1), or `f(p) = c·p` (Wasserstein).
struct Head {
    slope: Vec<f64>,
    curvature: Vec<f64>,
}

fn head(loss: GanLoss, logits: &[f64], scale: f64, sign: f64) -> Head {
    let (slope, curvature) = logits
        .iter()
        .map(|&p| {
            if loss == GanLoss::Wgan {
                (scale, 0.0)
            } else {
                // d/dp log σ(s·p) = s·(1 − σ(s·p)); d²/dp² = −σ(p)(1 − σ(p))
                let s = sigmoid(p);
                (
                    scale * sign * (1.0 - sigmoid(sign * p)),
                    -scale * s * (1.0 - s),
                )
            }
        })
        .unzip();
    Head { slope, curvature }
}

impl Head {
    /// f″·ṗ.
    fn tangent(&self, pd: &[f64]) -> Vec<f64> {
        self.curvature.iter().zip(pd).map(|(c, x)| c * x).collect()
    }
}

/// The field linearized at ω: F(ω), and everything its J·v needs that depends on ω alone. It
/// holds its own copy of the field (shapes, loss and one minibatch: a few KB next to the
/// passes), so a caller may keep it across calls, as a game does between a step's J·v and
/// Jᵀ·v at the same point.
pub struct Linearized {
    field: MlpGanField,
    w: Players<Vec<f64>>,
    passes: [Pass; 3],
    /// Adjoints of G, of D on the real points and of D on the fakes (L_D's).
    adjoints: [Adjoints; 3],
    /// V's heads on the real points and on the fakes.
    heads: [Head; 2],
    /// The non-saturating generator's own head on the fakes and D's adjoints under it; None
    /// for zero-sum losses, where the generator's gradient flows back from V.
    generator: Option<(Head, Adjoints)>,
    /// F(ω).
    pub value: Players<Vec<f64>>,
}

impl MlpGanField {
    fn n(&self) -> usize {
        self.z.len() / self.g.0[0]
    }

    /// The value passes at `w` (flat per player, in the layouts' order), kept for J·v.
    pub fn linearize(&self, w: &Players<&[f64]>) -> Linearized {
        let n = self.n();
        let (fake, g_pass) = self.g.forward(w.theta, self.z.clone(), n);
        let (p_real, r_pass) = self.d.forward(w.phi, self.real.clone(), n);
        let (p_fake, f_pass) = self.d.forward(w.phi, fake, n);
        let inv = 1.0 / n as f64;
        // ∂V/∂p: +mean log σ(p_r) (or +mean p_r), +mean log σ(−p_f) (or −mean p_f)
        let v_real = head(self.loss, &p_real, inv, 1.0);
        let fake_scale = if self.loss == GanLoss::Wgan {
            -inv
        } else {
            inv
        };
        let v_fake = head(self.loss, &p_fake, fake_scale, -1.0);
        let mut grad_phi = vec![0.0; self.d.numel()];
        let (_, r_adj) = self.d.backward(
            w.phi,
            &r_pass,
            v_real.slope.clone(),
            n,
            Some(&mut grad_phi),
            false,
        );
        let zero_sum = self.loss.zero_sum();
        let (into_fake, f_adj) = self.d.backward(
            w.phi,
            &f_pass,
            v_fake.slope.clone(),
            n,
            Some(&mut grad_phi),
            zero_sum,
        );
        // The non-saturating generator minimizes L_G = −mean log σ(p_f) instead of V.
        let (into_fake, generator) = match into_fake {
            Some(g) => (g, None),
            None => {
                let lg = head(self.loss, &p_fake, -inv, 1.0);
                let (g, adj) = self
                    .d
                    .backward(w.phi, &f_pass, lg.slope.clone(), n, None, true);
                (
                    g.expect("the input's gradient was asked for"),
                    Some((lg, adj)),
                )
            }
        };
        let mut grad_theta = vec![0.0; self.g.numel()];
        let (_, g_adj) =
            self.g
                .backward(w.theta, &g_pass, into_fake, n, Some(&mut grad_theta), false);
        grad_phi.iter_mut().for_each(|x| *x = -*x);
        Linearized {
            field: self.clone(),
            w: w.map(|x| x.to_vec()),
            passes: [g_pass, r_pass, f_pass],
            adjoints: [g_adj, r_adj, f_adj],
            heads: [v_real, v_fake],
            generator,
            value: Players::new(grad_theta, grad_phi),
        }
    }

    /// F(w).
    pub fn field(&self, w: &Players<&[f64]>) -> Players<Vec<f64>> {
        self.linearize(w).value
    }
}

/// What [`Linearized::value_through_d`] gives back: the tangents of D's logits on the fakes
/// and of D's layer inputs on them, and of ∂V/∂(fakes) when asked for.
type ThroughD = (Vec<f64>, Vec<Vec<f64>>, Option<Vec<f64>>);

impl Linearized {
    /// True when this is the linearization at exactly `w`, bit for bit (−0.0 is not 0.0): then
    /// it is what linearizing at `w` again would give, and a cache may hand it out instead.
    pub fn is_at(&self, w: &Players<Vec<f64>>) -> bool {
        let same = |a: &[f64], b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
        };
        same(&self.w.theta, &w.theta) && same(&self.w.phi, &w.phi)
    }

    /// The tangent of V's backpropagation through D along (φ̇ = `ph.1`, the fakes' tangent
    /// `fake_d`; the real points stand still): adds (∇_φ V)˙ into `phi_d`, and returns
    /// [`ThroughD`], with (∂V/∂fakes)˙ when `want_fakes`.
    fn value_through_d(
        &self,
        ph: (&[f64], &[f64]),
        fake_d: Vec<f64>,
        phi_d: &mut [f64],
        want_fakes: bool,
    ) -> ThroughD {
        let f = &self.field;
        let n = f.n();
        let [_, r_pass, f_pass] = &self.passes;
        let [_, r_adj, f_adj] = &self.adjoints;
        let [v_real, v_fake] = &self.heads;
        let (p_real_d, r_hd) = f.d.forward_tangent(ph, r_pass, vec![0.0; f.real.len()], n);
        let (p_fake_d, f_hd) = f.d.forward_tangent(ph, f_pass, fake_d, n);
        let gd = v_real.tangent(&p_real_d);
        f.d.backward_tangent(ph, r_pass, &r_hd, r_adj, gd, n, Some(&mut *phi_d), false);
        let gd = v_fake.tangent(&p_fake_d);
        let into_fakes =
            f.d.backward_tangent(ph, f_pass, &f_hd, f_adj, gd, n, Some(phi_d), want_fakes);
        (p_fake_d, f_hd, into_fakes)
    }

    /// J(ω)·v (flat per player).
    pub fn jvp(&self, v: &Players<&[f64]>) -> Players<Vec<f64>> {
        let f = &self.field;
        let n = f.n();
        let [g_pass, _, f_pass] = &self.passes;
        let th = (self.w.theta.as_slice(), v.theta);
        let ph = (self.w.phi.as_slice(), v.phi);
        let (fake_d, g_hd) = f.g.forward_tangent(th, g_pass, vec![0.0; f.z.len()], n);
        let mut phi_d = vec![0.0; f.d.numel()];
        let zero_sum = self.generator.is_none();
        let (p_fake_d, f_hd, into_fake_d) = self.value_through_d(ph, fake_d, &mut phi_d, zero_sum);
        let into_fake_d = match (&self.generator, into_fake_d) {
            (None, Some(d)) => d,
            (Some((lg, adj)), _) => {
                f.d.backward_tangent(ph, f_pass, &f_hd, adj, lg.tangent(&p_fake_d), n, None, true)
                    .expect("the input's tangent was asked for")
            }
            (None, None) => unreachable!("zero-sum passes ask for the input's tangent"),
        };
        let mut theta_d = vec![0.0; f.g.numel()];
        f.g.backward_tangent(
            th,
            g_pass,
            &g_hd,
            &self.adjoints[0],
            into_fake_d,
            n,
            Some(&mut theta_d),
            false,
        );
        phi_d.iter_mut().for_each(|x| *x = -*x);
        Players::new(theta_d, phi_d)
    }

    /// J(ω)ᵀ·v (flat per player), for every loss. With F = (∇_θ L_G, ∇_φ L_D), each row block
    /// of J is a row block of a symmetric Hessian, H_G = ∇²L_G or H_D = ∇²L_D over all of ω, so
    ///
    /// ```text
    /// Jᵀ·v = H_G·(v_θ, 0) + H_D·(0, v_φ)
    /// ```
    ///
    /// two Hessian-vector products, each the tangent of a full gradient (both players' parts)
    /// of one loss. For zero-sum losses this equals D·J·D·v, which costs one J·v; the general
    /// form is what the non-saturating loss needs (about the cost of two).
    pub fn vjp(&self, v: &Players<&[f64]>) -> Players<Vec<f64>> {
        let f = &self.field;
        let n = f.n();
        let [g_pass, _, f_pass] = &self.passes;
        let [g_adj, _, f_adj] = &self.adjoints;
        let (theta, phi) = (self.w.theta.as_slice(), self.w.phi.as_slice());
        let still_phi = vec![0.0; phi.len()];
        let mut out = Players::new(vec![0.0; f.g.numel()], vec![0.0; f.d.numel()]);
        // H_G·(v_θ, 0): the generator moves, D's parameters do not; its inputs (the fakes) do.
        let th = (theta, v.theta);
        let ph_still = (phi, still_phi.as_slice());
        let (fake_d, g_hd) = f.g.forward_tangent(th, g_pass, vec![0.0; f.z.len()], n);
        let (p_fake_d, f_hd) = f.d.forward_tangent(ph_still, f_pass, fake_d, n);
        // L_G's head and D's adjoints under it: V's own for zero-sum losses (L_G = V there).
        let (lg_tangent, lg_adj) = match &self.generator {
            Some((lg, adj)) => (lg.tangent(&p_fake_d), adj),
            None => (self.heads[1].tangent(&p_fake_d), f_adj),
        };
        let into_fake_d =
            f.d.backward_tangent(
                ph_still,
                f_pass,
                &f_hd,
                lg_adj,
                lg_tangent,
                n,
                Some(&mut out.phi),
                true,
            )
            .expect("the input's tangent was asked for");
        f.g.backward_tangent(
            th,
            g_pass,
            &g_hd,
            g_adj,
            into_fake_d,
            n,
            Some(&mut out.theta),
            false,
        );
        // H_D·(0, v_φ) = −(∇²V)·(0, v_φ): D moves, the generator and so the fakes do not.
        let mut hv = Players::new(vec![0.0; f.g.numel()], vec![0.0; f.d.numel()]);
        let still_fakes = vec![0.0; f.real.len()];
        let (_, _, into_fake_d) =
            self.value_through_d((phi, v.phi), still_fakes, &mut hv.phi, true);
        // G's parameters and inputs stand still, so the tangent of its backward pass is the
        // backward pass of the tangent: plain backpropagation at ω.
        let into_fake_d = into_fake_d.expect("the input's tangent was asked for");
        f.g.backward(theta, g_pass, into_fake_d, n, Some(&mut hv.theta), false);
        for (o, h) in out.theta.iter_mut().zip(&hv.theta) {
            *o -= h;
        }
        for (o, h) in out.phi.iter_mut().zip(&hv.phi) {
            *o -= h;
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rng::Rng;

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
        let ls = crate::special::log_sigmoid;
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

    pub(crate) fn flat(w: &Players<Vec<f64>>) -> Vec<f64> {
        [w.theta.as_slice(), &w.phi].concat()
    }

    pub(crate) fn norm(x: &[f64]) -> f64 {
        x.iter().map(|a| a * a).sum::<f64>().sqrt()
    }

    pub(crate) fn distance(x: &[f64], y: &[f64]) -> f64 {
        x.iter()
            .zip(y)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    pub(crate) fn views(w: &Players<Vec<f64>>) -> Players<&[f64]> {
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

    /// Jᵀ·v against the transpose of the dense J built column by column from J·v, for every
    /// loss (the non-saturating one is general-sum: D·J·D would be wrong there).
    #[test]
    fn transposed_products_are_the_dense_transpose_for_every_loss() {
        for loss in [GanLoss::Saturating, GanLoss::NonSaturating, GanLoss::Wgan] {
            let (f, w) = small(loss);
            let at = f.linearize(&views(&w));
            let (dt, dp) = (w.theta.len(), w.phi.len());
            let columns: Vec<Vec<f64>> = (0..dt + dp)
                .map(|c| {
                    let mut e = vec![0.0; dt + dp];
                    e[c] = 1.0;
                    flat(&at.jvp(&Players::new(&e[..dt], &e[dt..])))
                })
                .collect();
            let mut rng = Rng::new(11);
            let v: Vec<f64> = (0..dt + dp).map(|_| rng.normal()).collect();
            // (Jᵀv)_c = Σ_r J[r][c]·v_r = ⟨column c, v⟩.
            let want: Vec<f64> = columns
                .iter()
                .map(|col| col.iter().zip(&v).map(|(a, b)| a * b).sum())
                .collect();
            let got = flat(&at.vjp(&Players::new(&v[..dt], &v[dt..])));
            let err = distance(&got, &want);
            assert!(norm(&want) > 1e-3, "{loss:?}: Jᵀ·v = 0?");
            assert!(
                err <= 1e-12 * norm(&want),
                "{loss:?}: ‖Jᵀ·v − dense‖ = {err}, ‖Jᵀ·v‖ = {}",
                norm(&want)
            );
            let mut asym = 0.0;
            for (r, col) in columns.iter().enumerate() {
                for (c, x) in col.iter().enumerate() {
                    asym += (x - columns[c][r]).powi(2);
                }
            }
            assert!(
                asym.sqrt() > 1e-3,
                "{loss:?}: J is symmetric, the test is void"
            );
        }
    }

    #[test]
    fn jacobian_vector_products_are_exact_derivatives_of_the_field() {
        for loss in [GanLoss::Saturating, GanLoss::NonSaturating, GanLoss::Wgan] {
            let (f, w) = small(loss);
            let mut rng = Rng::new(3);
            let v = w.map(|x| (0..x.len()).map(|_| rng.normal()).collect::<Vec<_>>());
            let jv = f.linearize(&views(&w)).jvp(&views(&v));
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
}
