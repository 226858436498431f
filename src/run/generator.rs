//! A finished or running run's generator for `saddle score --run`: its game's image sampler
//! (built on the CPU whatever device the run trains on) and θ read from the safetensors
//! export next to a checkpoint (`generator.*` for the last iterate, `generator_<average>.*`
//! for an average; see `neural::export`).

use super::store::{RunDir, CONFIG};
use super::RunConfig;
use crate::neural::device::DeviceSpec;
use crate::neural::sampler::ImageSampler;
use crate::score::inception::weights::sha256_hex;
use crate::setup::{BuiltGame, GameConfig};
use safetensors::tensor::Dtype;
use safetensors::SafeTensors;

/// A generator picked from a run.
pub struct RunGenerator {
    /// The game's sampler.
    pub sampler: Box<dyn ImageSampler>,
    /// θ, one host vector per tensor.
    pub theta: Vec<Vec<f32>>,
    /// Checkpoint step.
    pub step: u64,
    /// `raw` or the average's name.
    pub name: String,
    /// SHA-256 of the export file.
    pub sha256: String,
}

/// The export's prefix of `which`: `raw` → `generator`; `avg` → the uniform average; `ema`
/// → the EMA; any other word → `generator_<word>`; checked against the tensors present.
fn prefix(which: &str, names: &[&String]) -> Result<(String, String), String> {
    let averages: Vec<String> = names
        .iter()
        .filter_map(|n| {
            n.strip_prefix("generator_")?
                .split('.')
                .next()
                .map(String::from)
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let pick = |stem: &str| averages.iter().find(|a| a.starts_with(stem)).cloned();
    let avg = match which {
        "raw" => return Ok(("generator".into(), "raw".into())),
        "avg" | "uniform" => pick("uniform"),
        "ema" => pick("ema"),
        other => averages.iter().find(|a| *a == other).cloned(),
    };
    match avg {
        Some(a) => Ok((format!("generator_{a}"), a)),
        None => Err(format!(
            "generator {which:?}: the run keeps {} (choose raw{})",
            if averages.is_empty() {
                "no average".to_string()
            } else {
                format!("the averages {}", averages.join(", "))
            },
            averages
                .iter()
                .map(|a| format!(", {a}"))
                .collect::<String>()
        )),
    }
}

/// The generator `which` of `dir` at checkpoint `step` (default: the newest).
pub fn load(dir: &RunDir, which: &str, step: Option<u64>) -> Result<RunGenerator, String> {
    let origin = dir.file(CONFIG).display().to_string();
    let config = RunConfig::from_ron(&dir.read(CONFIG).map_err(|e| e.message)?, &origin)
        .map_err(|e| e.message)?;
    let mut game = config.game.clone();
    if let GameConfig::ImageGan(spec) = &mut game {
        spec.device = DeviceSpec::Cpu;
    }
    let sampler = match game.build_any(config.seed)? {
        BuiltGame::NeuralCpu(g) => g.image_sampler(),
        _ => None,
    }
    .ok_or_else(|| {
        format!(
            "run {}: its game ({}) makes no images to score",
            dir.id(),
            config.game.kind()
        )
    })?;
    let steps = dir.checkpoint_steps();
    let step = match step {
        Some(s) if steps.contains(&s) => s,
        Some(s) => {
            return Err(format!(
                "run {}: no checkpoint at step {s} (it has {steps:?})",
                dir.id()
            ))
        }
        None => *steps
            .last()
            .ok_or_else(|| format!("run {}: no checkpoint yet", dir.id()))?,
    };
    let path = dir.checkpoint_path(step).with_extension("safetensors");
    let bytes = std::fs::read(&path).map_err(|e| {
        format!(
            "{}: {e} (weights are exported next to each checkpoint)",
            path.display()
        )
    })?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| format!("{}: {e:?}", path.display()))?;
    let (pre, name) = prefix(which, &st.names())?;
    let mut theta = vec![];
    for (n, shape) in sampler.theta_specs() {
        let full = format!("{pre}.{n}");
        let t = st
            .tensor(&full)
            .map_err(|_| format!("{}: no tensor {full}", path.display()))?;
        if t.shape() != shape.as_slice() || t.dtype() != Dtype::F32 {
            return Err(format!(
                "{}: tensor {full} is {:?} {:?}, the game's generator has f32 {shape:?}",
                path.display(),
                t.dtype(),
                t.shape()
            ));
        }
        theta.push(
            t.data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        );
    }
    Ok(RunGenerator {
        sampler,
        theta,
        step,
        name,
        sha256: sha256_hex(&bytes),
    })
}
