//! Sweeps on this machine, through the real binary: bad grids refused with nothing created,
//! a 2 × 3 grid × 4 seeds to the end, members as ordinary runs, the report's statistics
//! against a hand computation, a killed supervisor and member resumed to the same end, and
//! removing / archiving.

mod common;
mod sweep_common;
use common::*;
use saddle::sweep::SweepDir;
use std::time::Duration;
use sweep_common::*;

#[test]
fn bad_grids_exit_2_naming_the_path_with_nothing_created() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(t.path(), "grid", GRID);
    let p = p.to_str().unwrap();
    let cases: [(&[&str], &str); 7] = [
        (
            &["--grid", "runs[*].etaa=0.1,0.2"],
            "--grid runs[*].etaa=0.1: ",
        ),
        (
            &["--grid", "runs[*].eta=0.1,fast"],
            "--grid runs[*].eta=fast: ",
        ),
        (
            &["--grid", "runs[*].eta="],
            "runs[*].eta: the list of values is empty",
        ),
        (
            &["--grid", "steps=10,20", "--grid", "steps=30"],
            "--grid steps: the same path is given twice (duplicate grid key)",
        ),
        (&["--seeds", "3..3"], "--seeds \"3..3\": the range is empty"),
        (&["--runs", "nope"], "--runs: no run named \"nope\""),
        (&["--slurm-arg=--array=0-3"], "saddle sets --array itself"),
    ];
    for (args, want) in cases {
        let mut a = vec!["sweep", p];
        a.extend_from_slice(args);
        let err = bad_input(&saddle(t.path(), &runs, &a));
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(
            !runs.exists() || std::fs::read_dir(&runs).unwrap().next().is_none(),
            "{args:?} created something"
        );
    }
    // A grid that makes two runs of a preset identical names both members.
    let two = preset(
        t.path(),
        "two",
        &GRID.replace(
            "runs: [Run(",
            "runs: [Run(name: \"alt hb2\", scheme: Alternating(d_steps: 1), rule: HeavyBall, eta: 0.05, beta: (theta: -0.3, phi: 0.2)), Run(",
        ),
    );
    let err = bad_input(&saddle(t.path(), &runs, &["sweep", two.to_str().unwrap()]));
    assert!(
        err.contains("members 0 (\"alt hb2 eta=0.05 beta.phi=-0.5 seed=0\") and 24 (\"alt hb eta=0.05 beta.phi=-0.5 seed=0\") would be the same run"),
        "{err}"
    );
    assert!(!runs.exists() || std::fs::read_dir(&runs).unwrap().next().is_none());
    // An error in the preset's own sweep section points at it.
    let typo = preset(t.path(), "typo", &GRID.replace("jobs: 2", "jbos: 2"));
    let err = bad_input(&saddle(t.path(), &runs, &["sweep", typo.to_str().unwrap()]));
    assert!(err.contains("typo.ron:6:") && err.contains("jbos"), "{err}");
}

#[test]
fn a_local_grid_sweep_runs_to_the_end_and_reports_by_hand() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(t.path(), "grid", GRID);
    let out = ok(&saddle(
        t.path(),
        &runs,
        &["sweep", p.to_str().unwrap(), "--wait", "--json"],
    ));
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let sweep = SweepDir {
        path: v["dir"].as_str().unwrap().into(),
    };
    let m = sweep.manifest().unwrap();
    assert_eq!(m.members.len(), 24);
    assert_eq!(v["members"][7]["id"], format!("{}/007", m.id));
    assert_eq!(m.configurations.len(), 6);
    // Members are ordinary runs: the config holds the grid values and the seed.
    let cfg = std::fs::read_to_string(sweep.member(&m.members[23]).file("config.ron")).unwrap();
    assert_eq!(m.members[23].name, "alt hb eta=0.1 beta.phi=0 seed=3");
    assert!(
        cfg.contains("seed: 3,") && cfg.contains("eta: 0.1,") && cfg.contains("phi: 0.0,"),
        "{cfg}"
    );
    assert!(cfg.contains("keep_checkpoints: Some(1)"), "{cfg}");
    assert_eq!(sweep.member(&m.members[7]).checkpoint_steps(), [120]);
    let st = status(t.path(), &runs, &sweep);
    assert_eq!(st["counts"]["done"], 24, "{st}");
    // A states cache that cannot be written (as on a read-only or full file system) still
    // leaves the states shown: a directory in its place makes the rename over it fail.
    let states = sweep.path.join("states.json");
    std::fs::remove_file(&states).unwrap();
    std::fs::create_dir_all(states.join("x")).unwrap();
    let o = saddle(t.path(), &runs, &["sweep", "status", &m.id]);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning") && err.contains("not saved"),
        "{err}"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("24 members: 24 done"), "{out}");
    std::fs::remove_dir_all(&states).unwrap();
    // resume / export take a member id.
    let member_id = &m.members[5].id;
    let err = bad_input(&saddle(t.path(), &runs, &["resume", member_id]));
    assert!(err.contains("nothing to resume"), "{err}");
    let csv = ok(&saddle(t.path(), &runs, &["export", member_id]));
    assert!(csv.starts_with("step,oracle_calls,wall_time"), "{csv}");

    // The report against a hand computation from the members' own summaries.
    let csv_path = t.path().join("report.csv");
    let out = ok(&saddle(
        t.path(),
        &runs,
        &[
            "sweep",
            "report",
            &m.id,
            "--json",
            "--at",
            "60",
            "--compare",
            "0",
            "3",
            "--csv",
            csv_path.to_str().unwrap(),
        ],
    ));
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let metric = "distance_to_equilibrium";
    assert_eq!(r["rank_by"]["metric"], metric);
    let finals = |c: usize| -> Vec<f64> {
        m.members
            .iter()
            .filter(|x| x.configuration == c)
            .map(|x| summary(&sweep, x).metrics[metric].unwrap())
            .collect()
    };
    let t3 = 3.182446; // t_{0.975,3}
    let rows = r["rows"].as_array().unwrap();
    let mut means = vec![];
    for row in rows {
        let c = row["configuration"]["index"].as_u64().unwrap() as usize;
        let xs = finals(c);
        let mean = xs.iter().sum::<f64>() / 4.0;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 3.0).sqrt();
        let half = t3 * sd / 2.0;
        let cell = row["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["metric"] == metric && c["at"] == "final")
            .unwrap();
        let s = &cell["stats"];
        assert_eq!(s["n"], 4);
        assert!((s["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
        assert!((s["std"].as_f64().unwrap() - sd).abs() < 1e-12);
        assert!((s["ci"][0].as_f64().unwrap() - (mean - half)).abs() < 1e-6 * (1.0 + half));
        assert!((s["ci"][1].as_f64().unwrap() - (mean + half)).abs() < 1e-6 * (1.0 + half));
        means.push(mean);
        // Outcomes: every member's status, counted from the members' own summaries.
        let statuses: Vec<String> = m
            .members
            .iter()
            .filter(|x| x.configuration == c)
            .map(|x| summary(&sweep, x).status.to_string())
            .collect();
        let counted = &row["outcomes"]["statuses"];
        for st in &statuses {
            let n = statuses.iter().filter(|x| *x == st).count();
            assert_eq!(counted[st.as_str()], n, "{st} in configuration {c}");
        }
        assert_eq!(
            counted
                .as_object()
                .unwrap()
                .values()
                .map(|v| v.as_u64().unwrap())
                .sum::<u64>(),
            4
        );
    }
    assert_eq!(
        r["provenance"],
        serde_json::json!([]),
        "one build, one machine"
    );
    assert!(
        means.windows(2).all(|w| w[0] <= w[1]),
        "ranked lower first: {means:?}"
    );
    assert_eq!(rows[0]["rank"], 1);
    // Paired: configuration 0 − configuration 3 over seeds 0..3.
    let (a, b) = (finals(0), finals(3));
    let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    let mean = d.iter().sum::<f64>() / 4.0;
    let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 3.0).sqrt();
    let wins = d.iter().filter(|x| **x > 0.0).count();
    let k = wins.min(4 - wins);
    let binom = [1.0, 4.0, 6.0, 4.0, 1.0];
    let p = (2.0 * binom[..=k].iter().sum::<f64>() / 16.0).min(1.0);
    let fin = &r["comparison"]["points"][0];
    assert_eq!(fin[0], "final");
    let pd = &fin[1];
    assert_eq!(pd["seeds"], serde_json::json!([0, 1, 2, 3]));
    assert!((pd["difference"]["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    let lo = pd["difference"]["ci"][0].as_f64().unwrap();
    assert!((lo - (mean - t3 * sd / 2.0)).abs() < 1e-6 * (1.0 + sd));
    assert_eq!(pd["a_greater"], wins);
    assert!((pd["sign_test_p"].as_f64().unwrap() - p).abs() < 1e-12);
    // Values at step 60 come from the metrics rows.
    let at60 = &r["rows"][0]["cells"][1];
    assert_eq!(at60["at"]["step"], 60, "{at60}");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let head = csv.lines().next().unwrap();
    assert_eq!(
        head,
        "rank,configuration,run,runs[*].eta,runs[*].beta.phi,metric,at,n,mean,std,ci_low,ci_high,seed=0,seed=1,seed=2,seed=3"
    );
    assert_eq!(
        csv.lines().count(),
        1 + 6 * r["metrics"].as_array().unwrap().len() * 2
    );
    let text = ok(&saddle(
        t.path(),
        &runs,
        &["sweep", "report", &m.id, "--metric", metric],
    ));
    assert!(
        text.contains("distance_to_equilibrium at the end (ranking: lower first)"),
        "{text}"
    );
}

fn pid_in(path: std::path::PathBuf) -> i32 {
    std::fs::read_to_string(path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_killed_supervisor_and_member_resume_to_the_end_of_an_uninterrupted_sweep() {
    let t = tmp();
    let runs = t.path().join("runs");
    let (p, reference) = paced_reference(t.path(), &runs);
    let sweep = launch(t.path(), &runs, &[&p, "--jobs", "2"]);
    let m = sweep.manifest().unwrap();
    let first = sweep.member(&m.members[0]);
    wait_for(20.0, "member 0 past its second checkpoint", || {
        first.is_live() && first.checkpoint_steps().last().is_some_and(|s| *s >= 50)
    });
    // SIGKILL: no checkpoint, no final summary; the other running member carries on alone.
    let supervisor = pid_in(sweep.path.join("lock"));
    let member = pid_in(first.file("lock"));
    unsafe {
        libc::kill(supervisor, libc::SIGKILL);
        libc::kill(member, libc::SIGKILL);
    }
    wait_for(10.0, "the killed member's lock released", || {
        !first.is_live()
    });
    let st = status(t.path(), &runs, &sweep);
    assert_eq!(st["members"][0]["state"], "stalled", "{st}");
    assert!(st["supervisor"].is_null(), "{st}");
    // The table calls the killed member crashed, as ls and show do (it said running).
    let table = ok(&saddle(t.path(), &runs, &["sweep", "status", &sweep.id()]));
    let row = table
        .lines()
        .find(|l| l.starts_with(&m.members[0].id))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        row.contains(" crashed ") && !row.contains("running"),
        "{row}"
    );
    std::thread::sleep(Duration::from_millis(300));
    ok(&saddle(
        t.path(),
        &runs,
        &["sweep", "resume", sweep.path.to_str().unwrap(), "--wait"],
    ));
    let st = status(t.path(), &runs, &sweep);
    assert_eq!(st["counts"]["done"], 4, "{st}");
    assert_eq!(
        interruptions(&sweep, &m.members[0]).0,
        1,
        "member 0 resumed once"
    );
    assert_same_members(&reference, &sweep);
}

#[test]
fn cancel_then_resume_then_rm_and_archive() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(t.path(), "paced", PACED);
    let p = p.to_str().unwrap();
    let sweep = launch(t.path(), &runs, &[p, "--jobs", "1", "--set", "pace=200"]);
    let m = sweep.manifest().unwrap();
    let first = sweep.member(&m.members[0]);
    wait_for(20.0, "member 0 running", || first.is_live());
    let id = sweep.id();
    // Nothing is removed while the sweep is live.
    let err = bad_input(&saddle(t.path(), &runs, &["sweep", "rm", &id]));
    assert!(err.contains("is live"), "{err}");
    ok(&saddle(t.path(), &runs, &["sweep", "cancel", &id]));
    let st = status(t.path(), &runs, &sweep);
    assert_eq!(st["cancelled"], true);
    assert_eq!(st["members"][0]["status"], "interrupted", "{st}");
    assert_eq!(st["members"][3]["state"], "cancelled", "{st}");
    // A member that cannot start (its config damaged meanwhile) ends stalled, and the
    // sweep says why from its log: it used to say only "1 stalled".
    let config = sweep.member(&m.members[2]).file("config.ron");
    let kept = std::fs::read(&config).unwrap();
    std::fs::write(&config, "Run(").unwrap();
    let o = saddle(t.path(), &runs, &["sweep", "resume", &id, "--wait"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{} stalled: ", m.members[2].id)) && err.contains("config.ron"),
        "{err}"
    );
    let out = ok(&saddle(t.path(), &runs, &["sweep", "status", &id]));
    assert!(
        out.contains(&format!("{}: stalled: ", m.members[2].id)) && out.contains("config.ron"),
        "{out}"
    );
    let st = status(t.path(), &runs, &sweep);
    assert!(
        st["members"][2]["why"]
            .as_str()
            .is_some_and(|w| w.contains("config.ron")),
        "{st}"
    );
    std::fs::write(&config, kept).unwrap();
    ok(&saddle(
        t.path(),
        &runs,
        &["sweep", "resume", &id, "--wait"],
    ));
    let st = status(t.path(), &runs, &sweep);
    assert_eq!(st["counts"]["done"], 4, "{st}");
    assert_eq!(interruptions(&sweep, &m.members[0]), (1, 1));
    // `ls` with only a sweep: no runs, the sweep named, no warning that it is a broken run.
    let o = saddle(t.path(), &runs, &["ls"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "no runs under {}; 1 sweep (`saddle sweep status {id}` lists its members)",
            runs.display()
        )) && !err.contains("no config.ron"),
        "{err}"
    );
    // A member is shown by the name that finds it again, not by its bare index.
    let member = format!("{id}/{}", m.members[0].dir);
    let out = ok(&saddle(t.path(), &runs, &["show", &member]));
    assert!(out.starts_with(&format!("run        {member}\n")), "{out}");
    // Archive without checkpoints, then the archive holds every other file.
    let out = ok(&saddle(t.path(), &runs, &["sweep", "archive", &id]));
    let archive = std::path::PathBuf::from(out.trim());
    assert!(archive.is_file() && !sweep.path.exists());
    let listing = std::process::Command::new("tar")
        .arg("tzf")
        .arg(&archive)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains(&format!("{id}/sweep.json")), "{listing}");
    assert!(
        listing.contains(&format!("{id}/003/metrics.csv")),
        "{listing}"
    );
    assert!(!listing.contains("checkpoints/"), "{listing}");
    // rm of another, finished sweep.
    let other = launch(
        t.path(),
        &runs,
        &[p, "--set", "pace=None", "--wait", "--seeds", "5"],
    );
    ok(&saddle(t.path(), &runs, &["sweep", "rm", &other.id()]));
    assert!(!other.path.exists());
    let err = bad_input(&saddle(t.path(), &runs, &["sweep", "status", &other.id()]));
    assert!(err.contains("no sweep"), "{err}");
}

/// A sweep's report lists outcomes only: not the x-axis columns (oracle calls, J·v-equivalents)
/// nor the columns that trace the methods' live hyperparameters (Lookahead's k and α, ConOpt's
/// γ), which a run logs beside its metrics.
#[test]
fn the_report_leaves_out_coordinates_and_hyperparameters() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(
        t.path(),
        "zoo",
        r#"Preset(
    name: "zoo", steps: 40, log_every: Some(10),
    game: Bilinear(dim: 2),
    stop: (converge_below: None),
    runs: [
        Run(name: "la", scheme: Simultaneous, wrap: [Lookahead(k: 5, alpha: 0.5)], eta: 0.1),
        Run(name: "conopt", scheme: Simultaneous, field: Consensus(gamma: 1.0), eta: 0.1),
    ],
    sweep: (seeds: "0..2", jobs: 2),
)"#,
    );
    let out = ok(&saddle(
        t.path(),
        &runs,
        &["sweep", p.to_str().unwrap(), "--wait", "--json"],
    ));
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let id = v["dir"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let member = std::fs::read_to_string(
        std::path::Path::new(v["dir"].as_str().unwrap()).join("000/metrics.csv"),
    )
    .unwrap();
    assert!(
        member.lines().next().unwrap().contains("lookahead_k"),
        "{member}"
    );
    let text = ok(&saddle(t.path(), &runs, &["sweep", "report", &id]));
    assert!(
        text.contains("distance_to_equilibrium at the end"),
        "{text}"
    );
    assert!(text.contains("field_norm at the end"), "{text}");
    // A step no member reached: said, not a silent table of n = 0.
    let far = ok(&saddle(
        t.path(),
        &runs,
        &["sweep", "report", &id, "--at", "100000000"],
    ));
    assert!(
        far.contains("no member has a value at step 100000000 (none reached it)"),
        "{far}"
    );
    let settings = [
        "lookahead_k",
        "lookahead_alpha",
        "gamma",
        "jv_equivalents",
        "oracle_calls",
    ];
    let only_outcomes = |text: &str| {
        for setting in settings {
            assert!(
                !text.contains(&format!("{setting} at the end")),
                "{setting}: {text}"
            );
        }
    };
    only_outcomes(&text);
    // A truncated config is named (file:line:col), and the other member of its configuration
    // still tells the configuration's hyperparameters.
    let cfg = std::path::Path::new(v["dir"].as_str().unwrap()).join("000/config.ron");
    let whole = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, &whole[..whole.len() / 2]).unwrap();
    let text = ok(&saddle(t.path(), &runs, &["sweep", "report", &id]));
    assert!(
        text.contains("warning: ") && text.contains("000/config.ron:"),
        "{text}"
    );
    only_outcomes(&text);
}

/// `--runs` picks runs before the grid is expanded: a grid over β reaches only the run picked,
/// not the preset's plain gradient run (which has no momentum to set), as the README advises.
#[test]
fn runs_are_picked_before_the_grid_so_a_grid_over_beta_of_one_run_runs() {
    let t = tmp();
    let runs = t.path().join("runs");
    let out = ok(&saddle(
        t.path(),
        &runs,
        &[
            "sweep",
            "default",
            "--runs",
            "alternating β=-0.5",
            "--grid",
            "runs[*].eta=0.1,0.2",
            "--grid",
            "runs[*].beta.phi=-0.5,-0.3",
            "--seeds",
            "0..2",
            "--steps",
            "20",
            "--executor",
            "local",
            "--jobs",
            "2",
            "--wait",
            "--json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let sweep = SweepDir {
        path: v["dir"].as_str().unwrap().into(),
    };
    let m = sweep.manifest().unwrap();
    let labels: Vec<&str> = m.configurations.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "alternating β=-0.5 eta=0.1 beta.phi=-0.5",
            "alternating β=-0.5 eta=0.1 beta.phi=-0.3",
            "alternating β=-0.5 eta=0.2 beta.phi=-0.5",
            "alternating β=-0.5 eta=0.2 beta.phi=-0.3",
        ]
    );
    assert_eq!(m.members.len(), 8);
    let cfg = std::fs::read_to_string(sweep.member(&m.members[3]).file("config.ron")).unwrap();
    assert!(
        cfg.contains("seed: 1,") && cfg.contains("phi: -0.3,") && cfg.contains("steps: 20,"),
        "{cfg}"
    );
    let st = status(t.path(), &runs, &sweep);
    assert_eq!(st["counts"]["done"], 8, "{st}");

    // A member whose metrics are damaged mid-table is named by the report, not dropped
    // from its statistics without a word.
    let member = sweep.member(&m.members[0]);
    let text = std::fs::read_to_string(member.file("metrics.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "garbage";
    std::fs::write(member.file("metrics.csv"), lines.join("\n") + "\n").unwrap();
    let id = sweep
        .path
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let o = saddle(t.path(), &runs, &["sweep", "report", &id]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        all.contains("metrics.csv:3: 1 cells") && all.contains("that member's table is left out"),
        "{all}"
    );
    // A --csv that cannot be written is refused before the report, exit 2.
    let missing = t.path().join("missing/r.csv");
    let err = bad_input(&saddle(
        t.path(),
        &runs,
        &["sweep", "report", &id, "--csv", missing.to_str().unwrap()],
    ));
    assert!(
        err.contains("--csv ") && err.contains("no directory"),
        "{err}"
    );
}

/// Errors in a preset's `sweep:` section say where in the file (`file:line:col`) and which
/// entry (`sweep.grid[0]`, `sweep.seeds`), never a `--grid` or `--seeds` flag nobody gave; the
/// same mistakes given as flags keep naming the flags.
#[test]
fn errors_in_the_presets_sweep_section_give_file_line_col_not_flags() {
    let t = tmp();
    let runs = t.path().join("runs");
    let text = |grid: &str, seeds: &str| {
        format!(
            "Preset(name: \"swp\", seed: 0, steps: 20, game: Bilinear(dim: 1),\n  runs: [ Run(name: \"a\", scheme: Alternating(), eta: 0.1) ],\n  sweep: ( grid: [{grid}], seeds: \"{seeds}\" ) )\n"
        )
    };
    let cases = [
        (
            "sp1",
            text("\"runs[*].eta=0.1,abc\"", "0..2"),
            "sp1.ron:3:19: sweep.grid[0]: runs[*].eta=abc: runs[0].eta: invalid type: string \"abc\"",
        ),
        (
            "sp2",
            text("\"runs[*].bogus=1\"", "0..2"),
            "sp2.ron:3:19: sweep.grid[0]: runs[*].bogus=1: runs[0].bogus: unknown field `bogus`",
        ),
        (
            "sp3",
            text("\"runs[*].eta=0.1\"", "5..2"),
            "sp3.ron:3:46: sweep.seeds \"5..2\": the range is empty",
        ),
        (
            "sp4",
            text("\"runs[*].eta=0.1\", \"runs[*].eta=0.2\"", "0..2"),
            "sp4.ron:3:38: sweep.grid[1]: runs[*].eta: the same path is given twice",
        ),
    ];
    for (name, text, want) in &cases {
        let p = preset(t.path(), name, text);
        let err = bad_input(&saddle(t.path(), &runs, &["sweep", p.to_str().unwrap()]));
        assert!(err.contains(want), "{name}: {err}");
        assert!(
            !err.contains("--grid") && !err.contains("--seeds"),
            "{name}: {err}"
        );
    }
    let p = preset(t.path(), "sp1", &cases[0].1);
    let p = p.to_str().unwrap();
    let err = bad_input(&saddle(
        t.path(),
        &runs,
        &["sweep", p, "--grid", "runs[*].eta=0.1,xyz"],
    ));
    assert!(
        err.contains("saddle: --grid runs[*].eta=xyz: runs[0].eta: "),
        "{err}"
    );
    let err = bad_input(&saddle(t.path(), &runs, &["sweep", p, "--seeds", "0..3"]));
    assert!(
        err.contains("/sp1.ron:3:19: sweep.grid[0]: "),
        "the section's grid still: {err}"
    );
    let err = bad_input(&saddle(
        t.path(),
        &runs,
        &["sweep", p, "--grid", "runs[*].eta=0.1", "--seeds", "5..2"],
    ));
    assert!(
        err.contains("saddle: --seeds \"5..2\": the range is empty"),
        "{err}"
    );
    // The section's other fields: its line and the field, not a flag nobody gave.
    let field = |name: &str, entry: &str| {
        let text = format!(
            "Preset(name: \"swp\", seed: 0, steps: 20, game: Bilinear(dim: 1),\n  runs: [ Run(name: \"a\", scheme: Alternating(), eta: 0.1) ],\n  sweep: ( seeds: \"0..2\",\n    {entry} ) )\n"
        );
        let p = preset(t.path(), name, &text);
        bad_input(&saddle(t.path(), &runs, &["sweep", p.to_str().unwrap()]))
    };
    for (name, entry, want) in [
        (
            "f1",
            "jobs: 0",
            "f1.ron:4:11: sweep.jobs: must be at least 1",
        ),
        (
            "f2",
            "keep_checkpoints: 0",
            "f2.ron:4:23: sweep.keep_checkpoints: must be at least 1",
        ),
        (
            "f3",
            "steps: 0",
            "f3.ron:4:12: sweep.steps: must be at least 1",
        ),
        (
            "f4",
            "name: \"\"",
            "f4.ron:4:11: sweep.name \"\": must contain an ASCII letter or digit",
        ),
        (
            "f5",
            "slurm: (args: [\"--array=1\"])",
            "f5.ron:4:12: sweep.slurm: slurm argument \"--array=1\": saddle sets --array itself",
        ),
    ] {
        let err = field(name, entry);
        assert!(err.contains(want), "{name}: {err}");
        assert!(!err.contains("--jobs") && !err.contains("--keep"), "{err}");
    }
    let p = preset(t.path(), "sp1", &cases[0].1);
    let err = bad_input(&saddle(
        t.path(),
        &runs,
        &["sweep", p.to_str().unwrap(), "--jobs", "0"],
    ));
    assert!(err.contains("saddle: --jobs: must be at least 1"), "{err}");
    assert!(!runs.exists() || std::fs::read_dir(&runs).unwrap().next().is_none());
}

/// Ctrl-C while a sweep's thousands of members are made removes the half-made sweep (it left
/// a directory that was neither a sweep nor runs, which `sweep rm` could not remove); Ctrl-C
/// on `--wait` stops waiting, says that the sweep goes on and how to stop it, exit 1.
#[test]
fn ctrl_c_while_a_sweep_is_made_keeps_nothing_and_on_wait_says_it_goes_on() {
    use std::process::{Command, Stdio};
    let t = tmp();
    let runs = t.path().join("runs");
    let interrupt_after = |args: &[&str], ready: &dyn Fn() -> bool| {
        let child = Command::new(bin())
            .current_dir(t.path())
            .args(args)
            .arg("--runs-dir")
            .arg(&runs)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let t0 = std::time::Instant::now();
        while !ready() && t0.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: kill only sends a signal to the child started above.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        child.wait_with_output().unwrap()
    };
    // 18000 members take seconds to make (0.3 ms each on a 2-core AMD EPYC): interrupted
    // once a hundred are there.
    let o = interrupt_after(
        &[
            "sweep",
            "bilinear-momentum",
            "--seeds",
            "0..3000",
            "--steps",
            "1",
            "--max-members",
            "18000",
        ],
        &|| {
            // Some members made, far from all.
            std::fs::read_dir(&runs)
                .ok()
                .and_then(|mut d| d.next())
                .and_then(|e| std::fs::read_dir(e.ok()?.path()).ok())
                .is_some_and(|d| d.count() > 100)
        },
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("interrupted while creating sweep") && err.contains("nothing was kept"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(&runs).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");

    // One member that runs for minutes: no stop rule ends it early.
    let long = preset(
        t.path(),
        "long",
        r#"Preset(name: "long", steps: 100000000, game: Bilinear(dim: 1),
    stop: (converge_below: None),
    runs: [Run(name: "sim", scheme: Simultaneous, eta: 1e-9)])"#,
    );
    let o = interrupt_after(
        &["sweep", long.to_str().unwrap(), "--wait"],
        // A member is running (its lock is held).
        &|| {
            std::fs::read_dir(&runs)
                .ok()
                .and_then(|mut d| d.next())
                .is_some_and(|e| {
                    e.is_ok_and(|e| {
                        saddle::run::store::RunDir {
                            path: e.path().join("000"),
                        }
                        .is_live()
                    })
                })
        },
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stopped waiting; sweep") && err.contains("`saddle sweep cancel "),
        "{err}"
    );
    let id = std::fs::read_dir(&runs)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .file_name()
        .into_string()
        .unwrap();
    let st = ok(&saddle(t.path(), &runs, &["sweep", "status", &id]));
    assert!(st.contains("running"), "the sweep went on: {st}");
    ok(&saddle(t.path(), &runs, &["sweep", "cancel", &id]));
}

/// A sweep that can no longer be read must still be cleaned up: one whose creation was killed
/// (kill -9 while thousands of members are made) and one whose `sweep.json` was damaged are
/// named by `ls` and `sweep status`, and `sweep rm` removes them; a creation still in progress
/// is refused.
#[test]
fn a_sweep_that_cannot_be_read_is_named_and_removed() {
    let t = tmp();
    let runs = t.path().join("runs");
    let mut creating = std::process::Command::new(bin())
        .current_dir(t.path())
        .args(["sweep", "default", "--seeds", "0..2400", "--steps", "10"])
        .arg("--runs-dir")
        .arg(&runs)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let dir = || {
        std::fs::read_dir(&runs)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path())
    };
    wait_for(20.0, "members being made", || {
        dir().is_some_and(|d| d.join("0010").is_dir())
    });
    let half = SweepDir {
        path: dir().unwrap(),
    };
    let id = half.id();
    let err = bad_input(&saddle(t.path(), &runs, &["sweep", "rm", &id]));
    assert!(err.contains("is being created by process"), "{err}");
    creating.kill().unwrap();
    creating.wait().unwrap();
    assert!(
        half.path.exists() && !half.file("sweep.json").exists(),
        "the creation ended before it was killed: make the sweep larger"
    );
    let o = saddle(t.path(), &runs, &["ls"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("a sweep that cannot be read: its creation was interrupted")
            && err.contains("saddle sweep rm"),
        "{err}"
    );
    let err = bad_input(&saddle(t.path(), &runs, &["sweep", "status", &id]));
    assert!(
        err.contains("cannot be read") && err.contains(&format!("saddle sweep rm {id}")),
        "{err}"
    );
    let o = saddle(t.path(), &runs, &["sweep", "rm", &id]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("its creation was interrupted"),
        "{o:?}"
    );
    ok(&o);
    assert!(!half.path.exists());
    // A finished sweep whose manifest was damaged afterwards.
    let sweep = launch(
        t.path(),
        &runs,
        &["default", "--seeds", "0", "--steps", "10", "--wait"],
    );
    std::fs::write(sweep.file("sweep.json"), "{\"version\": 1,").unwrap();
    let err = bad_input(&saddle(t.path(), &runs, &["sweep", "status", &sweep.id()]));
    assert!(err.contains("not a sweep manifest"), "{err}");
    let o = saddle(t.path(), &runs, &["ls"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("a sweep that cannot be read"),
        "{o:?}"
    );
    ok(&saddle(t.path(), &runs, &["sweep", "rm", &sweep.id()]));
    assert!(!sweep.path.exists());
    // A directory that is no sweep's is not removed.
    let other = runs.join("notes");
    std::fs::create_dir_all(&other).unwrap();
    let err = bad_input(&saddle(t.path(), &runs, &["sweep", "rm", "notes"]));
    assert!(err.contains("no sweep"), "{err}");
    assert!(other.exists());
}

/// Two `sweep resume` at once: one supervisor takes the sweep, and the other command says it
/// could not (exit 2) instead of claiming success while its supervisor ended in its log.
#[test]
fn of_two_resumes_at_once_one_is_refused() {
    let t = tmp();
    let runs = t.path().join("runs");
    let p = preset(t.path(), "paced", PACED);
    let sweep = launch(
        t.path(),
        &runs,
        &[p.to_str().unwrap(), "--jobs", "1", "--set", "pace=200"],
    );
    let id = sweep.id();
    ok(&saddle(t.path(), &runs, &["sweep", "cancel", &id]));
    for _ in 0..3 {
        let spawn = || {
            std::process::Command::new(bin())
                .current_dir(t.path())
                .args(["sweep", "resume", &id, "--runs-dir"])
                .arg(&runs)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let codes = [a.status.code(), b.status.code()];
        let said = format!(
            "{}\n{}",
            String::from_utf8_lossy(&a.stderr),
            String::from_utf8_lossy(&b.stderr)
        );
        assert!(
            codes.contains(&Some(0)) && codes.contains(&Some(2)),
            "{codes:?}: {said}"
        );
        assert!(
            said.contains("could not start") || said.contains("is live"),
            "{said}"
        );
        ok(&saddle(t.path(), &runs, &["sweep", "cancel", &id]));
    }
}
