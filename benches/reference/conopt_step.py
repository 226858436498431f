"""Reference timings for `cargo bench --bench conopt_step`: one optimizer step on [NM]'s
mixture-of-Gaussians GAN (8 Gaussians, ReLU MLPs 8→256→256→256→2 and 2→256→256→256→1,
init N(0, 0.02), batch 128, saturating loss) in PyTorch on the CPU, as zoo-mog's runs take it:
a fresh minibatch, the field F = (∇_θ V, −∇_φ V), a field transform, one RMSProp update
(ρ = 0.9, ε = 1e-10, η = 1e-4) of both players.

- plain: F from one backward of V (one oracle call), no transform.
- conopt: F̃ = F + γ·JᵀF, γ = 10, by double backward: `torch.autograd.grad(V, create_graph=True)`
  for F, then a second backward of ½‖F‖² for JᵀF (TheNumericsOfGANs' `tf.gradients(reg)`).
- sga: F̃ = ξ + λ·½(Jᵀξ − Jξ), λ = ±1 by the alignment rule; Jᵀξ by double backward as above,
  Jξ by the double-backward trick (the vector u in Jᵀu is a variable; the gradient of
  ⟨Jᵀu, ξ⟩ with respect to u is Jξ), which reuses F's graph — the SGA notebook's
  `fwd_gradients` — rather than `torch.func.jvp`, which would compute F and its backward anew.

Precision "f32": everything in float32, the products on F's own graph. Precision "f64":
saddle's arrangement — F in float32 (one oracle call), then the products in float64 on float64
copies of the networks synchronised with the float32 weights every step (the products
recompute F in float64 for their graph, as saddle's exact linearization recomputes the
passes in f64).

With `--serve`, answers {"what": "plain" | "conopt" | "sga", "precision": "f32" | "f64",
"repeats": n} with {"ms": median}; without, prints one JSON line of every median.

    python benches/reference/conopt_step.py [--serve] [REPEATS [THREADS]]
"""
import copy
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn

# The serving loop and the networks' builder are the ones the other MoG reference uses.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from bench_mog_jvp import median_ms, mlp, value  # noqa: E402
from bench_serve import serve  # noqa: E402

GAMMA = 10.0
SGA_REG = 1.0
ETA = 1e-4
BATCH = 128
RADIUS, STD = 2.0 / 1.414, 0.05 / 1.414


class Step:
    """Both players' networks, an RMSProp over all their weights, and the three steps."""

    def __init__(self):
        torch.manual_seed(0)
        self.g, self.d = mlp([8, 256, 256, 256, 2]), mlp([2, 256, 256, 256, 1])
        self.params = list(self.g.parameters()) + list(self.d.parameters())
        self.n_g = len(list(self.g.parameters()))
        self.opt = torch.optim.RMSprop(self.params, lr=ETA, alpha=0.9, eps=1e-10)
        self.g64, self.d64 = copy.deepcopy(self.g).double(), copy.deepcopy(self.d).double()
        self.params64 = list(self.g64.parameters()) + list(self.d64.parameters())
        angles = torch.arange(8) * (2 * math.pi / 8)
        self.centers = RADIUS * torch.stack([angles.cos(), angles.sin()], 1)

    def minibatch(self):
        k = torch.randint(0, 8, (BATCH,))
        return self.centers[k] + STD * torch.randn(BATCH, 2), torch.randn(BATCH, 8)

    def field(self, g, d, params, real, z, graph):
        grads = torch.autograd.grad(value(g, d, real, z), params, create_graph=graph)
        return list(grads[: self.n_g]) + [-x for x in grads[self.n_g :]]

    def products_graph(self, f32_field, real, z, precision):
        """F with its graph for the products, in the products' precision, and the vector they
        multiply (ξ = the f32 field, widened for f64)."""
        if precision == "f32":
            return f32_field, [x.detach() for x in f32_field], self.params
        with torch.no_grad():
            for p64, p in zip(self.params64, self.params):
                p64.copy_(p)
        f = self.field(self.g64, self.d64, self.params64, real.double(), z.double(), True)
        return f, [x.detach().double() for x in f32_field], self.params64

    def update(self, direction):
        for p, x in zip(self.params, direction):
            p.grad = x.detach().to(p.dtype)
        self.opt.step()

    def plain(self, _precision):
        real, z = self.minibatch()
        self.update(self.field(self.g, self.d, self.params, real, z, False))

    def conopt(self, precision):
        real, z = self.minibatch()
        f32 = self.field(self.g, self.d, self.params, real, z, precision == "f32")
        f, xi, params = self.products_graph(f32, real, z, precision)
        if precision == "f32":
            jtf = torch.autograd.grad(0.5 * sum((x * x).sum() for x in f), params)
        else:
            jtf = torch.autograd.grad(f, params, grad_outputs=xi)
        self.update([a.detach() + GAMMA * b.to(a.dtype) for a, b in zip(f32, jtf)])

    def sga(self, precision):
        real, z = self.minibatch()
        f32 = self.field(self.g, self.d, self.params, real, z, precision == "f32")
        f, xi, params = self.products_graph(f32, real, z, precision)
        jt_xi = torch.autograd.grad(f, params, grad_outputs=xi, retain_graph=True)
        u = [torch.zeros_like(x, requires_grad=True) for x in f]
        jt_u = torch.autograd.grad(f, params, grad_outputs=u, create_graph=True)
        j_xi = torch.autograd.grad(jt_u, u, grad_outputs=xi)
        a_xi = [0.5 * (a - b) for a, b in zip(jt_xi, j_xi)]
        dot = lambda a, b: sum((x * y).sum() for x, y in zip(a, b)).item()
        n = len(xi)
        x = dot(xi, jt_xi) * dot(a_xi, jt_xi) / n + 0.1
        # saddle's sign rule: tf.sign(0) = 0, and NaN keeps the local branch.
        lam = SGA_REG * (-1.0 if x < 0 else 0.0 if x == 0 else 1.0)
        self.update([a.detach() + lam * b.to(a.dtype) for a, b in zip(f32, a_xi)])


def main():
    args = [a for a in sys.argv[1:] if a != "--serve"]
    repeats = int(args[0]) if args else 20
    if len(args) > 1:
        torch.set_num_threads(int(args[1]))
    step = Step()
    methods = {"plain": step.plain, "conopt": step.conopt, "sga": step.sga}

    def timed(r):
        run = methods[r["what"]]
        return {"ms": median_ms(lambda: run(r.get("precision", "f32")), r["repeats"])}

    if "--serve" in sys.argv:
        serve({name: timed for name in methods})
        return
    out = {"threads": torch.get_num_threads()}
    for name in methods:
        for precision in ["f32", "f64"]:
            out[f"ms_{name}_{precision}"] = timed({"what": name, "precision": precision, "repeats": repeats})["ms"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
