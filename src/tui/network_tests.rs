//! Snapshot and key tests of the dashboard on network games: a GAN on [NM]'s 8 Gaussians
//! (data plane, modes, J's eigenvalues) and a DCGAN on CIFAR-10 (sample grids stepping
//! through time), at 80×24 and 160×48, from the made-up runs of [`super::testdata`].

use super::app::App;
use super::panes::{self, phase, samples, scores, spectral};
use super::testdata::{default_runs, image_runs, mog_runs};
use super::tests::{key, pane, screen};
use super::theme::Theme;
use super::{kinds, runs_table};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::Terminal;

/// Polls `feed` until its sample and plane loads (off the UI thread) are done; true when a
/// poll changed `data`.
fn settle(
    feed: &mut super::feed::RunFeed,
    data: &mut super::model::RunData,
    now: std::time::Instant,
) -> bool {
    let t0 = std::time::Instant::now();
    let mut changed = feed.poll(data, now);
    while feed.loading() {
        assert!(
            t0.elapsed().as_secs() < 10,
            "loads still running after 10 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
        changed |= feed.poll(data, now);
    }
    changed
}

fn app_of(runs: Vec<super::model::RunData>) -> App {
    let mut a = App::new(runs, Theme::default());
    a.runs_dir = "runs".into();
    a
}

fn flat(t: &Terminal<TestBackend>) -> String {
    text(t)
        .lines()
        .map(|l| l.trim_matches(|c: char| "│┌┐└┘─ ".contains(c)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn text(t: &Terminal<TestBackend>) -> String {
    let b = t.backend().buffer();
    let mut s = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            s.push_str(b[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

#[test]
fn mog_whole_screen_160x48() {
    let t = screen(&app_of(mog_runs(5000)), 160, 48);
    let s = text(&t);
    // The curves open on the losses, the table shows modes, the plane is the data plane.
    assert!(s.contains("losses L_G"), "{s}");
    assert!(s.contains("modes") && s.contains("HQ %") && !s.contains("‖ω−ω*‖"));
    assert!(s.contains("data plane · step 5000"));
    assert!(s.contains("eigenvalues of J"));
    assert!(s.contains("┌ modes covered"));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn mog_whole_screen_80x24_curves_and_plane() {
    let mut a = app_of(mog_runs(5000));
    insta::assert_snapshot!("mog_80x24_curves", screen(&a, 80, 24).backend());
    a.on_key(key(KeyCode::Char('3')));
    assert_eq!(panes::ALL[a.view.pane].title(), "plane");
    let t = screen(&a, 80, 24);
    assert!(text(&t).contains("6/8 modes"), "{}", text(&t));
    insta::assert_snapshot!("mog_80x24_plane", t.backend());
}

#[test]
fn mog_data_plane_pane_colours_the_decision_map() {
    let mut a = app_of(mog_runs(5000));
    a.theme.depth = super::theme::ColorDepth::TrueColor;
    let t = pane(70, 24, |r, b| phase::render(&a, r, b));
    let buf = t.backend().buffer();
    // Real modes are marked, with D's "real" colour under those the generator covers.
    let plane = a.runs[0].plane.as_ref().unwrap();
    let plus: Vec<(u16, u16)> = (0..70)
        .flat_map(|x| (0..21).map(move |y| (x, y)))
        .filter(|p| buf[*p].symbol() == "+")
        .collect();
    assert_eq!(plus.len(), plane.modes.len(), "{plus:?}");
    let real = super::plane_view::decision_color(0.85, a.theme.depth);
    assert!(plus.iter().any(|p| {
        let bg = buf[*p].bg;
        matches!((bg, real), (ratatui::style::Color::Rgb(r, _, _), ratatui::style::Color::Rgb(r2, _, _)) if r > 100 && r2 > 100)
    }));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn image_gan_screens_show_grids_and_say_why_there_is_no_plane() {
    let mut a = app_of(image_runs(20_000));
    let big = screen(&a, 160, 48);
    let s = text(&big);
    assert!(s.contains("generated images · step 20000"), "{s}");
    assert!(s.contains("no plane for an image GAN"));
    assert!(s.contains("L_D") && !s.contains("‖ω−ω*‖"));
    insta::assert_snapshot!("image_160x48", big.backend());
    a.on_key(key(KeyCode::Char('4')));
    insta::assert_snapshot!("image_80x24_samples", screen(&a, 80, 24).backend());
}

#[test]
fn time_keys_step_through_the_saved_samples_and_back_to_the_newest() {
    let mut a = app_of(mog_runs(10_000));
    assert_eq!(a.runs[0].sample_steps, vec![0, 2500, 5000, 7500, 10_000]);
    assert_eq!(a.view.samples_at, None, "follows the newest");
    a.on_key(key(KeyCode::Char('<')));
    assert_eq!(a.view.samples_at, Some(7500));
    a.on_key(key(KeyCode::Char(',')));
    assert_eq!(a.view.samples_at, Some(5000));
    a.on_key(key(KeyCode::Home));
    assert_eq!(a.view.samples_at, Some(0));
    a.on_key(key(KeyCode::Char('<')));
    assert_eq!(a.view.samples_at, Some(0), "stays at the first");
    a.on_key(key(KeyCode::Char('>')));
    assert_eq!(a.view.samples_at, Some(2500));
    a.on_key(key(KeyCode::End));
    assert_eq!(a.view.samples_at, None);
    a.view.samples_at = Some(5000);
    a.on_key(key(KeyCode::Char('.')));
    a.on_key(key(KeyCode::Char('.')));
    assert_eq!(
        a.view.samples_at, None,
        "the last step forward follows again"
    );
    // A toy game has nothing saved: a message, nothing moves.
    let mut toy = app_of(default_runs(100));
    toy.on_key(key(KeyCode::Char('<')));
    assert_eq!(toy.view.samples_at, None);
    assert!(toy
        .message
        .as_ref()
        .unwrap()
        .text
        .contains("no saved samples"));
    // The pane's own line names the step and the keys.
    let t = pane(40, 14, |r, b| samples::render(&a, r, b));
    assert!(
        text(&t).contains("step 10000 · 5/5 newest · < > home end"),
        "{}",
        text(&t)
    );
}

#[test]
fn unset_options_say_how_to_set_them() {
    let mut a = app_of(mog_runs(3000));
    for r in &mut a.runs {
        let c = r.config.as_mut().unwrap();
        c.spectral_every = None;
        c.sample_every = None;
        r.spectrum = None;
        r.samples = None;
        r.plane = None;
        r.sample_steps.clear();
        r.plane_steps.clear();
    }
    let sp = flat(&pane(60, 8, |r, b| spectral::render(&a, r, b)));
    assert!(sp.contains("spectral_every: Some(2500)"), "{sp}");
    let sa = flat(&pane(60, 8, |r, b| samples::render(&a, r, b)));
    assert!(sa.contains("sample_every: Some(2500)"), "{sa}");
    let pl = flat(&pane(60, 8, |r, b| phase::render(&a, r, b)));
    assert!(pl.contains("sample_every"), "{pl}");
    // Set but not there yet: when the first comes.
    for r in &mut a.runs {
        r.config.as_mut().unwrap().spectral_every = Some(2500);
    }
    let sp = flat(&pane(60, 8, |r, b| spectral::render(&a, r, b)));
    assert!(sp.contains("none saved yet, the next at step 5000"), "{sp}");
    // A toy game without spectral_every: the radius pane says how, not "no eigenvalues yet".
    let mut toy = app_of(default_runs(100));
    for r in &mut toy.runs {
        r.config.as_mut().unwrap().spectral_every = None;
        r.spectrum = None;
        r.columns
            .retain(|c| c != crate::run::metrics::SPECTRAL_RADIUS);
    }
    let sp = flat(&pane(80, 8, |r, b| spectral::render(&toy, r, b)));
    assert!(
        sp.contains("--set spectral_every=") && !sp.contains("no eigenvalues yet"),
        "{sp}"
    );
}

#[test]
fn a_fork_without_its_own_samples_yet_shows_its_parents() {
    // What the feed reads for a fork: the files it inherited up to its branch point.
    use crate::run::store::RunDir;
    let (p, f) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (parent, fork) = (
        RunDir {
            path: p.path().to_path_buf(),
        },
        RunDir {
            path: f.path().to_path_buf(),
        },
    );
    for step in [0u64, 2500, 5000] {
        crate::run::plane::write(&parent, &super::testdata::mog_plane(step, 3)).unwrap();
        let csv = crate::run::sample_files::path(&parent, "points", step, "csv");
        std::fs::write(csv, "x,y\n1,0\n0,1\n").unwrap();
    }
    crate::run::sample_files::inherit(&parent, &fork, 2500).unwrap();
    let mut cfg = mog_runs(0)[0].config.clone().unwrap();
    cfg.name = "adam D β=-0.5 seed=0 fork@2500".into();
    fork.replace(crate::run::store::CONFIG, cfg.to_ron().as_bytes())
        .unwrap();
    let (mut feed, mut data) = super::feed::RunFeed::open(fork.clone(), 0, &panes::reads());
    settle(&mut feed, &mut data, std::time::Instant::now());
    assert_eq!(data.plane_steps, vec![0, 2500]);
    assert_eq!(data.plane.as_ref().map(|p| p.step), Some(2500));
    assert_eq!(data.samples.as_ref().map(|s| s.0), Some(2500));
    let a = app_of(vec![data]);
    let s = text(&pane(50, 10, |r, b| samples::render(&a, r, b)));
    assert!(s.contains("generated points · step 2500"), "{s}");
    assert!(!s.contains("no samples"), "{s}");
}

#[test]
fn the_feed_loads_the_step_the_time_cursor_asks_for_and_names_a_damaged_file() {
    use crate::run::store::RunDir;
    let t = tempfile::tempdir().unwrap();
    let dir = RunDir {
        path: t.path().to_path_buf(),
    };
    let cfg = mog_runs(0)[0].config.clone().unwrap();
    dir.replace(crate::run::store::CONFIG, cfg.to_ron().as_bytes())
        .unwrap();
    for step in [0u64, 2500, 5000] {
        crate::run::plane::write(&dir, &super::testdata::mog_plane(step, 2)).unwrap();
    }
    let (mut feed, mut data) = super::feed::RunFeed::open(dir.clone(), 0, &panes::reads());
    let now = std::time::Instant::now();
    settle(&mut feed, &mut data, now);
    assert_eq!(data.plane.as_ref().unwrap().step, 5000);
    data.samples_at = Some(4000);
    // Asked for at the next poll, read off the UI thread, there when the read is done.
    assert!(
        settle(&mut feed, &mut data, now),
        "the new step changes the screen"
    );
    assert_eq!(data.plane.as_ref().unwrap().step, 2500);
    // A damaged newest plane: named, the plane shown stays.
    std::fs::write(
        crate::run::sample_files::path(&dir, "plane", 7500, "json"),
        "{\"step\": 7500",
    )
    .unwrap();
    data.samples_at = None;
    settle(
        &mut feed,
        &mut data,
        now + std::time::Duration::from_secs(1),
    );
    assert_eq!(data.plane.as_ref().unwrap().step, 2500);
    let e = data.sample_error.clone().unwrap();
    assert!(e.contains("plane-000007500.json"), "{e}");
}

#[test]
fn network_panes_and_table() {
    let a = app_of(mog_runs(5000));
    insta::assert_snapshot!(
        "mog_spectral",
        pane(80, 14, |r, b| spectral::render(&a, r, b)).backend()
    );
    insta::assert_snapshot!(
        "mog_scores",
        pane(50, 16, |r, b| scores::render(&a, r, b)).backend()
    );
    insta::assert_snapshot!(
        "mog_runs_table",
        pane(120, 6, |r, b| runs_table::render(&a, r, b)).backend()
    );
    let mut mixed = mog_runs(5000);
    mixed.extend(default_runs(100).into_iter().take(1));
    let cols = kinds::table_columns(&mixed);
    assert_eq!(cols.len(), 4, "‖F‖ once: {cols:?}");
    let m = app_of(mixed);
    let s = text(&pane(150, 7, |r, b| runs_table::render(&m, r, b)));
    assert!(s.contains("‖ω−ω*‖") && s.contains("modes"), "{s}");
}

/// Issue 19 item 3: on a terminal with an image protocol the grid is left to the painter
/// (its cells skipped by ratatui); with `g`, without a protocol and under a popup, half blocks.
#[test]
fn image_grids_go_to_the_painter_in_pixels_and_fall_back_to_half_blocks() {
    use super::graphics::{Graphics, Picture, Protocol};
    let mut a = app_of(image_runs(20_000));
    let (step, view) = a.runs[0].samples.clone().unwrap();
    let samples::SampleView::Images(imgs) = view else {
        panic!("an image run")
    };
    let rgb: Vec<u8> = imgs[0]
        .pixels
        .iter()
        .flat_map(|v| [(v * 255.0) as u8; 3])
        .collect();
    let png = super::graphics::picture::png_of(
        imgs[0].width as u32,
        imgs[0].height as u32,
        png::ColorType::Rgb,
        &rgb,
    );
    a.runs[0].picture = Some(std::sync::Arc::new(Picture::decode(png, step).unwrap()));
    let half_blocks = |t: &Terminal<TestBackend>| text(t).contains('▀');
    // Half blocks by default (no terminal: no protocol).
    let t = pane(60, 30, |r, b| samples::render(&a, r, b));
    assert!(half_blocks(&t));
    assert!(a.graphics.take_placement().is_none());
    // Sixel: the grid's cells are blank, skipped, and the placement waits for the painter.
    a.graphics = Graphics::new(Protocol::Sixel, "test".into(), (8, 16));
    let t = pane(60, 30, |r, b| samples::render(&a, r, b));
    assert!(!half_blocks(&t), "{}", text(&t));
    a.graphics.take_placement().expect("a placement");
    // The frame's own buffer (a backend never sees skipped cells).
    let mut frame = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 60, 30));
    samples::render(&a, frame.area, &mut frame);
    let p = a.graphics.take_placement().expect("a placement");
    assert_eq!(
        frame[(p.area.x, p.area.y)].diff_option,
        ratatui::buffer::CellDiffOption::Skip
    );
    assert_eq!(p.picture.step, step);
    // `g`: half blocks, and the status line says how it is drawn.
    a.on_key(key(KeyCode::Char('g')));
    assert!(half_blocks(&pane(60, 30, |r, b| samples::render(&a, r, b))));
    let said = a.message.as_ref().unwrap().text.clone();
    assert!(said.contains("half blocks (sixel available"), "{said}");
    a.on_key(key(KeyCode::Char('g')));
    assert!(!half_blocks(&pane(60, 30, |r, b| samples::render(
        &a, r, b
    ))));
    a.graphics.take_placement();
    // A popup on top: half blocks until it closes.
    a.on_key(key(KeyCode::Char('?')));
    assert!(half_blocks(&pane(60, 30, |r, b| samples::render(&a, r, b))));
    assert!(a.graphics.take_placement().is_none());
    // A grid of another step than the one shown is never drawn in its place.
    a.on_key(key(KeyCode::Esc));
    a.runs[0].picture = None;
    assert!(half_blocks(&pane(60, 30, |r, b| samples::render(&a, r, b))));
    // Without a protocol `g` says why and how to force one.
    a.graphics = Graphics::default();
    a.on_key(key(KeyCode::Char('g')));
    let said = &a.message.as_ref().unwrap().text;
    assert!(said.contains("SADDLE_GRAPHICS"), "{said}");
}

/// Issue 13 item 2: reading and decoding a sample grid happens off the UI thread. A grid that
/// cannot be read yet (a FIFO nobody writes: the read blocks) leaves `poll` answering at once;
/// the grid shows when its bytes arrive.
#[test]
fn a_sample_grid_that_blocks_its_reader_never_blocks_the_feed() {
    use crate::run::store::RunDir;
    use std::time::{Duration, Instant};
    let t = tempfile::tempdir().unwrap();
    let dir = RunDir {
        path: t.path().to_path_buf(),
    };
    let cfg = image_runs(0)[0].config.clone().unwrap();
    dir.replace(crate::run::store::CONFIG, cfg.to_ron().as_bytes())
        .unwrap();
    let fifo = crate::run::sample_files::path(&dir, "grid", 10, "png");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (mut feed, mut data) = super::feed::RunFeed::open(dir.clone(), 0, &panes::reads());
    let t0 = Instant::now();
    for _ in 0..5 {
        feed.poll(&mut data, Instant::now());
    }
    assert!(
        t0.elapsed() < Duration::from_millis(100),
        "{:?}",
        t0.elapsed()
    );
    assert!(feed.loading() && data.samples.is_none());
    let png = super::graphics::picture::png_of(2, 2, png::ColorType::Grayscale, &[0, 85, 170, 255]);
    std::fs::write(&fifo, &png).unwrap();
    assert!(settle(&mut feed, &mut data, Instant::now()));
    assert_eq!(data.samples.as_ref().map(|s| s.0), Some(10));
    assert_eq!(data.picture.as_ref().unwrap().png, png);
}
