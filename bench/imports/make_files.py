#!/usr/bin/python3
"""Writes large recordings with the real libraries for bench/run_imports.sh: an SGLang
per_token dump (torch.save), routed experts per request (numpy.save), a Megatron router
trace (json.dumps per record, as router_trace.py writes it), SGLang's and vLLM's responses with
routed experts (JSON lines), and router logits as safetensors (bfloat16, one tensor per layer;
written by tests/data/imports/make_fixtures.py's writer where the safetensors library is
missing). GPT-OSS-20B's shape: 24 layers, 32 experts, top-4.

    /usr/bin/python3 bench/imports/make_files.py OUT_DIR [TOKENS]
"""
import base64
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "data", "imports"))
from make_fixtures import save_safetensors, to_bfloat16_bits  # noqa: E402

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

# Responses, 1,000-token requests: SGLang's base64 int32 [tokens - 1, layers, top_k] and vLLM's
# nested lists of prompt and generated tokens.
req = 1000
with open(os.path.join(out, "sglang_responses.jsonl"), "w") as f:
    for i, start in enumerate(range(0, tokens, req)):
        rows = ids[:, start:start + req].transpose(1, 0, 2)[:-1]
        meta = {"id": f"req-{i}", "prompt_tokens": 200, "completion_tokens": req - 200,
                "routed_experts": base64.b64encode(np.ascontiguousarray(rows).tobytes())
                .decode("ascii")}
        f.write(json.dumps({"text": "...", "meta_info": meta}) + "\n")
with open(os.path.join(out, "vllm_responses.jsonl"), "w") as f:
    for i, start in enumerate(range(0, tokens, req)):
        rows = ids[:, start:start + req].transpose(1, 0, 2)
        f.write(json.dumps({"id": f"cmpl-{i}", "prompt_routed_experts": rows[:200].tolist(),
                            "choices": [{"index": 0, "routed_experts": rows[200:].tolist()}]})
                + "\n")

# Router logits, bfloat16 [tokens, experts] per layer, a quarter of the tokens (the file is
# 16x the routing's size).
n = tokens // 4
logits = rng.normal(size=(L, n, E)).astype(np.float32)
save_safetensors(os.path.join(out, "router_logits.safetensors"),
                 {f"model.layers.{l}.mlp.router": ("BF16", to_bfloat16_bits(logits[l]))
                  for l in range(L)})
