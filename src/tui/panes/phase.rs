//! The plane pane. For a toy game, the phase portrait: the flow −F of the game on the
//! (θ₀, φ₀) plane as arrows, every run's trajectory (from the `theta_0`, `phi_0` metrics
//! columns) and its current point. For a GAN on a 2-D mixture of Gaussians, the data plane
//! ([`crate::run::plane`], drawn by [`crate::tui::plane_view`]): the discriminator's decision
//! map, the real modes and the generated points at the time cursor's step (`<` `>`).
//!
//! For games with more than two coordinates this is a slice: the other coordinates sit at the
//! equilibrium ω* (or at the start ω₀ when ω* is unknown), and trajectories are projections.
//! The field is computed once per game and window, not per frame.

use super::samples::{missing, time_line};
use super::{Pane, Place, Reads};
use crate::game::{Sample, ToyGame};
use crate::neural::mixture::Mixture;
use crate::players::Players;
use crate::run::metrics::{PHI_0, THETA_0};
use crate::run::RunConfig;
use crate::setup::GameConfig;
use crate::tui::app::App;
use crate::tui::kinds::GameKind;
use crate::tui::model::RunData;
use crate::tui::plane_view;
use crate::tui::plot::{nice_bounds, Plot, Polyline};
use crate::tui::series::XAxis;
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

/// Field samples per axis; the pane draws a subset sized to its area.
const GRID: usize = 48;
/// Games with more coordinates than this get no field (building them costs too much here).
const MAX_DIM: usize = 512;

/// The sampled vector field of one game on one window.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseField {
    key: String,
    /// [θ₀ range, φ₀ range].
    pub bounds: [[f64; 2]; 2],
    /// (point, flow direction −F) on a `GRID`×`GRID` grid (index i·GRID + j for θ₀ cell i
    /// and φ₀ cell j); direction zero at fixed points.
    pub arrows: Vec<((f64, f64), (f64, f64))>,
    /// (θ₀, φ₀) of the equilibrium, if known.
    pub equilibrium: Option<(f64, f64)>,
    /// (θ₀, φ₀) of the start.
    pub start: (f64, f64),
    /// What the slice is, or why there is no field.
    pub note: String,
}

fn game_key(cfg: &RunConfig) -> String {
    format!("{:?}/{}", cfg.game, cfg.seed)
}

fn trajectory(run: &RunData) -> Vec<(f64, f64)> {
    let (Some(t), Some(p)) = (run.column(THETA_0), run.column(PHI_0)) else {
        return vec![];
    };
    let ts = run.series.view(t, XAxis::Step, 4096);
    let ps = run.series.view(p, XAxis::Step, 4096);
    ts.iter()
        .zip(&ps)
        .map(|(a, b)| (a.last, b.last))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect()
}

/// Coordinates of the game, read from its config without building it; games whose matrices
/// would be too large to build in the dashboard count as [`usize::MAX`].
fn approx_dim(cfg: &RunConfig) -> usize {
    cfg.game.coordinates()
}

impl PhaseField {
    /// True when this field belongs to `cfg`'s game.
    pub fn is_game(&self, cfg: &RunConfig) -> bool {
        self.key == game_key(cfg)
    }

    /// The field of `cfg`'s game: its start and equilibrium, sampled on the window around
    /// them; games too large to build here get trajectories only.
    pub fn for_game(cfg: &RunConfig, runs: &[RunData]) -> PhaseField {
        let dim = approx_dim(cfg);
        let mut field = PhaseField {
            key: game_key(cfg),
            bounds: [[-1.0, 1.0]; 2],
            arrows: vec![],
            equilibrium: None,
            start: (0.0, 0.0),
            note: String::new(),
        };
        if dim > MAX_DIM {
            field.note = "game too large to sample here: trajectories only".to_string();
            if let Some(p) = runs.iter().find_map(|r| trajectory(r).first().copied()) {
                field.start = p;
            }
        } else {
            match cfg.game.build(cfg.seed) {
                Ok(g) => {
                    (field.start, field.equilibrium) = reference_points(&g);
                    let reference = if field.equilibrium.is_some() {
                        "ω*"
                    } else {
                        "ω₀"
                    };
                    field.note = if dim > 2 {
                        format!("slice of {dim} coordinates, others at {reference}; flow −F")
                    } else {
                        "flow −F".into()
                    };
                }
                Err(e) => field.note = format!("game: {e}"),
            }
        }
        let b = field.window(runs);
        field.resample(cfg, b);
        field
    }

    /// The window: the start, the equilibrium, and every trajectory point within twice a
    /// radius r0 of the reference point (the equilibrium, or the start for a game without
    /// one) — so a diverging run does not shrink the others to a dot — rounded out to a 1-2-5
    /// grid so it changes rarely. r0 is the start's distance from the equilibrium; where that
    /// is zero (no equilibrium, or a start on it), the median over runs of how far each went
    /// from the reference, so the runs' paths fill the window.
    pub fn window(&self, runs: &[RunData]) -> [[f64; 2]; 2] {
        let start = self.start;
        let reference = self.equilibrium.unwrap_or(start);
        let dist =
            |(x, y): (f64, f64)| ((x - reference.0).powi(2) + (y - reference.1).powi(2)).sqrt();
        let paths: Vec<Vec<(f64, f64)>> = runs.iter().map(trajectory).collect();
        let mut r0 = dist(start);
        if r0 < 1e-12 {
            let mut reach: Vec<f64> = paths
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| p.iter().map(|&q| dist(q)).fold(0.0, f64::max))
                .collect();
            reach.sort_by(f64::total_cmp);
            r0 = reach.get(reach.len() / 2).copied().unwrap_or(0.0);
        }
        let r0 = r0.max(1e-3);
        let mut xs = vec![start.0, reference.0];
        let mut ys = vec![start.1, reference.1];
        for &(x, y) in paths.iter().flatten() {
            if dist((x, y)) <= 2.0 * r0 {
                xs.push(x);
                ys.push(y);
            }
        }
        let span = |v: &[f64]| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let pad = 0.1 * (hi - lo).max(r0);
            nice_bounds(lo - pad, hi + pad, false)
        };
        [span(&xs), span(&ys)]
    }

    /// Samples the field on `bounds` (nothing for games too large to build here).
    pub fn resample(&mut self, cfg: &RunConfig, bounds: [[f64; 2]; 2]) {
        self.bounds = bounds;
        self.arrows.clear();
        if approx_dim(cfg) > MAX_DIM {
            return;
        }
        if let Ok(mut game) = cfg.game.build(cfg.seed) {
            let w0 = game
                .equilibrium()
                .cloned()
                .unwrap_or_else(|| game.initial_point());
            self.arrows = sample(&mut game, &w0, bounds);
        }
    }
}

fn reference_points(game: &ToyGame) -> ((f64, f64), Option<(f64, f64)>) {
    let w = game.initial_point();
    let first = |p: &Players<Vec<f64>>| {
        (
            p.theta.first().copied().unwrap_or(0.0),
            p.phi.first().copied().unwrap_or(0.0),
        )
    };
    (first(&w), game.equilibrium().map(first))
}

fn sample(
    game: &mut ToyGame,
    w0: &Players<Vec<f64>>,
    b: [[f64; 2]; 2],
) -> Vec<((f64, f64), (f64, f64))> {
    let mut w = w0.clone();
    let mut out = Players::new(vec![0.0; w.theta.len()], vec![0.0; w.phi.len()]);
    let mut arrows = Vec::with_capacity(GRID * GRID);
    for i in 0..GRID {
        for j in 0..GRID {
            let x = b[0][0] + (b[0][1] - b[0][0]) * (i as f64 + 0.5) / GRID as f64;
            let y = b[1][0] + (b[1][1] - b[1][0]) * (j as f64 + 0.5) / GRID as f64;
            if let (Some(t), Some(p)) = (w.theta.first_mut(), w.phi.first_mut()) {
                *t = x;
                *p = y;
            }
            game.field(&w, Sample::Exact, &mut out);
            let (fx, fy) = (
                out.theta.first().copied().unwrap_or(0.0),
                out.phi.first().copied().unwrap_or(0.0),
            );
            arrows.push(((x, y), (-fx, -fy)));
        }
    }
    arrows
}

/// Draws the pane: the phase portrait of a toy game, the data plane of a 2-D GAN, or why an
/// image GAN has neither.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    match GameKind::of(app.current().and_then(|r| r.config.as_ref())) {
        GameKind::Toy => render_portrait(app, area, buf),
        GameKind::Mixture => render_data_plane(app, area, buf),
        GameKind::Image => {
            let block = Block::bordered().title(Line::styled(" plane ", app.theme.title()));
            let inner = block.inner(area);
            block.render(area, buf);
            Paragraph::new(
                "no plane for an image GAN: a slice through two of its millions of weights shows nothing. Its generated images are in the samples pane (4, < > to step through time), its losses and ‖F‖ in the curves (1).",
            )
            .wrap(Wrap { trim: true })
            .style(Style::new().fg(app.theme.dim()))
            .render(inner, buf);
        }
    }
}

/// The data plane of the selected run (a GAN on a 2-D mixture): the discriminator's
/// decision map, the generated points and the modes at the time cursor's step, with the
/// modes covered and the high-quality share of those points.
fn render_data_plane(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let run = app.current();
    let plane = run.and_then(|r| r.plane.as_ref());
    let title = match plane {
        Some(p) => format!(" data plane · step {} · D, modes, G(z) ", p.step),
        None => " data plane ".to_string(),
    };
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let (Some(run), Some(plane)) = (run, plane) else {
        let steps = run.map(|r| r.plane_steps.clone()).unwrap_or_default();
        let mut text = missing(run, &steps, "data planes");
        if let Some(e) = run.and_then(|r| r.sample_error.as_ref()) {
            text = format!("{e}\n{text}");
        }
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .style(Style::new().fg(theme.dim()))
            .render(inner, buf);
        return;
    };
    if inner.height < 3 || inner.width < 8 {
        return;
    }
    let foot = if inner.height >= 8 { 2 } else { 1 };
    let plot = Rect {
        height: inner.height - foot,
        ..inner
    };
    let drawn = plane_view::render(plane, plot, buf, theme);
    let mut lines = vec![plane_view::legend(drawn, theme)];
    if foot == 2 {
        let mut time = time_line(
            plane.step,
            &run.plane_steps,
            app.view.samples_at.is_none(),
            inner.width as usize,
        );
        if let Some(GameConfig::MixtureGan(spec)) = run.config.as_ref().map(|c| &c.game) {
            let m = Mixture {
                centers: plane.modes.clone(),
                std: plane.std,
            };
            let st = m.stats(&plane.generated, spec.hq_sigmas, spec.min_count);
            let modes = format!(
                "{}/{} modes, {}% high quality",
                st.modes_covered,
                plane.modes.len(),
                st.high_quality_pct.round()
            );
            let rest = (inner.width as usize).saturating_sub(modes.chars().count() + 3);
            time = format!(
                "{modes} · {}",
                time_line(
                    plane.step,
                    &run.plane_steps,
                    app.view.samples_at.is_none(),
                    rest
                )
            );
        }
        lines.insert(0, Line::styled(time, Style::new().fg(theme.dim())));
    }
    for (k, l) in lines.iter().enumerate() {
        buf.set_line(inner.x, plot.y + plot.height + k as u16, l, inner.width);
    }
}

/// The phase portrait of a toy game.
fn render_portrait(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let block = Block::bordered().title(Line::styled(" phase portrait (θ₀, φ₀) ", theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(field) = app.phase.as_ref() else {
        Paragraph::new("no phase portrait: the selected run's config could not be read")
            .style(Style::new().fg(theme.dim()))
            .render(inner, buf);
        return;
    };
    if inner.height < 3 {
        return;
    }
    let plot_area = Rect {
        height: inner.height - 1,
        ..inner
    };
    build_plot(app, field, plot_area).render(plot_area, buf, theme);
    let note = format!("{}  ●now ○start +ω*", field.note);
    buf.set_stringn(
        inner.x,
        inner.y + inner.height - 1,
        note,
        inner.width as usize,
        Style::new().fg(theme.dim()),
    );
}

fn build_plot(app: &App, field: &PhaseField, area: Rect) -> Plot {
    let theme: &Theme = &app.theme;
    let [bx, by] = field.bounds;
    let mut plot = Plot {
        x: bx,
        y: by,
        axes: true,
        ..Default::default()
    };
    // About one arrow per 7×3 cells, taken from the fine grid; each is 80% of its spacing,
    // measured in screen proportions so arrows look alike whatever the window's aspect.
    let nx = (area.width as usize / 7).clamp(3, GRID);
    let ny = (area.height as usize / 3).clamp(3, GRID);
    let (sx, sy) = ((bx[1] - bx[0]) / nx as f64, (by[1] - by[0]) / ny as f64);
    let fine = |k: usize, n: usize| ((k as f64 + 0.5) / n as f64 * GRID as f64) as usize;
    for i in 0..nx {
        for j in 0..ny {
            let Some(&(_, (dx, dy))) = field.arrows.get(fine(i, nx) * GRID + fine(j, ny)) else {
                continue;
            };
            let (x, y) = (bx[0] + sx * (i as f64 + 0.5), by[0] + sy * (j as f64 + 0.5));
            let (u, v) = (dx / sx, dy / sy);
            let n = (u * u + v * v).sqrt();
            if n == 0.0 || !n.is_finite() {
                continue;
            }
            let (u, v) = (u / n * 0.8, v / n * 0.8);
            let tip = (x + u * sx * 0.5, y + v * sy * 0.5);
            let tail = (x - u * sx * 0.5, y - v * sy * 0.5);
            // Two barbs at ±150° from the direction, 35% of the arrow.
            let barb = |ang: f64| {
                let (c, s) = (ang.cos(), ang.sin());
                let (bu, bv) = (u * c - v * s, u * s + v * c);
                (tip.0 + bu * sx * 0.35, tip.1 + bv * sy * 0.35)
            };
            let (b1, b2) = (barb(2.6), barb(-2.6));
            plot.lines.push(Polyline {
                points: vec![tail, tip, b1],
                color: theme.dim(),
            });
            plot.lines.push(Polyline {
                points: vec![tip, b2],
                color: theme.dim(),
            });
        }
    }
    let order = draw_order(app);
    for &i in &order {
        let run = &app.runs[i];
        let pts = trajectory(run);
        let color = theme.run_color(run.color);
        if let Some(&now) = pts.last() {
            plot.labels.push((
                now.0,
                now.1,
                if theme.ascii { "@" } else { "●" }.into(),
                color,
            ));
        }
        plot.lines.push(Polyline { points: pts, color });
    }
    let (sym_start, sym_eq) = if theme.ascii {
        ("o", "+")
    } else {
        ("○", "+")
    };
    plot.labels.push((
        field.start.0,
        field.start.1,
        sym_start.into(),
        theme.accent(),
    ));
    if let Some(eq) = field.equilibrium {
        plot.labels
            .push((eq.0, eq.1, sym_eq.into(), theme.accent()));
    }
    plot
}

/// Runs in drawing order: those the run filter passes, pinned ones above the others and the
/// selected one last so it wins shared cells; only the selected one when the overlay is off;
/// none when the filter hides the selected run (it passes none).
pub fn draw_order(app: &App) -> Vec<usize> {
    let Some(_) = app.current() else {
        return vec![];
    };
    if !app.view.overlay_all {
        return vec![app.selected];
    }
    // The run filter's runs: unpinned first, then pinned ones, the selected last (on top).
    let others = |pinned: bool| {
        app.visible()
            .into_iter()
            .filter(move |&i| i != app.selected && app.pinned[i] == pinned)
    };
    let mut v: Vec<usize> = others(false).chain(others(true)).collect();
    v.push(app.selected);
    v
}

/// The plane pane: phase portrait or data plane.
pub struct Phase;

impl Pane for Phase {
    fn title(&self) -> &'static str {
        "plane"
    }
    fn place(&self) -> Place {
        Place::top(42)
    }
    fn reads(&self) -> &'static [Reads] {
        &[Reads::Plane]
    }
    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer) {
        render(app, area, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run whose (θ₀, φ₀) went along `path` (rows: the x columns, then those two).
    fn run_along(path: &[(f64, f64)]) -> RunData {
        let x = crate::run::metrics::X_COLUMNS;
        let columns: Vec<String> = [THETA_0, PHI_0].map(String::from).to_vec();
        let mut r = RunData::new("r", "r", "simultaneous+gradient", columns, 0);
        for (t, (a, b)) in path.iter().enumerate() {
            let mut row = vec![Some(t as f64); x.len()];
            row.extend([Some(*a), Some(*b)]);
            r.push_row(&row);
        }
        r
    }

    fn field(start: (f64, f64), equilibrium: Option<(f64, f64)>) -> PhaseField {
        PhaseField {
            key: String::new(),
            bounds: [[0.0; 2]; 2],
            arrows: vec![],
            equilibrium,
            start,
            note: String::new(),
        }
    }

    /// Without an equilibrium the window spans where the runs went (mlp-gan's θ₀ 0.057 → 0.164,
    /// φ₀ 0.461 → 0.877), not start ± 10⁻³; a run that ran off far is still left out when the
    /// others stayed near.
    #[test]
    fn a_game_without_an_equilibrium_gets_the_runs_paths_in_its_window() {
        let start = (0.057, 0.461);
        let walk = |to: (f64, f64)| -> Vec<(f64, f64)> {
            (0..=20)
                .map(|i| {
                    let a = i as f64 / 20.0;
                    (
                        start.0 + a * (to.0 - start.0),
                        start.1 + a * (to.1 - start.1),
                    )
                })
                .collect()
        };
        let runs = vec![
            run_along(&walk((0.164, 0.877))),
            run_along(&walk((0.10, 0.70))),
            run_along(&walk((0.12, 0.80))),
            run_along(&walk((900.0, -700.0))),
        ];
        let [x, y] = field(start, None).window(&runs);
        for (lo, hi, v) in [
            (x[0], x[1], 0.164),
            (y[0], y[1], 0.877),
            (x[0], x[1], 0.057),
        ] {
            assert!(lo <= v && v <= hi, "{v} outside [{lo}, {hi}]");
        }
        assert!(x[1] - x[0] < 10.0 && y[1] - y[0] < 10.0, "{x:?} {y:?}");
        assert!(
            y[1] - y[0] > 0.3,
            "the window is not a dot around the start: {y:?}"
        );
    }

    /// With an equilibrium the radius is still the start's distance from it: a converging
    /// run's window holds the start and ω*, a diverging one is cut at twice that distance.
    #[test]
    fn with_an_equilibrium_the_window_is_set_by_the_start() {
        let runs = vec![
            run_along(&[(2.0, 0.5), (1.0, 0.3), (0.1, 0.0)]),
            run_along(&[(2.0, 0.5), (40.0, 30.0), (4e5, 1e5)]),
        ];
        let [x, y] = field((2.0, 0.5), Some((0.0, 0.0))).window(&runs);
        assert!(x[0] <= 0.0 && x[1] >= 2.0 && y[0] <= 0.0 && y[1] >= 0.5);
        assert!(x[1] < 10.0 && y[1] < 10.0, "{x:?} {y:?}");
    }
}
