//! Inception weights from a safetensors file with pytorch-fid's parameter names
//! (`Conv2d_1a_3x3.conv.weight`, `Mixed_5b.branch1x1.bn.running_var`, …, `fc.weight`), every
//! shape checked, the file identified by its SHA-256. Nothing is downloaded: the user converts
//! pytorch-fid's checkpoint once with [`CONVERSION`].

use super::blocks::TensorSource;
use super::Inception;
use safetensors::tensor::Dtype;
use safetensors::SafeTensors;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The one-line conversion of pytorch-fid's `pt_inception-2015-12-05-6726825d.pth` (released at
/// github.com/mseitzer/pytorch-fid/releases, tag `fid_weights`) into the file saddle reads.
pub const CONVERSION: &str = "python -c \"import torch; from safetensors.torch import save_file; sd = torch.load('pt_inception-2015-12-05-6726825d.pth', map_location='cpu'); save_file({k: v.float().contiguous() for k, v in sd.items() if not k.endswith('num_batches_tracked')}, 'pt_inception-2015-12-05.safetensors')\"";

/// A weights file identified by its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightsId {
    /// Where it was read.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The tensors of one parsed file, handed out by name with their shapes checked.
struct FileSource<'a> {
    path: &'a Path,
    st: SafeTensors<'a>,
    used: BTreeSet<String>,
}

fn floats(path: &Path, name: &str, dtype: Dtype, data: &[u8]) -> Result<Vec<f32>, String> {
    match dtype {
        Dtype::F32 => Ok(data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()),
        Dtype::F64 => Ok(data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
            .collect()),
        other => Err(format!(
            "{}: tensor {name} is {other:?}; saddle reads F32 (or F64) weights — convert with: {CONVERSION}",
            path.display()
        )),
    }
}

impl TensorSource for FileSource<'_> {
    fn tensor(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        let t = self.st.tensor(name).map_err(|_| {
            format!(
                "{}: no tensor {name}: not pytorch-fid's Inception weights (names like Conv2d_1a_3x3.conv.weight, fc.weight); convert pt_inception-2015-12-05-6726825d.pth with: {CONVERSION}",
                self.path.display()
            )
        })?;
        if t.shape() != shape {
            let hint = if name == "fc.weight" && t.shape().first() == Some(&1000) {
                " — these look like torchvision's ImageNet Inception-v3 (1000 classes), which FID and IS must not use; the reference network has 1008"
            } else {
                ""
            };
            return Err(format!(
                "{}: tensor {name} has shape {:?}, the FID Inception expects {shape:?}{hint}",
                self.path.display(),
                t.shape()
            ));
        }
        self.used.insert(name.to_string());
        floats(self.path, name, t.dtype(), t.data())
    }
}

/// Parses `bytes` (the contents of `path`) into the reference network, refusing missing,
/// misshapen or unexpected tensors (`num_batches_tracked` counters are ignored).
pub fn inception_from_bytes(path: &Path, bytes: &[u8]) -> Result<Inception, String> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| {
        format!(
            "{}: not a safetensors file ({e:?}); convert pytorch-fid's weights with: {CONVERSION}",
            path.display()
        )
    })?;
    let mut src = FileSource {
        path,
        st,
        used: BTreeSet::new(),
    };
    let net = Inception::load(&mut src, 1)?;
    let extra: Vec<String> = src
        .st
        .names()
        .into_iter()
        .filter(|n| !src.used.contains(*n) && !n.ends_with("num_batches_tracked"))
        .cloned()
        .collect();
    if !extra.is_empty() {
        let aux = extra.iter().any(|n| n.starts_with("AuxLogits"));
        return Err(format!(
            "{}: {} tensor(s) the FID Inception does not have ({}{}){}",
            path.display(),
            extra.len(),
            extra.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            if extra.len() > 3 { ", …" } else { "" },
            if aux {
                " — an auxiliary classifier: torchvision's Inception, not pytorch-fid's"
            } else {
                ""
            }
        ));
    }
    Ok(net)
}

/// Reads the weights file at `path`, checks its SHA-256 against `expected` (hex, any case,
/// a prefix of at least 8 digits is enough) when given, and builds the network.
pub fn load_inception(
    path: &Path,
    expected: Option<&str>,
) -> Result<(Inception, WeightsId), String> {
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "{}: {e}; the Inception weights are a safetensors file converted once from pytorch-fid's pt_inception-2015-12-05-6726825d.pth with: {CONVERSION}",
            path.display()
        )
    })?;
    let sha256 = sha256_hex(&bytes);
    if let Some(want) = expected {
        check_hash(path, &sha256, want)?;
    }
    let net = inception_from_bytes(path, &bytes)?;
    Ok((
        net,
        WeightsId {
            path: path.to_path_buf(),
            sha256,
        },
    ))
}

/// Compares a file's SHA-256 with the expected hex digest (or a prefix of ≥ 8 digits).
pub fn check_hash(path: &Path, actual: &str, expected: &str) -> Result<(), String> {
    let want = expected.trim().to_ascii_lowercase();
    if want.len() < 8 || want.len() > 64 || !want.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "expected SHA-256 {expected:?} must be 8 to 64 hex digits"
        ));
    }
    if !actual.starts_with(&want) {
        return Err(format!(
            "{}: SHA-256 is {actual}, expected {want}…: a different weights file",
            path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::synthetic::Synthetic;
    use safetensors::tensor::TensorView;

    /// Every tensor the network asks for, with synthetic values: what a converted file holds.
    struct Recorder {
        inner: Synthetic,
        tensors: Vec<(String, Vec<usize>, Vec<f32>)>,
    }

    impl TensorSource for Recorder {
        fn tensor(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
            let v = self.inner.tensor(name, shape)?;
            self.tensors.push((name.into(), shape.to_vec(), v.clone()));
            Ok(v)
        }
    }

    fn file(tensors: &[(String, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
        let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
            .iter()
            .map(|(n, s, v)| {
                (
                    n.clone(),
                    s.clone(),
                    v.iter().flat_map(|x| x.to_le_bytes()).collect(),
                )
            })
            .collect();
        let views: Vec<(String, TensorView<'_>)> = bytes
            .iter()
            .map(|(n, s, b)| {
                (
                    n.clone(),
                    TensorView::new(Dtype::F32, s.clone(), b).unwrap(),
                )
            })
            .collect();
        safetensors::serialize(views, &None).unwrap()
    }

    #[test]
    fn a_converted_file_loads_and_wrong_files_are_refused_with_the_reason() {
        let mut rec = Recorder {
            inner: Synthetic { seed: 9 },
            tensors: vec![],
        };
        Inception::load(&mut rec, 1).unwrap();
        let good = rec.tensors;
        assert_eq!(
            good.len(),
            94 * 5 + 2,
            "94 conv+BN units, fc weight and bias"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.safetensors");
        let bytes = file(&good);
        std::fs::write(&path, &bytes).unwrap();
        let (_, id) = load_inception(&path, None).unwrap();
        assert_eq!(id.sha256, sha256_hex(&bytes));
        load_inception(&path, Some(&id.sha256[..8].to_uppercase())).unwrap();
        let e = load_inception(&path, Some("deadbeef")).unwrap_err();
        assert!(
            e.contains("expected deadbeef") && e.contains("a different weights file"),
            "{e}"
        );

        let refused = |tensors: Vec<(String, Vec<usize>, Vec<f32>)>| {
            inception_from_bytes(&path, &file(&tensors)).unwrap_err()
        };
        // torchvision's ImageNet head: 1000 classes.
        let mut tv = good.clone();
        let fc = tv.iter_mut().find(|t| t.0 == "fc.weight").unwrap();
        fc.1 = vec![1000, 2048];
        fc.2.truncate(1000 * 2048);
        let e = refused(tv);
        assert!(
            e.contains("fc.weight has shape [1000, 2048]") && e.contains("torchvision"),
            "{e}"
        );
        // An auxiliary classifier is torchvision's too.
        let mut aux = good.clone();
        aux.push(("AuxLogits.fc.weight".into(), vec![2], vec![0.0; 2]));
        let e = refused(aux);
        assert!(
            e.contains("AuxLogits.fc.weight") && e.contains("auxiliary"),
            "{e}"
        );
        // A missing tensor names itself and the conversion.
        let missing: Vec<_> = good
            .iter()
            .filter(|t| t.0 != "Mixed_7c.branch_pool.bn.running_var")
            .cloned()
            .collect();
        let e = refused(missing);
        assert!(
            e.contains("no tensor Mixed_7c.branch_pool.bn.running_var") && e.contains("save_file"),
            "{e}"
        );
        // Not safetensors at all.
        let e = inception_from_bytes(&path, b"PK\x03\x04 a zip, as torch.save writes").unwrap_err();
        assert!(
            e.contains("not a safetensors file") && e.contains("save_file"),
            "{e}"
        );
    }
}
