//! Dependencies between saddle's top-level modules point one way (see `src/lib.rs`): every
//! `crate::…` path in `src/` (comments and string literals left out) is an arrow from its
//! file's top-level module to the module it names, and none may point to a higher layer or
//! close a cycle. `cargo test --test module_graph -- --nocapture` prints the arrows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use its own layer (without a cycle) and lower ones.
const LAYERS: &[&[&str]] = &[
    &[
        "error",
        "players",
        "rng",
        "linalg",
        "stats",
        "special",
        "check",
        "constraint",
        "vector",
        "files",
        "csv",
        "clock",
        "variant",
        "variant_name",
        "machine",
    ],
    &["neural"],
    &["game"],
    &["setup", "optim", "analysis", "score"],
    &["run"],
    &["sweep"],
    &["tui", "figure"],
    &["cli"],
];

/// `text` without comments, string and character literals (line breaks kept).
fn strip(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let (mut out, mut i) = (String::new(), 0);
    let at = |i: usize, s: &str| s.chars().enumerate().all(|(k, c)| b.get(i + k) == Some(&c));
    let ident = |i: usize| i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_');
    while i < b.len() {
        if at(i, "//") {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            loop {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else if i >= b.len() {
                    break;
                } else {
                    if b[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if b[i] == 'r' && !ident(i) && (at(i + 1, "\"") || at(i + 1, "#")) {
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(b[i]);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            j += 1;
            while j < b.len() && !at(j, &close) {
                if b[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            i = j + close.chars().count();
        } else if b[i] == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\n' {
                    out.push('\n');
                }
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if b[i] == '\'' && (at(i + 2, "'") || (b.get(i + 1) == Some(&'\\'))) {
            // A character literal ('a', '\n', '\u{..}'); a lifetime has no closing quote.
            let mut j = i + 1;
            while j < b.len() && b[j] != '\'' && j < i + 12 {
                j += if b[j] == '\\' { 2 } else { 1 };
            }
            if b.get(j) == Some(&'\'') {
                i = j + 1;
            } else {
                out.push(b[i]);
                i += 1;
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// The first segment of each item of the `{…}` group that opens at byte `start` of `s`.
fn group_heads(s: &str, start: usize) -> Vec<String> {
    let (mut depth, mut item, mut heads) = (0, String::new(), vec![]);
    for c in s[start..].chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    heads.push(std::mem::take(&mut item));
                    break;
                }
            }
            ',' if depth == 1 => {
                heads.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        if depth >= 1 {
            item.push(c);
        }
    }
    heads
        .iter()
        .filter_map(|h| {
            let name: String = h
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty() && name != "self").then_some(name)
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src/ is readable") {
        let p = e.expect("a directory entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// (from, to) → where, over every file of the library.
fn arrows(src: &Path) -> BTreeMap<(String, String), Vec<String>> {
    let mut files = vec![];
    rust_files(src, &mut files);
    let mut found: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for path in files {
        let rel = path.strip_prefix(src).expect("under src/");
        let first = rel.components().next().expect("a path");
        let from = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if from == "lib" || from == "main" {
            continue;
        }
        let text = strip(&std::fs::read_to_string(&path).expect("a source file"));
        let mut rest = 0;
        while let Some(k) = text[rest..].find("crate::") {
            let at = rest + k;
            rest = at + "crate::".len();
            if at > 0 && {
                let c = text[..at].chars().next_back().unwrap_or(' ');
                c.is_alphanumeric() || c == '_'
            } {
                continue; // e.g. `$crate::` or `my_crate::`
            }
            let tail = &text[rest..];
            let targets = if tail.starts_with('{') {
                group_heads(&text, rest)
            } else {
                let name: String = tail
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                vec![name]
            };
            let line = text[..at].matches('\n').count() + 1;
            for to in targets.into_iter().filter(|t| !t.is_empty() && *t != from) {
                found
                    .entry((from.clone(), to))
                    .or_default()
                    .push(format!("{}:{line}", rel.display()));
            }
        }
    }
    found
}

#[test]
fn dependencies_between_top_level_modules_point_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layer: BTreeMap<&str, usize> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, ms)| ms.iter().map(move |m| (*m, i)))
        .collect();
    let found = arrows(&src);
    let mut bad = vec![];
    for ((from, to), wher) in &found {
        match (layer.get(from.as_str()), layer.get(to.as_str())) {
            (None, _) => bad.push(format!("module `{from}` is in no layer ({})", wher[0])),
            (_, None) => bad.push(format!("`{from}` uses `{to}`, in no layer ({})", wher[0])),
            (Some(a), Some(b)) if b > a => bad.push(format!(
                "upward arrow `{from}` → `{to}` at {}",
                wher.join(", ")
            )),
            _ => {}
        }
    }
    // Cycles, by depth-first search over the module graph.
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (from, to) in found.keys() {
        graph.entry(from).or_default().insert(to);
    }
    fn visit<'a>(
        v: &'a str,
        graph: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
        bad: &mut Vec<String>,
    ) {
        state.insert(v, 1);
        stack.push(v);
        for &w in graph.get(v).into_iter().flatten() {
            match state.get(w) {
                Some(1) => {
                    let from = stack.iter().position(|x| *x == w).expect("on the stack");
                    bad.push(format!("cycle {} → {w}", stack[from..].join(" → ")));
                }
                None => visit(w, graph, state, stack, bad),
                _ => {}
            }
        }
        stack.pop();
        state.insert(v, 2);
    }
    let mut state = BTreeMap::new();
    for &v in graph.keys() {
        if !state.contains_key(v) {
            visit(v, &graph, &mut state, &mut vec![], &mut bad);
        }
    }
    for ((from, to), wher) in &found {
        println!("{from} → {to} ({})", wher.len());
    }
    assert!(
        found.len() > 40,
        "only {} arrows: the parser lost paths",
        found.len()
    );
    assert!(bad.is_empty(), "the module graph:\n{}", bad.join("\n"));
}

#[test]
fn the_parser_sees_paths_groups_and_skips_comments_and_strings() {
    let text = strip(
        "use crate::a::B;\nuse crate::{c::D, e, self};\n// crate::f\nlet s = \"crate::g\";\nlet r = r#\"crate::h\"#;\nlet c = '\"'; crate::i::j();\n/* crate::k */ x::crate::l",
    );
    let mut seen = vec![];
    let mut rest = 0;
    while let Some(k) = text[rest..].find("crate::") {
        let at = rest + k;
        rest = at + 7;
        if text[rest..].starts_with('{') {
            seen.extend(group_heads(&text, rest));
        } else {
            seen.push(
                text[rest..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric())
                    .collect(),
            );
        }
    }
    assert_eq!(seen, ["a", "c", "e", "i", "l"]);
}
