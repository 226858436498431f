//! The idx format of MNIST and Fashion-MNIST (raw, or gzip-compressed when the name ends in
//! `.gz`): magic 0x00000803 (unsigned bytes, 3 dimensions), then the big-endian sizes
//! (count, rows, cols), then the pixels row-major.

use super::{missing, DatasetReader};
use flate2::bufread::GzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read, Seek, SeekFrom};
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

/// An idx file opened for reading, decompressed on the fly when its name ends in `.gz`. It
/// reads no more than asked, so [`IdxReader::finish`] must end every read: only reading to
/// the end of the gzip data makes the decoder compare its CRC-32 and length trailer, and only
/// then do the bytes after the announced ones show up.
pub struct IdxReader {
    path: PathBuf,
    source: Source,
}

enum Source {
    Raw(BufReader<File>),
    Gz(GzDecoder<BufReader<File>>),
}

impl IdxReader {
    /// Opens `path`, raw or gzip by its name.
    pub fn open(path: &Path) -> Result<Self, String> {
        let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let r = BufReader::new(f);
        let source = if is_gz(path) {
            Source::Gz(GzDecoder::new(r))
        } else {
            Source::Raw(r)
        };
        Ok(IdxReader {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Fills `buf` with the next bytes of the (decompressed) data; `what` says what the header
    /// announced, for the message when the data ends before.
    pub fn read_exact(&mut self, buf: &mut [u8], what: &str) -> Result<(), String> {
        let r: &mut dyn Read = match &mut self.source {
            Source::Raw(r) => r,
            Source::Gz(r) => r,
        };
        r.read_exact(buf).map_err(|e| self.error(e, what))
    }

    /// Reads `want` bytes into a buffer that grows as they come: a damaged header that
    /// announces terabytes ends at the file's end instead of aborting on the allocation.
    pub fn read_vec(&mut self, want: usize, what: &str) -> Result<Vec<u8>, String> {
        let r: &mut dyn Read = match &mut self.source {
            Source::Raw(r) => r,
            Source::Gz(r) => r,
        };
        let mut v = Vec::new();
        let got = r.take(want as u64).read_to_end(&mut v);
        match got {
            Ok(n) if n == want => Ok(v),
            Ok(_) => Err(self.error(std::io::ErrorKind::UnexpectedEof.into(), what)),
            Err(e) => Err(self.error(e, what)),
        }
    }

    /// Reads to the end, so that a gzip file's CRC and length are checked, and refuses bytes
    /// past those announced (`what` says how many) and bytes after the end of the gzip data.
    pub fn finish(mut self, what: &str) -> Result<(), String> {
        let extra = self.skip_rest(what)?;
        if extra > 0 {
            return Err(format!(
                "{}: {what}, but its data goes on past them ({extra} more bytes)",
                self.path.display()
            ));
        }
        Ok(())
    }

    /// Reads and drops the rest of the (decompressed) data and returns how many bytes it
    /// held, checking a gzip file's CRC and that nothing follows its gzip data.
    fn skip_rest(&mut self, what: &str) -> Result<u64, String> {
        let n = match &mut self.source {
            Source::Raw(r) => std::io::copy(r, &mut std::io::sink()),
            Source::Gz(r) => std::io::copy(r, &mut std::io::sink()),
        }
        .map_err(|e| self.error(e, what))?;
        if let Source::Gz(r) = &mut self.source {
            // A single-member decoder stops at its trailer and leaves whatever follows.
            let after = r
                .get_mut()
                .fill_buf()
                .map_err(|e| format!("{}: {e}", self.path.display()))?;
            if !after.is_empty() {
                return Err(format!(
                    "{}: bytes after the end of its gzip data (a damaged file, or several gzip files joined)",
                    self.path.display()
                ));
            }
        }
        Ok(n)
    }

    /// The message for a failed read: for gzip data, whether it was cut short or damaged.
    fn error(&self, e: std::io::Error, what: &str) -> String {
        let path = self.path.display();
        let gz = matches!(self.source, Source::Gz(_));
        match (gz, e.kind()) {
            (false, ErrorKind::UnexpectedEof) => format!("{path}: {what}, but the file ends early"),
            (true, ErrorKind::UnexpectedEof) => {
                format!("{path}: {what}, but its gzip data is cut short (truncated)")
            }
            // flate2 reports a bad CRC or length trailer, and undecodable deflate data, as
            // invalid input; its words for the first are the ones that name the checksum.
            (true, ErrorKind::InvalidInput | ErrorKind::InvalidData) => {
                if e.to_string().contains("checksum") {
                    format!("{path}: its gzip data is damaged (CRC mismatch: it does not decompress to what was compressed)")
                } else {
                    format!("{path}: its gzip data is damaged ({e})")
                }
            }
            _ => format!("{path}: {e}"),
        }
    }
}

fn is_gz(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

fn header(r: &mut IdxReader, side: usize) -> Result<usize, String> {
    let path = r.path.clone();
    let path = path.display();
    let mut h = [0u8; 16];
    r.read_exact(&mut h, "expected a 16-byte idx header")
        .map_err(|e| format!("{e}: not an idx image file"))?;
    let word = |i: usize| u32::from_be_bytes([h[4 * i], h[4 * i + 1], h[4 * i + 2], h[4 * i + 3]]);
    if word(0) != MAGIC_IMAGES {
        return Err(format!(
            "{path}: magic {:#010x}, expected {MAGIC_IMAGES:#010x}: not an idx image file",
            word(0)
        ));
    }
    let (n, rows, cols) = (word(1) as usize, word(2) as usize, word(3) as usize);
    if rows != side || cols != side {
        return Err(format!(
            "{path}: images are {rows}×{cols}, expected {side}×{side}"
        ));
    }
    if n == 0 {
        return Err(format!(
            "{path}: its header says it holds no images (0 images of {side}×{side}); a dataset needs at least one"
        ));
    }
    Ok(n)
}

/// What the header announces, for messages: "the header announces 3 images (2368 bytes)".
fn announced(n: usize, side: usize) -> String {
    format!(
        "the header announces {n} images ({} bytes)",
        16 + n * side * side
    )
}

/// Reads the header and returns the number of images (checking they are side×side), and
/// checks the file holds exactly that many without reading them: a raw file by its size, a
/// gzip file by its trailer (the size of what it holds, modulo 2³²), so that a file cut short
/// is refused before any run is made, not when the first run loads it. Only when the trailer
/// disagrees is the gzip data decoded, to say what is wrong; damage that leaves the size
/// alone is found by [`read_images`], which checks the CRC.
pub fn read_header(path: &Path, side: usize) -> Result<usize, String> {
    let mut r = IdxReader::open(path)?;
    let n = header(&mut r, side)?;
    let what = announced(n, side);
    let want = 16 + (n * side * side) as u64;
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if is_gz(path) {
        let mut f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut tail = [0u8; 4];
        let read = len >= 4 && f.seek(SeekFrom::End(-4)).is_ok() && f.read_exact(&mut tail).is_ok();
        let holds = u32::from_le_bytes(tail);
        if !read || holds != want as u32 {
            // The last 4 bytes are a trailer only in a whole file: decode to tell a file cut
            // short from a damaged one, and fall back on their value when decoding finds
            // nothing wrong.
            let rest = r.skip_rest(&what)?;
            let got = 16 + rest;
            if got != want {
                let how = if got < want {
                    "ends early"
                } else {
                    "goes on past them"
                };
                return Err(format!(
                    "{}: {what}, but its gzip data holds {got} bytes: it {how}",
                    path.display()
                ));
            }
            return Err(format!(
                "{}: {what}, but it is cut short or damaged: its last 4 bytes give {holds} as the uncompressed size (modulo 2³²)",
                path.display()
            ));
        }
    } else if len != want {
        let how = if len < want {
            "ends early"
        } else {
            "goes on past them"
        };
        return Err(format!(
            "{}: {what}, but the file has {len} bytes: it {how}",
            path.display()
        ));
    }
    Ok(n)
}

/// Reads (count, pixels) of an idx image file, to its end: a gzip file's CRC is checked, and
/// bytes past the announced images are refused.
pub fn read_images(path: &Path, side: usize) -> Result<(usize, Vec<u8>), String> {
    let mut r = IdxReader::open(path)?;
    let n = header(&mut r, side)?;
    let what = announced(n, side);
    let px = r.read_vec(n * side * side, &what)?;
    r.finish(&what)?;
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
pub(crate) mod tests {
    use super::*;

    /// A damaged header announcing 4·10⁹ images is refused at the file's end: the reader
    /// allocated the announced 3 TB first and aborted.
    #[test]
    fn a_header_announcing_terabytes_is_refused_not_allocated() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("train-images-idx3-ubyte");
        let mut bytes = vec![0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 28, 0, 0, 0, 28];
        bytes.extend(std::iter::repeat_n(7u8, 3 * 784));
        std::fs::write(&p, bytes).unwrap();
        let e = read_images(&p, 28).unwrap_err();
        assert!(e.contains("train-images-idx3-ubyte"), "{e}");
    }

    /// Bytes that deflate codes mostly as literals, so that one flipped bit often turns a
    /// literal into another and the stream still decodes to the same length.
    pub(crate) fn noise(len: usize, below: u8) -> Vec<u8> {
        let mut s = 12345u64;
        (0..len)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((s >> 33) % below as u64) as u8
            })
            .collect()
    }

    /// A copy of the gzip file `gz` (as `GzEncoder` writes it: a 10-byte header, the deflate
    /// data, an 8-byte trailer) with one bit of its deflate data flipped, chosen so that the
    /// data still decodes, to different bytes for which `plausible` holds: only the CRC can
    /// tell this copy is damaged, which is what a reader that stops short of it misses.
    pub(crate) fn flip_a_bit_only_the_crc_sees(
        gz: &[u8],
        plausible: impl Fn(&[u8]) -> bool,
    ) -> Vec<u8> {
        let body = 10..gz.len() - 8;
        let mut original = vec![];
        flate2::read::DeflateDecoder::new(&gz[body.clone()])
            .read_to_end(&mut original)
            .unwrap();
        let middle = (body.start + body.end) / 2;
        for pos in (middle..body.end).chain(body.start..middle) {
            for bit in 0..8 {
                let mut g = gz.to_vec();
                g[pos] ^= 1 << bit;
                let mut out = vec![];
                let decoded = flate2::read::DeflateDecoder::new(&g[body.clone()])
                    .read_to_end(&mut out)
                    .is_ok();
                if decoded && out != original && plausible(&out) {
                    return g;
                }
            }
        }
        panic!("no bit of the deflate data flips into a stream only the CRC refuses")
    }

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
        // header's check, before anything reads the pixels, and when read.
        for name in ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"] {
            let p = dir.path().join(name);
            let whole = std::fs::read(&p).unwrap();
            std::fs::write(&p, &whole[..whole.len() - 30]).unwrap();
            for e in [
                read_header(&p, 28).unwrap_err(),
                read_images(&p, 28).unwrap_err(),
            ] {
                assert!(e.contains("announces 3 images (2368 bytes)"), "{e}");
                assert!(e.starts_with(&p.display().to_string()), "{e}");
            }
            let mut longer = whole.clone();
            longer.extend([0u8; 5]);
            std::fs::write(&p, &longer).unwrap();
            assert!(read_header(&p, 28).is_err(), "{name} with bytes after it");
            assert!(read_images(&p, 28).is_err(), "{name} with bytes after it");
        }
        let p = dir.path().join("bad");
        std::fs::write(&p, [0u8; 20]).unwrap();
        assert!(read_header(&p, 28)
            .unwrap_err()
            .contains("not an idx image file"));
    }

    #[test]
    fn a_gz_file_with_a_flipped_bit_is_refused_as_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("train-images-idx3-ubyte.gz");
        write_images(&p, 28, &noise(3 * 28 * 28, 40)).unwrap();
        let gz = std::fs::read(&p).unwrap();
        let want = 16 + 3 * 28 * 28;
        let damaged = flip_a_bit_only_the_crc_sees(&gz, |out| {
            out.len() == want && out[..16] == gz_header_of(&gz)[..]
        });
        std::fs::write(&p, damaged).unwrap();
        let Err(e) = read_images(&p, 28) else {
            panic!("the damaged file was accepted");
        };
        assert!(e.starts_with(&p.display().to_string()), "{e}");
        assert!(e.contains("damaged") && e.contains("CRC mismatch"), "{e}");
    }

    /// The first 16 bytes `gz` decompresses to: the idx header a flip must leave alone for the
    /// damage to reach the pixels.
    fn gz_header_of(gz: &[u8]) -> Vec<u8> {
        let mut out = vec![];
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut out)
            .unwrap();
        out[..16].to_vec()
    }

    #[test]
    fn a_file_of_no_images_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"] {
            let p = dir.path().join(name);
            write_images(&p, 28, &[]).unwrap();
            for e in [
                read_header(&p, 28).unwrap_err(),
                read_images(&p, 28).unwrap_err(),
            ] {
                assert!(e.starts_with(&p.display().to_string()), "{e}");
                assert!(e.contains("holds no images"), "{e}");
            }
        }
    }

    #[test]
    fn a_truncated_gz_file_is_called_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("train-images-idx3-ubyte.gz");
        write_images(&p, 28, &noise(3 * 28 * 28, 40)).unwrap();
        let whole = std::fs::read(&p).unwrap();
        // Cut inside the deflate data, and inside the trailer itself.
        for cut in [30, 3] {
            std::fs::write(&p, &whole[..whole.len() - cut]).unwrap();
            for e in [
                read_header(&p, 28).unwrap_err(),
                read_images(&p, 28).unwrap_err(),
            ] {
                assert!(e.starts_with(&p.display().to_string()), "{e}");
                assert!(e.contains("cut short (truncated)"), "cut {cut}: {e}");
                assert!(!e.contains("trailer says"), "cut {cut}: {e}");
            }
        }
        // Bytes after the end of the gzip data are named as such.
        let mut longer = whole.clone();
        longer.extend([0u8; 5]);
        std::fs::write(&p, &longer).unwrap();
        for e in [
            read_header(&p, 28).unwrap_err(),
            read_images(&p, 28).unwrap_err(),
        ] {
            assert!(e.contains("after the end of its gzip data"), "{e}");
        }
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
