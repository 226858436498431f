"""Parity of saddle's Inception Score and FID with the PyTorch reference (run by hand; needs
PyTorch, torchvision, pytorch-fid, scipy, safetensors and, for the TF1 resize, torch-fidelity).

    SADDLE_PYTHON=.venv/bin/python
    $SADDLE_PYTHON scripts/inception_parity.py fixture   # rewrites tests/fixtures/score/inception_parity.safetensors
    $SADDLE_PYTHON scripts/inception_parity.py full --work /tmp/parity [--n 2500] [--saddle target/release/saddle]

Both modes build pytorch-fid's FID Inception (`pytorch_fid.inception.InceptionV3`, with its
`fid_inception_v3` patches) with deterministic non-pretrained weights: every tensor comes from
the seeded generator twinned in `src/score/synthetic.rs` (splitmix64 streams keyed by the tensor
name), so Rust and Python hold bit-identical weights without any weights file being committed.
pytorch-fid's weight download is replaced by that state dict; nothing is fetched.

The reference pipeline is the TF graph's: uint8 images, TF1 `resize_bilinear` to 299×299
(torch-fidelity's `interpolate_bilinear_2d_like_tensorflow1x`, bit-exact with TF on the CPU), then
(x − 128)/128, then pytorch-fid's network (with its own resize and normalization switched off).
The Inception Score follows openai/improved-gan (softmax of pool_3 · W without the bias,
contiguous splits, mean and population std of exp(mean KL)); FID is pytorch-fid's
`calculate_frechet_distance` on np.mean / np.cov statistics.

`fixture` writes a small file (a few images, their pool_3 features and logits, resize cases and
formula values) that `cargo test` checks saddle against. `full` writes two PNG sets, runs
`saddle score` on them, and prints relative errors of features, logits, IS and FID.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch

SEED = 20151205  # the synthetic weights' seed, also in tests/score_parity.rs
FC_SCALE = 8.0  # src/score/synthetic.rs


# ---------- the seeded generator (twin of src/score/synthetic.rs) ----------
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64(z):
    z = (z + np.uint64(0x9E3779B97F4A7C15)) & M64
    z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & M64
    z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & M64
    return z ^ (z >> np.uint64(31))


def fnv1a64(s):
    h = 0xCBF29CE484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def uniforms(seed, name, n):
    with np.errstate(over="ignore"):
        key = splitmix64(np.array([seed ^ fnv1a64(name)], dtype=np.uint64))[0]
        z = splitmix64(key + np.arange(n, dtype=np.uint64))
    return (z >> np.uint64(40)).astype(np.float64) / 16777216.0


def value_range(name, shape):
    if name.endswith(".conv.weight"):
        b = math.sqrt(6.0 / float(np.prod(shape[1:])))
        return -b, b
    if name.endswith(".bn.weight"):
        return 0.8, 1.2
    if name.endswith(".bn.bias") or name.endswith(".bn.running_mean"):
        return -0.2, 0.2
    if name.endswith(".bn.running_var"):
        return 0.5, 1.5
    if name == "fc.weight":
        b = FC_SCALE * math.sqrt(3.0 / shape[1])
        return -b, b
    return -1.0, 1.0


def synthetic_tensor(seed, name, shape):
    lo, hi = value_range(name, shape)
    u = uniforms(seed, name, int(np.prod(shape)))
    return (lo + (hi - lo) * u).astype(np.float32).reshape(shape)


# ---------- the reference network ----------
def reference_network(seed):
    """pytorch-fid's InceptionV3 (pool_3 block) and the fc weight, built with synthetic weights."""
    import pytorch_fid.inception as pfi
    import torchvision

    # The state dict's names and shapes: torchvision's Inception3 with pytorch-fid's patched
    # blocks (exactly what fid_inception_v3 builds before loading its download).
    shell = torchvision.models.inception_v3(num_classes=1008, aux_logits=False, weights=None, init_weights=False)
    shell.Mixed_5b = pfi.FIDInceptionA(192, pool_features=32)
    shell.Mixed_5c = pfi.FIDInceptionA(256, pool_features=64)
    shell.Mixed_5d = pfi.FIDInceptionA(288, pool_features=64)
    shell.Mixed_6b = pfi.FIDInceptionC(768, channels_7x7=128)
    shell.Mixed_6c = pfi.FIDInceptionC(768, channels_7x7=160)
    shell.Mixed_6d = pfi.FIDInceptionC(768, channels_7x7=160)
    shell.Mixed_6e = pfi.FIDInceptionC(768, channels_7x7=192)
    shell.Mixed_7b = pfi.FIDInceptionE_1(1280)
    shell.Mixed_7c = pfi.FIDInceptionE_2(2048)
    state = {}
    for k, v in shell.state_dict().items():
        if k.endswith("num_batches_tracked"):
            state[k] = v.clone()
        else:
            state[k] = torch.from_numpy(synthetic_tensor(seed, k, list(v.shape)))
    pfi.load_state_dict_from_url = lambda *a, **kw: state
    net = pfi.InceptionV3([3], resize_input=False, normalize_input=False).eval()
    return net, state


def tf1_resize(x_float_nchw, side=299):
    from torch_fidelity.interpolate_compat_tensorflow import interpolate_bilinear_2d_like_tensorflow1x

    return interpolate_bilinear_2d_like_tensorflow1x(x_float_nchw, size=(side, side), align_corners=False)


def reference_features(net, fc_weight, images_u8, batch=50, resize="tf1"):
    """pool_3 (N×2048) and unbiased logits (N×1008), float32, of uint8 images N×C×H×W."""
    pools = []
    with torch.no_grad():
        for i in range(0, len(images_u8), batch):
            x = torch.from_numpy(images_u8[i : i + batch]).float()
            if x.shape[1] == 1:
                x = x.repeat(1, 3, 1, 1)
            if resize == "tf1":
                x = tf1_resize(x)
                x = (x - 128.0) / 128.0
            else:  # pytorch-fid's own path: F.interpolate (half-pixel centres), then 2x − 1
                x = torch.nn.functional.interpolate(x / 255.0, size=(299, 299), mode="bilinear", align_corners=False)
                x = 2 * x - 1
            pools.append(net(x)[0].squeeze(3).squeeze(2))
        pool3 = torch.cat(pools, 0)
        logits = pool3 @ fc_weight.t()
    return pool3.numpy(), logits.numpy()


def inception_score(logits, splits):
    """openai/improved-gan: per contiguous split, exp(mean_x KL(p(y|x) ‖ p(y))); mean and std."""
    logits = logits.astype(np.float64)
    z = logits - logits.max(1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(1, keepdims=True)
    n = len(p)
    scores = []
    for i in range(splits):
        part = p[i * n // splits : (i + 1) * n // splits]
        kl = part * (np.log(part) - np.log(part.mean(0, keepdims=True)))
        scores.append(np.exp(kl.sum(1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


def stats(pool3):
    return np.mean(pool3.astype(np.float64), axis=0), np.cov(pool3.astype(np.float64), rowvar=False)


def fid(a, b):
    from pytorch_fid.fid_score import calculate_frechet_distance

    return float(calculate_frechet_distance(a[0], a[1], b[0], b[1]))


def smooth_images(rng, n, c, h, w):
    """Images with structure (a random low-frequency field plus noise), uint8 N×C×H×W."""
    coarse = rng.uniform(0, 255, size=(n, c, 4, 4))
    x = torch.nn.functional.interpolate(torch.from_numpy(coarse), size=(h, w), mode="bicubic", align_corners=False).numpy()
    x = x + rng.normal(0, 20, size=x.shape)
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def rel(a, b):
    """(‖a − b‖∞ / ‖b‖∞, max over entries with |b| ≥ 1e-3‖b‖∞ of |a − b|/|b|)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = np.abs(b).max()
    big = np.abs(b) >= 1e-3 * scale
    return float(np.abs(a - b).max() / scale), float((np.abs(a - b)[big] / np.abs(b)[big]).max())


# ---------- shared formula checks (twins in tests/score_parity.rs) ----------
def formula_features():
    n, d = 600, 64
    u = uniforms(11, "fid.a", n * d).reshape(n, d)
    f1 = u + 0.5 * np.roll(u, -1, axis=1)
    v = uniforms(12, "fid.b", n * d).reshape(n, d)
    f2 = 1.3 * v * v + 0.1 * np.arange(d)[None, :] / d
    return f1, f2


def formula_logits():
    return (4.0 * (uniforms(13, "is.logits", 1000 * 1008) - 0.5)).reshape(1000, 1008)


def fixture(out):
    from safetensors.numpy import save_file

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    net, state = reference_network(SEED)
    fc_w = state["fc.weight"]
    rng = np.random.default_rng(7)
    rgb = smooth_images(rng, 8, 3, 32, 32)
    grey = smooth_images(rng, 2, 1, 28, 28)
    p_rgb, l_rgb = reference_features(net, fc_w, rgb)
    p_grey, l_grey = reference_features(net, fc_w, grey)
    f1, f2 = formula_features()
    r1 = rng.integers(0, 256, size=(1, 1, 32, 32)).astype(np.uint8)
    r2 = rng.integers(0, 256, size=(1, 1, 28, 28)).astype(np.uint8)
    from torch_fidelity.interpolate_compat_tensorflow import interpolate_bilinear_2d_like_tensorflow1x as tfr

    rs1 = tfr(torch.from_numpy(r1).float(), size=(61, 47), align_corners=False).numpy()
    rs2 = tfr(torch.from_numpy(r2).float(), size=(9, 13), align_corners=False).numpy()
    is_rgb = inception_score(l_rgb, 2)
    is_rgb_biased = inception_score(l_rgb + state["fc.bias"].numpy()[None, :], 2)
    is_formula = inception_score(formula_logits(), 10)
    fid_formula = fid(stats(f1), stats(f2))
    meta = {
        "seed": str(SEED),
        "made_by": "scripts/inception_parity.py fixture",
        "torch": torch.__version__,
        "values": json.dumps(
            {
                "is_rgb_splits2": is_rgb,
                "is_rgb_splits2_with_bias": is_rgb_biased,
                "is_formula_splits10": is_formula,
                "fid_formula": fid_formula,
            }
        ),
    }
    tensors = {
        "images_rgb": rgb,
        "pool3_rgb": p_rgb,
        "logits_rgb": l_rgb,
        "images_grey": grey,
        "pool3_grey": p_grey,
        "logits_grey": l_grey,
        "resize_in_32": r1,
        "resize_out_61x47": rs1.astype(np.float32),
        "resize_in_28": r2,
        "resize_out_9x13": rs2.astype(np.float32),
    }
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, out, metadata=meta)
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")
    print("pool3 rgb: mean %.4f std %.4f; logits std %.4f" % (p_rgb.mean(), p_rgb.std(), l_rgb.std()))
    print("IS rgb (2 splits) %s (with the bias: %s), IS formula %s, FID formula %.6f" % (is_rgb, is_rgb_biased, is_formula, fid_formula))
    # How far pytorch-fid's own resize lands from TF1's, on the same network: what the
    # parity check would flag if saddle resized like PyTorch.
    p_pt, _ = reference_features(net, fc_w, rgb, resize="pytorch")
    print("pool3 difference, PyTorch resize vs TF1 resize (‖Δ‖∞/‖ref‖∞, max rel): %.3e, %.3e" % rel(p_pt, p_rgb))


def full(args):
    from PIL import Image
    from safetensors.torch import save_file as save_torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(args.work, exist_ok=True)
    net, state = reference_network(SEED)
    weights = os.path.join(args.work, "inception-synthetic.safetensors")
    save_torch({k: v.contiguous() for k, v in state.items() if not k.endswith("num_batches_tracked")}, weights)
    rng = np.random.default_rng(args.image_seed)
    sets = {
        "a": smooth_images(rng, args.n, 3, 32, 32),
        "b": np.clip(smooth_images(rng, args.n, 3, 32, 32).astype(np.int32) * 3 // 4 + 40, 0, 255).astype(np.uint8),
    }
    for name, imgs in sets.items():
        d = os.path.join(args.work, name)
        os.makedirs(d, exist_ok=True)
        for i, im in enumerate(imgs):
            Image.fromarray(np.transpose(im, (1, 2, 0))).save(os.path.join(d, f"{i:06d}.png"))
    ref = {}
    t0 = time.time()
    for name, imgs in sets.items():
        ref[name] = reference_features(net, state["fc.weight"], imgs)
    t_ref = time.time() - t0
    mu_b, sigma_b = stats(ref["b"][0])
    np.savez_compressed(os.path.join(args.work, "b_stats.npz"), mu=mu_b, sigma=sigma_b)
    is_ref = inception_score(ref["a"][1], args.splits)
    fid_ref = fid(stats(ref["a"][0]), (mu_b, sigma_b))
    feats = os.path.join(args.work, "a_features.npz")
    cmd = [
        args.saddle, "score", "--weights", weights, "--images", os.path.join(args.work, "a"),
        "--ref", os.path.join(args.work, "b_stats.npz"), "--splits", str(args.splits),
        "--save-features", feats, "--json",
    ]
    t0 = time.time()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    t_saddle = time.time() - t0
    got = json.loads(out.strip().splitlines()[-1])
    with np.load(feats) as f:
        pool3, logits = f["pool3"], f["logits"]
    e_pool = rel(pool3, ref["a"][0])
    e_logit = rel(logits, ref["a"][1])
    e_is = abs(got["inception_score"] - is_ref[0]) / is_ref[0]
    e_is_std = abs(got["inception_score_std"] - is_ref[1]) / max(is_ref[1], 1e-300)
    e_fid = abs(got["fid"] - fid_ref) / fid_ref
    print(f"images: 2 × {args.n} PNGs 32×32 RGB; splits {args.splits}; weights sha256 {got['network']['sha256'][:16]}…")
    print(f"pool_3  rel error ‖Δ‖∞/‖ref‖∞ {e_pool[0]:.3e}  max entrywise {e_pool[1]:.3e}")
    print(f"logits  rel error ‖Δ‖∞/‖ref‖∞ {e_logit[0]:.3e}  max entrywise {e_logit[1]:.3e}")
    print(f"IS      saddle {got['inception_score']:.6f} ± {got['inception_score_std']:.6f}  reference {is_ref[0]:.6f} ± {is_ref[1]:.6f}  rel {e_is:.3e} (std rel {e_is_std:.3e})")
    print(f"FID     saddle {got['fid']:.6f}  reference {fid_ref:.6f}  rel {e_fid:.3e}")
    print(f"time    reference (PyTorch, both sets) {t_ref:.1f} s; saddle score (set a, incl. PNG decode) {t_saddle:.1f} s")
    ok = e_pool[0] <= 1e-4 and e_logit[0] <= 1e-4 and e_is <= 1e-3 and e_fid <= 1e-3
    print("PASS" if ok else "FAIL", "(limits: features and logits 1e-4, IS and FID 1e-3, relative)")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    f = sub.add_parser("fixture")
    f.add_argument("--out", default="tests/fixtures/score/inception_parity.safetensors")
    g = sub.add_parser("full")
    g.add_argument("--work", required=True)
    g.add_argument("--n", type=int, default=2500)
    g.add_argument("--splits", type=int, default=10)
    g.add_argument("--image-seed", type=int, default=1)
    g.add_argument("--saddle", default=os.environ.get("SADDLE_BIN", "target/release/saddle"))
    a = ap.parse_args()
    if a.mode == "fixture":
        fixture(a.out)
        return 0
    return full(a)


if __name__ == "__main__":
    sys.exit(main())
