//! Host views of the tensors saddle's own ops made on the CPU, so that the next op reads its
//! input where it lies instead of copying it out of dfdx.
//!
//! Every host op copies its input to the host (`copy_into`, one thread, between the parallel
//! parts of a pass), and on the CPU that input is almost always the output of the op before,
//! a `Vec` saddle filled and handed to dfdx. `Cpu::tensor_from_vec` (dfdx 0.13) keeps that
//! `Vec`'s allocation as the tensor's buffer, so the op that made it knows where the values
//! lie: [`publish`] records the address with a clone of the tensor, and [`find`] gives the
//! next op a read-only view instead of a copy. A tensor is recognized by the address of its
//! first entry (dfdx's public indexing gives it) and its length. Those copies were 7 ms of
//! one thread per DCGAN step, the other thread idle meanwhile (perf, Intel Xeon, 2026-12-04).
//!
//! **Why a view is sound.** The clone in the record holds the buffer (dfdx's `Arc`), so it
//! is neither freed nor reused while the record or a view lives, and no other live buffer
//! can start at its address: a tensor whose first entry lies there shares this buffer. dfdx
//! writes a tensor's buffer in place only through `Arc::make_mut`, which copies a shared
//! buffer first, so the viewed values never change, and a handle changed in place (a fresh
//! buffer) no longer matches. Debug builds compare every view with a copy.

use super::host_buf::HostBuf;
use dfdx::prelude::*;
use std::any::Any;
use std::collections::VecDeque;
use std::ops::Deref;
use std::sync::Mutex;

/// Outputs shorter than this are not recorded (a copy costs less than the lock).
const MIN_VIEWED: usize = 1 << 12;

/// Records kept at once, oldest dropped first: a network's forward pass has at most a few
/// dozen host ops, and every record holds its buffer alive until it is dropped.
const MAX_RECORDS: usize = 32;

/// The published outputs, oldest first.
static RECORDS: Mutex<VecDeque<View>> = Mutex::new(VecDeque::new());

/// A read-only view of a CPU tensor's buffer, holding the buffer alive.
#[derive(Clone)]
pub(crate) struct View {
    ptr: *const f32,
    len: usize,
    _keep: std::sync::Arc<dyn Any + Send + Sync>,
}

// SAFETY: the view only reads the buffer, which no one writes while `_keep` (a clone of its
// tensor, sharing dfdx's `Arc`) lives (see the module docs); the keeper itself is Send + Sync.
unsafe impl Send for View {}
unsafe impl Sync for View {}

impl Deref for View {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        // SAFETY: ptr and len are those of the Vec handed to dfdx by `publish`, which `_keep`
        // holds alive and unchanged (module docs).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// `dev.tensor_from_vec(y, shape)`; on the CPU it also records where `y`'s values now lie,
/// for [`find`].
pub(crate) fn publish<S: Shape, D: Storage<f32> + TensorFromVec<f32>>(
    dev: &D,
    y: Vec<f32>,
    shape: S,
) -> Tensor<S, f32, D> {
    let (ptr, len) = (y.as_ptr(), y.len());
    let out = dev.tensor_from_vec(y, shape);
    if len >= MIN_VIEWED {
        if let Some(t) = (&out as &dyn Any).downcast_ref::<Tensor<S, f32, Cpu>>() {
            let view = View {
                ptr,
                len,
                _keep: std::sync::Arc::new(t.clone()),
            };
            let mut records = RECORDS.lock().unwrap_or_else(|e| e.into_inner());
            if records.len() == MAX_RECORDS {
                records.pop_front();
            }
            records.push_back(view);
        }
    }
    out
}

/// The address of `t`'s first entry in its buffer (t non-empty).
fn first<S: Shape>(t: &Tensor<S, f32, Cpu>) -> *const f32 {
    &t[S::Concrete::default()]
}

/// A view of `t`'s values if an op published them (same buffer, same length), else `None`.
/// `t` must be contiguous (its values are then the buffer's first `len` entries).
pub(crate) fn find<S: Shape, D: Storage<f32>>(t: &Tensor<S, f32, D>) -> Option<View> {
    let t = (t as &dyn Any).downcast_ref::<Tensor<S, f32, Cpu>>()?;
    let len = t.shape().num_elements();
    if len < MIN_VIEWED {
        return None;
    }
    let at = first(t);
    let view = {
        let records = RECORDS.lock().unwrap_or_else(|e| e.into_inner());
        records
            .iter()
            .find(|v| v.ptr == at && v.len == len)
            .cloned()?
    };
    debug_assert!(
        view[..] == t.as_vec()[..],
        "host view differs from the tensor's values"
    );
    Some(view)
}

/// An op's operand on the host: a view of a published output, or a copy.
pub(crate) enum HostData {
    /// Read where an op left it.
    Viewed(View),
    /// Copied out of dfdx.
    Copied(HostBuf),
}

impl Deref for HostData {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        match self {
            HostData::Viewed(v) => v,
            HostData::Copied(b) => b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A published output is found and shows its values; a reshaped handle (the same
    /// buffer) finds it too; a result computed by dfdx does not; a handle changed in place
    /// (copied on write) no longer matches, while the view keeps the published values.
    #[test]
    fn a_published_output_is_viewed_not_copied() {
        let dev = Cpu::default();
        let n = MIN_VIEWED + 7;
        let y: Vec<f32> = (0..n).map(|i| i as f32 * 0.5).collect();
        let t = publish(&dev, y.clone(), (n,));
        let v = find(&t).expect("published");
        assert_eq!(&v[..], &y[..]);
        let r = t.clone().reshape_like(&(1, n));
        assert_eq!(&find(&r).expect("same id")[..], &y[..]);
        let doubled = t.clone() * 2.0;
        assert!(find(&doubled).is_none());
        let mut w = t.clone();
        w.copy_from(&vec![0.0; n]);
        assert!(
            find(&w).is_none(),
            "a handle changed in place has its own buffer"
        );
        assert_eq!(&v[..], &y[..], "the view keeps the published values");
        let short = publish(&dev, vec![1.0; 3], (3,));
        assert!(find(&short).is_none(), "short outputs are copied");
    }
}
