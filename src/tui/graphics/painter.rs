//! Writes the samples image after each frame, into the box the pane claimed, and only when
//! something changed: the box, the picture, the protocol, or the screen (cleared, resized).
//! A kitty image is a layer above the text, so one that is no longer wanted is deleted; sixel
//! and iTerm2 images live in the cells, which ratatui overwrites when the box goes away.

use super::{iterm, kitty, sixel, Graphics, Placement, Protocol};
use base64::Engine;
use std::io::{self, Write};

/// What was last written.
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    protocol: Protocol,
    area: ratatui::layout::Rect,
    pixels: (usize, usize),
    step: u64,
    picture: usize,
}

impl Shown {
    fn of(protocol: Protocol, p: &Placement) -> Shown {
        Shown {
            protocol,
            area: p.area,
            pixels: p.pixels,
            step: p.picture.step,
            picture: std::sync::Arc::as_ptr(&p.picture) as usize,
        }
    }
}

/// Keeps what is on the screen and writes what must change.
#[derive(Debug, Default)]
pub struct Painter {
    shown: Option<Shown>,
    /// The base64 of the picture last sent (kitty and iTerm2 send the PNG as it is).
    encoded: Option<(usize, String)>,
}

impl Painter {
    /// After a frame: writes the placement `g` holds (taking it) when it differs from what is
    /// shown or `force` (the screen was cleared); deletes a kitty image no longer wanted.
    /// Returns the bytes written.
    pub fn paint<W: Write>(&mut self, out: &mut W, g: &Graphics, force: bool) -> io::Result<usize> {
        let want = g.take_placement();
        let next = want.as_ref().map(|p| Shown::of(g.protocol, p));
        if next == self.shown && !force {
            return Ok(0);
        }
        let mut seq = String::new();
        if self
            .shown
            .as_ref()
            .is_some_and(|s| s.protocol == Protocol::Kitty)
        {
            seq.push_str(&kitty::delete());
        }
        if let (Some(p), Some(s)) = (&want, &next) {
            seq.push_str(&format!("\x1b[{};{}H", p.area.y + 1, p.area.x + 1));
            match g.protocol {
                Protocol::Kitty => seq.push_str(&kitty::place(
                    self.base64(p, s),
                    p.area.width,
                    p.area.height,
                )),
                Protocol::Iterm2 => {
                    let len = p.picture.png.len();
                    seq.push_str(&iterm::place(
                        len,
                        self.base64(p, s),
                        p.area.width,
                        p.area.height,
                    ))
                }
                Protocol::Sixel => {
                    let rgb = p.picture.resized(p.pixels.0, p.pixels.1);
                    seq.push_str(&sixel::encode(&rgb, p.pixels.0, p.pixels.1))
                }
                Protocol::HalfBlocks => {}
            }
        }
        self.shown = next;
        out.write_all(seq.as_bytes())?;
        out.flush()?;
        Ok(seq.len())
    }

    /// The base64 of `p`'s PNG, encoded once per picture.
    fn base64(&mut self, p: &Placement, s: &Shown) -> &str {
        if self.encoded.as_ref().map(|e| e.0) != Some(s.picture) {
            let text = base64::engine::general_purpose::STANDARD.encode(&p.picture.png);
            self.encoded = Some((s.picture, text));
        }
        &self.encoded.as_ref().expect("just encoded").1
    }
}

#[cfg(test)]
mod tests {
    use super::super::picture::png_of;
    use super::super::Picture;
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use std::sync::Arc;

    fn setup(protocol: Protocol) -> (Graphics, Arc<Picture>, Buffer) {
        let png = png_of(4, 4, png::ColorType::Grayscale, &[200; 16]);
        let pic = Arc::new(Picture::decode(png, 3).unwrap());
        let g = Graphics::new(protocol, "test".into(), (8, 16));
        (g, pic, Buffer::empty(Rect::new(0, 0, 30, 10)))
    }

    fn frame(p: &mut Painter, g: &Graphics, force: bool) -> String {
        let mut out = Vec::new();
        p.paint(&mut out, g, force).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_image_is_written_once_then_again_only_when_forced_or_moved() {
        let (g, pic, mut buf) = setup(Protocol::Sixel);
        let mut p = Painter::default();
        let area = Rect::new(3, 2, 10, 5);
        g.claim(area, &pic, &mut buf);
        let first = frame(&mut p, &g, false);
        assert!(first.starts_with("\x1b[3;4H\x1bP"), "{first:?}");
        g.claim(area, &pic, &mut buf);
        assert_eq!(frame(&mut p, &g, false), "", "unchanged: nothing written");
        g.claim(area, &pic, &mut buf);
        assert_eq!(
            frame(&mut p, &g, true),
            first,
            "a cleared screen gets it again"
        );
        g.claim(Rect::new(4, 2, 10, 5), &pic, &mut buf);
        assert!(frame(&mut p, &g, false).starts_with("\x1b[3;5H"));
        // Gone from the pane: sixel cells are overwritten by ratatui, nothing to write.
        assert_eq!(frame(&mut p, &g, false), "");
    }

    #[test]
    fn a_kitty_image_is_deleted_when_no_longer_wanted() {
        let (g, pic, mut buf) = setup(Protocol::Kitty);
        let mut p = Painter::default();
        g.claim(Rect::new(0, 0, 10, 5), &pic, &mut buf);
        let first = frame(&mut p, &g, false);
        assert!(first.contains("a=T,f=100"), "{first:?}");
        assert!(!first.contains("a=d"), "nothing to delete yet");
        assert_eq!(frame(&mut p, &g, false), kitty::delete());
        assert_eq!(frame(&mut p, &g, false), "");
    }

    #[test]
    fn iterm_gets_the_png_as_written() {
        let (g, pic, mut buf) = setup(Protocol::Iterm2);
        let mut p = Painter::default();
        g.claim(Rect::new(0, 0, 10, 5), &pic, &mut buf);
        let seq = frame(&mut p, &g, false);
        let b64 = seq
            .split_once("preserveAspectRatio=1:")
            .unwrap()
            .1
            .trim_end_matches('\x07');
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(png, pic.png);
    }
}
