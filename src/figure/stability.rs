//! `--figure stability`: the spectral radius ρ(β, η) of the runs' update operators over a grid
//! of momenta and step sizes as a heat map (the map of `saddle stability`, from the same
//! [`stability`] code), the ρ = 1 contour that bounds where the method converges, and each
//! run at its own (β, η), filled with the colour of the rate it measured.

use super::drawing;
use super::style::{self, viridis, Size, FAMILY, SMALL, TEXT};
use crate::analysis::measured_rate;
use crate::error::{Error, Result};
use crate::run::metrics::{MetricsTable, DISTANCE_TO_EQUILIBRIUM, STEP};
use crate::run::spectrum::{stability, Limits, StabilityMap};
use crate::run::store::{RunDir, METRICS};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::time::Duration;

/// The grid and the time the maps may take.
#[derive(Clone, Debug)]
pub struct Grid {
    /// β values (columns).
    pub betas: Vec<f64>,
    /// η values (rows).
    pub etas: Vec<f64>,
    /// Seconds all maps may take together.
    pub budget: u64,
}

/// A run on the map: where it is and the rate it measured.
#[derive(Clone, Debug)]
struct RunPoint {
    name: String,
    beta: f64,
    eta: f64,
    measured: Option<f64>,
}

/// The (β, η) ranges a map's cells cover, to the outer edges of its first and last cells.
fn extent(map: &StabilityMap) -> ((f64, f64), (f64, f64)) {
    let (be, ee) = (edges(&map.betas), edges(&map.etas));
    ((be[0].0, be[be.len() - 1].1), (ee[0].0, ee[ee.len() - 1].1))
}

impl RunPoint {
    /// True when the run lies on `map`'s cells (it is marked there).
    fn within(&self, map: &StabilityMap) -> bool {
        let ((x0, x1), (y0, y1)) = extent(map);
        (x0..=x1).contains(&self.beta) && (y0..=y1).contains(&self.eta)
    }
}

/// The fitted per-iteration rate of ‖ω_t − ω*‖ of a run (as `saddle spectrum` fits it); None
/// before its first row or without a distance. A damaged table is an error naming its line,
/// not a rate left off the map without a word.
fn measured(dir: &RunDir) -> Result<Option<f64>> {
    let path = dir.file(METRICS);
    if !path.exists() {
        return Ok(None);
    }
    let t = MetricsTable::read(&path)?;
    let (Some(ti), Some(di)) = (t.column(STEP), t.column(DISTANCE_TO_EQUILIBRIUM)) else {
        return Ok(None);
    };
    let (ts, ds): (Vec<f64>, Vec<f64>) =
        t.rows.iter().filter_map(|r| Some((r[ti]?, r[di]?))).unzip();
    Ok(measured_rate(&ts, &ds, 0.3))
}

/// Segments of the level-1 contour of `rho` (rows η, columns β), by marching squares over the
/// cell centres with linear interpolation on the edges.
pub fn contour(betas: &[f64], etas: &[f64], rho: &[Vec<Option<f64>>]) -> Vec<[(f64, f64); 2]> {
    let mut segments = vec![];
    for i in 0..etas.len().saturating_sub(1) {
        for j in 0..betas.len().saturating_sub(1) {
            let corners = [(i, j), (i, j + 1), (i + 1, j + 1), (i + 1, j)];
            let v: Vec<Option<f64>> = corners.iter().map(|&(a, b)| rho[a][b]).collect();
            if v.iter().any(|x| x.is_none_or(|x| !x.is_finite())) {
                continue;
            }
            let v: Vec<f64> = v.into_iter().map(|x| x.unwrap_or(0.0) - 1.0).collect();
            let mut crossings = vec![];
            for e in 0..4 {
                let (a, b) = (e, (e + 1) % 4);
                if (v[a] < 0.0) != (v[b] < 0.0) {
                    let t = v[a] / (v[a] - v[b]);
                    let (pa, pb) = (corners[a], corners[b]);
                    let lerp = |x: f64, y: f64| x + t * (y - x);
                    crossings.push((lerp(betas[pa.1], betas[pb.1]), lerp(etas[pa.0], etas[pb.0])));
                }
            }
            for pair in crossings.chunks_exact(2) {
                segments.push([pair[0], pair[1]]);
            }
        }
    }
    segments
}

/// Half the spacing around each grid value: the cell edges.
fn edges(values: &[f64]) -> Vec<(f64, f64)> {
    let n = values.len();
    (0..n)
        .map(|k| {
            let below = if k > 0 {
                0.5 * (values[k] - values[k - 1])
            } else if n > 1 {
                0.5 * (values[1] - values[0])
            } else {
                0.5 * values[0].abs().max(0.05)
            };
            let above = if k + 1 < n {
                0.5 * (values[k + 1] - values[k])
            } else {
                below
            };
            (values[k] - below, values[k] + above)
        })
        .collect()
}

const DIVERGES: RGBColor = RGBColor(225, 225, 225);

/// The colour of a cell: viridis over [`lo`, 1) where the method converges, light gray where
/// ρ ≥ 1, white where ρ is unknown.
fn cell_color(rho: Option<f64>, lo: f64) -> RGBColor {
    match rho {
        Some(r) if r.is_finite() && r < 1.0 - 1e-9 => viridis((r - lo) / (1.0 - lo).max(1e-12)),
        Some(_) => DIVERGES,
        None => WHITE,
    }
}

fn map_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    map: &StabilityMap,
    points: &[RunPoint],
    lo: f64,
) -> Result<()> {
    let (be, ee) = (edges(&map.betas), edges(&map.etas));
    let ((x0, x1), (y0, y1)) = extent(map);
    let on = match map.beta_on {
        "theta" => "θ",
        "phi" => "φ",
        _ => "θ and φ",
    };
    let caption = format!("{}, β on {on}", map.method.replace("+heavy-ball", " + HB"));
    let mut chart = ChartBuilder::on(area)
        .margin(6)
        .caption(caption, (FAMILY, SMALL))
        .x_label_area_size(32)
        .y_label_area_size(42)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(drawing)?;
    style::draw_plain_axes(&mut chart, "momentum β", "step size η")?;
    let mut cells = vec![];
    for (i, row) in map.rho.iter().enumerate() {
        for (j, r) in row.iter().enumerate() {
            let corners = [(be[j].0, ee[i].0), (be[j].1, ee[i].1)];
            let c = cell_color(*r, lo);
            // Filled and outlined in its own colour: no anti-aliased seam between cells.
            cells.push(Rectangle::new(corners, c.filled()));
            cells.push(Rectangle::new(corners, c.stroke_width(1)));
        }
    }
    chart.draw_series(cells).map_err(drawing)?;
    let line = BLACK.stroke_width(2);
    chart
        .draw_series(
            contour(&map.betas, &map.etas, &map.rho)
                .into_iter()
                .map(|s| PathElement::new(s.to_vec(), line)),
        )
        .map_err(drawing)?
        .label("ρ = 1")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], line));
    let mut labels = vec!["ρ = 1".to_string()];
    for p in points.iter().filter(|p| p.within(map)) {
        let fill = match p.measured {
            Some(m) if m < 1.0 => viridis((m - lo) / (1.0 - lo).max(1e-12)),
            _ => WHITE,
        };
        let text = match p.measured {
            Some(m) => format!("{} (measured {})", p.name, style::tick(m)),
            None => format!("{} (no rate)", p.name),
        };
        labels.push(text.clone());
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((p.beta, p.eta))
                    + Circle::new((0, 0), 4, fill.filled())
                    + Circle::new((0, 0), 4, BLACK.stroke_width(1)),
            ))
            .map_err(drawing)?
            .label(text)
            .legend(move |(x, y)| {
                EmptyElement::at((x + 7, y))
                    + Circle::new((0, 0), 4, fill.filled())
                    + Circle::new((0, 0), 4, BLACK.stroke_width(1))
            });
    }
    let busy = points.iter().map(|p| (p.beta, p.eta)).chain(
        contour(&map.betas, &map.etas, &map.rho)
            .into_iter()
            .flat_map(|s| s.into_iter()),
    );
    chart
        .configure_series_labels()
        .label_font((FAMILY, SMALL))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position({
            // The plot inside the label areas (42 and 32 pixels), margins and caption.
            let (w, h) = area.dim_in_pixel();
            let plot = (w as f64 - 54.0, h as f64 - 62.0);
            let legend = style::legend_box(labels.iter().map(String::as_str), plot);
            style::quiet_corner(busy, (x0, x1), (y0, y1), false, legend).0
        })
        .draw()
        .map_err(drawing)?;
    Ok(())
}

/// The colour bar of ρ on [`lo`, 1), with the gray of ρ ≥ 1 on top.
fn colour_bar<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, lo: f64) -> Result<()> {
    let top = 1.0 + 0.08 * (1.0 - lo);
    let mut chart = ChartBuilder::on(area)
        .margin_top(6)
        .margin_bottom(6 + 32)
        .margin_right(4)
        .caption("ρ", (FAMILY, TEXT))
        .y_label_area_size(0)
        .right_y_label_area_size(30)
        .build_cartesian_2d(0.0..1.0, lo..top)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .label_style((FAMILY, SMALL))
        .y_label_formatter(&|v| style::tick(*v))
        .y_labels(5)
        .draw()
        .map_err(drawing)?;
    let n = 64;
    chart
        .draw_series((0..n).map(|k| {
            let a = lo + (1.0 - lo) * k as f64 / n as f64;
            let b = lo + (1.0 - lo) * (k + 1) as f64 / n as f64;
            Rectangle::new(
                [(0.0, a), (1.0, b)],
                viridis((a - lo) / (1.0 - lo)).filled(),
            )
        }))
        .map_err(drawing)?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, 1.0), (1.0, top)],
            DIVERGES.filled(),
        )))
        .map_err(drawing)?;
    Ok(())
}

/// The figure of `runs` (legend names `names`) over `grid`, as SVG. Err (bad input): no run
/// has a map (Adam, a network, an operator too large), with each run's reason.
pub fn svg(runs: &[RunDir], names: &[String], grid: &Grid, size: Size) -> Result<String> {
    let configs: Vec<crate::run::RunConfig> =
        runs.iter().map(RunDir::config).collect::<Result<_>>()?;
    let cells = (grid.betas.len() * grid.etas.len()).max(1) as f64;
    let limits = Limits::new(
        Duration::from_secs_f64((grid.budget.max(1) as f64 / cells).min(30.0)),
        Duration::from_secs(grid.budget.max(1)),
    );
    // Damaged tables are named before the maps are computed, not after.
    let rates: Vec<Option<f64>> = runs.iter().map(measured).collect::<Result<_>>()?;
    let s = stability(&configs, &grid.betas, &grid.etas, &limits).map_err(Error::input)?;
    for why in &s.skipped {
        eprintln!("saddle: skipped {why}");
    }
    if s.maps.is_empty() {
        return Err(Error::input(format!(
            "no stability map for these runs: {}",
            s.skipped.join("; ")
        )));
    }
    for m in &s.maps {
        if let Some(n) = &m.note {
            eprintln!("saddle: {}: {n}", m.method);
        }
    }
    let lo = s
        .maps
        .iter()
        .flat_map(|m| m.rho.iter().flatten().flatten())
        .copied()
        .filter(|r| r.is_finite() && *r < 1.0 - 1e-9)
        .fold(1.0f64, f64::min)
        .min(0.999);
    let lo = (lo - 0.02 * (1.0 - lo)).max(0.0);
    let point = |k: usize, m: &StabilityMap| -> Option<RunPoint> {
        let c = &configs[k];
        if !m.runs.contains(&c.name) {
            return None;
        }
        let b = c.beta.0;
        let beta = match m.beta_on {
            "phi" => b.phi,
            _ => b.theta,
        };
        Some(RunPoint {
            name: names[k].clone(),
            beta,
            eta: c.eta.0.theta,
            measured: rates[k],
        })
    };
    style::register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size.units()).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let (maps_area, bar) = root.split_horizontally(size.units().0 - 44);
        let panels = maps_area.split_evenly((1, s.maps.len()));
        for (m, area) in s.maps.iter().zip(&panels) {
            let points: Vec<RunPoint> = (0..configs.len()).filter_map(|k| point(k, m)).collect();
            // A run off the grid is not marked; said, not left out without a word.
            let ((x0, x1), (y0, y1)) = extent(m);
            for p in points.iter().filter(|p| !p.within(m)) {
                eprintln!(
                    "saddle: warning: run {} (β = {}, η = {}) lies outside the {} map's grid \
                     (β {}…{}, η {}…{}): not marked",
                    p.name,
                    p.beta,
                    p.eta,
                    m.method,
                    style::tick(x0),
                    style::tick(x1),
                    style::tick(y0),
                    style::tick(y1)
                );
            }
            map_panel(area, m, &points, lo)?;
        }
        colour_bar(&bar, lo)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contour_crosses_where_rho_passes_one() {
        // ρ grows with β: below 1 in column 0, above in column 1.
        let rho = vec![vec![Some(0.5), Some(1.5)], vec![Some(0.5), Some(1.5)]];
        let s = contour(&[0.0, 1.0], &[0.1, 0.2], &rho);
        assert_eq!(s.len(), 1);
        for p in s[0] {
            assert!((p.0 - 0.5).abs() < 1e-12, "{p:?}");
        }
        let missing = vec![vec![None, Some(1.5)], vec![Some(0.5), Some(1.5)]];
        assert!(contour(&[0.0, 1.0], &[0.1, 0.2], &missing).is_empty());
        assert_eq!(edges(&[0.0, 1.0]), vec![(-0.5, 0.5), (0.5, 1.5)]);
    }
}
