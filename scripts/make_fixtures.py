"""Generates the f64 PyTorch fixtures of saddle's neural ops (run once; the output is committed).

    .venv/bin/python scripts/make_fixtures.py tests/fixtures/neural

Each fixture is a JSON file {"meta": {...}, "tensors": {name: {"shape": [...], "data": [...]}}}
holding inputs, weights, an upstream gradient `gy` of the output (the scalar checked is
sum(y * gy)), the output `y` and the gradients of every input and weight.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/neural"
os.makedirs(OUT, exist_ok=True)


def pack(named):
    return {k: {"shape": list(v.shape), "data": [float(x) for x in v.detach().reshape(-1).tolist()]} for k, v in named.items()}


def save(name, meta, named):
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"meta": meta, "tensors": pack(named)}, f, separators=(",", ":"))


def op_fixture(name, meta, f, inputs):
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    y = f(**leaves)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    named = dict(leaves)
    named["y"] = y
    named["gy"] = gy
    for k, v in leaves.items():
        named["grad_" + k] = v.grad
    save(name, meta, named)


torch.manual_seed(1318)
convs = [
    ("conv_k3_s2_p1", dict(n=2, c_in=3, h=7, w=6, c_out=4, k=3, stride=2, pad=1)),
    ("conv_k4_s2_p1", dict(n=2, c_in=3, h=8, w=8, c_out=5, k=4, stride=2, pad=1)),
    ("conv_k3_s1_p1", dict(n=2, c_in=2, h=5, w=5, c_out=3, k=3, stride=1, pad=1)),
    ("conv_k1_s2_p0", dict(n=2, c_in=3, h=6, w=6, c_out=2, k=1, stride=2, pad=0)),
]
for name, m in convs:
    op_fixture(name, m, lambda x, w, b, m=m: F.conv2d(x, w, b, stride=m["stride"], padding=m["pad"]), {
        "x": torch.randn(m["n"], m["c_in"], m["h"], m["w"]),
        "w": torch.randn(m["c_out"], m["c_in"], m["k"], m["k"]),
        "b": torch.randn(m["c_out"]),
    })

convts = [
    ("convt_k4_s2_p1", dict(n=2, c_in=4, h=3, w=3, c_out=3, k=4, stride=2, pad=1, output_padding=0)),
    ("convt_k1_s2_op1", dict(n=2, c_in=3, h=4, w=4, c_out=2, k=1, stride=2, pad=0, output_padding=1)),
    ("convt_k3_s2_p1_op1", dict(n=2, c_in=2, h=3, w=4, c_out=3, k=3, stride=2, pad=1, output_padding=1)),
]
for name, m in convts:
    op_fixture(name, m, lambda x, w, b, m=m: F.conv_transpose2d(x, w, b, stride=m["stride"], padding=m["pad"], output_padding=m["output_padding"]), {
        "x": torch.randn(m["n"], m["c_in"], m["h"], m["w"]),
        "w": torch.randn(m["c_in"], m["c_out"], m["k"], m["k"]),
        "b": torch.randn(m["c_out"]),
    })

op_fixture("bn2d_train", dict(n=3, c=4, h=5, w=5), lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=1e-5), {
    "x": torch.randn(3, 4, 5, 5) * 2 + 1, "g": torch.randn(4), "b": torch.randn(4)})
op_fixture("bn1d_train", dict(n=6, c=5), lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=1e-5), {
    "x": torch.randn(6, 5) * 3 - 1, "g": torch.randn(5), "b": torch.randn(5)})
rm, rv = torch.randn(4), torch.rand(4) + 0.5
op_fixture("bn2d_eval", dict(n=3, c=4, h=5, w=5, running_mean=rm.tolist(), running_var=rv.tolist()),
           lambda x, g, b: F.batch_norm(x, rm, rv, g, b, training=False, eps=1e-5),
           {"x": torch.randn(3, 4, 5, 5), "g": torch.randn(4), "b": torch.randn(4)})
op_fixture("leaky_relu", dict(slope=0.01), lambda x: F.leaky_relu(x, 0.01), {"x": torch.randn(4, 7)})


from dcgan_torch import Discriminator, Generator  # noqa: E402

nf, latent, n = 4, 8, 3
g, d = Generator(nf, latent), Discriminator(nf)
for m in list(g.modules()) + list(d.modules()):
    if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.2)
        nn.init.normal_(m.bias, 0.0, 0.1)
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(m.weight, 1.0, 0.1)
        nn.init.normal_(m.bias, 0.0, 0.1)
g.train()
d.train()
z = torch.randn(n, latent)
real = torch.rand(n, 3, 32, 32) * 2 - 1
fake = g(z)
value = d(real).mean() - d(fake).mean()  # WGAN V: L_G = V, L_D = -V
value.backward()
named = {"z": z, "real": real, "fake": fake, "value": value.reshape(1)}
for k, v in g.named_parameters():
    named["theta." + k] = v
    named["grad_theta." + k] = v.grad
for k, v in d.named_parameters():
    named["phi." + k] = v
    named["grad_phi." + k] = v.grad
save("dcgan32_wgan", dict(nf=nf, latent=latent, n=n), named)
print("fixtures written to", OUT)
