//! A line chart — lines, shaded bands and labelled marks over a linear or logarithmic y axis —
//! the drawing that the `curves` and `sweep` figures share.

use super::drawing;
use super::style::{self, Size, FAMILY, SMALL, TEXT};
use super::subpixel;
use crate::error::{Error, Result};
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;

/// One polyline.
#[derive(Clone, Debug)]
pub struct Line {
    /// Its legend entry (None: not in the legend).
    pub label: Option<String>,
    /// Its colour.
    pub color: RGBColor,
    /// Opacity in (0, 1].
    pub alpha: f64,
    /// Stroke width in SVG units.
    pub width: u32,
    /// (x, y), in x order; non-finite points (and y ≤ 0 on a log axis) are left out.
    pub points: Vec<(f64, f64)>,
}

/// A shaded region between two curves over the same x.
#[derive(Clone, Debug)]
pub struct Band {
    /// Its colour (drawn at 20% opacity).
    pub color: RGBColor,
    /// (x, lower, upper), in x order.
    pub points: Vec<(f64, f64, f64)>,
}

/// A marked point with a short text (an η or β change on a curve).
#[derive(Clone, Debug)]
pub struct Mark {
    /// Where.
    pub at: (f64, f64),
    /// Its colour (the curve's).
    pub color: RGBColor,
    /// The text beside it.
    pub text: String,
}

/// A complete line chart.
#[derive(Clone, Debug, Default)]
pub struct LineChart {
    /// The x axis's label, with its unit.
    pub x_label: String,
    /// The y axis's label, with its unit.
    pub y_label: String,
    /// A logarithmic y axis.
    pub log_y: bool,
    /// Bands, drawn first.
    pub bands: Vec<Band>,
    /// Lines, drawn over the bands in order.
    pub lines: Vec<Line>,
    /// Marks, drawn last.
    pub marks: Vec<Mark>,
    /// The legend entry of the marks, when there are any.
    pub marks_label: Option<String>,
}

fn keep(log_y: bool, (x, y): (f64, f64)) -> bool {
    x.is_finite() && y.is_finite() && (!log_y || y > 0.0)
}

impl LineChart {
    /// The (x, y) ranges that hold every drawable point, padded; None when there is none.
    fn ranges(&self) -> Option<((f64, f64), (f64, f64))> {
        let pts = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().copied())
            .chain(
                self.bands
                    .iter()
                    .flat_map(|b| b.points.iter().flat_map(|p| [(p.0, p.1), (p.0, p.2)])),
            )
            .filter(|p| keep(self.log_y, *p));
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for (x, y) in pts {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if !x0.is_finite() {
            return None;
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        if self.log_y {
            if y1 <= y0 * 1.0001 {
                (y0, y1) = (y0 / 2.0, y1 * 2.0);
            }
            let pad = (y1 / y0).powf(0.04);
            Some(((x0, x1), (y0 / pad, y1 * pad)))
        } else {
            if y1 <= y0 {
                (y0, y1) = (y0 - 0.5 * y0.abs().max(1.0), y1 + 0.5 * y1.abs().max(1.0));
            }
            let pad = 0.04 * (y1 - y0);
            Some(((x0, x1), (y0 - pad, y1 + pad)))
        }
    }

    /// The y axis's description: its label, and on a log axis that leaves out finite values
    /// ≤ 0, that it does (a loss flipping sign looked like a smooth decay, its gaps bridged).
    fn y_desc(&self) -> String {
        let hidden = self.log_y
            && self
                .lines
                .iter()
                .flat_map(|l| l.points.iter())
                .any(|&(x, y)| x.is_finite() && y.is_finite() && y <= 0.0);
        if hidden {
            format!("{} (values ≤ 0 not drawn)", self.y_label)
        } else {
            self.y_label.clone()
        }
    }

    /// The legend's entries.
    fn labels(&self) -> Vec<&str> {
        let lines = self.lines.iter().filter_map(|l| l.label.as_deref());
        let marks = self
            .marks_label
            .as_deref()
            .filter(|_| !self.marks.is_empty());
        lines.chain(marks).collect()
    }

    /// The y range, and where the legend goes: the corner where it hides the fewest drawn
    /// points; where every corner hides some (and the legend is under 0.6 of the height), the
    /// y range grows at the top until the legend fits above every point (it covered curves).
    fn legend_place(
        &self,
        x: (f64, f64),
        y: (f64, f64),
        size: Size,
    ) -> ((f64, f64), SeriesLabelPosition) {
        let (w, h) = size.units();
        // The plot inside the axis label areas (46 and 34 pixels) and margins (6).
        let plot = (w as f64 - 58.0, h as f64 - 46.0);
        let labels = self.labels();
        let legend = style::legend_box(labels.iter().copied(), plot);
        let pts = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().copied())
            .chain(self.marks.iter().map(|m| m.at))
            .filter(|p| keep(self.log_y, *p));
        let (at, hidden) = style::quiet_corner(pts, x, y, self.log_y, legend);
        let band = legend.1 + 0.04;
        if hidden == 0 || band > 0.6 || labels.is_empty() {
            return (y, at);
        }
        let grow = band / (1.0 - band);
        let y = if self.log_y {
            (y.0, y.1 * (y.1 / y.0).powf(grow))
        } else {
            (y.0, y.1 + (y.1 - y.0) * grow)
        };
        (y, SeriesLabelPosition::UpperRight)
    }

    /// The chart as SVG text of `size`. Err (bad input) when no point can be drawn.
    pub fn svg(&self, size: Size) -> Result<String> {
        style::register_font();
        let ((x0, x1), (y0, y1)) = self.ranges().ok_or_else(|| {
            Error::input(if self.log_y {
                "nothing to draw: no finite, positive value of the metric (a log axis needs y > 0)"
                    .to_string()
            } else {
                "nothing to draw: no finite value of the metric".to_string()
            })
        })?;
        let ((y0, y1), at) = self.legend_place((x0, x1), (y0, y1), size);
        let mut svg = String::new();
        let curves = {
            let root = SVGBackend::with_string(&mut svg, size.units()).into_drawing_area();
            root.fill(&WHITE).map_err(drawing)?;
            let curves = if self.log_y {
                self.draw(&root, x0..x1, ((y0..y1).log_scale(), (y0, y1)), at)?
            } else {
                self.draw(&root, x0..x1, (y0..y1, (y0, y1)), at)?
            };
            root.present().map_err(drawing)?;
            curves
        };
        let (curves, bands) = curves;
        for (k, (l, points)) in self.lines.iter().zip(&curves).enumerate() {
            subpixel::restore(&mut svg, k, l.color, points);
        }
        for (k, (b, points)) in self.bands.iter().zip(&bands).enumerate() {
            subpixel::restore_band(&mut svg, k, b.color, points);
        }
        Ok(svg)
    }

    fn draw<DB, Y>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        x: std::ops::Range<f64>,
        (y, y_bounds): (Y, (f64, f64)),
        legend_at: SeriesLabelPosition,
    ) -> Result<(Vec<String>, Vec<String>)>
    where
        DB: DrawingBackend,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let (x_range, y_range) = ((x.start, x.end), y_bounds);
        let mut chart = ChartBuilder::on(root)
            .margin(6)
            .x_label_area_size(34)
            .y_label_area_size(46)
            .build_cartesian_2d(x, y)
            .map_err(drawing)?;
        let label = (FAMILY, SMALL).into_font();
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_desc())
            .axis_desc_style((FAMILY, TEXT))
            .label_style(label.clone())
            .x_label_formatter(&|v| style::tick_on(*v, x_range.1 - x_range.0))
            .y_label_formatter(&|v| {
                if self.log_y {
                    style::tick(*v)
                } else {
                    style::tick_on(*v, y_range.1 - y_range.0)
                }
            })
            .x_labels(6)
            .y_labels(6)
            .bold_line_style(BLACK.mix(0.08))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(drawing)?;
        let frame = subpixel::Frame::of(
            chart.plotting_area().get_pixel_range(),
            x_range,
            y_range,
            self.log_y,
        );
        let mut bands = vec![];
        for (k, b) in self.bands.iter().enumerate() {
            let pts: Vec<(f64, f64)> = b
                .points
                .iter()
                .map(|p| (p.0, p.2))
                .chain(b.points.iter().rev().map(|p| (p.0, p.1)))
                .filter(|p| keep(self.log_y, *p))
                .collect();
            if pts.len() >= 3 {
                bands.push(frame.points(&pts));
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        pts,
                        subpixel::band_stand_in(k).mix(0.2).filled(),
                    )))
                    .map_err(drawing)?;
            } else {
                bands.push(String::new());
            }
        }
        let mut curves = vec![];
        let mut legend = false;
        for (k, l) in self.lines.iter().enumerate() {
            let pts: Vec<(f64, f64)> = l
                .points
                .iter()
                .copied()
                .filter(|p| keep(self.log_y, *p))
                .collect();
            curves.push(frame.points(&pts));
            let style = subpixel::stand_in(k).mix(l.alpha).stroke_width(l.width);
            let drawn = chart
                .draw_series(LineSeries::new(pts, style))
                .map_err(drawing)?;
            if let Some(name) = &l.label {
                legend = true;
                drawn.label(name.as_str()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 14, y)], style.stroke_width(2))
                });
            }
        }
        if !self.marks.is_empty() {
            let font = (FAMILY, SMALL - 1).into_font();
            for m in self.marks.iter().filter(|m| keep(self.log_y, m.at)) {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at(m.at)
                            + TriangleMarker::new((0, 0), 4, m.color.filled())
                            + TriangleMarker::new((0, 0), 4, BLACK.stroke_width(1))
                            + Text::new(m.text.clone(), (4, -12), font.clone()),
                    ))
                    .map_err(drawing)?;
            }
            if let Some(name) = &self.marks_label {
                legend = true;
                chart
                    .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                    .map_err(drawing)?
                    .label(name.as_str())
                    .legend(|(x, y)| {
                        EmptyElement::at((x + 7, y))
                            + TriangleMarker::new((0, 0), 4, BLACK.stroke_width(1))
                    });
            }
        }
        if legend {
            chart
                .configure_series_labels()
                .label_font(label)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .position(legend_at)
                .draw()
                .map_err(drawing)?;
        }
        Ok((curves, bands))
    }
}

/// A trailing moving average over `window` points (1: the values themselves); non-finite
/// values are skipped, so a diverged tail does not erase the curve before it.
pub fn smooth(points: &[(f64, f64)], window: usize) -> Vec<(f64, f64)> {
    if window <= 1 {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(points.len());
    let mut recent: std::collections::VecDeque<f64> = std::collections::VecDeque::new();
    let mut sum = 0.0;
    for &(x, y) in points {
        if !y.is_finite() {
            continue;
        }
        recent.push_back(y);
        sum += y;
        if recent.len() > window {
            sum -= recent.pop_front().unwrap_or(0.0);
        }
        out.push((x, sum / recent.len() as f64));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_averages_the_last_points_and_skips_non_finite_values() {
        let p = [(0.0, 1.0), (1.0, 3.0), (2.0, f64::NAN), (3.0, 5.0)];
        assert_eq!(smooth(&p, 1).len(), 4);
        assert_eq!(smooth(&p, 2), vec![(0.0, 1.0), (1.0, 2.0), (3.0, 4.0)]);
    }

    #[test]
    fn a_legend_that_would_cover_points_in_every_corner_gets_room_above_them() {
        // A curve oscillating across the whole plot: every corner holds points.
        let points: Vec<(f64, f64)> = (0..200)
            .map(|k| (k as f64, if k % 2 == 0 { 1.0 } else { -1.0 }))
            .collect();
        let mut c = LineChart::default();
        c.lines.push(Line {
            label: Some("a run with a long name".into()),
            color: style::series_color(0),
            alpha: 1.0,
            width: 1,
            points,
        });
        let (y, at) = c.legend_place((0.0, 199.0), (-1.04, 1.04), Size::OneColumn);
        assert!(matches!(at, SeriesLabelPosition::UpperRight));
        assert!(y.0 == -1.04 && y.1 > 1.3, "{y:?}");
        // A quiet corner: the range is kept and the legend goes there.
        c.lines[0].points = (0..200).map(|k| (k as f64, -(k as f64))).collect();
        let (y, at) = c.legend_place((0.0, 199.0), (-199.0, 0.0), Size::OneColumn);
        assert_eq!(y, (-199.0, 0.0));
        assert!(!matches!(
            at,
            SeriesLabelPosition::UpperLeft | SeriesLabelPosition::LowerRight
        ));
    }

    #[test]
    fn a_chart_with_nothing_positive_on_a_log_axis_is_refused() {
        let mut c = LineChart {
            log_y: true,
            ..LineChart::default()
        };
        c.lines.push(Line {
            label: None,
            color: style::series_color(0),
            alpha: 1.0,
            width: 1,
            points: vec![(0.0, 0.0), (1.0, -1.0)],
        });
        let e = c.svg(Size::OneColumn).unwrap_err();
        assert!(e.message.contains("log axis"), "{}", e.message);
        c.log_y = false;
        let svg = c.svg(Size::OneColumn).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("<polyline"),
            "{svg}"
        );
        assert!(!svg.contains("not drawn"), "a linear axis draws them all");
        // Some values ≤ 0 on a log axis: drawn without them, and the axis says so.
        c.log_y = true;
        c.lines[0].points.push((2.0, 0.5));
        c.lines[0].points.push((3.0, 0.25));
        let svg = c.svg(Size::OneColumn).unwrap();
        assert!(svg.contains("(values ≤ 0 not drawn)"), "{svg}");
        c.lines[0].points = vec![(2.0, 0.5), (3.0, 0.25)];
        let svg = c.svg(Size::OneColumn).unwrap();
        assert!(!svg.contains("not drawn"), "{svg}");
    }
}
