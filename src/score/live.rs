//! The live scorer of a run: a thread of its own with its own rayon pool that scores snapshots
//! of the generators while training goes on, appending one [`ScoreRecord`] per generator to the
//! run's `scores.jsonl`.
//!
//! Training hands over host copies of θ (raw and averages) every `every` iterations and never
//! waits: the hand-over replaces a snapshot still waiting (that step is recorded as skipped);
//! the scorer never touches the run's state or its random streams, so a run trains bit for bit
//! alike with scoring on or off. Sampling uses the scorer's own CPU device and the fixed
//! [`SCORE_SEED`] latents. Reference statistics (when asked for) are loaded or computed — and
//! cached — by the scorer thread before its first score.
//!
//! When the run ends `finished`, the scorer completes what it holds before the run returns;
//! otherwise (stopped, interrupted, failed) it is left to die with the process.

use super::evaluate::{self, Wants};
use super::network::Scorer;
use super::record::{ScoreRecord, SCORES};
use super::reference::{self, Reference};
use super::spec::{ReferenceSpec, ScoreSpec};
use crate::clock::unix_now;
use crate::files::append_line;
use crate::neural::sampler::{ImageSampler, GENERATION_BATCH, SCORE_SEED};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One hand-over: the generators' parameters after `step` iterations.
pub struct Snapshot {
    /// Iterations done.
    pub step: u64,
    /// (name, θ as one host vector per tensor), `raw` first.
    pub generators: Vec<(String, Vec<Vec<f32>>)>,
}

#[derive(Default)]
struct State {
    pending: Option<Snapshot>,
    busy: Option<u64>,
    closing: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

/// The scorer thread of one run.
pub struct LiveScorer {
    shared: Arc<Shared>,
    handle: Option<JoinHandle<()>>,
    scores: PathBuf,
    template: ScoreRecord,
}

fn record_line(r: &ScoreRecord) -> String {
    serde_json::to_string(r).expect("records serialize")
}

impl LiveScorer {
    /// Loads the network (errors here stop the run before it starts) and starts the thread,
    /// which appends to `scores.jsonl` in the run directory `dir`.
    pub fn start(
        spec: &ScoreSpec,
        sampler: Box<dyn ImageSampler>,
        dir: impl AsRef<Path>,
    ) -> Result<Self, String> {
        let dir = dir.as_ref();
        let scores = dir.join(SCORES);
        let scorer = spec
            .network
            .load()
            .map_err(|e| format!("score.network: {e}"))?;
        if let Some(ReferenceSpec::Stats(p)) = &spec.reference {
            if !Path::new(p).exists() {
                return Err(format!("score.reference: {p}: no such file or directory"));
            }
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(spec.threads)
            .thread_name(|i| format!("scorer-{i}"))
            .build()
            .map_err(|e| e.to_string())?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        });
        let template = ScoreRecord {
            step: None,
            generator: None,
            samples: spec.samples,
            splits: spec.splits,
            inception_score: None,
            inception_score_std: None,
            fid: None,
            network: scorer.id().clone(),
            reference: None,
            images: format!(
                "{} samples of {} (latents from seed {SCORE_SEED:#x} in batches of {GENERATION_BATCH}; pixels int32((x·0.5 + 0.5)·255))",
                spec.samples,
                sampler.describe()
            ),
            preprocessing: scorer.preprocessing().into(),
            seconds: 0.0,
            time: 0.0,
            error: None,
        };
        let worker = Worker {
            spec: spec.clone(),
            scorer,
            sampler,
            scores: scores.clone(),
            template: template.clone(),
            reference: None,
        };
        let sh = shared.clone();
        let handle = std::thread::Builder::new()
            .name(format!(
                "scorer {}",
                dir.file_name().unwrap_or_default().to_string_lossy()
            ))
            .spawn(move || pool.install(|| worker.run(&sh)))
            .map_err(|e| e.to_string())?;
        Ok(LiveScorer {
            shared,
            handle: Some(handle),
            scores,
            template,
        })
    }

    /// Hands a snapshot over without waiting; a snapshot still waiting is replaced and its
    /// generators recorded as skipped.
    pub fn submit(&self, snap: Snapshot) {
        let mut st = self.shared.state.lock().expect("scorer lock");
        if let Some(old) = st.pending.replace(snap) {
            let busy = st.busy;
            drop(st);
            for (name, _) in old.generators {
                let r = ScoreRecord {
                    step: Some(old.step),
                    generator: Some(name),
                    time: unix_now(),
                    error: Some(format!(
                        "skipped: the scorer was still busy with step {} when a newer snapshot came",
                        busy.map_or("?".into(), |b| b.to_string())
                    )),
                    ..self.template.clone()
                };
                let _ = append_line(&self.scores, &record_line(&r));
            }
        } else {
            drop(st);
        }
        self.shared.wake.notify_all();
    }

    /// Ends the scorer: with `wait`, after it has scored everything handed over (giving up if
    /// `interrupted` turns true meanwhile); without, at once (the thread dies with the process).
    pub fn finish(mut self, wait: bool, interrupted: &dyn Fn() -> bool) {
        {
            let mut st = self.shared.state.lock().expect("scorer lock");
            st.closing = true;
            if !wait {
                st.pending = None;
            }
        }
        self.shared.wake.notify_all();
        let Some(h) = self.handle.take() else { return };
        if !wait {
            return;
        }
        while !h.is_finished() {
            if interrupted() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = h.join();
    }
}

struct Worker {
    spec: ScoreSpec,
    scorer: Box<dyn Scorer>,
    sampler: Box<dyn ImageSampler>,
    scores: PathBuf,
    template: ScoreRecord,
    reference: Option<Result<Reference, String>>,
}

impl Worker {
    fn run(mut self, shared: &Shared) {
        loop {
            let snap = {
                let mut st = shared.state.lock().expect("scorer lock");
                loop {
                    if let Some(s) = st.pending.take() {
                        st.busy = Some(s.step);
                        break s;
                    }
                    if st.closing {
                        return;
                    }
                    st = shared.wake.wait(st).expect("scorer lock");
                }
            };
            self.score(snap);
            shared.state.lock().expect("scorer lock").busy = None;
        }
    }

    fn reference(&mut self) -> Option<Result<&Reference, String>> {
        let spec = self.spec.reference.clone()?;
        if self.reference.is_none() {
            let cache = reference::cache_dir();
            let r = match spec {
                ReferenceSpec::Stats(p) => {
                    reference::resolve(Path::new(&p), self.scorer.as_ref(), &cache, &mut |_, _| ())
                }
                ReferenceSpec::Data => match self.sampler.real_images() {
                    Some((images, source)) => reference::of_images(
                        self.scorer.as_ref(),
                        &images,
                        &source,
                        &cache,
                        &mut |_, _| (),
                    ),
                    None => Err("the game has no dataset".into()),
                },
            };
            self.reference = Some(r.map_err(|e| format!("reference statistics: {e}")));
        }
        Some(
            self.reference
                .as_ref()
                .expect("set above")
                .as_ref()
                .map_err(Clone::clone),
        )
    }

    fn score(&mut self, snap: Snapshot) {
        let reference = self.reference().map(|r| r.cloned());
        for (name, theta) in &snap.generators {
            let started = Instant::now();
            let (r, ref_error) = match &reference {
                Some(Ok(r)) => (Some(r), None),
                Some(Err(e)) => (None, Some(e.clone())),
                None => (None, None),
            };
            let w = Wants {
                splits: self.spec.splits,
                reference: r,
                moments: false,
                features: false,
            };
            let out = evaluate::generator(
                self.scorer.as_ref(),
                self.sampler.as_ref(),
                theta,
                self.spec.samples,
                SCORE_SEED,
                w,
                &mut |_, _| (),
            );
            let mut rec = ScoreRecord {
                step: Some(snap.step),
                generator: Some(name.clone()),
                reference: r.map(|r| r.id.clone()),
                seconds: started.elapsed().as_secs_f64(),
                time: unix_now(),
                error: ref_error,
                ..self.template.clone()
            };
            match out {
                Ok(s) => {
                    rec.inception_score = Some(s.outcome.score.mean);
                    rec.inception_score_std = Some(s.outcome.score.std);
                    rec.fid = s.fid;
                }
                Err(e) => rec.error = Some(e),
            }
            let _ = append_line(&self.scores, &record_line(&rec));
        }
    }
}
