//! A writer's common slips in preset text, named in plain words. The RON parser reports the
//! token it stopped at in its own grammar's terms — `Expected comma` after `Simultaneous()`
//! or after `eta: 0,1`, `Integer is out of bounds` for `d_steps: -2` — which says neither what
//! was written wrong nor what to write; the text around the parser's place shows the slip.

use ron::Error as Code;

/// A parser error reworded: where the value at fault starts (line and column, both from 1),
/// its field path and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reworded {
    /// Line of the value at fault, from 1.
    pub line: usize,
    /// Column (in characters) of the value at fault, from 1.
    pub col: usize,
    /// The field path, `runs[0].scheme` (empty at the top level).
    pub path: String,
    /// What is wrong and what to write instead.
    pub message: String,
}

/// `code`, met at (`line`, `col`) of `text` while reading the value at `path`, reworded where
/// the text there shows a known slip; None where it does not, and the parser's words stand.
pub fn reword(text: &str, code: &Code, line: usize, col: usize, path: &str) -> Option<Reworded> {
    // The path ends in `?` where the parser stopped before the next field's name.
    let path = path.trim_end_matches('?').trim_end_matches('.');
    let chars: Vec<char> = text.chars().collect();
    let at = char_index(&chars, line, col)?;
    let here = |i: usize| chars.get(i).copied();
    let ends_a_value = matches!(
        code,
        Code::ExpectedComma
            | Code::ExpectedArrayEnd
            | Code::ExpectedStructLikeEnd
            | Code::ExpectedMapEnd
            | Code::ExpectedOptionEnd
            | Code::TrailingCharacters
    );
    // The parser read a whole value and stopped at what follows it, so the value is the
    // field whose name stands before it, one level below `path`.
    let field = |start: usize| match key_before(&chars, start) {
        Some(key) => (join(path, &key), Some(key)),
        None => (path.to_string(), None),
    };
    let at_value = |start: usize, path: String, message: String| {
        let (line, col) = position(&chars, start);
        Some(Reworded {
            line,
            col,
            path,
            message,
        })
    };

    // `Simultaneous()`: a variant without fields read whole, then a `(`.
    if ends_a_value && here(at) == Some('(') {
        let end = skip_back_blank(&chars, at);
        let start = word_start(&chars, end);
        let word: String = chars[start..end].iter().collect();
        if word.starts_with(|c: char| c.is_ascii_uppercase()) {
            let (path, key) = field(start);
            let write = match key {
                Some(k) => format!("{k}: {word}"),
                None => word.clone(),
            };
            return at_value(
                start,
                path,
                format!("`{word}` takes no fields: write `{write}`"),
            );
        }
    }

    // `d_steps: 1.5`: a whole number read, then the fraction left over.
    if ends_a_value
        && here(at) == Some('.')
        && here(at + 1).is_some_and(|c| c.is_ascii_digit())
        && at > 0
        && chars[at - 1].is_ascii_digit()
    {
        let start = number_start(&chars, at);
        let end = number_end(&chars, at);
        let number: String = chars[start..end].iter().collect();
        let (path, _) = field(start);
        return at_value(
            start,
            path,
            format!("expected a whole number, got {number}"),
        );
    }

    // `eta: 0,1`: a number read, the comma taken for the one between fields, and the rest
    // met where a field name belongs.
    if matches!(
        code,
        Code::ExpectedIdentifier | Code::SuggestRawIdentifier(_) | Code::InvalidIdentifier(_)
    ) && here(at).is_some_and(|c| c.is_ascii_digit())
        && at >= 2
        && chars[at - 1] == ','
        && chars[at - 2].is_ascii_digit()
    {
        let start = number_start(&chars, at - 1);
        let whole: String = chars[start..at - 1].iter().collect();
        let fraction: String = chars[at..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let (path, _) = field(start);
        return at_value(
            start,
            path,
            format!("`{whole},{fraction}` — a decimal comma? write {whole}.{fraction}"),
        );
    }

    // `d_steps: -2`: a count is never negative; `d_steps: 5000000000` is past its type's
    // range (the parser says only "out of bounds" for both).
    if matches!(code, Code::IntegerOutOfBounds) {
        let start = number_start(&chars, at);
        let sign = here(start).filter(|c| matches!(c, '-' | '+'));
        let end = number_end(&chars, start + usize::from(sign.is_some()));
        let number: String = chars[start..end].iter().collect();
        if end > start + usize::from(sign.is_some()) {
            let message = if sign == Some('-') {
                format!("expected a whole number ≥ 0, got {number}")
            } else {
                format!("{number} is too large for this field")
            };
            return at_value(start, path.to_string(), message);
        }
    }

    // `steps: "10"`, `steps: many`, `steps: 1e4`: the parser names the token it wanted.
    let wanted = match code {
        Code::ExpectedInteger | Code::InvalidIntegerDigit { .. } => Some("a whole number"),
        Code::ExpectedFloat => Some("a number"),
        _ => None,
    };
    if let Some(wanted) = wanted {
        let (start, token) = token_at(&chars, at)?;
        let got = if token.starts_with('"') {
            format!("the string {token} (numbers are written without quotes)")
        } else if token.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
            token
        } else {
            format!("`{token}`")
        };
        return at_value(
            start,
            path.to_string(),
            format!("expected {wanted}, got {got}"),
        );
    }

    // `eta: 0.1 beta: 0.5`: the parser stops at the next field's name. A `,` missing at the
    // end of a line is met on the next one, where the caller points back at the value.
    if matches!(code, Code::ExpectedComma)
        && here(at).is_some_and(is_word)
        && !chars[skip_back_blank(&chars, at)..at].contains(&'\n')
    {
        let end = (at..chars.len())
            .find(|&i| !is_word(chars[i]))
            .unwrap_or(chars.len());
        let word: String = chars[at..end].iter().collect();
        return at_value(
            at,
            path.to_string(),
            format!("a `,` is missing before `{word}`"),
        );
    }

    // `scheme: simultaneous`, `Steps: 10`: names are case-sensitive.
    let (found, names, what) = match code {
        Code::NoSuchEnumVariant {
            expected, found, ..
        } => (found, *expected, "variant"),
        Code::NoSuchStructField {
            expected, found, ..
        } => (found, *expected, "field"),
        _ => return without_fields(&chars, code, at, path),
    };
    let name = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(found) && *n != found)?;
    Some(Reworded {
        line,
        col,
        path: path.to_string(),
        message: format!("no {what} `{found}`; names are case-sensitive: write `{name}`"),
    })
}

/// `scheme: Extragradient`: a variant with fields written without its parentheses, which the
/// parser reports as "Expected opening `(`" one level below the field, at the variant's name.
fn without_fields(chars: &[char], code: &Code, at: usize, path: &str) -> Option<Reworded> {
    if !matches!(code, Code::ExpectedStructLike) {
        return None;
    }
    let end = skip_back_blank(chars, at);
    let start = word_start(chars, end);
    let word: String = chars[start..end].iter().collect();
    let field_path = path.strip_suffix(word.as_str())?.trim_end_matches('.');
    if !word.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    let write = match key_before(chars, start) {
        Some(k) => format!("{k}: {word}()"),
        None => format!("{word}()"),
    };
    let (line, col) = position(chars, start);
    Some(Reworded {
        line,
        col,
        path: field_path.to_string(),
        message: format!(
            "`{word}` has fields, written in parentheses: write `{write}` to keep their defaults"
        ),
    })
}

/// The value the parser stopped in or before (white space after `at` skipped, a number backed
/// up to its start): where it starts, and its text (a string with its quotes).
fn token_at(chars: &[char], at: usize) -> Option<(usize, String)> {
    let mut start = at;
    while chars.get(start).is_some_and(|c| c.is_whitespace()) {
        start += 1;
    }
    let first = *chars.get(start)?;
    if first == '"' {
        let mut end = start + 1;
        while end < chars.len() && chars[end] != '"' {
            end += if chars[end] == '\\' { 2 } else { 1 };
        }
        let end = (end + 1).min(chars.len());
        return Some((start, chars[start..end].iter().collect()));
    }
    let in_number = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_');
    while start > 0 && in_number(chars[start - 1]) {
        start -= 1;
    }
    if start > 0 && matches!(chars[start - 1], '-' | '+') {
        start -= 1;
    }
    let mut end = start + 1;
    while end < chars.len()
        && (in_number(chars[end])
            || (matches!(chars[end], '-' | '+') && matches!(chars[end - 1], 'e' | 'E')))
    {
        end += 1;
    }
    (end > start).then(|| (start, chars[start..end].iter().collect()))
}

/// The index in `chars` of (`line`, `col`), both from 1.
fn char_index(chars: &[char], line: usize, col: usize) -> Option<usize> {
    let mut i = 0;
    for _ in 1..line {
        i += chars.get(i..)?.iter().position(|&c| c == '\n')? + 1;
    }
    let i = i + col.checked_sub(1)?;
    (i <= chars.len()).then_some(i)
}

/// (line, column), both from 1, of index `i` in `chars`.
fn position(chars: &[char], i: usize) -> (usize, usize) {
    let before = &chars[..i];
    let line = 1 + before.iter().filter(|&&c| c == '\n').count();
    let col = 1 + before.iter().rev().take_while(|&&c| c != '\n').count();
    (line, col)
}

/// `path.key`, or `key` at the top level.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The index after the last non-blank character before `i`.
fn skip_back_blank(chars: &[char], mut i: usize) -> usize {
    while i > 0 && chars[i - 1].is_whitespace() {
        i -= 1;
    }
    i
}

/// Where the word ending at `end` starts.
fn word_start(chars: &[char], mut end: usize) -> usize {
    while end > 0 && is_word(chars[end - 1]) {
        end -= 1;
    }
    end
}

/// The field name in `name: value` for the value starting at `start`; None where the value is
/// not a field's (a list entry, the whole text).
fn key_before(chars: &[char], start: usize) -> Option<String> {
    let colon = skip_back_blank(chars, start);
    if colon == 0 || chars[colon - 1] != ':' {
        return None;
    }
    let end = skip_back_blank(chars, colon - 1);
    let begin = word_start(chars, end);
    (begin < end).then(|| chars[begin..end].iter().collect())
}

/// Where the number holding the digits just before `i` starts (its sign included).
fn number_start(chars: &[char], mut i: usize) -> usize {
    while i > 0 && (chars[i - 1].is_ascii_digit() || matches!(chars[i - 1], '.' | '_')) {
        i -= 1;
    }
    if i > 0 && matches!(chars[i - 1], '-' | '+') {
        i -= 1;
    }
    i
}

/// Where the number going on at `i` ends.
fn number_end(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && (chars[i].is_ascii_digit() || matches!(chars[i], '.' | '_')) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Positions count characters (a Greek letter is one column), as the parser's do.
    #[test]
    fn positions_and_field_names_are_read_from_the_text() {
        let chars: Vec<char> = "(a: 1,\n  β: 2, eta: 0)".chars().collect();
        let i = char_index(&chars, 2, 6).unwrap();
        assert_eq!(chars[i], '2');
        assert_eq!(position(&chars, i), (2, 6));
        assert_eq!(key_before(&chars, i).as_deref(), Some("β"));
        assert_eq!(key_before(&chars, 0), None);
        assert_eq!(char_index(&chars, 3, 1), None);
    }
}
