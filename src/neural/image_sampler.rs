//! The image GANs' [`ImageSampler`]: the generator of an [`ImageModel`] run on CPU tensors of
//! its own (a fresh dfdx device), whatever device the run trains on, from host copies of θ.

use super::bind::Bound;
use super::data::Dataset;
use super::gan_model::GanModel;
use super::image_gan::ImageModel;
use super::params::Params;
use crate::neural::image_set::ImageSet;
use crate::neural::sampler::{ImageSampler, GENERATION_BATCH};
use crate::rng::Rng;
use dfdx::prelude::*;

/// An image GAN's generator on the CPU.
pub struct CpuImageSampler {
    model: ImageModel,
    dev: Cpu,
}

impl CpuImageSampler {
    /// Samples `model`'s generator.
    pub fn new(model: ImageModel) -> Self {
        CpuImageSampler {
            model,
            dev: Cpu::default(),
        }
    }
}

impl ImageSampler for CpuImageSampler {
    fn describe(&self) -> String {
        <ImageModel as GanModel<Cpu>>::describe(&self.model)
    }

    fn theta_specs(&self) -> Vec<(String, Vec<usize>)> {
        let l = <ImageModel as GanModel<Cpu>>::layouts(&self.model).theta;
        l.specs
            .iter()
            .map(|s| (s.name.clone(), s.shape.clone()))
            .collect()
    }

    fn sample(&self, theta: &[Vec<f32>], n: usize, seed: u64) -> Result<ImageSet, String> {
        let layout = <ImageModel as GanModel<Cpu>>::layouts(&self.model).theta;
        if theta.len() != layout.specs.len()
            || theta
                .iter()
                .zip(&layout.specs)
                .any(|(v, s)| v.len() != s.numel())
        {
            return Err("generator parameters do not match the game's layout".into());
        }
        let params = Params::from_host(&self.dev, layout, theta.to_vec());
        let bound = Bound::new(&params);
        let k = <ImageModel as GanModel<Cpu>>::latent_dim(&self.model);
        let data = self.model.data();
        let mut set = ImageSet::empty(data.channels, data.side, data.side);
        let mut rng = Rng::new(seed);
        let mut left = n;
        while left > 0 {
            let b = GENERATION_BATCH.min(left);
            let z: Vec<f32> = (0..b * k).map(|_| rng.normal() as f32).collect();
            let z = self.dev.tensor_from_vec(z, (b, k)).leaky_traced();
            let x = <ImageModel as GanModel<Cpu>>::generate(&self.model, &bound, z);
            set.push_generated(&x.as_vec());
            left -= b;
        }
        Ok(set)
    }

    fn real_images(&self) -> Option<(ImageSet, String)> {
        let d = self.model.data();
        Some((
            ImageSet {
                channels: d.channels,
                height: d.side,
                width: d.side,
                pixels: d.pixels.as_ref().clone(),
            },
            format!("{:?} training images ({})", d.dataset, d.count),
        ))
    }

    fn dataset(&self) -> Option<Dataset> {
        Some(self.model.data().dataset)
    }
}
