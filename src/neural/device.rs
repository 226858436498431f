//! The devices neural players live on, chosen per run (`cpu`, `cuda:N`).
//!
//! Tensors of one run must share one device handle (on CUDA a handle is a context and its
//! streams), and checkpoints are read back without one at hand, so every device kind keeps one
//! handle per ordinal and hands out clones of it: one per process for the CPU, one per thread
//! for CUDA (dfdx's CUDA handle is neither `Send` nor `Sync`; a run builds its game, loads its
//! checkpoints and steps on one thread, so each run thread owns its own CUDA handle).

use dfdx::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Which device a run's tensors live on, as a preset writes it: `"cpu"` or `"cuda:N"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeviceSpec {
    /// The host, through dfdx's CPU kernels and saddle's own parallel convolution.
    #[default]
    Cpu,
    /// CUDA device N (needs the `cuda` cargo feature).
    Cuda(usize),
}

impl DeviceSpec {
    /// Parses `cpu` or `cuda:N` (`cuda` alone is `cuda:0`).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "cpu" => Ok(DeviceSpec::Cpu),
            "cuda" => Ok(DeviceSpec::Cuda(0)),
            other => other
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(DeviceSpec::Cuda)
                .ok_or_else(|| format!("device must be \"cpu\" or \"cuda:N\", got {other:?}")),
        }
    }

    /// Refuses CUDA in a build without the `cuda` feature.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            DeviceSpec::Cpu => Ok(()),
            DeviceSpec::Cuda(_) if cfg!(feature = "cuda") => Ok(()),
            DeviceSpec::Cuda(n) => Err(format!(
                "device \"cuda:{n}\" needs a build with the `cuda` feature (cargo build --release --features cuda)"
            )),
        }
    }
}

impl std::fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceSpec::Cpu => f.write_str("cpu"),
            DeviceSpec::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

impl Serialize for DeviceSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for DeviceSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DeviceSpec::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A dfdx device saddle can put neural players on.
///
/// Besides dfdx's own kernels, saddle's host ops (convolutions everywhere; on the CPU also linear
/// layers, batch normalization and activations) need the raw gradient buffers on the host:
/// `read_vec` copies one out and `add_host` adds a host buffer into one (the CPU device does both
/// in place; CUDA goes through host copies).
pub trait NeuralDevice: Device<f32> + Clone + std::fmt::Debug + 'static {
    /// True when tensors live in host memory: the layers then run saddle's fused host kernels
    /// (`neural::ops`); otherwise they compose dfdx's device kernels, which keep the data on
    /// the device.
    const HOST: bool;
    /// The shared handle of device `ordinal` (0 for the CPU).
    fn shared(ordinal: usize) -> Self;
    /// The handle of the device a checkpoint is read back onto (set by [`set_load_ordinal`]).
    fn for_loading() -> Self {
        Self::shared(load_ordinal())
    }
    /// A copy of a raw buffer on the host.
    fn read_vec(v: &<Self as Storage<f32>>::Vec) -> Vec<f32>;
    /// `v ← v + host`, element-wise.
    fn add_host(v: &mut <Self as Storage<f32>>::Vec, host: &[f32]);
    /// Host copies of the values of `ts`, in order. On the CPU the copies run in parallel,
    /// one tensor per task (an optimizer step reads every tensor of a player, three for
    /// Adam); the CPU's optimizer reads tensors in place ([`NeuralDevice::host_slice`]) and
    /// copies only what is not laid out in a row.
    fn read_tensors(ts: &[&Tensor<(usize,), f32, Self>]) -> Vec<Vec<f32>> {
        ts.iter().map(|t| t.as_vec()).collect()
    }
    /// `t`'s values where they lie, for as long as `t` is borrowed, when the device keeps
    /// them in host memory one after another; None otherwise (the caller copies). Sound
    /// because dfdx writes a buffer in place only through `Arc::make_mut` on a tensor
    /// borrowed mutably, which copies a buffer other handles share first.
    fn host_slice(_t: &Tensor<(usize,), f32, Self>) -> Option<&[f32]> {
        None
    }
    /// `v ← v + (parts₀ + parts₁ + …)`: the parts (each as long as `v`) are summed in their
    /// order and the sum added, so the bits depend on the parts alone, never on the threads
    /// that made them. On the CPU one pass, without the sum's own buffer.
    fn add_host_sum(v: &mut <Self as Storage<f32>>::Vec, parts: &[&[f32]]) {
        let mut sum = parts.first().map(|p| p.to_vec()).unwrap_or_default();
        for p in parts.iter().skip(1) {
            sum.iter_mut().zip(*p).for_each(|(a, b)| *a += *b);
        }
        if !sum.is_empty() {
            Self::add_host(v, &sum);
        }
    }
    /// sign·∂/∂t out of `grads` as a tensor of its own (allocated as zeros if absent). On the
    /// CPU one parallel pass writes the new buffer (no zero fill, no second pass for the sign).
    fn gradient_of(
        grads: &mut Gradients<f32, Self>,
        t: &Tensor<(usize,), f32, Self>,
        sign: f32,
    ) -> Result<Tensor<(usize,), f32, Self>, Self::Err> {
        grads.try_alloc_for(t)?;
        Ok(if sign == 1.0 {
            grads.get(t)
        } else {
            grads.get(t) * sign
        })
    }
    /// Runs `f(∂out, ∂x)` in a backward op: the gradient of `out` to read and the gradient of
    /// `x` to add into (each allocated as zeros if absent). On the CPU they are the gradient
    /// buffers themselves, so nothing is copied; elsewhere host copies, ∂x written back.
    fn with_grads<S1: Shape, S2: Shape, R>(
        grads: &mut Gradients<f32, Self>,
        out: &Tensor<S1, f32, Self>,
        x: &Tensor<S2, f32, Self>,
        f: impl FnOnce(&[f32], &mut [f32]) -> R,
    ) -> Result<R, Self::Err>;
    /// [`NeuralDevice::with_grads`] for a backward op whose first pass `pre` reads ∂out
    /// only: `f(pre(∂out), ∂out, ∂x)`. On the CPU `pre` runs while dfdx allocates ∂x, which
    /// it zeroes on one thread (megabytes for an activation's gradient, the other core idle
    /// meanwhile).
    fn with_grads_after<S1: Shape, S2: Shape, P: Send, R>(
        grads: &mut Gradients<f32, Self>,
        out: &Tensor<S1, f32, Self>,
        x: &Tensor<S2, f32, Self>,
        pre: impl FnOnce(&[f32]) -> P + Send,
        f: impl FnOnce(P, &[f32], &mut [f32]) -> R,
    ) -> Result<R, Self::Err> {
        Self::with_grads(grads, out, x, |gy, gx| f(pre(gy), gy, gx))
    }
}

static LOAD_ORDINAL: OnceLock<std::sync::atomic::AtomicUsize> = OnceLock::new();

fn load_slot() -> &'static std::sync::atomic::AtomicUsize {
    LOAD_ORDINAL.get_or_init(|| std::sync::atomic::AtomicUsize::new(0))
}

/// Sets the CUDA ordinal checkpoints are read back onto (process-wide; runs on several CUDA
/// devices in one process load one at a time).
pub fn set_load_ordinal(n: usize) {
    load_slot().store(n, std::sync::atomic::Ordering::SeqCst);
}

pub(crate) fn load_ordinal() -> usize {
    load_slot().load(std::sync::atomic::Ordering::SeqCst)
}

/// Entries per parallel piece of the CPU's host-buffer passes (64 KiB of f32).
const HOST_CHUNK: usize = 1 << 14;

/// `t`'s values in row-major order where they lie, borrowed with `t`, when its buffer holds
/// them that way; None otherwise (a broadcast, a permuted view). Entry `idx` lies at
/// Σ stride·idx in the buffer (dfdx's indexing, bounds-checked): the address of each unit
/// index gives each stride, and with row-major strides the last entry in bounds means the
/// buffer holds all `len` values from the first.
pub(crate) fn row_major<S: Shape>(t: &Tensor<S, f32, Cpu>) -> Option<&[f32]> {
    let (shape, len) = (t.shape().concrete(), t.shape().num_elements());
    if len == 0 {
        return Some(&[]);
    }
    let (zero, strides) = (S::Concrete::default(), t.shape().strides());
    let first: *const f32 = &t[zero];
    let at = |idx: S::Concrete| -> *const f32 { &t[idx] };
    for axis in 0..S::NUM_DIMS {
        if shape[axis] > 1 {
            let mut unit = zero;
            unit[axis] = 1;
            if at(unit) != first.wrapping_add(strides[axis]) {
                return None;
            }
        }
    }
    let mut last = shape;
    for axis in 0..S::NUM_DIMS {
        last[axis] -= 1;
    }
    if at(last) != first.wrapping_add(len - 1) {
        return None;
    }
    // SAFETY: with row-major strides entries 0..len of the buffer are the tensor's values
    // (the last one in bounds), initialized and unchanged while `t` is borrowed (see
    // `NeuralDevice::host_slice`).
    Some(unsafe { std::slice::from_raw_parts(first, len) })
}

impl NeuralDevice for Cpu {
    const HOST: bool = true;
    fn shared(_ordinal: usize) -> Self {
        static CPU: OnceLock<Cpu> = OnceLock::new();
        CPU.get_or_init(Cpu::default).clone()
    }
    fn read_vec(v: &<Self as Storage<f32>>::Vec) -> Vec<f32> {
        v.to_vec()
    }
    fn add_host(v: &mut <Self as Storage<f32>>::Vec, host: &[f32]) {
        use rayon::prelude::*;
        assert_eq!(v.len(), host.len(), "add_host: buffer sizes differ");
        v.par_chunks_mut(HOST_CHUNK)
            .zip(host.par_chunks(HOST_CHUNK))
            .for_each(|(a, b)| a.iter_mut().zip(b).for_each(|(a, b)| *a += *b));
    }
    fn host_slice(t: &Tensor<(usize,), f32, Self>) -> Option<&[f32]> {
        row_major(t)
    }
    fn read_tensors(ts: &[&Tensor<(usize,), f32, Self>]) -> Vec<Vec<f32>> {
        use rayon::prelude::*;
        ts.par_iter()
            .map(|t| {
                let mut v = vec![0.0; t.shape().0];
                t.copy_into(&mut v);
                v
            })
            .collect()
    }
    fn add_host_sum(v: &mut <Self as Storage<f32>>::Vec, parts: &[&[f32]]) {
        use rayon::prelude::*;
        // A short stack buffer per run keeps the running sum in L1 between the parts.
        const RUN: usize = 1024;
        for p in parts {
            assert_eq!(v.len(), p.len(), "add_host_sum: buffer sizes differ");
        }
        let Some((first, rest)) = parts.split_first() else {
            return;
        };
        v.par_chunks_mut(HOST_CHUNK)
            .enumerate()
            .for_each(|(i, chunk)| {
                let mut sum = [0.0f32; RUN];
                for (j, out) in chunk.chunks_mut(RUN).enumerate() {
                    let at = i * HOST_CHUNK + j * RUN;
                    let sum = &mut sum[..out.len()];
                    sum.copy_from_slice(&first[at..at + out.len()]);
                    for p in rest {
                        sum.iter_mut().zip(&p[at..]).for_each(|(a, b)| *a += *b);
                    }
                    out.iter_mut().zip(&*sum).for_each(|(a, b)| *a += *b);
                }
            });
    }
    fn gradient_of(
        grads: &mut Gradients<f32, Self>,
        t: &Tensor<(usize,), f32, Self>,
        sign: f32,
    ) -> Result<Tensor<(usize,), f32, Self>, Self::Err> {
        use rayon::prelude::*;
        let g = grads.get_or_alloc_mut(t)?;
        let mut out = Vec::with_capacity(g.len());
        // x·1 and x·(−1) are exact, so these are the bits of dfdx's copy (and negation).
        g.par_iter().map(|x| x * sign).collect_into_vec(&mut out);
        let n = out.len();
        Ok(t.device().tensor_from_vec(out, (n,)))
    }
    fn with_grads<S1: Shape, S2: Shape, R>(
        grads: &mut Gradients<f32, Self>,
        out: &Tensor<S1, f32, Self>,
        x: &Tensor<S2, f32, Self>,
        f: impl FnOnce(&[f32], &mut [f32]) -> R,
    ) -> Result<R, Self::Err> {
        // Both entries exist before either is borrowed, so the second lookup inserts nothing.
        grads.try_alloc_for(x)?;
        let gy = grads.get_or_alloc_mut(out)?;
        let (ptr, len) = (gy.as_ptr(), gy.len());
        let gx = grads.get_or_alloc_mut(x)?;
        assert!(
            len == 0 || !std::ptr::eq(ptr, gx.as_ptr()),
            "with_grads: out and x share a gradient"
        );
        // SAFETY: ∂out and ∂x are two distinct gradient buffers (distinct tensors, asserted
        // above) whose heap storage does not move while `grads` is not modified again; the
        // slice is read-only and dropped before this function returns.
        let gy = unsafe { std::slice::from_raw_parts(ptr, len) };
        Ok(f(gy, gx))
    }
    fn with_grads_after<S1: Shape, S2: Shape, P: Send, R>(
        grads: &mut Gradients<f32, Self>,
        out: &Tensor<S1, f32, Self>,
        x: &Tensor<S2, f32, Self>,
        pre: impl FnOnce(&[f32]) -> P + Send,
        f: impl FnOnce(P, &[f32], &mut [f32]) -> R,
    ) -> Result<R, Self::Err> {
        struct Slice(*const f32, usize);
        // SAFETY: a read-only view of ∂out, shared with the thread that runs `pre`.
        unsafe impl Send for Slice {}
        unsafe impl Sync for Slice {}
        let gy = grads.get_or_alloc_mut(out)?;
        let view = Slice(gy.as_ptr(), gy.len());
        // SAFETY: ∂out's heap storage stays where it is while the other task inserts ∂x into
        // `grads` (the map moves its entries' headers, never their buffers) and nothing writes
        // it; the slice is dropped before this function returns.
        let read = |v: &Slice| unsafe { std::slice::from_raw_parts(v.0, v.1) };
        let (pre, alloc) = rayon::join(|| pre(read(&view)), || grads.try_alloc_for(x));
        alloc?;
        let gx = grads.get_or_alloc_mut(x)?;
        assert!(
            view.1 == 0 || !std::ptr::eq(view.0, gx.as_ptr()),
            "with_grads_after: out and x share a gradient"
        );
        Ok(f(pre, read(&view), gx))
    }
}

#[cfg(feature = "cuda")]
impl NeuralDevice for Cuda {
    const HOST: bool = false;
    fn shared(ordinal: usize) -> Self {
        use std::cell::RefCell;
        use std::collections::HashMap;
        thread_local! {
            static DEVICES: RefCell<HashMap<usize, Cuda>> = RefCell::new(HashMap::new());
        }
        DEVICES.with(|m| {
            m.borrow_mut()
                .entry(ordinal)
                .or_insert_with(|| {
                    Cuda::try_build(ordinal, 0).unwrap_or_else(|e| panic!("cuda:{ordinal}: {e:?}"))
                })
                .clone()
        })
    }
    fn read_vec(v: &<Self as Storage<f32>>::Vec) -> Vec<f32> {
        v.device().dtoh_sync_copy(v).expect("device to host copy")
    }
    fn add_host(v: &mut <Self as Storage<f32>>::Vec, host: &[f32]) {
        let dev = v.device();
        let mut sum = dev.dtoh_sync_copy(v).expect("device to host copy");
        for (a, b) in sum.iter_mut().zip(host) {
            *a += *b;
        }
        dev.htod_sync_copy_into(&sum, v)
            .expect("host to device copy");
    }
    fn with_grads<S1: Shape, S2: Shape, R>(
        grads: &mut Gradients<f32, Self>,
        out: &Tensor<S1, f32, Self>,
        x: &Tensor<S2, f32, Self>,
        f: impl FnOnce(&[f32], &mut [f32]) -> R,
    ) -> Result<R, Self::Err> {
        let gy = Self::read_vec(grads.get_or_alloc_mut(out)?);
        let v = grads.get_or_alloc_mut(x)?;
        let dev = v.device();
        let mut gx = dev.dtoh_sync_copy(v).expect("device to host copy");
        let r = f(&gy, &mut gx);
        dev.htod_sync_copy_into(&gx, v)
            .expect("host to device copy");
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_specs_parse() {
        assert_eq!(DeviceSpec::parse("cpu").unwrap(), DeviceSpec::Cpu);
        assert_eq!(DeviceSpec::parse("cuda:1").unwrap(), DeviceSpec::Cuda(1));
        assert!(DeviceSpec::parse("gpu").unwrap_err().contains("cuda:N"));
        let back: DeviceSpec =
            ron::from_str(&ron::to_string(&DeviceSpec::Cuda(2)).unwrap()).unwrap();
        assert_eq!(back, DeviceSpec::Cuda(2));
    }

    /// The CPU's values in place: a tensor's own buffer, the one a clone shares, and no view
    /// of a broadcast (stride 0) or of anything after a write (a new buffer).
    #[test]
    fn host_slices_are_the_values_where_they_lie() {
        let dev = Cpu::shared(0);
        let t = dev.tensor_from_vec(vec![1.0f32, -2.0, 3.5], (3,));
        let s = Cpu::host_slice(&t).expect("a contiguous tensor");
        assert_eq!(s, &t.as_vec()[..]);
        let c = t.clone();
        assert_eq!(
            Cpu::host_slice(&c).unwrap().as_ptr(),
            s.as_ptr(),
            "a clone shares it"
        );
        let b: Tensor<(usize,), f32, Cpu> = dev.tensor(2.0f32).broadcast_like(&(4,));
        assert_eq!(b.as_vec(), vec![2.0; 4]);
        assert!(
            Cpu::host_slice(&b).is_none(),
            "a broadcast is not laid out in a row"
        );
        let mut w = t.clone();
        w[[1]] = 7.0;
        assert_eq!(Cpu::host_slice(&w).unwrap(), &[1.0, 7.0, 3.5]);
        assert_eq!(
            Cpu::host_slice(&t).unwrap(),
            &[1.0, -2.0, 3.5],
            "the shared one stays"
        );
        let e = dev.tensor_from_vec(Vec::<f32>::new(), (0,));
        assert_eq!(Cpu::host_slice(&e), Some(&[][..]));
    }
}
