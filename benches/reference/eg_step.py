"""Reference timings of one extragradient step on the bilinear game, for `cargo bench --bench eg_step`.

Usage: python3 eg_step.py LIB D STEPS  (LIB = numpy | torch); prints seconds per step.
The step is the same as saddle's: F = (A phi, -A^T theta), extrapolate, update from the saved point.
"""
import sys
import time

lib, d, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
eta = 0.1
if lib == "numpy":
    import numpy as np

    rng = np.random.default_rng(0)
    A = rng.standard_normal((d, d)) / np.sqrt(d)
    theta, phi = rng.standard_normal(d), rng.standard_normal(d)

    def step(theta, phi):
        th = theta - eta * (A @ phi)
        ph = phi + eta * (A.T @ theta)
        return theta - eta * (A @ ph), phi + eta * (A.T @ th)
else:
    import torch

    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    A = torch.randn(d, d, dtype=torch.float64, generator=g) / d**0.5
    theta = torch.randn(d, dtype=torch.float64, generator=g)
    phi = torch.randn(d, dtype=torch.float64, generator=g)

    def step(theta, phi):
        th = theta - eta * (A @ phi)
        ph = phi + eta * (A.T @ theta)
        return theta - eta * (A @ ph), phi + eta * (A.T @ th)

best = float("inf")
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(steps):
        theta, phi = step(theta, phi)
        # Keep the iterates bounded whatever the step count.
        if not (abs(float(theta[0])) < 1e100):
            theta, phi = theta * 0 + 1, phi * 0 + 1
    best = min(best, (time.perf_counter() - t0) / steps)
print(best)
