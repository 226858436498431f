//! Curves and confidence bands at 1/100 of an SVG unit. plotters hands its backends whole-unit coordinates, so a
//! curve in a 336-unit-wide figure is drawn on a grid of about a quarter millimetre: a smooth
//! ρᵗ decay becomes a staircase, visible in print and in the PNG. The curve is drawn by
//! plotters in a stand-in colour (so that it keeps its place among the other elements and its
//! legend entry), then its polyline's points are replaced by the exact ones and the stand-in
//! colour by the real one.

use plotters::style::RGBColor;

/// The stand-in colour of curve `k` (red 0x01, which no palette here has; distinct for the
/// first 65 536 curves).
pub fn stand_in(k: usize) -> RGBColor {
    RGBColor(0x01, (k >> 8) as u8, k as u8)
}

/// The stand-in colour of shaded band `k` (a confidence band's polygon), as [`stand_in`] with
/// red 0x02.
pub fn band_stand_in(k: usize) -> RGBColor {
    RGBColor(0x02, (k >> 8) as u8, k as u8)
}

/// How data coordinates map onto the plotting area, as plotters maps them but unrounded:
/// x from `x.0..x.1` onto pixels `px.0..px.1`, y (its logarithm on a log axis) from
/// `y.0..y.1` onto `py.0..py.1` (bottom to top).
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    /// Data range of x.
    pub x: (f64, f64),
    /// Data range of y.
    pub y: (f64, f64),
    /// Pixels of x's ends.
    pub px: (f64, f64),
    /// Pixels of y's ends (the first is the bottom).
    pub py: (f64, f64),
    /// A logarithmic y axis.
    pub log_y: bool,
}

impl Frame {
    /// The frame of a plotting area whose pixel ranges plotters gives as `(xs, ys)` (ends
    /// exclusive; plotters maps onto the last pixel inside, and y from the bottom up).
    pub fn of(
        (xs, ys): (std::ops::Range<i32>, std::ops::Range<i32>),
        x: (f64, f64),
        y: (f64, f64),
        log_y: bool,
    ) -> Frame {
        Frame {
            x,
            y,
            px: (xs.start as f64, (xs.end - 1) as f64),
            py: ((ys.end - 1) as f64, ys.start as f64),
            log_y,
        }
    }

    fn map(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let along = |v: f64, (a, b): (f64, f64), (p, q): (f64, f64)| {
            if b == a {
                (p + q) / 2.0
            } else {
                p + (q - p) * (v - a) / (b - a)
            }
        };
        let g = |v: f64| if self.log_y { v.ln() } else { v };
        (
            along(x, self.x, self.px),
            along(g(y), (g(self.y.0), g(self.y.1)), self.py),
        )
    }

    /// The SVG points of a curve through `pts`, at 1/100 unit, repeated points left out.
    pub fn points(&self, pts: &[(f64, f64)]) -> String {
        let mut out = String::new();
        let mut last = String::new();
        for p in pts {
            let (x, y) = self.map(*p);
            let here = format!("{x:.2},{y:.2} ");
            if here != last {
                out.push_str(&here);
                last = here;
            }
        }
        out
    }
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Replaces, in `svg`, the points of the first polyline drawn in `stand_in(k)` by `points`,
/// and the stand-in colour everywhere (the legend's sample too) by `color`. A curve with no
/// point has no polyline of its own (its legend sample would be the first found): only its
/// colour is restored.
pub fn restore(svg: &mut String, k: usize, color: RGBColor, points: &str) {
    replace(svg, "stroke", "<polyline", stand_in(k), color, points);
}

/// [`restore`] for band `k`: the polygon filled in [`band_stand_in`]`(k)`.
pub fn restore_band(svg: &mut String, k: usize, color: RGBColor, points: &str) {
    replace(svg, "fill", "<polygon", band_stand_in(k), color, points);
}

fn replace(svg: &mut String, attr: &str, tag: &str, from: RGBColor, color: RGBColor, points: &str) {
    let code = hex(from);
    let stroke = format!("{attr}=\"{code}\"");
    if let Some(at) = svg.find(&stroke).filter(|_| !points.is_empty()) {
        let start = svg[..at].rfind(tag).unwrap_or(at);
        let end = at + svg[at..].find("/>").unwrap_or(0);
        if let Some(p) = svg[start..end].find("points=\"") {
            let from = start + p + "points=\"".len();
            if let Some(len) = svg[from..end].find('"') {
                svg.replace_range(from..from + len, points);
            }
        }
    }
    *svg = svg.replace(&code, &hex(color));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_unrounded_and_the_colour_restored() {
        let f = Frame::of((10..111, 0..101), (0.0, 1.0), (1.0, 100.0), true);
        // x 0.5 → 10 + 100·0.5; y 10 is halfway up a log axis from 1 to 100: 100 − 50.
        assert_eq!(
            f.points(&[(0.5, 10.0), (0.5, 10.0), (1.0, 100.0)]),
            "60.00,50.00 110.00,0.00 "
        );
        let lin = Frame::of((0..4, 0..4), (0.0, 3.0), (0.0, 3.0), false);
        assert_eq!(lin.points(&[(1.0, 1.0 / 3.0)]), "1.00,2.67 ");
        let mut svg = format!(
            "<polyline fill=\"none\" stroke=\"{c}\" points=\"1,2 3,4 \"/>\n<polyline stroke=\"{c}\" points=\"7,7 9,7 \"/>",
            c = hex(stand_in(3))
        );
        restore(&mut svg, 3, RGBColor(0xE6, 0x9F, 0x00), "1.25,2.50 ");
        // A band's polygon, by its fill.
        let mut band = format!(
            "<polygon opacity=\"0.2\" fill=\"{}\" points=\"1,1 2,2 3,1 \"/>",
            hex(band_stand_in(0))
        );
        restore_band(
            &mut band,
            0,
            RGBColor(0x00, 0x72, 0xB2),
            "1.50,1.25 2.00,2.00 3.00,1.00 ",
        );
        assert_eq!(
            band,
            "<polygon opacity=\"0.2\" fill=\"#0072B2\" points=\"1.50,1.25 2.00,2.00 3.00,1.00 \"/>"
        );
        // A labelled curve with no point: its legend sample keeps its points.
        let mut legend_only = format!(
            "<polyline stroke=\"{}\" points=\"7,7 9,7 \"/>",
            hex(stand_in(4))
        );
        restore(&mut legend_only, 4, RGBColor(0, 0, 0), "");
        assert_eq!(
            legend_only,
            "<polyline stroke=\"#000000\" points=\"7,7 9,7 \"/>"
        );
        assert_eq!(
            svg,
            "<polyline fill=\"none\" stroke=\"#E69F00\" points=\"1.25,2.50 \"/>\n<polyline stroke=\"#E69F00\" points=\"7,7 9,7 \"/>"
        );
    }
}
