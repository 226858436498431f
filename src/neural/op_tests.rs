//! The ops and layers against PyTorch f64 fixtures (forward and both gradients), and the
//! regression test for dfdx's CPU slice-backward bug.

use super::device::NeuralDevice;
use super::fixture::{rel_err, Fixture};
use super::layers::activation::leaky_relu;
use super::layers::batch_norm::{batch_norm1d, batch_norm2d, batch_norm2d_eval};
use super::ops::conv2d::{conv2d, Conv};
use super::ops::conv_transpose2d::{conv_transpose2d, ConvTranspose};
use super::ops::Traced;
use dfdx::prelude::*;

/// Tolerance of every single-op comparison (f32 against f64).
const TOL: f64 = 1e-5;

type T1 = Tensor<(usize,), f32, Cpu>;
type T4 = Tensor<(usize, usize, usize, usize), f32, Cpu>;

fn dev() -> Cpu {
    Cpu::shared(0)
}

fn t1(f: &Fixture, name: &str) -> T1 {
    let v = f.f32(name);
    let n = v.len();
    dev().tensor_from_vec(v, (n,))
}

fn t4(f: &Fixture, name: &str) -> T4 {
    let s = &f.get(name).shape;
    dev().tensor_from_vec(f.f32(name), (s[0], s[1], s[2], s[3]))
}

/// How a check reads one leaf's gradient.
type GradOf<'a> = &'a dyn Fn(&Gradients<f32, Cpu>) -> Vec<f32>;

/// Checks y and Σ y⊙gy's gradients of the named leaves.
fn check<S: Shape>(
    f: &Fixture,
    what: &str,
    y: Traced<S, Cpu>,
    leaves: &[(&str, GradOf)],
    gy: Tensor<S, f32, Cpu>,
) {
    let e = rel_err(&y.as_vec(), &f.get("y").data);
    eprintln!("{what}: y rel. error {e:.2e}");
    assert!(e <= TOL, "{what}: forward rel. error {e:e}");
    let grads = (y * gy).sum::<(), _>().backward();
    for (name, get) in leaves {
        let e = rel_err(&get(&grads), &f.get(&format!("grad_{name}")).data);
        eprintln!("{what}: ∂{name} rel. error {e:.2e}");
        assert!(e <= TOL, "{what}: ∂{name} rel. error {e:e}");
    }
}

#[test]
fn conv2d_matches_pytorch() {
    for name in [
        "conv_k3_s2_p1",
        "conv_k4_s2_p1",
        "conv_k3_s1_p1",
        "conv_k1_s2_p0",
    ] {
        let f = Fixture::load(name);
        let (x, w, b) = (t4(&f, "x"), t1(&f, "w"), t1(&f, "b"));
        let k = f.usize("k");
        let c = Conv {
            c_out: f.usize("c_out"),
            kernel: (k, k),
            stride: f.usize("stride"),
            pad: f.usize("pad"),
        };
        let y = conv2d(x.leaky_trace(), w.leaky_trace(), Some(b.leaky_trace()), c);
        let gy = y.retaped::<NoneTape>();
        let gy = dev().tensor_from_vec(f.f32("gy"), *gy.shape());
        check(
            &f,
            name,
            y,
            &[
                ("x", &|g| g.get(&x).as_vec()),
                ("w", &|g| g.get(&w).as_vec()),
                ("b", &|g| g.get(&b).as_vec()),
            ],
            gy,
        );
    }
}

#[test]
fn conv_transpose2d_matches_pytorch() {
    for name in ["convt_k4_s2_p1", "convt_k1_s2_op1", "convt_k3_s2_p1_op1"] {
        let f = Fixture::load(name);
        let (x, w, b) = (t4(&f, "x"), t1(&f, "w"), t1(&f, "b"));
        let k = f.usize("k");
        let ct = ConvTranspose {
            c_out: f.usize("c_out"),
            kernel: (k, k),
            stride: f.usize("stride"),
            pad: f.usize("pad"),
            output_padding: f.usize("output_padding"),
        };
        let y = conv_transpose2d(x.leaky_trace(), w.leaky_trace(), Some(b.leaky_trace()), ct);
        let gy = dev().tensor_from_vec(f.f32("gy"), *y.shape());
        check(
            &f,
            name,
            y,
            &[
                ("x", &|g| g.get(&x).as_vec()),
                ("w", &|g| g.get(&w).as_vec()),
                ("b", &|g| g.get(&b).as_vec()),
            ],
            gy,
        );
    }
}

#[test]
fn batch_norm_matches_pytorch() {
    let f = Fixture::load("bn2d_train");
    let (x, g, b) = (t4(&f, "x"), t1(&f, "g"), t1(&f, "b"));
    let y = batch_norm2d(x.leaky_trace(), g.leaky_trace(), b.leaky_trace());
    let gy = dev().tensor_from_vec(f.f32("gy"), *y.shape());
    check(
        &f,
        "bn2d train",
        y,
        &[
            ("x", &|q| q.get(&x).as_vec()),
            ("g", &|q| q.get(&g).as_vec()),
            ("b", &|q| q.get(&b).as_vec()),
        ],
        gy,
    );

    let f = Fixture::load("bn2d_eval");
    let (x, g, b) = (t4(&f, "x"), t1(&f, "g"), t1(&f, "b"));
    let stat = |k: &str| {
        f.meta[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect::<Vec<_>>()
    };
    let y = batch_norm2d_eval(
        x.leaky_trace(),
        g.leaky_trace(),
        b.leaky_trace(),
        &stat("running_mean"),
        &stat("running_var"),
    );
    let gy = dev().tensor_from_vec(f.f32("gy"), *y.shape());
    check(
        &f,
        "bn2d eval",
        y,
        &[
            ("x", &|q| q.get(&x).as_vec()),
            ("g", &|q| q.get(&g).as_vec()),
            ("b", &|q| q.get(&b).as_vec()),
        ],
        gy,
    );

    let f = Fixture::load("bn1d_train");
    let s = f.get("x").shape.clone();
    let x: Tensor<(usize, usize), f32, Cpu> = dev().tensor_from_vec(f.f32("x"), (s[0], s[1]));
    let (g, b) = (t1(&f, "g"), t1(&f, "b"));
    let y = batch_norm1d(x.leaky_trace(), g.leaky_trace(), b.leaky_trace());
    let gy = dev().tensor_from_vec(f.f32("gy"), *y.shape());
    check(
        &f,
        "bn1d train",
        y,
        &[
            ("x", &|q| q.get(&x).as_vec()),
            ("g", &|q| q.get(&g).as_vec()),
            ("b", &|q| q.get(&b).as_vec()),
        ],
        gy,
    );
}

#[test]
fn leaky_relu_has_pytorchs_slope() {
    let f = Fixture::load("leaky_relu");
    let s = f.get("x").shape.clone();
    let x: Tensor<(usize, usize), f32, Cpu> = dev().tensor_from_vec(f.f32("x"), (s[0], s[1]));
    let y = leaky_relu(x.leaky_trace(), f.meta["slope"].as_f64().unwrap() as f32);
    let gy = dev().tensor_from_vec(f.f32("gy"), *y.shape());
    check(&f, "leaky relu", y, &[("x", &|q| q.get(&x).as_vec())], gy);
}

/// dfdx 0.13's CPU `slice` backward *assigns* the incoming gradient instead of adding it, so
/// two overlapping slices of one tensor (what an im2col built from slices does whenever the
/// kernel exceeds the stride) get a wrong gradient. saddle's convolutions do not use `slice`;
/// this test pins the bug down (it fails the day dfdx fixes it, so the workaround can go) and
/// checks that saddle's conv gradient on exactly such overlapping windows is right.
#[test]
fn overlapping_slices_bug_is_known_and_avoided() {
    let x: T1 = dev().tensor_from_vec(vec![1.0, 2.0, 3.0, 4.0], (4,));
    let a = x.leaky_trace().slice((0..3,));
    let b = x.leaky_trace().slice((1..4,));
    let grads = (a.sum::<(), _>() + b.sum::<(), _>()).backward();
    // d/dx of Σx[0..3] + Σx[1..4] is [1, 2, 2, 1].
    let dfdx_says = grads.get(&x).as_vec();
    assert_ne!(
        dfdx_says,
        vec![1.0, 2.0, 2.0, 1.0],
        "dfdx's slice backward now adds: the bug is fixed"
    );
    // The same sum as a 1-D convolution with kernel 3, stride 1 (overlapping windows): the
    // gradient of Σ y w.r.t. x must be [1, 2, 2, 1] with an all-ones kernel.
    let xi: T4 = dev().tensor_from_vec(vec![1.0, 2.0, 3.0, 4.0], (1, 1, 1, 4));
    let w: T1 = dev().tensor_from_vec(vec![1.0; 3], (3,));
    let y = conv2d(
        xi.leaky_trace(),
        w.leaky_trace(),
        None,
        Conv {
            c_out: 1,
            kernel: (1, 3),
            stride: 1,
            pad: 0,
        },
    );
    assert_eq!(y.as_vec(), vec![6.0, 9.0]);
    let grads = y.sum::<(), _>().backward();
    assert_eq!(grads.get(&xi).as_vec(), vec![1.0, 2.0, 2.0, 1.0]);
}

/// A convolution with its activation fused (`conv2d_then`) gives the values and gradients of
/// the convolution followed by the activation op, for ReLU and LeakyReLU, on a batch that
/// splits into several sample groups (the last one shorter) and at stride 1 and 2.
#[test]
fn fused_conv_activation_matches_the_two_ops() {
    use super::ops::activation::{activation, Act};
    use super::ops::conv2d::conv2d_then;
    let mut rng = crate::rng::Rng::new(11);
    let mut vals = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.normal() as f32).collect() };
    for (stride, act) in [(2, Act::Leaky(0.2)), (1, Act::Relu), (2, Act::Relu)] {
        let (n, ci, co, side) = (7, 3, 5, 12);
        let x: T4 = dev().tensor_from_vec(vals(n * ci * side * side), (n, ci, side, side));
        let w: T1 = dev().tensor_from_vec(vals(co * ci * 9), (co * ci * 9,));
        let b: T1 = dev().tensor_from_vec(vals(co), (co,));
        let c = Conv {
            c_out: co,
            kernel: (3, 3),
            stride,
            pad: 1,
        };
        let unfused = activation(
            conv2d(x.leaky_trace(), w.leaky_trace(), Some(b.leaky_trace()), c),
            act,
        );
        let fused = conv2d_then(
            x.leaky_trace(),
            w.leaky_trace(),
            Some(b.leaky_trace()),
            c,
            act,
        );
        assert_eq!(
            unfused.as_vec(),
            fused.as_vec(),
            "{act:?} stride {stride}: values"
        );
        let gy: T4 = dev().tensor_from_vec(vals(unfused.shape().num_elements()), *unfused.shape());
        let g1 = (unfused * gy.clone()).sum::<(), _>().backward();
        let g2 = (fused * gy).sum::<(), _>().backward();
        for (name, a, b) in [
            ("x", g1.get(&x).as_vec(), g2.get(&x).as_vec()),
            ("w", g1.get(&w).as_vec(), g2.get(&w).as_vec()),
            ("b", g1.get(&b).as_vec(), g2.get(&b).as_vec()),
        ] {
            assert_eq!(a, b, "{act:?} stride {stride}: gradient of {name}");
        }
    }
}
