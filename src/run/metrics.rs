//! `metrics.csv`: a header row, then one row per logged step; empty cells for values not
//! computed at that step. Numbers are written in their shortest exact form, so a table read
//! back gives the same f64 values bit for bit.

use crate::error::{io_error, Error, Result};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The x columns every table starts with.
pub const X_COLUMNS: [&str; 3] = ["step", "oracle_calls", "wall_time"];
/// The value columns every run logs first (then one `distance_to_equilibrium_<average>` per
/// average).
pub const BASE_COLUMNS: [&str; 4] = [
    "loss_theta",
    "loss_phi",
    "field_norm",
    "distance_to_equilibrium",
];
/// The live hyperparameters and the first coordinate of each player, after the distances.
pub const TRACE_COLUMNS: [&str; 6] = [
    "eta_theta",
    "eta_phi",
    "beta_theta",
    "beta_phi",
    "theta_0",
    "phi_0",
];
/// The column of runs with `spectral_every`.
pub const SPECTRAL_RADIUS: &str = "spectral_radius";

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

fn parse_cell(s: &str) -> Option<f64> {
    if s.is_empty() {
        None
    } else {
        s.parse().ok()
    }
}

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
            out: BufWriter::new(f),
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
        let mut text = format!("{}\n", columns.join(","));
        for row in table.rows.iter() {
            let step = row[0].unwrap_or(f64::NAN) as u64;
            if step > through || Some(step) == drop_row {
                continue;
            }
            let cells: Vec<String> = row.iter().map(|v| format_value(*v)).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        super::store::write_atomic(path, text.as_bytes())?;
        let f = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_error(path, e))?;
        Ok(MetricsWriter {
            path: path.to_path_buf(),
            out: BufWriter::new(f),
        })
    }

    /// Appends a row (buffered).
    pub fn write_row(&mut self, row: &[Option<f64>]) -> Result<()> {
        let mut line = String::with_capacity(16 * row.len());
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(&format_value(*v));
        }
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
    /// a row still being written and is ignored.
    pub fn parse(text: &str) -> Result<Self> {
        let mut lines = text.split_inclusive('\n');
        let header = lines
            .next()
            .filter(|h| h.ends_with('\n'))
            .ok_or_else(|| Error::failure("metrics table has no header row"))?;
        let columns: Vec<String> = header.trim_end().split(',').map(str::to_string).collect();
        let mut rows = vec![];
        for line in lines {
            if !line.ends_with('\n') {
                break;
            }
            let cells: Vec<&str> = line.trim_end().split(',').collect();
            if cells.len() != columns.len() {
                break;
            }
            rows.push(cells.into_iter().map(parse_cell).collect());
        }
        Ok(MetricsTable { columns, rows })
    }

    /// Reads a file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
        Self::parse(&text).map_err(|e| e.context(path.display()))
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
}
