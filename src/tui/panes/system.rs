//! System pane: the machine as the selected run sees it, from its `system.csv` — the run
//! process's CPU use (in all and its own thread's), resident memory, threads and open files,
//! the machine's load and free memory, its GPUs (or "no GPU"), and the CPU use over the kept
//! samples as a sparkline. A run is starved when its thread's CPU falls well under 100 %.

use super::{Pane, Place, Reads};
use crate::run::system::{SystemSample, DEFAULT_EVERY};
use crate::tui::app::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Sparkline, Widget};

/// The system pane.
pub struct System;

impl Pane for System {
    fn title(&self) -> &'static str {
        "system"
    }
    fn place(&self) -> Place {
        // The bottom row is full at 160 columns; a narrow column beside the phase portrait.
        Place::top(22)
    }
    fn reads(&self) -> &'static [Reads] {
        &[Reads::System]
    }
    fn draw(&self, app: &App, area: Rect, buf: &mut Buffer) {
        render(app, area, buf)
    }
}

/// Bytes in B, kB, MB or GB (powers of 1000), three significant digits.
pub fn bytes(b: f64) -> String {
    if !b.is_finite() {
        return "—".into();
    }
    let (v, unit) = match b {
        b if b >= 1e9 => (b / 1e9, "GB"),
        b if b >= 1e6 => (b / 1e6, "MB"),
        b if b >= 1e3 => (b / 1e3, "kB"),
        b => (b, "B"),
    };
    if v >= 100.0 {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}

/// A value at no more precision than it has, or "—".
fn num(x: Option<f64>, digits: usize) -> String {
    match x.filter(|v| v.is_finite()) {
        Some(v) => format!("{v:.digits$}"),
        None => "—".into(),
    }
}

/// The lines of values for the newest sample.
fn lines(s: &SystemSample) -> Vec<String> {
    let g = |c| s.get(c);
    let gpu = match g("gpus").filter(|v| v.is_finite()) {
        None => "no GPU".to_string(),
        Some(0.0) => "no GPU visible".to_string(),
        Some(n) => format!(
            "{n:.0} × {} % · {} / {}{} · {} °C · {} W",
            num(g("gpu_utilization_percent"), 0),
            bytes(g("gpu_memory_used_bytes").unwrap_or(f64::NAN)),
            bytes(g("gpu_memory_total_bytes").unwrap_or(f64::NAN)),
            // This run's own share, where the driver tells it.
            g("gpu_process_memory_bytes")
                .filter(|b| b.is_finite())
                .map_or(String::new(), |b| format!(" (run {})", bytes(b))),
            num(g("gpu_temperature_c"), 0),
            num(g("gpu_power_w"), 0),
        ),
    };
    vec![
        format!(
            "CPU {} % · run thread {} %",
            num(g("cpu_percent"), 0),
            num(g("run_thread_cpu_percent"), 0)
        ),
        format!(
            "mem {} · {} threads · {} files",
            bytes(g("rss_bytes").unwrap_or(f64::NAN)),
            num(g("threads"), 0),
            num(g("open_files"), 0)
        ),
        format!(
            "load {} · {} of {} free",
            num(g("load_1m"), 2),
            bytes(g("mem_available_bytes").unwrap_or(f64::NAN)),
            bytes(g("mem_total_bytes").unwrap_or(f64::NAN))
        ),
        format!("GPU {gpu}"),
    ]
}

/// A line of [`lines`] in fewer columns: `9 threads` → `9 thr`, `16 files` → `16 fd`,
/// `24.5 GB of 25.3 GB free` → `24.5/25.3 GB free`-like abbreviations, spaces around `·` gone.
fn compact(line: &str) -> String {
    line.replace(" threads", " thr")
        .replace(" files", " fd")
        .replace(" run thread ", " thread ")
        .replace(" of ", "/")
        .replace(" · ", "·")
}

/// Draws the pane for the selected run.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let block = Block::bordered().title(Line::styled(" system (run process) ", theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let samples = app.current().map(|r| &r.system);
    let Some(newest) = samples.and_then(|s| s.back()) else {
        Paragraph::new(format!(
            "no samples yet: a run samples every {DEFAULT_EVERY:.0} s (SADDLE_SYSTEM_EVERY)"
        ))
        .style(Style::new().fg(theme.dim()))
        .wrap(ratatui::widgets::Wrap { trim: true })
        .render(inner, buf);
        return;
    };
    let text = lines(newest);
    let h = (text.len() as u16).min(inner.height);
    let w = inner.width as usize;
    for (k, l) in text.iter().take(h as usize).enumerate() {
        // Inside the border: the compact wording where the full one does not fit, then cut.
        let l = if l.chars().count() > w {
            compact(l)
        } else {
            l.clone()
        };
        buf.set_stringn(inner.x, inner.y + k as u16, &l, w, Style::new());
    }
    if inner.height > h + 1 {
        let chart = Rect::new(inner.x, inner.y + h, inner.width, inner.height - h);
        let cpu: Vec<u64> = samples
            .into_iter()
            .flatten()
            .rev()
            .take(chart.width as usize)
            .map(|s| {
                s.get("cpu_percent")
                    .filter(|v| v.is_finite())
                    .unwrap_or(0.0) as u64
            })
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        buf.set_string(
            chart.x,
            chart.y,
            "CPU % over time",
            Style::new().fg(theme.dim()),
        );
        let spark = Rect::new(chart.x, chart.y + 1, chart.width, chart.height - 1);
        Sparkline::default()
            .data(&cpu)
            .style(Style::new().fg(theme.accent()))
            .render(spark, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line stays inside the pane's border, however narrow (it used to overwrite the
    /// right border at 160×48).
    #[test]
    fn lines_stay_inside_the_border() {
        let mut s = SystemSample {
            values: [f64::NAN; crate::run::system::COLUMNS.len()],
        };
        for (k, v) in [
            ("rss_bytes", 1.2e7),
            ("threads", 9.0),
            ("open_files", 16.0),
            ("load_1m", 0.43),
            ("mem_available_bytes", 2.45e10),
            ("mem_total_bytes", 2.53e10),
        ] {
            let i = crate::run::system::COLUMNS.iter().position(|c| *c == k);
            s.values[i.unwrap()] = v;
        }
        assert_eq!(
            compact(&lines(&s)[1]),
            "mem 12.0 MB·9 thr·16 fd",
            "{:?}",
            lines(&s)
        );
        // Drawn 30 columns wide: the right border is whole on every row.
        let mut runs = crate::tui::testdata::default_runs(100);
        runs[0].system.push_back(s);
        let app = App::new(runs, crate::tui::theme::Theme::default());
        let area = Rect::new(0, 0, 30, 9);
        let mut buf = Buffer::empty(area);
        render(&app, area, &mut buf);
        for y in 0..9 {
            let edge = buf[(29, y)].symbol();
            assert!(["│", "┐", "┘"].contains(&edge), "row {y} ends in {edge:?}");
        }
    }

    #[test]
    fn sizes_and_values_print_at_their_precision() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(45_200_000.0), "45.2 MB");
        assert_eq!(bytes(2.5e9), "2.50 GB");
        assert_eq!(bytes(f64::NAN), "—");
        assert_eq!(num(Some(1.234), 2), "1.23");
        assert_eq!(num(Some(f64::NAN), 0), "—");
        let mut values = [f64::NAN; crate::run::system::COLUMNS.len()];
        values[0] = 1.0;
        values[1] = 150.0;
        values[3] = 4.2e7;
        let l = lines(&SystemSample { values });
        assert_eq!(l[0], "CPU 150 % · run thread — %");
        assert!(l[1].starts_with("mem 42.0 MB"), "{}", l[1]);
        assert_eq!(l[3], "GPU no GPU");
        values[9] = 2.0;
        values[10] = 40.0;
        let l = lines(&SystemSample { values });
        assert!(l[3].starts_with("GPU 2 × 40 %"), "{}", l[3]);
        assert!(!l[3].contains("run"), "{}", l[3]);
        values[15] = 3e9;
        let l = lines(&SystemSample { values });
        assert!(l[3].contains(" (run 3.00 GB) · "), "{}", l[3]);
    }
}
