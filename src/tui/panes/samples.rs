//! Samples pane: what a generator produces. A 2-D scatter of real and generated points
//! (mixture-of-Gaussians GANs) or a grid of images drawn with half-block characters (two
//! pixels per cell: the upper one is the foreground of `▀`, the lower one its background).
//!
//! The GAN games write `samples/points-*.csv` and `samples/grid-*.png`
//! (`crate::tui::sample_files` reads them); games without a generator of data show an explicit
//! "no samples" state.

use super::{Pane, Place, Reads};
use crate::tui::app::App;
use crate::tui::plot::{nice_bounds, Plot};
use crate::tui::theme::{ColorDepth, Theme};
use ratatui::buffer::Buffer;
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

/// Draws the pane: `view` for the selected run, or the "no samples" state naming `game`.
pub fn render(
    view: Option<&SampleView>,
    game: &str,
    color: Color,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let block = Block::bordered().title(Line::styled(" samples ", theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    match view {
        None => {
            Paragraph::new(format!(
                "no samples for this game ({game}): only generators of data (mixture-of-Gaussians and image GANs) have samples to show"
            ))
            .wrap(Wrap { trim: true })
            .style(Style::new().fg(theme.dim()))
            .render(inner, buf);
        }
        Some(SampleView::Images(imgs)) => {
            let rows_per_cell = if theme.ascii { 1 } else { 2 };
            let fitted: Vec<Image> = imgs
                .iter()
                .map(|i| {
                    fit(
                        i,
                        inner.width as usize,
                        rows_per_cell * inner.height as usize,
                    )
                })
                .collect();
            render_images(&fitted, inner, buf, theme)
        }
        Some(SampleView::Scatter { real, generated }) => {
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
            plot.render(inner, buf, theme);
        }
    }
}

/// The samples pane: the selected run's newest samples.
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
        let (game, color) = app
            .current()
            .map(|r| {
                (
                    r.config.as_ref().map_or("unknown", |c| c.game.kind()),
                    app.theme.run_color(r.color),
                )
            })
            .unwrap_or(("no run", app.theme.dim()));
        let view = app
            .current()
            .and_then(|r| r.samples.as_ref())
            .map(|(_, v)| v);
        render(view, game, color, area, buf, &app.theme)
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
