//! The GAN games on real networks: oracle calls of every architecture, the f64 field of the MLP
//! games against the networks' own, and the reasons games without exact JVPs give.

use super::{wide, Game, Gan, GanSettings, Sample};
use crate::neural::device::NeuralDevice;
use crate::neural::gan_model::GanModel;
use crate::neural::loss::GanLoss;
use crate::neural::mixture::MixtureSpec;
use crate::neural::mog::{MixtureModel, ModeEval};
use crate::neural::mog_field::tests::{distance, flat, norm, views};
use crate::neural::net_tests::{tiny_images, Small};
use crate::neural::params::Params;
use crate::players::Players;
use crate::rng::Rng;
use crate::vector::{Moves, ParamVec};
use dfdx::prelude::*;

pub(crate) fn mixture_gan(hidden: usize, layers: usize, batch: usize) -> Gan<Cpu, MixtureModel> {
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
        order: Default::default(),
        loss: GanLoss::Saturating,
        batch,
        clip: None,
        gp_weight: None,
        seed: 1,
    };
    Gan::new(model, Cpu::default(), settings)
}

/// Weights N(0, std²) in the game's layouts.
pub(crate) fn weights(gan: &Gan<Cpu, MixtureModel>, std: f64) -> Players<Params<Cpu>> {
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

pub(crate) fn host(w: &Players<Params<Cpu>>) -> Players<Vec<f64>> {
    w.map(|p| wide(p.to_host().concat()))
}

/// Why `gan` has no linearization at `w` (it must have none).
fn refusal<M: GanModel<Cpu>>(gan: &mut Gan<Cpu, M>, w: &Players<Params<Cpu>>) -> String {
    match gan.linearize(w) {
        Some(Err(why)) => why,
        Some(Ok(_)) => panic!("a linearization where none was expected"),
        None => panic!("GANs always answer"),
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
            order: Default::default(),
            loss: GanLoss::Wgan,
            batch: 8,
            clip: None,
            gp_weight: Some(10.0),
            seed: 1,
        },
    );
    let w = gan.initial_point();
    let why = refusal(&mut gan, &w);
    assert!(why.contains("gradient penalty"), "{why}");
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

/// One WGAN-GP oracle call of the ResNet-32 pair and one of DCGAN-28: shapes, finite and
/// non-zero gradients for every tensor of both players, φ's gradient including the penalty.
#[test]
fn resnet_wgangp_and_dcgan28_oracle_calls_run() {
    use crate::neural::image_gan::{Architecture, ImageModel};
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
            order: Default::default(),
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
                order: Default::default(),
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
    let mut gan = Gan::new(
        Small::new(&[6, 4, 1], 0.5),
        Cpu::shared(0),
        GanSettings {
            order: Default::default(),
            loss: GanLoss::Wgan,
            batch: 4,
            clip: None,
            gp_weight: None,
            seed: 0,
        },
    );
    let w = gan.initial_point();
    let why = refusal(&mut gan, &w);
    assert!(why.contains("plain ReLU MLP players only"), "{why}");
}

/// The MLP games' exact linearization: Jᵀ·v matches the transpose of the dense J built from
/// J·v, for the zero-sum loss (D·J·D·v) and the non-saturating one (two Hessian-vector
/// products), and the game's `vjp` on a step's minibatch is the same product.
#[test]
fn exact_mlp_transposed_products_for_every_loss() {
    use crate::game::{dense_jacobian, Linearization};
    let mut gan = mixture_gan(6, 2, 16);
    let w = weights(&gan, 0.5);
    let at = gan.exact_linearization(&w).expect("an MLP game");
    let j = dense_jacobian(&at);
    let mut rng = Rng::new(4);
    let v: Vec<f64> = (0..j.ncols()).map(|_| rng.normal()).collect();
    let got = nalgebra::DVector::from_vec(at.vjp(&v).expect("saturating is zero-sum"));
    let want = j.tr_mul(&nalgebra::DVector::from_column_slice(&v));
    assert!(
        (&got - &want).norm() <= 1e-10 * want.norm(),
        "‖Jᵀv − D·J·D·v‖ = {}",
        (&got - &want).norm()
    );
    let model = MixtureModel::new(
        MixtureSpec::NegativeMomentum8.build().expect("a mixture"),
        8,
        6,
        2,
        ModeEval {
            samples: 10,
            hq_sigmas: 3.0,
            min_count: 1,
        },
    );
    let settings = GanSettings {
        order: Default::default(),
        loss: GanLoss::NonSaturating,
        batch: 16,
        clip: None,
        gp_weight: None,
        seed: 1,
    };
    let mut ns = Gan::new(model, Cpu::default(), settings);
    let w = ns.initial_point();
    let at = ns.exact_linearization(&w).expect("an MLP game");
    let j = dense_jacobian(&at);
    let v: Vec<f64> = (0..j.ncols()).map(|_| rng.normal()).collect();
    let got = nalgebra::DVector::from_vec(at.vjp(&v).expect("exact for every loss"));
    let want = j.tr_mul(&nalgebra::DVector::from_column_slice(&v));
    let err = (&got - &want).norm();
    assert!(
        err <= 1e-10 * want.norm(),
        "non-saturating ‖Jᵀv − dense‖ = {err}"
    );
    let d = nalgebra::DMatrix::from_fn(j.nrows(), j.ncols(), |r, c| {
        let dt = w.theta.len();
        if (r < dt) == (c < dt) {
            j[(r, c)]
        } else {
            -j[(r, c)]
        }
    });
    let dtd = d.transpose();
    assert!(
        (&dtd - j.transpose()).norm() > 1e-3 * j.norm(),
        "the non-saturating J looks zero-sum: the test would not tell D·J·D from Jᵀ"
    );
    // Through the game, on one step's minibatch: the same product in f32 parameters.
    let seed = 5;
    let vv = {
        let mut out = w.clone();
        super::write_flat(&v, &mut out);
        out
    };
    let mut t = w.clone();
    ns.vjp(&w, Sample::Seed(seed), &vv, &mut t).unwrap();
    let at = ns.exact_linearization_on(&w, seed).unwrap();
    let want = at.vjp(&super::flat(&vv)).unwrap();
    let got = super::flat(&t);
    let scale = want.iter().map(|x| x * x).sum::<f64>().sqrt();
    let err = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    assert!(err <= 1e-6 * scale, "game vjp vs exact: {err} of {scale}");
}

/// Epoch order through the game: draws are `Ordered` and numbered by the run's count; one
/// epoch's minibatches hold every training image once (6 images in batches of 4: 4, then the
/// 2 left over, as `DataLoader(shuffle=True)` cuts them), the short one trains, and the same
/// sample always gives the same batch and latents.
#[test]
fn epoch_order_sees_each_image_once_per_epoch() {
    use super::DataOrder;
    use crate::neural::image_gan::{Architecture, ImageModel};
    let data = tiny_images(1, 28);
    let model = || {
        ImageModel::new(
            data.clone(),
            Architecture::Dcgan {
                filters: 4,
                d_batchnorm: true,
            },
            8,
            4,
        )
    };
    let settings = |order| GanSettings {
        order,
        loss: GanLoss::Wgan,
        batch: 4,
        clip: None,
        gp_weight: None,
        seed: 2,
    };
    let epochs = DataOrder::Epochs { drop_last: false };
    let mut game = Gan::new(model(), Cpu::shared(0), settings(epochs));
    let image = |i: usize| {
        let mut v = vec![];
        data.push_image(i, &mut v);
        v
    };
    let mut rng = Rng::new(1);
    for epoch in 0..3u64 {
        let mut seen = vec![0; data.count];
        for (j, want) in [4, 2].into_iter().enumerate() {
            let drawn = 2 * epoch + j as u64;
            let s = game.draw_sample(&mut rng, drawn);
            assert!(
                matches!(s, Sample::Ordered { draw, .. } if draw == drawn),
                "{s:?}"
            );
            let (real, z, n, _) = game.minibatch(s);
            assert_eq!((n, real.len(), z.len()), (want, want * 28 * 28, want * 8));
            for x in real.chunks(28 * 28) {
                let i = (0..data.count)
                    .find(|&i| image(i) == x)
                    .expect("a training image");
                seen[i] += 1;
            }
            let again = game.minibatch(s);
            assert_eq!((again.0, again.1), (real, z), "a sample is its batch");
            let w = game.initial_point();
            let mut f = w.clone();
            game.field(&w, s, &mut f);
            assert!(f.phi.to_host().iter().flatten().all(|v| v.is_finite()));
        }
        assert_eq!(seen, vec![1; data.count], "epoch {epoch}");
    }
    // With replacement (the default) draws stay seeds.
    let replacement = Gan::new(model(), Cpu::shared(0), settings(DataOrder::Replacement));
    assert!(matches!(
        replacement.draw_sample(&mut rng, 5),
        Sample::Seed(_)
    ));
}

/// Threads and bits (see `neural::ops`): one oracle call of a DCGAN-32 (BatchNorm in D, WGAN),
/// of a ResNet-32 (WGAN-GP) and of the mixture-of-Gaussians MLPs gives the same losses and the
/// same gradient bits on rayon pools of 1, 2 and 3 threads. Batches of 20 split into several
/// sample groups (one of them shorter) and several lanes, so every parallel path is crossed.
#[test]
fn oracle_calls_do_not_depend_on_the_thread_count() {
    use crate::neural::image_gan::{Architecture, ImageModel};

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
                let losses = game.pass(&w, Sample::Seed(7), Players::both(true), &mut f);
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
        order: Default::default(),
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
            order: Default::default(),
            loss: GanLoss::Saturating,
            batch: 130,
            clip: None,
            gp_weight: None,
            seed: 4,
        },
    );
}

/// J·v of the MLP games on a step's minibatch is exact: it matches central differences of the
/// f64 field on that minibatch at a step small enough that no ReLU flips (1e-7), differs from
/// the product on the metrics' minibatch, and Jᵀ·v = D·J·D·v there too. The f32 central
/// difference at [`super::gan::FD_STEP`] (what convolutional nets use) is measured against it.
#[test]
fn network_products_on_a_steps_minibatch() {
    let mut gan = mixture_gan(32, 3, 64);
    let w = weights(&gan, 0.3);
    let mut rng = Rng::new(5);
    let x: Vec<f64> = (0..super::flat(&w).len()).map(|_| rng.normal()).collect();
    let mut v = w.clone();
    super::write_flat(&x, &mut v);
    let seed = 7;
    let mut exact = w.clone();
    gan.jvp(&w, Sample::Seed(seed), &v, &mut exact).unwrap();
    let mut on_metrics = w.clone();
    gan.jvp(&w, Sample::Exact, &v, &mut on_metrics).unwrap();
    let e = flat(&host(&exact));
    assert!(
        distance(&e, &flat(&host(&on_metrics))) > 1e-3 * norm(&e),
        "another minibatch"
    );
    let (hw, hv) = (host(&w), host(&v));
    let f64_field = gan.mlp_field_on(seed).unwrap();
    let at = |s: f64| {
        let p = Players::new(
            hw.theta
                .iter()
                .zip(&hv.theta)
                .map(|(a, b)| a + s * b)
                .collect::<Vec<f64>>(),
            hw.phi
                .iter()
                .zip(&hv.phi)
                .map(|(a, b)| a + s * b)
                .collect::<Vec<f64>>(),
        );
        flat(&f64_field.field(&views(&p)))
    };
    let step = 1e-7;
    let (fp, fm) = (at(step), at(-step));
    let cd64: Vec<f64> = fp
        .iter()
        .zip(&fm)
        .map(|(a, b)| (a - b) / (2.0 * step))
        .collect();
    let rel64 = distance(&e, &cd64) / norm(&e);
    assert!(rel64 < 1e-6, "exact J·v vs f64 differences: {rel64}");
    // The f32 central difference of the convolutional path, on the same minibatch.
    let (mut plus, mut minus) = (w.clone(), w.clone());
    let h = super::gan::FD_STEP * norm(&flat(&hw)) / norm(&x);
    plus.theta.axpy(h, &v.theta);
    plus.phi.axpy(h, &v.phi);
    minus.theta.axpy(-h, &v.theta);
    minus.phi.axpy(-h, &v.phi);
    let (mut fp32, mut fm32) = (w.clone(), w.clone());
    gan.field(&plus, Sample::Seed(seed), &mut fp32);
    gan.field(&minus, Sample::Seed(seed), &mut fm32);
    let cd32: Vec<f64> = flat(&host(&fp32))
        .iter()
        .zip(flat(&host(&fm32)))
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect();
    let rel32 = distance(&e, &cd32) / norm(&e);
    eprintln!(
        "MoG MLP (width 32, 3 layers, batch 64), random v: exact J·v vs f64 differences (step 1e-7) {rel64:.1e}; vs f32 differences at ‖hv‖ = 5e-3‖ω‖ {rel32:.2}"
    );
    let mut t = w.clone();
    gan.vjp(&w, Sample::Seed(seed), &v, &mut t).unwrap();
    // Jᵀ·v = D·J·D·v: ⟨u, Jᵀv⟩ = ⟨Ju, v⟩ for another u.
    let y: Vec<f64> = (0..x.len()).map(|_| rng.normal()).collect();
    let mut u = w.clone();
    super::write_flat(&y, &mut u);
    let mut ju = w.clone();
    gan.jvp(&w, Sample::Seed(seed), &u, &mut ju).unwrap();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
    let (lhs, rhs) = (dot(&y, &flat(&host(&t))), dot(&flat(&host(&ju)), &x));
    assert!(
        (lhs - rhs).abs() < 1e-4 * lhs.abs().max(rhs.abs()),
        "{lhs} vs {rhs}"
    );
}

/// A step's J·v and Jᵀ·v at one point share one linearization (SGA asks for both), and the
/// products stay those of a game that never cached one: bit for bit at the same point and
/// sample, after the sample changes, and after a gradient at another point.
#[test]
fn products_at_one_point_share_a_linearization_and_keep_their_bits() {
    let bits = |w: &Players<Params<Cpu>>| -> Vec<u64> {
        flat(&host(w)).iter().map(|x| x.to_bits()).collect()
    };
    let mut gan = mixture_gan(12, 2, 32);
    let w = weights(&gan, 0.4);
    let mut v = w.clone();
    let mut rng = Rng::new(11);
    let x: Vec<f64> = (0..super::flat(&w).len()).map(|_| rng.normal()).collect();
    super::write_flat(&x, &mut v);
    let mut moved = w.clone();
    moved.phi.axpy(0.1, &v.phi);
    // Each product on a fresh game: no linearization to reuse.
    let fresh = |at: &Players<Params<Cpu>>, seed: u64, transposed: bool| {
        let mut g = mixture_gan(12, 2, 32);
        let mut out = at.clone();
        if transposed {
            g.vjp(at, Sample::Seed(seed), &v, &mut out).unwrap();
        } else {
            g.jvp(at, Sample::Seed(seed), &v, &mut out).unwrap();
        }
        bits(&out)
    };
    let mut out = w.clone();
    let mut field = w.clone();
    gan.field(&w, Sample::Seed(3), &mut field);
    gan.jvp(&w, Sample::Seed(3), &v, &mut out).unwrap();
    assert_eq!(bits(&out), fresh(&w, 3, false), "J·v");
    // F(ω) of the linearization lies where it was built: a rebuild would allocate anew
    // while the old one is still held.
    let built = gan
        .cached_linearization()
        .map(|(_, at)| at.value.theta.as_ptr());
    gan.vjp(&w, Sample::Seed(3), &v, &mut out).unwrap();
    assert!(
        matches!(gan.cached_linearization(), Some((3, at)) if at.is_at(&host(&w))
            && Some(at.value.theta.as_ptr()) == built),
        "the linearization of J·v is the one Jᵀ·v used"
    );
    assert_eq!(
        bits(&out),
        fresh(&w, 3, true),
        "Jᵀ·v from the cached linearization"
    );
    gan.jvp(&w, Sample::Seed(4), &v, &mut out).unwrap();
    assert_eq!(
        bits(&out),
        fresh(&w, 4, false),
        "another sample, another minibatch"
    );
    gan.field(&moved, Sample::Seed(4), &mut field);
    assert!(
        gan.cached_linearization().is_none(),
        "a gradient drops the cache"
    );
    gan.vjp(&moved, Sample::Seed(4), &v, &mut out).unwrap();
    assert_eq!(bits(&out), fresh(&moved, 4, true), "another point");
    gan.jvp(&w, Sample::Seed(4), &v, &mut out).unwrap();
    assert_eq!(bits(&out), fresh(&w, 4, false), "back at the first point");
}
