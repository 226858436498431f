//! Where a run's numbers came from: which saddle (version, commit, compiler, build profile),
//! on which machine (CPU, compiled and run-time SIMD level, threads, device, host, OS), started
//! how (command line, Slurm ids). One record is appended to `provenance.jsonl` when a run
//! starts and one at every resume — never overwritten — because a resumed run (a Slurm member
//! requeued on another node, say) may continue on other hardware, and f32 network runs round
//! differently at another SIMD level. `saddle show RUN` prints the records and what changed.

use crate::machine::{cpu_model, Simd};
use serde::{Deserialize, Serialize};

/// The file of the run directory that holds the records.
pub const PROVENANCE: &str = "provenance.jsonl";

/// Why a record was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Opening {
    /// The run's first iteration is about to run.
    Start,
    /// The run continues from a checkpoint.
    Resume,
    /// The run was made from another's checkpoint at `step` (`saddle fork`; see
    /// [`Provenance::from`]): the steps before it are that run's.
    Fork,
    /// The run was made to re-run another from its config and recorded changes.
    Replay,
}

/// The Slurm job a run executes in (from `SLURM_*` variables), when it does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlurmIds {
    /// `SLURM_JOB_ID`.
    pub job_id: String,
    /// `SLURM_ARRAY_JOB_ID`, for a member of a job array.
    pub array_job_id: Option<String>,
    /// `SLURM_ARRAY_TASK_ID`, for a member of a job array.
    pub array_task_id: Option<String>,
    /// `SLURMD_NODENAME`: the node the job runs on.
    pub node: Option<String>,
}

/// One opening of a run: the code, the machine and the command.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Start or resume.
    pub opening: Opening,
    /// The iteration the run starts or resumes at.
    pub step: u64,
    /// Seconds since the Unix epoch.
    pub unix_time: f64,
    /// saddle's version (Cargo.toml).
    pub saddle: String,
    /// The commit the binary was built from (`unknown` without git), marked when the sources
    /// had uncommitted changes.
    pub commit: String,
    /// `rustc --version` of the compiler that built it.
    pub compiler: String,
    /// Cargo's profile and its optimization level (`release, opt-level 3`).
    pub profile: String,
    /// The SIMD level the compiler was allowed to assume (the target's features).
    pub simd_compiled: String,
    /// The SIMD level saddle's kernels dispatch to on this CPU (see [`Simd::detect`]).
    pub simd_runtime: String,
    /// The CPU's model name.
    pub cpu: String,
    /// Threads of rayon's pool, which the network kernels and large products use.
    pub threads: usize,
    /// `cpu`, or `cuda:N` with the device's name where it is known.
    pub device: String,
    /// The host name.
    pub host: String,
    /// Operating system, kernel release and architecture.
    pub os: String,
    /// The process's command line, argument by argument.
    pub command: Vec<String>,
    /// The Slurm job, when the run executes in one.
    pub slurm: Option<SlurmIds>,
    /// The run a fork or replay was made from (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl Provenance {
    /// This process, opening a run at `step` on `device`.
    pub fn here(opening: Opening, step: u64, device: &str) -> Provenance {
        Provenance {
            opening,
            step,
            unix_time: crate::clock::unix_now(),
            saddle: env!("CARGO_PKG_VERSION").to_string(),
            commit: env!("SADDLE_COMMIT").to_string(),
            compiler: env!("SADDLE_RUSTC").to_string(),
            profile: env!("SADDLE_PROFILE").to_string(),
            simd_compiled: compiled_simd().name().to_string(),
            simd_runtime: Simd::detect().name().to_string(),
            cpu: cpu_model(),
            threads: rayon::current_num_threads(),
            device: device.to_string(),
            host: host_name(),
            os: os_name(),
            command: command_line(),
            slurm: slurm_ids(|k| std::env::var(k).ok()),
            from: None,
        }
    }

    /// This process making a run from `src` (a fork at `step`, or a replay at 0): the record
    /// that says where the run's first steps, or its recipe, came from. A fork's device is the
    /// source's newest record's (its first steps were computed there); a replay's is `—`
    /// (nothing of it was computed yet).
    pub fn made_from(opening: Opening, step: u64, src: &super::store::RunDir) -> Provenance {
        let device = match opening {
            Opening::Fork => src.records::<Provenance>().last().map(|p| p.device.clone()),
            _ => None,
        }
        .unwrap_or_else(|| "—".to_string());
        Provenance {
            from: Some(src.id()),
            ..Provenance::here(opening, step, &device)
        }
    }

    /// The value of one of [`Provenance::COMPARED`] as text.
    pub fn field(&self, name: &str) -> String {
        match name {
            "saddle" => self.saddle.clone(),
            "commit" => self.commit.clone(),
            "compiler" => self.compiler.clone(),
            "simd_compiled" => self.simd_compiled.clone(),
            "simd_runtime" => self.simd_runtime.clone(),
            "cpu" => self.cpu.clone(),
            "device" => self.device.clone(),
            "host" => self.host.clone(),
            "threads" => self.threads.to_string(),
            other => panic!("provenance has no compared field {other:?}"),
        }
    }

    /// The fields compared between openings and between sweep members, in report order.
    pub const COMPARED: [&'static str; 9] = [
        "saddle",
        "commit",
        "compiler",
        "simd_compiled",
        "simd_runtime",
        "cpu",
        "device",
        "host",
        "threads",
    ];

    /// The fields whose change between two openings can change a run's numbers (or its
    /// speed), with their values before and after: the code, the compiler, the SIMD levels,
    /// the CPU, the device, the host and the thread count. Network runs on the CPU give the
    /// same bits on any thread count, but another SIMD level rounds f32 differently.
    pub fn changes_from(&self, before: &Provenance) -> Vec<(&'static str, String, String)> {
        Self::COMPARED
            .iter()
            .map(|k| (*k, before.field(k), self.field(k)))
            .filter(|(_, a, b)| a != b)
            .collect()
    }

    /// Whether a change of `field` can change a run's numbers (not only where or how fast it
    /// ran): a sweep report flags members that differ in one of these.
    pub fn affects_results(field: &str) -> bool {
        !matches!(field, "host" | "threads")
    }
}

/// The level the compiler could assume everywhere (`-C target-cpu`/`target-feature`).
fn compiled_simd() -> Simd {
    if cfg!(target_feature = "avx512f") {
        Simd::Avx512
    } else if cfg!(all(target_feature = "avx2", target_feature = "fma")) {
        Simd::Avx2Fma
    } else {
        Simd::Baseline
    }
}

/// The environment variable through which a background process learns the command line the
/// user typed (a JSON list): a detached run's worker records that, not `saddle worker DIR`.
pub const COMMAND_ENV: &str = "SADDLE_COMMAND";

/// The command line to record: the one a parent saddle passed down in [`COMMAND_ENV`], else
/// this process's own.
fn command_line() -> Vec<String> {
    std::env::var(COMMAND_ENV)
        .ok()
        .and_then(|j| serde_json::from_str::<Vec<String>>(&j).ok())
        .unwrap_or_else(|| std::env::args().collect())
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

fn os_name() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_string());
    let mut parts = vec![std::env::consts::OS.to_string()];
    parts.extend(kernel);
    parts.extend(pretty.map(|p| format!("({p})")));
    parts.push(std::env::consts::ARCH.to_string());
    parts.join(" ")
}

/// The Slurm ids from the environment (`var` reads a variable), when `SLURM_JOB_ID` is set.
fn slurm_ids(var: impl Fn(&str) -> Option<String>) -> Option<SlurmIds> {
    Some(SlurmIds {
        job_id: var("SLURM_JOB_ID")?,
        array_job_id: var("SLURM_ARRAY_JOB_ID"),
        array_task_id: var("SLURM_ARRAY_TASK_ID"),
        node: var("SLURMD_NODENAME"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_names_this_build_and_machine() {
        let p = Provenance::here(Opening::Start, 0, "cpu");
        assert_eq!(p.saddle, env!("CARGO_PKG_VERSION"));
        assert!(!p.commit.is_empty() && !p.compiler.is_empty());
        assert!(p.compiler.starts_with("rustc") || p.compiler == "unknown");
        assert_eq!(p.simd_runtime, Simd::detect().name());
        assert_eq!(p.threads, rayon::current_num_threads());
        assert!(!p.host.is_empty() && p.os.contains(std::env::consts::ARCH));
        assert!(!p.command.is_empty());
        let back: Provenance = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn slurm_ids_come_from_the_environment_only_inside_a_job() {
        assert_eq!(slurm_ids(|_| None), None);
        let env = |k: &str| match k {
            "SLURM_JOB_ID" => Some("812".to_string()),
            "SLURM_ARRAY_JOB_ID" => Some("800".to_string()),
            "SLURM_ARRAY_TASK_ID" => Some("12".to_string()),
            _ => None,
        };
        let ids = slurm_ids(env).unwrap();
        assert_eq!(ids.job_id, "812");
        assert_eq!(ids.array_task_id.as_deref(), Some("12"));
        assert_eq!(ids.node, None);
    }

    #[test]
    fn changes_name_the_fields_that_moved() {
        let a = Provenance::here(Opening::Start, 0, "cpu");
        let mut b = a.clone();
        assert!(b.changes_from(&a).is_empty());
        b.threads = a.threads + 1;
        b.simd_runtime = "avx2+fma".into();
        b.command = vec!["other".into()];
        let c = b.changes_from(&a);
        let names: Vec<_> = c.iter().map(|x| x.0).collect();
        if a.simd_runtime == "avx2+fma" {
            assert_eq!(names, ["threads"]);
        } else {
            assert_eq!(names, ["simd_runtime", "threads"]);
        }
        assert!(Provenance::affects_results("simd_runtime"));
        assert!(!Provenance::affects_results("threads"));
        assert!(!Provenance::affects_results("host"));
    }
}
