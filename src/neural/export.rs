//! Weights in safetensors, named so a PyTorch user can load them into the reference models:
//! `generator.<state_dict name>` and `discriminator.<…>` for the current iterate and
//! `generator_<average>.<…>` (`generator_uniform.fc.weight`, `generator_ema.fc.weight`, …)
//! for each average the run keeps, every tensor f32 in its PyTorch shape.

use super::device::NeuralDevice;
use super::params::Params;
use crate::players::Players;
use safetensors::tensor::{Dtype, TensorView};
use std::collections::HashMap;
use std::path::Path;

/// Writes `w` and the `averages` (name, value) to `path`.
pub fn write_safetensors<D: NeuralDevice>(
    path: &Path,
    w: &Players<Params<D>>,
    averages: &[(String, Players<Params<D>>)],
) -> Result<(), String> {
    let mut named: Vec<(String, Vec<usize>, Vec<u8>)> = vec![];
    let mut add = |prefix: &str, p: &Params<D>| {
        for (spec, values) in p.layout.specs.iter().zip(p.to_host()) {
            let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            named.push((format!("{prefix}.{}", spec.name), spec.shape.clone(), bytes));
        }
    };
    add("generator", &w.theta);
    add("discriminator", &w.phi);
    for (name, a) in averages {
        add(&format!("generator_{name}"), &a.theta);
        add(&format!("discriminator_{name}"), &a.phi);
    }
    let views = named
        .iter()
        .map(|(n, shape, bytes)| {
            TensorView::new(Dtype::F32, shape.clone(), bytes).map(|v| (n.clone(), v))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e:?}", path.display()))?;
    let meta: HashMap<String, String> = [("format".to_string(), "pt".to_string())].into();
    let tmp = path.with_extension("safetensors.tmp");
    safetensors::tensor::serialize_to_file(views, &Some(meta), &tmp)
        .map_err(|e| format!("{}: {e:?}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neural::layout::{Init, Layout};
    use dfdx::prelude::Cpu;
    use std::sync::Arc;

    #[test]
    fn names_shapes_and_values_survive() {
        let mut l = Layout::default();
        l.push("fc.weight", &[2, 3], Init::Constant { value: 0.0 });
        l.push("fc.bias", &[2], Init::Constant { value: 0.0 });
        let p = |k: f32| {
            Params::from_host(
                &Cpu::shared(0),
                Arc::new(l.clone()),
                vec![(0..6).map(|i| k + i as f32).collect(), vec![k, -k]],
            )
        };
        let w = Players::new(p(1.0), p(2.0));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.safetensors");
        write_safetensors(&path, &w, &[("ema".into(), Players::new(p(3.0), p(4.0)))]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let t = st.tensor("generator_ema.fc.weight").unwrap();
        assert_eq!(t.shape(), &[2, 3]);
        let vals: Vec<f32> = t
            .data()
            .chunks(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(vals, vec![3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        assert_eq!(st.names().len(), 8);
        assert!(st.tensor("discriminator.fc.bias").is_ok());
    }
}
