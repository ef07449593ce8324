#!/usr/bin/python3
"""Writes the import fixtures with the real libraries, never by hand.

torch.save files in the shapes SGLang's expert-distribution recorder writes (see
../shared/docs/formats.md; sglang python/sglang/srt/eplb/expert_distribution.py) and a few
files that exercise the unpickler's corners. Run with Debian's python3-torch and python3-numpy:

    /usr/bin/python3 tests/data/imports/make_fixtures.py

The routing is drawn from a fixed seed so the C++ tests can check exact values; `expected.json`
records what each file holds for them.
"""
import base64
import csv
import json
import os
import struct
from collections import OrderedDict

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)
LAYERS, EXPERTS, TOPK, PASSES = 4, 8, 2, 6


def to_bfloat16_bits(a):
    """float32 -> bfloat16 bits, rounded to nearest even (as torch.Tensor.bfloat16 does)."""
    bits = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


try:  # the real library when it is installed (not packaged for Debian 12)
    import safetensors
    from safetensors.torch import save_file as _save_file
    SAFETENSORS_WRITER = "safetensors " + safetensors.__version__
except ImportError:
    _save_file = None
    SAFETENSORS_WRITER = "make_fixtures.py, following the safetensors format spec"


def save_safetensors(path, tensors):
    """Writes {name: (dtype, array)}: with the safetensors library when present, else as its
    serializer lays files out (huggingface/safetensors safetensors/src/tensor.rs): tensors
    sorted by dtype (larger first) then name, packed in that order, the JSON header padded with
    spaces to a multiple of 8, its length first as a little-endian u64."""
    if _save_file is not None:
        _save_file({n: (torch.from_numpy(a.view(np.int16)).view(torch.bfloat16) if d == "BF16"
                        else torch.from_numpy(a)) for n, (d, a) in tensors.items()}, path)
        return
    order = sorted(tensors, key=lambda n: (-np.dtype(tensors[n][1].dtype).itemsize, n))
    header, blobs, offset = {}, [], 0
    for n in order:
        dtype, a = tensors[n]
        raw = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
        header[n] = {"dtype": dtype, "shape": list(a.shape),
                     "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def save(name, obj):
    torch.save(obj, os.path.join(HERE, name))


def main():
    expected = {}
    # SGLang `stat`: logical_count [passes, layers, experts], layer 0 dense (all zeros).
    counts = np.zeros((PASSES, LAYERS, EXPERTS), dtype=np.int32)
    for fp in range(PASSES):
        tokens = int(rng.integers(5, 40))  # every MoE layer routes the pass's tokens x top-k
        for l in range(1, LAYERS):
            for _ in range(tokens):
                counts[fp, l, rng.choice(EXPERTS, size=TOPK, replace=False)] += 1
    save("sglang_stat.pt", {"rank": 0, "logical_count": torch.from_numpy(counts),
                            "average_utilization_rate_over_window": None})
    expected["sglang_stat.pt"] = {"logical_count": counts.tolist()}

    # SGLang `per_pass`: one file per rank; each record a forward pass's physical counts
    # [layers, physical slots]; the physical-to-logical map [layers, physical] (10 slots: two
    # redundant copies, of experts 3 and 5).
    phys_map = np.tile(np.array(list(range(EXPERTS)) + [3, 5], dtype=np.int64), (LAYERS, 1))
    logical = np.zeros((PASSES, LAYERS, EXPERTS), dtype=np.int64)
    for rank in range(2):
        records = []
        for fp in range(PASSES):
            # This rank's tokens of the pass, each to TOPK experts per MoE layer; experts 3
            # and 5 have a second physical slot (8 and 9) that takes every other token.
            phys = np.zeros((LAYERS, EXPERTS + 2), dtype=np.int32)
            tokens = int(rng.integers(3, 20))
            for l in range(1, LAYERS):  # layer 0 is dense
                for t in range(tokens):
                    for e in rng.choice(EXPERTS, size=TOPK, replace=False):
                        slot = {3: 8, 5: 9}.get(int(e), int(e)) if t % 2 else int(e)
                        phys[l, slot] += 1
                        logical[fp, l, e] += 1
            records.append({"forward_pass_id": fp, "rank": rank, "gatherer_key": "primary",
                            "global_physical_count": torch.from_numpy(phys)})
        save(f"sglang_per_pass_{rank}.pt",
             {"records": records, "last_physical_to_logical_map": torch.from_numpy(phys_map)})
    expected["sglang_per_pass"] = {"logical_count": logical.tolist()}

    # SGLang `per_token`: topk_ids_of_layer [layers, tokens, 8], -1 past top-k; two passes,
    # sequences split by extend_seq_lens (a prefill of 3 + 2 tokens, then a decode of 2).
    records, tokens_out = [], []
    for fp, seq_lens in enumerate([[3, 2], [1, 1]]):
        n = sum(seq_lens)
        ids = np.full((LAYERS, n, 8), -1, dtype=np.int32)
        for l in range(LAYERS):
            for t in range(n):
                ids[l, t, :TOPK] = rng.choice(EXPERTS, size=TOPK, replace=False)
        positions = [p_ for L in seq_lens for p_ in range(L)] if fp == 0 else [3, 2]
        input_ids = [int(x) for x in rng.integers(0, 1000, size=n)]
        records.append({"forward_pass_id": fp, "rank": 0, "gatherer_key": "primary",
                        "input_ids": input_ids, "positions": positions,
                        "extend_seq_lens": seq_lens if fp == 0 else None, "forward_mode": fp,
                        "topk_ids_of_layer": torch.from_numpy(ids), "misc_objects": None})
        tokens_out.append({"topk": ids[:, :, :TOPK].tolist(), "input_ids": input_ids,
                           "positions": positions})
    save("sglang_per_token_0.pt", {"records": records,
                                   "last_physical_to_logical_map": torch.from_numpy(phys_map)})
    expected["sglang_per_token"] = tokens_out

    # Megatron-Core router trace (--moe-routing-trace-path): router_trace_rank{r}.jsonl, one
    # record per (step, block, layer); two ranks of 3 and 2 tokens, 2 steps, decoder layers
    # 0..2 and one MTP head (layer 0 again, kept apart). Written with json.dumps, as Megatron's
    # router_trace.py does.
    mdir = os.path.join(HERE, "megatron")
    os.makedirs(mdir, exist_ok=True)
    trace = {}  # (step, layer) -> top_indices of rank 0 then rank 1
    for rank, ntok in ((0, 3), (1, 2)):
        with open(os.path.join(mdir, f"router_trace_rank{rank}.jsonl"), "w") as f:
            for step in range(2):
                for block, layer in [("decoder", 0), ("decoder", 1), ("decoder", 2), ("mtp", 0)]:
                    top = [sorted(int(x) for x in rng.choice(EXPERTS, size=TOPK, replace=False))
                           for _ in range(ntok)]
                    rec = {"step": step, "stage": "pre_dispatch", "block": block, "layer": layer,
                           "rank": rank, "num_tokens": ntok, "topk": TOPK, "top_indices": top}
                    if block == "mtp":
                        rec["mtp_idx"] = 0
                    else:
                        trace.setdefault(f"{step}:{layer}", []).extend(top)
                    f.write(json.dumps(rec) + "\n")
    expected["megatron_router_trace"] = trace
    # Tokens per expert (--save-tokens-per-expert-interval): tokens_per_expert/rank{r}.jsonl,
    # {"iter", "block", "layer", "tpe": [[counts of the rank's 4 local experts] per micro-batch]}.
    tdir = os.path.join(mdir, "tokens_per_expert")
    os.makedirs(tdir, exist_ok=True)
    # Each micro-batch's tokens route TOPK experts per layer; rank r counts what reaches its
    # local experts 4r..4r+3 (after the all-to-all), so the ranks' counts sum to tokens x TOPK.
    tpe_total, per_rank = {}, {0: [], 1: []}
    for it in (10, 20):
        mb_tokens = [int(rng.integers(4, 12)) for _ in range(2)]
        for layer in range(3):
            counts = np.zeros((2, EXPERTS), dtype=np.int64)  # [micro-batch, expert]
            for mb, n in enumerate(mb_tokens):
                for _ in range(n):
                    counts[mb, rng.choice(EXPERTS, size=TOPK, replace=False)] += 1
            tpe_total[f"{it}:{layer}"] = counts.sum(axis=0).tolist()
            for rank in range(2):
                local = counts[:, rank * 4:(rank + 1) * 4].tolist()
                per_rank[rank].append({"iter": it, "block": "decoder", "layer": layer,
                                       "tpe": local})
    for rank in range(2):
        with open(os.path.join(tdir, f"rank{rank}.jsonl"), "w") as f:
            for rec in per_rank[rank]:
                f.write(json.dumps(rec) + "\n")
    expected["megatron_tokens_per_expert"] = tpe_total

    # Routed experts per request (--enable-return-routed-experts), saved with numpy.save:
    # [tokens, layers, top_k], one int32 and one int16 request of different lengths.
    ndir = os.path.join(HERE, "npy")
    os.makedirs(ndir, exist_ok=True)
    requests = []
    for i, (n, dtype) in enumerate(((4, np.int32), (2, np.int16))):
        ids = np.stack([np.stack([rng.choice(EXPERTS, size=TOPK, replace=False)
                                  for _ in range(LAYERS)]) for _ in range(n)]).astype(dtype)
        np.save(os.path.join(ndir, f"request_{i}.npy"), ids)
        requests.append(ids.tolist())
    expected["routed_experts"] = requests
    # transformers' router logits: GPT-OSS style dense top-k scores (zeros off the top-k),
    # stacked [layers, tokens, experts] float32; and raw logits, one float16 file per layer.
    scores = np.zeros((LAYERS, 5, EXPERTS), dtype=np.float32)
    for l in range(LAYERS):
        for t in range(5):
            chosen = rng.choice(EXPERTS, size=TOPK, replace=False)
            scores[l, t, chosen] = [0.7, 0.3]
    np.save(os.path.join(ndir, "router_scores_stacked.npy"), scores)
    expected["router_scores_top"] = [[sorted(np.flatnonzero(scores[l, t]).tolist(),
                                             key=lambda e: -scores[l, t, e])
                                      for t in range(5)] for l in range(LAYERS)]
    ldir = os.path.join(ndir, "logits_per_layer")
    os.makedirs(ldir, exist_ok=True)
    logits = rng.normal(size=(LAYERS, 3, EXPERTS)).astype(np.float16)
    for l in range(LAYERS):
        np.save(os.path.join(ldir, f"layer_{l:02d}.npy"), logits[l])
    expected["router_logits_top2"] = [[np.argsort(-logits[l, t].astype(np.float32),
                                                  kind="stable")[:2].tolist()
                                       for t in range(3)] for l in range(LAYERS)]

    # Server responses with --enable-return-routed-experts, one JSON object per line.
    # SGLang: meta_info.routed_experts = base64 of int32 [prompt + completion - 1,
    # num_hidden_layers, top_k] (pybase64.b64encode(array.tobytes()) in its tokenizer
    # manager; the standard library's base64 writes the same alphabet), layer 0 dense: zeros.
    rdir = os.path.join(HERE, "responses")
    os.makedirs(rdir, exist_ok=True)
    sglang_requests = []
    with open(os.path.join(rdir, "sglang_responses.jsonl"), "w") as f:
        for i, (prompt, completion) in enumerate(((3, 4), (5, 1), (2, 3))):
            rows = prompt + completion - 1
            ids = np.zeros((rows, LAYERS, TOPK), dtype=np.int32)
            for t in range(rows):
                for l in range(1, LAYERS):
                    ids[t, l] = rng.choice(EXPERTS, size=TOPK, replace=False)
            meta = {"id": f"req-{i}", "finish_reason": {"type": "length"},
                    "prompt_tokens": prompt, "completion_tokens": completion,
                    "routed_experts": base64.b64encode(ids.tobytes()).decode("ascii")}
            f.write(json.dumps({"text": "...", "meta_info": meta}) + "\n")
            sglang_requests.append(ids[:, 1:, :].tolist())
    expected["sglang_responses"] = sglang_requests
    # vLLM: prompt_routed_experts and routed_experts as nested lists [tokens][layers][top_k].
    vllm_requests = []
    with open(os.path.join(rdir, "vllm_responses.jsonl"), "w") as f:
        for i, (prompt, generated) in enumerate(((2, 3), (4, 2))):
            ids = np.stack([np.stack([rng.choice(EXPERTS, size=TOPK, replace=False)
                                      for _ in range(LAYERS)])
                            for _ in range(prompt + generated)]).astype(np.int16)
            f.write(json.dumps({"id": f"cmpl-{i}", "prompt_routed_experts": ids[:prompt].tolist(),
                                "choices": [{"index": 0, "text": "...",
                                             "routed_experts": ids[prompt:].tolist()}]}) + "\n")
            vllm_requests.append(ids.tolist())
    expected["vllm_responses"] = vllm_requests

    # SGLang's older recorder: a CSV per rank and dump, header layer_id,expert_id,count (the
    # csv module, as SGLang's writer used); two dumps (timestamps) of two ranks, layer 0 dense.
    # Each rank's tokens take TOPK distinct experts in every MoE layer, so every MoE layer of a
    # dump counts tokens x TOPK pairs, as a real recording does.
    cdir = os.path.join(HERE, "sglang_csv")
    os.makedirs(cdir, exist_ok=True)
    dumps = []
    for stamp in (1700000100, 1700000200):
        total = np.zeros((LAYERS, EXPERTS), dtype=np.int64)
        for rank in range(2):
            counts = np.zeros((LAYERS, EXPERTS), dtype=np.int64)
            for _ in range(int(rng.integers(20, 40))):
                for l in range(1, LAYERS):
                    counts[l, rng.choice(EXPERTS, size=TOPK, replace=False)] += 1
            total += counts
            name = f"expert_distribution_rank{rank}_timestamp{stamp}.csv"
            with open(os.path.join(cdir, name), "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["layer_id", "expert_id", "count"])
                for l in range(LAYERS):
                    for e in range(EXPERTS):
                        w.writerow([l, e, int(counts[l, e])])
        dumps.append(total[1:].tolist())
    expected["sglang_csv"] = dumps

    # transformers' router logits saved as safetensors: one bfloat16 tensor per layer, named
    # so that only a natural sort orders them (layers 2 before 10), and a stacked float32 file.
    sdir = os.path.join(HERE, "safetensors")
    os.makedirs(sdir, exist_ok=True)
    names = [f"model.layers.{n}.mlp.router" for n in (1, 2, 10, 11)]
    logits = rng.normal(size=(LAYERS, 3, EXPERTS)).astype(np.float32)
    bf16 = to_bfloat16_bits(logits)
    save_safetensors(os.path.join(sdir, "router_logits_bf16.safetensors"),
                     {names[l]: ("BF16", bf16[l]) for l in range(LAYERS)})
    rounded = (bf16.astype(np.uint32) << 16).view(np.float32)
    expected["safetensors_bf16_top2"] = [[np.argsort(-rounded[l, t], kind="stable")[:2].tolist()
                                          for t in range(3)] for l in range(LAYERS)]
    save_safetensors(os.path.join(sdir, "router_scores_stacked.safetensors"),
                     {"router_scores": ("F32", scores)})
    expected["safetensors_writer"] = SAFETENSORS_WRITER

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

    # A per_token pass whose topk_ids_of_layer claims 2**60 tokens of 0 slots (no ids at all):
    # the reader must name the mismatch with its one input_id before walking any token.
    save("sglang_per_token_empty_slots.pt", {
        "records": [{"forward_pass_id": 0, "rank": 0, "input_ids": [5], "positions": [0],
                     "extend_seq_lens": [1],
                     "topk_ids_of_layer": torch.empty((2, 2**60, 0), dtype=torch.int32)}],
        "last_physical_to_logical_map": torch.arange(4).repeat(2, 1)})
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
