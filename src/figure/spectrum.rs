//! `--figure spectrum`: the eigenvalues of the game's Jacobian J (left) and of the method's
//! update operator with the unit circle (right) in the complex plane, at a chosen step, from
//! the runs' `spectrum.jsonl` — what `saddle spectrum` and the spectral pane show, as the engine
//! recorded it every `spectral_every` iterations.

use super::axis;
use super::drawing;
use super::style::{self, series_color, Size, FAMILY, SMALL, TEXT};
use crate::error::{Error, Result};
use crate::run::sample_files::pick;
use crate::run::spectrum_record::SpectrumRecord;
use crate::run::store::RunDir;
use nalgebra::Complex;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One run's eigenvalues in a panel: its legend name, colour and points (re, im).
type RunPoints = (String, RGBColor, Vec<(f64, f64)>);

/// One run's record at the chosen step.
struct Picked {
    name: String,
    record: SpectrumRecord,
}

/// The record of `dir` at `step` (the newest at or before it; the newest when None). Err (bad
/// input): the run has none, and how to get them.
fn record(dir: &RunDir, step: Option<u64>) -> Result<SpectrumRecord> {
    // A damaged line is named (FILE:LINE, exit 2), not a spectrum left out without a word.
    let records = dir.records_checked::<SpectrumRecord>()?;
    let steps: Vec<u64> = records.iter().map(|r| r.step).collect();
    let Some(at) = pick(&steps, step) else {
        return Err(Error::input(format!(
            "run {}: no spectrum recorded: set spectral_every when starting it (e.g. `saddle run PRESET --set spectral_every=100`); `saddle spectrum RUN` computes one at its newest checkpoint",
            dir.id()
        )));
    };
    let r = records
        .into_iter()
        .rfind(|r| r.step == at)
        .expect("a picked step has a record");
    if r.jacobian
        .iter()
        .all(|z| !(z.re.is_finite() && z.im.is_finite()))
    {
        return Err(Error::input(format!(
            "run {}: the spectrum at step {at} has no eigenvalues of J{}",
            dir.id(),
            r.note.as_ref().map_or(String::new(), |n| format!(" ({n})"))
        )));
    }
    Ok(r)
}

/// (x range, y range) holding `points` and `always`, padded, with x-span / y-span = `aspect`.
fn square_ranges(points: &[(f64, f64)], always: f64, aspect: f64) -> ((f64, f64), (f64, f64)) {
    let (mut x0, mut x1, mut y0, mut y1) = (-always, always, -always, always);
    for &(x, y) in points {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let (cx, cy) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
    let (mut w, mut h) = ((x1 - x0).max(1e-9) * 1.12, (y1 - y0).max(1e-9) * 1.12);
    if w / h < aspect {
        w = h * aspect;
    } else {
        h = w / aspect;
    }
    // Eigenvalues near the limits, or an extreme aspect, can overflow the padded ranges.
    (
        axis::linear((cx - w / 2.0, cx + w / 2.0)),
        axis::linear((cy - h / 2.0, cy + h / 2.0)),
    )
}

/// The eigenvalues a panel can draw: finite and within ±[`axis::LIMIT`].
fn finite(z: &[Complex<f64>]) -> Vec<(f64, f64)> {
    z.iter()
        .filter(|z| axis::drawable(z.re, false) && axis::drawable(z.im, false))
        .map(|z| (z.re, z.im))
        .collect()
}

/// Margins of a panel, in SVG units: (left label area, bottom label area, caption, margin).
const LEFT: u32 = 42;
const BOTTOM: u32 = 32;
const CAPTION: u32 = 16;
const MARGIN: u32 = 6;

/// One panel: every run's eigenvalues as `marker`, the unit circle when `circle`.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    runs: &[RunPoints],
    circle: bool,
    cross: bool,
    note: Option<&str>,
    legend: bool,
) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    let plot_w = w.saturating_sub(LEFT + 2 * MARGIN).max(10) as f64;
    let plot_h = h.saturating_sub(BOTTOM + CAPTION + 2 * MARGIN).max(10) as f64;
    let all: Vec<(f64, f64)> = runs.iter().flat_map(|r| r.2.iter().copied()).collect();
    let ((x0, x1), (y0, y1)) = square_ranges(&all, if circle { 1.0 } else { 0.0 }, plot_w / plot_h);
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .caption(caption, (FAMILY, TEXT))
        .x_label_area_size(BOTTOM)
        .y_label_area_size(LEFT)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .x_desc("Re λ")
        .y_desc("Im λ")
        .axis_desc_style((FAMILY, TEXT))
        .label_style((FAMILY, SMALL))
        .x_label_formatter(&|v| style::tick_on(*v, x1 - x0))
        .y_label_formatter(&|v| style::tick_on(*v, y1 - y0))
        .x_labels(5)
        .y_labels(5)
        .bold_line_style(BLACK.mix(0.08))
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(drawing)?;
    // The axes through 0, faint.
    let axis = BLACK.mix(0.35).stroke_width(1);
    chart
        .draw_series([
            PathElement::new(vec![(x0, 0.0), (x1, 0.0)], axis),
            PathElement::new(vec![(0.0, y0), (0.0, y1)], axis),
        ])
        .map_err(drawing)?;
    if circle {
        let pts: Vec<(f64, f64)> = (0..=240)
            .map(|k| {
                let t = k as f64 / 240.0 * std::f64::consts::TAU;
                (t.cos(), t.sin())
            })
            .collect();
        chart
            .draw_series(DashedLineSeries::new(pts, 4, 3, BLACK.stroke_width(1)))
            .map_err(drawing)?
            .label("|λ| = 1")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], BLACK.stroke_width(1)));
    }
    for (name, color, pts) in runs {
        let c = *color;
        let s = if cross {
            chart
                .draw_series(
                    pts.iter()
                        .map(|p| Cross::new(*p, 3, c.stroke_width(1)).into_dyn()),
                )
                .map_err(drawing)?
        } else {
            chart
                .draw_series(
                    pts.iter()
                        .map(|p| Circle::new(*p, 3, c.stroke_width(1)).into_dyn()),
                )
                .map_err(drawing)?
        };
        s.label(name.as_str()).legend(move |(x, y)| {
            if cross {
                Cross::new((x + 7, y), 3, c.stroke_width(1)).into_dyn()
            } else {
                Circle::new((x + 7, y), 3, c.stroke_width(1)).into_dyn()
            }
        });
    }
    if let Some(note) = note {
        let font = (FAMILY, SMALL).into_font();
        let top = CAPTION as i32 + MARGIN as i32 + 10;
        // As many lines as the panel holds above its tick labels, on white: a network's note
        // ran over the axes and past the figure's bottom.
        let room = ((area.dim_in_pixel().1 as i32 - top - 40) / 12).max(1) as usize;
        let lines = note_lines(note, (plot_w / 5.0) as usize, room);
        let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as i32 * 6;
        area.draw(&Rectangle::new(
            [
                (LEFT as i32 + 8, top - 10),
                (LEFT as i32 + 16 + width, top + 12 * lines.len() as i32 - 4),
            ],
            WHITE.mix(0.9).filled(),
        ))
        .map_err(drawing)?;
        for (k, line) in lines.into_iter().enumerate() {
            let y = top + 12 * k as i32;
            area.draw(&Text::new(line, (LEFT as i32 + 12, y), font.clone()))
                .map_err(drawing)?;
        }
    }
    if !legend {
        return Ok(());
    }
    let labels: Vec<String> = circle
        .then(|| "|λ| = 1".to_string())
        .into_iter()
        .chain(runs.iter().map(|r| r.0.clone()))
        .collect();
    chart
        .configure_series_labels()
        .label_font((FAMILY, SMALL))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(
            style::quiet_corner(
                all.iter().copied(),
                (x0, x1),
                (y0, y1),
                false,
                style::legend_box(labels.iter().map(String::as_str), (plot_w, plot_h)),
            )
            .0,
        )
        .draw()
        .map_err(drawing)?;
    Ok(())
}

/// `text` in lines of at most `width` characters, broken at spaces.
/// `note` wrapped at `width` characters in at most `room` lines, the last saying where the
/// rest is when it is cut.
fn note_lines(note: &str, width: usize, room: usize) -> Vec<String> {
    let mut lines = wrap(note, width);
    if lines.len() > room {
        lines.truncate(room.max(1));
        if let Some(last) = lines.last_mut() {
            last.push_str(" … (the whole note: saddle spectrum RUN)");
        }
    }
    lines
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

/// The figure of `runs` (legend names `names`) at `step`, as SVG.
pub fn svg(runs: &[RunDir], names: &[String], step: Option<u64>, size: Size) -> Result<String> {
    let picked: Vec<Picked> = runs
        .iter()
        .zip(names)
        .map(|(d, n)| {
            Ok(Picked {
                name: n.clone(),
                record: record(d, step)?,
            })
        })
        .collect::<Result<_>>()?;
    let steps: std::collections::BTreeSet<u64> = picked.iter().map(|p| p.record.step).collect();
    let at = if steps.len() == 1 {
        format!("step {}", steps.iter().next().unwrap_or(&0))
    } else {
        format!(
            "steps {}",
            steps
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let j: Vec<RunPoints> = picked
        .iter()
        .enumerate()
        .map(|(k, p)| (p.name.clone(), series_color(k), finite(&p.record.jacobian)))
        .collect();
    let op: Vec<RunPoints> = picked
        .iter()
        .enumerate()
        .filter_map(|(k, p)| {
            let z = p.record.operator.as_ref()?;
            let rho = p
                .record
                .spectral_radius
                .map_or(String::new(), |r| format!(" (ρ = {})", style::tick(r)));
            Some((format!("{}{rho}", p.name), series_color(k), finite(z)))
        })
        .collect();
    let missing: Vec<String> = picked
        .iter()
        .filter(|p| p.record.operator.is_none())
        .map(|p| {
            format!(
                "{}: no update operator{}",
                p.name,
                p.record
                    .note
                    .as_ref()
                    .map_or(String::new(), |n| format!(" ({n})"))
            )
        })
        .collect();
    style::register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size.units()).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let (left, right) = root.split_horizontally(size.units().0 / 2);
        panel(
            &left,
            &format!("eigenvalues of J, {at}"),
            &j,
            false,
            false,
            None,
            // The operator's legend names the runs in the same colours; a second legend here
            // would hide eigenvalues on the imaginary axis.
            op.is_empty(),
        )?;
        let note = (!missing.is_empty()).then(|| missing.join("; "));
        panel(
            &right,
            "update operator",
            &op,
            true,
            true,
            note.as_deref(),
            !op.is_empty(),
        )?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_hold_the_points_and_keep_the_aspect() {
        let ((x0, x1), (y0, y1)) = square_ranges(&[(3.0, 0.5)], 1.0, 2.0);
        assert!(x0 <= -1.0 && x1 >= 3.0 && y0 <= -1.0 && y1 >= 1.0);
        assert!(((x1 - x0) / (y1 - y0) - 2.0).abs() < 1e-9);
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(note_lines("a bb ccc dddd", 6, 5).len(), 3);
        let cut = note_lines("a bb ccc dddd", 6, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].starts_with("ccc …"), "{cut:?}");
    }

    #[test]
    fn eigenvalues_near_the_float_limit_are_left_out_and_ranges_stay_finite() {
        // An eigenvalue at ±f64::MAX made the range's span ∞ (plotters' ticks never ended).
        let z = [
            Complex::new(f64::MAX, 0.0),
            Complex::new(-1e308, 1.0),
            Complex::new(0.5, -0.5),
        ];
        assert_eq!(finite(&z), vec![(0.5, -0.5)]);
        let ((x0, x1), (y0, y1)) = square_ranges(&[(-1e300, -1e300), (1e300, 1e300)], 1.0, 3.0);
        for span in [x1 - x0, y1 - y0] {
            assert!(span.is_finite() && span > 0.0, "{span}");
        }
    }
}
