//! Enums whose variants are known only at run time (games and datasets a program registers)
//! read their variant's name with this seed.

use serde::de::{self, Visitor};
use std::fmt;

/// A variant's name, as a string whatever the format gives (a name or its number in `names`).
pub struct VariantName(pub &'static [&'static str]);

impl<'de> de::DeserializeSeed<'de> for VariantName {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for VariantName {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a variant name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        self.0
            .get(v as usize)
            .map(|n| n.to_string())
            .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &"a variant number"))
    }
}
