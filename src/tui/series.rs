//! Downsampled history of a run's metrics: bounded memory for any number of rows.
//!
//! Rows go into buckets of `stride` consecutive rows; each bucket keeps, per column, the
//! minimum, the maximum and the last finite value (W&B's "full fidelity" aggregation), and the
//! x coordinates (step, gradient evaluations, wall time, J·v-equivalents) of its last row. When the bucket count reaches
//! the capacity, neighbouring buckets merge pairwise and the stride doubles (burn's full-history
//! decimation), so a bucket's rows never move to another bucket except at a merge and the
//! picture stays still between merges — which keeps the terminal diff small over SSH.
//!
//! Memory: `capacity × (4 + 3·columns) × 8` bytes per run, whatever the number of rows.

/// Which x coordinate curves are drawn against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XAxis {
    /// Iterations completed.
    Step,
    /// Gradient evaluations (extragradient uses two per step): the fair comparison.
    OracleCalls,
    /// Seconds spent stepping.
    WallTime,
    /// Gradient evaluations plus Jacobian products: the fair comparison when some methods
    /// take J·v or Jᵀ·v.
    JvEquivalents,
}

impl XAxis {
    /// The next choice, in the order the `x` key cycles through.
    pub fn next(self) -> Self {
        match self {
            XAxis::Step => XAxis::OracleCalls,
            XAxis::OracleCalls => XAxis::JvEquivalents,
            XAxis::JvEquivalents => XAxis::WallTime,
            XAxis::WallTime => XAxis::Step,
        }
    }

    /// The label shown under the x axis.
    pub fn label(self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::OracleCalls => "oracle calls",
            XAxis::WallTime => "wall time (s)",
            XAxis::JvEquivalents => "J·v-equivalents",
        }
    }

    fn index(self) -> usize {
        match self {
            XAxis::Step => 0,
            XAxis::OracleCalls => 1,
            XAxis::WallTime => 2,
            XAxis::JvEquivalents => 3,
        }
    }
}

/// One point of a downsampled series: its x, and the min, max and last value of the rows it
/// stands for (NaN where none of them had a finite value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    /// x coordinate of the last row.
    pub x: f64,
    /// Smallest finite value.
    pub min: f64,
    /// Largest finite value.
    pub max: f64,
    /// Last finite value.
    pub last: f64,
}

/// The downsampled history of every column of one run.
///
/// Invariant: all per-column vectors have `len()` entries; bucket `i < len()-1` holds exactly
/// `stride` rows, the last one between 1 and `stride`.
#[derive(Clone, Debug)]
pub struct SeriesStore {
    capacity: usize,
    stride: u64,
    rows: u64,
    in_last: u64,
    /// x coordinates of each bucket's last row: step, gradient evaluations, wall time,
    /// J·v-equivalents.
    xs: [Vec<f64>; 4],
    mins: Vec<Vec<f64>>,
    maxs: Vec<Vec<f64>>,
    lasts: Vec<Vec<f64>>,
}

/// Default number of buckets: more than twice the braille width of a 160-column chart.
pub const DEFAULT_CAPACITY: usize = 1024;

fn fmin(a: f64, b: f64) -> f64 {
    if a.is_nan() || b < a {
        b
    } else {
        a
    }
}

fn fmax(a: f64, b: f64) -> f64 {
    if a.is_nan() || b > a {
        b
    } else {
        a
    }
}

impl SeriesStore {
    /// An empty store for `columns` value columns holding at most `capacity` buckets (at least
    /// 2, rounded up to even so merging pairs is exact).
    pub fn new(columns: usize, capacity: usize) -> Self {
        let capacity = capacity.max(2).next_multiple_of(2);
        SeriesStore {
            capacity,
            stride: 1,
            rows: 0,
            in_last: 0,
            xs: Default::default(),
            mins: vec![Vec::new(); columns],
            maxs: vec![Vec::new(); columns],
            lasts: vec![Vec::new(); columns],
        }
    }

    /// Number of value columns.
    pub fn columns(&self) -> usize {
        self.mins.len()
    }

    /// Rows pushed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Buckets held.
    pub fn len(&self) -> usize {
        self.xs[0].len()
    }

    /// True before the first row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows per full bucket.
    pub fn stride(&self) -> u64 {
        self.stride
    }

    /// Appends a row: its (step, oracle calls, wall time) and one value per column (None or
    /// non-finite values do not count towards min/max/last).
    pub fn push(&mut self, x: [f64; 4], values: &[Option<f64>]) {
        debug_assert_eq!(values.len(), self.columns());
        if self.is_empty() || self.in_last >= self.stride {
            if self.len() == self.capacity {
                self.merge_pairs();
            }
            for (k, v) in self.xs.iter_mut().enumerate() {
                v.push(x[k]);
            }
            for c in 0..self.columns() {
                self.mins[c].push(f64::NAN);
                self.maxs[c].push(f64::NAN);
                self.lasts[c].push(f64::NAN);
            }
            self.in_last = 0;
        }
        let i = self.len() - 1;
        for (k, v) in self.xs.iter_mut().enumerate() {
            v[i] = x[k];
        }
        for (c, v) in values.iter().enumerate() {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                self.mins[c][i] = fmin(self.mins[c][i], v);
                self.maxs[c][i] = fmax(self.maxs[c][i], v);
                self.lasts[c][i] = v;
            }
        }
        self.in_last += 1;
        self.rows += 1;
    }

    fn merge_pairs(&mut self) {
        let n = self.len();
        debug_assert!(n.is_multiple_of(2));
        let half = n / 2;
        for v in &mut self.xs {
            for i in 0..half {
                v[i] = v[2 * i + 1];
            }
            v.truncate(half);
        }
        for c in 0..self.columns() {
            for i in 0..half {
                let (a, b) = (2 * i, 2 * i + 1);
                self.mins[c][i] = fmin(self.mins[c][a], self.mins[c][b]);
                self.maxs[c][i] = fmax(self.maxs[c][a], self.maxs[c][b]);
                let last = self.lasts[c][b];
                self.lasts[c][i] = if last.is_nan() {
                    self.lasts[c][a]
                } else {
                    last
                };
            }
            self.mins[c].truncate(half);
            self.maxs[c].truncate(half);
            self.lasts[c].truncate(half);
        }
        self.stride *= 2;
        // The last bucket is full (n was even and every bucket but the newest held `stride`
        // rows, the newest exactly `stride` since a new one is only opened when it is full).
        self.in_last = self.stride;
    }

    /// The x of the newest row on `axis`.
    pub fn last_x(&self, axis: XAxis) -> Option<f64> {
        self.xs[axis.index()].last().copied()
    }

    /// The newest finite value of `column`.
    pub fn last_value(&self, column: usize) -> Option<f64> {
        self.lasts
            .get(column)?
            .iter()
            .rev()
            .find(|v| !v.is_nan())
            .copied()
    }

    /// The buckets of `column` against `axis`, merged in aligned groups so that at most
    /// `max_points` come back (groups start at multiples of the group size, so points do not
    /// shift as rows arrive).
    pub fn view(&self, column: usize, axis: XAxis, max_points: usize) -> Vec<Bucket> {
        let n = self.len();
        if column >= self.columns() || n == 0 {
            return vec![];
        }
        let group = n.div_ceil(max_points.max(1)).next_power_of_two();
        let xs = &self.xs[axis.index()];
        let (mins, maxs, lasts) = (&self.mins[column], &self.maxs[column], &self.lasts[column]);
        let mut out = Vec::with_capacity(n / group + 1);
        let mut start = 0;
        while start < n {
            let end = (start + group).min(n);
            let mut b = Bucket {
                x: xs[end - 1],
                min: f64::NAN,
                max: f64::NAN,
                last: f64::NAN,
            };
            for i in start..end {
                b.min = fmin(b.min, mins[i]);
                b.max = fmax(b.max, maxs[i]);
                if !lasts[i].is_nan() {
                    b.last = lasts[i];
                }
            }
            out.push(b);
            start = end;
        }
        out
    }

    /// The x on `axis` of the bucket holding `step` (the first bucket whose last step is at
    /// least `step`), to place event markers on non-step axes.
    pub fn x_at_step(&self, step: f64, axis: XAxis) -> Option<f64> {
        let steps = &self.xs[0];
        let i = steps.partition_point(|&s| s < step);
        self.xs[axis.index()]
            .get(i.min(steps.len().checked_sub(1)?))
            .copied()
    }

    /// The newest bucket whose last row lies at or before `x` on `axis` (None when the first
    /// already lies after it): what a value cursor at `x` reads. Its row is a logged row, the
    /// bucket's last, so its x, value and step agree with `metrics.csv`; once buckets hold
    /// more than one row (past [`DEFAULT_CAPACITY`] rows) the cursor moves a stride at a time.
    pub fn bucket_at(&self, axis: XAxis, x: f64) -> Option<usize> {
        let xs = &self.xs[axis.index()];
        xs.partition_point(|&v| v <= x).checked_sub(1)
    }

    /// The x on `axis` of every bucket's last row, oldest first.
    pub fn xs(&self, axis: XAxis) -> &[f64] {
        &self.xs[axis.index()]
    }

    /// The last finite value of `column` in every bucket (NaN where a bucket has none), as
    /// [`SeriesStore::xs`]; None for a column the store does not have.
    pub fn lasts(&self, column: usize) -> Option<&[f64]> {
        self.lasts.get(column).map(Vec::as_slice)
    }

    /// The x on `axis` of bucket `i`'s last row.
    pub fn x_of(&self, i: usize, axis: XAxis) -> Option<f64> {
        self.xs[axis.index()].get(i).copied()
    }

    /// The last finite value of `column` in bucket `i` (NaN when the bucket has none).
    pub fn value_of(&self, column: usize, i: usize) -> Option<f64> {
        self.lasts.get(column)?.get(i).copied()
    }

    /// Bytes held by the buckets (capacity of the vectors), for the memory benchmark.
    pub fn heap_bytes(&self) -> usize {
        let v = |x: &Vec<f64>| x.capacity() * 8;
        self.xs.iter().map(v).sum::<usize>()
            + self.mins.iter().map(v).sum::<usize>()
            + self.maxs.iter().map(v).sum::<usize>()
            + self.lasts.iter().map(v).sum::<usize>()
    }
}

/// TensorBoard's debiased exponential moving average with weight `w` in [0, 1): the first
/// points are not pulled towards 0. Non-finite values pass through unchanged and do not enter
/// the average (as in TensorBoard and MLflow).
pub fn smooth(values: &[f64], w: f64) -> Vec<f64> {
    if w <= 0.0 {
        return values.to_vec();
    }
    let mut biased = 0.0;
    let mut n = 0i32;
    values
        .iter()
        .map(|&x| {
            if !x.is_finite() {
                return x;
            }
            biased = biased * w + (1.0 - w) * x;
            n += 1;
            biased / (1.0 - w.powi(n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_n(s: &mut SeriesStore, n: u64) {
        for i in 0..n {
            let v = i as f64;
            s.push(
                [v, 2.0 * v, v / 10.0, 3.0 * v],
                &[Some(v), if i % 2 == 0 { Some(-v) } else { None }],
            );
        }
    }

    #[test]
    fn memory_is_bounded_and_min_max_last_are_exact() {
        let mut s = SeriesStore::new(2, 8);
        push_n(&mut s, 1000);
        assert!(s.len() <= 8, "{} buckets", s.len());
        assert_eq!(s.rows(), 1000);
        let all = s.view(0, XAxis::Step, 1);
        assert_eq!(all.len(), 1);
        assert_eq!(
            (all[0].min, all[0].max, all[0].last, all[0].x),
            (0.0, 999.0, 999.0, 999.0)
        );
        let odd = s.view(1, XAxis::OracleCalls, 1)[0];
        assert_eq!(
            (odd.min, odd.max, odd.last, odd.x),
            (-998.0, 0.0, -998.0, 1998.0)
        );
        // Every bucket covers `stride` consecutive rows, in order.
        let b = s.view(0, XAxis::Step, 100);
        for (i, w) in b.iter().enumerate().take(b.len() - 1) {
            assert_eq!(w.min, (i as u64 * s.stride()) as f64);
            assert_eq!(w.last, ((i as u64 + 1) * s.stride() - 1) as f64);
        }
    }

    #[test]
    fn views_are_aligned_and_capped() {
        let mut s = SeriesStore::new(1, 64);
        for i in 0..40u64 {
            s.push([i as f64; 4], &[Some(i as f64)]);
        }
        let v = s.view(0, XAxis::Step, 10);
        assert!(v.len() <= 10);
        // Groups of 4 rows starting at 0: bucket k ends at 4k+3.
        assert_eq!(v[0].x, 3.0);
        assert_eq!(v[1].min, 4.0);
        assert_eq!(s.x_at_step(5.0, XAxis::WallTime), Some(5.0));
        assert_eq!(s.x_at_step(1e9, XAxis::Step), Some(39.0));
    }

    #[test]
    fn non_finite_values_do_not_count() {
        let mut s = SeriesStore::new(1, 4);
        s.push([0.0; 4], &[Some(1.0)]);
        s.push([1.0; 4], &[Some(f64::INFINITY)]);
        assert_eq!(s.last_value(0), Some(1.0));
        s.push([2.0; 4], &[Some(f64::NAN)]);
        assert_eq!(s.view(0, XAxis::Step, 1)[0].max, 1.0);
    }

    #[test]
    fn smoothing_is_tensorboards_debiased_ema() {
        assert_eq!(smooth(&[5.0, 7.0], 0.0), vec![5.0, 7.0]);
        let s = smooth(&[5.0, 7.0, f64::NAN, 1.0], 0.5);
        assert_eq!(s[0], 5.0); // debiased: no pull towards 0
        assert!((s[1] - (0.5 * 2.5 + 3.5) / 0.75).abs() < 1e-12);
        assert!(s[2].is_nan());
        let b = (0.5 * (0.5 * 2.5 + 3.5)) + 0.5;
        assert!((s[3] - b / 0.875).abs() < 1e-12);
        // A constant stays constant.
        assert!(smooth(&[3.0; 50], 0.99)
            .iter()
            .all(|v| (v - 3.0).abs() < 1e-9));
    }
}
