//! `metrics.csv`: a header row, then one row per logged step; empty cells for values not
//! computed at that step. Numbers are written in their shortest exact form, so a table read
//! back gives the same f64 values bit for bit.

use crate::error::{io_error, Error, Result};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Column: iterations completed (column 0 of every row).
pub const STEP: &str = "step";
/// Column: gradient evaluations so far.
pub const ORACLE_CALLS: &str = "oracle_calls";
/// Column: seconds spent stepping (across resumes).
pub const WALL_TIME: &str = "wall_time";
/// Column: J·v-equivalents so far — gradient evaluations plus Jacobian products J·v and
/// Jᵀ·v, each counted one (the cost axis of methods that use products: ConOpt, SGA, CGD,
/// LEAD).
pub const JV_EQUIVALENTS: &str = "jv_equivalents";
/// Column: the generator's loss L_G(ω).
pub const LOSS_THETA: &str = "loss_theta";
/// Column: the discriminator's loss L_D(ω).
pub const LOSS_PHI: &str = "loss_phi";
/// Column: ‖F(ω)‖, the norm of the exact vector field.
pub const FIELD_NORM: &str = "field_norm";
/// Column: ‖ω − ω*‖ for games with a known equilibrium (empty otherwise); the same name
/// followed by `_<average>` is the distance of that average ([`average_distance`]).
pub const DISTANCE_TO_EQUILIBRIUM: &str = "distance_to_equilibrium";
/// Column: η of θ in force.
pub const ETA_THETA: &str = "eta_theta";
/// Column: η of φ in force.
pub const ETA_PHI: &str = "eta_phi";
/// Column: β of θ in force.
pub const BETA_THETA: &str = "beta_theta";
/// Column: β of φ in force.
pub const BETA_PHI: &str = "beta_phi";
/// Column: θ's first coordinate (the phase portrait's x).
pub const THETA_0: &str = "theta_0";
/// Column: φ's first coordinate (the phase portrait's y).
pub const PHI_0: &str = "phi_0";
/// Column of runs with `spectral_every`: ρ of the update operator where it was computed.
pub const SPECTRAL_RADIUS: &str = "spectral_radius";
/// Column the mixture-of-Gaussians games add: modes with enough generated samples near them
/// (the game writes it; `modes_covered_is_the_mixture_games_column` keeps the two equal).
pub const MODES_COVERED: &str = "modes_covered";
/// Column the mixture-of-Gaussians games add: the percentage of generated points within
/// `hq_sigmas`·σ of their nearest mode (kept equal to the game's name by the same test).
pub const HIGH_QUALITY_PCT: &str = "high_quality_pct";

/// True for a column that is never negative by its definition — a norm or a distance
/// (`field_norm`, `distance_to_equilibrium` and each average's), ρ, a count or a share —
/// where a mean's interval can be cut at 0 (see the sweep figure's band). A loss, a
/// coordinate or a live parameter (β < 0 is negative momentum) can be negative.
pub fn nonnegative(column: &str) -> bool {
    column.starts_with(DISTANCE_TO_EQUILIBRIUM)
        || [
            FIELD_NORM,
            SPECTRAL_RADIUS,
            MODES_COVERED,
            HIGH_QUALITY_PCT,
            "lambda_negative_share",
        ]
        .contains(&column)
}

/// The x columns every table starts with.
pub const X_COLUMNS: [&str; 4] = [STEP, ORACLE_CALLS, WALL_TIME, JV_EQUIVALENTS];
/// The value columns every run logs first (then one `distance_to_equilibrium_<average>` per
/// average).
pub const BASE_COLUMNS: [&str; 4] = [LOSS_THETA, LOSS_PHI, FIELD_NORM, DISTANCE_TO_EQUILIBRIUM];
/// The live hyperparameters and the first coordinate of each player, after the distances
/// (then one column per live parameter the run's methods declare, named like it: `gamma`,
/// `lookahead_k`).
pub const TRACE_COLUMNS: [&str; 6] = [ETA_THETA, ETA_PHI, BETA_THETA, BETA_PHI, THETA_0, PHI_0];

/// The column of the distance of the average named `average` to the equilibrium.
pub fn average_distance(average: &str) -> String {
    format!("{DISTANCE_TO_EQUILIBRIUM}_{average}")
}

/// The average a column is the distance of, if it is one ([`average_distance`] read back).
pub fn average_of(column: &str) -> Option<&str> {
    column
        .strip_prefix(DISTANCE_TO_EQUILIBRIUM)
        .and_then(|rest| rest.strip_prefix('_'))
}

/// One row: a value (or nothing) per column; column 0 is the step.
pub type Row = Vec<Option<f64>>;

/// Formats a cell: shortest round-trip decimal, exponent form outside [1e-4, 1e15).
pub fn format_value(v: Option<f64>) -> String {
    match v {
        None => String::new(),
        Some(x) if x == 0.0 || !x.is_finite() || (1e-4..1e15).contains(&x.abs()) => format!("{x}"),
        Some(x) => format!("{x:e}"),
    }
}

/// A row as one line of the table (without its newline): [`format_value`] of each cell.
pub fn format_row(row: &[Option<f64>]) -> String {
    let mut line = String::with_capacity(16 * row.len());
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&format_value(*v));
    }
    line
}

/// The column names of a header line.
pub fn parse_header(line: &str) -> Vec<String> {
    line.trim_end().split(',').map(str::to_string).collect()
}

/// One data line of a table with `n` columns; None when it has another number of cells (a
/// row being written). An empty or unreadable cell is a missing value.
pub fn parse_row(line: &str, n: usize) -> Option<Row> {
    let cells: Vec<&str> = line.trim_end().split(',').collect();
    if cells.len() != n {
        return None;
    }
    Some(
        cells
            .into_iter()
            .map(|c| if c.is_empty() { None } else { c.parse().ok() })
            .collect(),
    )
}

/// Bytes at a metrics file's end that [`last_step`] reads: many rows of any table saddle
/// writes (a row is well under 4 KiB).
const TAIL: u64 = 1 << 16;

/// The step (first column) of the last complete row of the metrics file at `path`, reading its
/// header and its last 64 KiB only, so that listing many long runs stays cheap; None
/// without a file, a header or a complete row there. A torn last line is skipped, as
/// [`MetricsTable::parse`] skips it.
pub fn last_step(path: &Path) -> Option<u64> {
    use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
    let mut f = BufReader::new(File::open(path).ok()?);
    let mut header = String::new();
    f.read_line(&mut header).ok()?;
    if !header.ends_with('\n') {
        return None;
    }
    let n = parse_header(&header).len();
    let len = f.get_ref().metadata().ok()?.len();
    let from = len.saturating_sub(TAIL).max(header.len() as u64);
    f.seek(SeekFrom::Start(from)).ok()?;
    let mut tail = Vec::new();
    f.take(TAIL).read_to_end(&mut tail).ok()?;
    let text = String::from_utf8_lossy(&tail);
    // Past a cut, the first line may be a fragment: only lines after it are whole.
    let whole = if from > header.len() as u64 {
        text.split_once('\n').map_or("", |(_, rest)| rest)
    } else {
        &text
    };
    whole
        .split_inclusive('\n')
        .filter(|l| l.ends_with('\n'))
        .filter_map(|l| parse_row(l, n))
        .filter_map(|r| r.first().copied().flatten())
        .next_back()
        .map(|s| s as u64)
}

/// Bytes of rows a writer holds before writing them out (besides the engine's flush every
/// 100 ms): 64 KiB, so a run logging a million rows a second writes ~1 000 times a second, not
/// 8 000 (each write wakes the readers watching the file).
const ROW_BUFFER: usize = 1 << 16;

/// Appends rows to a run's `metrics.csv`.
pub struct MetricsWriter {
    path: PathBuf,
    out: BufWriter<File>,
}

impl MetricsWriter {
    /// Creates the file with its header.
    pub fn create(path: &Path, columns: &[String]) -> Result<Self> {
        let f = File::create(path).map_err(|e| io_error(path, e))?;
        let mut w = MetricsWriter {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(ROW_BUFFER, f),
        };
        writeln!(w.out, "{}", columns.join(",")).map_err(|e| io_error(path, e))?;
        w.flush(true)?;
        Ok(w)
    }

    /// Re-opens an existing table to continue a run from a checkpoint taken after `through`
    /// iterations: keeps the header and the complete rows with step ≤ `through` (dropping a
    /// torn last line and anything logged after the checkpoint) and checks the header.
    pub fn reopen(
        path: &Path,
        columns: &[String],
        through: u64,
        drop_row: Option<u64>,
    ) -> Result<Self> {
        let table = MetricsTable::read(path)?;
        if table.columns != columns {
            return Err(Error::failure(format!(
                "{}: header {:?} differs from this run's columns {:?}",
                path.display(),
                table.columns,
                columns
            )));
        }
        let text = table.to_csv(|row| {
            let step = row[0].unwrap_or(f64::NAN) as u64;
            step <= through && Some(step) != drop_row
        });
        super::store::write_atomic(path, text.as_bytes())?;
        let f = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_error(path, e))?;
        Ok(MetricsWriter {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(ROW_BUFFER, f),
        })
    }

    /// Appends a row (buffered).
    pub fn write_row(&mut self, row: &[Option<f64>]) -> Result<()> {
        let mut line = format_row(row);
        line.push('\n');
        self.out
            .write_all(line.as_bytes())
            .map_err(|e| io_error(&self.path, e))
    }

    /// Pushes buffered rows to the file; with `sync`, to the disk as well.
    pub fn flush(&mut self, sync: bool) -> Result<()> {
        self.out.flush().map_err(|e| io_error(&self.path, e))?;
        if sync {
            self.out
                .get_ref()
                .sync_data()
                .map_err(|e| io_error(&self.path, e))?;
        }
        Ok(())
    }
}

/// A `metrics.csv` read back.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsTable {
    /// Column names.
    pub columns: Vec<String>,
    /// Complete rows (a torn last line is ignored).
    pub rows: Vec<Row>,
}

impl MetricsTable {
    /// Parses CSV text; a last line without a newline, or with the wrong number of cells, is
    /// a row still being written and is ignored. A line with the wrong number of cells
    /// followed by more lines is damage: an error naming its line (from 1, the header being
    /// line 1), not a table silently cut there.
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_named(text, "metrics.csv")
    }

    /// [`MetricsTable::parse`] with errors prefixed by `name` (the file's path): damage as
    /// `name:line: …`.
    pub fn parse_named(text: &str, name: &str) -> Result<Self> {
        let mut lines = text.split_inclusive('\n').enumerate().peekable();
        let header = lines
            .next()
            .map(|(_, h)| h)
            .filter(|h| h.ends_with('\n'))
            .ok_or_else(|| {
                Error::input(format!(
                    "{name}: metrics table has no header row (empty or damaged)"
                ))
            })?;
        let columns = parse_header(header);
        let mut rows = vec![];
        while let Some((i, line)) = lines.next() {
            if !line.ends_with('\n') {
                break;
            }
            // Every row the writer writes starts with its step.
            match parse_row(line, columns.len()) {
                Some(row) if row.first().is_some_and(Option::is_some) => rows.push(row),
                _ if lines.peek().is_none() => break,
                Some(_) => {
                    return Err(Error::input(format!(
                        "{name}:{}: no step in the first cell (damaged; later rows follow it): repair or remove the line",
                        i + 1
                    )))
                }
                None => {
                    return Err(Error::input(format!(
                        "{name}:{}: {} cells where the header has {} (damaged; later rows follow it): repair or remove the line",
                        i + 1,
                        line.trim_end().split(',').count(),
                        columns.len()
                    )))
                }
            }
        }
        Ok(MetricsTable { columns, rows })
    }

    /// Reads a file. A missing or damaged table is bad input (exit 2) wherever it is read: it
    /// is the run directory's state, not a failure of the command.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::input(format!(
                "{}: no metrics table (the run has logged nothing yet, or the file was removed)",
                path.display()
            )),
            _ => io_error(path, e),
        })?;
        Self::parse_named(&text, &path.display().to_string())
    }

    /// The table as CSV text, keeping the rows `keep` accepts: what [`MetricsWriter`] would
    /// have written for them.
    pub fn to_csv(&self, keep: impl Fn(&Row) -> bool) -> String {
        let mut text = format!("{}\n", self.columns.join(","));
        for row in self.rows.iter().filter(|r| keep(r)) {
            text.push_str(&format_row(row));
            text.push('\n');
        }
        text
    }

    /// Index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The last value of a column.
    pub fn last(&self, name: &str) -> Option<f64> {
        let i = self.column(name)?;
        self.rows.last().and_then(|r| r[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_exactly() {
        for x in [
            0.1,
            1.0 / 3.0,
            2.8e-57,
            1.2e14,
            5e20,
            -7.25,
            f64::INFINITY,
            f64::NAN,
            0.0,
            123.0,
        ] {
            let s = format_value(Some(x));
            let back: f64 = s.parse().unwrap();
            assert!(
                back.to_bits() == x.to_bits() || (x.is_nan() && back.is_nan()),
                "{x} → {s}"
            );
        }
        assert_eq!(format_value(Some(42.0)), "42");
    }

    #[test]
    fn torn_rows_are_ignored() {
        let t = MetricsTable::parse("step,a\n0,1\n1,2\n2,").unwrap();
        assert_eq!(t.rows.len(), 2);
        let t = MetricsTable::parse("step,a\n0,1\n1\n").unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(
            MetricsTable::parse("step,a\n0,\n").unwrap().rows[0],
            vec![Some(0.0), None]
        );
    }

    /// The last step comes from the file's tail: past the read window, with a torn last
    /// line, with a cut through a row, and nothing without a complete row or a file.
    #[test]
    fn last_step_reads_the_tail() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("metrics.csv");
        assert_eq!(last_step(&path), None, "no file");
        std::fs::write(&path, "step,a\n").unwrap();
        assert_eq!(last_step(&path), None, "a header only");
        std::fs::write(&path, "step,a\n0,1\n5,2\n10,").unwrap();
        assert_eq!(last_step(&path), Some(5), "a torn last line");
        // ~20 bytes a row: 10 000 rows reach well past the 64 KiB read.
        let mut text = String::from("step,a,b\n");
        for i in 0..10_000u64 {
            text.push_str(&format!("{},0.12345678,-0.5\n", i * 7));
        }
        assert!(text.len() as u64 > 2 * TAIL);
        std::fs::write(&path, &text).unwrap();
        assert_eq!(last_step(&path), Some(9_999 * 7));
        text.push_str("70000,0.1");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(last_step(&path), Some(9_999 * 7), "torn after many rows");
        // Whatever byte the read starts at, the answer is the last whole row's step.
        for cut in 0..40 {
            let short = &text[..text.len() - 9 - cut];
            std::fs::write(&path, short).unwrap();
            let want = MetricsTable::parse(short).unwrap().rows.last().unwrap()[0].unwrap();
            assert_eq!(last_step(&path), Some(want as u64), "cut {cut}");
        }
    }

    /// A damaged row with rows after it is an error naming its line, not a cut table.
    #[test]
    fn a_damaged_middle_row_is_named() {
        let err = MetricsTable::parse("step,a\n0,1\ngarbage,line,here\n2,3\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("metrics.csv:3: 3 cells where the header has 2"),
            "{err}"
        );
        let t = MetricsTable::parse("step,a\n0,1\n2,3\ngarbage,line,here\n").unwrap();
        assert_eq!(
            t.rows.len(),
            2,
            "a damaged last line is a row being written"
        );
    }

    #[test]
    fn one_format_round_trips_through_one_parser() {
        let row = vec![Some(3.0), None, Some(-0.25), Some(1e-7)];
        let line = format_row(&row);
        assert_eq!(line, "3,,-0.25,1e-7");
        assert_eq!(parse_row(&line, 4), Some(row.clone()));
        assert_eq!(parse_row(&line, 5), None, "a row being written");
        let table = MetricsTable {
            columns: parse_header("step,a,b,c\n"),
            rows: vec![row, vec![Some(4.0), Some(1.0), None, None]],
        };
        let text = table.to_csv(|r| r[0] == Some(4.0));
        assert_eq!(text, "step,a,b,c\n4,1,,\n");
        assert_eq!(MetricsTable::parse(&table.to_csv(|_| true)).unwrap(), table);
    }

    #[test]
    fn average_distance_columns_name_their_average() {
        assert_eq!(average_distance("ema"), "distance_to_equilibrium_ema");
        assert_eq!(average_of(&average_distance("uniform")), Some("uniform"));
        assert_eq!(average_of(DISTANCE_TO_EQUILIBRIUM), None);
        assert_eq!(average_of(FIELD_NORM), None);
    }

    #[test]
    fn modes_covered_is_the_mixture_games_column() {
        let text = crate::run::builtin::builtin("mog-extragradient").expect("built-in preset");
        let preset = crate::run::Preset::parse(text, "mog-extragradient").expect("parses");
        let config = &preset.resolve().expect("resolves")[0];
        let built = config.build().expect("builds");
        let names = match &built.game {
            crate::setup::BuiltGame::NeuralCpu(g) => g.extra_metric_names(),
            _ => panic!("a mixture game is a network"),
        };
        assert!(names.iter().any(|n| n == MODES_COVERED), "{names:?}");
        assert!(names.iter().any(|n| n == HIGH_QUALITY_PCT), "{names:?}");
    }
}
