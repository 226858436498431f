//! Sixel (xterm with `-ti vt340`, foot, mlterm, WezTerm, Konsole, contour): the pixels
//! themselves, six rows per band, one pass per colour of a palette of at most 256 registers.
//! A grid with at most 256 colours (every 8-bit gray image) keeps them exactly; others are
//! quantized to a 6 × 7 × 6 colour cube. Each run of a repeated sixel is written `!n`.

use std::collections::HashMap;

/// Registers a sixel palette may use on the terminals that have the fewest (VT340: 16; xterm
/// and the others: 256 and more).
const REGISTERS: usize = 256;

/// The colour register of every pixel and the palette (RGB) they index.
fn palette(rgb: &[u8]) -> (Vec<u16>, Vec<[u8; 3]>) {
    let mut colours: HashMap<[u8; 3], u16> = HashMap::new();
    let mut exact = true;
    for p in rgb.chunks_exact(3) {
        let c = [p[0], p[1], p[2]];
        if !colours.contains_key(&c) {
            if colours.len() == REGISTERS {
                exact = false;
                break;
            }
            let n = colours.len() as u16;
            colours.insert(c, n);
        }
    }
    if exact {
        let mut pal = vec![[0; 3]; colours.len()];
        for (c, &i) in &colours {
            pal[i as usize] = *c;
        }
        let index = rgb
            .chunks_exact(3)
            .map(|p| colours[&[p[0], p[1], p[2]]])
            .collect();
        return (index, pal);
    }
    // 6 × 7 × 6 = 252 registers: green, to which the eye is most sensitive, gets one level more.
    let levels = [6u16, 7, 6];
    let q = |v: u8, n: u16| ((v as u16 * (n - 1) + 127) / 255) as u8;
    let level = |k: u8, n: u16| ((k as u16 * 255 + (n - 1) / 2) / (n - 1)) as u8;
    let mut pal = Vec::with_capacity(252);
    for r in 0..levels[0] as u8 {
        for g in 0..levels[1] as u8 {
            for b in 0..levels[2] as u8 {
                pal.push([level(r, 6), level(g, 7), level(b, 6)]);
            }
        }
    }
    let index = rgb
        .chunks_exact(3)
        .map(|p| {
            let (r, g, b) = (q(p[0], 6) as u16, q(p[1], 7) as u16, q(p[2], 6) as u16);
            (r * 7 + g) * 6 + b
        })
        .collect();
    (index, pal)
}

/// Appends `n` repetitions of the sixel `c`, run-length coded where that is shorter.
fn push_run(out: &mut String, c: u8, n: usize) {
    if n > 3 {
        out.push_str(&format!("!{n}"));
        out.push(c as char);
    } else {
        (0..n).for_each(|_| out.push(c as char));
    }
}

/// The sixel image of `rgb` (`width × height`, row-major RGB), drawn from the cursor; every
/// pixel is painted, so nothing of what was under it shows through.
pub fn encode(rgb: &[u8], width: usize, height: usize) -> String {
    let (index, pal) = palette(&rgb[..width * height * 3]);
    let mut out = String::with_capacity(width * height / 2 + 64);
    out.push_str(&format!("\x1bP0;1;0q\"1;1;{width};{height}"));
    for (i, c) in pal.iter().enumerate() {
        let pct = |v: u8| (v as u32 * 100 + 127) / 255;
        out.push_str(&format!("#{i};2;{};{};{}", pct(c[0]), pct(c[1]), pct(c[2])));
    }
    // One row of sixels per register, filled in one pass over the band's pixels; only the
    // registers the band uses are written and cleared.
    let mut rows_of = vec![Vec::<u8>::new(); pal.len()];
    let mut order = vec![];
    for y0 in (0..height).step_by(6) {
        let rows = (height - y0).min(6);
        order.clear();
        for r in 0..rows {
            for (x, &c) in index[(y0 + r) * width..(y0 + r + 1) * width]
                .iter()
                .enumerate()
            {
                let row = &mut rows_of[c as usize];
                if row.is_empty() {
                    row.resize(width, 0);
                    order.push(c);
                }
                row[x] |= 1 << r;
            }
        }
        for (k, &c) in order.iter().enumerate() {
            let row = std::mem::take(&mut rows_of[c as usize]);
            out.push_str(&format!("#{c}"));
            let (mut run, mut len) = (row[0], 0);
            for &b in &row {
                if b == run {
                    len += 1;
                } else {
                    push_run(&mut out, 63 + run, len);
                    (run, len) = (b, 1);
                }
            }
            // A run of empty sixels at the end of a pass draws nothing: leave it out.
            if run != 0 {
                push_run(&mut out, 63 + run, len);
            }
            if k + 1 < order.len() {
                out.push('$');
            }
        }
        out.push('-');
    }
    out.push_str("\x1b\\");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sixel decoder for what [`encode`] writes: registers, `#`, `!`, `$`, `-`.
    fn decode(seq: &str) -> (usize, usize, Vec<[u8; 3]>) {
        let body = seq
            .strip_prefix("\x1bP0;1;0q\"1;1;")
            .unwrap()
            .strip_suffix("\x1b\\")
            .unwrap();
        let (size, mut rest) = body.split_at(body.find('#').unwrap());
        let (w, h) = size.split_once(';').unwrap();
        let (w, h): (usize, usize) = (w.parse().unwrap(), h.parse().unwrap());
        let mut pal: HashMap<usize, [u8; 3]> = HashMap::new();
        let mut px = vec![[255u8, 0, 255]; w * h];
        let (mut x, mut y0, mut colour) = (0usize, 0usize, 0usize);
        let num = |s: &str| -> (usize, usize) {
            let n = s.bytes().take_while(u8::is_ascii_digit).count();
            (s[..n].parse().unwrap(), n)
        };
        while let Some(ch) = rest.chars().next() {
            rest = &rest[1..];
            match ch {
                '#' => {
                    let (c, n) = num(rest);
                    rest = &rest[n..];
                    colour = c;
                    if let Some(r) = rest.strip_prefix(";2;") {
                        let mut v = [0u8; 3];
                        let mut r = r;
                        for (k, slot) in v.iter_mut().enumerate() {
                            let (p, n) = num(r);
                            *slot = ((p * 255 + 50) / 100) as u8;
                            r = &r[n..];
                            if k < 2 {
                                r = r.strip_prefix(';').unwrap();
                            }
                        }
                        pal.insert(c, v);
                        rest = r;
                    }
                }
                '$' => x = 0,
                '-' => (x, y0) = (0, y0 + 6),
                '!' => {
                    let (n, k) = num(rest);
                    let b = rest.as_bytes()[k] - 63;
                    rest = &rest[k + 1..];
                    for _ in 0..n {
                        paint(&mut px, w, h, x, y0, b, pal[&colour]);
                        x += 1;
                    }
                }
                c => {
                    paint(&mut px, w, h, x, y0, c as u8 - 63, pal[&colour]);
                    x += 1;
                }
            }
        }
        (w, h, px)
    }

    fn paint(px: &mut [[u8; 3]], w: usize, h: usize, x: usize, y0: usize, bits: u8, c: [u8; 3]) {
        for r in 0..6 {
            if bits & (1 << r) != 0 && y0 + r < h {
                px[(y0 + r) * w + x] = c;
            }
        }
    }

    #[test]
    fn a_gray_image_round_trips_through_its_sixels() {
        let (w, h) = (9, 13);
        let rgb: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let v = ((i * 37) % 256) as u8;
                [v, v, v]
            })
            .collect();
        let (dw, dh, px) = decode(&encode(&rgb, w, h));
        assert_eq!((dw, dh), (w, h));
        for (i, p) in px.iter().enumerate() {
            let want = rgb[3 * i];
            // Registers hold percentages: a level comes back within 1.3 of itself.
            assert!(
                p.iter().all(|&v| (v as i32 - want as i32).abs() <= 2),
                "pixel {i}: {p:?} for {want}"
            );
        }
    }

    #[test]
    fn many_colours_are_quantized_to_the_cube() {
        let (w, h) = (32, 16);
        let rgb: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i % 256) as u8, (i / 2 % 256) as u8, (i * 7 % 256) as u8])
            .collect();
        let (index, pal) = palette(&rgb);
        assert_eq!(pal.len(), 252);
        assert!(index.iter().all(|&c| (c as usize) < pal.len()));
        let (_, _, px) = decode(&encode(&rgb, w, h));
        for (i, p) in px.iter().enumerate() {
            for ch in 0..3 {
                let err = (p[ch] as i32 - rgb[3 * i + ch] as i32).abs();
                // Half a step of 6 levels (25.5) plus the percentage rounding.
                assert!(err <= 28, "pixel {i} channel {ch}: {p:?}");
            }
        }
    }

    #[test]
    fn runs_are_length_coded() {
        let rgb = [0u8, 0, 0].repeat(40 * 6);
        let seq = encode(&rgb, 40, 6);
        assert!(seq.contains("#0!40~-"), "{seq:?}");
    }
}
