//! saddle's Inception pipeline against the PyTorch reference, from a committed fixture
//! (`tests/fixtures/score/inception_parity.safetensors`, written by
//! `scripts/inception_parity.py fixture`): pytorch-fid's network with the seeded synthetic
//! weights that `saddle::score::synthetic` regenerates bit for bit, fed uint8 images through
//! torch-fidelity's TF1 resize. What CI checks here, on 10 images:
//!
//! * TF1 bilinear resize: two cases, to 1e-4 absolute on 0–255 values;
//! * pool_3 features and unbiased logits of the full-size network: ≤ 1e-4 relative
//!   (‖Δ‖∞/‖ref‖∞), RGB 32×32 and grey 28×28 inputs;
//! * the Inception Score of those logits: ≤ 1e-3 relative to the reference formula, and
//!   distinguishable from the score with the fc bias (the reference's quirk);
//! * IS and FID formulas on seeded data both sides generate: ≤ 1e-9 relative.
//!
//! The full-scale check (2 × 2500 PNGs, IS over 10 splits, FID against .npz statistics, through
//! `saddle score`) is `scripts/inception_parity.py full`, run by hand.

use saddle::neural::image_set::ImageSet;
use saddle::score::frechet::frechet_distance;
use saddle::score::inception::{Inception, CLASSES};
use saddle::score::inception_score::inception_score;
use saddle::score::moments::Moments;
use saddle::score::resize::resize_plane;
use saddle::score::synthetic::{uniforms, Synthetic};
use safetensors::tensor::Dtype;
use safetensors::SafeTensors;

const FIXTURE: &str = "tests/fixtures/score/inception_parity.safetensors";
const SEED: u64 = 20151205;

struct Fixture {
    bytes: Vec<u8>,
}

impl Fixture {
    fn load() -> Self {
        Fixture {
            bytes: std::fs::read(FIXTURE).expect("fixture"),
        }
    }
    fn st(&self) -> SafeTensors<'_> {
        SafeTensors::deserialize(&self.bytes).unwrap()
    }
    fn f32s(&self, name: &str) -> (Vec<usize>, Vec<f32>) {
        let st = self.st();
        let t = st.tensor(name).unwrap();
        assert_eq!(t.dtype(), Dtype::F32, "{name}");
        let v = t
            .data()
            .chunks(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        (t.shape().to_vec(), v)
    }
    fn images(&self, name: &str) -> ImageSet {
        let st = self.st();
        let t = st.tensor(name).unwrap();
        assert_eq!(t.dtype(), Dtype::U8, "{name}");
        let s = t.shape();
        ImageSet {
            channels: s[1],
            height: s[2],
            width: s[3],
            pixels: t.data().to_vec(),
        }
    }
    fn values(&self) -> serde_json::Value {
        let (_, meta) = SafeTensors::read_metadata(&self.bytes).unwrap();
        let m = meta.metadata().as_ref().unwrap();
        serde_json::from_str(&m["values"]).unwrap()
    }
}

/// ‖a − b‖∞ / ‖b‖∞.
fn rel(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs() as f64));
    let err = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((*x as f64 - *y as f64).abs()));
    err / scale
}

#[test]
fn tf1_resize_matches_torch_fidelity() {
    let f = Fixture::load();
    for (input, output, oh, ow) in [
        ("resize_in_32", "resize_out_61x47", 61, 47),
        ("resize_in_28", "resize_out_9x13", 9, 13),
    ] {
        let img = f.images(input);
        let plane: Vec<f32> = img.pixels.iter().map(|v| *v as f32).collect();
        let got = resize_plane(&plane, img.height, img.width, oh, ow);
        let (_, want) = f.f32s(output);
        let err = got
            .iter()
            .zip(&want)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(err <= 1e-4, "{input} → {oh}×{ow}: max error {err}");
    }
}

#[test]
fn features_logits_and_inception_score_match_pytorch_fid() {
    let f = Fixture::load();
    let net = Inception::load(&mut Synthetic { seed: SEED }, 1).unwrap();
    let values = f.values();
    for kind in ["rgb", "grey"] {
        let set = f.images(&format!("images_{kind}"));
        let got = net.features(&set);
        let (ps, pool3) = f.f32s(&format!("pool3_{kind}"));
        let (_, logits) = f.f32s(&format!("logits_{kind}"));
        assert_eq!(ps, vec![set.len(), 2048]);
        let (ep, el) = (rel(&got.pool3, &pool3), rel(&got.logits, &logits));
        eprintln!("{kind}: pool_3 rel error {ep:.2e}, logits rel error {el:.2e}");
        assert!(ep <= 1e-4, "{kind}: pool_3 relative error {ep}");
        assert!(el <= 1e-4, "{kind}: logits relative error {el}");
        if kind == "rgb" {
            let is = inception_score(&got.logits, CLASSES, 2).unwrap();
            let want = values["is_rgb_splits2"][0].as_f64().unwrap();
            let biased = values["is_rgb_splits2_with_bias"][0].as_f64().unwrap();
            let e = (is.mean - want).abs() / want;
            eprintln!("IS {} vs reference {want}: rel {e:.2e}", is.mean);
            assert!(e <= 1e-3, "IS {} vs {want}", is.mean);
            assert!(
                (biased - want).abs() / want > 2e-3,
                "the fixture cannot tell the bias apart"
            );
            let std = values["is_rgb_splits2"][1].as_f64().unwrap();
            assert!(
                (is.std - std).abs() <= 1e-3 * want,
                "IS std {} vs {std}",
                is.std
            );
        }
    }
}

#[test]
fn formulas_match_numpy_and_pytorch_fid_on_shared_data() {
    let values = Fixture::load().values();
    // IS: 1000 × 1008 seeded logits, 10 splits (improved-gan's formula in NumPy f64).
    let logits: Vec<f32> = uniforms(13, "is.logits", 1000 * 1008)
        .into_iter()
        .map(|u| (4.0 * (u - 0.5)) as f32)
        .collect();
    // The fixture's logits are f64; these f32 copies differ by rounding only.
    let s = inception_score(&logits, 1008, 10).unwrap();
    let want = &values["is_formula_splits10"];
    let (m, sd) = (want[0].as_f64().unwrap(), want[1].as_f64().unwrap());
    assert!((s.mean - m).abs() / m < 1e-6, "IS {} vs {m}", s.mean);
    assert!((s.std - sd).abs() / sd < 1e-4, "IS std {} vs {sd}", s.std);
    // FID: pytorch-fid's calculate_frechet_distance (scipy sqrtm) on np.mean / np.cov of
    // seeded 600 × 64 features.
    let (n, d) = (600, 64);
    let u = uniforms(11, "fid.a", n * d);
    let v = uniforms(12, "fid.b", n * d);
    let f1: Vec<f64> = (0..n * d)
        .map(|k| {
            let (i, j) = (k / d, k % d);
            u[k] + 0.5 * u[i * d + (j + 1) % d]
        })
        .collect();
    let f2: Vec<f64> = (0..n * d)
        .map(|k| 1.3 * v[k] * v[k] + 0.1 * (k % d) as f64 / d as f64)
        .collect();
    let (mut m1, mut m2) = (Moments::new(d), Moments::new(d));
    m1.add(&f1);
    m2.add(&f2);
    let fid = frechet_distance(&m1.finish().unwrap(), &m2.finish().unwrap()).unwrap();
    let want = values["fid_formula"].as_f64().unwrap();
    assert!((fid - want).abs() / want < 1e-9, "FID {fid} vs {want}");
}
