"""Reference timings for `cargo bench --bench network_spectrum`: the mixture-of-Gaussians GAN
of [NM] (ReLU MLPs 8→256→256→256→2 and 2→256→256→256→1, batch 128, saturating loss) in
PyTorch on the CPU: one f32 oracle call (forward + backward of both players' losses) and one
Jacobian-vector product of the game field F = (∇_θ V, −∇_φ V) in f64 by forward mode over the
backward pass (`torch.func.jvp` of `torch.func.grad`), as saddle computes it. Prints one JSON line: {"ms_oracle_f32": …, "ms_jvp_f64": …, "threads": …};
with `--serve`, answers {"what": "oracle" | "jvp", "repeats": n} with {"ms": median}.

    python scripts/bench_mog_jvp.py [--serve] [REPEATS [THREADS]]
"""
import copy
import json
import os
import sys
import time

import torch
import torch.nn as nn
from torch.func import functional_call, grad, jvp


def mlp(widths):
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers.append(nn.Linear(a, b))
        if i + 2 < len(widths):
            layers.append(nn.ReLU())
    net = nn.Sequential(*layers)
    for m in net:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
    return net


def value(g, d, real, z):
    """V = mean log σ(D(x)) + mean log σ(−D(G(z))): G minimizes, D maximizes."""
    f = nn.functional.logsigmoid
    return f(d(real)).mean() + f(-d(g(z))).mean()


def median_ms(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - t))
    times.sort()
    return times[len(times) // 2]


def main():
    args = [a for a in sys.argv[1:] if a != "--serve"]
    repeats = int(args[0]) if args else 20
    if len(args) > 1:
        torch.set_num_threads(int(args[1]))
    torch.manual_seed(0)
    g, d = mlp([8, 256, 256, 256, 2]), mlp([2, 256, 256, 256, 1])
    real, z = torch.randn(128, 2), torch.randn(128, 8)

    def oracle():
        for p in list(g.parameters()) + list(d.parameters()):
            p.grad = None
        value(g, d, real, z).backward()

    g64, d64 = copy.deepcopy(g).double(), copy.deepcopy(d).double()
    real64, z64 = real.double(), z.double()
    pg = {k: v.detach() for k, v in g64.named_parameters()}
    pd = {k: v.detach() for k, v in d64.named_parameters()}
    vg = {k: torch.randn_like(v) for k, v in pg.items()}
    vd = {k: torch.randn_like(v) for k, v in pd.items()}
    f = nn.functional.logsigmoid

    def v_of(pg, pd):
        fake = functional_call(g64, pg, (z64,))
        return f(functional_call(d64, pd, (real64,))).mean() + f(-functional_call(d64, pd, (fake,))).mean()

    def field(pg, pd):
        gg, gd = grad(v_of, argnums=(0, 1))(pg, pd)
        return gg, {k: -x for k, x in gd.items()}

    def jvp_once():
        # J·v by forward mode over the backward pass, as saddle does.
        jvp(field, (pg, pd), (vg, vd))

    if "--serve" in sys.argv:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from bench_serve import serve

        serve({
            "oracle": lambda r: {"ms": median_ms(oracle, r["repeats"])},
            "jvp": lambda r: {"ms": median_ms(jvp_once, r["repeats"])},
        })
        return
    ms_oracle = median_ms(oracle, repeats)
    ms_jvp = median_ms(jvp_once, repeats)
    print(json.dumps({"ms_oracle_f32": ms_oracle, "ms_jvp_f64": ms_jvp, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
