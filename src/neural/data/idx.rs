//! The idx format of MNIST and Fashion-MNIST (raw, or gzip-compressed when the name ends in
//! `.gz`): magic 0x00000803 (unsigned bytes, 3 dimensions), then the big-endian sizes
//! (count, rows, cols), then the pixels row-major.

use super::{missing, DatasetReader};
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The reader of a dataset of 28×28 grey images in one idx file, `train-images-idx3-ubyte`
/// (raw or `.gz`): MNIST and Fashion-MNIST.
pub struct Idx28 {
    folder: &'static str,
    origin: &'static str,
}

/// MNIST's reader.
pub const MNIST: Idx28 = Idx28 {
    folder: "mnist",
    origin:
        "MNIST's train-images-idx3-ubyte(.gz) (http://yann.lecun.com/exdb/mnist/ or any mirror)",
};

/// Fashion-MNIST's reader.
pub const FASHION_MNIST: Idx28 = Idx28 {
    folder: "fashion-mnist",
    origin: "Fashion-MNIST's train-images-idx3-ubyte(.gz) (https://github.com/zalandoresearch/fashion-mnist, folder data/fashion)",
};

impl Idx28 {
    fn path(&self, dir: &Path) -> Result<PathBuf, String> {
        let raw = dir.join("train-images-idx3-ubyte");
        let gz = dir.join("train-images-idx3-ubyte.gz");
        if raw.is_file() {
            Ok(raw)
        } else if gz.is_file() {
            Ok(gz)
        } else if let Some(other) = [&raw, &gz].into_iter().find(|p| p.exists()) {
            Err(format!(
                "{}: not a file (a directory or a device where the images file should be)",
                other.display()
            ))
        } else {
            Err(missing(&raw, self.origin))
        }
    }
}

impl DatasetReader for Idx28 {
    fn folder(&self) -> &str {
        self.folder
    }

    fn image_shape(&self) -> (usize, usize) {
        (1, 28)
    }

    fn origin(&self) -> &str {
        self.origin
    }

    fn check(&self, dir: &Path) -> Result<(), String> {
        read_header(&self.path(dir)?, 28).map(|_| ())
    }

    fn count(&self, dir: &Path) -> Result<Option<usize>, String> {
        read_header(&self.path(dir)?, 28).map(Some)
    }

    fn read(&self, dir: &Path) -> Result<(usize, Vec<u8>), String> {
        read_images(&self.path(dir)?, 28)
    }
}

const MAGIC_IMAGES: u32 = 0x0000_0803;

fn open(path: &Path) -> Result<Box<dyn Read>, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let r = std::io::BufReader::new(f);
    Ok(if path.extension().is_some_and(|e| e == "gz") {
        Box::new(GzDecoder::new(r))
    } else {
        Box::new(r)
    })
}

fn header(path: &Path, r: &mut dyn Read, side: usize) -> Result<usize, String> {
    let mut h = [0u8; 16];
    r.read_exact(&mut h).map_err(|e| {
        format!(
            "{}: cannot read an idx header ({e}): not an idx image file",
            path.display()
        )
    })?;
    let word = |i: usize| u32::from_be_bytes([h[4 * i], h[4 * i + 1], h[4 * i + 2], h[4 * i + 3]]);
    if word(0) != MAGIC_IMAGES {
        return Err(format!(
            "{}: magic {:#010x}, expected {MAGIC_IMAGES:#010x}: not an idx image file",
            path.display(),
            word(0)
        ));
    }
    let (n, rows, cols) = (word(1) as usize, word(2) as usize, word(3) as usize);
    if rows != side || cols != side {
        return Err(format!(
            "{}: images are {rows}×{cols}, expected {side}×{side}",
            path.display()
        ));
    }
    Ok(n)
}

/// Reads the header and returns the number of images (checking they are side×side), and
/// checks the file holds exactly that many without reading them: a raw file by its size, a
/// gzip file by its trailer (the size of what it holds, modulo 2³²), so that a file cut short
/// is refused before any run is made, not when the first run loads it.
pub fn read_header(path: &Path, side: usize) -> Result<usize, String> {
    let mut r = open(path)?;
    let n = header(path, r.as_mut(), side)?;
    let want = 16 + (n * side * side) as u64;
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if path.extension().is_some_and(|e| e == "gz") {
        let mut f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut tail = [0u8; 4];
        let read = len >= 4 && {
            use std::io::{Seek, SeekFrom};
            f.seek(SeekFrom::End(-4)).is_ok() && f.read_exact(&mut tail).is_ok()
        };
        let holds = u32::from_le_bytes(tail);
        if !read || holds != want as u32 {
            return Err(format!(
                "{}: the header announces {n} images ({want} bytes), but the gzip trailer says the file holds {holds} bytes (modulo 2³²): it is cut short, damaged, or has bytes after its end",
                path.display()
            ));
        }
    } else if len != want {
        let what = if len < want {
            "ends early"
        } else {
            "goes on past them"
        };
        return Err(format!(
            "{}: the header announces {n} images ({want} bytes), but the file has {len} bytes: it {what}",
            path.display()
        ));
    }
    Ok(n)
}

/// Reads (count, pixels) of an idx image file.
pub fn read_images(path: &Path, side: usize) -> Result<(usize, Vec<u8>), String> {
    let mut r = open(path)?;
    let n = header(path, r.as_mut(), side)?;
    let mut px = vec![0u8; n * side * side];
    r.read_exact(&mut px).map_err(|e| {
        format!(
            "{}: the header announces {n} images but the file ends early ({e})",
            path.display()
        )
    })?;
    Ok((n, px))
}

/// Writes an idx image file, gzip-compressed when `path` ends in `.gz` (for tests and tools).
pub fn write_images(path: &Path, side: usize, pixels: &[u8]) -> std::io::Result<()> {
    let n = pixels.len() / (side * side);
    let mut bytes = Vec::with_capacity(16 + pixels.len());
    for w in [MAGIC_IMAGES, n as u32, side as u32, side as u32] {
        bytes.extend_from_slice(&w.to_be_bytes());
    }
    bytes.extend_from_slice(pixels);
    if path.extension().is_some_and(|e| e == "gz") {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, &bytes)?;
        bytes = enc.finish()?;
    }
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_and_gz_round_trip_and_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let px: Vec<u8> = (0..3 * 28 * 28).map(|i| (i % 251) as u8).collect();
        for name in ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"] {
            let p = dir.path().join(name);
            write_images(&p, 28, &px).unwrap();
            assert_eq!(read_header(&p, 28).unwrap(), 3);
            assert_eq!(read_images(&p, 28).unwrap(), (3, px.clone()));
            assert!(read_header(&p, 32).unwrap_err().contains("expected 32×32"));
        }
        // Cut short or with bytes after the last image, raw or compressed: refused from the
        // header's check, before anything reads the pixels.
        for name in ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"] {
            let p = dir.path().join(name);
            let whole = std::fs::read(&p).unwrap();
            std::fs::write(&p, &whole[..whole.len() - 30]).unwrap();
            let e = read_header(&p, 28).unwrap_err();
            assert!(e.contains("announces 3 images (2368 bytes)"), "{e}");
            let mut longer = whole.clone();
            longer.extend([0u8; 5]);
            std::fs::write(&p, &longer).unwrap();
            assert!(read_header(&p, 28).is_err(), "{name} with bytes after it");
        }
        let p = dir.path().join("bad");
        std::fs::write(&p, [0u8; 20]).unwrap();
        assert!(read_header(&p, 28)
            .unwrap_err()
            .contains("not an idx image file"));
    }

    /// The real MNIST test set shipped in `shared/data/mnist` (skipped where it is absent).
    #[test]
    fn reads_the_real_mnist_test_set() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/mnist/t10k-images-idx3-ubyte.gz");
        if !p.exists() {
            eprintln!("skipped: {} not present", p.display());
            return;
        }
        assert_eq!(read_header(&p, 28).unwrap(), 10_000, "the trailer agrees");
        let (n, px) = read_images(&p, 28).unwrap();
        assert_eq!(n, 10_000);
        // MNIST digits are white on black: most pixels 0, some 255, mean ≈ 33.
        let mean = px.iter().map(|&v| v as f64).sum::<f64>() / px.len() as f64;
        assert!((25.0..40.0).contains(&mean), "mean pixel {mean}");
        assert!(px.iter().filter(|&&v| v == 0).count() > px.len() / 2);
    }
}
