//! What every figure shares: the embedded font, the sizes a paper's columns take, the
//! Okabe–Ito colours, colour maps and the axis labels of the metrics.

use plotters::style::{FontStyle, RGBColor};
use std::sync::Once;

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/DejaVuSans-LICENSE`): the only font
/// figures use, for layout (plotters) and rendering (usvg) alike.
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name the SVG text carries; [`super::output`] maps it to [`FONT`].
pub const FAMILY: &str = "sans-serif";

/// SVG user units per inch: figures are laid out in CSS pixels (96 to the inch), so a
/// one-column figure is 3.5 in wide in the PDF.
pub const UNITS_PER_INCH: f64 = 96.0;

/// Text sizes, in SVG units (8 pt and 7 pt at 96 units per inch).
pub const TEXT: u32 = 11;
/// Tick labels and legends.
pub const SMALL: u32 = 9;

/// Registers [`FONT`] with plotters' text layout (once per process).
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font checked in with the code; a failure here is a
        // build defect, and text would then be laid out without widths.
        if plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_err() {
            panic!("the embedded DejaVu Sans does not parse");
        }
    });
}

/// The size of a figure: a paper's single column or its full width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Size {
    /// 3.5 in × 2.6 in.
    OneColumn,
    /// 7 in × 2.8 in.
    TwoColumn,
}

impl Size {
    /// (width, height) in SVG units.
    pub fn units(self) -> (u32, u32) {
        let inches = match self {
            Size::OneColumn => (3.5, 2.6),
            Size::TwoColumn => (7.0, 2.8),
        };
        (
            (inches.0 * UNITS_PER_INCH) as u32,
            (inches.1 * UNITS_PER_INCH) as u32,
        )
    }
}

/// The Okabe–Ito palette (distinguishable with the common colour-vision deficiencies), in
/// the order series take it; yellow, hard to see on white, comes last.
pub const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(230, 159, 0),   // orange
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(240, 228, 66),  // yellow
];

/// The colour of the `i`-th series.
pub fn series_color(i: usize) -> RGBColor {
    OKABE_ITO[i % OKABE_ITO.len()]
}

/// Viridis (perceptually uniform, readable in gray and with colour-vision deficiencies) at
/// `t` in [0, 1], by linear interpolation between nine of its stops.
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    interpolate(&STOPS, t)
}

/// A diverging map for probabilities: Okabe–Ito blue at 0, white at ½, vermillion at 1.
pub fn diverging(t: f64) -> RGBColor {
    interpolate(&[(0, 114, 178), (255, 255, 255), (213, 94, 0)], t)
}

fn interpolate(stops: &[(u8, u8, u8)], t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (stops.len() - 1) as f64;
    let k = (x.floor() as usize).min(stops.len() - 2);
    let f = x - k as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (stops[k], stops[k + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The axis label of a metrics column: its mathematical name and unit where it has one.
pub fn metric_label(column: &str) -> String {
    use crate::run::metrics as m;
    match column {
        m::STEP => "iteration t".into(),
        m::ORACLE_CALLS => "oracle calls (gradient evaluations)".into(),
        m::WALL_TIME => "wall time (s)".into(),
        m::JV_EQUIVALENTS => "J·v-equivalents (gradients + products)".into(),
        m::DISTANCE_TO_EQUILIBRIUM => "‖ω − ω*‖".into(),
        m::FIELD_NORM => "‖F(ω)‖".into(),
        m::LOSS_THETA => "generator loss L_G(ω)".into(),
        m::LOSS_PHI => "discriminator loss L_D(ω)".into(),
        m::ETA_THETA => "η of θ".into(),
        m::ETA_PHI => "η of φ".into(),
        m::BETA_THETA => "β of θ".into(),
        m::BETA_PHI => "β of φ".into(),
        m::THETA_0 => "θ₀".into(),
        m::PHI_0 => "φ₀".into(),
        m::SPECTRAL_RADIUS => "ρ of the update operator".into(),
        m::MODES_COVERED => "modes covered".into(),
        m::HIGH_QUALITY_PCT => "high-quality samples (%)".into(),
        other => match m::average_of(other) {
            Some(avg) => format!("‖ω̄ − ω*‖ ({avg} average)"),
            None => other.to_string(),
        },
    }
}

/// The fraction of a plot of `plot` pixels (width, height) that a legend of `labels` covers:
/// a sample line and the text at [`SMALL`] per entry, in a padded box (estimated from the
/// characters, about 0.55 em each).
pub fn legend_box<'a>(labels: impl IntoIterator<Item = &'a str>, plot: (f64, f64)) -> (f64, f64) {
    let (mut n, mut chars) = (0usize, 0usize);
    for l in labels {
        n += 1;
        chars = chars.max(l.chars().count());
    }
    let w = 34.0 + 0.55 * SMALL as f64 * chars as f64;
    let h = 10.0 + (SMALL as f64 + 3.3) * n as f64;
    (
        (w / plot.0.max(1.0)).min(1.0),
        (h / plot.1.max(1.0)).min(1.0),
    )
}

/// The corner of the plot where a legend covering `legend` (fractions of the width and the
/// height, see [`legend_box`]) hides the fewest of `points` (data coordinates in the ranges
/// `x` and `y`), with how many it hides there.
pub fn quiet_corner(
    points: impl IntoIterator<Item = (f64, f64)>,
    x: (f64, f64),
    y: (f64, f64),
    log_y: bool,
    legend: (f64, f64),
) -> (plotters::chart::SeriesLabelPosition, usize) {
    use plotters::chart::SeriesLabelPosition as P;
    let fy = |v: f64| {
        if log_y {
            v.max(f64::MIN_POSITIVE).ln()
        } else {
            v
        }
    };
    let (y0, y1) = (fy(y.0), fy(y.1));
    // The box, with a margin for the line between points inside and out.
    let (w, h) = ((legend.0 + 0.03).min(1.0), (legend.1 + 0.03).min(1.0));
    let mut counts = [0usize; 4]; // upper right, upper left, lower right, lower left
    for (px, py) in points {
        let u = (px - x.0) / (x.1 - x.0);
        let v = (fy(py) - y0) / (y1 - y0);
        if !(u.is_finite() && v.is_finite()) {
            continue;
        }
        let (right, left, top, bottom) = (u > 1.0 - w, u < w, v > 1.0 - h, v < h);
        for (k, inside) in [right && top, left && top, right && bottom, left && bottom]
            .into_iter()
            .enumerate()
        {
            counts[k] += inside as usize;
        }
    }
    let best = (0..4).min_by_key(|&k| counts[k]).unwrap_or(0);
    let at = match best {
        0 => P::UpperRight,
        1 => P::UpperLeft,
        2 => P::LowerRight,
        _ => P::LowerLeft,
    };
    (at, counts[best])
}

/// [`tick`] on a linear axis spanning `span`: a value within 10⁻⁹ of the span from 0 is the
/// rounding residue of a tick meant to be 0 (it read `-5.6e-17`), written 0.
pub fn tick_on(x: f64, span: f64) -> String {
    if x.abs() <= span.abs() * 1e-9 {
        "0".into()
    } else {
        tick(x)
    }
}

/// Tick labels in about three significant digits, in exponent form outside [10⁻³, 10⁵).
pub fn tick(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if (1e-3..1e5).contains(&x.abs()) {
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    } else {
        let e = x.abs().log10().floor() as i32;
        let m = x / 10f64.powi(e);
        if (m.abs() - 1.0).abs() < 1e-9 {
            format!("{}1e{e}", if x < 0.0 { "-" } else { "" })
        } else {
            format!("{m:.1}e{e}")
        }
    }
}

/// Draws the axes of a heat-map chart as every figure labels them: no grid (the cells are
/// the picture), descriptions at [`TEXT`], five ticks a side at [`SMALL`] written by [`tick`].
pub fn draw_plain_axes<DB: plotters::prelude::DrawingBackend>(
    chart: &mut plotters::chart::ChartContext<
        '_,
        DB,
        plotters::coord::cartesian::Cartesian2d<
            plotters::coord::types::RangedCoordf64,
            plotters::coord::types::RangedCoordf64,
        >,
    >,
    x_desc: &str,
    y_desc: &str,
) -> crate::error::Result<()> {
    let (x, y) = (chart.x_range(), chart.y_range());
    let (x_span, y_span) = (x.end - x.start, y.end - y.start);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style((FAMILY, TEXT))
        .label_style((FAMILY, SMALL))
        .x_label_formatter(&|v| tick_on(*v, x_span))
        .y_label_formatter(&|v| tick_on(*v, y_span))
        .x_labels(5)
        .y_labels(5)
        .draw()
        .map_err(super::drawing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_maps_meet_their_stops_and_clamp() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(diverging(0.5), RGBColor(255, 255, 255));
        assert_eq!(diverging(f64::NAN), diverging(0.0));
        assert_eq!(series_color(8), series_color(0));
    }

    #[test]
    fn sizes_are_a_papers_columns_and_labels_name_the_mathematics() {
        assert_eq!(Size::OneColumn.units(), (336, 249));
        assert_eq!(Size::TwoColumn.units().0, 672);
        assert_eq!(metric_label("distance_to_equilibrium"), "‖ω − ω*‖");
        assert_eq!(
            metric_label("distance_to_equilibrium_ema"),
            "‖ω̄ − ω*‖ (ema average)"
        );
        assert_eq!(metric_label("gamma"), "gamma");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(1e-6), "1e-6");
        assert_eq!(tick(2.5e-7), "2.5e-7");
        assert_eq!(tick(1200.0), "1200");
        // A tick meant to be 0 on a linear axis, off by rounding, reads 0; a small value on a
        // small axis keeps its value.
        assert_eq!(tick_on(-5.551115123125783e-17, 2.0), "0");
        assert_eq!(tick_on(2.5e-7, 1e-6), "2.5e-7");
    }
}
