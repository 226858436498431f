//! The iTerm2 inline-image protocol (iTerm2, WezTerm, mintty): the PNG file, base64, in one
//! OSC 1337 sequence, shown at the cursor over a box of cells with its aspect ratio kept.
//! Images are part of the cell grid, so text written over the cells replaces them.

/// The sequence that shows `png` (its `png_base64`) at the cursor within `cols × rows` cells.
pub fn place(png_len: usize, png_base64: &str, cols: u16, rows: u16) -> String {
    format!(
        "\x1b]1337;File=inline=1;size={png_len};width={cols};height={rows};preserveAspectRatio=1:{png_base64}\x07"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_carries_size_box_and_payload() {
        assert_eq!(
            place(3, "AAEC", 10, 4),
            "\x1b]1337;File=inline=1;size=3;width=10;height=4;preserveAspectRatio=1:AAEC\x07"
        );
    }
}
