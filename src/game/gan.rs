//! A GAN as a [`Game`]: the generator θ and the discriminator φ are networks whose parameters
//! live in [`Params`] stores, and one oracle call F(ω, ξ) is one minibatch of real data and
//! latent noise drawn from the seed ξ, with one forward and one backward pass.
//!
//! For zero-sum losses (saturating, WGAN) one backward pass of V gives ∇_θ L_G = ∇_θ V and
//! ∇_φ L_D = −∇_φ V (+ the gradient penalty). The non-saturating loss needs the discriminator's
//! backward twice (once for L_D on the detached fakes, once for L_G), as in any framework.

use super::linearization::{zero_sum_transpose, Linearization};
use super::{DataOrder, Game, Sample};
use crate::constraint::Constraint;
use crate::neural::bind::Bound;
use crate::neural::device::NeuralDevice;
use crate::neural::gan_model::GanModel;
use crate::neural::gradient_penalty::{self, PENALTY_EPS};
use crate::neural::layers::linear::Features;
use crate::neural::layout::Layout;
use crate::neural::loss::{game_value, non_saturating_generator, GanLoss};
use crate::neural::mixture::{DataPlane, PLANE_SIDE};
use crate::neural::mog_field::{Linearized, MlpGanField, MlpShape};
use crate::neural::ops::Traced;
use crate::neural::params::Params;
use crate::neural::sampler::ImageSampler;
use crate::players::{Player, Players};
use crate::rng::Rng;
use crate::vector::{Moves, ParamVec};
use dfdx::prelude::*;
use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;

/// Fixed settings of a GAN game.
#[derive(Clone, Debug)]
pub struct GanSettings {
    /// The loss.
    pub loss: GanLoss,
    /// Minibatch size.
    pub batch: usize,
    /// WGAN weight clipping: φ ∈ [−c, c] (the projection of the optimizer core).
    pub clip: Option<f64>,
    /// Weight λ of the gradient penalty λ·mean(‖∇ₓD(x̂)‖ − 1)² added to L_D (WGAN-GP).
    pub gp_weight: Option<f64>,
    /// Seed of the initial weights and of the epoch data order.
    pub seed: u64,
    /// How minibatches take the training set's points (models with a finite one).
    pub order: DataOrder,
}

/// A GAN game on device `D`.
pub struct Gan<D: NeuralDevice, M: GanModel<D>> {
    model: M,
    dev: D,
    settings: GanSettings,
    start: Players<Params<D>>,
    /// The last exact linearization and the seed of its minibatch: a step that asks for J·v
    /// and Jᵀ·v at the same point on the same sample (SGA) builds it once.
    exact: Option<(u64, Linearized)>,
    /// The permutation of the epoch last drawn from, in epoch data order.
    epoch: RefCell<Option<(u64, Vec<u32>)>>,
}

// SAFETY: as for `Params` — a game lives on its run's one thread; only the CUDA handle is not
// `Send` by itself.
unsafe impl<D: NeuralDevice, M: GanModel<D>> Send for Gan<D, M> {}

/// The seed of the fixed minibatch `Sample::Exact` stands for (losses and ‖F‖ in the metrics).
pub(crate) const EVAL_SEED: u64 = 0x5add1e;

/// Relative size of the central-difference step of the networks' J·v: ‖hv‖ = FD_STEP·‖ω‖
/// (zoo-notes: about 1e-5 relative error at 5e-3 of the parameter scale in f32 with the
/// minibatch frozen).
pub const FD_STEP: f64 = 5e-3;

/// f32 values as f64.
pub fn wide(v: Vec<f32>) -> Vec<f64> {
    v.into_iter().map(f64::from).collect()
}

/// Cuts `t` from the tape it came with: gradients stop there.
pub fn detach<S: Shape, D: NeuralDevice>(t: Traced<S, D>) -> Traced<S, D> {
    t.split_tape().0.leaky_traced()
}

impl<D: NeuralDevice, M: GanModel<D>> Gan<D, M> {
    /// The game with weights initialized from `settings.seed`.
    pub fn new(model: M, dev: D, settings: GanSettings) -> Self {
        let layouts = model.layouts();
        let init = |p: Player, l: &Arc<Layout>| {
            let mut rng = Rng::derive(settings.seed, &format!("init-{p}"));
            Params::from_host(&dev, l.clone(), l.initial_values(&mut rng))
        };
        let start = Players::new(
            init(Player::Theta, &layouts.theta),
            init(Player::Phi, &layouts.phi),
        );
        Gan {
            model,
            dev,
            settings,
            start,
            exact: None,
            epoch: RefCell::new(None),
        }
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    fn seed_of(sample: Sample) -> u64 {
        match sample {
            Sample::Exact => EVAL_SEED,
            Sample::Component(i) => i as u64,
            Sample::Seed(s) | Sample::Ordered { seed: s, .. } => s,
        }
    }

    /// The epoch order's `drop_last` and training-set size, when minibatches follow it.
    fn epochs(&self) -> Option<(bool, usize)> {
        match (self.settings.order, self.model.training_set_len()) {
            (DataOrder::Epochs { drop_last }, Some(len)) => Some((drop_last, len)),
            _ => None,
        }
    }

    fn latent(&self, rng: &mut Rng, n: usize) -> Features<D> {
        let k = self.model.latent_dim();
        let z = self.latent_host(rng, n);
        self.dev.tensor_from_vec(z, (n, k)).leaky_traced()
    }

    fn latent_host(&self, rng: &mut Rng, n: usize) -> Vec<f32> {
        let k = self.model.latent_dim();
        (0..n * k).map(|_| rng.normal() as f32).collect()
    }

    /// The minibatch of an oracle call: real points, then latent codes, both from `rng`.
    fn draw_batch(&self, rng: &mut Rng) -> (Vec<f32>, Vec<f32>) {
        let n = self.settings.batch;
        let real = self.model.real_batch(rng, n);
        (real, self.latent_host(rng, n))
    }

    /// The minibatch of `sample`: real points, latent codes, their count n, and the rng of
    /// the sample's seed after them (what the gradient penalty draws from). In epoch order the
    /// real points are the sample's slice of its epoch's permutation (n is short at an
    /// epoch's end); otherwise n = batch points drawn from the seed.
    pub(crate) fn minibatch(&self, sample: Sample) -> (Vec<f32>, Vec<f32>, usize, Rng) {
        let mut rng = Rng::new(Self::seed_of(sample));
        if let (Sample::Ordered { draw, .. }, Some((drop_last, len))) = (sample, self.epochs()) {
            let at = DataOrder::indices(
                drop_last,
                self.settings.seed,
                len,
                self.settings.batch,
                draw,
                &mut self.epoch.borrow_mut(),
            );
            let z = self.latent_host(&mut rng, at.len());
            return (self.model.real_points(&at), z, at.len(), rng);
        }
        let (real, z) = self.draw_batch(&mut rng);
        (real, z, self.settings.batch, rng)
    }

    /// The field of the MLP models in f64 with exact JVPs ([`MlpGanField`]), on the minibatch
    /// `Sample::Exact` stands for (the one the metrics use); why not for other models.
    pub fn mlp_field(&self) -> Result<MlpGanField, String> {
        self.mlp_field_on(EVAL_SEED)
    }

    /// The f64 field of the MLP models on the minibatch and latents of `seed` (what
    /// [`Gan::pass`] draws for that seed).
    pub fn mlp_field_on(&self, seed: u64) -> Result<MlpGanField, String> {
        let widths = self.model.mlp_widths().ok_or(
            "no eigenvalues for these networks: exact JVPs exist for plain ReLU MLP players only (the mixture-of-Gaussians games), not for convolutional ones",
        )?;
        if self.settings.gp_weight.is_some() {
            return Err("no eigenvalues with a gradient penalty: its field needs ∂²D/∂x² terms the exact JVPs do not carry".into());
        }
        let (real, z) = self.draw_batch(&mut Rng::new(seed));
        Ok(MlpGanField {
            g: MlpShape(widths.theta),
            d: MlpShape(widths.phi),
            loss: self.settings.loss,
            real: wide(real),
            z: wide(z),
        })
    }

    /// True when [`Gan::mlp_field_on`] exists (plain ReLU MLP players, no gradient penalty):
    /// asked on every Jacobian product, so without drawing a minibatch as building it would.
    fn has_exact_products(&self) -> bool {
        self.model.mlp_widths().is_some() && self.settings.gp_weight.is_none()
    }

    /// The field of the MLP models linearized at `w` with exact f64 J·v and Jᵀ·v
    /// ([`MlpGanField`]). Why not for other models.
    pub fn exact_linearization(&mut self, w: &Players<Params<D>>) -> Result<ExactMlp<'_>, String> {
        self.exact_linearization_on(w, EVAL_SEED)
    }

    /// [`Gan::exact_linearization`] on the minibatch of `seed`.
    pub fn exact_linearization_on(
        &mut self,
        w: &Players<Params<D>>,
        seed: u64,
    ) -> Result<ExactMlp<'_>, String> {
        let host = w.map(|p| wide(p.to_host().concat()));
        let cached = matches!(&self.exact, Some((s, at)) if *s == seed && at.is_at(&host));
        if !cached {
            let field = self.mlp_field_on(seed)?;
            let at = field.linearize(&Players::new(&host.theta, &host.phi));
            self.exact = Some((seed, at));
        }
        let (_, at) = self.exact.as_ref().expect("set above");
        Ok(ExactMlp {
            at,
            zero_sum: self.settings.loss.zero_sum(),
        })
    }

    /// Drops the cached linearization (the f64 value passes and adjoints of one minibatch).
    /// Called by every gradient evaluation: methods ask for Jacobian products after the field
    /// at a point, so a new gradient means a new point, and the cache lives no longer than one
    /// step's products, as the linearization did before there was a cache.
    fn forget_linearization(&mut self) {
        self.exact = None;
    }

    /// The cached linearization and the seed of its minibatch (for the cache's tests).
    #[cfg(test)]
    pub(crate) fn cached_linearization(&self) -> Option<(u64, &Linearized)> {
        self.exact.as_ref().map(|(s, at)| (*s, at))
    }

    /// One oracle call at `w` on the minibatch of `sample`: the gradients of the players in
    /// `want` go to `out`; returns (L_G, L_D) on that minibatch (L_D without the penalty).
    pub fn pass(
        &self,
        w: &Players<Params<D>>,
        sample: Sample,
        want: Players<bool>,
        out: &mut Players<Params<D>>,
    ) -> Players<f64> {
        if D::HOST {
            crate::neural::ops::on_pool(|| self.pass_here(w, sample, want, out))
        } else {
            self.pass_here(w, sample, want, out)
        }
    }

    /// [`Gan::pass`] on the calling thread.
    fn pass_here(
        &self,
        w: &Players<Params<D>>,
        sample: Sample,
        want: Players<bool>,
        out: &mut Players<Params<D>>,
    ) -> Players<f64> {
        let (real_host, z_host, n, mut rng) = self.minibatch(sample);
        let shape = self.model.batch_shape(n);
        let real = self
            .dev
            .tensor_from_vec(real_host.clone(), shape)
            .leaky_traced();
        let z = self
            .dev
            .tensor_from_vec(z_host, (n, self.model.latent_dim()))
            .leaky_traced();
        let (th, ph) = (Bound::new(&w.theta), Bound::new(&w.phi));
        let fake = self.model.generate(&th, z);
        let fake_host = fake.as_vec();
        let losses = if self.settings.loss.zero_sum() {
            let fake = if want.theta { fake } else { detach(fake) };
            let pr = self.model.discriminate(&ph, real);
            let pf = self.model.discriminate(&ph, fake);
            let v = game_value(self.settings.loss, pr, pf);
            let value = v.as_vec()[0] as f64;
            if want.theta || want.phi {
                let mut grads = v.backward();
                if want.theta {
                    th.gradients_into(&mut grads, &mut out.theta, 1.0);
                }
                if want.phi {
                    ph.gradients_into(&mut grads, &mut out.phi, -1.0);
                }
            }
            Players::new(value, -value)
        } else {
            let fake_d = fake.retaped::<OwnedTape<f32, D>>();
            let pr = self.model.discriminate(&ph, real);
            let pf = self.model.discriminate(&ph, fake_d);
            let l_d = game_value(GanLoss::Saturating, pr, pf).negate();
            let ld_value = l_d.as_vec()[0] as f64;
            if want.phi {
                ph.gradients_into(&mut l_d.backward(), &mut out.phi, 1.0);
            }
            let l_g = non_saturating_generator(self.model.discriminate(&ph, fake));
            let lg_value = l_g.as_vec()[0] as f64;
            if want.theta {
                th.gradients_into(&mut l_g.backward(), &mut out.theta, 1.0);
            }
            Players::new(lg_value, ld_value)
        };
        if let (Some(lambda), true) = (self.settings.gp_weight, want.phi) {
            let g = gradient_penalty::gradient(
                &self.model,
                &self.dev,
                &w.phi,
                &real_host,
                &fake_host,
                shape,
                n,
                &mut rng,
                PENALTY_EPS,
            );
            out.phi
                .tensors
                .iter_mut()
                .zip(g.tensors)
                .for_each(|(o, g)| *o = o.clone() + g * lambda as f32);
        }
        losses
    }

    /// `count` generated points from a fixed latent seed (batches of the training size, since
    /// BatchNorm uses batch statistics).
    pub fn generated(&self, theta: &Params<D>, count: usize) -> Vec<f32> {
        let mut rng = Rng::derive(EVAL_SEED, "eval-latent");
        let th = Bound::new(theta);
        let mut out = Vec::new();
        let mut left = count;
        while left > 0 {
            let n = self.settings.batch.min(left).max(2.min(left));
            out.extend(self.model.generate(&th, self.latent(&mut rng, n)).as_vec());
            left -= n;
        }
        out
    }
}

impl<D: NeuralDevice, M: GanModel<D>> Game for Gan<D, M> {
    type V = Params<D>;

    fn describe(&self) -> String {
        format!(
            "{}, {:?} loss, batch {}",
            self.model.describe(),
            self.settings.loss,
            self.settings.batch
        )
    }

    fn initial_point(&self) -> Players<Params<D>> {
        self.start.clone()
    }

    fn draw_sample(&self, rng: &mut Rng, drawn: u64) -> Sample {
        let seed = rng.next_u64();
        match self.epochs() {
            Some(_) => Sample::Ordered { seed, draw: drawn },
            None => Sample::Seed(seed),
        }
    }

    fn gradient(&mut self, p: Player, w: &Players<Params<D>>, sample: Sample, out: &mut Params<D>) {
        self.forget_linearization();
        let mut both = w.clone();
        let want = Players::new(p == Player::Theta, p == Player::Phi);
        self.pass(w, sample, want, &mut both);
        *out = match p {
            Player::Theta => both.theta,
            Player::Phi => both.phi,
        };
    }

    fn field(&mut self, w: &Players<Params<D>>, sample: Sample, out: &mut Players<Params<D>>) {
        self.forget_linearization();
        self.pass(w, sample, Players::both(true), out);
    }

    fn losses(&mut self, w: &Players<Params<D>>) -> Players<f64> {
        let mut none = w.clone();
        self.pass(w, Sample::Exact, Players::both(false), &mut none)
    }

    fn equilibrium(&self) -> Option<&Players<Params<D>>> {
        None
    }

    fn constraints(&self) -> Players<Constraint> {
        Players::new(
            Constraint::Free,
            self.settings
                .clip
                .map_or(Constraint::Free, |c| Constraint::Box { lo: -c, hi: c }),
        )
    }

    /// L_D = −L_G: the loss is zero-sum and no gradient penalty is added to L_D.
    fn zero_sum(&self) -> bool {
        self.settings.loss.zero_sum() && self.settings.gp_weight.is_none()
    }

    /// J·v on `sample`'s minibatch and latents. MLP games: exact, by the f64 forward mode of
    /// [`Gan::exact_linearization_on`] on that minibatch. Convolutional nets: central
    /// differences of the f32 field with the sample's minibatch, latents and BatchNorm mode
    /// held fixed (all drawn from the sample's seed), [F(ω + hv) − F(ω − hv)]/2h with
    /// ‖hv‖ = [`FD_STEP`]·‖ω‖. Measured on the MoG MLP, where the exact product exists
    /// (`network_products_on_a_steps_minibatch` in the GAN tests): that difference is off by
    /// O(1) relative — the ReLU field jumps where an activation flips, so its differences
    /// are not J·v — so products on convolutional nets are rough estimates.
    fn jvp(
        &mut self,
        w: &Players<Params<D>>,
        sample: Sample,
        v: &Players<Params<D>>,
        out: &mut Players<Params<D>>,
    ) -> Result<(), String> {
        if self.has_exact_products() {
            let lin = self.exact_linearization_on(w, Self::seed_of(sample))?;
            let r = lin.jvp(&super::flat(v));
            super::write_flat(&r, out);
            return Ok(());
        }
        let nv = (v.theta.norm_sq() + v.phi.norm_sq()).sqrt();
        let nw = (w.theta.norm_sq() + w.phi.norm_sq()).sqrt();
        if nv == 0.0 {
            out.theta = v.theta.zeros_like();
            out.phi = v.phi.zeros_like();
            return Ok(());
        }
        let h = FD_STEP * nw.max(1e-3) / nv;
        let (mut plus, mut minus) = (w.clone(), w.clone());
        for p in Player::BOTH {
            plus.get_mut(p).axpy(h, v.get(p));
            minus.get_mut(p).axpy(-h, v.get(p));
        }
        let mut f_minus = w.clone();
        self.field(&plus, sample, out);
        self.field(&minus, sample, &mut f_minus);
        for p in Player::BOTH {
            out.get_mut(p).scale_add(0.5 / h, -0.5 / h, f_minus.get(p));
        }
        Ok(())
    }

    /// Jᵀ·v on `sample`'s minibatch and latents. MLP games: exact for every loss
    /// ([`ExactMlp`]). Convolutional nets: D·J·D·v for zero-sum losses (one J·v by central
    /// differences); the general-sum ones (non-saturating, gradient penalty) say why not.
    fn vjp(
        &mut self,
        w: &Players<Params<D>>,
        sample: Sample,
        v: &Players<Params<D>>,
        out: &mut Players<Params<D>>,
    ) -> Result<(), String> {
        if self.has_exact_products() {
            let lin = self.exact_linearization_on(w, Self::seed_of(sample))?;
            let r = lin.vjp(&super::flat(v))?;
            super::write_flat(&r, out);
            return Ok(());
        }
        if !self.zero_sum() {
            return Err(format!(
                "Jᵀ·v of the {:?} loss{} is not available for these networks (central differences give it for zero-sum losses only, via Jᵀ = D·J·D)",
                self.settings.loss,
                if self.settings.gp_weight.is_some() {
                    " with a gradient penalty"
                } else {
                    ""
                }
            ));
        }
        let mut dv = v.clone();
        dv.phi.scale_add(-1.0, 0.0, &v.phi);
        self.jvp(w, sample, &dv, out)?;
        let jd = out.phi.clone();
        out.phi.scale_add(0.0, -1.0, &jd);
        Ok(())
    }

    fn linearize(
        &mut self,
        w: &Players<Params<D>>,
    ) -> Option<Result<Box<dyn Linearization + '_>, String>> {
        Some(
            self.exact_linearization(w)
                .map(|l| Box::new(l) as Box<dyn Linearization>),
        )
    }

    fn extra_metric_names(&self) -> Vec<String> {
        self.model.metric_names()
    }

    fn extra_metrics(&mut self, w: &Players<Params<D>>) -> Vec<Option<f64>> {
        if self.model.metric_names().is_empty() {
            return vec![];
        }
        let fake = self.generated(&w.theta, self.model.eval_count());
        self.model.metrics(&fake)
    }

    fn image_sampler(&self) -> Option<Box<dyn ImageSampler>> {
        self.model.image_sampler()
    }

    fn host_theta(&self, theta: &Params<D>) -> Option<Vec<Vec<f32>>> {
        Some(theta.to_host())
    }

    fn export_weights(
        &self,
        w: &Players<Params<D>>,
        averages: &[(String, Players<Params<D>>)],
        path: &Path,
    ) -> Result<(), String> {
        crate::neural::export::write_safetensors(path, w, averages)
    }

    fn write_samples(
        &mut self,
        w: &Players<Params<D>>,
        dir: &Path,
        step: u64,
    ) -> Result<(), String> {
        let fake = self.generated(&w.theta, self.model.eval_count());
        self.model.write_samples(&fake, dir, step)
    }

    fn data_plane(
        &mut self,
        w: &Players<Params<D>>,
        step: u64,
    ) -> Option<Result<DataPlane, String>> {
        let mixture = self.model.mixture()?;
        let (window, side) = (mixture.window(), PLANE_SIDE);
        let (modes, std) = (mixture.centers.clone(), mixture.std);
        let grid = DataPlane::grid_points(window.x, window.y, side);
        let n = side * side;
        let x = self
            .dev
            .tensor_from_vec(grid, self.model.batch_shape(n))
            .leaky_traced();
        let logits = self.model.discriminate(&Bound::new(&w.phi), x).as_vec();
        let generated = self.generated(&w.theta, self.model.eval_count());
        let plane = DataPlane {
            step,
            x: window.x,
            y: window.y,
            side,
            logits,
            generated,
            modes,
            std,
        };
        Some(plane.check().map(|_| plane))
    }
}

/// The MLP GANs' field linearized at ω in f64 ([`Linearized`]): J·v exact by forward-mode
/// differentiation of the backpropagation; Jᵀ·v exact too, as D·J·D·v for zero-sum losses
/// and as two Hessian-vector products for the others.
pub struct ExactMlp<'a> {
    at: &'a Linearized,
    zero_sum: bool,
}

impl ExactMlp<'_> {
    /// F(ω) in f64.
    pub fn value(&self) -> &Players<Vec<f64>> {
        &self.at.value
    }
}

impl Linearization for ExactMlp<'_> {
    fn dims(&self) -> Players<usize> {
        self.at.value.map(|p| p.len())
    }

    fn jvp(&self, v: &[f64]) -> Vec<f64> {
        let (vt, vp) = v.split_at(self.at.value.theta.len());
        let jv = self.at.jvp(&Players::new(vt, vp));
        [jv.theta, jv.phi].concat()
    }

    /// D·J·D·v for zero-sum losses (one J·v); the two Hessian-vector products of
    /// [`Linearized::vjp`] otherwise.
    fn vjp(&self, v: &[f64]) -> Result<Vec<f64>, String> {
        let dt = self.at.value.theta.len();
        if self.zero_sum {
            return Ok(zero_sum_transpose(|x| self.jvp(x), dt, v));
        }
        let (vt, vp) = v.split_at(dt);
        let r = self.at.vjp(&Players::new(vt, vp));
        Ok([r.theta, r.phi].concat())
    }
}
