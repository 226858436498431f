//! A RON value written on the command line (`--set 'runs[1].scheme=Alternating(d_steps: 2)'`,
//! `beta=(theta: 0.0, phi: -0.2)`) as the JSON value serde's externally tagged form expects,
//! so `--set` accepts what a preset file accepts: `Name(field: v, …)` is `{"Name": {…}}`,
//! `Name(v)` is `{"Name": v}`, `Name(a, b)` is `{"Name": [a, b]}`, `(field: v)` is an object,
//! `Some(v)` is `v`, `None` is null, a bare word is a string (a unit variant).

use serde_json::{Map, Value};

/// The value of `text`, or why it is not one (with the byte offset).
pub fn parse(text: &str) -> Result<Value, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        at: 0,
    };
    let v = p.value()?;
    p.blank();
    if p.at != p.s.len() {
        return Err(p.error("unexpected text after the value"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!("{what} at column {}", self.at + 1)
    }

    fn blank(&mut self) {
        while self.s.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.blank();
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> Option<String> {
        self.blank();
        let start = self.at;
        while self
            .s
            .get(self.at)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            self.at += 1;
        }
        (self.at > start).then(|| String::from_utf8_lossy(&self.s[start..self.at]).into_owned())
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            None => Err(self.error("a value expected")),
            Some(b'"') => self.string(),
            Some(b'[') => {
                self.at += 1;
                Ok(Value::Array(self.items(b']')?))
            }
            Some(b'(') => {
                self.at += 1;
                self.parenthesized()
            }
            Some(c) if c == b'-' || c == b'+' || c == b'.' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let w = self.word().expect("a letter");
                if self.eat(b'(') {
                    if w == "Some" {
                        let v = self.value()?;
                        return if self.eat(b')') {
                            Ok(v)
                        } else {
                            Err(self.error("`)` expected"))
                        };
                    }
                    let inner = self.parenthesized()?;
                    let mut m = Map::new();
                    m.insert(w, inner);
                    return Ok(Value::Object(m));
                }
                Ok(match w.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "None" => Value::Null,
                    _ => Value::String(w),
                })
            }
            Some(_) => Err(self.error("a value expected")),
        }
    }

    fn string(&mut self) -> Result<Value, String> {
        let start = self.at;
        self.at += 1;
        while let Some(&c) = self.s.get(self.at) {
            self.at += 1;
            if c == b'\\' {
                self.at += 1;
            } else if c == b'"' {
                let text =
                    std::str::from_utf8(&self.s[start..self.at]).map_err(|e| e.to_string())?;
                return serde_json::from_str(text).map_err(|e| format!("{e}"));
            }
        }
        Err(self.error("unclosed string"))
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.at;
        while self
            .s
            .get(self.at)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.' | b'_'))
        {
            self.at += 1;
        }
        let t = std::str::from_utf8(&self.s[start..self.at]).unwrap_or("");
        if let Ok(i) = t.parse::<i64>() {
            return Ok(Value::from(i));
        }
        match t.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::from(f)),
            _ => Err(format!(
                "{t:?} is not a finite number (column {})",
                start + 1
            )),
        }
    }

    /// Values up to `close`, separated by commas (a trailing comma allowed).
    fn items(&mut self, close: u8) -> Result<Vec<Value>, String> {
        let mut out = vec![];
        loop {
            if self.eat(close) {
                return Ok(out);
            }
            out.push(self.value()?);
            if !self.eat(b',') && self.peek() != Some(close) {
                return Err(self.error(&format!("`,` or `{}` expected", close as char)));
            }
        }
    }

    /// After `(`: `field: v, …` as an object, else the values (one: itself; none: an empty
    /// object, a struct whose fields all have defaults).
    fn parenthesized(&mut self) -> Result<Value, String> {
        let save = self.at;
        let named = self.word().is_some() && self.eat(b':');
        self.at = save;
        if !named {
            let mut items = self.items(b')')?;
            return Ok(match items.len() {
                0 => Value::Object(Map::new()),
                1 => items.pop().expect("one"),
                _ => Value::Array(items),
            });
        }
        let mut m = Map::new();
        loop {
            if self.eat(b')') {
                return Ok(Value::Object(m));
            }
            let key = self
                .word()
                .ok_or_else(|| self.error("a field name expected"))?;
            if !self.eat(b':') {
                return Err(self.error("`:` expected"));
            }
            let v = self.value()?;
            m.insert(key, v);
            if !self.eat(b',') && self.peek() != Some(b')') {
                return Err(self.error("`,` or `)` expected"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn preset_syntax_becomes_the_tagged_json_serde_reads() {
        let cases = [
            (
                "Alternating(d_steps: 2)",
                json!({"Alternating": {"d_steps": 2}}),
            ),
            ("Extragradient()", json!({"Extragradient": {}})),
            (
                "(theta: 0.0, phi: -0.2)",
                json!({"theta": 0.0, "phi": -0.2}),
            ),
            ("Adam(moment: Sum)", json!({"Adam": {"moment": "Sum"}})),
            ("Some([1, -2.5e-3])", json!([1, -0.0025])),
            ("None", Value::Null),
            ("Simultaneous", json!("Simultaneous")),
            (
                "Point(theta: [2.0], phi: [0.5],)",
                json!({"Point": {"theta": [2.0], "phi": [0.5]}}),
            ),
            ("Box(lo: -1, hi: 1)", json!({"Box": {"lo": -1, "hi": 1}})),
            ("(1, \"a b\")", json!([1, "a b"])),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap(), want, "{text}");
        }
        for bad in [
            "(theta: 1",
            "Alternating(d_steps 2)",
            "[1, 2",
            "NaN(",
            "1 2",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
