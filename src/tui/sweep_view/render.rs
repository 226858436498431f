//! Draws the sweep view: a title bar (the sweep, its members per state, the grouping, the
//! metric), the groups' curves, the heat map (two grid axes) and the members' progress, the
//! table of groups × final metrics, and a status line.

use super::aggregate::{compute, AggregateKey, Aggregates};
use super::data::SweepData;
use super::groups::{member_curve, SortBy, TableRow};
use super::heatmap;
use super::state::{Shown, SweepView, KEYS};
use crate::sweep::state::MemberState;
use crate::tui::layout::MIN_SIZE;
use crate::tui::plot::{fmt_num, nice_bounds, Plot, Polyline};
use crate::tui::popup::centered;
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

/// Members drawn faint one by one: beyond this many in the groups shown, only the selected
/// group's members are (a thousand curves would hide the means and cost the frame).
pub const FAINT_MAX: usize = 200;

/// Groups drawn with their band: beyond this many groups shown, only the selected group's band
/// is (a hundred overlapping bands cover the chart, and were a third of a frame's cost).
pub const BAND_MAX: usize = 12;

/// The view's areas: title bar, curves, side (heat map and progress), table, status line.
fn areas(area: Rect) -> [Rect; 5] {
    let [top, body, table, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Length(1),
    ])
    .areas(area);
    let [curves, side] = Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(body);
    [top, curves, side, table, bottom]
}

/// The aggregates a frame of `view` in `area` draws: the curves have two points per column
/// of the chart (its braille resolution).
pub fn aggregate_key(view: &SweepView, area: Rect) -> AggregateKey {
    let inner = Block::bordered().inner(areas(area)[1]);
    view.key(2 * inner.width.max(1) as usize)
}

/// Draws the whole sweep view into `buf` (of size `area`), computing its aggregates.
pub fn draw(data: &SweepData, view: &SweepView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let agg = compute(data, &aggregate_key(view, area));
    draw_with(data, view, &agg, theme, area, buf);
}

/// Draws the whole sweep view into `buf` (of size `area`) with aggregates already computed
/// (see [`aggregate_key`]).
pub fn draw_with(
    data: &SweepData,
    view: &SweepView,
    agg: &Aggregates,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        crate::tui::layout::too_small(area, buf);
        return;
    }
    let shown = &agg.shown;
    let [top, curves_area, side, table, bottom] = areas(area);
    title_bar(data, view, shown, theme, top, buf);
    curves(data, view, agg, theme, curves_area, buf);
    let run = shown
        .group(view)
        .and_then(|g| g.members.first())
        .map(|&m| {
            data.manifest.configurations[data.manifest.members[m].configuration]
                .run
                .clone()
        })
        .unwrap_or_default();
    let progress_area = match (&shown.metric, data.manifest.grid.len()) {
        (Some(metric), 2) => {
            // The axis' values, the header, the legend and the borders.
            let rows = data.manifest.grid[0].values.len() as u16 + 4;
            let [heat, rest] = Layout::vertical([
                Constraint::Length(rows.min(side.height / 2)),
                Constraint::Fill(1),
            ])
            .areas(side);
            heatmap::render(data, &run, metric, view.rho, heat, buf, theme);
            rest
        }
        _ => side,
    };
    progress(data, view, shown, theme, progress_area, buf);
    table_pane(view, shown, theme, table, buf);
    status_bar(view, theme, bottom, buf);
    if view.help {
        help(area, buf, theme);
    } else if let Some(e) = &view.editor {
        e.render(area, buf, theme);
    }
}

fn state_style(s: MemberState, theme: &Theme) -> (char, Style) {
    let st = Style::new();
    match s {
        MemberState::Queued => ('·', st.fg(theme.dim())),
        MemberState::Running => ('▶', st.fg(theme.accent())),
        MemberState::Preempted => ('↻', st.fg(Color::Magenta)),
        MemberState::Done => ('●', st.fg(Color::Green)),
        MemberState::Failed => ('✗', theme.error()),
        MemberState::Cancelled => ('-', st.fg(theme.dim())),
        MemberState::Stalled => ('?', st.fg(Color::LightRed)),
    }
}

fn title_bar(
    data: &SweepData,
    view: &SweepView,
    shown: &Shown,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let m = &data.manifest;
    let counts: Vec<String> = data
        .counts()
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    let text = format!(
        " saddle · sweep {} · {} · {} members: {} · by {} · {} · band {} ",
        m.id,
        m.preset,
        m.members.len(),
        counts.join(", "),
        view.grouping.label(m),
        shown.metric.as_deref().unwrap_or("no metric yet"),
        view.band.label()
    );
    buf.set_stringn(
        area.x,
        area.y,
        text,
        area.width as usize,
        theme.title().add_modifier(Modifier::REVERSED),
    );
}

/// The groups' colors: by position in the table (the table is the legend).
fn group_color(theme: &Theme, row: usize) -> Color {
    theme.run_color(row)
}

fn curves(
    data: &SweepData,
    view: &SweepView,
    agg: &Aggregates,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let shown = &agg.shown;
    let title = match &shown.metric {
        Some(m) => format!(
            " {m} · mean {} of each group, members faint · {} ",
            view.band.label(),
            if view.log_y { "log y" } else { "linear y" }
        ),
        None => " curves: no member has logged a row yet ".into(),
    };
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(metric) = &shown.metric else {
        return;
    };
    if inner.width < 16 || inner.height < 4 {
        return;
    }
    let points = agg.key.points;
    let x_max = agg.x_max;
    let faint_all = shown
        .rows
        .iter()
        .map(|r| shown.groups[r.group].members.len())
        .sum::<usize>()
        <= FAINT_MAX;
    let selected = shown.member(view);
    let mut plot = Plot {
        x: [0.0, x_max],
        log_y: view.log_y,
        axes: true,
        ..Default::default()
    };
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut fit = |v: f64| {
        if v.is_finite() && (!view.log_y || v > 0.0) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    };
    let mut faint = vec![];
    let mut bands = vec![];
    let mut means = vec![];
    for (k, r) in shown.rows.iter().enumerate() {
        let g = &shown.groups[r.group];
        let color = group_color(theme, k);
        if faint_all || k == view.selected {
            for &m in &g.members {
                let c = member_curve(data, m, metric, points);
                c.iter().for_each(|p| fit(p.1));
                let col = if Some(m) == selected {
                    color
                } else {
                    theme.dim()
                };
                faint.push(Polyline {
                    points: c,
                    color: col,
                });
            }
        }
        let Some(c) = agg.curves.get(k) else {
            continue;
        };
        c.mean
            .iter()
            .chain(&c.lo)
            .chain(&c.hi)
            .for_each(|p| fit(p.1));
        if shown.rows.len() <= BAND_MAX || k == view.selected {
            bands.push((c.lo.clone(), color));
            bands.push((c.hi.clone(), color));
        }
        means.push(Polyline {
            points: c.mean.clone(),
            color,
        });
    }
    if lo > hi {
        return;
    }
    plot.y = nice_bounds(lo, hi, view.log_y);
    plot.lines = faint;
    plot.lines.extend(means);
    plot.points = bands;
    plot.render(inner, buf, theme);
}

fn progress(
    data: &SweepData,
    view: &SweepView,
    shown: &Shown,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let block = Block::bordered().title(Line::styled(" progress ", theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    let mut lines: Vec<Line> = vec![];
    let mut spans = vec![];
    for (s, n) in data.counts() {
        let (c, st) = state_style(s, theme);
        spans.push(Span::styled(format!("{c} {n} {}  ", s.as_str()), st));
    }
    lines.push(Line::from(spans));
    let slurm = data.slurm_counts();
    if !slurm.is_empty() {
        let parts: Vec<String> = slurm.iter().map(|(s, n)| format!("{n} {s}")).collect();
        lines.push(Line::raw(format!("slurm: {}", parts.join(", "))));
    }
    let selected = shown.member(view);
    if let Some(i) = selected {
        let m = &data.members[i];
        let mut text = format!(
            "{} {} · {} · step {}/{}",
            data.manifest.members[i].id,
            data.name(i),
            m.state.as_str(),
            m.step,
            m.steps
        );
        if let Some(s) = &m.slurm {
            text.push_str(&format!(" · slurm {s}"));
        }
        lines.push(Line::styled(text, theme.title()));
    }
    if !data.feed.is_empty() {
        lines.push(Line::styled(
            format!("feed: {}", data.feed),
            Style::new().fg(theme.dim()),
        ));
    }
    let head = lines.len() as u16;
    Paragraph::new(lines).render(inner, buf);
    // One glyph per member, in index order, in the rows under the lines above (never over
    // them); when not all fit, the last of those rows says how many are left out instead.
    let w = inner.width as usize;
    let rows = inner.height.saturating_sub(head) as usize;
    let n = data.members.len();
    let drawn = if n <= rows * w {
        n
    } else {
        rows.saturating_sub(1) * w
    };
    for (i, m) in data.members.iter().enumerate().take(drawn) {
        let (ch, mut st) = state_style(m.state, theme);
        if Some(i) == selected {
            st = st.add_modifier(Modifier::REVERSED);
        }
        buf.set_string(
            inner.x + (i % w) as u16,
            inner.y + head + (i / w) as u16,
            ch.to_string(),
            st,
        );
    }
    if drawn < n && rows > 0 {
        // Padded to the pane's width: the row is cleared whatever was drawn there before.
        let more = format!("… {} more", n - drawn);
        buf.set_stringn(
            inner.x,
            inner.y + head + rows as u16 - 1,
            format!("{more:<w$}"),
            w,
            Style::new().fg(theme.dim()),
        );
    }
}

/// `mean ± half-width` of a cell, `—` without values.
fn cell_text(c: &Option<crate::stats::Description>) -> String {
    match c {
        None => "—".into(),
        Some(d) => match d.half_width() {
            Some(h) => format!("{} ± {}", fmt_num(d.mean), fmt_num(h)),
            None => fmt_num(d.mean),
        },
    }
}

/// Width of a metric column.
const METRIC_W: usize = 24;

fn table_pane(view: &SweepView, shown: &Shown, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let sort = view.sort_by();
    let arrow = if view.descending { "▼" } else { "▲" };
    let title = format!(
        " {} of {} groups · final values: mean ± 95% CI (n = ended/members) · sorted by {} {arrow}{} ",
        shown.rows.len(),
        shown.groups.len(),
        match sort {
            SortBy::Index => "#".to_string(),
            SortBy::Label => "group".to_string(),
            SortBy::N => "n".to_string(),
            SortBy::Metric(k) => shown.metrics.get(k).cloned().unwrap_or_default(),
        },
        if view.filter.is_empty() {
            String::new()
        } else {
            format!(" · filter /{}/", view.filter)
        }
    );
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 2 {
        return;
    }
    let label_w = label_width(shown, inner.width as usize);
    let common = common_words(shown.rows.iter().map(|r| r.label.as_str()));
    let room = (inner.width as usize).saturating_sub(label_w + 2 + 8);
    let fit = (room / (METRIC_W + 1)).min(shown.metrics.len());
    let mark = |s: SortBy, h: &str| {
        if s == sort {
            format!("{h} {arrow}")
        } else {
            h.to_string()
        }
    };
    let mut head = format!(
        "  {:<label_w$} {:>7}",
        mark(SortBy::Label, "GROUP"),
        mark(SortBy::N, "N")
    );
    for (k, m) in shown.metrics.iter().take(fit).enumerate() {
        let h: String = mark(SortBy::Metric(k), m).chars().take(METRIC_W).collect();
        head.push_str(&format!(" {h:>METRIC_W$}"));
    }
    if fit < shown.metrics.len() {
        head.push_str(&format!(" +{} more", shown.metrics.len() - fit));
    }
    buf.set_stringn(
        inner.x,
        inner.y,
        head,
        inner.width as usize,
        Style::new().fg(theme.dim()),
    );
    let visible = inner.height as usize - 1;
    let first = view.selected.saturating_sub(visible.saturating_sub(1));
    for (k, r) in shown.rows.iter().enumerate().skip(first).take(visible) {
        let y = inner.y + 1 + (k - first) as u16;
        let line = row_text(r, &shorten(&r.label, common, label_w - 2), label_w, fit);
        let style = if k == view.selected {
            theme.selected()
        } else {
            Style::new()
        };
        buf.set_string(inner.x, y, "■", Style::new().fg(group_color(theme, k)));
        buf.set_stringn(inner.x + 2, y, line, inner.width as usize - 2, style);
    }
}

/// Labels up to this long get their whole width, as a table column should; longer ones get
/// what the pane has besides the N column and one metric column, so that groups whose labels
/// differ only at their end stay told apart on a wide screen.
const LABEL_W: usize = 48;

/// The width of the GROUP column in a table `width` wide (two spaces after the label
/// included): the longest label's, at most [`LABEL_W`] or what one metric column leaves, and
/// never pushing the N column out of the pane.
fn label_width(shown: &Shown, width: usize) -> usize {
    let longest = shown
        .rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    // The group's glyph and the N column; one metric column when there is a metric.
    let beside = 2
        + 8
        + if shown.metrics.is_empty() {
            0
        } else {
            METRIC_W + 1
        };
    let most = width.saturating_sub(beside).max(LABEL_W);
    (longest.min(most) + 2).min(width.saturating_sub(2 + 8).max(5 + 2))
}

/// The characters that `labels` (at least two) share at their start, in whole words (up to a
/// space, with it); 0 otherwise. In a sweep of one run that prefix is the run's name, the
/// part of each label that tells no group apart. Labels do not end with a space, so none is
/// all prefix.
fn common_words<'a>(labels: impl Iterator<Item = &'a str>) -> usize {
    let mut shared: Option<&str> = None;
    let mut n = 0;
    for l in labels {
        n += 1;
        shared = Some(match shared {
            None => l,
            Some(s) => {
                let same = s
                    .char_indices()
                    .zip(l.chars())
                    .find(|((_, a), b)| a != b)
                    .map_or(s.len().min(l.len()), |((i, _), _)| i);
                &s[..same]
            }
        });
    }
    match shared {
        Some(s) if n >= 2 => s.rfind(' ').map_or(0, |i| s[..=i].chars().count()),
        _ => 0,
    }
}

/// `label` in at most `w` characters: whole when it fits; else its first `common` characters
/// (shared by every label, see [`common_words`]) written `…`, then its end cut with `…` if
/// that is still too long, so the part that differs between groups is what stays.
fn shorten(label: &str, common: usize, w: usize) -> String {
    let n = label.chars().count();
    if n <= w {
        return label.to_string();
    }
    let text: String = if common > 0 && common < n {
        std::iter::once('…')
            .chain(std::iter::once(' '))
            .chain(label.chars().skip(common))
            .collect()
    } else {
        label.to_string()
    };
    if text.chars().count() <= w {
        return text;
    }
    let mut cut: String = text.chars().take(w.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn row_text(r: &TableRow, label: &str, label_w: usize, fit: usize) -> String {
    let mut s = format!(
        "{label:<label_w$} {:>7}",
        format!("{}/{}", r.ended, r.members)
    );
    for c in r.cells.iter().take(fit) {
        s.push_str(&format!(" {:>METRIC_W$}", cell_text(c)));
    }
    s
}

fn status_bar(view: &SweepView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let (text, style) = if view.typing {
        (
            format!(
                " filter (regex or substring): {}▏ enter keeps · esc clears",
                view.filter
            ),
            theme.title(),
        )
    } else if let Some((t, error)) = &view.message {
        (
            format!(" {t}"),
            if *error { theme.error() } else { Style::new() },
        )
    } else {
        (
            " ↑↓ group · ←→ member · enter drill in · g group by · v metric · b band · s/S sort · / filter · space pause group · e η/β · ? help · q quit".into(),
            Style::new().fg(theme.dim()),
        )
    };
    buf.set_stringn(area.x, area.y, text, area.width as usize, style);
}

fn help(area: Rect, buf: &mut Buffer, theme: &Theme) {
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<9}"), theme.title()),
                Span::raw(*what),
            ])
        })
        .collect();
    let r = centered(area, 70, lines.len() as u16 + 2, buf);
    Paragraph::new(lines)
        .block(Block::bordered().title(Line::styled(" sweep view keys ", theme.title())))
        .render(r, buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::sweep_view::testdata::grid_sweep;

    /// The rows of `buf`'s area `r` as text.
    fn rows(buf: &Buffer, r: Rect) -> Vec<String> {
        (r.y..r.y + r.height)
            .map(|y| (r.x..r.x + r.width).map(|x| buf[(x, y)].symbol()).collect())
            .collect()
    }

    /// At every size, each row of the progress pane is one thing: a line above the glyphs
    /// (cut at the border, never written over), a row of glyphs, or `… N more` alone with N
    /// the members that have no glyph; glyphs and the count add up to every member.
    #[test]
    fn progress_lines_never_draw_over_each_other() {
        let mut d = grid_sweep();
        d.feed = "notified of changes (every table looked at every 5 s besides)".into();
        let v = SweepView::default();
        let shown = v.shown(&d);
        assert!(shown.member(&v).is_some() && d.slurm_counts().is_empty());
        // The counts, the selected member, the feed.
        let head = 3;
        let feed = format!("feed: {}", d.feed);
        let theme = Theme::default();
        let glyphs = ['·', '▶', '↻', '●', '✗', '-', '?'];
        let n = d.members.len();
        for h in 3..14u16 {
            for w in 12..70u16 {
                let area = Rect::new(0, 0, w, h);
                let mut buf = Buffer::empty(area);
                progress(&d, &v, &shown, &theme, area, &mut buf);
                let text = rows(&buf, Block::bordered().inner(area));
                let screen = text.join("\n");
                if let Some(row) = text.get(head - 1) {
                    let row = row.trim_end();
                    assert!(
                        feed.starts_with(row) && !row.is_empty(),
                        "{w}×{h}: the feed line was drawn over: {row:?}\n{screen}"
                    );
                }
                let (mut counted, mut more) = (0, None);
                for row in text.iter().skip(head).map(|r| r.trim_end()) {
                    if let Some(m) = row.strip_prefix("… ") {
                        assert_eq!(more, None, "{w}×{h}: two counts\n{screen}");
                        let k = m.strip_suffix(" more").unwrap_or_else(|| {
                            panic!("{w}×{h}: {row:?}: a count with more on its row\n{screen}")
                        });
                        more = Some(k.parse::<usize>().unwrap());
                    } else {
                        assert!(
                            row.chars().all(|c| glyphs.contains(&c)),
                            "{w}×{h}: {row:?} mixes glyphs with text\n{screen}"
                        );
                        counted += row.chars().count();
                    }
                }
                if text.len() > head {
                    assert_eq!(
                        counted + more.unwrap_or(0),
                        n,
                        "{w}×{h}: every member a glyph or counted\n{screen}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_cut_label_drops_the_words_every_label_shares_first() {
        let labels = [
            "alternating β=-0.5 runs[2].eta=0.1 runs[2].beta.phi=-0.5",
            "alternating β=-0.5 runs[2].eta=0.1 runs[2].beta.phi=-0.3",
        ];
        let common = common_words(labels.iter().copied());
        assert_eq!(
            common,
            "alternating β=-0.5 runs[2].eta=0.1 ".chars().count()
        );
        let short: Vec<String> = labels.iter().map(|l| shorten(l, common, 30)).collect();
        assert_eq!(
            short,
            ["… runs[2].beta.phi=-0.5", "… runs[2].beta.phi=-0.3"]
        );
        // Still too long: the end is cut, marked.
        assert_eq!(shorten(labels[0], common, 12), "… runs[2].b…");
        // Whole when it fits, and no common part for a single label.
        assert_eq!(shorten(labels[0], common, 80), labels[0]);
        assert_eq!(common_words(labels.iter().take(1).copied()), 0);
        assert_eq!(common_words(["a x", "b x"].into_iter()), 0);
        assert_eq!(shorten("abcdef", 0, 4), "abc…");
    }
}
