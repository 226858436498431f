//! The kitty graphics protocol (kitty, Ghostty, WezTerm, Konsole): the PNG is sent as it is,
//! base64 in chunks of at most 4096 bytes, and shown at the cursor over a box of cells.
//! Placements are a layer above the text, so an image that should go is deleted by id.

/// The id saddle's samples image uses: one image at a time, replaced by transmitting again.
pub const IMAGE_ID: u32 = 7373;

/// Largest base64 payload of one escape sequence, as the protocol requires.
const CHUNK: usize = 4096;

/// Transmits `png_base64` as image [`IMAGE_ID`] and places it at the cursor scaled to
/// `cols × rows` cells. `C=1` keeps the cursor where it is; `q=2` suppresses the terminal's
/// answers, which would otherwise arrive as keystrokes.
pub fn place(png_base64: &str, cols: u16, rows: u16) -> String {
    let mut out = String::with_capacity(png_base64.len() + png_base64.len() / CHUNK * 16 + 64);
    let chunks: Vec<&str> = if png_base64.is_empty() {
        vec![""]
    } else {
        png_base64
            .as_bytes()
            .chunks(CHUNK)
            .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
            .collect()
    };
    for (k, chunk) in chunks.iter().enumerate() {
        let more = (k + 1 < chunks.len()) as u8;
        if k == 0 {
            out.push_str(&format!(
                "\x1b_Ga=T,f=100,t=d,i={IMAGE_ID},c={cols},r={rows},C=1,q=2,m={more};"
            ));
        } else {
            out.push_str(&format!("\x1b_Gm={more},q=2;"));
        }
        out.push_str(chunk);
        out.push_str("\x1b\\");
    }
    out
}

/// Deletes every placement of image [`IMAGE_ID`] and frees its data.
pub fn delete() -> String {
    format!("\x1b_Ga=d,d=I,i={IMAGE_ID},q=2\x1b\\")
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn payloads_are_cut_in_4096_byte_chunks_that_rejoin_to_the_png() {
        let png: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&png);
        let seq = place(&b64, 12, 5);
        let parts: Vec<&str> = seq
            .split("\x1b\\")
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.strip_prefix("\x1b_G")
                    .expect("every part is a graphics command")
            })
            .collect();
        assert_eq!(parts.len(), b64.len().div_ceil(4096));
        assert!(parts[0].starts_with("a=T,f=100,t=d,i=7373,c=12,r=5,C=1,q=2,m=1;"));
        let mut joined = String::new();
        for (k, p) in parts.iter().enumerate() {
            let (keys, payload) = p.split_once(';').unwrap();
            let last = k + 1 == parts.len();
            assert_eq!(keys.contains("m=0"), last, "part {k}: {keys}");
            assert!(payload.len() <= 4096);
            joined.push_str(payload);
        }
        let back = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .unwrap();
        assert_eq!(back, png);
    }

    #[test]
    fn deleting_names_the_image() {
        assert_eq!(delete(), "\x1b_Ga=d,d=I,i=7373,q=2\x1b\\");
    }
}
