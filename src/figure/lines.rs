//! A line chart — lines, shaded bands and labelled marks over a linear or logarithmic y axis —
//! the drawing that the `curves` and `sweep` figures share.

use super::axis;
use super::drawing;
use super::style::{self, Size, FAMILY, SMALL, TEXT};
use super::subpixel;
use crate::error::{Error, Result};
use plotters::coord::combinators::BindKeyPoints;
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
    /// (x, y), in x order; points [`axis::drawable`] refuses (non-finite, beyond ±1e300, y ≤ 0
    /// on a log axis) are left out.
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

/// The margin right of the plot, in SVG units: room for half the last x tick's label, which
/// is centred on the plot's right edge (the figure's edge cut "2000" to "200"), estimated
/// from its characters as [`style::legend_box`] does, with the 6 units the other sides get.
fn right_margin((x0, x1): (f64, f64)) -> u32 {
    let chars = [x0, x1]
        .iter()
        .map(|&x| style::tick_on(x, x1 - x0).chars().count())
        .max()
        .unwrap_or(0);
    6 + (0.5 * 0.6 * SMALL as f64 * chars as f64).ceil() as u32
}

/// The largest fraction of the plot's height that room made above the data for the legend
/// may take (the range grows by at most a third).
const MAX_LEGEND_ROOM: f64 = 0.25;

fn keep(log_y: bool, (x, y): (f64, f64)) -> bool {
    axis::drawable(x, false) && axis::drawable(y, log_y)
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
            // One x (a run that logged one row): centred, so that its marker is not drawn
            // on the frame, and wide enough that [`Self::x_ticks`]' three ticks are whole
            // steps (0..1 read 0, 0.2, 0.4, … for step 0).
            let half = 1f64.max(0.05 * x0.abs());
            (x0, x1) = (x0 - half, x1 + half);
        }
        if self.log_y {
            if y1 <= y0 * 1.0001 {
                (y0, y1) = (y0 / 2.0, y1 * 2.0);
            }
            let pad = (y1 / y0).powf(0.04);
            Some((axis::linear((x0, x1)), axis::log((y0 / pad, y1 * pad))))
        } else {
            if y1 <= y0 {
                (y0, y1) = (y0 - 0.5 * y0.abs().max(1.0), y1 + 0.5 * y1.abs().max(1.0));
            }
            let pad = 0.04 * (y1 - y0);
            Some((axis::linear((x0, x1)), axis::linear((y0 - pad, y1 + pad))))
        }
    }

    /// The y axis's description: its label, and where finite values are left out (≤ 0 on a
    /// log axis, beyond ±[`axis::LIMIT`]), that they are (a loss flipping sign looked like a
    /// smooth decay, its gaps bridged).
    fn y_desc(&self) -> String {
        let finite = || {
            self.lines
                .iter()
                .flat_map(|l| l.points.iter())
                .filter(|&&(x, y)| x.is_finite() && y.is_finite())
        };
        let huge = finite().any(|&(_, y)| y.abs() > axis::LIMIT);
        let hidden = self.log_y && finite().any(|&(_, y)| y < axis::TINY);
        match (hidden, huge) {
            (true, true) => format!("{} (values ≤ 0, > 1e300 not drawn)", self.y_label),
            (true, false) => format!("{} (values ≤ 0 not drawn)", self.y_label),
            (false, true) => format!("{} (|y| > 1e300 not drawn)", self.y_label),
            (false, false) => self.y_label.clone(),
        }
    }

    /// How many x ticks to ask plotters for: three (the point and a tick each side) when
    /// every drawn point has one x, else six.
    fn x_ticks(&self) -> usize {
        let mut xs = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().copied())
            .filter(|p| keep(self.log_y, *p))
            .map(|p| p.0);
        match xs.next() {
            Some(first) if xs.all(|x| x == first) => 3,
            _ => 6,
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
    /// points; where every corner hides some and the legend (with its margin) takes at most
    /// [`MAX_LEGEND_ROOM`] of the height, the y range grows at the top until the legend fits
    /// above every point (it covered curves). A taller legend stays in that corner over a
    /// tight range: making room for it put a sweep's log axis 8 decades above its data.
    fn legend_place(
        &self,
        x: (f64, f64),
        y: (f64, f64),
        size: Size,
    ) -> ((f64, f64), SeriesLabelPosition) {
        let (w, h) = size.units();
        // The plot inside the axis label areas (46 and 34 pixels) and margins (6).
        let plot = (w as f64 - 52.0 - right_margin(x) as f64, h as f64 - 46.0);
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
        if hidden == 0 || band > MAX_LEGEND_ROOM || labels.is_empty() {
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
        // The room made for the legend can overflow a range near the limits.
        let (y0, y1) = if self.log_y {
            axis::log((y0, y1))
        } else {
            axis::linear((y0, y1))
        };
        let mut svg = String::new();
        let curves = {
            let root = SVGBackend::with_string(&mut svg, size.units()).into_drawing_area();
            root.fill(&WHITE).map_err(drawing)?;
            let curves = if self.log_y {
                match axis::log_ticks(y0, y1) {
                    Some(ticks) => self.draw(
                        &root,
                        x0..x1,
                        ((y0..y1).log_scale().with_key_points(ticks), (y0, y1)),
                        at,
                    )?,
                    None => self.draw(&root, x0..x1, ((y0..y1).log_scale(), (y0, y1)), at)?,
                }
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
            .margin_right(right_margin(x_range))
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
            .x_labels(self.x_ticks())
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
            // On a log axis a lower edge at or below the axis's bottom (a band down to 0) is
            // drawn along the bottom: left out, its upper edge joined the next point of the
            // lower edge and the band crossed itself.
            let floor = |(x, y): (f64, f64)| {
                if self.log_y && x.is_finite() && !y.is_nan() && y < y_range.0 {
                    (x, y_range.0)
                } else {
                    (x, y)
                }
            };
            let pts: Vec<(f64, f64)> = b
                .points
                .iter()
                .map(|p| (p.0, p.2))
                .chain(b.points.iter().rev().map(|p| floor((p.0, p.1))))
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
        // A log axis spans at most [`axis::MAX_LOG_RATIO`]: values below its bottom (a run
        // converging to 1e-300 beside one diverging to 1e100) are left out, not drawn off it.
        let shown = |p: &(f64, f64)| keep(self.log_y, *p) && (!self.log_y || p.1 >= y_range.0);
        for (k, l) in self.lines.iter().enumerate() {
            let pts: Vec<(f64, f64)> = l.points.iter().copied().filter(shown).collect();
            curves.push(frame.points(&pts));
            // A polyline through one point draws nothing (a run that logged one row gave an
            // empty figure): it is drawn as a dot, in its real colour (the stand-in is only
            // for polylines, see [`subpixel`]).
            if let [only] = pts[..] {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        only,
                        l.width + 2,
                        l.color.mix(l.alpha).filled(),
                    )))
                    .map_err(drawing)?;
            }
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
    fn the_last_x_tick_label_is_not_cut_at_the_figures_edge() {
        let mut c = LineChart::default();
        c.lines.push(Line {
            label: None,
            color: style::series_color(0),
            alpha: 1.0,
            width: 1,
            points: (0..=2000)
                .step_by(10)
                .map(|t| (t as f64, 1.0 / (1.0 + t as f64)))
                .collect(),
        });
        for size in [Size::OneColumn, Size::TwoColumn] {
            let svg = c.svg(size).unwrap();
            assert!(svg.contains("\n2000\n</text>"), "{svg}");
            let png = super::super::output::png(&svg, 300.0, &Default::default()).unwrap();
            let p = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
            // The last columns of pixels are white: no glyph runs into the edge.
            let dark = (0..p.height())
                .flat_map(|y| (p.width() - 3..p.width()).map(move |x| (x, y)))
                .filter(|&(x, y)| p.pixel(x, y).unwrap().red() < 200)
                .count();
            assert_eq!(dark, 0, "{size:?}: the label at the right edge is cut");
        }
    }

    #[test]
    fn a_tall_legend_is_not_given_room_above_the_data() {
        // A sweep's four configurations over 14 decades, every corner busy: room for the
        // legend put the log axis 8 decades above the data's peak; the range stays tight.
        let mut c = LineChart {
            log_y: true,
            ..LineChart::default()
        };
        for (k, rate) in [0.015, 0.0, -0.003, -0.02].into_iter().enumerate() {
            c.lines.push(Line {
                label: Some(format!("configuration number {k} (n=3)")),
                color: style::series_color(k),
                alpha: 1.0,
                width: 2,
                points: (0..=100)
                    .map(|t| (t as f64 * 10.0, 10f64.powf(rate * t as f64 * 4.0)))
                    .collect(),
            });
        }
        c.lines.push(Line {
            label: None,
            color: style::series_color(0),
            alpha: 0.2,
            width: 1,
            points: vec![(0.0, 1e-8), (1000.0, 1e-8), (0.0, 1e6), (1000.0, 1e6)],
        });
        let ((x0, x1), y) = c.ranges().unwrap();
        let (grown, _) = c.legend_place((x0, x1), y, Size::OneColumn);
        assert_eq!(grown, y, "the data's range {y:?}");
        assert!(y.1 < 1e7, "{y:?}");
    }

    /// `chart` drawn on a linear and on a log axis, or None when that took over 20 s.
    fn drawn_within_time(chart: LineChart) -> Option<(Result<String>, Result<String>)> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut c = chart;
            c.log_y = false;
            let lin = c.svg(Size::OneColumn);
            c.log_y = true;
            let _ = tx.send((lin, c.svg(Size::OneColumn)));
        });
        rx.recv_timeout(std::time::Duration::from_secs(20)).ok()
    }

    /// Run `k`'s line through `points`, labelled and coloured as a figure of runs draws it.
    fn line(k: usize, points: Vec<(f64, f64)>) -> Line {
        Line {
            label: Some(format!("run {k}")),
            color: style::series_color(k),
            alpha: 1.0,
            width: 1,
            points,
        }
    }

    #[test]
    fn values_near_the_float_limit_are_drawn_in_finite_time() {
        // Two diverged runs: a loss swinging to ±1e308 (its range overflowed, and plotters'
        // tick loop never ended), and one with moderate values too.
        let mut c = LineChart::default();
        c.lines.push(line(
            0,
            vec![
                (0.0, 1.0),
                (1.0, -1.07e308),
                (2.0, 5.9e307),
                (3.0, f64::MAX),
            ],
        ));
        c.lines
            .push(line(1, vec![(0.0, 2.0), (1.0, 1e300), (2.0, 3.0)]));
        let (lin, log) = drawn_within_time(c).expect("the chart was never finished");
        let lin = lin.unwrap();
        assert!(lin.contains("<polyline"), "{lin}");
        assert!(lin.contains("(|y| &gt; 1e300 not drawn)"), "{lin}");
        let log = log.unwrap();
        assert!(log.contains("values ≤ 0, &gt; 1e300 not drawn"), "{log}");
        // A single run reaching the limit on a log axis.
        let mut c = LineChart::default();
        c.lines
            .push(line(0, vec![(0.0, 1e-3), (1.0, 1e299), (2.0, 1e300)]));
        let (lin, log) = drawn_within_time(c).expect("the chart was never finished");
        assert!(lin.is_ok() && log.unwrap().contains("<polyline"));
    }

    #[test]
    fn a_run_of_one_row_is_drawn_as_a_dot_on_whole_step_ticks() {
        let mut c = LineChart::default();
        c.lines.push(line(0, vec![(0.0, 5.0)]));
        let svg = c.svg(Size::OneColumn).unwrap();
        // The dot, in the run's colour (the figure was empty).
        let dot = |svg: &str, color: &str| {
            svg.split("<circle")
                .skip(1)
                .any(|c| c.split("/>").next().is_some_and(|c| c.contains(color)))
        };
        assert!(dot(&svg, "#0072B2"), "{svg}");
        // x ticks at whole steps around 0 (it was 0..1 in fifths).
        let ticks: Vec<&str> = svg
            .split("</text>")
            .filter_map(|t| t.rsplit('>').next())
            .collect();
        let ticks: Vec<&str> = ticks.into_iter().map(str::trim).collect();
        assert!(ticks.contains(&"0") && !ticks.contains(&"0.2"), "{ticks:?}");
        // A member of one row among runs of many: its dot is drawn too.
        let mut c = LineChart::default();
        c.lines
            .push(line(0, (0..10).map(|k| (k as f64, k as f64)).collect()));
        c.lines.push(line(1, vec![(4.0, 2.0)]));
        let svg = c.svg(Size::OneColumn).unwrap();
        assert!(dot(&svg, "#D55E00") && !dot(&svg, "#0072B2"), "{svg}");
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

    #[test]
    fn a_band_down_to_zero_on_a_log_axis_runs_along_the_bottom() {
        // A mean of 1 with an interval from 0 to 2 at every x: its lower edge was left out on
        // a log axis, and the polygon of the upper edge alone crossed the plot.
        let mut c = LineChart {
            log_y: true,
            ..LineChart::default()
        };
        c.lines
            .push(line(0, (1..=5).map(|k| (k as f64, 1.0)).collect()));
        c.bands.push(Band {
            color: style::series_color(0),
            points: (1..=5).map(|k| (k as f64, 0.0, 2.0)).collect(),
        });
        let svg = c.svg(Size::OneColumn).unwrap();
        let at = svg.find("<polygon").expect("the band is drawn");
        let tag = &svg[at..at + svg[at..].find("/>").unwrap()];
        let points = tag.split("points=\"").nth(1).unwrap();
        let points = &points[..points.find('"').unwrap()];
        let ys: Vec<f64> = points
            .split_whitespace()
            .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
            .collect();
        assert_eq!(ys.len(), 10, "five points on each edge: {tag}");
        // The lower edge lies on one line: the plot's bottom.
        let bottom = ys[5..].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        assert!(ys[5..].iter().all(|y| *y == bottom), "{tag}");
        assert!(ys[..5].iter().all(|y| *y < bottom), "{tag}");
    }
}
