//! The run overview (`v`): the selected run's whole story in one scrollable popup — its
//! status and final metrics (`summary.json`), its resolved config, where its numbers came from
//! (provenance, as `saddle show` prints it: [`crate::run::provenance_text`]), its events (η / β
//! changes with their steps, pauses, checkpoints, refusals) and the exact commands that resume,
//! fork and export it. Built once when opened: the files it reads are small and read with a
//! cap ([`FILE_CAP`]), the events and the config are the dashboard's own copies.

use super::model::{RunData, EVENTS_KEPT};
use super::panes::events::describe;
use super::plot::fmt_num;
use super::popup::centered;
use super::theme::Theme;
use crate::run::events::EventKind;
use crate::run::provenance::Provenance;
use crate::run::provenance_text;
use crate::run::records::JsonLine;
use crate::run::store::CONFIG;
use crate::run::summary::Summary;
use crate::run::Status;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Widget};
use std::cell::Cell;
use std::io::Read;
use std::path::Path;

/// The most bytes read of any one file (`summary.json`, `provenance.jsonl`, an unparsable
/// `config.ron`): the overview opens at once whatever a run directory holds.
pub const FILE_CAP: u64 = 256 * 1024;

/// How a line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Heading,
    Text,
    Dim,
    Change,
    Error,
}

/// The overview of one run, with its scroll position.
#[derive(Clone, Debug, PartialEq)]
pub struct Overview {
    /// Index in [`super::app::App::runs`] of the run shown.
    pub run: usize,
    /// Its name, for the title.
    name: String,
    lines: Vec<(Kind, String)>,
    /// The first (wrapped) line shown.
    pub scroll: usize,
    /// (rows shown, wrapped lines in all) at the last draw: where scrolling stops.
    seen: Cell<(usize, usize)>,
}

/// The first [`FILE_CAP`] bytes of `path` up to their last whole line, and whether the file
/// is longer; None when it cannot be read.
fn read_capped(path: &Path) -> Option<(String, bool)> {
    let f = std::fs::File::open(path).ok()?;
    let mut bytes = vec![];
    f.take(FILE_CAP + 1).read_to_end(&mut bytes).ok()?;
    let cut = bytes.len() as u64 > FILE_CAP;
    if cut {
        let end = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        bytes.truncate(end.min(FILE_CAP as usize));
    }
    Some((String::from_utf8_lossy(&bytes).into_owned(), cut))
}

/// `arg` as one shell word (single-quoted unless it is plain).
fn shell_word(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./+:=,-@".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The commands that resume, fork and export the run in `dir` (its path names it for every
/// command, whatever the runs directory), each with why it would be refused now, if it would.
fn commands(run: &RunData, dir: &str) -> Vec<(Kind, String)> {
    let d = shell_word(dir);
    let resume = match run.status.word() {
        _ if run.status.is_live() => {
            "  (live: a process drives it; pause, edit or stop it here)".to_string()
        }
        "diverged" | "converged" => format!("  (refused: {} is its result)", run.status.word()),
        "finished" => "  (finished: --steps N extends it to N)".to_string(),
        _ => String::new(),
    };
    let resume_cmd = if run.status.word() == "finished" {
        format!("saddle resume {d} --steps {}", 2 * run.steps.max(1))
    } else {
        format!("saddle resume {d}")
    };
    let stem = Path::new(dir)
        .file_name()
        .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
    let csv = shell_word(&format!("{stem}.csv"));
    let json = shell_word(&format!("{stem}.json"));
    let mut out = vec![(Kind::Text, format!("  resume   {resume_cmd}"))];
    if !resume.is_empty() {
        out.push((Kind::Dim, format!("         {resume}")));
    }
    out.extend([
        (
            Kind::Text,
            // At its end a fork needs an end of its own.
            if run.step >= run.steps {
                format!(
                    "  fork     saddle fork {d} --at {} --steps {}",
                    run.step,
                    run.step + run.steps.max(1)
                )
            } else {
                format!("  fork     saddle fork {d} --at {}", run.step)
            },
        ),
        (
            Kind::Dim,
            "           (--set eta=V, --set beta.phi=V, …: other live parameters; f here too)"
                .into(),
        ),
        (
            Kind::Text,
            format!("  export   saddle export {d} --format csv --output {csv}"),
        ),
        (
            Kind::Text,
            format!("           saddle export {d} --format json --output {json}"),
        ),
        (
            Kind::Text,
            format!("           saddle export {d} --format tensorboard"),
        ),
        (Kind::Text, format!("  show     saddle show {d}")),
    ]);
    out
}

impl Overview {
    /// The overview of `run` (index `i`), whose directory lies under `runs_dir` when it has
    /// none of its own recorded (runs made up by tests).
    pub fn of(i: usize, run: &RunData, runs_dir: &str) -> Overview {
        let dir_path = run.dir.as_ref().map_or_else(
            || format!("{runs_dir}/{}", run.id),
            |d| d.path.display().to_string(),
        );
        let summary = run.dir.as_ref().and_then(|d| {
            read_capped(&d.file(crate::run::store::SUMMARY))
                .and_then(|(t, _)| serde_json::from_str::<Summary>(&t).ok())
        });
        let (records, records_cut) = run
            .dir
            .as_ref()
            .and_then(|d| read_capped(&d.file(crate::run::provenance::PROVENANCE)))
            .map_or((vec![], false), |(t, cut)| (Provenance::parse_all(&t), cut));
        let mut l: Vec<(Kind, String)> = vec![];
        let head = |l: &mut Vec<(Kind, String)>, text: String| {
            if !l.is_empty() {
                l.push((Kind::Text, String::new()));
            }
            l.push((Kind::Heading, text));
        };
        head(&mut l, "run".into());
        l.push((
            Kind::Text,
            format!("  {}  ·  {}  ·  {}", run.name, run.method, run.id),
        ));
        l.push((Kind::Dim, format!("  {dir_path}")));

        head(&mut l, "status".into());
        let status = match &summary {
            // The summary lags a live run (written at its checkpoints): what the dashboard
            // knows now beside it.
            // Only when the dashboard knows a later step or another status: its step comes
            // from the metrics rows, which lag a summary written between them.
            Some(s) if s.status.as_str() != run.status.word() || s.step < run.step => format!(
                "{}  (now {} at step {})",
                provenance_text::status(Some(s)),
                run.status.word(),
                run.step.max(s.step)
            ),
            Some(s) => provenance_text::status(Some(s)),
            None => format!(
                "{} at step {} of {}",
                run.status.word(),
                run.step,
                run.steps
            ),
        };
        l.push((Kind::Text, format!("  {status}")));
        if let Some(s) = &summary {
            if let Some(at) = s.status_step {
                l.push((Kind::Text, format!("  {} at step {at}", s.status)));
            }
            if let Some(m) = &s.message {
                l.push((Kind::Error, format!("  {m}")));
            }
            l.push((
                Kind::Dim,
                format!(
                    "  {} oracle calls · {:.1} s stepping",
                    s.oracle_calls, s.wall_time
                ),
            ));
        }
        if let Some(r) = &run.last_refusal {
            l.push((Kind::Error, format!("  {r}")));
        }
        if !run.damaged_rows.is_empty() {
            let lines: Vec<String> = run
                .damaged_rows
                .iter()
                .take(5)
                .map(u64::to_string)
                .collect();
            l.push((
                Kind::Error,
                format!(
                    "  metrics.csv: {} damaged row(s) left out of the charts (line {}{})",
                    run.damaged_rows.len(),
                    lines.join(", "),
                    if run.damaged_rows.len() > 5 {
                        ", …"
                    } else {
                        ""
                    }
                ),
            ));
        }

        // A run still going has no final metrics yet: its latest.
        let ended = !run.status.is_live() && run.status.word() != "created";
        head(
            &mut l,
            if ended {
                "final metrics"
            } else {
                "latest metrics"
            }
            .into(),
        );
        let metrics: Vec<(String, Option<f64>)> = match &summary {
            Some(s) => s.metrics.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            None => run
                .columns
                .iter()
                .map(|c| (c.clone(), run.last(c)))
                .collect(),
        };
        if summary.is_none() {
            l.push((
                Kind::Dim,
                "  (no summary.json: the newest logged values)".into(),
            ));
        }
        let w = metrics
            .iter()
            .map(|m| m.0.chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in &metrics {
            let v = v.map_or_else(|| "—".to_string(), fmt_num);
            l.push((Kind::Text, format!("  {k:<w$}  {v}")));
        }
        if metrics.is_empty() {
            l.push((Kind::Dim, "  none logged yet".into()));
        }

        head(&mut l, format!("config ({CONFIG}, resolved)"));
        match (&run.config, &run.dir) {
            (Some(c), _) => l.extend(c.to_ron().lines().map(|s| (Kind::Text, format!("  {s}")))),
            (None, Some(d)) => match read_capped(&d.file(CONFIG)) {
                Some((text, cut)) => {
                    l.push((
                        Kind::Error,
                        format!("  {CONFIG} could not be parsed; as written:"),
                    ));
                    l.extend(text.lines().map(|s| (Kind::Text, format!("  {s}"))));
                    if cut {
                        l.push((Kind::Dim, format!("  … (the first {FILE_CAP} bytes)")));
                    }
                }
                None => l.push((Kind::Error, format!("  {CONFIG} could not be read"))),
            },
            (None, None) => l.push((Kind::Dim, "  none".into())),
        }

        head(
            &mut l,
            format!("provenance · {}", provenance_text::heading(&records)),
        );
        l.extend(
            provenance_text::lines(&records)
                .into_iter()
                .map(|s| (Kind::Text, s)),
        );
        if records_cut {
            l.push((
                Kind::Dim,
                format!("  … (the records in the first {FILE_CAP} bytes: saddle show lists all)"),
            ));
        }

        head(&mut l, format!("events ({}; step, what)", run.events.len()));
        if run.events.len() == EVENTS_KEPT {
            l.push((
                Kind::Dim,
                format!("  (the newest {EVENTS_KEPT}: events.jsonl holds them all)"),
            ));
        }
        let sw = run
            .events
            .iter()
            .map(|e| e.step.to_string().len())
            .max()
            .unwrap_or(1);
        for e in &run.events {
            let kind = match e.kind {
                EventKind::Set(_) => Kind::Change,
                EventKind::Refused { .. } | EventKind::Warning { .. } => Kind::Error,
                EventKind::Ended {
                    status: Status::Diverged | Status::Failed,
                } => Kind::Error,
                _ => Kind::Text,
            };
            l.push((kind, format!("  {:>sw$}  {}", e.step, describe(&e.kind))));
        }
        if run.events.is_empty() {
            l.push((Kind::Dim, "  none yet".into()));
        }

        head(&mut l, "commands".into());
        l.extend(commands(run, &dir_path));
        Overview {
            run: i,
            name: run.name.clone(),
            lines: l,
            scroll: 0,
            seen: Cell::new((0, 0)),
        }
    }

    /// The text of every line, unwrapped (tests and the end-to-end check read it).
    pub fn text(&self) -> Vec<&str> {
        self.lines.iter().map(|(_, s)| s.as_str()).collect()
    }

    /// Handles a key; false when it closes the overview (Esc or `v`).
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        let (room, total) = self.seen.get();
        let last = total.saturating_sub(room);
        let page = room.saturating_sub(1).max(1);
        self.scroll = match key.code {
            KeyCode::Esc | KeyCode::Char('v') => return false,
            KeyCode::Up | KeyCode::Char('k') => self.scroll.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.scroll + 1,
            KeyCode::PageUp => self.scroll.saturating_sub(page),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll + page,
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => last,
            _ => self.scroll,
        }
        .min(last);
        true
    }

    /// Draws it over `area`: as large as the screen allows up to 120 columns, lines wrapped
    /// to its width (continuations indented), scrolled.
    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let w = area.width.saturating_sub(4).clamp(area.width.min(40), 120);
        let h = area.height.saturating_sub(2).max(area.height.min(5));
        let r = centered(area, w, h, buf);
        let inner_w = r.width.saturating_sub(2) as usize;
        let room = r.height.saturating_sub(2) as usize;
        let wrapped: Vec<(Kind, String)> = self
            .lines
            .iter()
            .flat_map(|(k, s)| wrap(s, inner_w).into_iter().map(move |s| (*k, s)))
            .collect();
        self.seen.set((room, wrapped.len()));
        let top = self.scroll.min(wrapped.len().saturating_sub(room));
        let shown = top + room.min(wrapped.len() - top);
        let block = Block::bordered()
            .title(Line::styled(
                format!(" {} · overview ", self.name),
                theme.title(),
            ))
            .title_bottom(Line::styled(
                format!(
                    " ↑↓ PgUp PgDn Home End · esc close · {}–{} of {} ",
                    top + 1,
                    shown,
                    wrapped.len()
                ),
                Style::new().fg(theme.dim()),
            ));
        let inner = block.inner(r);
        block.render(r, buf);
        for (k, (kind, s)) in wrapped[top..shown].iter().enumerate() {
            let style = match kind {
                Kind::Heading => theme.title(),
                Kind::Text => Style::new(),
                Kind::Dim => Style::new().fg(theme.dim()),
                Kind::Change => Style::new().fg(theme.accent()),
                Kind::Error => theme.error(),
            };
            let line = Line::styled(s.clone(), style);
            let line = if *kind == Kind::Heading {
                line.bold()
            } else {
                line
            };
            buf.set_line(inner.x, inner.y + k as u16, &line, inner.width);
        }
    }
}

/// `s` cut into pieces of at most `width` characters, the continuations indented by four
/// spaces more than `s` is (so a long command or path reads as one item).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= width || width < 12 {
        return vec![s.to_string()];
    }
    let indent = chars
        .iter()
        .take_while(|c| **c == ' ')
        .count()
        .min(width / 3)
        + 4;
    let mut out = vec![chars[..width].iter().collect::<String>()];
    let mut at = width;
    while at < chars.len() {
        let take = (width - indent).min(chars.len() - at);
        let piece: String = chars[at..at + take].iter().collect();
        out.push(format!("{}{piece}", " ".repeat(indent)));
        at += take;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_indented_and_short_ones_stay() {
        assert_eq!(wrap("  short", 20), vec!["  short"]);
        let w = wrap("  saddle export runs/abc --format csv", 20);
        assert_eq!(w[0], "  saddle export runs");
        assert_eq!(w[1], "      /abc --format ");
        assert_eq!(w[2], "      csv");
        assert!(w.iter().all(|l| l.chars().count() <= 20), "{w:?}");
        assert_eq!(
            w.concat().replace(' ', ""),
            "saddleexportruns/abc--formatcsv"
        );
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("runs/20260101-x"), "runs/20260101-x");
        assert_eq!(shell_word("my runs/a b"), "'my runs/a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }

    #[test]
    fn a_long_file_is_read_up_to_its_cap_on_a_whole_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let line = "x".repeat(99) + "\n";
        std::fs::write(&p, line.repeat((FILE_CAP / 100 + 10) as usize)).unwrap();
        let (text, cut) = read_capped(&p).unwrap();
        assert!(cut);
        assert!(text.len() as u64 <= FILE_CAP && text.ends_with('\n'));
        std::fs::write(&p, "a\nb").unwrap();
        assert_eq!(read_capped(&p).unwrap(), ("a\nb".into(), false));
        assert_eq!(read_capped(&dir.path().join("none")), None);
    }
}
