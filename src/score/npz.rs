//! NumPy `.npz` archives of f64/f32 arrays: read what `np.savez` / `np.savez_compressed` write
//! (the TTUR and pytorch-fid statistics files: `mu`, `sigma`), and write uncompressed ones that
//! `np.load` reads back.
//!
//! An .npz is a ZIP archive of `.npy` files; entries are found through the central directory
//! (ZIP64 fields included, as NumPy forces them), stored or deflated. An .npy file is the magic
//! `\x93NUMPY`, a version, a header length, a Python dict literal
//! `{'descr': '<f8', 'fortran_order': False, 'shape': (2048, 2048), }` and the raw values.

use flate2::read::DeflateDecoder;
use std::io::Read;
use std::path::Path;

/// One array: its shape and values (row-major, as f64).
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// Shape.
    pub shape: Vec<usize>,
    /// Values in C order.
    pub data: Vec<f64>,
}

fn u16_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?) as u64)
}
fn u32_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?) as u64)
}
fn u64_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?))
}

struct Entry {
    name: String,
    method: u64,
    compressed: u64,
    size: u64,
    offset: u64,
}

fn central_directory(b: &[u8]) -> Option<Vec<Entry>> {
    let lo = b.len().saturating_sub(22 + 65535);
    let eocd = (lo..=b.len().checked_sub(22)?)
        .rev()
        .find(|&i| u32_at(b, i) == Some(0x0605_4b50))?;
    let (mut count, mut offset) = (u16_at(b, eocd + 10)?, u32_at(b, eocd + 16)?);
    if count == 0xFFFF || offset == 0xFFFF_FFFF {
        let loc = eocd.checked_sub(20)?;
        if u32_at(b, loc)? != 0x0706_4b50 {
            return None;
        }
        let z = u64_at(b, loc + 8)? as usize;
        if u32_at(b, z)? != 0x0606_4b50 {
            return None;
        }
        count = u64_at(b, z + 32)?;
        offset = u64_at(b, z + 48)?;
    }
    let mut at = offset as usize;
    let mut out = vec![];
    for _ in 0..count {
        if u32_at(b, at)? != 0x0201_4b50 {
            return None;
        }
        let method = u16_at(b, at + 10)?;
        let mut compressed = u32_at(b, at + 20)?;
        let mut size = u32_at(b, at + 24)?;
        let (nl, el, cl) = (
            u16_at(b, at + 28)? as usize,
            u16_at(b, at + 30)? as usize,
            u16_at(b, at + 32)? as usize,
        );
        let mut local = u32_at(b, at + 42)?;
        let name = String::from_utf8_lossy(b.get(at + 46..at + 46 + nl)?).into_owned();
        // ZIP64 extra field: the 32-bit fields that overflowed, in this order.
        let mut e = at + 46 + nl;
        let end = e + el;
        while e + 4 <= end {
            let (id, len) = (u16_at(b, e)?, u16_at(b, e + 2)? as usize);
            if id == 1 {
                let mut p = e + 4;
                for field in [&mut size, &mut compressed, &mut local] {
                    if *field == 0xFFFF_FFFF {
                        *field = u64_at(b, p)?;
                        p += 8;
                    }
                }
            }
            e += 4 + len;
        }
        out.push(Entry {
            name,
            method,
            compressed,
            size,
            offset: local,
        });
        at += 46 + nl + el + cl;
    }
    Some(out)
}

fn entry_bytes(b: &[u8], e: &Entry) -> Result<Vec<u8>, String> {
    let at = e.offset as usize;
    if u32_at(b, at) != Some(0x0403_4b50) {
        return Err(format!("{}: bad local header", e.name));
    }
    let (nl, el) = (
        u16_at(b, at + 26).unwrap_or(0) as usize,
        u16_at(b, at + 28).unwrap_or(0) as usize,
    );
    let start = at + 30 + nl + el;
    let raw = b
        .get(start..start + e.compressed as usize)
        .ok_or_else(|| format!("{}: truncated", e.name))?;
    match e.method {
        0 => Ok(raw.to_vec()),
        8 => {
            let mut out = Vec::with_capacity(e.size as usize);
            DeflateDecoder::new(raw)
                .read_to_end(&mut out)
                .map_err(|x| format!("{}: {x}", e.name))?;
            Ok(out)
        }
        m => Err(format!(
            "{}: compression method {m} (only stored and deflate)",
            e.name
        )),
    }
}

/// Parses one .npy file.
pub fn parse_npy(b: &[u8]) -> Result<Array, String> {
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err("not an .npy array".into());
    }
    let (hl, start) = match b[6] {
        1 => (u16_at(b, 8).unwrap_or(0) as usize, 10),
        2 | 3 => (u32_at(b, 8).unwrap_or(0) as usize, 12),
        v => return Err(format!(".npy version {v}")),
    };
    let header = std::str::from_utf8(b.get(start..start + hl).ok_or("truncated header")?)
        .map_err(|_| "header is not text")?;
    let field = |key: &str| -> Option<&str> {
        let i = header.find(&format!("'{key}'"))? + key.len() + 2;
        Some(header[i..].trim_start().strip_prefix(':')?.trim_start())
    };
    let descr = field("descr")
        .and_then(|s| s.strip_prefix('\''))
        .and_then(|s| s.split('\'').next())
        .ok_or("no descr")?;
    let fortran = field("fortran_order").is_some_and(|s| s.starts_with("True"));
    let shape_text = field("shape")
        .and_then(|s| s.strip_prefix('('))
        .and_then(|s| s.split(')').next())
        .ok_or("no shape")?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("shape ({shape_text}): {e}"))?;
    let n: usize = shape.iter().product();
    let body = &b[start + hl..];
    let mut data: Vec<f64> = match descr {
        "<f8" => body
            .chunks_exact(8)
            .take(n)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect(),
        "<f4" => body
            .chunks_exact(4)
            .take(n)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")) as f64)
            .collect(),
        d => return Err(format!("dtype {d} (saddle reads little-endian f8 and f4)")),
    };
    if data.len() != n {
        return Err(format!("{} values for shape {shape:?}", data.len()));
    }
    if fortran && shape.len() == 2 {
        let (r, c) = (shape[0], shape[1]);
        let f = data.clone();
        for i in 0..r {
            for j in 0..c {
                data[i * c + j] = f[j * r + i];
            }
        }
    } else if fortran && shape.len() > 2 {
        return Err("Fortran-ordered arrays of more than 2 dimensions".into());
    }
    Ok(Array { shape, data })
}

/// Reads the named arrays (`name` without `.npy`) of the archive at `path`.
pub fn read(path: &Path, names: &[&str]) -> Result<Vec<Array>, String> {
    let b = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let entries = central_directory(&b)
        .ok_or_else(|| format!("{}: not a .npz (ZIP) archive", path.display()))?;
    names
        .iter()
        .map(|n| {
            let e = entries
                .iter()
                .find(|e| e.name == format!("{n}.npy"))
                .ok_or_else(|| {
                    let have: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
                    format!(
                        "{}: no array `{n}` (it has {})",
                        path.display(),
                        have.join(", ")
                    )
                })?;
            entry_bytes(&b, e)
                .and_then(|x| parse_npy(&x))
                .map_err(|x| format!("{}: {n}: {x}", path.display()))
        })
        .collect()
}

/// An .npy file of f64 values.
pub fn npy_f64(shape: &[usize], data: &[f64]) -> Vec<u8> {
    npy(
        shape,
        "<f8",
        data.iter().flat_map(|v| v.to_le_bytes()).collect(),
    )
}

/// An .npy file of f32 values.
pub fn npy_f32(shape: &[usize], data: &[f32]) -> Vec<u8> {
    npy(
        shape,
        "<f4",
        data.iter().flat_map(|v| v.to_le_bytes()).collect(),
    )
}

fn npy(shape: &[usize], descr: &str, body: Vec<u8>) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let tuple = if shape.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple}, }}");
    // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(body);
    out
}

/// An uncompressed .npz archive of (name without `.npy`, .npy bytes) entries.
pub fn archive(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = vec![];
    let mut central = vec![];
    for (name, data) in entries {
        let name = format!("{name}.npy");
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let offset = out.len() as u32;
        let common = |v: &mut Vec<u8>| {
            v.extend(20u16.to_le_bytes()); // version needed
            v.extend(0u16.to_le_bytes()); // flags
            v.extend(0u16.to_le_bytes()); // stored
            v.extend(0u16.to_le_bytes()); // time
            v.extend(0x21u16.to_le_bytes()); // date 1980-01-01
            v.extend(crc.sum().to_le_bytes());
            v.extend((data.len() as u32).to_le_bytes());
            v.extend((data.len() as u32).to_le_bytes());
            v.extend((name.len() as u16).to_le_bytes());
            v.extend(0u16.to_le_bytes()); // extra
        };
        out.extend(0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend(name.as_bytes());
        out.extend(data);
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend(20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend(0u16.to_le_bytes()); // comment
        central.extend(0u16.to_le_bytes()); // disk
        central.extend(0u16.to_le_bytes()); // internal attributes
        central.extend(0u32.to_le_bytes()); // external attributes
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_fortran_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.npz");
        let mu = [1.5, -2.0, 3.25];
        let sigma: Vec<f64> = (0..9).map(|v| v as f64 * 0.5).collect();
        std::fs::write(
            &p,
            archive(&[
                ("mu", npy_f64(&[3], &mu)),
                ("sigma", npy_f64(&[3, 3], &sigma)),
            ]),
        )
        .unwrap();
        let r = read(&p, &["sigma", "mu"]).unwrap();
        assert_eq!(r[0].shape, vec![3, 3]);
        assert_eq!(r[0].data, sigma);
        assert_eq!(r[1].data, mu.to_vec());
        let e = read(&p, &["nope"]).unwrap_err();
        assert!(e.contains("mu.npy, sigma.npy"), "{e}");
        // A column-major 2×3 array reads back in C order.
        let mut f = npy_f32(&[2, 3], &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let at = f.windows(5).position(|w| w == b"False").unwrap();
        f.splice(at..at + 5, b"True ".iter().copied());
        assert_eq!(
            parse_npy(&f).unwrap().data,
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        );
    }

    #[test]
    fn reads_what_numpy_writes() {
        // np.savez_compressed (deflate, ZIP64 local headers) and np.savez with f32 and a
        // Fortran-ordered matrix, made by NumPy 2.4.
        let fx = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/score/");
        for f in ["stats_small.npz", "stats_small_stored.npz"] {
            let r = read(&Path::new(fx).join(f), &["mu", "sigma"]).unwrap();
            assert_eq!(r[0].data, vec![1.5, -2.0, 3.25], "{f}");
            assert_eq!(r[1].shape, vec![3, 3]);
            assert_eq!(
                r[1].data,
                (0..9).map(|v| v as f64 * 0.5).collect::<Vec<_>>()
            );
        }
    }
}
