//! Scoring an image set or a generator end to end: images stream through the network in
//! batches into a [`Session`], then the class-based score and, with reference statistics, the
//! Fréchet distance. Shared by `saddle score` and the live scorer.

use super::network::Scorer;
use super::reference::Reference;
use super::session::{Outcome, Session};
use crate::neural::image_set::ImageSet;
use crate::neural::sampler::{ImageSampler, GENERATION_BATCH};

/// Images pushed through the network per batch when scoring a stored set.
const BATCH: usize = 256;

/// What to compute besides the class-based score.
#[derive(Clone, Copy)]
pub struct Wants<'a> {
    /// Splits of the class-based score.
    pub splits: usize,
    /// Reference statistics for the Fréchet distance.
    pub reference: Option<&'a Reference>,
    /// Keep μ, Σ of the features even without a reference (to save them).
    pub moments: bool,
    /// Keep every feature and logit.
    pub features: bool,
}

impl Wants<'_> {
    /// A pass over `n` images that keeps what these wants need.
    fn session<'s>(&self, scorer: &'s dyn Scorer, n: usize) -> Result<Session<'s>, String> {
        Session::new(
            scorer,
            n,
            self.splits,
            self.reference.is_some() || self.moments,
            self.features,
        )
    }
}

/// A finished score.
pub struct Scored {
    /// Everything the session computed.
    pub outcome: Outcome,
    /// d² to the reference, when one was given.
    pub fid: Option<f64>,
}

fn finish(s: Session, w: Wants) -> Result<Scored, String> {
    let outcome = s.finish()?;
    let fid = match (w.reference, &outcome.gaussian) {
        (Some(r), Some(g)) => Some(r.stats.distance(g)?),
        _ => None,
    };
    Ok(Scored { outcome, fid })
}

/// Scores every image of `set`; `progress(done, total)` after each batch.
pub fn images(
    scorer: &dyn Scorer,
    set: &ImageSet,
    w: Wants,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Scored, String> {
    let n = set.len();
    let mut s = w.session(scorer, n)?;
    let mut done = 0;
    while done < n {
        let end = (done + BATCH).min(n);
        s.add(&set.slice(done..end))?;
        done = end;
        progress(done, n);
    }
    finish(s, w)
}

/// Scores `n` images of the generator θ (host values per tensor), latents from `seed`.
pub fn generator(
    scorer: &dyn Scorer,
    sampler: &dyn ImageSampler,
    theta: &[Vec<f32>],
    n: usize,
    seed: u64,
    w: Wants,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Scored, String> {
    let mut s = w.session(scorer, n)?;
    // One latent stream for all batches: draw them in one go per chunk of whole batches.
    let chunk = GENERATION_BATCH * 4;
    let mut rng = crate::rng::Rng::new(seed);
    let mut done = 0;
    while done < n {
        let m = chunk.min(n - done);
        let images = sampler.sample(theta, m, rng.next_u64())?;
        s.add(&images)?;
        done += m;
        progress(done, n);
    }
    finish(s, w)
}
