//! Filtering (`/`): a pattern over the runs — their name, method, id and resolved config as
//! `path=value` pairs (`eta.theta=0.2`, `scheme.alternating…`, a sweep's grid values) — that
//! the runs table, the curves and the other overlays show, and one over the curve families
//! (title and column names) that ←/→ step through. Plain case-insensitive substrings (the
//! regex crate is not a dependency). The prompt edits one of the two at a time, live; tab
//! switches, enter keeps it, Esc clears it.

use super::app::MetricSpec;
use super::model::RunData;
use super::theme::Theme;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

/// What the prompt filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The runs.
    Runs,
    /// The curve families.
    Metrics,
}

impl Target {
    fn word(self) -> &'static str {
        match self {
            Target::Runs => "runs",
            Target::Metrics => "metrics",
        }
    }

    fn other(self) -> Target {
        match self {
            Target::Runs => Target::Metrics,
            Target::Metrics => Target::Runs,
        }
    }
}

/// The patterns in force (empty: no filter).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Over the runs.
    pub runs: String,
    /// Over the curve families.
    pub metrics: String,
}

impl Filter {
    /// The pattern of `t`.
    pub fn pattern(&mut self, t: Target) -> &mut String {
        match t {
            Target::Runs => &mut self.runs,
            Target::Metrics => &mut self.metrics,
        }
    }

    /// True when either pattern is set.
    pub fn active(&self) -> bool {
        !self.runs.is_empty() || !self.metrics.is_empty()
    }
}

/// What the prompt asks after a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptOutcome {
    /// Still typing into `Target`'s pattern (it may have changed).
    Editing(Target),
    /// Closed, the pattern kept.
    Kept,
    /// Closed, the pattern cleared.
    Cleared,
}

/// A key of the prompt editing `target`'s pattern in `filter`.
pub fn on_key(filter: &mut Filter, target: Target, key: KeyEvent) -> PromptOutcome {
    let p = filter.pattern(target);
    match key.code {
        KeyCode::Enter => return PromptOutcome::Kept,
        KeyCode::Esc => {
            p.clear();
            return PromptOutcome::Cleared;
        }
        KeyCode::Tab | KeyCode::BackTab => return PromptOutcome::Editing(target.other()),
        KeyCode::Backspace => {
            p.pop();
        }
        KeyCode::Char(c) if !c.is_control() => p.push(c),
        _ => {}
    }
    PromptOutcome::Editing(target)
}

/// The prompt's line: the target, its pattern with a cursor, how many match, the keys.
pub fn prompt_line(
    filter: &Filter,
    target: Target,
    matching: (usize, usize),
    theme: &Theme,
) -> Line<'static> {
    let pattern = match target {
        Target::Runs => &filter.runs,
        Target::Metrics => &filter.metrics,
    };
    let (hits, all) = matching;
    let count = if hits == 0 && target == Target::Metrics {
        " · none match: all shown".to_string()
    } else {
        format!(" · {hits} of {all} {}", target.word())
    };
    Line::from(vec![
        Span::styled(format!(" /{} ", target.word()), theme.title()),
        Span::raw(format!("{pattern}▏")),
        Span::styled(
            format!(
                "{count} · tab: filter {} · enter keep · esc clear",
                target.other().word()
            ),
            Style::new().fg(theme.dim()),
        ),
    ])
}

/// `value`'s leaves as `path=value` words, appended to `out` (externally tagged enums read as
/// `game.bilinear.dim=75`).
fn flatten(path: &str, value: &Value, out: &mut String) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match value {
        Value::Object(m) => m.iter().for_each(|(k, v)| flatten(&join(k), v, out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, v)| flatten(&join(&i.to_string()), v, out)),
        Value::String(s) => out.push_str(&format!(" {path}={s}")),
        v => out.push_str(&format!(" {path}={v}")),
    }
}

/// The text a run pattern is looked for in, lowercased: name, method, id, and the resolved
/// config's leaves as `path=value` (so a sweep member's grid values match, `eta.phi=0.05`).
/// Computed once per run when it is attached.
pub fn haystack(run: &RunData) -> String {
    let mut s = format!("{} {} {}", run.name, run.method, run.id);
    if let Some(v) = run
        .config
        .as_ref()
        .and_then(|c| serde_json::to_value(c).ok())
    {
        flatten("", &v, &mut s);
    }
    s.to_lowercase()
}

/// Whether `pattern` (any case) occurs in `haystack` (already lowercased); an empty pattern
/// matches everything.
pub fn matches(haystack: &str, pattern: &str) -> bool {
    haystack.contains(&pattern.to_lowercase())
}

/// Whether a curve family's title or one of its columns contains `pattern` (any case).
pub fn metric_matches(spec: &MetricSpec, pattern: &str) -> bool {
    let p = pattern.to_lowercase();
    spec.title.to_lowercase().contains(&p)
        || spec
            .columns
            .iter()
            .any(|(c, _)| c.to_lowercase().contains(&p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::testdata::default_runs;
    use crate::tui::tests::key;

    #[test]
    fn a_run_matches_by_name_method_and_config_values_in_any_case() {
        let runs = default_runs(10);
        let h: Vec<String> = runs.iter().map(haystack).collect();
        let hits =
            |p: &str| -> Vec<usize> { (0..h.len()).filter(|&i| matches(&h[i], p)).collect() };
        assert_eq!(hits(""), vec![0, 1, 2, 3]);
        assert_eq!(hits("HEAVY_BALL"), vec![2], "the method, any case");
        assert_eq!(hits(&runs[3].name), vec![3], "the name");
        assert_eq!(hits("default-1"), vec![1], "the id");
        assert_eq!(
            hits("beta.phi=-0.5"),
            vec![2],
            "a config value as path=value"
        );
        assert!(hits("steps=").len() == 4, "{}", h[0]);
        assert!(hits("no such run").is_empty());
    }

    #[test]
    fn the_prompt_types_deletes_switches_keeps_and_clears() {
        let mut f = Filter::default();
        let t = Target::Runs;
        for c in "alt".chars() {
            assert_eq!(
                on_key(&mut f, t, key(KeyCode::Char(c))),
                PromptOutcome::Editing(t)
            );
        }
        on_key(&mut f, t, key(KeyCode::Backspace));
        assert_eq!(f.runs, "al");
        assert_eq!(
            on_key(&mut f, t, key(KeyCode::Tab)),
            PromptOutcome::Editing(Target::Metrics)
        );
        on_key(&mut f, Target::Metrics, key(KeyCode::Char('F')));
        assert_eq!(
            on_key(&mut f, Target::Metrics, key(KeyCode::Enter)),
            PromptOutcome::Kept
        );
        assert_eq!((f.runs.as_str(), f.metrics.as_str()), ("al", "F"));
        assert!(f.active());
        assert_eq!(on_key(&mut f, t, key(KeyCode::Esc)), PromptOutcome::Cleared);
        assert_eq!((f.runs.as_str(), f.metrics.as_str()), ("", "F"));
    }

    #[test]
    fn a_family_matches_by_title_or_column() {
        let spec = MetricSpec {
            title: "field norm ‖F(ω)‖".into(),
            columns: vec![("field_norm".into(), false)],
        };
        assert!(metric_matches(&spec, "NORM"));
        assert!(metric_matches(&spec, "field_n"));
        assert!(!metric_matches(&spec, "loss"));
    }
}
