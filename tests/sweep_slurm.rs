//! Sweeps on a real single-node Slurm (slurmctld + slurmd + munge), not a mock: the same
//! members as the local executor, and a member preempted with USR1 that requeues itself,
//! resumes and ends where an uninterrupted one does.
//!
//! A running Slurm is used as it is; otherwise `scripts/slurm-test-setup.sh --no-install`
//! starts one (root, packages installed: `.ci/run` installs them). Where that is impossible
//! the tests print why they skip; with `SADDLE_REQUIRE_SLURM=1` (set by `.ci/run` once its
//! setup succeeded) they fail instead.

mod common;
mod sweep_common;
use common::*;
use std::io::Write;
use std::process::Command;
use std::sync::OnceLock;
use sweep_common::*;

/// Why Slurm cannot be used here, or nothing when it can.
fn slurm_problem() -> Option<String> {
    static PROBLEM: OnceLock<Option<String>> = OnceLock::new();
    PROBLEM
        .get_or_init(|| {
            let idle = Command::new("sinfo")
                .args(["-h", "-o", "%t"])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("idle"));
            if idle {
                return None;
            }
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/slurm-test-setup.sh");
            match Command::new("bash").args([script, "--no-install"]).output() {
                Ok(o) if o.status.success() => None,
                Ok(o) => Some(String::from_utf8_lossy(&o.stderr).trim().to_string()),
                Err(e) => Some(format!("cannot run {script}: {e}")),
            }
        })
        .clone()
}

/// True when the test can go on; otherwise says why it skips (on the real stderr, past the
/// test harness's capture), or fails when Slurm is required.
fn have_slurm(test: &str) -> bool {
    let Some(why) = slurm_problem() else {
        return true;
    };
    if std::env::var("SADDLE_REQUIRE_SLURM").as_deref() == Ok("1") {
        panic!("{test}: Slurm is required (SADDLE_REQUIRE_SLURM=1) but: {why}");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: no Slurm: {why}");
    false
}

#[test]
fn local_and_slurm_sweeps_of_a_grid_end_member_by_member_the_same() {
    if !have_slurm("local_and_slurm_sweeps_of_a_grid_end_member_by_member_the_same") {
        return;
    }
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(t.path(), "grid", GRID);
    let p = p.to_str().unwrap();
    let local = launch(t.path(), &runs, &[p, "--wait", "--name", "local"]);
    let slurm = launch(
        t.path(),
        &runs,
        &[p, "--executor", "slurm", "--wait", "--name", "slurm"],
    );
    let m = assert_same_members(&local, &slurm);
    assert_eq!(m.members.len(), 24);
    let st = status(t.path(), &runs, &slurm);
    assert_eq!(st["counts"]["done"], 24, "{st}");
    // The batch script is kept; each task logged under logs/<sweep>_<job>_<task>.log. The
    // test cluster's MaxArraySize of 10 (scripts/slurm-test-setup.sh) cuts the 24 members into
    // arrays from members 0, 10 and 20: member 23 is task 3 of the last.
    let script = std::fs::read_to_string(slurm.file("sweep.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --signal=B:USR1@90"), "{script}");
    assert!(script.contains("#SBATCH --requeue"), "{script}");
    let subs = saddle::sweep::slurm::submissions(&slurm);
    let last = subs.iter().rfind(|s| s.offset <= 23).unwrap();
    let max = saddle::sweep::slurm::runtime()
        .unwrap()
        .block_on(saddle::sweep::slurm::max_array_size());
    assert_eq!(subs.len(), 24usize.div_ceil(max), "{subs:?}");
    let log = slurm.file("logs").join(format!(
        "{}_{}_{}.log",
        slurm.id(),
        last.job,
        23 - last.offset
    ));
    let text = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    assert!(text.contains("member 23 as task"), "{text}");
}

#[test]
fn a_member_preempted_by_usr1_is_requeued_resumes_and_ends_equal_to_an_uninterrupted_one() {
    if !have_slurm(
        "a_member_preempted_by_usr1_is_requeued_resumes_and_ends_equal_to_an_uninterrupted_one",
    ) {
        return;
    }
    let t = tmp();
    let runs = t.path().join("runs");
    let (p, reference) = paced_reference(t.path(), &runs);
    let sweep = launch(t.path(), &runs, &[&p, "--executor", "slurm", "--jobs", "2"]);
    let m = sweep.manifest().unwrap();
    let first = sweep.member(&m.members[0]);
    wait_for(60.0, "member 0 running past its second checkpoint", || {
        first.is_live() && first.checkpoint_steps().last().is_some_and(|s| *s >= 50)
    });
    let job = slurm_jobs(&sweep)[0];
    // scancel may answer "already done" (exit 229, ESLURM_ALREADY_DONE & 0xff) when the
    // batch shell it signalled requeues and ends before scancel hears back: what counts is
    // the member's own record of the interruption.
    let out = Command::new("scancel")
        .args(["--signal=USR1", "--batch", &format!("{job}_0")])
        .output()
        .unwrap();
    let said = format!(
        "member 0 interrupted after scancel --signal=USR1 --batch {job}_0 ({:?}: {})",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    );
    wait_for(30.0, &said, || interruptions(&sweep, &m.members[0]).1 >= 1);
    wait_done(t.path(), &runs, &sweep, 180.0);
    let (resumed, interrupted) = interruptions(&sweep, &m.members[0]);
    assert!(resumed >= 1 && interrupted >= 1, "{resumed} {interrupted}");
    let log = sweep
        .file("logs")
        .join(format!("{}_{job}_0.log", sweep.id()));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("USR1") && text.contains("restart 1"),
        "{text}"
    );
    let st = status(t.path(), &runs, &sweep);
    assert!(st["members"][0]["resumes"].as_u64().unwrap() >= 1, "{st}");
    assert_same_members(&reference, &sweep);
}

fn slurm_jobs(sweep: &saddle::sweep::SweepDir) -> Vec<u64> {
    saddle::sweep::slurm::submissions(sweep)
        .iter()
        .map(|s| s.job)
        .collect()
}
