//! `--figure plane`: the data plane of a GAN on 2-D data at a chosen step — the
//! discriminator's decision map P(real) = σ(D(x)) as a diverging heat map, the generator's
//! points, and the real modes — from the run's `samples/plane-<step>.json` (the file the
//! dashboard's data-plane pane draws).

use super::axis;
use super::drawing;
use super::style::{self, diverging, Size, FAMILY, SMALL, TEXT};
use crate::error::{Error, Result};
use crate::run::plane::{self, DataPlane};
use crate::run::sample_files::pick;
use crate::run::store::RunDir;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The plane of `dir` at `step` (the newest at or before it; the newest when None). Err (bad
/// input): the run has none, and why.
pub fn load(dir: &RunDir, step: Option<u64>) -> Result<DataPlane> {
    let steps = plane::steps(dir);
    let Some(at) = pick(&steps, step) else {
        let why = match dir.config().map(|c| (c.game.clone(), c.sample_every)) {
            Ok((crate::setup::GameConfig::MixtureGan(_), None)) => {
                "it was run without sample_every: set it when starting the run (e.g. `--set sample_every=500`)".to_string()
            }
            Ok((crate::setup::GameConfig::MixtureGan(_), Some(_))) => {
                "it has not reached its first sample yet".to_string()
            }
            _ => "only mixture-of-Gaussians GANs (game MixtureGan) draw a data plane".to_string(),
        };
        return Err(Error::input(format!(
            "run {}: no data plane in samples/: {why}",
            dir.id()
        )));
    };
    plane::read(dir, at).map_err(Error::input)
}

fn colour_bar<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Result<()> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(6 + 16)
        .margin_bottom(6 + 32)
        .margin_right(4)
        .right_y_label_area_size(30)
        .build_cartesian_2d(0.0..1.0, 0.0..1.0)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc("P(real) = σ(D(x))")
        .axis_desc_style((FAMILY, TEXT))
        .label_style((FAMILY, SMALL))
        .y_label_formatter(&|v| style::tick(*v))
        .y_labels(3)
        .draw()
        .map_err(drawing)?;
    let n = 64;
    chart
        .draw_series((0..n).map(|k| {
            let (a, b) = (k as f64 / n as f64, (k + 1) as f64 / n as f64);
            Rectangle::new([(0.0, a), (1.0, b)], diverging(a).filled())
        }))
        .map_err(drawing)?;
    Ok(())
}

/// The figure of the plane as SVG, titled with `name`.
pub fn svg(name: &str, p: &DataPlane, size: Size) -> Result<String> {
    p.check().map_err(Error::input)?;
    style::register_font();
    let (w, h) = size.units();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        // A square plot (the window keeps its aspect) plus the labels and the colour bar.
        let plot = h.saturating_sub(16 + 32 + 12);
        let side = (plot + 42 + 12).min(w.saturating_sub(60));
        let left_pad = (w.saturating_sub(side + 60)) / 2;
        let (_, rest) = root.split_horizontally(left_pad);
        let (main, rest) = rest.split_horizontally(side);
        let (bar, _) = rest.split_horizontally(60);
        // A window from a damaged file can span past f64::MAX (plotters' ticks never ended).
        let (x0, x1) = axis::linear((p.x[0], p.x[1]));
        let (y0, y1) = axis::linear((p.y[0], p.y[1]));
        let outside = p
            .generated
            .chunks_exact(2)
            .filter(|q| {
                let (x, y) = (q[0] as f64, q[1] as f64);
                !(x.is_finite()
                    && y.is_finite()
                    && (x0..=x1).contains(&x)
                    && (y0..=y1).contains(&y))
            })
            .count();
        // The key is in the caption: a legend box would hide modes or points in any corner.
        let caption = if outside > 0 {
            format!(
                "{name}, step {}: × modes, • G(z) ({outside} outside)",
                p.step
            )
        } else {
            format!("{name}, step {}: × modes, • G(z)", p.step)
        };
        let mut chart = ChartBuilder::on(&main)
            .margin(6)
            .caption(caption, (FAMILY, TEXT))
            .x_label_area_size(32)
            .y_label_area_size(42)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(drawing)?;
        style::draw_plain_axes(&mut chart, "x₁", "x₂")?;
        let n = p.side;
        let (dx, dy) = ((x1 - x0) / n as f64, (y1 - y0) / n as f64);
        let mut cells = vec![];
        for j in 0..n {
            for i in 0..n {
                let prob = p.probability(i, j);
                let color = if prob.is_finite() {
                    diverging(prob)
                } else {
                    RGBColor(160, 160, 160)
                };
                let (cx, cy) = (x0 + i as f64 * dx, y0 + j as f64 * dy);
                // Filled and outlined in its own colour: no anti-aliased seam between cells.
                let corners = [(cx, cy), (cx + dx, cy + dy)];
                cells.push(Rectangle::new(corners, color.filled()));
                cells.push(Rectangle::new(corners, color.stroke_width(1)));
            }
        }
        chart.draw_series(cells).map_err(drawing)?;
        let dot = RGBColor(40, 40, 40);
        chart
            .draw_series(
                p.generated
                    .chunks_exact(2)
                    .map(|q| (q[0] as f64, q[1] as f64))
                    .filter(|(x, y)| (x0..=x1).contains(x) && (y0..=y1).contains(y))
                    .map(|c| Circle::new(c, 1, dot.filled())),
            )
            .map_err(drawing)?;
        let mode = BLACK.stroke_width(2);
        chart
            .draw_series(p.modes.iter().map(|m| Cross::new((m[0], m[1]), 4, mode)))
            .map_err(drawing)?;
        colour_bar(&bar)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_spanning_past_the_float_limit_is_drawn_in_finite_time() {
        // A damaged file's window: finite ends, but a span of ∞ (plotters' ticks never ended).
        let p = DataPlane {
            step: 7,
            x: [-f64::MAX, f64::MAX],
            y: [-1.0, 1.0],
            side: 2,
            logits: vec![0.0; 4],
            generated: vec![0.0, 0.5],
            modes: vec![[0.0, 0.0]],
            std: 0.1,
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(svg("run", &p, Size::OneColumn));
        });
        let drawn = rx.recv_timeout(std::time::Duration::from_secs(20));
        let svg = drawn.expect("the figure was never finished").unwrap();
        assert!(svg.contains("step 7"), "{svg}");
    }
}
