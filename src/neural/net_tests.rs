//! Whole networks against PyTorch (DCGAN-32 forward and backward at fixed weights) and the
//! gradient penalty's gradient against finite differences.

use super::bind::Bound;
use super::device::NeuralDevice;
use super::fixture::{rel_err, Fixture};
use super::gan::GanModel;
use super::gradient_penalty::{gradient_at, interpolates, penalty, PENALTY_EPS};
use super::layers::linear::linear;
use super::layers::linear::Features;
use super::layout::{Init, Layout};
use super::loss::{game_value, GanLoss};
use super::nets::dcgan::{DcganDiscriminator, DcganGenerator, DcganShape};
use super::ops::Image;
use super::params::Params;
use crate::players::Players;
use crate::rng::Rng;
use crate::vector::ParamVec;
use dfdx::prelude::*;
use std::sync::Arc;

fn params_from(f: &Fixture, prefix: &str, layout: &Arc<Layout>) -> Params<Cpu> {
    let values = layout
        .specs
        .iter()
        .map(|s| {
            let t = f.get(&format!("{prefix}{}", s.name));
            assert_eq!(t.shape, s.shape, "{prefix}{}: shape", s.name);
            f.f32(&format!("{prefix}{}", s.name))
        })
        .collect();
    Params::from_host(&Cpu::shared(0), layout.clone(), values)
}

/// The whole DCGAN-32 WGAN value and both players' gradients at fixed weights, against
/// PyTorch in f64. Whole-network results carry f32 rounding through ~10 layers and BatchNorm,
/// so the bound is 1e-4 (single ops are held to 1e-5 in `op_tests`).
#[test]
fn dcgan32_forward_and_backward_match_pytorch() {
    let f = Fixture::load("dcgan32_wgan");
    let (nf, latent, n) = (f.usize("nf"), f.usize("latent"), f.usize("n"));
    let shape = DcganShape {
        channels: 3,
        start: 4,
        ups: 3,
        nf,
        latent,
    };
    let (mut lg, mut ld) = (Layout::default(), Layout::default());
    let g = DcganGenerator::new(&mut lg, shape);
    let d = DcganDiscriminator::new(&mut ld, shape, true);
    let (lg, ld) = (Arc::new(lg), Arc::new(ld));
    let theta = params_from(&f, "theta.", &lg);
    let phi = params_from(&f, "phi.", &ld);
    let dev = Cpu::shared(0);
    let (th, ph) = (Bound::new(&theta), Bound::new(&phi));
    let z: Features<Cpu> = dev.tensor_from_vec(f.f32("z"), (n, latent)).leaky_traced();
    let real: Image<Cpu> = dev
        .tensor_from_vec(f.f32("real"), (n, 3, 32, 32))
        .leaky_traced();
    let fake = g.forward(&th, z);
    let e = rel_err(&fake.as_vec(), &f.get("fake").data);
    eprintln!("dcgan32: G(z) rel. error {e:.2e}");
    assert!(e < 1e-4, "G(z) rel. error {e:e}");
    let v = game_value(GanLoss::Wgan, d.forward(&ph, real), d.forward(&ph, fake));
    let e = rel_err(&v.as_vec(), &f.get("value").data);
    eprintln!("dcgan32: V rel. error {e:.2e}");
    assert!(e < 1e-4, "V rel. error {e:e}");
    let mut grads = v.backward();
    let (mut gt, mut gp) = (theta.clone(), phi.clone());
    th.gradients_into(&mut grads, &mut gt, 1.0);
    ph.gradients_into(&mut grads, &mut gp, 1.0);
    // Each tensor's error relative to its own largest entry, except that tensors whose true
    // gradient vanishes (the bias before a BatchNorm: BN removes any constant shift) are
    // measured against the player's largest gradient entry.
    let mut worst = 0.0f64;
    for (prefix, layout, got) in [("grad_theta.", &lg, &gt), ("grad_phi.", &ld, &gp)] {
        let player_scale = layout
            .specs
            .iter()
            .flat_map(|s| {
                f.get(&format!("{prefix}{}", s.name))
                    .data
                    .iter()
                    .map(|v| v.abs())
            })
            .fold(0.0f64, f64::max);
        for (s, t) in layout.specs.iter().zip(got.to_host()) {
            let want = &f.get(&format!("{prefix}{}", s.name)).data;
            let own = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let scale = if own < 1e-6 * player_scale {
                player_scale
            } else {
                own
            };
            let e = rel_err(&t, want) * own.max(1e-30) / scale;
            assert!(e < 1e-4, "{prefix}{}: rel. error {e:e}", s.name);
            worst = worst.max(e);
        }
    }
    eprintln!("dcgan32: worst parameter-gradient rel. error {worst:.2e}");
}

/// A small smooth critic for the penalty check: Linear → tanh → Linear → tanh → Linear on 6-D
/// points. (With ReLU the penalty is piecewise smooth in φ, and finite differences in φ that
/// cross a kink measure a jump, not a derivative.)
struct Small {
    layers: Vec<(usize, usize, usize)>,
    layout: Arc<Layout>,
}

impl Small {
    fn new(widths: &[usize], std: f64) -> Self {
        let mut l = Layout::default();
        let layers = widths
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                let a = l.push(format!("{i}.weight"), &[w[1], w[0]], Init::Normal { std });
                let b = l.push(format!("{i}.bias"), &[w[1]], Init::Normal { std: 0.3 });
                (a, b, w[1])
            })
            .collect();
        Small {
            layers,
            layout: Arc::new(l),
        }
    }
}

impl GanModel<Cpu> for Small {
    type S = (usize, usize);
    fn describe(&self) -> String {
        "small".into()
    }
    fn layouts(&self) -> Players<Arc<Layout>> {
        Players::both(self.layout.clone())
    }
    fn latent_dim(&self) -> usize {
        6
    }
    fn generate(&self, _: &Bound<Cpu>, z: Features<Cpu>) -> Features<Cpu> {
        z
    }
    fn discriminate(&self, phi: &Bound<Cpu>, mut x: Features<Cpu>) -> Features<Cpu> {
        for (i, &(w, b, out)) in self.layers.iter().enumerate() {
            x = linear(x, phi.get(w), Some(phi.get(b)), out);
            if i + 1 < self.layers.len() {
                x = x.tanh();
            }
        }
        x
    }
    fn batch_shape(&self, n: usize) -> (usize, usize) {
        (n, 6)
    }
    fn real_batch(&self, _: &mut Rng, _: usize) -> Vec<f32> {
        vec![]
    }
    fn eval_count(&self) -> usize {
        0
    }
}

/// ∇_φ P from the directional-derivative identity against central finite differences of P in
/// every parameter: ‖∇P − ∇P_fd‖ / ‖∇P_fd‖ ≤ 1e-3.
#[test]
fn penalty_gradient_matches_finite_differences() {
    let model = Small::new(&[6, 16, 16, 1], 0.5);
    let layout = model.layout.clone();
    let dev = Cpu::shared(0);
    let mut rng = Rng::new(7);
    let phi = Params::from_host(&dev, layout.clone(), layout.initial_values(&mut rng));
    let n = 8;
    let real: Vec<f32> = (0..n * 6).map(|_| rng.normal() as f32).collect();
    let fake: Vec<f32> = (0..n * 6).map(|_| 2.0 * rng.normal() as f32).collect();
    let xhat = interpolates(&real, &fake, n, &mut rng);
    let (grad, p0) = gradient_at(&model, &dev, &phi, &xhat, (n, 6), n, PENALTY_EPS);
    assert!((p0 - penalty(&model, &dev, &phi, &xhat, (n, 6), n)).abs() < 1e-9);
    // h = 5e-3 per coordinate: O(h²) truncation and f32 rounding of P over 2h both stay
    // near 1e-5 per entry.
    let h = 5e-3f32;
    let host = phi.to_host();
    let mut fd = vec![];
    for (i, t) in host.iter().enumerate() {
        for j in 0..t.len() {
            let at = |delta: f32| {
                let mut v = host.clone();
                v[i][j] += delta;
                penalty(
                    &model,
                    &dev,
                    &Params::from_host(&dev, layout.clone(), v),
                    &xhat,
                    (n, 6),
                    n,
                )
            };
            fd.push((at(h) - at(-h)) / (2.0 * h as f64));
        }
    }
    let an = grad.to_f64();
    let diff = an
        .iter()
        .zip(&fd)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    let norm = fd.iter().map(|b| b * b).sum::<f64>().sqrt();
    let e = diff / norm;
    eprintln!(
        "penalty gradient: rel. error {e:.2e} over {} parameters (ε = {PENALTY_EPS}, P = {p0:.4})",
        fd.len()
    );
    assert!(e <= 1e-3, "‖∇P − FD‖/‖FD‖ = {e:e}");
}

fn tiny_images(channels: usize, side: usize) -> super::data::ImageData {
    let mut rng = Rng::new(3);
    let count = 6;
    let dataset = if channels == 3 {
        super::data::Dataset::Cifar10
    } else {
        super::data::Dataset::Mnist
    };
    super::data::ImageData {
        dataset,
        count,
        channels,
        side,
        pixels: Arc::new(
            (0..count * channels * side * side)
                .map(|_| rng.below(256) as u8)
                .collect(),
        ),
    }
}

/// One WGAN-GP oracle call of the ResNet-32 pair and one of DCGAN-28: shapes, finite and
/// non-zero gradients for every tensor of both players, φ's gradient including the penalty.
#[test]
fn resnet_wgangp_and_dcgan28_oracle_calls_run() {
    use super::gan::{Gan, GanSettings};
    use super::image_gan::{Architecture, ImageModel};
    use crate::game::{Game, Sample};
    for (arch, channels, side, gp) in [
        (Architecture::Resnet { filters: 4 }, 3, 32, Some(10.0)),
        (
            Architecture::Dcgan {
                filters: 4,
                d_batchnorm: true,
            },
            1,
            28,
            None,
        ),
    ] {
        let model = ImageModel::new(tiny_images(channels, side), arch, 8, 4);
        let settings = GanSettings {
            loss: GanLoss::Wgan,
            batch: 3,
            clip: None,
            gp_weight: gp,
            seed: 2,
        };
        let mut game = Gan::new(model, Cpu::shared(0), settings);
        let w = game.initial_point();
        let mut f = w.clone();
        game.field(&w, Sample::Seed(9), &mut f);
        for (who, p) in [("θ", &f.theta), ("φ", &f.phi)] {
            for (s, t) in p.layout.specs.iter().zip(p.to_host()) {
                assert!(
                    t.iter().all(|v| v.is_finite()),
                    "{arch:?} {who} {}: not finite",
                    s.name
                );
                if who == "φ" && s.name == "fc.bias" {
                    // The critic's output bias b: ∂V/∂b = mean 1 − mean 1 = 0 for the WGAN
                    // value, and b cancels in the penalty's D(x̂ + εu) − D(x̂ − εu): exactly 0.
                    assert!(
                        t.iter().all(|v| v.abs() < 1e-6),
                        "{arch:?} {who} fc.bias: {t:?}, expected 0"
                    );
                    continue;
                }
                assert!(
                    t.iter().any(|v| *v != 0.0),
                    "{arch:?} {who} {}: zero gradient",
                    s.name
                );
            }
        }
        let fake = game.generated(&w.theta, 4);
        assert_eq!(fake.len(), 4 * channels * side * side);
        assert!(fake.iter().all(|v| v.abs() < 1.0));
        if gp.is_some() {
            // The penalty changes φ's gradient and only φ's.
            let model = ImageModel::new(tiny_images(channels, side), arch, 8, 4);
            let plain = GanSettings {
                loss: GanLoss::Wgan,
                batch: 3,
                clip: None,
                gp_weight: None,
                seed: 2,
            };
            let mut g0 = Gan::new(model, Cpu::shared(0), plain);
            let mut f0 = w.clone();
            g0.field(&w, Sample::Seed(9), &mut f0);
            assert_eq!(f0.theta.to_host(), f.theta.to_host());
            assert!(f0.phi.dist_sq(&f.phi) > 0.0);
        }
    }
}

/// Players that are not plain ReLU MLPs get no eigenvalues, and the reason.
#[test]
fn other_networks_have_no_exact_jvps_and_say_so() {
    let gan = super::gan::Gan::new(
        Small::new(&[6, 4, 1], 0.5),
        Cpu::shared(0),
        super::gan::GanSettings {
            loss: GanLoss::Wgan,
            batch: 4,
            clip: None,
            gp_weight: None,
            seed: 0,
        },
    );
    let w = crate::game::Game::initial_point(&gan);
    let why = gan.jacobian_top(&w, 4, 8).unwrap_err();
    assert!(why.contains("plain ReLU MLP players only"), "{why}");
}

/// Threads and bits (see `neural::ops`): one oracle call of a DCGAN-32 (BatchNorm in D, WGAN),
/// of a ResNet-32 (WGAN-GP) and of the mixture-of-Gaussians MLPs gives the same losses and the
/// same gradient bits on rayon pools of 1, 2 and 3 threads. Batches of 20 split into several
/// sample groups (one of them shorter) and several lanes, so every parallel path is crossed.
#[test]
fn oracle_calls_do_not_depend_on_the_thread_count() {
    use super::gan::{Gan, GanModel, GanSettings};
    use super::image_gan::{Architecture, ImageModel};
    use super::mixture::MixtureSpec;
    use super::mog::{MixtureModel, ModeEval};
    use crate::game::Game;

    fn run<M: GanModel<Cpu>>(label: &str, make: impl Fn() -> M + Sync, settings: GanSettings) {
        type Outcome = (Vec<Vec<f32>>, Vec<Vec<f32>>, Players<f64>);
        let mut seen: Option<Outcome> = None;
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let got = pool.install(|| {
                let game = Gan::new(make(), Cpu::shared(0), settings.clone());
                let w = game.initial_point();
                let mut f = w.clone();
                let losses = game.pass(&w, 7, Players::both(true), &mut f);
                (f.theta.to_host(), f.phi.to_host(), losses)
            });
            match &seen {
                None => seen = Some(got),
                Some(first) => {
                    assert!(
                        first.0 == got.0 && first.1 == got.1,
                        "{label}: gradients differ between 1 and {threads} threads"
                    );
                    assert_eq!(
                        (first.2.theta.to_bits(), first.2.phi.to_bits()),
                        (got.2.theta.to_bits(), got.2.phi.to_bits()),
                        "{label}: losses differ between 1 and {threads} threads"
                    );
                }
            }
        }
    }
    let settings = |gp: Option<f64>| GanSettings {
        loss: GanLoss::Wgan,
        batch: 20,
        clip: None,
        gp_weight: gp,
        seed: 4,
    };
    let dcgan = Architecture::Dcgan {
        filters: 8,
        d_batchnorm: true,
    };
    run(
        "DCGAN-32",
        || ImageModel::new(tiny_images(3, 32), dcgan, 16, 4),
        settings(None),
    );
    run(
        "ResNet-32 WGAN-GP",
        || {
            ImageModel::new(
                tiny_images(3, 32),
                Architecture::Resnet { filters: 4 },
                8,
                4,
            )
        },
        settings(Some(10.0)),
    );
    let eval = ModeEval {
        samples: 100,
        hq_sigmas: 3.0,
        min_count: 1,
    };
    run(
        "MoG MLPs",
        || {
            let mixture = MixtureSpec::NegativeMomentum8.build().expect("mixture");
            MixtureModel::new(mixture, 8, 300, 2, eval)
        },
        GanSettings {
            loss: GanLoss::Saturating,
            batch: 130,
            clip: None,
            gp_weight: None,
            seed: 4,
        },
    );
}
