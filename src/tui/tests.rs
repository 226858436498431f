//! Snapshot tests of every pane and of the whole screen (TestBackend, fixed data: the default
//! preset simulated in closed form, no clock), and key-handling state tests.

use super::app::{App, Effect, Popup};
use super::editor::Editor;
use super::layout;
use super::panes::samples::{self, Image, SampleView};
use super::panes::{self, curves, events, phase, scores, spectral};
use super::picker::{Picker, PickerKind};
use super::testdata::default_runs;
use super::theme::Theme;
use super::{compare, help, quit, runs_table};
use crate::run::control::Command;
use crate::run::Status;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::Terminal;

pub(super) fn app() -> App {
    let mut a = App::new(default_runs(3000), Theme::default());
    a.runs_dir = "runs".into();
    a.refresh_phase();
    a
}

pub(super) fn screen(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| layout::draw(app, f.area(), f.buffer_mut()))
        .unwrap();
    t
}

pub(super) fn pane(w: u16, h: u16, f: impl FnOnce(Rect, &mut Buffer)) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|fr| f(fr.area(), fr.buffer_mut())).unwrap();
    t
}

pub(super) fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

#[test]
fn whole_screen_160x48() {
    insta::assert_snapshot!(screen(&app(), 160, 48).backend());
}

#[test]
fn whole_screen_80x24() {
    insta::assert_snapshot!(screen(&app(), 80, 24).backend());
}

#[test]
fn whole_screen_80x24_ascii_phase_tab() {
    let mut a = app();
    a.theme.ascii = true;
    a.on_key(key(KeyCode::Char('3')));
    assert_eq!(panes::ALL[a.view.pane].title(), "plane");
    insta::assert_snapshot!(screen(&a, 80, 24).backend());
}

/// Space on a run no process drives says what to do instead of only that it cannot.
#[test]
fn pausing_a_run_that_is_not_live_says_how_to_go_on() {
    let mut a = app();
    a.selected = 2;
    a.runs[2].status = super::model::RunStatus::Known(Status::Interrupted);
    a.on_key(key(KeyCode::Char(' ')));
    let said = &a.message.as_ref().unwrap().text;
    assert!(
        said.contains("is interrupted")
            && said.contains(&format!("saddle resume {}", a.runs[2].id)),
        "{said}"
    );
    a.runs[2].status = super::model::RunStatus::Known(Status::Finished);
    a.on_key(key(KeyCode::Char(' ')));
    assert!(a.message.as_ref().unwrap().text.contains("f forks it"));
}

/// A message wider than the screen wraps onto up to three lines: a refusal's reason, at its
/// end, used to be cut off at the terminal's width.
#[test]
fn a_long_message_wraps_instead_of_losing_its_end() {
    let mut a = app();
    let long = format!(
        "failed: forking run at step 5: {} the end",
        "because ".repeat(14)
    );
    a.say(long, true);
    let shown = format!("{:?}", screen(&a, 80, 24).backend());
    assert!(shown.contains("the end"), "{shown}");
}

#[test]
fn too_small() {
    let t = screen(&app(), 50, 12);
    insta::assert_snapshot!(t.backend());
    // The quit dialog opened there says its keys instead of hiding behind the message.
    let mut a = app();
    a.popup = Some(Popup::Quit);
    let shown = format!("{:?}", screen(&a, 30, 8).backend());
    assert!(
        shown.contains("d quit") && shown.contains("s stop"),
        "{shown}"
    );
}

#[test]
fn pane_runs_table() {
    let mut a = app();
    a.selected = 2;
    a.marked[1] = true;
    insta::assert_snapshot!(pane(120, 7, |r, b| runs_table::render(&a, r, b)).backend());
}

#[test]
fn pane_curves_smoothed_linear_oracle_calls() {
    let mut a = app();
    a.view.smoothing = 0.6;
    a.view.log_y = false;
    a.view.x_axis = super::series::XAxis::OracleCalls;
    a.view.overlay_all = false;
    a.selected = 2;
    insta::assert_snapshot!(pane(90, 20, |r, b| curves::render(&a, r, b)).backend());
}

#[test]
fn pane_curves_losses_band() {
    let mut a = app();
    a.view.metric = 2;
    a.view.band = true;
    insta::assert_snapshot!(pane(90, 20, |r, b| curves::render(&a, r, b)).backend());
}

#[test]
fn pane_curves_value_cursor() {
    let mut a = app();
    a.selected = 2;
    a.on_key(key(KeyCode::Char('i')));
    assert_eq!(
        a.view.cursor,
        Some(3000.0),
        "starts at the selected run's newest row"
    );
    let end = curves::x_end(&a.runs[2], a.view.x_axis);
    for _ in 0..20 {
        a.on_key(key(KeyCode::Char('{')));
    }
    let at = 3000.0 - 20.0 * end / super::cursor::STEPS;
    assert!((a.view.cursor.unwrap() - at).abs() < 1e-9);
    insta::assert_snapshot!(pane(120, 24, |r, b| curves::render(&a, r, b)).backend());
    a.view.compare = true;
    insta::assert_snapshot!(
        "pane_compare_value_cursor",
        pane(120, 24, |r, b| compare::render(&a, r, b)).backend()
    );
}

/// With `--mouse`, a click (or drag) on the curves chart puts the value cursor at that
/// column's x and turns it on; a click elsewhere, or under a popup, leaves it; the compare
/// view's charts take clicks too.
#[test]
fn a_click_on_a_chart_places_the_value_cursor() {
    let mut a = app();
    let _ = pane(120, 24, |r, b| curves::render(&a, r, b));
    let (area, [x0, x1]) = a.charts.borrow()[0];
    assert!(area.width > 20 && x1 > x0, "{area:?} {x0} {x1}");
    assert!(!a.click(0, 0), "the border is no chart");
    assert_eq!(a.view.cursor, None);
    let col = area.x + area.width / 4;
    assert!(a.click(col, area.y + 1));
    let want = x0 + (f64::from(col - area.x) + 0.5) / f64::from(area.width) * (x1 - x0);
    assert!((a.view.cursor.unwrap() - want).abs() < 1e-9);
    // The last column reads the end of the axis, at most.
    assert!(a.click(area.x + area.width - 1, area.y));
    assert!(a.view.cursor.unwrap() <= x1);
    a.popup = Some(Popup::Quit);
    assert!(!a.click(col, area.y + 1), "a popup takes the screen");
    a.popup = None;
    a.view.compare = true;
    a.view.cursor = None;
    let _ = pane(120, 24, |r, b| {
        a.charts.borrow_mut().clear();
        compare::render(&a, r, b)
    });
    let cells = a.charts.borrow().clone();
    assert!(cells.len() > 1, "one chart per run: {cells:?}");
    let (c, _) = cells[1];
    assert!(a.click(c.x + 1, c.y));
    assert!(a.view.cursor.is_some());
}

#[test]
fn value_cursor_keys_toggle_move_within_the_axis_and_follow_the_x_axis() {
    let mut a = app();
    a.selected = 1;
    a.on_key(key(KeyCode::Char('i')));
    let end = curves::x_end(&a.runs[1], a.view.x_axis);
    for _ in 0..500 {
        a.on_key(key(KeyCode::Char('}')));
    }
    assert_eq!(a.view.cursor, Some(end), "stops at the end of the axis");
    for _ in 0..500 {
        a.on_key(key(KeyCode::Char('{')));
    }
    assert_eq!(a.view.cursor, Some(0.0), "stops at 0");
    a.on_key(key(KeyCode::Char('}')));
    let x = a.view.cursor.unwrap();
    let row = super::cursor::read(&a.runs[1], &a.metric(), a.view.x_axis, x).unwrap();
    a.on_key(key(KeyCode::Char('x')));
    assert_eq!(a.view.x_axis, super::series::XAxis::OracleCalls);
    let moved = super::cursor::read(
        &a.runs[1],
        &a.metric(),
        a.view.x_axis,
        a.view.cursor.unwrap(),
    );
    assert_eq!(
        moved.unwrap().step,
        row.step,
        "the same row on the new axis"
    );
    assert_eq!(a.view.metric, 0, "the cursor keys leave the metric alone");
    a.on_key(key(KeyCode::Char('i')));
    assert_eq!(a.view.cursor, None);
    a.on_key(key(KeyCode::Char('}')));
    assert_eq!(
        a.view.cursor, None,
        "moving an absent cursor does not show it"
    );
}

#[test]
fn pane_spectral() {
    let mut a = app();
    a.selected = 2;
    insta::assert_snapshot!(pane(90, 16, |r, b| spectral::render(&a, r, b)).backend());
}

#[test]
fn pane_phase() {
    insta::assert_snapshot!(pane(70, 24, |r, b| phase::render(&app(), r, b)).backend());
}

#[test]
fn pane_samples_states() {
    let t = Theme::default();
    // Drawn in a bordered block titled as the pane is.
    let framed = |view: &SampleView, color, r: Rect, b: &mut Buffer, theme: &Theme| {
        use ratatui::widgets::{Block, Widget};
        let block = Block::bordered().title(" samples ");
        let inner = block.inner(r);
        block.render(r, b);
        samples::render_view(view, color, inner, b, theme)
    };
    let none = pane(40, 8, |r, b| samples::render(&app(), r, b));
    insta::assert_snapshot!("samples_none", none.backend());
    let scatter = SampleView::Scatter {
        real: (0..8)
            .map(|k| {
                (
                    (k as f64 * 0.785).cos() * 2.0,
                    (k as f64 * 0.785).sin() * 2.0,
                )
            })
            .collect(),
        generated: (0..8)
            .map(|k| {
                (
                    (k as f64 * 0.785).cos() * 1.6,
                    (k as f64 * 0.785).sin() * 1.6,
                )
            })
            .collect(),
    };
    let s = pane(40, 12, |r, b| framed(&scatter, t.run_color(1), r, b, &t));
    insta::assert_snapshot!("samples_scatter", s.backend());
    let img = Image {
        width: 6,
        height: 6,
        pixels: (0..36).map(|i| ((i % 6) as f32) / 5.0).collect(),
    };
    let ascii = Theme { ascii: true, ..t };
    let g = pane(30, 10, |r, b| {
        framed(
            &SampleView::Images(vec![img.clone(); 3]),
            t.run_color(0),
            r,
            b,
            &ascii,
        )
    });
    insta::assert_snapshot!("samples_images_ascii", g.backend());
    // Half blocks: two pixel rows per cell, upper as foreground, lower as background.
    let hb = pane(16, 6, |r, b| {
        samples::render_images(std::slice::from_ref(&img), r, b, &t)
    });
    let cell = &hb.backend().buffer()[(0, 0)];
    assert_eq!(cell.symbol(), "▀");
    assert_eq!(cell.fg, ratatui::style::Color::Indexed(232));
}

#[test]
fn pane_scores_unavailable_and_with_data() {
    let a = app();
    insta::assert_snapshot!(
        "scores_unavailable",
        pane(40, 10, |r, b| scores::render(&a, r, b)).backend()
    );
    let mut a = app();
    let mut run = super::model::RunData::new("s", "gan", "extragradient+adam", vec![], 0);
    let network = crate::score::network::NetworkId {
        kind: "synthetic-inception".into(),
        sha256: "ab".repeat(32),
        source: "synthetic weights (seed 3, widths ÷16)".into(),
        comparable: false,
    };
    for t in 1..=10u64 {
        for (k, g) in ["raw", "uniform", "ema"].into_iter().enumerate() {
            let x = t as f64 + k as f64;
            run.push_score(crate::score::record::ScoreRecord {
                step: Some(t * 200),
                generator: Some(g.into()),
                samples: 5000,
                splits: 10,
                inception_score: Some(1.0 + 0.3 * x),
                inception_score_std: Some(0.01),
                fid: Some(200.0 / x),
                network: network.clone(),
                reference: None,
                images: String::new(),
                preprocessing: String::new(),
                seconds: 1.0,
                time: 0.0,
                error: None,
            });
        }
    }
    run.steps = 2000;
    a.runs = vec![run];
    a.marked = vec![false];
    a.selected = 0;
    a.view.log_y = false;
    insta::assert_snapshot!(
        "scores_data",
        pane(50, 16, |r, b| scores::render(&a, r, b)).backend()
    );
}

#[test]
fn pane_events() {
    use crate::run::events::{EventKind, EventRecord};
    let mut a = app();
    a.selected = 2;
    let at = |step, kind| EventRecord {
        step,
        time: 0.0,
        source: Some("control-file".into()),
        request: None,
        kind,
    };
    for e in [
        at(1800, EventKind::Pause),
        at(
            1800,
            EventKind::Refused {
                command: "set eta=-1".into(),
                reason: "eta.theta must be finite and > 0, got -1".into(),
            },
        ),
        at(1800, EventKind::Checkpoint),
        at(1800, EventKind::Resume),
    ] {
        a.runs[2].push_event(&e);
    }
    insta::assert_snapshot!(pane(50, 8, |r, b| events::render(&a, r, b)).backend());
    a.selected = 0;
    insta::assert_snapshot!(
        "pane_events_diverged",
        pane(50, 3, |r, b| events::render(&a, r, b)).backend()
    );
    let empty = App::new(vec![], Theme::default());
    insta::assert_snapshot!(
        "pane_events_none",
        pane(30, 4, |r, b| events::render(&empty, r, b)).backend()
    );
}

#[test]
fn pane_compare() {
    let a = app();
    insta::assert_snapshot!(pane(120, 24, |r, b| compare::render(&a, r, b)).backend());
}

#[test]
fn popups() {
    let a = app();
    let t = Theme::default();
    insta::assert_snapshot!(
        "help",
        pane(80, 26, |r, b| help::render(r, b, &t, 0)).backend()
    );
    insta::assert_snapshot!(
        "quit",
        pane(60, 10, |r, b| quit::render(3, r, b, &t)).backend()
    );
    let e = Editor::new(2, &a.runs[2].name, a.runs[2].eta, a.runs[2].beta);
    insta::assert_snapshot!("editor", pane(60, 12, |r, b| e.render(r, b, &t)).backend());
    let p = Picker::new(
        PickerKind::Preset,
        vec![
            ("default".into(), "bilinear".into()),
            ("bilinear-momentum".into(), "β".into()),
        ],
    );
    insta::assert_snapshot!("picker", pane(80, 8, |r, b| p.render(r, b, &t)).backend());
}

// ---- key handling ----------------------------------------------------------------------

#[test]
fn space_pauses_a_running_run_and_resumes_a_paused_one() {
    let mut a = app();
    a.selected = 1;
    assert_eq!(
        a.on_key(key(KeyCode::Char(' '))),
        vec![Effect::Send {
            run: 1,
            command: Command::Pause
        }]
    );
    a.runs[1].status = super::model::RunStatus::Known(Status::Paused);
    assert_eq!(
        a.on_key(key(KeyCode::Char(' '))),
        vec![Effect::Send {
            run: 1,
            command: Command::Resume
        }]
    );
    // The diverged run cannot be paused: a message, no command.
    a.selected = 0;
    assert_eq!(a.on_key(key(KeyCode::Char(' '))), vec![]);
    assert!(a.message.as_ref().unwrap().error);
}

#[test]
fn editor_sends_the_changed_beta_to_the_selected_run() {
    let mut a = app();
    a.selected = 2;
    assert!(a.on_key(key(KeyCode::Char('e'))).is_empty());
    assert!(matches!(a.popup, Some(Popup::Editor(_))));
    a.on_key(key(KeyCode::Up)); // beta.phi
    for _ in 0..8 {
        a.on_key(key(KeyCode::Backspace));
    }
    for c in "-0.3".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    let eff = a.on_key(key(KeyCode::Enter));
    assert_eq!(
        eff,
        vec![Effect::Send {
            run: 2,
            command: Command::Set {
                param: "beta.phi".into(),
                value: -0.3
            }
        }]
    );
    assert!(a.popup.is_none());
}

#[test]
fn fork_branches_the_selected_run_at_its_step_with_the_edited_values() {
    let mut a = app();
    a.selected = 2;
    let at = a.runs[2].step;
    assert!(a.on_key(key(KeyCode::Char('f'))).is_empty());
    assert!(matches!(&a.popup, Some(Popup::Editor(e)) if e.fork_at == Some(at)));
    // Unchanged values fork nothing.
    assert_eq!(a.on_key(key(KeyCode::Enter)), vec![]);
    a.on_key(key(KeyCode::Char('f')));
    a.on_key(key(KeyCode::Up)); // beta.phi
    for _ in 0..8 {
        a.on_key(key(KeyCode::Backspace));
    }
    for c in "-0.3".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!(
        a.on_key(key(KeyCode::Enter)),
        vec![Effect::Fork {
            run: 2,
            at,
            sets: vec!["beta.phi=-0.3".into()],
            steps: None,
        }]
    );
    assert!(a.popup.is_none());
    // At the step a finished run ended at, the fork runs on for as many steps again (without
    // an end of its own it was always refused).
    let end = a.runs[2].steps;
    a.runs[2].step = end;
    a.on_key(key(KeyCode::Char('f')));
    a.on_key(key(KeyCode::Up));
    a.on_key(key(KeyCode::Char('1')));
    assert!(matches!(
        a.on_key(key(KeyCode::Enter)).as_slice(),
        [Effect::Fork { at, steps: Some(s), .. }] if *at == end && *s == 2 * end
    ));
}

#[test]
fn quit_asks_when_runs_are_live_and_can_detach_or_stop() {
    let mut a = app();
    assert!(a.on_key(key(KeyCode::Char('q'))).is_empty());
    assert_eq!(a.popup, Some(Popup::Quit));
    assert!(
        a.on_key(key(KeyCode::Char('x'))).is_empty(),
        "other keys keep the dialog"
    );
    assert_eq!(
        a.on_key(key(KeyCode::Char('d'))),
        vec![Effect::Quit { stop_runs: false }]
    );
    a.on_key(key(KeyCode::Char('q')));
    assert_eq!(
        a.on_key(key(KeyCode::Char('s'))),
        vec![Effect::Quit { stop_runs: true }]
    );
    a.on_key(key(KeyCode::Char('q')));
    assert!(a.on_key(key(KeyCode::Esc)).is_empty());
    assert!(a.popup.is_none());
    // Nothing live: q quits at once.
    for r in &mut a.runs {
        r.status = super::model::RunStatus::Known(Status::Finished);
    }
    assert_eq!(
        a.on_key(key(KeyCode::Char('q'))),
        vec![Effect::Quit { stop_runs: false }]
    );
}

#[test]
fn stop_asks_first() {
    let mut a = app();
    a.selected = 3;
    a.on_key(key(KeyCode::Char('s')));
    assert_eq!(a.popup, Some(Popup::ConfirmStop(3)));
    assert!(a.on_key(key(KeyCode::Char('n'))).is_empty());
    a.on_key(key(KeyCode::Char('s')));
    assert_eq!(
        a.on_key(key(KeyCode::Char('y'))),
        vec![Effect::Send {
            run: 3,
            command: Command::Stop
        }]
    );
}

#[test]
fn view_keys_change_the_view() {
    let mut a = app();
    let v0 = a.view.clone();
    for c in ['l', 'x', ']', ']', 'a', 'b', 'c'] {
        a.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!(a.view.log_y, !v0.log_y);
    assert_eq!(a.view.x_axis, super::series::XAxis::OracleCalls);
    assert!((a.view.smoothing - 0.2).abs() < 1e-12);
    assert!(!a.view.overlay_all && a.view.band && a.view.compare);
    a.on_key(key(KeyCode::Char('[')));
    assert!((a.view.smoothing - 0.1).abs() < 1e-12);
    a.on_key(key(KeyCode::Right));
    assert_eq!(a.view.metric, 1);
    a.on_key(key(KeyCode::Left));
    a.on_key(key(KeyCode::Left));
    assert_eq!(a.view.metric, 2, "wraps");
    a.on_key(key(KeyCode::Tab));
    assert_eq!(panes::ALL[a.view.pane].title(), "spectral");
    a.on_key(key(KeyCode::Down));
    a.on_key(key(KeyCode::Char('m')));
    a.on_key(key(KeyCode::Char('k')));
    a.on_key(key(KeyCode::Char('k')));
    a.on_key(key(KeyCode::Char('m')));
    assert_eq!(a.selected, 3);
    assert_eq!(a.compared(), vec![1, 3]);
    a.on_key(key(KeyCode::Char('?')));
    assert_eq!(a.popup, Some(Popup::Help(0)));
    a.on_key(key(KeyCode::Down));
    a.on_key(key(KeyCode::Down));
    a.on_key(key(KeyCode::Up));
    assert_eq!(a.popup, Some(Popup::Help(1)), "the arrows scroll the help");
    // Scrolling stops where the last line shows, so ↑ after End moves at once.
    screen(&a, 80, 24);
    a.on_key(key(KeyCode::End));
    let Some(Popup::Help(end)) = a.popup else {
        panic!("{:?}", a.popup)
    };
    assert_eq!(end, super::help::line_count() - (24 - 3));
    a.on_key(key(KeyCode::Up));
    assert_eq!(a.popup, Some(Popup::Help(end - 1)));
    a.on_key(key(KeyCode::Char('z')));
    assert!(a.popup.is_none(), "any key closes the help");
    assert_eq!(
        a.on_key(key(KeyCode::Char('o'))),
        vec![Effect::OpenAttachPicker]
    );
}

#[test]
fn presets_picker_starts_runs() {
    let mut a = app();
    a.presets = vec![
        ("default".into(), "d".into()),
        ("bilinear-methods".into(), "m".into()),
    ];
    a.on_key(key(KeyCode::Char('n')));
    a.on_key(key(KeyCode::Down));
    assert_eq!(
        a.on_key(key(KeyCode::Enter)),
        vec![Effect::StartPreset("bilinear-methods".into())]
    );
}

#[test]
fn phase_window_ignores_a_diverging_run_and_holds_still() {
    let a = app();
    let p = a.phase.as_ref().expect("field");
    // Start (2, 0.5), ω* = 0: the window covers about twice the start's radius, not the
    // diverged simultaneous run's 10⁶.
    assert!(
        p.bounds[0][1] <= 10.0 && p.bounds[0][0] >= -10.0,
        "{:?}",
        p.bounds
    );
    assert_eq!(p.equilibrium, Some((0.0, 0.0)));
    let mut b = a.clone();
    assert!(!b.refresh_phase(), "same data, same window");
}

#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn every_frame_is_one_synchronized_update() {
    use ratatui::backend::CrosstermBackend;
    use ratatui::{TerminalOptions, Viewport};
    let out = Shared::default();
    let opts = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
    };
    let mut t = Terminal::with_options(CrosstermBackend::new(out.clone()), opts).unwrap();
    let a = app();
    super::terminal::draw_synchronized(&mut t, |f| layout::draw(&a, f.area(), f.buffer_mut()))
        .unwrap();
    let first = String::from_utf8_lossy(&out.0.lock().unwrap()).into_owned();
    assert!(first.starts_with("\x1b[?2026h"), "{:?}", &first[..20]);
    assert!(first.ends_with("\x1b[?2026l"));
    assert_eq!(first.matches("\x1b[?2026h").count(), 1);
    // No mouse reporting unless asked for.
    assert!(!first.contains("\x1b[?1000h") && !first.contains("\x1b[?1003h"));
    // Unchanged data: the next frame sends little more than the brackets.
    let n = out.0.lock().unwrap().len();
    super::terminal::draw_synchronized(&mut t, |f| layout::draw(&a, f.area(), f.buffer_mut()))
        .unwrap();
    let second = out.0.lock().unwrap().len() - n;
    assert!(second <= 64, "{second} bytes for an unchanged frame");
}

#[test]
fn a_huge_game_is_never_built_by_the_dashboard() {
    let mut cfg = super::testdata::default_configs()[0].clone();
    if let crate::setup::GameConfig::Bilinear(spec) = &mut cfg.game {
        spec.dim = 100_000; // 10¹⁰ matrix entries: building it would take 80 GB
    }
    let t = std::time::Instant::now();
    let f = phase::PhaseField::for_game(&cfg, &default_runs(100));
    assert!(f.arrows.is_empty());
    assert!(f.note.contains("too large"), "{}", f.note);
    assert!(t.elapsed().as_secs_f64() < 1.0);
}

#[test]
fn number_keys_and_tab_reach_every_registered_pane() {
    let mut a = app();
    let n = panes::ALL.len();
    for k in 1..=n {
        a.on_key(key(KeyCode::Char(char::from(b'0' + k as u8))));
        assert_eq!(a.view.pane, k - 1);
    }
    if n < 9 {
        a.on_key(key(KeyCode::Char(char::from(b'1' + n as u8))));
        assert_eq!(a.view.pane, n - 1, "no pane behind that number");
    }
    for k in 0..n {
        a.on_key(key(KeyCode::Tab));
        assert_eq!(a.view.pane, k, "tab wraps around");
    }
    a.on_key(key(KeyCode::Tab));
    assert_eq!(a.view.pane, 0, "after the last, the first");
    a.on_key(key(KeyCode::BackTab));
    assert_eq!(a.view.pane, n - 1, "before the first, the last");
    let help = super::keymap::help_lines();
    assert!(help.iter().any(|(k, _)| *k == format!("tab 1-{n}")));
    for p in panes::ALL {
        for (k, what) in p.keys() {
            assert!(
                help.contains(&(k.to_string(), *what)),
                "{k} of {}",
                p.title()
            );
        }
    }
}

#[test]
fn every_tab_is_named_at_the_smallest_size() {
    let (w, h) = layout::MIN_SIZE;
    let t = screen(&app(), w, h);
    let buf = t.backend().buffer();
    let tabs: String = (0..w).map(|x| buf[(x, 8)].symbol().to_string()).collect();
    for (k, p) in panes::ALL.iter().enumerate() {
        // With seven panes in 60 columns the key touches its title (`7system`).
        assert!(
            tabs.contains(&format!("{} {}", k + 1, p.title()))
                || tabs.contains(&format!("{}{}", k + 1, p.title())),
            "{tabs:?}"
        );
    }
}

/// Issue 20 item 3: `v` opens the selected run's overview (status, final metrics, resolved
/// config, provenance, events, commands), scrollable, at the smallest size and a large one;
/// Esc closes it.
#[test]
fn overview_scrolls_and_closes() {
    let mut a = app();
    a.selected = 2;
    a.on_key(key(KeyCode::Char('v')));
    let Some(Popup::Overview(o)) = &a.popup else {
        panic!("no overview: {:?}", a.popup)
    };
    let text = o.text().join("\n");
    for part in [
        "beta.phi -0.3 → -0.5",
        "provenance · none recorded",
        "saddle resume runs/20260101-000000-default-2",
        "saddle fork runs/20260101-000000-default-2 --at 3000",
        "--format tensorboard",
        "(no summary.json: the newest logged values)",
    ] {
        assert!(text.contains(part), "{part:?} not in\n{text}");
    }
    insta::assert_snapshot!("overview_60x20", screen(&a, 60, 20).backend());
    for _ in 0..12 {
        a.on_key(key(KeyCode::Down));
    }
    let Some(Popup::Overview(o)) = &a.popup else {
        panic!("closed by a scroll key")
    };
    assert_eq!(o.scroll, 12);
    a.on_key(key(KeyCode::End));
    insta::assert_snapshot!("overview_160x48_end", screen(&a, 160, 48).backend());
    // End again at this size (it stops where the last draw's rows end).
    a.on_key(key(KeyCode::End));
    let Some(Popup::Overview(o)) = &a.popup else {
        panic!("closed by End")
    };
    let end = o.scroll;
    assert!(end > 12, "{end}");
    a.on_key(key(KeyCode::Down));
    assert!(
        matches!(&a.popup, Some(Popup::Overview(o)) if o.scroll == end),
        "stops at the end"
    );
    a.on_key(key(KeyCode::Esc));
    assert!(a.popup.is_none());
    // Nothing selected (the filter hides every run): no overview.
    a.filter.runs = "no such run".into();
    a.refilter();
    a.on_key(key(KeyCode::Char('v')));
    assert!(a.popup.is_none());
}

/// The overview of a run directory reads its summary and provenance (as `saddle show` does).
#[test]
fn overview_of_a_run_directory_shows_its_summary_and_provenance() {
    use crate::run::provenance::{Opening, Provenance};
    use crate::run::records::JsonLine;
    let tmp = tempfile::tempdir().unwrap();
    let mut r = default_runs(100).remove(1);
    let dir = crate::run::store::RunDir {
        path: tmp.path().join("my runs").join(&r.id),
    };
    std::fs::create_dir_all(&dir.path).unwrap();
    let summary = serde_json::json!({
        "id": r.id, "name": r.name, "preset": "default", "method": r.method,
        "status": "stopped", "status_step": null, "step": 100, "steps": 3000,
        "oracle_calls": 100, "wall_time": 1.5, "metrics": {"field_norm": 0.25, "loss_theta": null}
    });
    std::fs::write(dir.file("summary.json"), summary.to_string()).unwrap();
    let p = Provenance::here(Opening::Start, 0, "cpu");
    std::fs::write(dir.file("provenance.jsonl"), p.to_line().unwrap() + "\n").unwrap();
    r.dir = Some(dir.clone());
    let o = super::overview::Overview::of(0, &r, "elsewhere");
    let text = o.text().join("\n");
    let quoted = format!("saddle resume '{}'", dir.path.display());
    for part in [
        "stopped at step 100 of 3000 (alternating+gradient, preset default)",
        "field_norm  0.25",
        "loss_theta  —",
        "provenance · 1 record",
        &format!("    threads       {}", p.threads),
        &quoted,
    ] {
        assert!(text.contains(part), "{part:?} not in\n{text}");
    }
}

/// Issue 20 item 4: `/` filters the runs table and the curves by a pattern over name, method
/// and config, live; ↑↓ move among the runs shown; tab filters the metric families instead;
/// Esc clears. Colours stay with their runs.
#[test]
fn filter_runs_and_metrics() {
    let mut a = app();
    let colours: Vec<usize> = a.runs.iter().map(|r| r.color).collect();
    a.on_key(key(KeyCode::Char('/')));
    for c in "ALTERN".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!(a.popup, Some(Popup::Filter(super::filter::Target::Runs)));
    assert_eq!(a.visible(), vec![1, 2], "alternating+… runs, any case");
    assert_eq!(a.selected, 1, "the selection moved to a run shown");
    insta::assert_snapshot!("filter_prompt_80x24", screen(&a, 80, 24).backend());
    a.on_key(key(KeyCode::Enter));
    assert!(a.popup.is_none());
    a.on_key(key(KeyCode::Down));
    assert_eq!(a.selected, 2);
    a.on_key(key(KeyCode::Down));
    assert_eq!(a.selected, 1, "wraps among the runs shown");
    assert_eq!(phase::draw_order(&a), vec![2, 1]);
    assert_eq!(a.compared(), vec![1, 2]);
    // The metric families: tab switches the prompt to them.
    a.on_key(key(KeyCode::Char('/')));
    a.on_key(key(KeyCode::Tab));
    for c in "loss".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    a.on_key(key(KeyCode::Enter));
    assert!(
        a.metric().title.starts_with("losses"),
        "{}",
        a.metric().title
    );
    let before = a.metric();
    a.on_key(key(KeyCode::Right));
    assert_eq!(a.metric(), before, "one family passes: ←→ stay on it");
    insta::assert_snapshot!("filter_curves_160x48", screen(&a, 160, 48).backend());
    // A pattern no run has: nothing selected, nothing drawn, the table says so.
    a.filter.runs = "zzz".into();
    a.refilter();
    assert!(a.current().is_none() && phase::draw_order(&a).is_empty());
    let t = screen(&a, 120, 24);
    let text = format!("{:?}", t.backend());
    assert!(text.contains("no run matches /zzz"), "{text}");
    a.on_key(key(KeyCode::Esc));
    assert!(!a.filter.active(), "Esc clears both patterns");
    assert_eq!(a.visible(), vec![0, 1, 2, 3]);
    let after: Vec<usize> = a.runs.iter().map(|r| r.color).collect();
    assert_eq!(after, colours);
    // Esc in the prompt clears the pattern typed.
    a.on_key(key(KeyCode::Char('/')));
    a.on_key(key(KeyCode::Char('x')));
    a.on_key(key(KeyCode::Esc));
    assert!(a.popup.is_none() && a.filter.runs.is_empty());
}

/// Issue 20 item 4: `p` pins the selected run: marked ◆ in the table, drawn above the other
/// runs (below the selected one) in the curves.
#[test]
fn pin_draws_a_run_above_the_others() {
    let mut a = app();
    a.selected = 0;
    a.on_key(key(KeyCode::Char('p')));
    assert!(a.pinned[0]);
    a.selected = 2;
    assert_eq!(phase::draw_order(&a), vec![1, 3, 0, 2]);
    insta::assert_snapshot!(
        "pin_runs_table",
        pane(120, 7, |r, b| runs_table::render(&a, r, b)).backend()
    );
    a.selected = 0;
    a.on_key(key(KeyCode::Char('p')));
    assert!(!a.pinned[0]);
    a.selected = 2;
    assert_eq!(phase::draw_order(&a), vec![0, 1, 3, 2]);
}

/// Issue 20: the runs table's CPU and memory columns, from each live run's newest system
/// sample, when the width allows; absent when no run has samples.
#[test]
fn runs_table_cpu_and_memory_columns() {
    use crate::run::system::{SystemSample, COLUMNS};
    let mut a = app();
    let plain = format!(
        "{:?}",
        pane(160, 7, |r, b| runs_table::render(&a, r, b)).backend()
    );
    assert!(!plain.contains("rss"), "no samples: no columns");
    let mut values = [f64::NAN; COLUMNS.len()];
    values[0] = 1.0;
    values[1] = 97.0;
    values[3] = 4.2e7;
    for r in &mut a.runs[1..3] {
        r.status = super::model::RunStatus::Known(Status::Running);
        r.push_system(SystemSample { values });
    }
    insta::assert_snapshot!(
        "runs_table_system_columns",
        pane(160, 7, |r, b| runs_table::render(&a, r, b)).backend()
    );
    let narrow = format!(
        "{:?}",
        pane(100, 7, |r, b| runs_table::render(&a, r, b)).backend()
    );
    assert!(!narrow.contains("rss"), "dropped first when narrow");
}

/// The curves' legend holds whole run names and says how many did not fit: a name cut at the
/// border read as another run's (`sim β=-0` for β = −0.5).
#[test]
fn the_legend_never_cuts_a_name() {
    let a = app();
    let names: Vec<String> = a.runs.iter().map(|r| r.name.clone()).collect();
    let mut cut = 0;
    for w in [60u16, 70, 80, 100, 160] {
        let t = screen(&a, w, 24);
        let buf = t.backend().buffer().clone();
        let rows: Vec<String> = (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect();
        let legend = rows.iter().find(|r| {
            let inside = r.split('│').nth(1).unwrap_or_default();
            inside.starts_with("■ ")
                && (inside.matches('■').count() > 1 || inside.contains(" more"))
        });
        let Some(legend) = legend else {
            continue;
        };
        let inside = legend.split('│').nth(1).unwrap_or_default();
        let mut shown = 0;
        for entry in inside.split('■').skip(1) {
            let name = entry.split("  ").next().unwrap_or_default().trim();
            assert!(
                names.iter().any(|n| n == name),
                "{w}: {name:?} in {legend:?}"
            );
            shown += 1;
        }
        if shown < names.len() {
            let more = format!("+{} more", names.len() - shown);
            assert!(inside.contains(&more), "{w}: {legend:?}");
            cut += 1;
        }
    }
    assert!(cut > 0, "no width left a run out of the legend");
}
