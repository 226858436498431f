//! Host copies of tensors, in buffers recycled across oracle calls.
//!
//! A custom op reads its operands to the host with dfdx's `copy_into`, which needs an
//! initialized slice; a fresh `vec![0.0; n]` memsets it first, on the thread that runs the op,
//! between the parallel parts of a pass. One DCGAN oracle call copies the same ~40 MB of
//! activations and weights every time, so those memsets were a third of the serial time of a
//! 2-thread step (perf, Intel Xeon, 2026-12-04). A buffer released here goes back to a shared
//! pool and the next request of the same length takes it as it is: every entry is overwritten
//! by the copy, so its old contents never show.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

/// Buffers shorter than this are allocated and freed as usual (the pool is for activations
/// and weight matrices, where the memset costs more than the lock).
const MIN_POOLED: usize = 1 << 12;

/// Most floats the pool keeps at once (256 MiB); a buffer released beyond it is freed.
const MAX_POOLED: usize = 1 << 26;

/// The idle buffers and their total length.
static POOL: Mutex<(Vec<Vec<f32>>, usize)> = Mutex::new((Vec::new(), 0));

/// A host buffer of a fixed length whose memory returns to the pool when dropped. Its
/// contents on creation are unspecified (a previous user's values, or zeros): callers fill
/// every entry before reading any.
pub(crate) struct HostBuf(Vec<f32>);

impl HostBuf {
    /// A buffer of exactly `len` floats: an idle one of that length if the pool has one, a
    /// new zeroed one otherwise.
    pub(crate) fn take(len: usize) -> Self {
        if len >= MIN_POOLED {
            let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = pool.0.iter().position(|v| v.len() == len) {
                let v = pool.0.swap_remove(i);
                pool.1 -= len;
                return HostBuf(v);
            }
        }
        HostBuf(vec![0.0; len])
    }
}

impl Drop for HostBuf {
    fn drop(&mut self) {
        let len = self.0.len();
        if len < MIN_POOLED {
            return;
        }
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        if pool.1 + len <= MAX_POOLED {
            pool.1 += len;
            pool.0.push(std::mem::take(&mut self.0));
        }
    }
}

impl Deref for HostBuf {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.0
    }
}

impl DerefMut for HostBuf {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_buffer_is_taken_again_by_the_next_request_of_its_length() {
        // A length no other test uses, so the pool's other users cannot take it in between.
        let len = MIN_POOLED + 12_345;
        let mut a = HostBuf::take(len);
        a.fill(7.0);
        let ptr = a.as_ptr();
        drop(a);
        let b = HostBuf::take(len);
        assert_eq!(b.as_ptr(), ptr, "the pooled buffer is reused");
        assert_eq!(b.len(), len);
        let c = HostBuf::take(len);
        assert_ne!(c.as_ptr(), ptr, "a buffer in use is never handed out twice");
        assert!(c.iter().all(|v| *v == 0.0), "a new buffer starts zeroed");
    }

    #[test]
    fn short_buffers_bypass_the_pool() {
        let a = HostBuf::take(MIN_POOLED - 1);
        assert_eq!(a.len(), MIN_POOLED - 1);
        drop(a);
        let pool = POOL.lock().unwrap();
        assert!(pool.0.iter().all(|v| v.len() >= MIN_POOLED));
        assert!(pool.1 <= MAX_POOLED);
    }
}
