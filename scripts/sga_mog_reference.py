"""An independent PyTorch implementation of SGA-RMSProp (and plain RMSProp, the control) on
[NM]'s 8-Gaussian GAN, with saddle's conventions, to check saddle's `SGA-RMSProp` run of
`presets/zoo-mog.ron` (src/optim/field/sga.rs over src/optim/rule/rms_prop.rs on the game of
src/game/gan.rs + src/neural/mog.rs): does its drift (‖F‖ growing, no mode covered) come
from the method or from saddle?

What it follows (saddle's definitions, re-implemented here from their descriptions, not
called):

- Game: G = Linear(8,256) ReLU Linear(256,256) ReLU Linear(256,256) ReLU Linear(256,2),
  D = the same from 2 to 1; weights N(0, 0.02), biases 0. Saturating loss on the logits:
  V = mean log σ(D(x)) + mean log σ(−D(G(z))); L_G = V, L_D = −V; the descent field is
  F = (∇_θ V, −∇_φ V) (θ = generator, φ = discriminator). Data: 8 Gaussians at radius
  2/1.414 every 45°, σ = 0.05/1.414; z ~ N(0, I₈); batch 128; one fresh minibatch a step.
- Randomness: saddle's own streams, re-implemented (xoshiro256++ seeded by SplitMix64,
  Box–Muller normals with the second deviate cached, Lemire's bounded integers), so that a
  run here starts from saddle's initial weights, sees saddle's minibatches and is measured on
  saddle's evaluation batch: init from derive(seed, "init-theta"/"init-phi"); the sample of
  step t is Rng::new(s_t), s_t the t-th draw of derive(seed, "sampling"), giving 128 real
  points (mode index, then x and y) then 128×8 latents. `--data torch` draws everything from
  torch.Generator(seed) instead (same distributions, independent of saddle's streams).
- SGA (Balduzzi et al. 2018, the deepmind notebook's SymplecticOptimizer with use_signs):
  ξ = F on the step's minibatch (float32 pass), Jξ and Jᵀξ of that field at the same weights
  and minibatch, Aᵀξ = ½(Jᵀξ − Jξ), λ = reg·sign(⟨ξ, Jᵀξ⟩⟨Aᵀξ, Jᵀξ⟩/n + 0.1) (n = 16, the
  number of weight tensors; sign(0) = 0), F̃ = ξ + λ·Aᵀξ. Here Jᵀξ is a reverse-mode
  product of F itself (double backward), NOT saddle's zero-sum shortcut Jᵀ = D·J·D, and Jξ
  is the double-backward trick (the gradient of ⟨Jᵀu, ξ⟩ in u). `--products f64` (default)
  computes them in float64 on float64 copies of the weights, as saddle's exact linearization
  does; `--products f32` on the float32 graph.
- RMSProp as saddle's default `RmsProp()` (TensorFlow 1's): v₀ = 1, v ← ρv + (1 − ρ)g²,
  d = g/√(v + ε), ρ = 0.9, ε = 1e-10, element-wise on the (adjusted) field of both players,
  ω ← ω − η·d, η = 1e-4, in float32.
- Metrics, as in saddle's metrics.csv: `loss_theta` = V and `loss_phi` = −V and `field_norm`
  = ‖F‖ (the plain field, both players) on the fixed evaluation minibatch (saddle: seed
  0x5add1e); `modes_covered` / `high_quality_pct` on 2500 generated points from the fixed
  latents derive(0x5add1e, "eval-latent"): a point is high quality within 3σ of its nearest
  mode, a mode is covered by ≥ 1 high-quality point.

`--game grid` plays the SGA notebook's game instead (presets/sga-mog-grid.ron): modes at
{±0.5, ±1.5}², σ 0.02, z ∈ ℝ⁶⁴, ReLU MLPs of six hidden layers of 384 with saddle's
`weights: FanIn` (a normal redrawn beyond 2, times 1/√fan_in; biases 0), batch 256, the
non-saturating loss (L_G = −mean log σ(D(G(z))), L_D = −V), so F = (∇_θ L_G, ∇_φ L_D) and
Jᵀξ is the double backward of that F. With `--data saddle` it replays saddle's streams for
this game too (the grid's modes in saddle's order, x outer), and the step check works on it.
About 0.3 s per SGA step with f32 products, 1.5 s with f64 ones, on one core.

Run (one thread; about 10 minutes per 10 000 SGA steps on one core):

    python scripts/sga_mog_reference.py --method sga --seed 0 --steps 10000 --out sga-s0.csv
    python scripts/sga_mog_reference.py --method rmsprop --seed 0 --steps 10000 --out rms-s0.csv

Options: --seed, --steps, --method sga|rmsprop, --out CSV (columns: step, wall_time,
loss_theta, loss_phi, field_norm, modes_covered, high_quality_pct, and for SGA the share of
steps since the last row with λ < 0 and the mean ‖Aᵀξ‖/‖ξ‖), --eta, --reg (|λ|), --no-align
(λ = +reg always), --products f64|f32, --data saddle|torch, --log-every, --threads.

Step-level check against saddle (one step of saddle taken from a checkpoint, see --help):

    python scripts/sga_mog_reference.py --check-before W0.safetensors --check-after W1.safetensors \
        --check-sample-index T --check-eta ETA --check-rule gradient|rmsprop [--check-ck STATE.ck]

recovers saddle's adjusted field from the two weight files (and, for RMSProp, the mean
square v read from saddle's checkpoint of the step before) and compares it with this
script's F̃ on the same weights and minibatch.
"""
import argparse
import csv
import json
import math
import struct
import sys
import time

import torch
import torch.nn as nn

MASK = (1 << 64) - 1
EVAL_SEED = 0x5ADD1E
LATENT, HIDDEN, LAYERS, BATCH = 8, 256, 3, 128
INIT_STD = 0.02
EVAL_SAMPLES, HQ_SIGMAS, MIN_COUNT = 2500, 3.0, 1
SCALE = 1.414
CENTERS = [(2.0 * math.cos(math.pi / 4 * k) / SCALE, 2.0 * math.sin(math.pi / 4 * k) / SCALE) for k in range(8)]
STD = 0.05 / SCALE
# "ring": the game above ([NM]'s, saturating loss, N(0, 0.02²) weights). "grid": the SGA
# notebook's (presets/sga-mog-grid.ron): modes at {±0.5, ±1.5}², σ 0.02, z ∈ ℝ⁶⁴, ReLU MLPs of
# six hidden layers of 384, batch 256, the non-saturating loss, Sonnet's init (see `configure`).
GAME = "ring"
LOSS = "saturating"


def configure(game):
    """Switches the module's game constants to `game` before anything is built."""
    global LATENT, HIDDEN, LAYERS, BATCH, CENTERS, STD, GAME, LOSS, G_WIDTHS, D_WIDTHS, N_G
    GAME = game
    if game == "grid":
        LATENT, HIDDEN, LAYERS, BATCH = 64, 384, 6, 256
        CENTERS = [(x, y) for x in (-1.5, -0.5, 0.5, 1.5) for y in (-1.5, -0.5, 0.5, 1.5)]
        STD = 0.02
        LOSS = "nonsaturating"
    G_WIDTHS = [LATENT] + [HIDDEN] * LAYERS + [2]
    D_WIDTHS = [2] + [HIDDEN] * LAYERS + [1]
    N_G = 2 * (len(G_WIDTHS) - 1)


# ----------------------------------------------------------------------------- randomness
def _splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return x, z ^ (z >> 31)


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class SaddleRng:
    """saddle's generator (src/rng.rs), re-implemented: xoshiro256++, SplitMix64 seeding."""

    def __init__(self, seed):
        x = seed & MASK
        self.s = []
        for _ in range(4):
            x, z = _splitmix(x)
            self.s.append(z)
        self.spare = None

    @classmethod
    def derive(cls, seed, purpose):
        h = 0xCBF29CE484222325
        for b in purpose.encode():
            h = ((h ^ b) * 0x100000001B3) & MASK
        return cls(seed ^ _rotl(h, 17))

    def next_u64(self):
        s = self.s
        result = (_rotl((s[0] + s[3]) & MASK, 23) + s[0]) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def uniform(self):
        return (self.next_u64() >> 11) * (1.0 / (1 << 53))

    def below(self, n):
        threshold = ((-n) & MASK) % n
        while True:
            m = self.next_u64() * n
            if (m & MASK) >= threshold:
                return m >> 64

    def normal(self):
        if self.spare is not None:
            z, self.spare = self.spare, None
            return z
        u1 = 1.0 - self.uniform()
        u2 = self.uniform()
        r = math.sqrt(-2.0 * math.log(u1))
        a = 2.0 * math.pi * u2
        self.spare = r * math.sin(a)
        return r * math.cos(a)


def saddle_batch(sample_seed, n=None):
    """Real points then latents of one saddle sample (Gan::draw_batch on Rng::new(seed))."""
    n = BATCH if n is None else n
    rng = SaddleRng(sample_seed)
    real = []
    for _ in range(n):
        c = CENTERS[rng.below(len(CENTERS))]
        real.append((c[0] + STD * rng.normal(), c[1] + STD * rng.normal()))
    z = [rng.normal() for _ in range(n * LATENT)]
    return torch.tensor(real, dtype=torch.float32), torch.tensor(z, dtype=torch.float32).reshape(n, LATENT)


class Data:
    """Initial weights, training minibatches and the fixed evaluation inputs."""

    def __init__(self, seed, source):
        self.source = source
        self.seed = seed
        if source == "saddle":
            self.sampling = SaddleRng.derive(seed, "sampling")
            self.eval_real, self.eval_z = saddle_batch(EVAL_SEED)
            er = SaddleRng.derive(EVAL_SEED, "eval-latent")
            self.eval_latent = torch.tensor([er.normal() for _ in range(EVAL_SAMPLES * LATENT)], dtype=torch.float32).reshape(EVAL_SAMPLES, LATENT)
        else:
            self.gen = torch.Generator().manual_seed(seed)
            ev = torch.Generator().manual_seed(EVAL_SEED)
            self.eval_real, self.eval_z = self._torch_batch(ev)
            self.eval_latent = torch.randn(EVAL_SAMPLES, LATENT, generator=ev)

    def _torch_batch(self, gen):
        k = torch.randint(0, len(CENTERS), (BATCH,), generator=gen)
        real = torch.tensor(CENTERS, dtype=torch.float32)[k] + STD * torch.randn(BATCH, 2, generator=gen)
        return real, torch.randn(BATCH, LATENT, generator=gen)

    def init(self, widths, player):
        """Weights (out × in) then biases per layer, as saddle's Layout::initial_values."""
        if self.source == "saddle" and GAME == "grid":
            # saddle's Init::TruncatedNormal: a normal drawn again while beyond 2, times σ.
            rng = SaddleRng.derive(self.seed, f"init-{player}")

            def one():
                while True:
                    x = rng.normal()
                    if abs(x) <= 2.0:
                        return x

            draw = lambda o, i: torch.tensor([(1.0 / math.sqrt(i)) * one() for _ in range(o * i)], dtype=torch.float32).reshape(o, i)
        elif self.source == "saddle":
            rng = SaddleRng.derive(self.seed, f"init-{player}")
            draw = lambda o, i: torch.tensor([INIT_STD * rng.normal() for _ in range(o * i)], dtype=torch.float32).reshape(o, i)
        elif GAME == "grid":
            # Sonnet 1's snt.Linear: truncated normal (redrawn beyond 2σ), σ = 1/√fan_in.
            gen = self.gen

            def draw(o, i):
                w = torch.randn(o, i, generator=gen)
                while True:
                    bad = w.abs() > 2.0
                    if not bool(bad.any()):
                        return w / math.sqrt(i)
                    w[bad] = torch.randn(int(bad.sum()), generator=gen)
        else:
            gen = self.gen
            draw = lambda o, i: INIT_STD * torch.randn(o, i, generator=gen)
        out = []
        for i, o in zip(widths, widths[1:]):
            out += [draw(o, i), torch.zeros(o)]
        return out

    def next_batch(self):
        if self.source == "saddle":
            return saddle_batch(self.sampling.next_u64())
        return self._torch_batch(self.gen)


# ----------------------------------------------------------------------------- the game
G_WIDTHS = [LATENT] + [HIDDEN] * LAYERS + [2]
D_WIDTHS = [2] + [HIDDEN] * LAYERS + [1]
N_G = 2 * (len(G_WIDTHS) - 1)


def mlp(x, params):
    """ReLU MLP on a flat list [W₀, b₀, W₁, b₁, …] (W: out × in), no activation at the end."""
    layers = len(params) // 2
    for l in range(layers):
        x = x @ params[2 * l].t() + params[2 * l + 1]
        if l + 1 < layers:
            x = torch.relu(x)
    return x


def value(params, real, z):
    """V = mean log σ(D(x)) + mean log σ(−D(G(z))), minimized by G, maximized by D."""
    g, d = params[:N_G], params[N_G:]
    ls = nn.functional.logsigmoid
    return ls(mlp(real, d)).mean() + ls(-mlp(mlp(z, g), d)).mean()


def losses(params, real, z):
    """(L_G, L_D). Saturating: L_G = V, L_D = −V. Non-saturating: L_D = −V as before, and
    L_G = −mean log σ(D(G(z)))."""
    if LOSS == "saturating":
        v = value(params, real, z)
        return v, -v
    g, d = params[:N_G], params[N_G:]
    ls = nn.functional.logsigmoid
    fake = mlp(mlp(z, g), d)
    return -ls(fake).mean(), -(ls(mlp(real, d)).mean() + ls(-fake).mean())


def field(params, real, z, create_graph=False):
    """F = (∇_θ L_G, ∇_φ L_D): each player's gradient of its own loss."""
    if LOSS == "saturating":
        grads = torch.autograd.grad(value(params, real, z), params, create_graph=create_graph)
        return list(grads[:N_G]) + [-x for x in grads[N_G:]]
    lg, ld = losses(params, real, z)
    gg = torch.autograd.grad(lg, params[:N_G], create_graph=create_graph, retain_graph=True)
    gd = torch.autograd.grad(ld, params[N_G:], create_graph=create_graph)
    return list(gg) + list(gd)


def leaves(ws, dtype):
    return [w.detach().to(dtype).clone().requires_grad_(True) for w in ws]


def dot(a, b):
    return sum(float((x.double() * y.double()).sum()) for x, y in zip(a, b))


def sga_field(ws, real, z, reg=1.0, products="f64", align=True):
    """ξ (float32 pass), the products, and F̃ = ξ + λ·Aᵀξ; returns (F̃ float32, ξ, Aᵀξ, λ)."""
    p32 = leaves(ws, torch.float32)
    xi = [x.detach() for x in field(p32, real, z)]
    dtype = torch.float64 if products == "f64" else torch.float32
    p = leaves(ws, dtype)
    r, zz = real.to(dtype), z.to(dtype)
    f = field(p, r, zz, create_graph=True)
    v = [x.to(dtype) for x in xi]
    # Jᵀξ: reverse mode through F (double backward), ⟨F, ξ⟩'s gradient.
    jt_xi = torch.autograd.grad(f, p, grad_outputs=v, retain_graph=True, allow_unused=True)
    jt_xi = [torch.zeros_like(q) if g is None else g for q, g in zip(p, jt_xi)]
    # Jξ: the gradient in u of ⟨Jᵀu, ξ⟩ (Jᵀu is linear in u).
    u = [torch.zeros_like(q, requires_grad=True) for q in p]
    jt_u = torch.autograd.grad(f, p, grad_outputs=u, create_graph=True, allow_unused=True)
    pairs = [(a, b) for a, b in zip(jt_u, v) if a is not None and a.requires_grad]
    j_xi = torch.autograd.grad([a for a, _ in pairs], u, grad_outputs=[b for _, b in pairs], allow_unused=True)
    j_xi = [torch.zeros_like(q) if g is None else g for q, g in zip(p, j_xi)]
    at_xi = [0.5 * (a - b) for a, b in zip(jt_xi, j_xi)]
    n = len(ws)
    x = dot(v, jt_xi) * dot(at_xi, jt_xi) / n + 0.1
    lam = reg * (1.0 if (x > 0 or math.isnan(x)) else (-1.0 if x < 0 else 0.0)) if align else reg
    adjusted = [(a.to(dtype) + lam * b).to(torch.float32) for a, b in zip(xi, at_xi)]
    return adjusted, xi, at_xi, lam


class RmsPropTf1:
    """TensorFlow 1's RMSProp: v₀ = 1, v ← ρv + (1−ρ)g², d = g/√(v + ε) (float32)."""

    def __init__(self, ws, rho=0.9, eps=1e-10):
        self.v = [torch.ones_like(w) for w in ws]
        self.rho, self.eps = rho, eps

    def direction(self, g):
        out = []
        for v, x in zip(self.v, g):
            v.mul_(self.rho).add_(x * x * (1.0 - self.rho))
            out.append(x / (v + self.eps).sqrt())
        return out


# ----------------------------------------------------------------------------- metrics
def metrics(ws, data):
    with torch.no_grad():
        lg, ld = (float(x) for x in losses(ws, data.eval_real, data.eval_z))
    f = field(leaves(ws, torch.float32), data.eval_real, data.eval_z)
    norm = math.sqrt(sum(float((x.double() ** 2).sum()) for x in f))
    with torch.no_grad():
        pts = mlp(data.eval_latent, ws[:N_G]).double()
    c = torch.tensor(CENTERS, dtype=torch.float64)
    d2 = ((pts[:, None, :] - c[None, :, :]) ** 2).sum(-1)
    best, j = d2.min(1)
    hq = (best.sqrt() / STD) < HQ_SIGMAS
    counts = torch.bincount(j[hq], minlength=len(CENTERS))
    modes = int((counts >= max(MIN_COUNT, 1)).sum())
    hq_pct = 100.0 * float(hq.sum()) / pts.shape[0] if pts.shape[0] else 0.0
    return {"loss_theta": lg, "loss_phi": ld, "field_norm": norm, "modes_covered": modes, "high_quality_pct": hq_pct}


def train(args):
    data = Data(args.seed, args.data)
    ws = data.init(G_WIDTHS, "theta") + data.init(D_WIDTHS, "phi")
    opt = RmsPropTf1(ws)
    cols = ["step", "wall_time", "loss_theta", "loss_phi", "field_norm", "modes_covered", "high_quality_pct", "lambda_neg_share", "adj_ratio"]
    out = open(args.out, "w", newline="")
    wr = csv.DictWriter(out, fieldnames=cols)
    wr.writeheader()
    t0 = time.time()
    negs, ratios = [], []

    def log(step):
        m = metrics(ws, data)
        m.update(step=step, wall_time=round(time.time() - t0, 2),
                 lambda_neg_share=(sum(negs) / len(negs)) if negs else "",
                 adj_ratio=(sum(ratios) / len(ratios)) if ratios else "")
        wr.writerow(m)
        out.flush()
        negs.clear()
        ratios.clear()
        print(f"[{args.method} seed {args.seed}] step {step} ‖F‖ {m['field_norm']:.4g} V {m['loss_theta']:.4g} modes {m['modes_covered']} hq {m['high_quality_pct']:.1f}", file=sys.stderr, flush=True)
        return m

    log(0)
    for step in range(1, args.steps + 1):
        real, z = data.next_batch()
        if args.method == "sga":
            g, xi, at_xi, lam = sga_field(ws, real, z, args.reg, args.products, not args.no_align)
            negs.append(lam < 0)
            ratios.append(math.sqrt(dot(at_xi, at_xi) / max(dot(xi, xi), 1e-300)))
        else:
            g = [x.detach() for x in field(leaves(ws, torch.float32), real, z)]
        d = opt.direction(g)
        for w, x in zip(ws, d):
            w.sub_(x * args.eta)
        if step % args.log_every == 0 or step == args.steps:
            m = log(step)
            if not math.isfinite(m["field_norm"]) or m["field_norm"] > 1e6:
                print("diverged (‖F‖ > 1e6), stopping", file=sys.stderr)
                break
    out.close()


# ----------------------------------------------------------------------------- step check
def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    hdr = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for k, m in hdr.items():
        if k == "__metadata__":
            continue
        a, b = m["data_offsets"]
        out[k] = torch.frombuffer(bytearray(raw[base + a : base + b]), dtype=torch.float32).reshape(m["shape"]).clone()
    return out


def weights_of(st):
    names = lambda prefix, widths: [f"{prefix}.{2 * l}.{k}" for l in range(len(widths) - 1) for k in ("weight", "bias")]
    return [st[k] for k in names("generator", G_WIDTHS)] + [st[k] for k in names("discriminator", D_WIDTHS)]


def _varint(raw, i):
    x, shift = 0, 0
    while True:
        b = raw[i]
        i += 1
        x |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return x, i


def ck_blocks(path):
    """Every block of a saddle checkpoint (postcard) that reads as the values of a generator
    or a discriminator: varint(8 tensors), then per tensor varint(len) and len f32; in file
    order (ω_θ, ω_φ, then the rule states: RMSProp's v_θ, v_φ)."""
    raw = open(path, "rb").read()
    found = []
    for who, widths in (("theta", G_WIDTHS), ("phi", D_WIDTHS)):
        sizes = [s for i, o in zip(widths, widths[1:]) for s in (o * i, o)]
        start = 0
        while True:
            i = raw.find(bytes([len(sizes)]), start)
            if i < 0:
                break
            start = i + 1
            j, ok, ts = i + 1, True, []
            for s in sizes:
                if j >= len(raw):
                    ok = False
                    break
                n, j2 = _varint(raw, j)
                if n != s or j2 + 4 * n > len(raw):
                    ok = False
                    break
                ts.append(torch.frombuffer(bytearray(raw[j2 : j2 + 4 * n]), dtype=torch.float32).clone())
                j = j2 + 4 * n
            if ok:
                found.append((i, who, ts))
    found.sort(key=lambda x: x[0])
    return found


def check(args):
    w0 = weights_of(read_safetensors(args.check_before))
    w1 = weights_of(read_safetensors(args.check_after))
    if args.check_data == "saddle":
        rng = SaddleRng.derive(args.seed, "sampling")
        for _ in range(args.check_sample_index):
            rng.next_u64()
        seed = rng.next_u64()
        real, z = saddle_batch(seed)
        print(f"sample {args.check_sample_index} of seed {args.seed}: minibatch seed {seed}")
    eta = args.check_eta
    d = [(a.double() - b.double()) / eta for a, b in zip(w0, w1)]
    if args.check_rule == "gradient":
        saddle_f = d
    else:
        blocks = ck_blocks(args.check_ck)
        th = [b for b in blocks if b[1] == "theta"]
        ph = [b for b in blocks if b[1] == "phi"]
        if len(th) < 2 or len(ph) < 2:
            sys.exit(f"expected ω and v for each player in {args.check_ck}, found {len(th)} θ and {len(ph)} φ blocks")
        for a, b in zip(th[0][2] + ph[0][2], w0):
            if not torch.equal(a, b.reshape(-1)):
                sys.exit("the checkpoint's ω is not the weights of --check-before")
        vs = [x.double().reshape(w.shape) for x, w in zip(th[1][2] + ph[1][2], w0)]
        rho, eps = 0.9, 1e-10
        # d = g/√(ρv + (1−ρ)g² + ε)  ⇒  g² = d²(ρv + ε)/(1 − (1−ρ)d²), sign(g) = sign(d).
        # Ill-conditioned where |g| ≫ √v (d → 1/√(1−ρ)): those entries are left out of the
        # field comparison (counted), and the directions d are compared over all entries.
        den = [1 - (1 - rho) * x * x for x in d]
        keep = [q > 1e-2 for q in den]
        saddle_f = [torch.where(k, x.sign() * (x * x * (rho * v + eps) / q.clamp_min(1e-300)).sqrt(), torch.zeros_like(x)) for x, v, q, k in zip(d, vs, den, keep)]
    mine, xi, at_xi, lam = sga_field(w0, real, z, args.reg, args.products)
    if args.check_plain:
        mine = xi
    extra = {}
    if args.check_rule == "rmsprop":
        mine_d = [m.double() / (rho * v + (1 - rho) * m.double() ** 2 + eps).sqrt() for m, v in zip(mine, vs)]
        fd = lambda xs: torch.cat([t.reshape(-1) for t in xs])
        extra = {
            "rmsprop_direction_rel_diff_l2": float((fd(d) - fd(mine_d)).norm() / fd(mine_d).norm()),
            "rmsprop_direction_max_abs_diff": float((fd(d) - fd(mine_d)).abs().max()),
            "entries_left_out_of_field_comparison": int(sum(int((~k).sum()) for k in keep)),
            "entries": int(sum(k.numel() for k in keep)),
        }
        mine = [torch.where(k, m.double(), torch.zeros_like(m.double())) for m, k in zip(mine, keep)]
        xi = [torch.where(k, m.double(), torch.zeros_like(m.double())) for m, k in zip(xi, keep)]
        at_xi = [torch.where(k, m.double(), torch.zeros_like(m.double())) for m, k in zip(at_xi, keep)]
    flat = lambda xs: torch.cat([x.double().reshape(-1) for x in xs])
    s, m, x, a = flat(saddle_f), flat(mine), flat(xi), flat(at_xi)
    rel = float((s - m).norm() / m.norm())
    # Per tensor, relative to that tensor's largest entry.
    per = [float((sa.double() - mi.double()).abs().max() / mi.double().abs().max().clamp_min(1e-30)) for sa, mi in zip(saddle_f, mine)]
    dev_adj = float((s - x).norm() / max(float(a.norm()), 1e-300))
    print(json.dumps({
        "lambda_here": lam,
        "norm_xi": float(x.norm()), "norm_At_xi": float(a.norm()), "norm_F_tilde_here": float(m.norm()), "norm_F_tilde_saddle": float(s.norm()),
        "rel_diff_l2": rel,
        "max_rel_diff_per_tensor": max(per),
        "rel_diff_per_tensor": per,
        "saddle_minus_xi_over_At_xi": dev_adj,
        # ‖(F̃_saddle − ξ_here) − λ·Aᵀξ_here‖ / ‖Aᵀξ_here‖: the adjustment's own error.
        "adjustment_rel_err": float(((s - x) - lam * a).norm() / max(float(a.norm()), 1e-300)),
        "cos_saddle_adjustment_vs_At_xi": float(((s - x) @ a) / ((s - x).norm() * a.norm())),
        **extra,
    }, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--game", choices=["ring", "grid"], default="ring", help="[NM]'s 8 Gaussians or the SGA notebook's 4×4 grid")
    ap.add_argument("--method", choices=["sga", "rmsprop"], default="sga")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--eta", type=float, default=1e-4)
    ap.add_argument("--reg", type=float, default=1.0, help="SGA's |λ|")
    ap.add_argument("--products", choices=["f64", "f32"], default="f64")
    ap.add_argument("--no-align", action="store_true", help="λ = +reg always (no alignment sign rule)")
    ap.add_argument("--data", choices=["saddle", "torch"], default="saddle", help="saddle's random streams or torch's")
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="sga_mog.csv", help="output CSV")
    ap.add_argument("--check-before", help="safetensors of saddle's weights before one step")
    ap.add_argument("--check-after", help="safetensors of saddle's weights after it")
    ap.add_argument("--check-ck", help="saddle's checkpoint (.ck) before the step: RMSProp's v")
    ap.add_argument("--check-rule", choices=["gradient", "rmsprop"], default="gradient")
    ap.add_argument("--check-eta", type=float, default=1.0)
    ap.add_argument("--check-sample-index", type=int, default=0, help="samples the run drew before this step")
    ap.add_argument("--check-data", choices=["saddle"], default="saddle")
    ap.add_argument("--check-plain", action="store_true", help="compare with the plain field ξ (saddle ran without SGA)")
    args = ap.parse_args()
    configure(args.game)
    torch.set_num_threads(args.threads)
    if args.check_before:
        check(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
