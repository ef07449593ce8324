#!/usr/bin/python3
"""Writes the import fixtures with the real libraries, never by hand.

torch.save files in the shapes SGLang's expert-distribution recorder writes (see
../shared/docs/formats.md; sglang python/sglang/srt/eplb/expert_distribution.py) and a few
files that exercise the unpickler's corners. Run with Debian's python3-torch and python3-numpy:

    /usr/bin/python3 tests/data/imports/make_fixtures.py

The routing is drawn from a fixed seed so the C++ tests can check exact values; `expected.json`
records what each file holds for them.
"""
import json
import os
from collections import OrderedDict

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)
LAYERS, EXPERTS, TOPK, PASSES = 4, 8, 2, 6


def save(name, obj):
    torch.save(obj, os.path.join(HERE, name))


def main():
    expected = {}
    # SGLang `stat`: logical_count [passes, layers, experts], layer 0 dense (all zeros).
    counts = rng.integers(0, 50, size=(PASSES, LAYERS, EXPERTS)).astype(np.int32)
    counts[:, 0, :] = 0
    save("sglang_stat.pt", {"rank": 0, "logical_count": torch.from_numpy(counts),
                            "average_utilization_rate_over_window": None})
    expected["sglang_stat.pt"] = {"logical_count": counts.tolist()}

    # Unpickler corners: every scalar kind, nesting, dtypes, a non-contiguous view, an
    # OrderedDict (what a state_dict is), a tensor sharing another's storage.
    base = torch.arange(12, dtype=torch.int64).reshape(3, 4)
    mixed = {
        "none": None, "yes": True, "no": False, "small": 7, "negative": -3,
        "big": 2**40, "float": 0.25, "text": "layer_id,expert_id", "unicode": "Ünïcode",
        "list": [1, 2.5, "three", None], "tuple": (4, 5), "nested": {"a": [[1, 2], [3]]},
        "i32": torch.tensor([[1, -2, 3]], dtype=torch.int32),
        "i64": base,
        "i16": torch.tensor([1, 2, 3], dtype=torch.int16),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "f32": torch.tensor([0.5, -1.5], dtype=torch.float32),
        "f64": torch.tensor([1e-300], dtype=torch.float64),
        "bf16": torch.tensor([1.0, -2.0, 0.5], dtype=torch.bfloat16),
        "f16": torch.tensor([0.25, 3.0], dtype=torch.float16),
        "transposed": base.t(),
        "row": base[1],
        "scalar": torch.tensor(9, dtype=torch.int32),
        "ordered": OrderedDict([("w", torch.ones(2, dtype=torch.float32)), ("n", 1)]),
    }
    save("mixed.pt", mixed)
    expected["mixed.pt"] = {"i64": base.tolist(), "transposed": base.t().tolist(),
                            "row": base[1].tolist(), "big": 2**40}

    # Something torch.save accepts and the reader must refuse by name: a set (no tensor, dict,
    # list, tuple or scalar).
    save("foreign_set.pt", {"weird": {1, 2}})
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
