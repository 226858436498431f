//! Snapshot tests of the sweep view (a synthetic 2 × 3 grid × 4 seeds: grouped curves, the
//! table sorted and filtered, the heat map, the progress with Slurm states) and its keys.

use super::data::SweepData;
use super::heatmap;
use super::render::draw;
use super::state::{SweepEffect, SweepView};
use super::testdata::grid_sweep;
use crate::run::control::Command;
use crate::sweep::state::MemberState;
use crate::tui::dashboard::Dashboard;
use crate::tui::log::Log;
use crate::tui::tests::{key, pane};
use crate::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

fn screen(d: &SweepData, v: &SweepView, w: u16, h: u16) -> String {
    let t = pane(w, h, |r, b| draw(d, v, &Theme::default(), r, b));
    format!("{}", t.backend())
}

/// Run `alt`'s heat map of `distance_to_equilibrium` in a 60-column pane `h` rows high, as text.
fn heat_map(d: &SweepData, rho: bool, h: u16) -> String {
    let t = pane(60, h, |r, b| {
        heatmap::render(
            d,
            "alt",
            "distance_to_equilibrium",
            rho,
            r,
            b,
            &Theme::default(),
        )
    });
    format!("{}", t.backend())
}

fn keys(v: &mut SweepView, d: &SweepData, ks: &str) -> Vec<SweepEffect> {
    ks.chars()
        .flat_map(|c| v.on_key(key(KeyCode::Char(c)), d))
        .collect()
}

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

#[test]
fn sweep_whole_screen_160x48() {
    let d = grid_sweep();
    snap!(
        "sweep_whole_screen_160x48",
        screen(&d, &SweepView::default(), 160, 48)
    );
}

#[test]
fn sweep_grouped_by_a_grid_key_with_ci_bands() {
    let d = grid_sweep();
    let mut v = SweepView::default();
    keys(&mut v, &d, "gggb");
    assert_eq!(v.grouping.label(&d.manifest), "runs[*].beta.phi");
    let shown = v.shown(&d);
    let labels: Vec<&str> = shown.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["beta.phi=-0.5", "beta.phi=-0.3", "beta.phi=0"]);
    assert_eq!(
        shown.groups[0].members.len(),
        8,
        "two η values × four seeds"
    );
    snap!("sweep_grouped_by_beta_ci_120x36", screen(&d, &v, 120, 36));
}

#[test]
fn sweep_table_sorted_and_filtered() {
    let d = grid_sweep();
    let mut v = SweepView::default();
    // Sort by the first metric (# → group → n → field_norm), largest first.
    keys(&mut v, &d, "sssS");
    let shown = v.shown(&d);
    assert_eq!(shown.metrics, ["field_norm", "distance_to_equilibrium"]);
    let means: Vec<Option<f64>> = shown
        .rows
        .iter()
        .map(|r| r.cells[0].as_ref().map(|c| c.mean))
        .collect();
    let present: Vec<f64> = means.iter().flatten().copied().collect();
    assert!(present.windows(2).all(|w| w[0] >= w[1]), "{means:?}");
    assert_eq!(means.last(), Some(&None), "the unfinished group last");
    v.on_key(key(KeyCode::Char('/')), &d);
    keys(&mut v, &d, "eta=0.1 ");
    v.on_key(key(KeyCode::Enter), &d);
    assert!(!v.typing);
    assert_eq!(v.shown(&d).rows.len(), 3);
    snap!(
        "sweep_table_sorted_filtered_120x30",
        screen(&d, &v, 120, 30)
    );
    // Not a regular expression: taken as a substring.
    v.on_key(key(KeyCode::Char('/')), &d);
    keys(&mut v, &d, "phi=-0.");
    v.on_key(key(KeyCode::Enter), &d);
    assert_eq!(v.shown(&d).rows.len(), 4);
}

#[test]
fn sweep_heat_map() {
    let d = grid_sweep();
    let cells = heatmap::cells(&d, "alt", "distance_to_equilibrium").unwrap();
    assert_eq!((cells.len(), cells[0].len()), (2, 3));
    assert!(
        cells[1][2].is_none(),
        "the unfinished configuration has no value"
    );
    assert!(
        cells[1][0].unwrap() < cells[0][0].unwrap(),
        "η = 0.1 converges faster"
    );
    snap!("sweep_heat_map", heat_map(&d, false, 6));
}

/// The heat map's predictions are the stability map's: alternating heavy ball on the default
/// preset's bilinear game converges (ρ < 1) with β.φ < 0 and not at β.φ = 0 (ρ = 1), at both
/// step sizes; the cells are marked so, and `p` shows ρ itself.
#[test]
fn sweep_heat_map_next_to_the_predicted_radius() {
    use crate::run::spectrum::{predicted_radius, Limits};
    let mut d = grid_sweep();
    let base = crate::tui::testdata::preset_configs("default")
        .into_iter()
        .find(|c| c.name == "alternating β=-0.5")
        .expect("the default preset's alternating run");
    let predicted: Vec<_> = d
        .manifest
        .configurations
        .iter()
        .map(|c| {
            let mut config = base.clone();
            let eta: f64 = c.grid[0].1.parse().unwrap();
            config.eta.0.theta = eta;
            config.eta.0.phi = eta;
            config.beta.0.phi = c.grid[1].1.parse().unwrap();
            predicted_radius(
                &config,
                &Limits::new(
                    std::time::Duration::from_secs(1),
                    std::time::Duration::from_secs(10),
                ),
            )
        })
        .collect();
    for (c, p) in d.manifest.configurations.iter().zip(&predicted) {
        let r = *p.as_ref().unwrap();
        let beta: f64 = c.grid[1].1.parse().unwrap();
        assert_eq!(r < 1.0 - 1e-9, beta < 0.0, "{}: ρ = {r}", c.label);
    }
    d.predicted = Some(predicted);
    let mut v = SweepView::default();
    let measured = heat_map(&d, v.rho, 7);
    let cells: String = measured.lines().take(4).collect();
    assert_eq!(cells.matches('✓').count(), 4, "{measured}");
    assert_eq!(cells.matches('✗').count(), 2, "{measured}");
    snap!("sweep_heat_map_marked", measured);
    keys(&mut v, &d, "p");
    snap!("sweep_heat_map_rho", heat_map(&d, v.rho, 7));
}

#[test]
fn sweep_progress_with_slurm_states_80x24() {
    let mut d = grid_sweep();
    for (i, m) in d.members.iter_mut().enumerate() {
        m.slurm = Some(match m.state {
            MemberState::Running => "RUNNING".into(),
            MemberState::Queued | MemberState::Preempted => "PENDING".into(),
            _ => "COMPLETED".into(),
        });
        if i == 0 {
            m.slurm = None;
        }
    }
    let mut v = SweepView::default();
    for _ in 0..5 {
        v.on_key(key(KeyCode::Down), &d);
    }
    v.on_key(key(KeyCode::Right), &d);
    assert_eq!(v.shown(&d).member(&v), Some(21));
    let counts: Vec<(String, usize)> = d.slurm_counts().into_iter().collect();
    assert_eq!(
        counts,
        [
            ("COMPLETED".into(), 20),
            ("PENDING".into(), 2),
            ("RUNNING".into(), 1)
        ]
    );
    let s = screen(&d, &v, 80, 24);
    snap!("sweep_progress_slurm_80x24", s);
}

#[test]
fn keys_drill_in_and_command_a_whole_group() {
    let mut d = grid_sweep();
    let mut v = SweepView::default();
    // The last configuration: member 20 runs, 21 preempted, 22 queued, 23 failed.
    for _ in 0..5 {
        v.on_key(key(KeyCode::Down), &d);
    }
    assert_eq!(
        v.on_key(key(KeyCode::Char(' ')), &d),
        [SweepEffect::Send {
            members: vec![20],
            command: Command::Pause
        }]
    );
    d.members[20].status = Some(crate::run::Status::Paused);
    assert_eq!(
        v.on_key(key(KeyCode::Char(' ')), &d),
        [SweepEffect::Send {
            members: vec![20],
            command: Command::Resume
        }],
        "all paused: resume them"
    );
    v.on_key(key(KeyCode::Char('e')), &d);
    assert!(v.editor.is_some());
    for _ in 0..4 {
        v.on_key(key(KeyCode::Backspace), &d);
    }
    keys(&mut v, &d, "0.2");
    let sent = v.on_key(key(KeyCode::Enter), &d);
    assert_eq!(
        sent,
        [SweepEffect::Send {
            members: vec![20],
            command: Command::Set {
                param: "eta.theta".into(),
                value: 0.2
            }
        }]
    );
    v.on_key(key(KeyCode::Up), &d);
    v.on_key(key(KeyCode::Left), &d);
    assert_eq!(
        v.on_key(key(KeyCode::Enter), &d),
        [SweepEffect::DrillIn(19)]
    );
    assert_eq!(keys(&mut v, &d, "q"), [SweepEffect::Quit]);
}

#[test]
fn the_dashboard_drills_into_a_member_and_esc_comes_back() {
    let tmp = tempfile::tempdir().unwrap();
    let d = grid_sweep();
    for m in &d.manifest.members {
        std::fs::create_dir(tmp.path().join(&m.dir)).unwrap();
    }
    std::fs::write(
        tmp.path().join(crate::sweep::manifest::MANIFEST),
        serde_json::to_string(&d.manifest).unwrap(),
    )
    .unwrap();
    let sweep = crate::sweep::SweepDir {
        path: tmp.path().to_path_buf(),
    };
    let log = Log::open(tmp.path());
    let mut dash = Dashboard::for_sweep(sweep, tmp.path(), Theme::default(), log).unwrap();
    assert!(dash.in_sweep_view());
    dash.on_key(key(KeyCode::Down));
    dash.on_key(key(KeyCode::Right));
    dash.on_key(key(KeyCode::Enter));
    assert!(!dash.in_sweep_view());
    assert_eq!(dash.app.runs.len(), 1);
    assert_eq!(
        dash.app
            .current()
            .and_then(|r| r.dir.as_ref())
            .map(|d| d.path.clone()),
        Some(tmp.path().join("005")),
        "the second group's second member"
    );
    dash.on_key(key(KeyCode::Esc));
    assert!(dash.in_sweep_view());
    assert_eq!(dash.on_key(key(KeyCode::Char('q'))).0, Some(false));
}

/// A configuration without a prediction is left unmarked, and the legend says why.
#[test]
fn a_missing_prediction_is_named_not_silent() {
    let mut d = grid_sweep();
    let n = d.manifest.configurations.len();
    let mut predicted: Vec<_> = (0..n).map(|_| Ok(0.9)).collect();
    predicted[0] = Err("config.ron: unreadable".to_string());
    d.predicted = Some(predicted);
    let s = heat_map(&d, false, 7);
    let cells: String = s.lines().take(4).collect();
    assert_eq!(cells.matches('✓').count(), 5, "{s}");
    assert!(s.contains("unmarked: config.ron"), "{s}");
}

/// Groups whose labels differ only at their end (a long run name, grid paths naming a run)
/// stay told apart in the table: on a wide screen the labels get the width the table has, on
/// a narrow one the words every label shares go first.
#[test]
fn sweep_table_tells_apart_groups_with_long_labels() {
    let m = super::testdata::grid_manifest(
        &[
            ("runs[2].eta", &["0.1", "0.2"]),
            ("runs[2].beta.phi", &["-0.5", "-0.3"]),
        ],
        &["alternating β=-0.5"],
        2,
    );
    let mut d = SweepData::new(m);
    for md in &mut d.members {
        md.set_columns(vec!["field_norm".to_string()]);
        md.push_row(&[Some(1.0), Some(1.0), Some(0.0), Some(1.0), Some(0.5)]);
        md.state = MemberState::Done;
        md.finals = Some([("field_norm".to_string(), Some(0.5))].into());
    }
    let v = SweepView::default();
    let labels: Vec<String> = d
        .manifest
        .configurations
        .iter()
        .map(|c| c.label.clone())
        .collect();
    assert_eq!(
        labels[1],
        "alternating β=-0.5 runs[2].eta=0.1 runs[2].beta.phi=-0.3"
    );
    let table_rows = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.contains("■ "))
            .map(|l| l.to_string())
            .collect()
    };
    for (w, h) in [(160, 48), (120, 36)] {
        let s = screen(&d, &v, w, h);
        let rows = table_rows(&s);
        assert_eq!(rows.len(), 4, "{s}");
        for l in &labels {
            assert!(
                rows.iter().any(|r| r.contains(l.as_str())),
                "{w}×{h}: {l}\n{s}"
            );
        }
    }
    for (w, h) in [(80, 24), (60, 18)] {
        let s = screen(&d, &v, w, h);
        let rows = table_rows(&s);
        // 18 rows high, the table has room for three groups.
        assert!(rows.len() >= 3, "{w}×{h}\n{s}");
        for (r, l) in rows.iter().zip(&labels) {
            let grid = l.strip_prefix("alternating β=-0.5 ").unwrap();
            assert!(
                r.contains(&format!("■ … {grid} ")),
                "{w}×{h}: {grid} not in {r}\n{s}"
            );
        }
    }
}
