"""Serving loop shared by the benchmarks' PyTorch references: `--serve` keeps one process (model
built, warmed up) answering timing requests, so a Rust benchmark can alternate saddle and the
reference round by round on a shared machine instead of timing them minutes apart.

Protocol: one JSON line {"ready": true, ...provenance} first, then for every JSON request line
on stdin one JSON reply line on stdout.
"""
import json
import os
import sys

import torch


def provenance():
    """What the reference ran on: torch version, threads, the SIMD level ATen dispatches to."""
    try:
        capability = torch.backends.cpu.get_cpu_capability()
    except Exception:  # older torch
        capability = "unknown"
    return {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "simd": capability,
        "cores": os.cpu_count(),
    }


def serve(handlers):
    """Answers {"what": name, ...} requests with handlers[name](request) until stdin closes."""
    print(json.dumps({"ready": True, **provenance()}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        request = json.loads(line)
        print(json.dumps(handlers[request["what"]](request)), flush=True)
