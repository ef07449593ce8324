#!/usr/bin/python3
"""Writes large recordings with the real libraries for bench/run_imports.sh: an SGLang
per_token dump (torch.save), routed experts per request (numpy.save) and a Megatron router
trace (json.dumps per record, as router_trace.py writes it). GPT-OSS-20B's shape: 24 layers,
32 experts, top-4.

    /usr/bin/python3 bench/imports/make_files.py OUT_DIR [TOKENS]
"""
import json
import os
import sys

import numpy as np
import torch

out = sys.argv[1]
tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
L, E, K = 24, 32, 4
rng = np.random.default_rng(1)
os.makedirs(out, exist_ok=True)
ids = np.argsort(rng.random((L, tokens, E)), axis=2)[:, :, :K].astype(np.int32)

# SGLang per_token: records of 4,000-token passes, 8 slots (-1 past top-k).
records = []
per = 4000
for fp, start in enumerate(range(0, tokens, per)):
    n = min(per, tokens - start)
    slots = np.full((L, n, 8), -1, dtype=np.int32)
    slots[:, :, :K] = ids[:, start:start + n]
    records.append({"forward_pass_id": fp, "rank": 0, "gatherer_key": "primary",
                    "input_ids": rng.integers(0, 50000, size=n).tolist(),
                    "positions": list(range(n)), "extend_seq_lens": [n], "forward_mode": 1,
                    "topk_ids_of_layer": torch.from_numpy(slots), "misc_objects": None})
torch.save({"records": records,
            "last_physical_to_logical_map": torch.arange(E).repeat(L, 1)},
           os.path.join(out, "sglang_per_token_0.pt"))

# Routed experts, one request: [tokens, layers, top_k] int32.
np.save(os.path.join(out, "routed_experts.npy"), np.ascontiguousarray(ids.transpose(1, 0, 2)))

# Megatron router trace: one record per (step, layer) of 4,000 tokens.
with open(os.path.join(out, "router_trace_rank0.jsonl"), "w") as f:
    for step, start in enumerate(range(0, tokens, per)):
        n = min(per, tokens - start)
        for layer in range(L):
            f.write(json.dumps({"step": step, "stage": "pre_dispatch", "block": "decoder",
                                "layer": layer, "rank": 0, "num_tokens": n, "topk": K,
                                "top_indices": ids[layer, start:start + n].tolist()}) + "\n")
