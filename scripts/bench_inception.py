"""PyTorch reference of saddle's Inception throughput benchmark (benches/inception.rs):
pytorch-fid's FID Inception (the same seeded synthetic weights as saddle, see
scripts/inception_parity.py) in eval mode under torch.no_grad, batches of 50 uint8 32×32 RGB
images resized by F.interpolate (pytorch-fid's own path) to 299×299, on the CPU with `threads`
intra-op threads. Prints one JSON line: {"images_per_s": …, "images": n, "threads": t}; with
`--serve`, answers {"what": "images", "images": n, "threads": t} with {"images_per_s": …}.

    python scripts/bench_inception.py [--serve] IMAGES THREADS
"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from inception_parity import SEED, reference_network  # noqa: E402

args = [a for a in sys.argv[1:] if a != "--serve"]
n = int(args[0]) if args else 64
threads = int(args[1]) if len(args) > 1 else (os.cpu_count() or 1)
torch.set_num_threads(threads)
net, _ = reference_network(SEED)
rng = np.random.default_rng(0)
images = torch.from_numpy(rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8))


def run(batch_images):
    with torch.no_grad():
        for i in range(0, len(batch_images), 50):
            x = batch_images[i : i + 50].float() / 255.0
            x = torch.nn.functional.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
            net(2 * x - 1)


run(images[:8])  # warm-up: allocator, oneDNN primitives


def rate(request):
    torch.set_num_threads(request["threads"])
    batch = images[: request["images"]]
    run(batch[:8])
    t = time.perf_counter()
    run(batch)
    return {"images_per_s": len(batch) / (time.perf_counter() - t)}


if "--serve" in sys.argv:
    from bench_serve import serve

    serve({"images": rate})
    sys.exit(0)
t0 = time.perf_counter()
run(images)
dt = time.perf_counter() - t0
print(json.dumps({"images_per_s": n / dt, "images": n, "threads": threads}))
