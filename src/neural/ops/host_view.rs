//! Host views: an op reads a CPU tensor's values where they lie instead of copying them out
//! of dfdx.
//!
//! Every host op needs its input on the host, and on the CPU that input is almost always the
//! output of the op before, a `Vec` saddle filled and handed to dfdx (`Cpu::tensor_from_vec`
//! keeps it as the tensor's buffer). Copying it out (`copy_into`, one thread, between the
//! parallel parts of a pass) was 7 ms of one thread per DCGAN step, the other thread idle
//! meanwhile (perf, Intel Xeon, 2026-12-04). [`find`] gives a read-only view of any tensor
//! laid out row-major in its buffer, whoever made it
//! ([`crate::neural::device::row_major`]).
//!
//! **Why a view is sound.** The view holds a clone of the tensor, which shares dfdx's `Arc`
//! of the buffer, so the buffer is neither freed nor reused while the view lives. dfdx
//! writes a buffer in place only through `Arc::make_mut` on a tensor borrowed mutably, which
//! copies a shared buffer first, so the viewed values never change. Debug builds compare
//! every view with a copy.

use super::host_buf::HostBuf;
use dfdx::prelude::*;
use std::any::Any;
use std::ops::Deref;

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
        // SAFETY: ptr and len are those of a slice of the buffer `_keep` holds alive and
        // unchanged (module docs).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// A view of `t`'s values when it is a CPU tensor laid out row-major
/// ([`crate::neural::device::row_major`]).
pub(crate) fn find<S: Shape, D: Storage<f32>>(t: &Tensor<S, f32, D>) -> Option<View> {
    let t = (t as &dyn Any).downcast_ref::<Tensor<S, f32, Cpu>>()?;
    // An empty operand is copied (for nothing): dfdx's own reading of a zero-sized
    // multi-dimensional tensor, which the debug check below would call, panics.
    let values = crate::neural::device::row_major(t).filter(|v| !v.is_empty())?;
    let view = View {
        ptr: values.as_ptr(),
        len: values.len(),
        _keep: std::sync::Arc::new(t.clone()),
    };
    debug_assert!(
        view[..] == t.as_vec()[..],
        "host view differs from the tensor's values"
    );
    Some(view)
}

/// An op's operand on the host: a view of its buffer, or a copy.
pub(crate) enum HostData {
    /// Read where it lies.
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

    /// Any row-major tensor is viewed: one saddle made, one dfdx computed, a reshaped handle
    /// (the same buffer); a handle changed in place (copied on write) shows its new values
    /// while the old view keeps the old ones; a broadcast, a permuted view and an empty
    /// tensor are not viewed.
    #[test]
    fn row_major_tensors_are_viewed_not_copied() {
        let dev = Cpu::default();
        let n = 1000;
        let y: Vec<f32> = (0..n).map(|i| i as f32 * 0.5).collect();
        let t = dev.tensor_from_vec(y.clone(), (n,));
        let v = find(&t).expect("row-major");
        assert_eq!(&v[..], &y[..]);
        let r = t.clone().reshape_like(&(10, n / 10));
        let rv = find(&r).expect("a reshape shares the buffer");
        assert_eq!((rv.as_ptr(), &rv[..]), (v.as_ptr(), &y[..]));
        let doubled = t.clone() * 2.0;
        assert_eq!(find(&doubled).unwrap()[7], 7.0);
        let mut w = t.clone();
        w.copy_from(&vec![0.0; n]);
        assert!(find(&w).unwrap().iter().all(|x| *x == 0.0));
        assert_eq!(&v[..], &y[..], "the view keeps the values it showed");
        let b: Tensor<(usize, usize), f32, Cpu> = dev.tensor(1.5f32).broadcast_like(&(3, 4));
        assert!(find(&b).is_none(), "a broadcast is one entry");
        let m = dev.tensor_from_vec((0..6).map(|i| i as f32).collect(), (2, 3));
        let p = m.clone().permute::<_, Axes2<1, 0>>();
        assert!(find(&p).is_none(), "a transposed view is not row-major");
        assert_eq!(&find(&m).unwrap()[..], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        let e = dev.tensor_from_vec(Vec::<f32>::new(), (0, 3));
        assert!(find(&e).is_none(), "an empty operand is copied");
    }
}
