//! NVIDIA's management library (NVML), loaded at run time with `dlopen`, so that saddle starts
//! on machines without a GPU driver and links no GPU library. Without `libnvidia-ml.so.1` (or
//! when its initialisation fails) there is no [`Nvml`], and the system pane says "no GPU".

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
type Sym = *mut c_void;

/// The entry points saddle reads, resolved once.
pub struct Nvml {
    count: CountFn,
    handle: HandleFn,
    utilization: UtilizationFn,
    memory: MemoryFn,
    temperature: TemperatureFn,
    power: PowerFn,
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
            })
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Here (no NVIDIA driver) loading says why; where a driver exists, sampling works.
    #[test]
    fn loading_nvml_never_fails_hard() {
        match Nvml::load() {
            Err(why) => {
                eprintln!("{why}");
                assert!(why.starts_with("no GPU"), "{why}");
            }
            Ok(nvml) => {
                for g in nvml.sample() {
                    assert!(g.memory_used <= g.memory_total, "{g:?}");
                    assert!((0.0..=100.0).contains(&g.utilization_percent));
                }
            }
        }
    }
}
