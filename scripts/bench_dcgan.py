"""PyTorch reference of saddle's DCGAN benchmark (benches/dcgan_step.rs): the identical
DCGAN-32 pair (nf 64, D with BatchNorm, LeakyReLU 0.01), WGAN loss with weight clipping 0.01,
one simultaneous Adam step (β = (0.5, 0.9)) per iteration at batch 64, z ∈ R^128, f32, on the
CPU with every core. Prints one JSON line: {"ms_per_step": median, "steps": n}; with `--serve`,
answers {"what": "steps", "steps": n} with {"ms": [per step]} (see bench_serve.py).
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_serve import serve  # noqa: E402
from dcgan_torch import Discriminator, Generator  # noqa: E402

args = [a for a in sys.argv[1:] if a != "--serve"]
steps = int(args[0]) if args else 10
# Threads: the second argument (the Rust benchmark passes its own count), else every core.
torch.set_num_threads(int(args[1]) if len(args) > 1 else os.cpu_count())
torch.manual_seed(0)
nf, latent, batch = 64, 128, 64


g, d = Generator(nf, latent), Discriminator(nf)
opt_g = torch.optim.Adam(g.parameters(), 2e-5, betas=(0.5, 0.9))
opt_d = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.9))
real_pool = torch.rand(512, 3, 32, 32) * 2 - 1


def step(i):
    z = torch.randn(batch, latent)
    real = real_pool[(i * batch) % 448:(i * batch) % 448 + batch]
    opt_g.zero_grad()
    opt_d.zero_grad()
    v = d(real).mean() - d(g(z)).mean()  # L_G = V, L_D = -V
    v.backward()
    for p in d.parameters():
        p.grad.neg_()
    opt_g.step()
    opt_d.step()
    with torch.no_grad():
        for p in d.parameters():
            p.clamp_(-0.01, 0.01)


for i in range(3):
    step(i)


def timed(request):
    ms, cpu = [], time.process_time()
    for i in range(request["steps"]):
        t = time.perf_counter()
        step(i)
        ms.append(1000 * (time.perf_counter() - t))
    return {"ms": ms, "cpu_ms_per_step": 1000 * (time.process_time() - cpu) / request["steps"]}


if "--serve" in sys.argv:
    serve({"steps": timed})
    sys.exit(0)
times = []
for i in range(steps):
    t = time.perf_counter()
    step(i)
    times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"ms_per_step": 1000 * times[len(times) // 2], "steps": steps, "torch": torch.__version__, "threads": torch.get_num_threads()}))
