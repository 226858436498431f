//! `--figure stability`: the spectral radius ρ(β, η) of the runs' update operators over a grid
//! of momenta and step sizes as a heat map (the map of `saddle stability`, from the same
//! [`stability`] code), the ρ = 1 contour that bounds where the method converges, and each
//! run at its own (β, η), filled with the colour of the rate it measured.

use super::axis;
use super::drawing;
use super::style::{self, viridis, Size, FAMILY, SMALL, TEXT};
use crate::analysis::measured_rate;
use crate::error::{Error, Result};
use crate::run::metrics::{MetricsTable, DISTANCE_TO_EQUILIBRIUM, STEP};
use crate::run::spectrum::{stability, Limits, StabilityMap};
use crate::run::store::{RunDir, METRICS};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The grid of the maps.
#[derive(Clone, Debug)]
pub struct Grid {
    /// β values (columns).
    pub betas: Vec<f64>,
    /// η values (rows).
    pub etas: Vec<f64>,
    /// The β range asked for (LO, HI): where an axis has one value, its cell spans this range
    /// (when LO < HI), see [`Grid::axis`].
    pub beta_range: (f64, f64),
    /// The η range asked for, as `beta_range`.
    pub eta_range: (f64, f64),
}

/// A run on the map: where it is and the rate it measured.
#[derive(Clone, Debug)]
struct RunPoint {
    name: String,
    beta: f64,
    eta: f64,
    measured: Option<f64>,
}

/// A cell's (low, high) edges along one axis.
type Edges = (f64, f64);

impl Grid {
    /// One axis's values from `values`, N evenly spaced from LO to HI as `LO:HI:N` gives them
    /// (`range` = (LO, HI)): unchanged for N ≥ 2; for N = 1 the centre of the range, whose
    /// one cell then spans LO..HI (it was LO, HI ignored: `-0.5:0.5:1` drew -0.75..-0.25).
    pub fn axis(values: Vec<f64>, range: (f64, f64)) -> Vec<f64> {
        if values.len() == 1 {
            // Snapped as the grid's values are: a range around 0 gives 0, not 1e-17.
            vec![((0.5 * range.0 + 0.5 * range.1) * 1e12).round() / 1e12 + 0.0]
        } else {
            values
        }
    }

    /// The (β, η) cell edges of `map`, made on this grid.
    fn cells(&self, map: &StabilityMap) -> (Vec<Edges>, Vec<Edges>) {
        (
            edges(&map.betas, self.beta_range),
            edges(&map.etas, self.eta_range),
        )
    }

    /// The (β, η) ranges `map`'s cells cover, to the outer edges of its first and last
    /// cells, as [`axis::linear`] makes them tickable (a huge η overflowed them).
    fn extent(&self, map: &StabilityMap) -> ((f64, f64), (f64, f64)) {
        let (be, ee) = self.cells(map);
        (
            axis::linear((be[0].0, be[be.len() - 1].1)),
            axis::linear((ee[0].0, ee[ee.len() - 1].1)),
        )
    }
}

impl RunPoint {
    /// True when the run lies on `map`'s cells on `grid` (it is marked there).
    fn within(&self, map: &StabilityMap, grid: &Grid) -> bool {
        let ((x0, x1), (y0, y1)) = grid.extent(map);
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

/// The cell edges: half the spacing around each grid value; a single value's cell spans
/// `range` (the LO..HI asked for) when that is wider than a point.
fn edges(values: &[f64], range: (f64, f64)) -> Vec<(f64, f64)> {
    let n = values.len();
    if n == 1 && range.0 < range.1 {
        return vec![range];
    }
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
    grid: &Grid,
    points: &[RunPoint],
    lo: f64,
) -> Result<()> {
    let (be, ee) = grid.cells(map);
    let ((x0, x1), (y0, y1)) = grid.extent(map);
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
    let segments = contour(&map.betas, &map.etas, &map.rho);
    let mut labels = vec![];
    // The legend names the contour only where one is drawn (a grid of one row or column, or
    // ρ on one side of 1 everywhere, has none).
    if !segments.is_empty() {
        chart
            .draw_series(segments.iter().map(|s| PathElement::new(s.to_vec(), line)))
            .map_err(drawing)?
            .label("ρ = 1")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], line));
        labels.push("ρ = 1".to_string());
    }
    for p in points.iter().filter(|p| p.within(map, grid)) {
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
    if labels.is_empty() {
        return Ok(());
    }
    let busy = points
        .iter()
        .map(|p| (p.beta, p.eta))
        .chain(segments.into_iter().flat_map(|s| s.into_iter()));
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

/// The figure of `runs` (legend names `names`) over `grid`, as SVG, its maps computed within
/// `limits`; None when their budget was cancelled (Ctrl-C), with nothing said. Err (bad
/// input): no run has a map (Adam, a network, an operator too large), with each run's reason.
pub fn svg(
    runs: &[RunDir],
    names: &[String],
    grid: &Grid,
    limits: &Limits,
    size: Size,
) -> Result<Option<String>> {
    let configs: Vec<crate::run::RunConfig> =
        runs.iter().map(RunDir::config).collect::<Result<_>>()?;
    // Damaged tables are named before the maps are computed, not after.
    let rates: Vec<Option<f64>> = runs.iter().map(measured).collect::<Result<_>>()?;
    let s = stability(&configs, &grid.betas, &grid.etas, limits).map_err(Error::input)?;
    if limits.cancelled() {
        return Ok(None);
    }
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
            let ((x0, x1), (y0, y1)) = grid.extent(m);
            for p in points.iter().filter(|p| !p.within(m, grid)) {
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
            map_panel(area, m, grid, &points, lo)?;
        }
        colour_bar(&bar, lo)?;
        root.present().map_err(drawing)?;
    }
    Ok(Some(svg))
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
        assert_eq!(
            edges(&[0.0, 1.0], (0.0, 1.0)),
            vec![(-0.5, 0.5), (0.5, 1.5)]
        );
    }

    fn one_column_map(etas: Vec<f64>) -> StabilityMap {
        StabilityMap {
            method: "alternating".into(),
            beta_on: "both",
            runs: vec!["a".into()],
            betas: vec![0.0],
            rho: etas.iter().map(|e| vec![Some(0.5 + e)]).collect(),
            etas,
            note: None,
        }
    }

    #[test]
    fn a_one_point_axis_is_the_cell_centred_in_its_range() {
        // `--beta=-0.5:0.5:1`: the one β is 0 and its cell spans -0.5..0.5 (it was β = -0.5,
        // drawn -0.75..-0.25, and a run at β = 0 lay "outside the grid").
        let betas = Grid::axis(vec![-0.5], (-0.5, 0.5));
        assert_eq!(betas, vec![0.0]);
        let etas = Grid::axis(vec![0.1, 0.3, 0.5], (0.1, 0.5));
        assert_eq!(etas, vec![0.1, 0.3, 0.5]);
        let grid = Grid {
            betas,
            etas: etas.clone(),
            beta_range: (-0.5, 0.5),
            eta_range: (0.1, 0.5),
        };
        let map = one_column_map(etas);
        assert_eq!(grid.extent(&map).0, (-0.5, 0.5));
        let run = RunPoint {
            name: "a".into(),
            beta: 0.0,
            eta: 0.3,
            measured: None,
        };
        assert!(run.within(&map, &grid));
        // LO = HI: the point itself, its cell as wide as before.
        assert_eq!(Grid::axis(vec![0.2], (0.2, 0.2)), vec![0.2]);
        assert_eq!(edges(&[0.2], (0.2, 0.2)), vec![(0.1, 0.30000000000000004)]);
    }

    #[test]
    fn the_legend_names_the_contour_only_where_one_is_drawn() {
        let draw = |map: &StabilityMap, grid: &Grid| {
            style::register_font();
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (300, 240)).into_drawing_area();
                map_panel(&root, map, grid, &[], 0.0).unwrap();
                root.present().unwrap();
            }
            svg
        };
        // One column: ρ crosses 1 between rows, but marching squares has no cell to cross.
        let map = one_column_map(vec![0.1, 0.3, 0.7]);
        let mut grid = Grid {
            betas: map.betas.clone(),
            etas: map.etas.clone(),
            beta_range: (-0.5, 0.5),
            eta_range: (0.1, 0.7),
        };
        assert!(!draw(&map, &grid).contains("ρ = 1"));
        // Two columns with ρ passing 1: the contour and its entry.
        let mut two = map.clone();
        two.betas = vec![-0.5, 0.5];
        two.rho = vec![vec![Some(0.5), Some(1.5)]; 3];
        grid.betas = two.betas.clone();
        assert!(draw(&two, &grid).contains("ρ = 1"));
    }
}
