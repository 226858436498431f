//! Keeps a sweep's data up to date on a thread of its own, asynchronously on tokio: it waits
//! for file-change notifications ([`super::notices`]) and two timers, reads what changed
//! ([`super::feed`]), applies it under a short write lock, and refreshes the view's aggregates
//! ([`super::aggregate`]) so that the frames after a change only draw.
//!
//! Without notifications (none on this system, or the watch limit reached) every table is
//! looked at every [`LOOK_EVERY`]; on a filesystem shared between machines the notifications
//! are kept for this machine's writes and every table is looked at as often besides.

use super::aggregate::{compute, AggregateSlot};
use super::data::SweepData;
use super::feed::{apply, Changed, SweepFeed, SLOW_EVERY};
use super::notices;
use super::prediction;
use crate::linalg::Budget;
use crate::sweep::manifest::{Member, SweepDir};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::MissedTickBehavior;

pub use super::feed::LOOK_EVERY;

/// How often every table is looked at although notifications come: a safety net for a
/// notification that never came (a member restarted with a new table, a rename missed).
pub const SAFETY_EVERY: Duration = Duration::from_secs(5);

/// The environment variable that turns file-change notifications off.
pub const POLL_VARIABLE: &str = "SADDLE_SWEEP_POLL";

/// How long a first notification waits for the ones that follow it: the members of a sweep
/// log at about the same time, and one read of a burst is cheaper than one per row.
pub const SETTLE: Duration = Duration::from_millis(20);

/// What the view and the watch's thread share.
struct Shared {
    data: RwLock<SweepData>,
    aggregates: AggregateSlot,
    changed: AtomicBool,
}

impl Shared {
    /// The data, for applying what was read (a panic elsewhere does not stop the feed).
    fn write(&self) -> RwLockWriteGuard<'_, SweepData> {
        self.data.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// The sweep's data, kept up to date by a thread of its own.
pub struct Watch {
    /// The sweep.
    pub sweep: SweepDir,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

impl Watch {
    /// Starts watching `sweep` (its manifest already read into `data`); without notifications
    /// every table is looked at every `every`. [`POLL_VARIABLE`] set to anything but `0` or
    /// empty turns the notifications off (a filesystem shared between machines that
    /// [`notices::shared_filesystem`] does not know).
    pub fn start(sweep: SweepDir, data: SweepData, every: Duration) -> Self {
        let poll = std::env::var(POLL_VARIABLE).is_ok_and(|v| !v.is_empty() && v != "0");
        Self::start_with(sweep, data, every, !poll)
    }

    /// [`Watch::start`], with the notifications on or off.
    pub fn start_with(sweep: SweepDir, data: SweepData, every: Duration, notified: bool) -> Self {
        let members = data.manifest.members.clone();
        let feed = SweepFeed::new(sweep.clone(), &data);
        let shared = Arc::new(Shared {
            data: RwLock::new(data),
            aggregates: AggregateSlot::default(),
            changed: AtomicBool::new(true),
        });
        let (stop, stopped) = oneshot::channel();
        let (s, dir) = (shared.clone(), sweep.clone());
        let handle = std::thread::Builder::new()
            .name("sweep-feed".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                {
                    Ok(rt) => rt.block_on(run(feed, members, dir, s, stopped, every, notified)),
                    Err(e) => {
                        let mut data = s.write();
                        data.feed = format!("not kept up to date: {e}");
                    }
                }
            })
            .ok();
        Watch {
            sweep,
            shared,
            stop: Some(stop),
            handle,
        }
    }

    /// The data, for reading; the thread holds the write lock only to apply what it read.
    pub fn data(&self) -> RwLockReadGuard<'_, SweepData> {
        self.shared.data.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The aggregates the view draws, refreshed by the thread after each change.
    pub fn aggregates(&self) -> &AggregateSlot {
        &self.shared.aggregates
    }

    /// True (once) when the data changed since the last call.
    pub fn take_changed(&self) -> bool {
        self.shared.changed.swap(false, Ordering::Relaxed)
    }

    /// How the data is kept up to date: notified of changes, or looked at, and why (empty
    /// until the thread has started).
    pub fn how(&self) -> String {
        self.data().feed.clone()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// The thread's loop: wait for a notification, a timer or the stop; read; apply; refresh.
async fn run(
    mut feed: SweepFeed,
    members: Vec<Member>,
    sweep: SweepDir,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
    every: Duration,
    notified: bool,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    // The loop keeps a sender, so the channel stays open whatever becomes of the watcher.
    let watcher = if notified {
        notices::start(&sweep, &members, tx.clone())
    } else {
        Err(format!("{POLL_VARIABLE} is set"))
    };
    let (look_every, how) = match (&watcher, notices::shared_filesystem(&sweep.path)) {
        (Ok(_), None) => (
            SAFETY_EVERY.max(every),
            format!(
                "notified of changes (every table looked at every {} s besides)",
                SAFETY_EVERY.max(every).as_secs_f64()
            ),
        ),
        (Ok(_), Some(fs)) => (
            every,
            format!(
                "notified of this machine's changes, every table looked at every {} ms: the \
                 sweep is on {fs}, whose writes from other machines are not notified",
                every.as_millis()
            ),
        ),
        (Err(e), _) => (
            every,
            format!("every table looked at every {} ms: {e}", every.as_millis()),
        ),
    };
    shared.write().feed = how;
    // The heat map's predictions, once, on the runtime's blocking pool (a cancel at the stop).
    let cancel = Arc::new(AtomicBool::new(false));
    let manifest = shared
        .data
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .manifest
        .clone();
    let configurations = manifest.configurations.len();
    let mut predicting = (manifest.grid.len() == 2).then(|| {
        let (sweep, cancel) = (sweep.clone(), cancel.clone());
        tokio::task::spawn_blocking(move || {
            let budget = Budget::within(prediction::TOTAL)
                .or_cancelled(move || cancel.load(Ordering::Relaxed));
            prediction::predict(&sweep, &manifest, budget)
        })
    });
    let mut changed = Changed::new(feed.len());
    let mut look = tokio::time::interval(look_every);
    let mut slow = tokio::time::interval(SLOW_EVERY);
    look.set_missed_tick_behavior(MissedTickBehavior::Delay);
    slow.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            done = async { predicting.as_mut().expect("guarded").await }, if predicting.is_some() => {
                predicting = None;
                let predicted = done.unwrap_or_else(|e| {
                    vec![Err(format!("the prediction failed: {e}")); configurations]
                });
                let mut data = shared.write();
                data.predicted = Some(predicted);
                data.generation += 1;
                shared.changed.store(true, Ordering::Relaxed);
                continue;
            }
            _ = look.tick() => changed.all_tables(),
            _ = slow.tick() => changed.slow(),
            Some(n) = rx.recv() => {
                changed.mark(n);
                tokio::time::sleep(SETTLE).await;
                while let Ok(n) = rx.try_recv() {
                    changed.mark(n);
                }
            }
        }
        let updates = feed.read_changed(&mut changed, &members);
        if updates.is_empty() {
            continue;
        }
        {
            let mut data = shared.write();
            apply(&mut data, updates);
        }
        if let Some(key) = shared.aggregates.wanted() {
            let a = {
                let data = shared.data.read().unwrap_or_else(|e| e.into_inner());
                compute(&data, &key)
            };
            shared.aggregates.put(Arc::new(a));
        }
        shared.changed.store(true, Ordering::Relaxed);
    }
    cancel.store(true, Ordering::Relaxed);
    drop(watcher);
}

#[cfg(test)]
mod tests {
    use super::super::testdata::manifest;
    use super::*;
    use crate::run::store::METRICS;
    use std::io::Write;
    use std::time::Instant;

    /// A sweep directory of `n` members in which member `at` has logged one row: the
    /// directory, the sweep's data, and that member's table.
    fn one_row(n: usize, at: usize) -> (tempfile::TempDir, SweepDir, SweepData, std::fs::File) {
        let tmp = tempfile::tempdir().unwrap();
        let m = manifest(n);
        for mm in &m.members {
            std::fs::create_dir(tmp.path().join(&mm.dir)).unwrap();
        }
        let path = tmp.path().join(&m.members[at].dir).join(METRICS);
        std::fs::write(&path, "step,oracle_calls,wall_time,field_norm\n0,0,0,1\n").unwrap();
        let table = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        let sweep = SweepDir {
            path: tmp.path().to_path_buf(),
        };
        (tmp, sweep, SweepData::new(m), table)
    }

    /// Member `at`'s rows once it has `n` of them, or after 10 s.
    fn rows_within(w: &Watch, at: usize, n: u64) -> u64 {
        let rows = || w.data().members[at].series.rows();
        let t = Instant::now();
        while rows() < n && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        rows()
    }

    /// With the tables looked at only once an hour, a new row still arrives at once: the
    /// notification brings it (where this system has none, the test says so and stops).
    #[test]
    fn a_new_row_arrives_by_notification_not_by_looking() {
        let (_tmp, sweep, data, mut table) = one_row(3, 1);
        let watch = Watch::start(sweep, data, Duration::from_secs(3600));
        assert_eq!(
            rows_within(&watch, 1, 1),
            1,
            "the first look reads what is there"
        );
        let how = watch.how();
        if !how.starts_with("notified of changes") {
            println!("skipped: {how}");
            return;
        }
        writeln!(table, "10,10,0.1,0.5").unwrap();
        let t = Instant::now();
        assert_eq!(rows_within(&watch, 1, 2), 2, "{how}");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        let data = watch.data();
        assert_eq!(data.members[1].last("field_norm"), Some(0.5));
    }

    /// Without notifications every table is looked at every `every`: a new row arrives by the
    /// next look, and the view is told why.
    #[test]
    fn without_notifications_every_table_is_looked_at() {
        let (_tmp, sweep, data, mut table) = one_row(2, 0);
        let watch = Watch::start_with(sweep, data, Duration::from_millis(50), false);
        assert_eq!(rows_within(&watch, 0, 1), 1);
        assert_eq!(
            watch.how(),
            format!("every table looked at every 50 ms: {POLL_VARIABLE} is set")
        );
        writeln!(table, "10,10,0.1,0.5").unwrap();
        assert_eq!(rows_within(&watch, 0, 2), 2);
    }
}
