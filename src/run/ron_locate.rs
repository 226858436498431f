//! Where a field's value starts in preset text, for the errors found after parsing (a value out
//! of range, a duplicate run name): the parser gives `file:line:col` for its own errors only, so
//! the text is walked again along the field's path, skipping everything else, and the walk stops
//! where the value starts.

use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, Error as _, IgnoredAny, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use std::fmt;

/// One step of a path into RON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// A struct field (or map key) by name.
    Key(String),
    /// An element of a list by position.
    Index(usize),
}

/// (line, column) where the value at `path` starts in `text`, both from 1; None where the text
/// does not hold that path (or does not parse).
pub fn locate(text: &str, path: &[Seg]) -> Option<(usize, usize)> {
    let opts =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let mut de = ron::Deserializer::from_str_with_options(text, &opts).ok()?;
    match Walk(path).deserialize(&mut de) {
        Err(ron::Error::Message(m)) if m == HERE => {
            let at = de.span_error(ron::Error::Message(m)).span.end;
            Some((at.line, at.col))
        }
        _ => None,
    }
}

/// The path an error message of `Preset::resolve` names at its start — `runs[2] ("alt"): eta.theta
/// must be …` → runs, 2, eta, theta; `game: dim = 0 …` → game, dim — and `text` located along
/// it, or along its longest prefix the text holds (an `eta.theta` written as one `eta`, a
/// message word that is no field).
pub fn locate_message(text: &str, message: &str) -> Option<(usize, usize)> {
    let path = path_of(message);
    (1..=path.len())
        .rev()
        .find_map(|n| locate(text, &path[..n]))
}

/// The field path at the start of a message (see [`locate_message`]).
fn path_of(message: &str) -> Vec<Seg> {
    let mut segs = vec![];
    let mut rest = message;
    if let Some((i, after)) = rest
        .strip_prefix("runs[")
        .and_then(|r| r.split_once(']'))
        .and_then(|(i, after)| Some((i.parse::<usize>().ok()?, after)))
    {
        segs.extend([Seg::Key("runs".into()), Seg::Index(i)]);
        // The run's quoted name, then ": ".
        rest = match after.trim_start().strip_prefix('(') {
            Some(named) => named.split_once("): ").map_or("", |(_, r)| r),
            None => after.trim_start_matches(':').trim_start(),
        };
    }
    loop {
        let token: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        if token.is_empty() {
            break;
        }
        segs.extend(
            token
                .split('.')
                .filter(|p| !p.is_empty())
                .map(|p| Seg::Key(p.into())),
        );
        match rest[token.len()..].strip_prefix(": ") {
            Some(r) => rest = r,
            None => break,
        }
    }
    segs
}

/// The error that marks the value reached (no message a parser gives).
const HERE: &str = "\u{0}saddle: the value is here";

/// Follows a path: stops before reading the value at its end; skips every other value.
struct Walk<'p>(&'p [Seg]);

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.0.is_empty() {
            return Err(D::Error::custom(HERE));
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value holding the path")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match &self.0[0] {
                Seg::Key(k) if *k == key => return map.next_value_seed(Walk(&self.0[1..])),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Err(A::Error::custom("no such field"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Seg::Index(i) = self.0[0] else {
            return Err(A::Error::custom("a list has no named field"));
        };
        for _ in 0..i {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Err(A::Error::custom("no such element"));
            }
        }
        seq.next_element_seed(Walk(&self.0[1..]))?;
        Err(A::Error::custom("no such element"))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        let (_, variant) = data.variant::<IgnoredAny>()?;
        variant.struct_variant(&[], self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Preset(name: \"p\", seed: 0, steps: 0,\n  game: Bilinear(dim: 0),\n  runs: [\n    Run(name: \"a\", scheme: Alternating(), eta: 0.1),\n    Run(name: \"b\", scheme: Alternating(), eta: -0.1),\n  ])\n";

    /// Values are found where they start, through structs, lists and enum variants; the
    /// longest prefix the text holds answers for a deeper path.
    #[test]
    fn values_are_located_where_they_start() {
        let key = |k: &str| Seg::Key(k.into());
        assert_eq!(locate(TEXT, &[key("steps")]), Some((1, 35)));
        assert_eq!(locate(TEXT, &[key("game"), key("dim")]), Some((2, 23)));
        assert_eq!(
            locate(TEXT, &[key("runs"), Seg::Index(1), key("eta")]),
            Some((5, 48))
        );
        assert_eq!(locate(TEXT, &[key("runs"), Seg::Index(2)]), None);
        assert_eq!(
            locate_message(
                TEXT,
                "runs[1] (\"b\"): eta.theta must be finite and > 0, got -0.1"
            ),
            Some((5, 48))
        );
        assert_eq!(
            locate_message(TEXT, "runs[0] (\"a\"): give either rule or rules"),
            Some((4, 5))
        );
        assert_eq!(
            locate_message(TEXT, "game: dim = 0 is below 1"),
            Some((2, 23))
        );
        assert_eq!(locate_message(TEXT, "nothing: here"), None);
    }
}
