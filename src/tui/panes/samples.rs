//! Samples pane: what a generator produces. A 2-D scatter of real and generated points
//! (mixture-of-Gaussians GANs) or a grid of images drawn with half-block characters (two
//! pixels per cell: the upper one is the foreground of `▀`, the lower one its background).
//!
//! Image grids show in real pixels on terminals with an image protocol ([`crate::tui::graphics`]);
//! `g` toggles between them and half blocks.
//!
//! The GAN games write `samples/points-*.csv` and `samples/grid-*.png` every `sample_every`
//! iterations (`crate::tui::sample_files` reads them). `<` and `>` step back and forth through
//! the saved steps (the data plane follows), `end` returns to the newest. A run without
//! samples says why: its game has none, `sample_every` is unset (and how to set it), or the
//! first are still to come.

use super::{Key, Pane, Place, Reads};
use crate::run::sample_files::pick;
use crate::tui::app::App;
use crate::tui::kinds::{first_at, how_to_set, GameKind};
use crate::tui::model::RunData;
use crate::tui::plot::{nice_bounds, Plot};
use crate::tui::theme::{ColorDepth, Theme};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

/// A grayscale image, row-major, values in [0, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width × height` intensities.
    pub pixels: Vec<f32>,
}

/// What the samples pane shows.
#[derive(Clone, Debug, PartialEq)]
pub enum SampleView {
    /// Points in the plane.
    Scatter {
        /// Samples of the data distribution.
        real: Vec<(f64, f64)>,
        /// Samples of the generator.
        generated: Vec<(f64, f64)>,
    },
    /// Generated images, laid out left to right, top to bottom.
    Images(Vec<Image>),
}

fn gray(v: f32, depth: ColorDepth) -> Color {
    let v = v.clamp(0.0, 1.0);
    match depth {
        ColorDepth::TrueColor => {
            let c = (v * 255.0).round() as u8;
            Color::Rgb(c, c, c)
        }
        ColorDepth::Indexed256 => Color::Indexed(232 + (v * 23.0).round() as u8),
        ColorDepth::Ansi16 => [Color::Black, Color::DarkGray, Color::Gray, Color::White]
            [((v * 3.0).round() as usize).min(3)],
    }
}

/// `img` shrunk by the smallest integer factor that fits it in `w × h` pixels (box average),
/// so a whole sample grid shows in the pane; images that fit are returned unchanged.
pub fn fit(img: &Image, w: usize, h: usize) -> Image {
    let f = img
        .width
        .div_ceil(w.max(1))
        .max(img.height.div_ceil(h.max(1)))
        .max(1);
    if f == 1 {
        return img.clone();
    }
    let (nw, nh) = (img.width / f, img.height / f);
    let pixels = (0..nh)
        .flat_map(|y| (0..nw).map(move |x| (x, y)))
        .map(|(x, y)| {
            let mut s = 0.0;
            for dy in 0..f {
                for dx in 0..f {
                    s += img.pixels[(y * f + dy) * img.width + x * f + dx];
                }
            }
            s / (f * f) as f32
        })
        .collect();
    Image {
        width: nw,
        height: nh,
        pixels,
    }
}

/// Draws images into `area` with half blocks (or an ASCII ramp, one pixel per cell).
pub fn render_images(images: &[Image], area: Rect, buf: &mut Buffer, theme: &Theme) {
    let Some(first) = images.first() else { return };
    let (iw, ih) = (first.width as u16, first.height as u16);
    let cell_h = if theme.ascii { ih } else { ih.div_ceil(2) };
    let per_row = (area.width / (iw + 1)).max(1);
    for (k, img) in images.iter().enumerate() {
        let (gx, gy) = (k as u16 % per_row, k as u16 / per_row);
        let (x0, y0) = (area.x + gx * (iw + 1), area.y + gy * (cell_h + 1));
        if y0 + cell_h > area.y + area.height || x0 + iw > area.x + area.width {
            break;
        }
        let px = |x: usize, y: usize| img.pixels.get(y * img.width + x).copied().unwrap_or(0.0);
        for cy in 0..cell_h {
            for cx in 0..iw {
                let cell = &mut buf[(x0 + cx, y0 + cy)];
                if theme.ascii {
                    const RAMP: &[u8] = b" .:-=+*#%@";
                    let v = px(cx as usize, cy as usize).clamp(0.0, 1.0);
                    cell.set_char(RAMP[(v * 9.0).round() as usize] as char);
                } else {
                    let (top, bottom) = (
                        px(cx as usize, 2 * cy as usize),
                        px(cx as usize, 2 * cy as usize + 1),
                    );
                    cell.set_char('▀')
                        .set_fg(gray(top, theme.depth))
                        .set_bg(gray(bottom, theme.depth));
                }
            }
        }
    }
}

/// Draws a samples view into `area`: images fitted to it, or the scatter of real (dim) and
/// generated (`color`) points.
pub fn render_view(view: &SampleView, color: Color, area: Rect, buf: &mut Buffer, theme: &Theme) {
    match view {
        SampleView::Images(imgs) => {
            let rows_per_cell = if theme.ascii { 1 } else { 2 };
            let fitted: Vec<Image> = imgs
                .iter()
                .map(|i| fit(i, area.width as usize, rows_per_cell * area.height as usize))
                .collect();
            render_images(&fitted, area, buf, theme)
        }
        SampleView::Scatter { real, generated } => {
            let all = real.iter().chain(generated);
            let (mut xl, mut xh, mut yl, mut yh) = (
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
            );
            for &(x, y) in all {
                xl = xl.min(x);
                xh = xh.max(x);
                yl = yl.min(y);
                yh = yh.max(y);
            }
            let plot = Plot {
                x: nice_bounds(xl, xh, false),
                y: nice_bounds(yl, yh, false),
                points: vec![(real.clone(), theme.dim()), (generated.clone(), color)],
                axes: true,
                ..Default::default()
            };
            plot.render(area, buf, theme);
        }
    }
}

/// Why `run` has nothing to show at the saved steps `steps`: its game draws no samples, it
/// was started without `sample_every` (and how to set it), or the first are still to come.
pub fn missing(run: Option<&RunData>, steps: &[u64], what: &str) -> String {
    let Some(run) = run else {
        return "no run".into();
    };
    let Some(c) = run.config.as_ref() else {
        return "no samples: the run's config.ron could not be read".into();
    };
    if matches!(c.game, crate::setup::GameConfig::MlpGan(_)) {
        return "no samples for this game (MlpGan): the f64 MLP GAN is made for exact spectra and writes no samples or data plane; the MixtureGan presets (mog-*) draw both".into();
    }
    if !GameKind::of(Some(c)).is_network() {
        return format!(
            "no samples for this game ({}): only generators of data (mixture-of-Gaussians and image GANs) have samples to show",
            c.game.kind()
        );
    }
    match c.sample_every {
        None => how_to_set("sample_every", 2500.min(c.steps.max(1))),
        Some(_) if !steps.is_empty() => format!("no {what} at the saved steps"),
        Some(every) => first_at(what, every, run.step),
    }
}

/// The saved steps of `run` the time keys move over: its samples' and its data planes'.
pub fn saved_steps(run: &RunData) -> Vec<u64> {
    let mut all: Vec<u64> = run
        .sample_steps
        .iter()
        .chain(&run.plane_steps)
        .copied()
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// The line under a view of saved steps, at most `width` characters where it can: which
/// step is shown, where it sits among them, and the keys that move.
pub fn time_line(shown: u64, steps: &[u64], following: bool, width: usize) -> String {
    let k = steps.iter().position(|s| *s == shown).map_or(0, |k| k + 1);
    let n = steps.len();
    let follow = if following { " newest" } else { "" };
    [
        format!("step {shown} · {k}/{n}{follow} · < > home end"),
        format!("step {shown} · {k}/{n}{follow} · < >"),
        format!("step {shown} · {k}/{n} · < >"),
    ]
    .into_iter()
    .find(|l| l.chars().count() <= width)
    .unwrap_or_else(|| format!("{shown} {k}/{n} < >"))
}

/// What the time keys do to the cursor `at` over the saved `steps` (ascending): the step
/// before or after the one shown, the first, or None (follow the newest).
pub fn move_cursor(steps: &[u64], at: Option<u64>, key: KeyCode) -> Option<Option<u64>> {
    let shown = pick(steps, at)?;
    let k = steps.iter().position(|s| *s == shown)?;
    let newest = steps.len() - 1;
    Some(match key {
        KeyCode::Char('<') | KeyCode::Char(',') => Some(steps[k.saturating_sub(1)]),
        KeyCode::Char('>') | KeyCode::Char('.') if k + 1 >= newest => None,
        KeyCode::Char('>') | KeyCode::Char('.') => Some(steps[k + 1]),
        KeyCode::Home => Some(steps[0]),
        KeyCode::End => None,
        _ => return None,
    })
}

/// Draws the pane for the selected run.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let run = app.current();
    let kind = GameKind::of(run.and_then(|r| r.config.as_ref()));
    let what = match kind {
        GameKind::Mixture => "generated points",
        GameKind::Image => "generated images",
        GameKind::Toy => "samples",
    };
    let shown = run.and_then(|r| r.samples.as_ref());
    let title = match shown {
        Some((step, _)) => format!(" {what} · step {step} "),
        None => format!(" {what} "),
    };
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let (Some(run), Some((step, view))) = (run, shown) else {
        let steps = run.map(|r| r.sample_steps.clone()).unwrap_or_default();
        let mut text = missing(run, &steps, what);
        if let Some(e) = run.and_then(|r| r.sample_error.as_ref()) {
            text = format!("{e}\n{text}");
        }
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .style(Style::new().fg(theme.dim()))
            .render(inner, buf);
        return;
    };
    let foot = inner.height >= 5;
    let view_area = Rect {
        height: inner.height - foot as u16,
        ..inner
    };
    // Real pixels where the terminal has them, unless a popup is open: a kitty image would
    // hide it and a sixel would be cut by it.
    let pixels = matches!(view, SampleView::Images(_))
        && app.popup.is_none()
        && run
            .picture
            .as_ref()
            .is_some_and(|p| p.step == *step && app.graphics.claim(view_area, p, buf));
    if !pixels {
        render_view(view, theme.run_color(run.color), view_area, buf, theme);
    }
    if foot {
        let (line, style) = match &run.sample_error {
            Some(e) => (e.clone(), theme.error()),
            None => (
                time_line(
                    *step,
                    &run.sample_steps,
                    app.view.samples_at.is_none(),
                    inner.width as usize,
                ),
                Style::new().fg(theme.dim()),
            ),
        };
        buf.set_stringn(
            inner.x,
            inner.y + inner.height - 1,
            line,
            inner.width as usize,
            style,
        );
    }
}

/// The samples pane: the selected run's samples at the time cursor, and the keys that move
/// the cursor (for the data plane too).
pub struct Samples;

impl Pane for Samples {
    fn title(&self) -> &'static str {
        "samples"
    }
    fn place(&self) -> Place {
        Place::bottom(25)
    }
    fn reads(&self) -> &'static [Reads] {
        &[Reads::Samples]
    }
    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer) {
        render(app, area, buf)
    }
    fn keys(&self) -> &'static [Key] {
        &[
            ("< >", "samples and data plane: earlier / later saved step"),
            ("home end", "samples and data plane: first saved / newest"),
            ("g", "sample images: real pixels / half blocks"),
        ]
    }
    fn on_key(&self, app: &mut App, key: KeyEvent) -> bool {
        if key.code == KeyCode::Char('g') {
            if app.graphics.protocol != crate::tui::graphics::Protocol::HalfBlocks {
                app.graphics.pixels = !app.graphics.pixels;
            }
            let text = app.graphics.describe();
            app.say(text, false);
            return true;
        }
        if !matches!(
            key.code,
            KeyCode::Char('<' | ',' | '>' | '.') | KeyCode::Home | KeyCode::End
        ) {
            return false;
        }
        let steps = app.current().map(saved_steps).unwrap_or_default();
        match move_cursor(&steps, app.view.samples_at, key.code) {
            Some(at) => app.view.samples_at = at,
            None => app.say("no saved samples yet for the selected run", false),
        }
        true
    }
}
#[cfg(test)]
mod fit_tests {
    use super::*;

    #[test]
    fn fitting_box_averages_by_an_integer_factor() {
        let img = Image {
            width: 4,
            height: 2,
            pixels: vec![0.0, 1.0, 0.5, 0.5, 1.0, 0.0, 0.5, 0.5],
        };
        assert_eq!(fit(&img, 4, 2), img);
        let small = fit(&img, 2, 2);
        assert_eq!((small.width, small.height), (2, 1));
        assert_eq!(small.pixels, vec![0.5, 0.5]);
    }
}
