//! What saddle says where scores are missing: how to get the reference network's weights
//! (never downloaded at run time) and the classifier alternative for MNIST-like data.

use super::inception::weights::CONVERSION;

/// The full instructions, for `saddle score` without a network.
pub fn how_to_enable() -> String {
    format!(
        "IS and FID need the Inception network's weights, which saddle never downloads. Get pytorch-fid's \
pt_inception-2015-12-05-6726825d.pth (https://github.com/mseitzer/pytorch-fid/releases, tag fid_weights), \
convert it once with\n  {CONVERSION}\nthen pass --weights pt_inception-2015-12-05.safetensors (or set \
SADDLE_INCEPTION to that file); in a preset, score live with \
`score: Some((every: 5000, network: Inception(weights: \"FILE\")))`. For MNIST or Fashion-MNIST, \
`saddle classifier train --data DIR --out FILE` trains a small classifier on the dataset's labels for a \
classifier score (--classifier FILE), which is NOT comparable with published Inception Scores."
    )
}

/// The short form for the dashboard's scores pane.
pub const PANE: &str = "No scores for this run. To enable: convert pytorch-fid's pt_inception-2015-12-05 \
weights once to safetensors (see `saddle score --help`) and add `score: Some((every: 5000, network: \
Inception(weights: \"FILE\")))` to the preset, or score checkpoints with `saddle score --run RUN \
--weights FILE`. MNIST-like data: `saddle classifier train` gives a classifier score (not comparable \
with published IS).";
