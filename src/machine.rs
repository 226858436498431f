//! The machine a figure is measured on: CPU model, the SIMD level saddle's kernels dispatch to
//! at run time, and the thread count — so a benchmark figure (and, later, a run's provenance)
//! is never quoted for another machine.
//!
//! At the bottom of the dependency order: it imports nothing from saddle. The SIMD level is
//! detected once per process and is the one rule every runtime dispatch in saddle follows (the
//! `gemm` crate's dispatch, with its `x86-v4` feature, follows the same rule: AVX-512F when
//! present, else AVX2 with FMA, else a portable path), so a binary built for plain x86-64 runs
//! at the width of the machine it finds itself on and never executes an instruction that
//! machine lacks.

use std::sync::OnceLock;

/// The widest instruction set saddle's kernels use on this CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Simd {
    /// Portable code only (what the compiler's baseline target allows: SSE2 on x86-64).
    Baseline,
    /// 256-bit AVX2 with fused multiply-add (x86-64-v3).
    Avx2Fma,
    /// 512-bit AVX-512F.
    Avx512,
}

impl Simd {
    /// The level of this CPU (detected once, then cached).
    pub fn detect() -> Simd {
        static LEVEL: OnceLock<Simd> = OnceLock::new();
        *LEVEL.get_or_init(detect_uncached)
    }

    /// The name printed in provenance lines: `avx512`, `avx2+fma`, or the baseline's name.
    pub fn name(self) -> &'static str {
        match self {
            Simd::Avx512 => "avx512",
            Simd::Avx2Fma => "avx2+fma",
            Simd::Baseline if cfg!(target_arch = "x86_64") => "sse2",
            Simd::Baseline if cfg!(target_arch = "aarch64") => "neon",
            Simd::Baseline => "scalar",
        }
    }
}

impl std::fmt::Display for Simd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(target_arch = "x86_64")]
fn detect_uncached() -> Simd {
    // AVX-512F is the `gemm` crate's test for its 512-bit kernels, and saddle's own 512-bit
    // loops use AVX-512F instructions only, so one test serves both.
    if std::is_x86_feature_detected!("avx512f") {
        Simd::Avx512
    } else if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        Simd::Avx2Fma
    } else {
        Simd::Baseline
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect_uncached() -> Simd {
    Simd::Baseline
}

/// The CPU's model name: the brand string of `cpuid` on x86-64, `/proc/cpuinfo` elsewhere,
/// or "unknown `<arch>` CPU"; on x86-64 followed by the family and model numbers, e.g.
/// `AMD EPYC (family 25 model 1)`. Virtual machines often shorten the brand string to the
/// product line, which would name a Zen 3 and a Zen 4 alike; the numbers tell them apart.
pub fn cpu_model() -> String {
    static MODEL: OnceLock<String> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let name = brand_string()
                .or_else(proc_cpuinfo_model)
                .unwrap_or_else(|| format!("unknown {} CPU", std::env::consts::ARCH));
            match family_model() {
                Some((family, model)) => format!("{name} (family {family} model {model})"),
                None => name,
            }
        })
        .clone()
}

/// (family, model) of `cpuid` leaf 1 with the extended fields folded in as the vendors
/// document: the extended family is added when the base family is 15, the extended model is
/// the high nibble when the family is 6 or at least 15.
#[cfg(target_arch = "x86_64")]
fn family_model() -> Option<(u32, u32)> {
    use std::arch::x86_64::__cpuid;
    // SAFETY: `cpuid` exists on every x86-64 CPU, and leaf 1 on every one of them.
    #[allow(unused_unsafe)]
    let eax = unsafe { __cpuid(1) }.eax;
    let (base_family, base_model) = ((eax >> 8) & 0xf, (eax >> 4) & 0xf);
    let (ext_family, ext_model) = ((eax >> 20) & 0xff, (eax >> 16) & 0xf);
    let family = base_family + if base_family == 0xf { ext_family } else { 0 };
    let model = base_model
        | if family == 6 || family >= 0xf {
            ext_model << 4
        } else {
            0
        };
    Some((family, model))
}

#[cfg(not(target_arch = "x86_64"))]
fn family_model() -> Option<(u32, u32)> {
    None
}

#[cfg(target_arch = "x86_64")]
fn brand_string() -> Option<String> {
    use std::arch::x86_64::__cpuid;
    // SAFETY: `cpuid` exists on every x86-64 CPU; leaves above the maximum extended leaf
    // return garbage, never fault, and that maximum is checked first.
    #[allow(unused_unsafe)]
    let max = unsafe { __cpuid(0x8000_0000) }.eax;
    if max < 0x8000_0004 {
        return None;
    }
    let mut bytes = Vec::with_capacity(48);
    for leaf in 0x8000_0002u32..=0x8000_0004 {
        #[allow(unused_unsafe)]
        let r = unsafe { __cpuid(leaf) };
        for word in [r.eax, r.ebx, r.ecx, r.edx] {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
    }
    let s = String::from_utf8_lossy(&bytes);
    let s = s.trim_matches(char::from(0)).split_whitespace();
    let s = s.collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

#[cfg(not(target_arch = "x86_64"))]
fn brand_string() -> Option<String> {
    None
}

fn proc_cpuinfo_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        matches!(k.trim(), "model name" | "Model" | "cpu model")
            .then(|| v.trim().to_string())
            .filter(|v| !v.is_empty())
    })
}

/// Where a figure was measured: CPU, SIMD level, threads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine {
    /// The CPU's model name.
    pub cpu: String,
    /// The SIMD level saddle's kernels (and its GEMM) dispatch to.
    pub simd: Simd,
    /// Threads of the work being described (rayon's pool size where saddle runs in parallel).
    pub threads: usize,
    /// Logical CPUs the operating system offers this process.
    pub cores: usize,
}

impl Machine {
    /// This machine, for work running on `threads` threads.
    pub fn with_threads(threads: usize) -> Machine {
        Machine {
            cpu: cpu_model(),
            simd: Simd::detect(),
            threads,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    /// This machine, for work on the current rayon pool.
    pub fn current() -> Machine {
        Machine::with_threads(rayon::current_num_threads())
    }
}

impl std::fmt::Display for Machine {
    /// `CPU Intel(R) Xeon(R) Processor · SIMD avx512 · 2 threads (of 2 logical CPUs)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CPU {} · SIMD {} · {} thread{} (of {} logical CPU{})",
            self.cpu,
            self.simd,
            self.threads,
            if self.threads == 1 { "" } else { "s" },
            self.cores,
            if self.cores == 1 { "" } else { "s" },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_names_itself() {
        let m = Machine::with_threads(3);
        eprintln!("this machine: {m}");
        assert!(!m.cpu.is_empty());
        assert_eq!(m.threads, 3);
        assert!(m.cores >= 1);
        let line = m.to_string();
        assert!(
            line.contains(&m.cpu) && line.contains(m.simd.name()) && line.contains("3 threads")
        );
        assert_eq!(Simd::detect(), Simd::detect());
    }

    /// The family and model numbers are those the kernel reports in `/proc/cpuinfo`.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    #[test]
    fn family_and_model_agree_with_the_kernel() {
        let text = std::fs::read_to_string("/proc/cpuinfo").expect("/proc/cpuinfo on Linux");
        let field = |key: &str| -> u32 {
            text.lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    (k.trim() == key).then(|| v.trim().parse().expect("a number"))
                })
                .unwrap_or_else(|| panic!("no `{key}` in /proc/cpuinfo"))
        };
        assert_eq!(family_model(), Some((field("cpu family"), field("model"))));
        assert!(cpu_model().ends_with(&format!(
            "(family {} model {})",
            field("cpu family"),
            field("model")
        )));
    }

    /// The level never claims an instruction set the CPU lacks.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_level_matches_the_cpu() {
        match Simd::detect() {
            Simd::Avx512 => assert!(std::is_x86_feature_detected!("avx512f")),
            Simd::Avx2Fma => {
                assert!(std::is_x86_feature_detected!("avx2"));
                assert!(std::is_x86_feature_detected!("fma"));
            }
            Simd::Baseline => {}
        }
    }
}
