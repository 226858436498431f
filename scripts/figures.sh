#!/usr/bin/env bash
# Makes the README's figures from runs it starts itself: small runs of toy and GAN presets in a
# temporary directory, then one `saddle plot` of each kind into docs/figures/ (PNG at 110 dpi to
# keep the repository small, and SVG). The commands below are the ones the README lists.
#
#   scripts/figures.sh [SADDLE]     (default: target/debug/saddle, built if missing)
#
# Needs no data set: the image GAN trains on made-up CIFAR-10 batches written by saddle's own
# test helper (`examples/cifar_demo.rs`).
set -euo pipefail
cd "$(dirname "$0")/.."
SADDLE=${1:-target/debug/saddle}
[ -x "$SADDLE" ] || cargo build --bin saddle
SADDLE=$(realpath "$SADDLE")
ROOT=$(pwd)
OUT=$(realpath docs/figures)
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export SADDLE_RUNS_DIR="$WORK/runs"
DPI=110

plot() { # NAME ARGS…: the figure NAME as PNG and SVG
    local name=$1
    shift
    "$SADDLE" plot "$@" --dpi "$DPI" -o "$OUT/$name.png" >/dev/null
    "$SADDLE" plot "$@" -o "$OUT/$name.svg" >/dev/null
}
id() { "$SADDLE" ls --json | grep -io "\"id\":\"[^\"]*$1\"" | head -1 | cut -d'"' -f4; }

# Bilinear θφ in ℝ²: alternating heavy ball with β = −0.5 on φ, and extragradient, with their
# spectra every 50 iterations; a fork of extragradient that lowers η at step 100.
cat >toy.ron <<'EOF'
Preset(
    name: "toy", steps: 200, log_every: Some(5), spectral_every: Some(50), checkpoint_every: Some(50),
    game: Bilinear(dim: 2, start: Point(theta: [1.0, 0.5], phi: [0.5, -1.0])),
    runs: [
        Run(name: "alt hb", scheme: Alternating(d_steps: 1), rule: HeavyBall, eta: 0.3, beta: (theta: 0.0, phi: -0.5)),
        Run(name: "eg", scheme: Extragradient(), eta: 0.3),
    ],
)
EOF
"$SADDLE" run toy.ron >/dev/null 2>&1
ALT=$(id toy-alt-hb)
EG=$(id toy-eg)
"$SADDLE" fork "$EG" --at 100 --set eta=0.1 >/dev/null 2>&1
FORK=$(id toy-eg-fork-100)

plot curves "$ALT" "$EG" "$FORK" --figure curves --log-y --x oracle_calls
plot spectrum "$ALT" "$EG" --figure spectrum --step 100
plot stability "$ALT" "$EG" --figure stability --beta=-0.9:0.9:19 --eta 0.05:1.0:20 --size two-column

# A sweep: simultaneous gradient on a stochastic bilinear game, two step sizes × three seeds.
cat >grid.ron <<'EOF'
Preset(
    name: "grid", steps: 100, log_every: Some(10),
    game: StochasticBilinear(dim: 4, components: 8, noise: 1.0),
    stop: (converge_below: None),
    runs: [Run(name: "sim", scheme: Simultaneous, eta: 0.05)],
    sweep: (grid: ["runs[*].eta=0.05,0.1"], seeds: "0..3", jobs: 2),
)
EOF
SWEEP=$("$SADDLE" sweep grid.ron --wait --json 2>/dev/null | grep -o '"dir":"[^"]*"' | head -1 | cut -d'"' -f4)
plot sweep "$SWEEP" --figure sweep --metric field_norm --group 'runs[*].eta'

# A GAN on a mixture of eight Gaussians with its data plane every 200 iterations.
cat >mog.ron <<'EOF'
Preset(
    name: "mog", steps: 400, log_every: Some(10), sample_every: Some(200),
    game: MixtureGan(mixture: NegativeMomentum8, loss: Saturating, hidden: 16, hidden_layers: 2, batch: 32, eval_samples: 200),
    runs: [
        Run(name: "adam", scheme: Alternating(d_steps: 1), rules: (theta: Adam(beta2: 0.9), phi: Adam(beta2: 0.9)), eta: 1e-3, beta: 0.5),
    ],
)
EOF
"$SADDLE" run mog.ron >/dev/null 2>&1
plot plane "$(id mog-adam)" --figure plane --step 400

# A small DCGAN (4 filters) on made-up CIFAR-10 batches, a sample grid after 8 iterations.
(cd "$ROOT" && cargo run -q --example cifar_demo -- "$WORK/cifar")
PRESET="$ROOT/presets/cifar10-wgan-dcgan.ron"
"$SADDLE" run "$PRESET" --steps 8 --set game.data_dir="$WORK/cifar" --set game.arch.filters=4 \
    --set game.batch=4 --set game.grid=4 --set log_every=2 --set checkpoint_every=8 \
    --set sample_every=8 >/dev/null 2>&1
plot samples "$(id SimAdam)" --figure samples --step 8

ls -la "$OUT"
