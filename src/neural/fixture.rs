//! Reading the committed PyTorch f64 fixtures (`tests/fixtures/neural/*.json`, made by
//! `scripts/make_fixtures.py`) and comparing saddle's f32 results with them.

use serde::Deserialize;
use std::collections::BTreeMap;

/// One tensor of a fixture.
#[derive(Deserialize)]
pub struct FixtureTensor {
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its entries, row-major.
    pub data: Vec<f64>,
}

/// A fixture: settings and named tensors.
#[derive(Deserialize)]
pub struct Fixture {
    /// The op's settings.
    pub meta: serde_json::Value,
    /// Inputs, weights, outputs and gradients.
    pub tensors: BTreeMap<String, FixtureTensor>,
}

impl Fixture {
    /// Loads `tests/fixtures/neural/<name>.json`.
    pub fn load(name: &str) -> Fixture {
        let path = format!(
            "{}/tests/fixtures/neural/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Tensor `name` as f32.
    pub fn f32(&self, name: &str) -> Vec<f32> {
        self.get(name).data.iter().map(|v| *v as f32).collect()
    }

    /// Tensor `name`.
    pub fn get(&self, name: &str) -> &FixtureTensor {
        self.tensors
            .get(name)
            .unwrap_or_else(|| panic!("fixture has no tensor {name}"))
    }

    /// A usize setting.
    pub fn usize(&self, key: &str) -> usize {
        self.meta[key]
            .as_u64()
            .unwrap_or_else(|| panic!("fixture meta has no {key}")) as usize
    }
}

/// ‖got − want‖∞ / ‖want‖∞: the relative error the op tests bound.
pub fn rel_err(got: &[f32], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len(), "length mismatch");
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-30);
    got.iter()
        .zip(want)
        .fold(0.0f64, |m, (g, w)| m.max((*g as f64 - w).abs()))
        / scale
}
