//! Spectral pane. Left: the spectral radius ρ of each run's update operator over time, with
//! the ρ = 1 line (below it the linearized method contracts). Right: the selected run's newest
//! eigenvalues in the complex plane with the unit circle — the operator's eigenvalues (×),
//! and the heavy-ball map μ± of the Jacobian's eigenvalues under the run's current β and η (+),
//! which shows where a change of β moves them. For a network: the largest eigenvalues of J
//! (Arnoldi on exact J·v products) in the complex plane; its operator has no ρ here. A run
//! without `spectral_every` says how to set it.

use super::curves::x_end;
use super::phase::draw_order;
use super::{Pane, Place, Reads};
use crate::analysis::heavy_ball_mu;
use crate::run::metrics::SPECTRAL_RADIUS;
use crate::tui::app::App;
use crate::tui::kinds::{first_at, how_to_set, GameKind};
use crate::tui::plot::{fmt_num, nice_bounds, Plot, Polyline};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

/// Draws the pane: for a toy game ρ over time and the newest eigenvalues; for a network, whose
/// update operator has no ρ here, the largest eigenvalues of J.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let network = GameKind::of(app.current().and_then(|r| r.config.as_ref())).is_network();
    let title = if network {
        " eigenvalues of J (largest modulus) "
    } else {
        " spectral radius ρ and eigenvalues "
    };
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 3 || inner.width < 20 {
        return;
    }
    if network {
        render_jacobian(app, inner, buf);
        return;
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(inner);
    render_radius(app, left, buf);
    render_plane(app, right, buf);
}

/// Why the selected run has no eigenvalues (yet): `spectral_every` unset, and how to set it,
/// or when the first come.
fn no_spectrum(app: &App) -> String {
    let Some(run) = app.current() else {
        return "no run".into();
    };
    if GameKind::of_run(run) == GameKind::Image {
        return "no eigenvalues for image GANs: exact J·v products exist for the plain ReLU MLPs of the mixture games only, not for convolutional networks".into();
    }
    match run.config.as_ref().map(|c| (c.spectral_every, c.steps)) {
        None => "no eigenvalues: the run's config.ron could not be read".into(),
        Some((None, steps)) => how_to_set("spectral_every", (steps / 4).max(1)),
        Some((Some(every), _)) => first_at("eigenvalues", every, run.step),
    }
}

/// The newest eigenvalues of a network's J in the complex plane (no update operator: its
/// ρ needs the whole spectrum).
fn render_jacobian(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let Some(run) = app.current() else { return };
    let Some(sp) = run.spectrum.as_ref() else {
        Paragraph::new(no_spectrum(app))
            .wrap(Wrap { trim: true })
            .style(Style::new().fg(theme.dim()))
            .render(area, buf);
        return;
    };
    let h = area.height.saturating_sub(1);
    let pts: Vec<(f64, f64)> = sp
        .jacobian
        .iter()
        .map(|c| (c.re, c.im))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let r = pts
        .iter()
        .map(|(x, y)| x.hypot(*y))
        .fold(0.0f64, f64::max)
        .max(1e-12)
        * 1.15;
    let aspect = (area.width as f64 * 2.0) / (h.max(1) as f64 * 4.0);
    let mut plot = Plot {
        x: [-r * aspect, r * aspect],
        y: [-r, r],
        ..Default::default()
    };
    plot.lines.push(Polyline {
        points: vec![(-r * aspect, 0.0), (r * aspect, 0.0)],
        color: theme.dim(),
    });
    plot.lines.push(Polyline {
        points: vec![(0.0, -r), (0.0, r)],
        color: theme.dim(),
    });
    let sym = if theme.ascii { "x" } else { "×" };
    for &(x, y) in &pts {
        plot.labels
            .push((x, y, sym.into(), theme.run_color(run.color)));
    }
    plot.render(Rect { height: h, ..area }, buf, theme);
    let mut caption = format!(
        "step {} × λ(J), {} largest |λ| ≤ {}",
        sp.step,
        pts.len(),
        fmt_num(r / 1.15)
    );
    if let Some(Some(k)) = sp.unconverged {
        caption.push_str(&format!(" · {k} not converged"));
    }
    if pts.is_empty() {
        if let Some(n) = &sp.note {
            caption = format!("step {}: {n}", sp.step);
        }
    }
    buf.set_stringn(
        area.x,
        area.y + h,
        caption,
        area.width as usize,
        Style::new().fg(theme.dim()),
    );
}

fn render_radius(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let axis = app.view.x_axis;
    let mut plot = Plot {
        axes: true,
        ..Default::default()
    };
    let (mut lo, mut hi, mut x_max) = (1.0f64, 1.0f64, 0.0f64);
    let mut any = false;
    for i in draw_order(app) {
        let run = &app.runs[i];
        let Some(c) = run.column(SPECTRAL_RADIUS) else {
            continue;
        };
        let pts: Vec<(f64, f64)> = run
            .series
            .view(c, axis, 2 * area.width as usize)
            .iter()
            .filter(|b| b.last.is_finite())
            .map(|b| (b.x, b.last))
            .collect();
        for p in &pts {
            lo = lo.min(p.1);
            hi = hi.max(p.1);
        }
        any |= !pts.is_empty();
        x_max = x_max.max(x_end(run, axis));
        plot.lines.push(Polyline {
            points: pts,
            color: theme.run_color(run.color),
        });
    }
    let h = area.height.saturating_sub(1);
    if !any {
        let why = match app.current().and_then(|r| r.spectrum.as_ref()) {
            Some(s) => s.note.clone().unwrap_or_else(|| {
                "no spectral radius: the method is not linear on this game".into()
            }),
            None => no_spectrum(app),
        };
        Paragraph::new(why)
            .wrap(Wrap { trim: true })
            .style(Style::new().fg(theme.dim()))
            .render(area, buf);
        return;
    }
    plot.x = [0.0, if x_max > 0.0 { x_max } else { 1.0 }];
    plot.y = nice_bounds(lo.min(1.0), hi.max(1.0), false);
    plot.hlines.push((1.0, theme.accent()));
    let plot_area = Rect { height: h, ..area };
    plot.render(plot_area, buf, theme);
    let label = format!("ρ over {} · ─ ρ = 1", axis.label());
    buf.set_stringn(
        area.x,
        area.y + h,
        label,
        area.width as usize,
        Style::new().fg(theme.dim()),
    );
}

fn render_plane(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let Some(run) = app.current() else { return };
    let Some(sp) = run.spectrum.as_ref() else {
        // The radius beside says why there are none, and how to have them.
        return;
    };
    let h = area.height.saturating_sub(1);
    let (eta, beta) = (run.eta[1], run.beta[1]);
    let mu: Vec<(f64, f64)> = if eta.is_finite() && beta.is_finite() {
        sp.jacobian
            .iter()
            .flat_map(|&l| {
                let (a, b) = heavy_ball_mu(beta, eta, l);
                [(a.re, a.im), (b.re, b.im)]
            })
            .collect()
    } else {
        vec![]
    };
    let ops: Vec<(f64, f64)> = sp.operator.iter().flatten().map(|c| (c.re, c.im)).collect();
    let r = ops
        .iter()
        .chain(&mu)
        .map(|(x, y)| x.hypot(*y))
        .filter(|v| v.is_finite())
        .fold(1.0f64, f64::max);
    let r = (r * 1.15).min(4.0);
    // Braille dots are about square: a cell is twice as tall as wide and holds 2×4 dots.
    let aspect = (area.width as f64 * 2.0) / (h.max(1) as f64 * 4.0);
    let mut plot = Plot {
        x: [-r * aspect, r * aspect],
        y: [-r, r],
        ..Default::default()
    };
    let circle: Vec<(f64, f64)> = (0..=96)
        .map(|k| {
            let t = k as f64 / 96.0 * std::f64::consts::TAU;
            (t.cos(), t.sin())
        })
        .collect();
    plot.lines.push(Polyline {
        points: vec![(-r * aspect, 0.0), (r * aspect, 0.0)],
        color: theme.dim(),
    });
    plot.lines.push(Polyline {
        points: vec![(0.0, -r), (0.0, r)],
        color: theme.dim(),
    });
    plot.lines.push(Polyline {
        points: circle,
        color: theme.accent(),
    });
    let (x_sym, p_sym) = if theme.ascii { ("x", "+") } else { ("×", "+") };
    for &(x, y) in &mu {
        plot.labels.push((x, y, p_sym.into(), theme.accent()));
    }
    for &(x, y) in &ops {
        plot.labels
            .push((x, y, x_sym.into(), theme.run_color(run.color)));
    }
    let plot_area = Rect { height: h, ..area };
    plot.render(plot_area, buf, theme);
    let caption = match (&sp.operator, &sp.note) {
        (Some(_), _) => format!("step {} × operator  + μ± at β={beta} η={eta}", sp.step),
        (None, Some(n)) => format!("no operator: {n}"),
        (None, None) => format!("step {}  + μ± at β={beta} η={eta}", sp.step),
    };
    buf.set_stringn(
        area.x,
        area.y + h,
        caption,
        area.width as usize,
        Style::new().fg(theme.dim()),
    );
}

/// The spectral pane.
pub struct Spectral;

impl Pane for Spectral {
    fn title(&self) -> &'static str {
        "spectral"
    }
    fn place(&self) -> Place {
        Place::bottom(50)
    }
    fn reads(&self) -> &'static [Reads] {
        &[Reads::Spectrum]
    }
    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer) {
        render(app, area, buf)
    }
}
