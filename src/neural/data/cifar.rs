//! CIFAR-10 binary batches: records of 1 label byte and 3072 pixel bytes (1024 red, then
//! green, then blue, each row-major 32×32); 10 000 records per official file.

use super::{missing, DatasetReader};
use std::path::{Path, PathBuf};

/// The reader of CIFAR-10's binary version: `data_batch_1.bin` … `data_batch_5.bin`.
pub struct Cifar10;

const ORIGIN: &str = "the CIFAR-10 binary version (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html), extracted: data_batch_1.bin … data_batch_5.bin";

impl Cifar10 {
    fn paths(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        (1..=5)
            .map(|i| {
                let p = dir.join(format!("data_batch_{i}.bin"));
                if p.is_file() {
                    Ok(p)
                } else {
                    Err(missing(&p, ORIGIN))
                }
            })
            .collect()
    }
}

impl DatasetReader for Cifar10 {
    fn folder(&self) -> &str {
        "cifar-10-batches-bin"
    }

    fn image_shape(&self) -> (usize, usize) {
        (3, 32)
    }

    fn origin(&self) -> &str {
        ORIGIN
    }

    fn check(&self, dir: &Path) -> Result<(), String> {
        self.paths(dir)?.iter().try_for_each(|p| check(p))
    }

    fn count(&self, dir: &Path) -> Result<Option<usize>, String> {
        let mut n = 0;
        for p in self.paths(dir)? {
            n += records(&p)?;
        }
        Ok(Some(n))
    }

    fn read(&self, dir: &Path) -> Result<(usize, Vec<u8>), String> {
        let mut pixels = vec![];
        let mut count = 0;
        for p in self.paths(dir)? {
            let (n, px) = read(&p)?;
            count += n;
            pixels.extend(px);
        }
        Ok((count, pixels))
    }
}

/// Bytes per record.
pub const RECORD: usize = 1 + 3 * 32 * 32;

fn size_error(path: &Path, len: u64) -> String {
    format!("{}: {len} bytes is not a whole number of CIFAR-10 records ({RECORD} bytes each): not a CIFAR-10 binary batch", path.display())
}

/// Checks the file's size is a positive whole number of records.
pub fn check(path: &Path) -> Result<(), String> {
    records(path).map(|_| ())
}

/// The number of records in the file, from its size (a positive whole number of them).
fn records(path: &Path) -> Result<usize, String> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if len == 0 || len % RECORD as u64 != 0 {
        return Err(size_error(path, len));
    }
    Ok(len as usize / RECORD)
}

/// Reads (number of images, pixels (C, H, W) per image) from one batch file.
pub fn read(path: &Path) -> Result<(usize, Vec<u8>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.is_empty() || bytes.len() % RECORD != 0 {
        return Err(size_error(path, bytes.len() as u64));
    }
    let n = bytes.len() / RECORD;
    let mut px = Vec::with_capacity(n * (RECORD - 1));
    for r in bytes.chunks_exact(RECORD) {
        if r[0] > 9 {
            return Err(format!(
                "{}: label {} out of 0..=9: not a CIFAR-10 binary batch",
                path.display(),
                r[0]
            ));
        }
        px.extend_from_slice(&r[1..]);
    }
    Ok((n, px))
}

/// Writes records (label, pixels) in the CIFAR-10 binary format (for tests and tools).
pub fn write(path: &Path, images: &[(u8, Vec<u8>)]) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(images.len() * RECORD);
    for (label, px) in images {
        assert_eq!(px.len(), RECORD - 1);
        bytes.push(*label);
        bytes.extend_from_slice(px);
    }
    std::fs::write(path, bytes)
}

/// Writes `data_batch_1.bin` … `data_batch_5.bin` of `per_batch` made-up images each into
/// `dir`: smooth colour gradients (x·4 + y·2 + 60·channel + 13·k) plus N(0, 20²) noise from
/// `seed` — real-format files with some structure, for tests, benchmarks and demonstrations.
pub fn write_demo(dir: &Path, per_batch: usize, seed: u64) -> std::io::Result<()> {
    let mut rng = crate::rng::Rng::new(seed);
    for b in 1..=5 {
        let imgs: Vec<(u8, Vec<u8>)> = (0..per_batch)
            .map(|k| {
                let px = (0..RECORD - 1)
                    .map(|j| {
                        let (c, y, x) = (j / 1024, (j / 32) % 32, j % 32);
                        let v = (x * 4 + y * 2 + c * 60 + k * 13) as f64 + 20.0 * rng.normal();
                        v.clamp(0.0, 255.0) as u8
                    })
                    .collect();
                ((k % 10) as u8, px)
            })
            .collect();
        write(&dir.join(format!("data_batch_{b}.bin")), &imgs)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The count from file sizes (what validation uses) is the count reading gives.
    #[test]
    fn the_count_from_sizes_is_the_count_read() {
        let dir = tempfile::tempdir().unwrap();
        write_demo(dir.path(), 7, 1).unwrap();
        assert_eq!(Cifar10.count(dir.path()).unwrap(), Some(35));
        assert_eq!(Cifar10.read(dir.path()).unwrap().0, 35);
        std::fs::write(dir.path().join("data_batch_3.bin"), [0u8; 10]).unwrap();
        assert!(Cifar10.count(dir.path()).is_err(), "a torn file is named");
    }

    #[test]
    fn reads_what_it_writes_and_refuses_truncated_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("data_batch_1.bin");
        let imgs: Vec<(u8, Vec<u8>)> = (0..3)
            .map(|i| {
                (
                    i as u8,
                    (0..RECORD - 1).map(|j| ((i * 7 + j) % 256) as u8).collect(),
                )
            })
            .collect();
        write(&p, &imgs).unwrap();
        check(&p).unwrap();
        let (n, px) = read(&p).unwrap();
        assert_eq!(n, 3);
        assert_eq!(&px[3072..3072 * 2], &imgs[1].1[..]);
        std::fs::write(&p, vec![0u8; RECORD + 5]).unwrap();
        assert!(check(&p)
            .unwrap_err()
            .contains("not a CIFAR-10 binary batch"));
    }
}
