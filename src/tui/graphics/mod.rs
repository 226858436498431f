//! Sample images in real pixels: on terminals with an image protocol (kitty, iTerm2, sixel),
//! the samples pane shows the generator's grid at full resolution; elsewhere, and in tmux,
//! half blocks ([`super::panes::samples::render_images`]). `g` toggles between the two.
//!
//! An image is not text, so it goes around ratatui's cell diff: the pane claims a box of
//! cells ([`Graphics::claim`]: blanked and marked `skip`, so ratatui never writes over the
//! image), and after the frame the [`painter::Painter`] writes the image into that box, again
//! only when the box, the picture or the screen changed. While a popup is open the pane draws
//! half blocks, so a popup is never hidden under (kitty) or cut by (sixel) an image.

pub mod detect;
pub mod iterm;
pub mod kitty;
pub mod painter;
pub mod picture;
pub mod sixel;

pub use detect::Protocol;
pub use picture::Picture;

use ratatui::buffer::{Buffer, CellDiffOption};
use ratatui::layout::Rect;
use std::cell::RefCell;
use std::sync::Arc;

/// Where the pane wants a picture this frame.
#[derive(Clone, Debug)]
pub struct Placement {
    /// The cells the image covers.
    pub area: Rect,
    /// Its pixel size on the screen (what sixel draws; kitty and iTerm2 scale to `area`).
    pub pixels: (usize, usize),
    /// The picture.
    pub picture: Arc<Picture>,
}

/// A cell's size in pixels when the terminal does not say (`TIOCGWINSZ` without pixels):
/// the common 1:2 cell of a 16-pixel font.
pub const CELL_GUESS: (u16, u16) = (8, 16);

/// The samples pane's image mode: the protocol found for this terminal, whether it is used,
/// and the placement the pane asks for in the frame being drawn.
#[derive(Clone, Debug)]
pub struct Graphics {
    /// The protocol found by [`detect::choose`].
    pub protocol: Protocol,
    /// Why it was chosen (shown by `g` and in the log).
    pub why: String,
    /// Real pixels (true) or half blocks; `g` toggles.
    pub pixels: bool,
    /// A cell's size in pixels.
    pub cell: (u16, u16),
    placement: RefCell<Option<Placement>>,
}

impl Default for Graphics {
    /// Half blocks: what a dashboard without a terminal (tests, benchmarks) draws.
    fn default() -> Self {
        Graphics::new(Protocol::HalfBlocks, "no terminal".into(), CELL_GUESS)
    }
}

impl Graphics {
    /// The mode for `protocol` (found because `why`), pixels on where there are any.
    pub fn new(protocol: Protocol, why: String, cell: (u16, u16)) -> Self {
        let cell = if cell.0 == 0 || cell.1 == 0 {
            CELL_GUESS
        } else {
            cell
        };
        Graphics {
            protocol,
            why,
            pixels: true,
            cell,
            placement: RefCell::new(None),
        }
    }

    /// True when images are drawn in pixels now.
    pub fn active(&self) -> bool {
        self.pixels && self.protocol != Protocol::HalfBlocks
    }

    /// What the `g` key says after toggling.
    pub fn describe(&self) -> String {
        match (self.protocol, self.pixels) {
            (Protocol::HalfBlocks, _) => format!(
                "samples in half blocks: no image protocol ({}); SADDLE_GRAPHICS=kitty|iterm2|sixel forces one",
                self.why
            ),
            (p, true) => format!("samples in real pixels ({}, {})", p.name(), self.why),
            (p, false) => format!("samples in half blocks ({} available: g)", p.name()),
        }
    }

    /// Claims the cells of `area` where `picture` fits, scaled by an integer factor when it
    /// is smaller (crisp pixels) and shrunk when it is larger: blanks them, marks them for
    /// ratatui to skip and records the placement for the painter. False (nothing claimed)
    /// when pixels are off.
    pub fn claim(&self, area: Rect, picture: &Arc<Picture>, buf: &mut Buffer) -> bool {
        if !self.active() || area.width == 0 || area.height == 0 || picture.width == 0 {
            return false;
        }
        let (cw, ch) = (self.cell.0 as f64, self.cell.1 as f64);
        let (w, h) = (picture.width as f64, picture.height as f64);
        let fit = (area.width as f64 * cw / w).min(area.height as f64 * ch / h);
        let scale = if fit >= 1.0 { fit.floor() } else { fit };
        let px = (((w * scale) as usize).max(1), ((h * scale) as usize).max(1));
        let cells = Rect {
            x: area.x,
            y: area.y,
            width: ((px.0 as f64 / cw).ceil() as u16).clamp(1, area.width),
            height: ((px.1 as f64 / ch).ceil() as u16).clamp(1, area.height),
        };
        for y in cells.top()..cells.bottom() {
            for x in cells.left()..cells.right() {
                buf[(x, y)].reset();
                buf[(x, y)].set_diff_option(CellDiffOption::Skip);
            }
        }
        *self.placement.borrow_mut() = Some(Placement {
            area: cells,
            pixels: px,
            picture: picture.clone(),
        });
        true
    }

    /// The placement of the frame just drawn, cleared for the next one.
    pub fn take_placement(&self) -> Option<Placement> {
        self.placement.borrow_mut().take()
    }
}

impl PartialEq for Graphics {
    fn eq(&self, other: &Self) -> bool {
        (self.protocol, &self.why, self.pixels, self.cell)
            == (other.protocol, &other.why, other.pixels, other.cell)
    }
}

#[cfg(test)]
mod tests {
    use super::picture::png_of;
    use super::*;

    fn picture(w: u32, h: u32) -> Arc<Picture> {
        let data = vec![128u8; (w * h) as usize];
        Arc::new(Picture::decode(png_of(w, h, png::ColorType::Grayscale, &data), 5).unwrap())
    }

    #[test]
    fn a_small_grid_is_enlarged_by_an_integer_factor_and_its_cells_skipped() {
        let g = Graphics::new(Protocol::Sixel, "test".into(), (10, 20));
        let area = Rect::new(2, 3, 40, 10);
        let mut buf = Buffer::empty(Rect::new(0, 0, 50, 20));
        assert!(g.claim(area, &picture(56, 56), &mut buf));
        let p = g.take_placement().unwrap();
        // 40×10 cells are 400×200 px: 56 px fit 3 times in 200.
        assert_eq!(p.pixels, (168, 168));
        assert_eq!(p.area, Rect::new(2, 3, 17, 9));
        let skipped = |x, y| buf[(x, y)].diff_option == CellDiffOption::Skip;
        assert!(skipped(2, 3) && skipped(18, 11));
        assert!(!skipped(19, 3) && !skipped(2, 12));
        assert!(g.take_placement().is_none(), "a placement lives one frame");
    }

    #[test]
    fn a_large_grid_is_shrunk_to_fit() {
        let g = Graphics::new(Protocol::Kitty, "test".into(), (0, 0));
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 10));
        assert!(g.claim(Rect::new(0, 0, 20, 10), &picture(400, 400), &mut buf));
        let p = g.take_placement().unwrap();
        // Unknown cell size: 8×16 px, so 160×160 px.
        assert_eq!(p.pixels, (160, 160));
        assert_eq!(p.area, Rect::new(0, 0, 20, 10));
    }

    #[test]
    fn nothing_is_claimed_in_half_blocks() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 10));
        let area = Rect::new(0, 0, 20, 10);
        assert!(!Graphics::default().claim(area, &picture(8, 8), &mut buf));
        let mut off = Graphics::new(Protocol::Iterm2, "test".into(), (8, 16));
        off.pixels = false;
        assert!(!off.claim(area, &picture(8, 8), &mut buf));
        assert!(off.describe().contains("half blocks (iterm2 available"));
        assert!(Graphics::default().describe().contains("SADDLE_GRAPHICS"));
    }
}
