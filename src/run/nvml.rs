//! NVIDIA's management library (NVML), loaded at run time with `dlopen`, so that saddle starts
//! on machines without a GPU driver and links no GPU library. Without `libnvidia-ml.so.1` (or
//! when its initialisation fails) there is no [`Nvml`], and the system pane says "no GPU".
//! A driver without the per-process query (`nvmlDeviceGetComputeRunningProcesses_v3` or `_v2`)
//! still gives the GPUs' state; only this process's own GPU memory is then unknown.

use std::ffi::{c_char, c_int, c_uint, c_ulonglong, c_void, CStr};

/// One GPU's state at a sample.
#[derive(Clone, Debug, PartialEq)]
pub struct GpuSample {
    /// Its index in NVML's order.
    pub index: u32,
    /// Percent of the last sample period during which a kernel ran.
    pub utilization_percent: f64,
    /// Device memory in use, bytes.
    pub memory_used: u64,
    /// Device memory in all, bytes.
    pub memory_total: u64,
    /// Core temperature, °C.
    pub temperature_c: f64,
    /// Board power draw, watts.
    pub power_w: f64,
}

type Ret = c_int;
type Device = *mut c_void;

#[repr(C)]
#[derive(Default)]
struct Utilization {
    gpu: c_uint,
    memory: c_uint,
}

#[repr(C)]
#[derive(Default)]
struct Memory {
    total: c_ulonglong,
    free: c_ulonglong,
    used: c_ulonglong,
}

type InitFn = unsafe extern "C" fn() -> Ret;
type CountFn = unsafe extern "C" fn(*mut c_uint) -> Ret;
type HandleFn = unsafe extern "C" fn(c_uint, *mut Device) -> Ret;
type UtilizationFn = unsafe extern "C" fn(Device, *mut Utilization) -> Ret;
type MemoryFn = unsafe extern "C" fn(Device, *mut Memory) -> Ret;
type TemperatureFn = unsafe extern "C" fn(Device, c_int, *mut c_uint) -> Ret;
type PowerFn = unsafe extern "C" fn(Device, *mut c_uint) -> Ret;
type ProcessesFn = unsafe extern "C" fn(Device, *mut c_uint, *mut ProcessInfo) -> Ret;

/// `nvmlProcessInfo_t` as `_v2` and `_v3` of the running-processes query fill it (the same
/// four fields in both; `_v1`'s two-field struct is not used).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct ProcessInfo {
    pid: c_uint,
    used_gpu_memory: c_ulonglong,
    gpu_instance_id: c_uint,
    compute_instance_id: c_uint,
}

/// `NVML_SUCCESS`.
const SUCCESS: Ret = 0;
/// `NVML_ERROR_INSUFFICIENT_SIZE`: the buffer was too small, the count says how many now.
const INSUFFICIENT_SIZE: Ret = 7;
/// `NVML_VALUE_NOT_AVAILABLE`: the driver cannot tell a process's memory (e.g. Windows WDDM).
const VALUE_NOT_AVAILABLE: c_ulonglong = c_ulonglong::MAX;
/// Tries of the process query: processes may start between the size query and the fetch.
const PROCESS_TRIES: usize = 4;
type Sym = *mut c_void;

/// The entry points saddle reads, resolved once.
pub struct Nvml {
    count: CountFn,
    handle: HandleFn,
    utilization: UtilizationFn,
    memory: MemoryFn,
    temperature: TemperatureFn,
    power: PowerFn,
    processes: Option<ProcessesFn>,
}

// SAFETY: NVML's functions are thread-safe (NVML documents every entry point as such), and
// the struct holds only function pointers into a library that is never unloaded.
unsafe impl Send for Nvml {}
unsafe impl Sync for Nvml {}

const LIBRARY: &CStr = c"libnvidia-ml.so.1";

fn symbol(lib: *mut c_void, name: &CStr) -> Option<*mut c_void> {
    // SAFETY: `lib` is a live handle from dlopen and `name` is NUL-terminated.
    let p = unsafe { libc::dlsym(lib, name.as_ptr() as *const c_char) };
    (!p.is_null()).then_some(p)
}

impl Nvml {
    /// NVML when the driver's library loads and initialises; None otherwise (no GPU, no
    /// driver, or a driver without these entry points), with the reason.
    pub fn load() -> Result<Nvml, String> {
        // SAFETY: dlopen with a NUL-terminated name; the handle is kept for the process.
        let lib = unsafe { libc::dlopen(LIBRARY.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if lib.is_null() {
            return Err("no GPU: libnvidia-ml.so.1 is not installed".into());
        }
        let get = |n: &CStr| symbol(lib, n).ok_or(format!("no GPU: NVML lacks {n:?}"));
        let init = get(c"nvmlInit_v2")?;
        // SAFETY: each pointer is NVML's symbol of that name, whose C signature is the one
        // transmuted to (from nvml.h).
        unsafe {
            let init = std::mem::transmute::<Sym, InitFn>(init);
            let r = init();
            if r != 0 {
                return Err(format!("no GPU: nvmlInit failed (NVML error {r})"));
            }
            Ok(Nvml {
                count: std::mem::transmute::<Sym, CountFn>(get(c"nvmlDeviceGetCount_v2")?),
                handle: std::mem::transmute::<Sym, HandleFn>(get(
                    c"nvmlDeviceGetHandleByIndex_v2",
                )?),
                utilization: std::mem::transmute::<Sym, UtilizationFn>(get(
                    c"nvmlDeviceGetUtilizationRates",
                )?),
                memory: std::mem::transmute::<Sym, MemoryFn>(get(c"nvmlDeviceGetMemoryInfo")?),
                temperature: std::mem::transmute::<Sym, TemperatureFn>(get(
                    c"nvmlDeviceGetTemperature",
                )?),
                power: std::mem::transmute::<Sym, PowerFn>(get(c"nvmlDeviceGetPowerUsage")?),
                processes: symbol(lib, c"nvmlDeviceGetComputeRunningProcesses_v3")
                    .or_else(|| symbol(lib, c"nvmlDeviceGetComputeRunningProcesses_v2"))
                    .map(|p| std::mem::transmute::<Sym, ProcessesFn>(p)),
            })
        }
    }

    /// The GPU memory this process holds on all visible GPUs, bytes: Some(0) when it holds
    /// none, None when the driver cannot tell (no per-process query, a failed query, a value
    /// NVML does not have). NVML names processes by their pid in the host's pid namespace: in
    /// a container with its own, this process is not found and its memory reads 0.
    pub fn process_memory(&self) -> Option<u64> {
        let query = self.processes?;
        let pid = std::process::id();
        let mut n: c_uint = 0;
        let mut total = 0u64;
        // SAFETY: NVML initialised in `load`; the count and buffer pointers are live, and the
        // buffer holds as many entries as the count passed in says.
        unsafe {
            if (self.count)(&mut n) != SUCCESS {
                return None;
            }
            for i in 0..n {
                let mut d: Device = std::ptr::null_mut();
                if (self.handle)(i, &mut d) != SUCCESS {
                    return None;
                }
                let procs = running_processes(|count, buf| query(d, count, buf))?;
                if procs.iter().any(|p| p.pid == pid) {
                    total += memory_of(pid, &procs)?;
                }
            }
        }
        Some(total)
    }

    /// Every visible GPU's state now (a GPU whose query fails is left out).
    pub fn sample(&self) -> Vec<GpuSample> {
        let mut n: c_uint = 0;
        // SAFETY: NVML initialised in `load`; out-pointers point at live locals.
        unsafe {
            if (self.count)(&mut n) != 0 {
                return vec![];
            }
            (0..n)
                .filter_map(|i| {
                    let mut d: Device = std::ptr::null_mut();
                    if (self.handle)(i, &mut d) != 0 {
                        return None;
                    }
                    let mut u = Utilization::default();
                    let mut m = Memory::default();
                    let (mut t, mut p): (c_uint, c_uint) = (0, 0);
                    let ok = (self.utilization)(d, &mut u) == 0 && (self.memory)(d, &mut m) == 0;
                    // Sensor 0 is the GPU core (NVML_TEMPERATURE_GPU); power is in milliwatts.
                    let t_ok = (self.temperature)(d, 0, &mut t) == 0;
                    let p_ok = (self.power)(d, &mut p) == 0;
                    ok.then(|| GpuSample {
                        index: i,
                        utilization_percent: f64::from(u.gpu),
                        memory_used: m.used,
                        memory_total: m.total,
                        temperature_c: if t_ok { f64::from(t) } else { f64::NAN },
                        power_w: if p_ok {
                            f64::from(p) / 1000.0
                        } else {
                            f64::NAN
                        },
                    })
                })
                .collect()
        }
    }
}

/// The compute processes on a device through `call` (the query with its count in/out and its
/// buffer): first asked with an empty buffer for the count, then with room for that many and
/// a few more, again while NVML answers [`INSUFFICIENT_SIZE`] (a process started meanwhile),
/// at most [`PROCESS_TRIES`] times. None when NVML fails otherwise or the count keeps growing.
fn running_processes(
    mut call: impl FnMut(&mut c_uint, *mut ProcessInfo) -> Ret,
) -> Option<Vec<ProcessInfo>> {
    let mut count: c_uint = 0;
    match call(&mut count, std::ptr::null_mut()) {
        SUCCESS => return Some(vec![]),
        INSUFFICIENT_SIZE => {}
        _ => return None,
    }
    for _ in 0..PROCESS_TRIES {
        let room = count.saturating_add(4);
        let mut buf = vec![ProcessInfo::default(); room as usize];
        count = room;
        match call(&mut count, buf.as_mut_ptr()) {
            SUCCESS => {
                buf.truncate((count as usize).min(room as usize));
                return Some(buf);
            }
            INSUFFICIENT_SIZE => {}
            _ => return None,
        }
    }
    None
}

/// The GPU memory `pid` holds according to `processes` (summed over its contexts); None when it
/// holds none or the driver cannot tell.
fn memory_of(pid: u32, processes: &[ProcessInfo]) -> Option<u64> {
    let mine: Vec<u64> = processes
        .iter()
        .filter(|p| p.pid == pid)
        .map(|p| p.used_gpu_memory)
        .collect();
    if mine.is_empty() || mine.contains(&VALUE_NOT_AVAILABLE) {
        return None;
    }
    Some(mine.iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(pid: u32, used: u64) -> ProcessInfo {
        ProcessInfo {
            pid,
            used_gpu_memory: used,
            ..Default::default()
        }
    }

    /// A fake device whose k-th answer sees `sizes[k]` processes (the last size from then on):
    /// it says how many when the buffer is too small, as NVML does, and fills it otherwise.
    fn device(sizes: &[usize]) -> impl FnMut(&mut c_uint, *mut ProcessInfo) -> Ret + '_ {
        let mut k = 0;
        move |count, buf| {
            let live = sizes[k.min(sizes.len() - 1)];
            k += 1;
            let procs: Vec<ProcessInfo> = (0..live as u32).map(|p| info(p, 1 << 20)).collect();
            if (*count as usize) < live {
                *count = live as c_uint;
                return INSUFFICIENT_SIZE;
            }
            *count = live as c_uint;
            if live > 0 {
                // SAFETY (test): the caller's buffer has at least `live` entries.
                unsafe { std::ptr::copy_nonoverlapping(procs.as_ptr(), buf, live) };
            }
            SUCCESS
        }
    }

    #[test]
    fn the_process_query_retries_with_a_larger_buffer_and_gives_up_on_errors() {
        assert_eq!(running_processes(device(&[0])), Some(vec![]));
        let two = running_processes(device(&[2])).unwrap();
        assert_eq!(two, vec![info(0, 1 << 20), info(1, 1 << 20)]);
        // Ten processes start between the size query and the fetch: asked again, larger.
        let grown = running_processes(device(&[2, 12, 12])).unwrap();
        assert_eq!(grown.len(), 12);
        // A process ends meanwhile: only the entries NVML filled are kept.
        assert_eq!(running_processes(device(&[3, 1])).unwrap().len(), 1);
        // A list that outgrows every retry, and any other NVML error, give None.
        let sizes: Vec<usize> = (0..10).map(|k| 10 * (k + 1)).collect();
        assert_eq!(running_processes(device(&sizes)), None);
        assert_eq!(running_processes(|_, _| 999), None);
        let mut calls = 0;
        let failing_fetch = running_processes(|count, _| {
            calls += 1;
            *count = 3;
            if calls == 1 {
                INSUFFICIENT_SIZE
            } else {
                2 // NVML_ERROR_INVALID_ARGUMENT
            }
        });
        assert_eq!(failing_fetch, None);
    }

    #[test]
    fn a_process_memory_sums_its_contexts_and_unknown_stays_unknown() {
        let procs = [info(7, 100), info(8, 5), info(7, 20)];
        assert_eq!(memory_of(7, &procs), Some(120));
        assert_eq!(memory_of(9, &procs), None);
        assert_eq!(memory_of(8, &[info(8, VALUE_NOT_AVAILABLE)]), None);
    }

    /// Here (no NVIDIA driver) loading says why; where a driver exists, sampling works.
    #[test]
    fn loading_nvml_never_fails_hard() {
        match Nvml::load() {
            Err(why) => {
                eprintln!("{why}");
                assert!(why.starts_with("no GPU"), "{why}");
            }
            Ok(nvml) => {
                let mine = nvml.process_memory();
                eprintln!("this process's GPU memory: {mine:?}");
                for g in nvml.sample() {
                    assert!(g.memory_used <= g.memory_total, "{g:?}");
                    assert!((0.0..=100.0).contains(&g.utilization_percent));
                }
            }
        }
    }
}
