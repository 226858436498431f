//! Drawing a [`DataPlane`] in the terminal: the discriminator's decision map P(real) = σ(D(x))
//! as cell backgrounds (a diverging palette: blue where D says "generated", red where it says
//! "real"), the generator's points as braille dots over it (2×4 dots a cell), and the data's
//! modes as `+`. The square window keeps its aspect (a cell is about twice as tall as wide).

use super::theme::{rgb_to_256, ColorDepth, Theme};
use crate::run::plane::DataPlane;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

/// The palette's ends and middle: P(real) = 0, ½, 1 (dark, so dots show on them).
const FAKE: (u8, u8, u8) = (25, 55, 130);
const EVEN: (u8, u8, u8) = (48, 48, 48);
const REAL: (u8, u8, u8) = (135, 40, 35);

/// The background of a cell where P(real) = `p`; the terminal's own for a non-finite p.
pub fn decision_color(p: f64, depth: ColorDepth) -> Color {
    if !p.is_finite() {
        return Color::Reset;
    }
    let p = p.clamp(0.0, 1.0);
    if depth == ColorDepth::Ansi16 {
        return if p < 1.0 / 3.0 {
            Color::Blue
        } else if p > 2.0 / 3.0 {
            Color::Red
        } else {
            Color::Black
        };
    }
    let (a, b, t) = if p < 0.5 {
        (FAKE, EVEN, p * 2.0)
    } else {
        (EVEN, REAL, p * 2.0 - 1.0)
    };
    let mix = |u: u8, v: u8| (u as f64 + (v as f64 - u as f64) * t).round() as u8;
    let (r, g, bl) = (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2));
    match depth {
        ColorDepth::TrueColor => Color::Rgb(r, g, bl),
        _ => Color::Indexed(rgb_to_256(r, g, bl)),
    }
}

/// The color of the generator's points: light, to show on every background.
pub fn point_color(depth: ColorDepth) -> Color {
    match depth {
        ColorDepth::Ansi16 => Color::White,
        ColorDepth::Indexed256 => Color::Indexed(255),
        ColorDepth::TrueColor => Color::Rgb(235, 235, 235),
    }
}

/// The largest rectangle in `area` that shows the plane's window undistorted (cells are
/// twice as tall as wide), centred.
pub fn square(plane: &DataPlane, area: Rect) -> Rect {
    let (wx, wy) = (plane.x[1] - plane.x[0], plane.y[1] - plane.y[0]);
    // Columns per row that keep the aspect: 2·wx/wy.
    let per_row = 2.0 * wx / wy;
    let (w, h) = if area.width as f64 >= per_row * area.height as f64 {
        (
            (per_row * area.height as f64).round().max(1.0) as u16,
            area.height,
        )
    } else {
        (
            area.width,
            (area.width as f64 / per_row).round().max(1.0) as u16,
        )
    };
    let (w, h) = (w.min(area.width), h.min(area.height));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// What the drawing left out or could not show, for the legend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drawn {
    /// Generated points outside the window.
    pub outside: usize,
    /// Generated points that are not finite (a diverged generator).
    pub not_finite: usize,
    /// True when D was finite nowhere.
    pub no_decision: bool,
}

/// Draws `plane` into `area` (see the module doc); returns what it could not show.
pub fn render(plane: &DataPlane, area: Rect, buf: &mut Buffer, theme: &Theme) -> Drawn {
    let mut drawn = Drawn::default();
    if area.width == 0 || area.height == 0 || plane.check().is_err() {
        return drawn;
    }
    let sq = square(plane, area);
    let (w, h) = (sq.width as usize, sq.height as usize);
    let [x0, x1] = plane.x;
    let [y0, y1] = plane.y;
    let n = plane.side;
    let mut any_finite = false;
    for cy in 0..h {
        for cx in 0..w {
            // The grid cell under the centre of the terminal cell; rows go down, y goes up.
            let i = (((cx as f64 + 0.5) / w as f64) * n as f64) as usize;
            let j = (((h - 1 - cy) as f64 + 0.5) / h as f64 * n as f64) as usize;
            let p = plane.probability(i.min(n - 1), j.min(n - 1));
            any_finite |= p.is_finite();
            buf[(sq.x + cx as u16, sq.y + cy as u16)]
                .set_symbol(" ")
                .set_bg(decision_color(p, theme.depth));
        }
    }
    drawn.no_decision = !any_finite;
    // Braille dots: 2 columns × 4 rows a cell.
    let mut dots = vec![0u8; w * h];
    const BIT: [[u8; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];
    for p in plane.generated.chunks_exact(2) {
        let (gx, gy) = (p[0] as f64, p[1] as f64);
        if !(gx.is_finite() && gy.is_finite()) {
            drawn.not_finite += 1;
            continue;
        }
        let fx = (gx - x0) / (x1 - x0) * (2 * w) as f64;
        let fy = (y1 - gy) / (y1 - y0) * (4 * h) as f64;
        if !(0.0..(2 * w) as f64).contains(&fx) || !(0.0..(4 * h) as f64).contains(&fy) {
            drawn.outside += 1;
            continue;
        }
        let (dx, dy) = (fx as usize, fy as usize);
        dots[(dy / 4) * w + dx / 2] |= BIT[dx % 2][dy % 4];
    }
    let pc = point_color(theme.depth);
    for (k, bits) in dots.iter().enumerate().filter(|(_, b)| **b != 0) {
        let sym = if theme.ascii {
            '*'
        } else {
            char::from_u32(0x2800 + *bits as u32).unwrap_or('*')
        };
        buf[(sq.x + (k % w) as u16, sq.y + (k / w) as u16)]
            .set_char(sym)
            .set_fg(pc);
    }
    for m in &plane.modes {
        let fx = (m[0] - x0) / (x1 - x0) * w as f64;
        let fy = (y1 - m[1]) / (y1 - y0) * h as f64;
        if (0.0..w as f64).contains(&fx) && (0.0..h as f64).contains(&fy) {
            let cell = &mut buf[(sq.x + fx as u16, sq.y + fy as u16)];
            cell.set_char('+').set_fg(theme.accent());
            cell.modifier.insert(Modifier::BOLD);
        }
    }
    drawn
}

/// The legend line: the palette, the symbols, and what was left out.
pub fn legend(drawn: Drawn, theme: &Theme) -> Line<'static> {
    let dim = Style::new().fg(theme.dim());
    let swatch = |p: f64| {
        Span::styled(
            if theme.ascii { "#" } else { "█" },
            Style::new().fg(decision_color(p, theme.depth)),
        )
    };
    let mut spans = vec![
        Span::styled("P(real) 0", dim),
        swatch(0.0),
        swatch(0.25),
        swatch(0.5),
        swatch(0.75),
        swatch(1.0),
        Span::styled("1 · ", dim),
        Span::styled("+", Style::new().fg(theme.accent())),
        Span::styled(" modes · ", dim),
        Span::styled(
            if theme.ascii { "*" } else { "⠿" },
            Style::new().fg(point_color(theme.depth)),
        ),
        Span::styled(" G(z)", dim),
    ];
    if drawn.outside > 0 {
        spans.push(Span::styled(format!(" · {} outside", drawn.outside), dim));
    }
    if drawn.not_finite > 0 {
        spans.push(Span::styled(
            format!(" · {} not finite", drawn.not_finite),
            theme.error(),
        ));
    }
    if drawn.no_decision {
        spans.push(Span::styled(" · D not finite", theme.error()));
    }
    Line::from(spans)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A plane over [−2, 2]² with 4 modes on the axes at radius 1.5: D says "real" (logit
    /// +4) within 0.5 of a mode and "generated" (−4) elsewhere; the generator put its points
    /// on the two modes of the x axis, and one far outside.
    pub fn four_modes(step: u64) -> DataPlane {
        let (x, y, side) = ([-2.0, 2.0], [-2.0, 2.0], 32);
        let modes = vec![[1.5, 0.0], [0.0, 1.5], [-1.5, 0.0], [0.0, -1.5]];
        let mut logits = vec![];
        for j in 0..side {
            for i in 0..side {
                let (px, py) = (
                    DataPlane::cell_center(x, side, i),
                    DataPlane::cell_center(y, side, j),
                );
                let near = modes
                    .iter()
                    .any(|m: &[f64; 2]| (px - m[0]).hypot(py - m[1]) < 0.5);
                logits.push(if near { 4.0 } else { -4.0 });
            }
        }
        let mut generated = vec![];
        for k in 0..40 {
            let s = if k % 2 == 0 { 1.5 } else { -1.5 };
            generated.extend([s + 0.01 * (k as f32 - 20.0), 0.02 * (k % 5) as f32]);
        }
        generated.extend([9.0, 9.0]);
        DataPlane {
            step,
            x,
            y,
            side,
            logits,
            generated,
            modes,
            std: 0.05,
        }
    }

    #[test]
    fn the_decision_map_points_and_modes_land_where_they_are() {
        let plane = four_modes(100);
        let t = Theme {
            depth: ColorDepth::TrueColor,
            ascii: false,
        };
        let area = Rect::new(0, 0, 40, 10);
        let mut buf = Buffer::empty(area);
        let drawn = render(&plane, area, &mut buf, &t);
        assert_eq!(
            drawn,
            Drawn {
                outside: 1,
                not_finite: 0,
                no_decision: false
            }
        );
        // 40×10 cells: a square window is 20 columns wide, centred.
        let sq = square(&plane, area);
        assert_eq!(sq, Rect::new(10, 0, 20, 10));
        // The centre (0, 0) is far from every mode: "generated" (blue); the mode at (1.5, 0)
        // is "real" (red) and has a + over it.
        let centre = &buf[(20, 5)];
        assert_eq!(centre.bg, decision_color(1.0 / (1.0 + 4f64.exp()), t.depth));
        let m = &buf[(10 + 17, 5)];
        assert_eq!(m.symbol(), "+");
        assert_eq!(m.bg, decision_color(1.0 / (1.0 + (-4f64).exp()), t.depth));
        // Points sit on the x-axis modes only: braille in those cells' rows, none at the top.
        let braille = |x: u16, y: u16| {
            buf[(x, y)]
                .symbol()
                .chars()
                .all(|c| ('\u{2801}'..='\u{28ff}').contains(&c))
        };
        assert!(
            braille(10 + 2, 5) || braille(10 + 2, 4),
            "left mode's points"
        );
        assert!((0..20).all(|x| !braille(10 + x, 0)));
        // Colors follow the palette's ends.
        assert_eq!(decision_color(0.0, t.depth), Color::Rgb(25, 55, 130));
        assert_eq!(decision_color(1.0, t.depth), Color::Rgb(135, 40, 35));
        assert_eq!(decision_color(f64::NAN, t.depth), Color::Reset);
        assert_eq!(decision_color(0.9, ColorDepth::Ansi16), Color::Red);
    }

    #[test]
    fn a_diverged_plane_says_what_it_cannot_show() {
        let mut plane = four_modes(5);
        plane.logits.iter_mut().for_each(|l| *l = f32::NAN);
        plane.generated[0] = f32::NAN;
        let area = Rect::new(0, 0, 20, 10);
        let mut buf = Buffer::empty(area);
        let drawn = render(&plane, area, &mut buf, &Theme::default());
        assert!(drawn.no_decision);
        assert_eq!(drawn.not_finite, 1);
        let text: String = legend(drawn, &Theme::default())
            .spans
            .iter()
            .map(|s| s.content.to_string())
            .collect();
        assert!(
            text.contains("1 not finite")
                && text.contains("D not finite")
                && text.contains("1 outside"),
            "{text}"
        );
    }
}
