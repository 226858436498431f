//! A dataset reader of your own, used by saddle's image GANs through the same command line,
//! presets and dashboard: a folder of binary PGM images. One `DatasetReader` implementation,
//! one registration line.
//!
//! ```text
//! cargo run --example custom_dataset -- run examples/pgm_images.ron --set 'game.data_dir="DIR"'
//! ```
//!
//! A preset names the dataset `dataset: PgmImages`; its files are every `*.pgm` in the
//! preset's `data_dir` (default `$SADDLE_DATA/pgm`), in name order: binary greymaps (`P5`),
//! `side`×`side`, 8 bits.

use saddle::{DatasetReader, Registry};
use std::path::{Path, PathBuf};

/// Square grey PGM images of one size.
struct PgmFolder {
    side: usize,
}

impl PgmFolder {
    fn files(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pgm"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(format!(
                "{}: no .pgm files; {}",
                dir.display(),
                self.origin()
            ));
        }
        Ok(files)
    }

    /// The pixels of one file, after checking its header.
    fn read_one(&self, path: &Path) -> Result<Vec<u8>, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let side = self.side;
        let bad = |why: &str| format!("{}: {why}: not a {side}×{side} binary PGM", path.display());
        // "P5", width, height, maxval, each after whitespace, then one whitespace byte.
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if start == at {
                return Err(bad("the header ends early"));
            }
            fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
        }
        let number = |s: &str| {
            s.parse::<usize>()
                .map_err(|_| bad("a size is not a number"))
        };
        if fields[0] != "P5" {
            return Err(bad("no P5 magic"));
        }
        let (w, h, max) = (
            number(&fields[1])?,
            number(&fields[2])?,
            number(&fields[3])?,
        );
        if w != self.side || h != self.side || max != 255 {
            return Err(bad(&format!("{w}×{h} with maxval {max}")));
        }
        let pixels = bytes.get(at + 1..).unwrap_or_default();
        if pixels.len() != w * h {
            return Err(bad(&format!("{} pixel bytes for {w}×{h}", pixels.len())));
        }
        Ok(pixels.to_vec())
    }
}

impl DatasetReader for PgmFolder {
    fn folder(&self) -> &str {
        "pgm"
    }

    fn image_shape(&self) -> (usize, usize) {
        (1, self.side)
    }

    fn origin(&self) -> &str {
        "binary PGM files (P5, 8 bits) of one square size, any names ending in .pgm"
    }

    fn check(&self, dir: &Path) -> Result<(), String> {
        self.files(dir)?
            .iter()
            .try_for_each(|p| self.read_one(p).map(|_| ()))
    }

    fn read(&self, dir: &Path) -> Result<(usize, Vec<u8>), String> {
        let files = self.files(dir)?;
        let mut pixels = Vec::with_capacity(files.len() * self.side * self.side);
        for p in &files {
            pixels.extend(self.read_one(p)?);
        }
        Ok((files.len(), pixels))
    }
}

fn main() {
    let registry = Registry::builtin().dataset("PgmImages", PgmFolder { side: 28 });
    std::process::exit(saddle::cli::main_with(registry));
}
