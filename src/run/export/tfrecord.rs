//! TFRecord framing, the container of TensorBoard's event files: each record is
//!
//! ```text
//! u64 length (little endian) | u32 masked_crc32c(length bytes) | data | u32 masked_crc32c(data)
//! ```
//!
//! with CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) masked as
//! ((crc >> 15) | (crc << 17)) + 0xA282EAD8, so a CRC of data that itself holds CRCs stays
//! informative.

/// The CRC-32C lookup table, built at compile time.
const TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82F6_3B78
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-32C of `data`.
pub fn crc32c(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c = TABLE[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

/// The masked CRC TFRecord stores.
pub fn masked_crc(data: &[u8]) -> u32 {
    let c = crc32c(data);
    c.rotate_right(15).wrapping_add(0xA282_EAD8)
}

/// Appends one record holding `data` to `out`.
pub fn write_record(out: &mut Vec<u8>, data: &[u8]) {
    let len = (data.len() as u64).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
}

/// The records of a file's bytes, every CRC checked; the error says which record and what is
/// wrong (a torn or damaged file).
pub fn read_records(bytes: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut out = vec![];
    let mut at = 0usize;
    let word = |at: usize| -> [u8; 4] { bytes[at..at + 4].try_into().expect("4 bytes") };
    while at < bytes.len() {
        let k = out.len();
        if bytes.len() - at < 12 {
            return Err(format!("record {k}: torn header at byte {at}"));
        }
        let len_bytes = &bytes[at..at + 8];
        if u32::from_le_bytes(word(at + 8)) != masked_crc(len_bytes) {
            return Err(format!("record {k}: length CRC mismatch at byte {at}"));
        }
        let len = u64::from_le_bytes(len_bytes.try_into().expect("8 bytes")) as usize;
        let start = at + 12;
        if bytes.len() - start < len.saturating_add(4) {
            return Err(format!("record {k}: torn data ({len} bytes announced)"));
        }
        let data = &bytes[start..start + len];
        if u32::from_le_bytes(word(start + len)) != masked_crc(data) {
            return Err(format!("record {k}: data CRC mismatch"));
        }
        out.push(data);
        at = start + len + 4;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_values() {
        // The CRC catalogue's check value, and RFC 3720's 32 bytes of zeros / of 0xFF.
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
        assert_eq!(crc32c(b""), 0);
    }

    #[test]
    fn records_round_trip_and_damage_is_caught() {
        let mut f = vec![];
        write_record(&mut f, b"first");
        write_record(&mut f, b"");
        write_record(&mut f, &[7u8; 300]);
        let r = read_records(&f).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!((r[0], r[1].len(), r[2].len()), (&b"first"[..], 0, 300));
        assert_eq!(f.len(), 3 * 16 + 5 + 300);
        let mut bad = f.clone();
        bad[14] ^= 1; // inside "first"
        assert_eq!(
            read_records(&bad).unwrap_err(),
            "record 0: data CRC mismatch"
        );
        bad = f.clone();
        bad[0] ^= 1;
        assert!(read_records(&bad).unwrap_err().contains("length CRC"));
        assert!(read_records(&f[..f.len() - 2])
            .unwrap_err()
            .contains("record 2: torn data"));
    }
}
