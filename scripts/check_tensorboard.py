"""Reads an event file written by `saddle export RUN --format tensorboard` with TensorBoard's
own loader and compares it with the run directory: every metrics.csv value as a scalar (f32),
the events as text, the sample PNGs as images. A tool, not a dependency: needs
`pip install tensorboard`. Usage: check_tensorboard.py RUN_DIR EVENT_DIR. Prints one JSON line
and exits 1 on the first mismatch.
"""
import csv
import glob
import json
import os
import struct
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

run_dir, event_dir = sys.argv[1], sys.argv[2]
acc = EventAccumulator(event_dir, size_guidance={"scalars": 0, "images": 0, "tensors": 0})
acc.Reload()
tags = acc.Tags()


def f32(x):
    return struct.unpack("f", struct.pack("f", float(x)))[0]


def fail(msg):
    print(json.dumps({"ok": False, "error": msg}))
    sys.exit(1)


with open(os.path.join(run_dir, "metrics.csv")) as f:
    rows = list(csv.reader(f))
header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
checked = 0
for col_i, col in enumerate(header[1:], start=1):
    want = {int(float(r[0])): f32(r[col_i]) for r in body if r[col_i] != ""}
    if not want:
        continue
    if col not in tags["scalars"]:
        fail(f"no scalar tag {col}")
    got = {e.step: e.value for e in acc.Scalars(col)}
    if got != want:
        fail(f"{col}: {sorted(got.items())[:3]} vs {sorted(want.items())[:3]}")
    checked += len(want)

texts = []
if "events" in tags["tensors"]:
    texts = [e.tensor_proto.string_val[0].decode() for e in acc.Tensors("events")]
if not any(t.endswith("started") for t in texts):
    fail(f"no 'started' event among {texts[:3]}")

pngs = sorted(glob.glob(os.path.join(run_dir, "samples", "*.png")))
images = 0
for tag in tags["images"]:
    kind = tag.split("/", 1)[1]
    for e in acc.Images(tag):
        path = os.path.join(run_dir, "samples", f"{kind}-{e.step:09d}.png")
        with open(path, "rb") as f:
            if f.read() != e.encoded_image_string:
                fail(f"{tag} at step {e.step} differs from {path}")
        images += 1
if images != len(pngs):
    fail(f"{images} images for {len(pngs)} PNG files")

print(json.dumps({"ok": True, "scalars": checked, "texts": len(texts), "images": images}))
