//! The stability heat map (`h`): the spectral radius ρ(β, η) of the selected run's scheme over
//! a grid of momenta and step sizes — the "shifting the eigenvalues" picture — with the run's
//! own (β, η) marked. The same map as `saddle stability`, for one run.

use super::popup::centered;
use super::theme::Theme;
use crate::linalg::linspace;
use crate::linalg::Budget;
use crate::run::spectrum::{stability, Limits};
use crate::run::RunConfig;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

/// The momenta of the map's columns.
const BETAS: usize = 19;
/// The step sizes of its rows.
const ETAS: usize = 12;
/// The estimated cost of one cell's dense operator above which the map is not attempted.
const CELL: std::time::Duration = std::time::Duration::from_millis(250);

/// A computed map.
#[derive(Clone, Debug, PartialEq)]
pub struct StabilityView {
    /// Run name.
    pub run: String,
    /// Scheme + rule, and which players carry β.
    pub title: String,
    /// Column values.
    pub betas: Vec<f64>,
    /// Row values.
    pub etas: Vec<f64>,
    /// ρ per (η row, β column); None where undefined.
    pub rho: Vec<Vec<Option<f64>>>,
    /// The cell nearest to the run's own (β, η).
    pub current: (usize, usize),
}

fn nearest(grid: &[f64], v: f64) -> usize {
    (0..grid.len())
        .min_by(|&a, &b| (grid[a] - v).abs().total_cmp(&(grid[b] - v).abs()))
        .unwrap_or(0)
}

impl StabilityView {
    /// The map of `config`'s scheme around the run's step size: η from η_run/10 to 3·η_run
    /// (rows), β from −0.9 to 0.9 (columns); `beta`, `eta` are the run's values in force.
    /// `budget` bounds the computation (cells it leaves are `?`; a cancel ends it at once).
    pub fn compute(
        name: &str,
        config: &RunConfig,
        beta: f64,
        eta: f64,
        budget: Budget,
    ) -> Result<Self, String> {
        let betas: Vec<f64> = linspace(-0.9, 0.9, BETAS)
            .into_iter()
            .map(|b| (b * 1e9).round() / 1e9 + 0.0)
            .collect();
        let etas = linspace(eta / 10.0, 3.0 * eta, ETAS);
        let limits = Limits {
            dense: CELL,
            budget,
        };
        let mut s = stability(std::slice::from_ref(config), &betas, &etas, &limits)?;
        if let Err(e) = limits.budget.check() {
            return Err(e.to_string());
        }
        let Some(m) = s.maps.pop() else {
            return Err(s.skipped.pop().unwrap_or_else(|| "no map".into()));
        };
        Ok(StabilityView {
            run: name.to_string(),
            title: format!("{}, β on {}", m.method, m.beta_on),
            current: (nearest(&etas, eta), nearest(&betas, beta)),
            betas,
            etas,
            rho: m.rho,
        })
    }

    /// Draws the popup over `area`.
    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let mut lines = vec![Line::from(vec![
            Span::raw("  η \\ β  "),
            Span::styled(
                self.betas
                    .iter()
                    .map(|b| format!("{b:>5.1}"))
                    .collect::<String>(),
                Style::new().fg(theme.dim()),
            ),
        ])];
        for (i, (eta, row)) in self.etas.iter().zip(&self.rho).enumerate() {
            let mut spans = vec![Span::raw(format!("{eta:>8.3} "))];
            for (j, r) in row.iter().enumerate() {
                let here = (i, j) == self.current;
                let (text, color) = match r {
                    Some(x) if *x < 1.0 - 1e-9 => {
                        let digits = format!("{:.3}", x.min(0.999));
                        (
                            format!("{:>5}", digits.trim_start_matches('0')),
                            theme.heat(1.0 - x),
                        )
                    }
                    Some(_) => ("    ·".to_string(), theme.dim()),
                    None => ("    ?".to_string(), theme.dim()),
                };
                let text = if here { format!("{:>5}", "◆") } else { text };
                let style = if here {
                    theme.title()
                } else {
                    Style::new().fg(color)
                };
                spans.push(Span::styled(text, style));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            " numbers: ρ < 1 (converges; brighter is faster) · ρ ≥ 1 · ◆ this run · any key closes",
            Style::new().fg(theme.dim()),
        ));
        let w = (9 + 5 * self.betas.len() as u16 + 2).max(90);
        let r = centered(area, w, lines.len() as u16 + 2, buf);
        Clear.render(r, buf);
        let title = format!(" ρ(β, η) of {} — {} ", self.run, self.title);
        Paragraph::new(lines)
            .block(Block::bordered().title(Line::styled(title, theme.title())))
            .render(r, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Preset;

    #[test]
    fn alternating_heavy_ball_converges_only_with_negative_beta() {
        let text = crate::run::builtin::builtin("default").unwrap();
        let configs = Preset::parse(text, "default").unwrap().resolve().unwrap();
        let c = configs
            .iter()
            .find(|c| c.name == "alternating β=-0.5")
            .unwrap();
        let v = StabilityView::compute(&c.name, c, -0.5, 0.2, Budget::unlimited()).unwrap();
        assert_eq!(v.betas[v.current.1], -0.5);
        assert!(v.title.contains("β on phi"), "{}", v.title);
        for (j, b) in v.betas.iter().enumerate() {
            let converges = v
                .rho
                .iter()
                .any(|row| row[j].is_some_and(|r| r < 1.0 - 1e-9));
            assert_eq!(converges, *b < 0.0, "β = {b}");
        }
        let mut buf = Buffer::empty(Rect::new(0, 0, 120, 24));
        v.render(buf.area, &mut buf, &Theme::default());
        let text: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert!(text.contains("◆") && text.contains(".999"));
    }
}
