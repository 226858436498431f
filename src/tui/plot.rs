//! A small plotting widget on ratatui's `Canvas`: polylines, point sets, reference lines and
//! tick labels, in linear or log-y coordinates. ratatui's `Chart` has no log axis, no bands and
//! no vertical markers, so the curves, spectral and phase panes share this instead.

use super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line as TextLine;
use ratatui::widgets::canvas::{Canvas, Line, Painter, Points, Shape};
use ratatui::widgets::Widget;

/// A connected sequence of points.
#[derive(Clone, Debug, PartialEq)]
pub struct Polyline {
    /// Points in data coordinates; non-finite ones break the line.
    pub points: Vec<(f64, f64)>,
    /// Color.
    pub color: Color,
}

impl Shape for Polyline {
    fn draw(&self, painter: &mut Painter) {
        for w in self.points.windows(2) {
            let ((x1, y1), (x2, y2)) = (w[0], w[1]);
            if x1.is_finite() && y1.is_finite() && x2.is_finite() && y2.is_finite() {
                Line::new(x1, y1, x2, y2, self.color).draw(painter);
            }
        }
        if let [(x, y)] = self.points[..] {
            Points {
                coords: &[(x, y)],
                color: self.color,
            }
            .draw(painter);
        }
    }
}

/// What a [`Plot`] draws, in data coordinates (before the log transform).
#[derive(Clone, Debug, Default)]
pub struct Plot {
    /// x range shown.
    pub x: [f64; 2],
    /// y range shown (in data units; positive when `log_y`).
    pub y: [f64; 2],
    /// Plot log10(y).
    pub log_y: bool,
    /// With `log_y`: some values were zero or below, which log10 cannot place and the plot
    /// leaves out (a chart title says so).
    pub nonpositive_hidden: bool,
    /// Lines, drawn in order (the last one wins a shared cell).
    pub lines: Vec<Polyline>,
    /// Isolated points, drawn over the lines.
    pub points: Vec<(Vec<(f64, f64)>, Color)>,
    /// Vertical reference lines at these x.
    pub vlines: Vec<(f64, Color)>,
    /// Horizontal reference lines at these y.
    pub hlines: Vec<(f64, Color)>,
    /// Text placed at data coordinates.
    pub labels: Vec<(f64, f64, String, Color)>,
    /// Draw tick labels on the left and bottom.
    pub axes: bool,
}

/// Formats a number in at most 7 characters.
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if !(1e-2..1e4).contains(&a) {
        return format!("{v:.0e}");
    }
    let s = if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Rounds a data range out to a 1-2-5 grid (or to whole decades for log axes), so the range
/// moves only when the data crosses a grid line: fewer relabels, fewer redrawn cells.
pub fn nice_bounds(lo: f64, hi: f64, log: bool) -> [f64; 2] {
    if log {
        let lo = if lo > 0.0 && lo.is_finite() {
            lo
        } else {
            1e-12
        };
        let hi = if hi > 0.0 && hi.is_finite() {
            hi.max(lo)
        } else {
            lo * 10.0
        };
        let (a, b) = (lo.log10().floor(), hi.log10().ceil());
        let b = if b <= a { a + 1.0 } else { b };
        return [10f64.powf(a), 10f64.powf(b)];
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return [0.0, 1.0];
    }
    let (lo, hi) = if hi - lo <= 1e-300 * lo.abs().max(1.0) {
        let pad = lo.abs().max(1.0) * 0.5;
        (lo - pad, hi + pad)
    } else {
        (lo, hi)
    };
    let raw = (hi - lo) / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    [(lo / step).floor() * step, (hi / step).ceil() * step]
}

impl Plot {
    fn ty(&self, y: f64) -> f64 {
        if self.log_y {
            if y > 0.0 {
                y.log10()
            } else {
                f64::NAN
            }
        } else {
            y
        }
    }

    fn y_bounds(&self) -> [f64; 2] {
        [self.ty(self.y[0]), self.ty(self.y[1])]
    }

    /// Draws into `area` of `buf`.
    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) -> Rect {
        if area.width < 4 || area.height < 2 {
            return Rect::default();
        }
        let dim = Style::new().fg(theme.dim());
        let mut plot_area = area;
        if self.axes && area.height >= 4 && area.width >= 16 {
            let ys = [self.y[1], self.y[0]].map(fmt_num);
            let gutter = ys
                .iter()
                .map(|s| s.chars().count() as u16)
                .max()
                .unwrap_or(1)
                + 1;
            plot_area = Rect {
                x: area.x + gutter,
                y: area.y,
                width: area.width - gutter,
                height: area.height - 1,
            };
            buf.set_stringn(area.x, area.y, &ys[0], gutter as usize, dim);
            buf.set_stringn(
                area.x,
                area.y + plot_area.height - 1,
                &ys[1],
                gutter as usize,
                dim,
            );
            let bottom = area.y + area.height - 1;
            let (l, r) = (fmt_num(self.x[0]), fmt_num(self.x[1]));
            buf.set_stringn(plot_area.x, bottom, &l, plot_area.width as usize, dim);
            let rw = r.chars().count() as u16;
            if plot_area.width > rw + l.len() as u16 + 1 {
                buf.set_string(plot_area.x + plot_area.width - rw, bottom, &r, dim);
            }
        }
        let ty = |y: f64| self.ty(y);
        let [x0, x1] = self.x;
        let [y0, y1] = self.y_bounds();
        let canvas = Canvas::default()
            .marker(theme.marker())
            .x_bounds(self.x)
            .y_bounds(self.y_bounds())
            .paint(|ctx| {
                for (x, c) in &self.vlines {
                    ctx.draw(&Line::new(*x, y0, *x, y1, *c));
                }
                for (y, c) in &self.hlines {
                    let y = ty(*y);
                    ctx.draw(&Line::new(x0, y, x1, y, *c));
                }
                for l in &self.lines {
                    if self.log_y {
                        let pts = l.points.iter().map(|&(x, y)| (x, ty(y))).collect();
                        ctx.draw(&Polyline {
                            points: pts,
                            color: l.color,
                        });
                    } else {
                        ctx.draw(l);
                    }
                }
                if !self.points.is_empty() {
                    ctx.layer();
                }
                for (pts, c) in &self.points {
                    let pts: Vec<(f64, f64)> = pts
                        .iter()
                        .map(|&(x, y)| (x, ty(y)))
                        .filter(|(x, y)| x.is_finite() && y.is_finite())
                        .collect();
                    ctx.draw(&Points {
                        coords: &pts,
                        color: *c,
                    });
                }
                for (x, y, s, c) in &self.labels {
                    ctx.print(*x, ty(*y), TextLine::styled(s.clone(), Style::new().fg(*c)));
                }
            });
        canvas.render(plot_area, buf);
        plot_area
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_fit_and_bounds_are_round() {
        for (v, s) in [
            (0.0, "0"),
            (1.5, "1.5"),
            (123.4, "123"),
            (0.25, "0.25"),
            (1e6, "1e6"),
            (2.2e-5, "2e-5"),
            (-3.0, "-3"),
        ] {
            assert_eq!(fmt_num(v), s);
        }
        assert_eq!(nice_bounds(0.13, 0.87, false), [0.0, 1.0]);
        assert_eq!(nice_bounds(3e-5, 2.0, true), [1e-5, 10.0]);
        assert_eq!(nice_bounds(1.0, 1.0, true), [1.0, 10.0]);
        let b = nice_bounds(2.0, 2.0, false);
        assert!(b[0] < 2.0 && b[1] > 2.0);
    }
}
