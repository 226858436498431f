//! Runs repeated over seeds (a preset's `seeds`), summarized per run: the mean and the sample
//! standard deviation of each final metric across the seeds, next to every seed's value.

use super::metrics::X_COLUMNS;
use super::summary::Summary;
use std::collections::BTreeMap;

/// One run of a preset over its seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedGroup {
    /// The run's name without ` seed=N`.
    pub name: String,
    /// The seeds, in the order the runs were given.
    pub seeds: Vec<u64>,
    /// Per metric: the values in seed order (None where not finite or not logged).
    pub values: BTreeMap<String, Vec<Option<f64>>>,
}

/// The name of run `name` repeated with `seed`: `"adam D β=-0.5 seed=3"`.
pub fn seeded_name(name: &str, seed: u64) -> String {
    format!("{name} seed={seed}")
}

/// `("adam D β=-0.5", 3)` from `"adam D β=-0.5 seed=3"` (the inverse of [`seeded_name`]).
pub fn split_seed(name: &str) -> Option<(&str, u64)> {
    let (base, seed) = name.rsplit_once(" seed=")?;
    Some((base, seed.parse().ok()?))
}

/// Metrics that describe the outcome (the rest are settings and coordinates: a sweep's report
/// has no use for "jv_equivalents at the end", which is where the run stopped).
pub fn is_outcome(metric: &str) -> bool {
    !(X_COLUMNS.contains(&metric)
        || metric.starts_with("eta_")
        || metric.starts_with("beta_")
        || metric.starts_with("loss_")
        || metric.ends_with("_0"))
}

/// The groups of runs named `<run> seed=<N>`, in order of first appearance; runs without a
/// seed suffix are left out.
pub fn groups(summaries: &[Summary]) -> Vec<SeedGroup> {
    let mut out: Vec<SeedGroup> = vec![];
    for s in summaries {
        let Some((base, seed)) = split_seed(&s.name) else {
            continue;
        };
        let at = match out.iter().position(|g| g.name == base) {
            Some(i) => i,
            None => {
                out.push(SeedGroup {
                    name: base.to_string(),
                    seeds: vec![],
                    values: BTreeMap::new(),
                });
                out.len() - 1
            }
        };
        let g = &mut out[at];
        let k = g.seeds.len();
        g.seeds.push(seed);
        for (m, v) in s.metrics.iter().filter(|(m, _)| is_outcome(m)) {
            let column = g.values.entry(m.clone()).or_insert_with(|| vec![None; k]);
            column.push(v.filter(|x| x.is_finite()));
        }
        for column in g.values.values_mut() {
            column.resize(k + 1, None);
        }
    }
    out
}

/// Mean and sample standard deviation (0 for one value) of the values present.
pub fn mean_sd(values: &[Option<f64>]) -> Option<(f64, f64)> {
    let xs: Vec<f64> = values.iter().flatten().copied().collect();
    if xs.is_empty() {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    Some((mean, var.sqrt()))
}

/// The table `saddle run` prints after runs repeated over seeds: one line per run and metric.
pub fn table(groups: &[SeedGroup]) -> String {
    let mut s = String::new();
    if groups.is_empty() {
        return s;
    }
    s.push_str(&format!(
        "{:<28} {:<26} {:>22}  PER SEED\n",
        "RUN (ACROSS SEEDS)", "METRIC", "MEAN ± SD"
    ));
    for g in groups {
        for (m, v) in &g.values {
            let Some((mean, sd)) = mean_sd(v) else {
                continue;
            };
            let each: Vec<String> = g
                .seeds
                .iter()
                .zip(v)
                .map(|(seed, x)| match x {
                    Some(x) => format!("{seed}:{}", short(*x)),
                    None => format!("{seed}:—"),
                })
                .collect();
            s.push_str(&format!(
                "{:<28} {:<26} {:>22}  {}\n",
                g.name,
                m,
                format!("{} ± {}", short(mean), short(sd)),
                each.join(" ")
            ));
        }
    }
    s
}

/// A number in at most about 6 significant characters.
fn short(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e6 {
        format!("{x:.0}")
    } else if (1e-3..1e5).contains(&x.abs()) {
        format!("{x:.3}")
    } else {
        format!("{x:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::summary::Status;

    fn summary(name: &str, modes: Option<f64>) -> Summary {
        Summary {
            id: name.into(),
            name: name.into(),
            preset: "p".into(),
            method: "m".into(),
            status: Status::Finished,
            status_step: None,
            step: 10,
            steps: 10,
            oracle_calls: 20,
            wall_time: 1.0,
            metrics: [
                ("modes_covered".to_string(), modes),
                ("eta_theta".to_string(), Some(0.1)),
            ]
            .into_iter()
            .collect(),
            message: None,
        }
    }

    #[test]
    fn runs_over_seeds_are_grouped_with_mean_and_sample_sd() {
        let s = [
            summary("a seed=0", Some(4.0)),
            summary("a seed=1", Some(8.0)),
            summary("b seed=0", Some(1.0)),
            summary("plain", Some(3.0)),
            summary("a seed=2", None),
            summary("b seed=1", Some(f64::NAN)),
        ];
        let g = groups(&s);
        assert_eq!(g.len(), 2);
        assert_eq!(
            (g[0].name.as_str(), g[0].seeds.clone()),
            ("a", vec![0, 1, 2])
        );
        assert_eq!(g[0].values["modes_covered"], [Some(4.0), Some(8.0), None]);
        assert!(!g[0].values.contains_key("eta_theta"));
        assert_eq!(g[1].values["modes_covered"], [Some(1.0), None]);
        let (m, sd) = mean_sd(&g[0].values["modes_covered"]).unwrap();
        assert_eq!(m, 6.0);
        assert!((sd - 8f64.sqrt()).abs() < 1e-12);
        assert_eq!(mean_sd(&[None]), None);
        let t = table(&g);
        assert!(t.contains("6 ± 2.828  0:4 1:8 2:—"), "{t}");
        assert!(is_outcome("modes_covered") && is_outcome("field_norm"));
        assert!(!is_outcome("jv_equivalents") && !is_outcome("oracle_calls"));
        assert_eq!(split_seed("x seed=12"), Some(("x", 12)));
        assert_eq!(split_seed("x seed=y"), None);
    }
}
