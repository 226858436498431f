//! Differentiable operations dfdx lacks on stable Rust, or runs slowly on the CPU, as custom
//! ops on its tape (`Tape::add_backward_op`, `Gradients::get_or_alloc_mut`).
//!
//! Convolutions run on the host for every device: im2col (or col2im) per group of samples, one
//! GEMM per product, groups in parallel, the padding read from zero-bordered phase planes so
//! that every run of the column matrix is a fixed-length copy; the transposed convolution is
//! the adjoint of a convolution (GEMM then col2im), never a convolution over a zero-dilated
//! input. Linear layers, batch normalization fused with its activation, and the activations
//! themselves run as host kernels on the CPU ([`NeuralDevice::HOST`]); on other devices the
//! layers compose dfdx's own ops instead.
//!
//! **Threads and bits.** Work is cut into pieces whose boundaries depend on the shapes alone
//! (groups of samples, tiles of a product, blocks of samples or rows), each piece is computed
//! by one thread in a fixed order, and partial sums over pieces are added in piece order. So
//! on the CPU a forward and backward pass gives the same bits for any number of threads, run
//! after run; only a different CPU (another SIMD level in the GEMM) changes the f32 rounding.

pub mod activation;
pub mod batch_norm;
pub mod conv2d;
pub mod conv_transpose2d;
pub mod gemm;
pub mod geometry;
pub(crate) mod host_buf;
pub(crate) mod host_view;
pub mod linear;
pub(crate) mod tanh32;
pub mod timing;
pub(crate) mod wide;

use super::device::NeuralDevice;
use super::params::Flat;
use dfdx::prelude::*;
use host_buf::HostBuf;
use host_view::HostData;
use rayon::prelude::*;
use std::cell::RefCell;
use std::ops::Range;

/// A tensor on the tape of a forward pass.
pub type Traced<S, D> = Tensor<S, f32, D, OwnedTape<f32, D>>;
/// A batch of images (N, C, H, W) on the tape.
pub type Image<D> = Traced<(usize, usize, usize, usize), D>;
/// A flat parameter tensor on the tape.
pub type FlatT<D> = Traced<(usize,), D>;

/// Columns of the column matrix one piece of a convolution works on: about this many output
/// pixels per group of samples, so that even a 4×4 feature map gives products wide enough for
/// the GEMM's kernels, while a group's columns stay in the core's cache.
const GROUP_COLUMNS: usize = 128;

/// Consecutive groups of samples of a batch of `n` whose images have `pixels` columns each:
/// ⌈GROUP_COLUMNS / pixels⌉ samples per group (the last group shorter). Depends on the shapes
/// only, never on the number of threads.
pub(crate) fn sample_groups(n: usize, pixels: usize) -> Vec<Range<usize>> {
    let per = GROUP_COLUMNS.div_ceil(pixels.max(1)).clamp(1, n.max(1));
    (0..n.div_ceil(per))
        .map(|g| g * per..((g + 1) * per).min(n))
        .collect()
}

/// At most this many lanes in a backward pass (see [`lanes`]).
const MAX_LANES: usize = 8;

/// The groups of a backward pass dealt to lanes: lane l takes a fixed contiguous run of groups
/// (fewer than [`MAX_LANES`] groups: one lane each), runs them in order on one thread and
/// accumulates its own partial weight gradient; the partials are then added in lane order.
/// Each group comes with its block of `buf` (each sample `per` entries long).
pub(crate) fn lanes<'a>(
    groups: &'a [Range<usize>],
    buf: &'a mut [f32],
    per: usize,
) -> Vec<Vec<(&'a Range<usize>, &'a mut [f32])>> {
    let count = groups.len().clamp(1, MAX_LANES);
    let mut out: Vec<Vec<_>> = (0..count).map(|_| Vec::new()).collect();
    for (g, pair) in groups.iter().zip(split_by(buf, groups, per)).enumerate() {
        out[g * count / groups.len()].push(pair);
    }
    out
}

/// Splits `buf` into the disjoint sample blocks of `ranges` (each sample `per` entries long).
pub(crate) fn split_by<'a, T>(
    mut buf: &'a mut [T],
    ranges: &[Range<usize>],
    per: usize,
) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        let (head, tail) = buf.split_at_mut(r.len() * per);
        out.push(head);
        buf = tail;
    }
    out
}

/// `len` zeros, written in parallel pieces of [`PAR_CHUNK`] entries: an op's output buffer,
/// which `vec![0.0; len]` would zero on one thread while the others wait (tens of MB per DCGAN
/// oracle call, every entry overwritten by the op soon after).
pub(crate) fn par_zeros(len: usize) -> Vec<f32> {
    if len < 4 * PAR_CHUNK {
        return vec![0.0; len];
    }
    let mut v: Vec<f32> = Vec::with_capacity(len);
    v.spare_capacity_mut()[..len]
        .par_chunks_mut(PAR_CHUNK)
        .for_each(|c| c.fill(std::mem::MaybeUninit::new(0.0)));
    // SAFETY: the capacity is at least len and every one of the first len entries was just
    // written.
    unsafe { v.set_len(len) };
    v
}

/// Entries per piece of element-wise work (≈ 64 KiB of f32).
pub(crate) const PAR_CHUNK: usize = 1 << 14;

/// Runs `f` on a worker thread of the current rayon pool while the calling thread waits (at
/// once when the caller is a worker already), and returns its result.
///
/// A host pass issues dozens of parallel loops; each one started from a thread outside the
/// pool is queued for the pool and the caller sleeps until it is done, two context switches
/// per loop, which on the one-thread MoG oracle call cost a tenth of its time (perf, Intel
/// Xeon, 2026-12-04). Started on a worker, the loops split on the pool's own queues and a
/// one-thread pool runs them without a switch. Only for host devices: a CUDA handle belongs
/// to the thread that made it.
pub(crate) fn on_pool<R>(f: impl FnOnce() -> R) -> R {
    if rayon::current_thread_index().is_some() {
        return f();
    }
    struct Handed<T>(T);
    // SAFETY: the value crosses to one worker thread and the result comes back while the
    // calling thread is blocked inside `rayon::scope`, so neither side is touched by two
    // threads at once; rayon's latch orders the accesses (happens-before both ways).
    unsafe impl<T> Send for Handed<T> {}
    let job = Handed(f);
    let out = rayon::scope(move |_| {
        let job = job;
        Handed((job.0)())
    });
    out.0
}

thread_local! {
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on a scratch buffer of `len` floats owned by the current thread (reused across
/// calls, so large column matrices are not allocated and faulted in again for every group).
/// Its contents on entry are unspecified. Not reentrant: `f` must not call it again.
pub(crate) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    SCRATCH.with(|s| {
        let mut buf = s.borrow_mut();
        if buf.len() < len {
            buf.resize(len, 0.0);
        }
        f(&mut buf[..len])
    })
}

/// Per-channel sums Σ_{n, pixel} g[n, c, pixel], accumulated in f64 ([`wide::pair_sums`]);
/// samples in fixed groups (parallel), groups added in order.
pub(crate) fn bias_grad(g: &[f32], n: usize, c: usize, pixels: usize) -> Vec<f32> {
    struct Rows<'a> {
        g: &'a [f32],
        samples: Range<usize>,
        c: usize,
        pixels: usize,
    }
    impl wide::Kernel for Rows<'_> {
        type Out = Vec<f64>;
        #[inline(always)]
        fn run(self) -> Vec<f64> {
            let (c, p) = (self.c, self.pixels);
            let mut acc = vec![0.0f64; c];
            for b in self.samples {
                for (ch, a) in acc.iter_mut().enumerate() {
                    let s = &self.g[(b * c + ch) * p..(b * c + ch + 1) * p];
                    *a += wide::pair_sums(s, s, |x, _| (x as f64, 0.0)).0;
                }
            }
            acc
        }
    }
    let groups = sample_groups(n, pixels);
    let parts: Vec<Vec<f64>> = groups
        .par_iter()
        .map(|r| {
            wide::wide(Rows {
                g,
                samples: r.clone(),
                c,
                pixels,
            })
        })
        .collect();
    let mut gb = vec![0.0f64; c];
    for p in parts {
        gb.iter_mut().zip(p).for_each(|(a, b)| *a += b);
    }
    gb.into_iter().map(|v| v as f32).collect()
}

/// A layer's input, weight and optional bias on the host: the tensors (to address their
/// gradients), one tape holding all three, and their values.
pub(crate) struct HostOperands<S: Shape, D: NeuralDevice> {
    pub x: Tensor<S, f32, D>,
    pub w: Flat<D>,
    pub b: Option<Flat<D>>,
    pub tape: OwnedTape<f32, D>,
    pub xh: HostData,
    pub wh: HostData,
    pub bh: Option<HostData>,
}

/// Moves x, w and b of the custom op `op` to the host (see [`HostOperands`]), after checking
/// that w holds a `w_shape.0 × w_shape.1` matrix.
pub(crate) fn host_operands<S: Shape, D: NeuralDevice>(
    op: &str,
    x: Traced<S, D>,
    w: FlatT<D>,
    b: Option<FlatT<D>>,
    w_shape: (usize, usize),
) -> HostOperands<S, D> {
    let (r, c) = w_shape;
    assert_eq!(
        w.shape().0,
        r * c,
        "{op}: weight has {} entries, expected {r}×{c}",
        w.shape().0
    );
    let (x, tx, xh) = host(x);
    let (w, tw, wh) = host(w);
    let mut tape = tx.merge(tw);
    let (b, bh) = match b {
        Some(b) => {
            let (b, tb, bh) = host(b);
            tape = tape.merge(tb);
            (Some(b), Some(bh))
        }
        None => (None, None),
    };
    HostOperands {
        x,
        w,
        b,
        tape,
        xh,
        wh,
        bh,
    }
}

/// Keeps freed memory in the process for reuse (glibc's allocator; once per process).
///
/// One oracle call of a DCGAN allocates and frees the same ~100 MB of activations, gradients
/// and temporaries; by default glibc maps each large block fresh and returns it on free, so the
/// next call faults the pages in again (the kernel zeroes each one). Raising the mmap threshold
/// to its maximum (32 MiB) and the trim threshold to 512 MiB keeps those blocks on the heap:
/// measured on the DCGAN step (2 threads), 330 000 → 67 000 page faults over 22 oracle calls
/// and a third less CPU time. The price: up to 512 MiB of freed memory may stay mapped.
///
/// Those two thresholds govern the main arena. A pass that runs on a rayon worker
/// ([`on_pool`]) allocates from that thread's own arena, whose heaps (64 MiB each) glibc
/// unmaps as soon as one is empty, and the faults came back: 190 000–280 000 and 2–3 s of
/// system time per 20 DCGAN steps (Intel Xeon, 2026-12-04). A top pad of 64 MiB keeps such
/// heaps (a heap is released or shrunk only beyond the pad): 95 000 faults and 0.35 s.
/// Holding every thread to the main arena instead did the same for the DCGAN but halved the
/// throughput of two toy runs in one process (4.9 s instead of 2.4 s for 2 × 4·10⁶ steps:
/// their small allocations then fought over one lock).
pub(crate) fn keep_freed_memory() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: mallopt only changes allocator parameters; the values are within glibc's
        // documented limits (mmap threshold ≤ 32 MiB on 64-bit).
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
            libc::mallopt(libc::M_TOP_PAD, 64 << 20);
        }
    });
}

/// Reads a traced tensor's values to the host (row-major; a non-contiguous tensor is made
/// contiguous first, on the tape) and splits off its tape. The output of an earlier host op
/// is read where that op left it ([`host_view`]); anything else is copied into a recycled
/// buffer ([`HostBuf`]).
pub(crate) fn host<S: Shape, D: NeuralDevice>(
    t: Traced<S, D>,
) -> (Tensor<S, f32, D>, OwnedTape<f32, D>, HostData) {
    keep_freed_memory();
    let (t, tape) = t.contiguous().split_tape();
    if let Some(v) = host_view::find(&t) {
        return (t, tape, HostData::Viewed(v));
    }
    let mut v = HostBuf::take(t.shape().num_elements());
    t.copy_into(&mut v);
    (t, tape, HostData::Copied(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// par_zeros gives exactly len zeros on both sides of its parallel threshold, including a
    /// last piece shorter than PAR_CHUNK.
    #[test]
    fn par_zeros_are_len_zeros() {
        for len in [0, 1, 4 * PAR_CHUNK - 1, 4 * PAR_CHUNK, 9 * PAR_CHUNK + 17] {
            let v = par_zeros(len);
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|x| x.to_bits() == 0), "length {len}");
        }
    }
}
