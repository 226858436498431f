//! The gradient of WGAN-GP's penalty without second-order autodiff (dfdx has none).
//!
//! P(φ) = mean_i (‖g_i‖ − 1)², g_i = ∇ₓD_φ(x̂_i), x̂_i = α_i x_real,i + (1 − α_i) x_fake,i with
//! α_i ~ U[0, 1] (both points detached). Since ∇_φ‖g_i‖ = ∇_φ⟨g_i(φ), u_i⟩ with u_i = g_i/‖g_i‖
//! held fixed, and ⟨∇ₓD(x̂), u⟩ is the directional derivative of D along u,
//!
//! ```text
//! ∇_φ P ≈ (1/n) Σ_i 2(‖g_i‖ − 1) · ∇_φ [D_φ(x̂_i + εu_i) − D_φ(x̂_i − εu_i)] / (2ε)
//! ```
//!
//! (central differences in x, exact first-order gradients in φ). The discriminator must treat
//! samples independently (no BatchNorm), as in the reference's GP configurations.
//!
//! ε = [`PENALTY_EPS`] = 1e-2 along a unit vector u of the whole input: the error of the
//! central difference is O(ε²·|D‴|) for smooth D and zero for piecewise-linear D unless x̂ ± εu
//! crosses a kink; the f32 rounding error is O(10⁻⁷·|D|/ε) ≈ 10⁻⁵ relative. Per-pixel
//! perturbations are ε/√(dim x), far below the pixel scale [−1, 1].

use super::bind::Bound;
use super::device::NeuralDevice;
use super::gan_model::GanModel;
use super::params::Params;
use crate::rng::Rng;
use dfdx::prelude::*;

/// ε of the central difference in x (see the module docs).
pub const PENALTY_EPS: f64 = 1e-2;

/// The interpolates x̂ of `real` and `fake` (n points each), α_i ~ U[0, 1] from `rng`.
pub fn interpolates(real: &[f32], fake: &[f32], n: usize, rng: &mut Rng) -> Vec<f32> {
    let per = real.len() / n.max(1);
    let mut out = Vec::with_capacity(real.len());
    for i in 0..n {
        let a = rng.uniform() as f32;
        for j in i * per..(i + 1) * per {
            out.push(a * real[j] + (1.0 - a) * fake[j]);
        }
    }
    out
}

/// The input gradients g_i = ∇ₓD_φ(x_i) of every point of `x` (n points of `shape`).
pub fn input_gradients<D: NeuralDevice, M: GanModel<D> + ?Sized>(
    model: &M,
    dev: &D,
    phi: &Params<D>,
    x: Vec<f32>,
    shape: M::S,
) -> Vec<f32> {
    let xt: Tensor<M::S, f32, D> = dev.tensor_from_vec(x, shape);
    let ph = Bound::new(phi);
    let out = model.discriminate(&ph, xt.clone().leaky_traced());
    let mut grads = out.sum::<(), _>().backward();
    grads.try_alloc_for(&xt).expect("gradient allocation");
    grads.get(&xt).as_vec()
}

/// P(φ) = mean (‖∇ₓD(x̂_i)‖ − 1)² at the interpolates `xhat` (n points).
pub fn penalty<D: NeuralDevice, M: GanModel<D> + ?Sized>(
    model: &M,
    dev: &D,
    phi: &Params<D>,
    xhat: &[f32],
    shape: M::S,
    n: usize,
) -> f64 {
    let g = input_gradients(model, dev, phi, xhat.to_vec(), shape);
    norms(&g, n).iter().map(|r| (r - 1.0).powi(2)).sum::<f64>() / n as f64
}

/// ‖g_i‖ of each of the `n` per-sample blocks of `g`.
fn norms(g: &[f32], n: usize) -> Vec<f64> {
    g.chunks(g.len() / n)
        .map(|gi| gi.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt())
        .collect()
}

/// ∇_φ P at the interpolates `xhat` by the directional-derivative identity, and P itself.
pub fn gradient_at<D: NeuralDevice, M: GanModel<D> + ?Sized>(
    model: &M,
    dev: &D,
    phi: &Params<D>,
    xhat: &[f32],
    shape: M::S,
    n: usize,
    eps: f64,
) -> (Params<D>, f64) {
    let g = input_gradients(model, dev, phi, xhat.to_vec(), shape);
    let per = g.len() / n;
    let (mut plus, mut minus) = (xhat.to_vec(), xhat.to_vec());
    let mut weights = Vec::with_capacity(n);
    let mut value = 0.0;
    for (i, norm) in norms(&g, n).into_iter().enumerate() {
        let gi = &g[i * per..(i + 1) * per];
        value += (norm - 1.0).powi(2) / n as f64;
        // c_i = 2(‖g_i‖ − 1)/n, divided by 2ε for the central difference.
        weights.push((2.0 * (norm - 1.0) / n as f64 / (2.0 * eps)) as f32);
        if norm > 0.0 {
            for j in 0..per {
                let step = (eps * gi[j] as f64 / norm) as f32;
                plus[i * per + j] += step;
                minus[i * per + j] -= step;
            }
        }
    }
    let ph = Bound::new(phi);
    let w: Tensor<(usize, usize), f32, D> = dev.tensor_from_vec(weights, (n, 1));
    let dp = model.discriminate(&ph, dev.tensor_from_vec(plus, shape).leaky_traced());
    let dm = model.discriminate(&ph, dev.tensor_from_vec(minus, shape).leaky_traced());
    let s = ((dp - dm) * w).sum::<(), _>();
    let mut grads = s.backward();
    let mut out = phi.clone();
    ph.gradients_into(&mut grads, &mut out, 1.0);
    (out, value)
}

/// ∇_φ P for one minibatch: interpolates drawn from `rng`, then [`gradient_at`].
#[allow(clippy::too_many_arguments)]
pub fn gradient<D: NeuralDevice, M: GanModel<D> + ?Sized>(
    model: &M,
    dev: &D,
    phi: &Params<D>,
    real: &[f32],
    fake: &[f32],
    shape: M::S,
    n: usize,
    rng: &mut Rng,
    eps: f64,
) -> Params<D> {
    assert_eq!(
        real.len(),
        fake.len(),
        "real and fake batches differ in size"
    );
    let xhat = interpolates(real, fake, n, rng);
    gradient_at(model, dev, phi, &xhat, shape, n, eps).0
}
