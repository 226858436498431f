//! The few protocol-buffer encodings a TensorBoard event file needs, written by hand (varints,
//! 32/64-bit fields, length-delimited fields), and a decoder of the same wire format for
//! reading such files back.

/// Wire types.
const VARINT: u64 = 0;
const FIXED64: u64 = 1;
const LEN: u64 = 2;
const FIXED32: u64 = 5;

/// A message being encoded.
#[derive(Clone, Debug, Default)]
pub struct Message(pub Vec<u8>);

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Message {
    fn key(&mut self, field: u32, wire: u64) {
        varint(&mut self.0, ((field as u64) << 3) | wire);
    }

    /// An int32 / int64 / enum field (two's complement, as protobuf's `int64`).
    pub fn int(mut self, field: u32, v: i64) -> Self {
        self.key(field, VARINT);
        varint(&mut self.0, v as u64);
        self
    }

    /// A `double` field.
    pub fn double(mut self, field: u32, v: f64) -> Self {
        self.key(field, FIXED64);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A `float` field.
    pub fn float(mut self, field: u32, v: f32) -> Self {
        self.key(field, FIXED32);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A `bytes` or `string` field.
    pub fn bytes(mut self, field: u32, v: &[u8]) -> Self {
        self.key(field, LEN);
        varint(&mut self.0, v.len() as u64);
        self.0.extend_from_slice(v);
        self
    }

    /// An embedded message field.
    pub fn message(self, field: u32, m: &Message) -> Self {
        self.bytes(field, &m.0)
    }
}

/// A decoded field's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// A varint.
    Varint(u64),
    /// 8 little-endian bytes.
    Fixed64(u64),
    /// A length-delimited field (bytes, a string or a message).
    Bytes(&'a [u8]),
    /// 4 little-endian bytes.
    Fixed32(u32),
}

impl Value<'_> {
    /// As a double.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Fixed64(b) => Some(f64::from_bits(*b)),
            _ => None,
        }
    }

    /// As a float.
    pub fn as_f32(&self) -> Option<f32> {
        match self {
            Value::Fixed32(b) => Some(f32::from_bits(*b)),
            _ => None,
        }
    }

    /// As a signed integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Varint(v) => Some(*v as i64),
            _ => None,
        }
    }
}

/// The fields of a message, (number, value) in order; the error names the offset.
pub fn fields(mut b: &[u8]) -> Result<Vec<(u32, Value<'_>)>, String> {
    let total = b.len();
    let read_varint = |b: &mut &[u8]| -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = b.split_first().ok_or("truncated varint")?;
            *b = rest;
            v |= ((byte & 0x7f) as u64) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("varint longer than 10 bytes".into())
    };
    let mut out = vec![];
    while !b.is_empty() {
        let at = total - b.len();
        let key = read_varint(&mut b).map_err(|e| format!("byte {at}: {e}"))?;
        let (field, wire) = ((key >> 3) as u32, key & 7);
        fn take<'a>(b: &mut &'a [u8], n: usize, at: usize, field: u32) -> Result<&'a [u8], String> {
            if b.len() < n {
                return Err(format!("byte {at}: field {field} truncated"));
            }
            let (h, t) = b.split_at(n);
            *b = t;
            Ok(h)
        }
        let v = match wire {
            VARINT => Value::Varint(read_varint(&mut b).map_err(|e| format!("byte {at}: {e}"))?),
            FIXED64 => Value::Fixed64(u64::from_le_bytes(
                take(&mut b, 8, at, field)?.try_into().expect("8 bytes"),
            )),
            LEN => {
                let n = read_varint(&mut b).map_err(|e| format!("byte {at}: {e}"))? as usize;
                Value::Bytes(take(&mut b, n, at, field)?)
            }
            FIXED32 => Value::Fixed32(u32::from_le_bytes(
                take(&mut b, 4, at, field)?.try_into().expect("4 bytes"),
            )),
            w => return Err(format!("byte {at}: unknown wire type {w}")),
        };
        out.push((field, v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_back_what_was_written() {
        // Protobuf's documented example: field 1 = 150 is 08 96 01.
        assert_eq!(Message::default().int(1, 150).0, vec![0x08, 0x96, 0x01]);
        let inner = Message::default().bytes(1, b"tag");
        let m = Message::default()
            .double(1, 1.5)
            .int(2, -3)
            .float(3, 0.25)
            .message(5, &inner);
        let f = fields(&m.0).unwrap();
        assert_eq!(f.len(), 4);
        assert_eq!(f[0].1.as_f64(), Some(1.5));
        assert_eq!(f[1].1.as_i64(), Some(-3));
        assert_eq!(f[2].1.as_f32(), Some(0.25));
        assert_eq!(f[3], (5, Value::Bytes(&inner.0)));
        assert!(fields(&m.0[..m.0.len() - 1])
            .unwrap_err()
            .contains("truncated"));
    }
}
