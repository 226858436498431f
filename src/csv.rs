//! CSV cells as RFC 4180 writes them, for the tables saddle writes by hand (sweep reports,
//! stability maps): a run's name may hold commas, quotes or line breaks.

/// `s` as one CSV field: quoted, with its quotes doubled, when it holds a comma, a quote or a
/// line break; as it is otherwise.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_separators_are_quoted_and_quotes_doubled() {
        assert_eq!(field("plain β=0.5"), "plain β=0.5");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"q\""), "\"say \"\"q\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}
