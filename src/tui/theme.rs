//! Colors and plot symbols, chosen from what the terminal can show. ssh forwards `TERM` but not
//! `COLORTERM`, so the color depth is a flag (`--color`), never guessed from the environment
//! beyond a default of 256.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;

/// How many colors the terminal shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ColorDepth {
    /// The 16 ANSI colors (the terminal's own palette).
    Ansi16,
    /// The xterm 256-color palette.
    #[default]
    Indexed256,
    /// 24-bit colors.
    TrueColor,
}

impl std::str::FromStr for ColorDepth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "16" => Ok(ColorDepth::Ansi16),
            "256" => Ok(ColorDepth::Indexed256),
            "truecolor" | "24bit" => Ok(ColorDepth::TrueColor),
            other => Err(format!("--color takes 16, 256 or truecolor, not {other:?}")),
        }
    }
}

/// Run colors as RGB; shown as such in truecolor, as the nearest xterm-256 entry, or as the
/// ANSI color listed next to them.
const RUN_COLORS: [((u8, u8, u8), Color); 8] = [
    ((230, 97, 1), Color::LightRed),
    ((94, 154, 246), Color::LightBlue),
    ((38, 190, 104), Color::LightGreen),
    ((214, 180, 30), Color::Yellow),
    ((190, 110, 220), Color::LightMagenta),
    ((40, 200, 200), Color::LightCyan),
    ((240, 240, 240), Color::White),
    ((200, 120, 120), Color::Red),
];

/// Maps an RGB color to the xterm-256 palette (6×6×6 cube or the 24 grays, whichever is
/// nearer).
pub fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |c: u8| -> u8 {
        if c < 48 {
            0
        } else if c < 115 {
            1
        } else {
            (c - 35) / 40
        }
    };
    let (lr, lg, lb) = (level(r), level(g), level(b));
    let cube_val = |l: u8| if l == 0 { 0 } else { 55 + 40 * l as i32 };
    let cube = 16 + 36 * lr + 6 * lg + lb;
    let cube_err = (cube_val(lr) - r as i32).pow(2)
        + (cube_val(lg) - g as i32).pow(2)
        + (cube_val(lb) - b as i32).pow(2);
    let avg = (r as i32 + g as i32 + b as i32) / 3;
    let gray_idx = ((avg - 8).max(0) / 10).min(23);
    let gv = 8 + 10 * gray_idx;
    let gray_err = (gv - r as i32).pow(2) + (gv - g as i32).pow(2) + (gv - b as i32).pow(2);
    if gray_err < cube_err {
        232 + gray_idx as u8
    } else {
        cube
    }
}

/// Everything that decides how the dashboard looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Color depth.
    pub depth: ColorDepth,
    /// Plain ASCII plot symbols instead of braille.
    pub ascii: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            depth: ColorDepth::Indexed256,
            ascii: false,
        }
    }
}

impl Theme {
    /// The color of run number `i` (palette index, wraps after 8).
    pub fn run_color(&self, i: usize) -> Color {
        let ((r, g, b), ansi) = RUN_COLORS[i % RUN_COLORS.len()];
        match self.depth {
            ColorDepth::Ansi16 => ansi,
            ColorDepth::Indexed256 => Color::Indexed(rgb_to_256(r, g, b)),
            ColorDepth::TrueColor => Color::Rgb(r, g, b),
        }
    }

    /// Secondary things: axes, grids, the vector field, raw curves under smoothed ones.
    pub fn dim(&self) -> Color {
        match self.depth {
            ColorDepth::Ansi16 => Color::DarkGray,
            ColorDepth::Indexed256 => Color::Indexed(242),
            ColorDepth::TrueColor => Color::Rgb(110, 110, 110),
        }
    }

    /// Heat-map color of a convergence margin 1 − ρ: darker green near ρ = 1, brighter for
    /// faster convergence (margins of 0.2 and more share the brightest shade).
    pub fn heat(&self, margin: f64) -> Color {
        let m = (margin / 0.2).clamp(0.0, 1.0);
        match self.depth {
            ColorDepth::Ansi16 => {
                if m > 0.5 {
                    Color::LightGreen
                } else {
                    Color::Green
                }
            }
            _ => {
                let g = (90.0 + 165.0 * m) as u8;
                let (r, b) = ((40.0 * m) as u8, (60.0 * m) as u8);
                if self.depth == ColorDepth::TrueColor {
                    Color::Rgb(r, g, b)
                } else {
                    Color::Indexed(rgb_to_256(r, g, b))
                }
            }
        }
    }

    /// Reference lines (ρ = 1, the unit circle) and η/β change markers.
    pub fn accent(&self) -> Color {
        Color::Yellow
    }

    /// Errors and refusals.
    pub fn error(&self) -> Style {
        Style::new()
            .fg(Color::LightRed)
            .add_modifier(Modifier::BOLD)
    }

    /// Titles of panes.
    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The selected row.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Symbols plots are drawn with.
    pub fn marker(&self) -> Marker {
        if self.ascii {
            Marker::Custom('*')
        } else {
            Marker::Braille
        }
    }

    /// Sparkline levels, lowest first.
    pub fn spark_levels(&self) -> &'static [char] {
        if self.ascii {
            &['_', '.', '-', '=', '#']
        } else {
            &['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_mapping() {
        assert_eq!(rgb_to_256(0, 0, 0), 16);
        assert_eq!(rgb_to_256(255, 255, 255), 231);
        assert_eq!(rgb_to_256(255, 0, 0), 196);
        assert_eq!(rgb_to_256(128, 128, 128), 244);
        assert_eq!("16".parse::<ColorDepth>(), Ok(ColorDepth::Ansi16));
        assert!("8".parse::<ColorDepth>().is_err());
        let t = Theme {
            depth: ColorDepth::TrueColor,
            ascii: true,
        };
        assert_eq!(t.run_color(8), t.run_color(0));
        assert_eq!(t.marker(), Marker::Custom('*'));
    }
}
