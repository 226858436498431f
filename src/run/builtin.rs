//! The presets embedded in the binary, so `saddle` works from any directory.

/// (name, RON text) of every built-in preset; `default` is what `saddle` opens with no
/// arguments.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../presets/default.ron")),
    (
        "bilinear-momentum",
        include_str!("../../presets/bilinear-momentum.ron"),
    ),
    (
        "bilinear-methods",
        include_str!("../../presets/bilinear-methods.ron"),
    ),
    (
        "stochastic-bilinear",
        include_str!("../../presets/stochastic-bilinear.ron"),
    ),
    (
        "logistic-toy",
        include_str!("../../presets/logistic-toy.ron"),
    ),
    (
        "logistic-toy-starts",
        include_str!("../../presets/logistic-toy-starts.ron"),
    ),
    ("dirac-gan", include_str!("../../presets/dirac-gan.ron")),
    ("quadratic", include_str!("../../presets/quadratic.ron")),
    ("mlp-gan", include_str!("../../presets/mlp-gan.ron")),
    (
        "mog-negative-momentum",
        include_str!("../../presets/mog-negative-momentum.ron"),
    ),
    (
        "mog-negative-momentum-sgd",
        include_str!("../../presets/mog-negative-momentum-sgd.ron"),
    ),
    (
        "mog-extragradient",
        include_str!("../../presets/mog-extragradient.ron"),
    ),
    (
        "zoo-bilinear",
        include_str!("../../presets/zoo-bilinear.ron"),
    ),
    (
        "lookahead-bilinear",
        include_str!("../../presets/lookahead-bilinear.ron"),
    ),
    (
        "lead-theta-phi",
        include_str!("../../presets/lead-theta-phi.ron"),
    ),
    ("ttur-saddle", include_str!("../../presets/ttur-saddle.ron")),
    (
        "eag-bilinear",
        include_str!("../../presets/eag-bilinear.ron"),
    ),
    ("zoo-mog", include_str!("../../presets/zoo-mog.ron")),
    (
        "sga-mog-grid",
        include_str!("../../presets/sga-mog-grid.ron"),
    ),
    (
        "sga-mog-sign",
        include_str!("../../presets/sga-mog-sign.ron"),
    ),
];

/// The text of a built-in preset.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Preset;

    #[test]
    fn every_builtin_preset_parses_and_validates() {
        for (name, text) in BUILTIN {
            let p = Preset::parse(text, name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&p.name, name);
        }
    }
}
