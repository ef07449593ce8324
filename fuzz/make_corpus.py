#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/: the small real fixtures of tests/data
(written by torch, numpy, safetensors and the servers' own code) plus hand-made reproducers of
known problems. Run from anywhere; re-running rewrites the same files."""
import gzip
import io
import json
import os
import shutil
import struct
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
OUT = os.path.join(ROOT, "fuzz", "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def copy(target, *paths):
    for p in paths:
        with open(os.path.join(DATA, p), "rb") as f:
            put(target, os.path.basename(p), f.read())


def gz(text, trailer=b""):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(text.encode() if isinstance(text, str) else text)
    return buf.getvalue() + trailer


def imports():
    i = "imports/"
    copy("fuzz_torch_file", *(i + n for n in ("sglang_stat.pt", "sglang_per_pass_0.pt",
                                              "sglang_per_token_0.pt", "mixed.pt",
                                              "foreign_set.pt")))
    # The pickles alone, which the target packs into a zip itself (see fuzz_torch_file.cpp).
    for n in ("sglang_stat.pt", "sglang_per_pass_0.pt", "sglang_per_token_0.pt", "mixed.pt"):
        with zipfile.ZipFile(os.path.join(DATA, i, n)) as z:
            pkl = next(e for e in z.namelist() if e.endswith("/data.pkl"))
            put("fuzz_torch_file", n.replace(".pt", ".pkl"), z.read(pkl))
    copy("fuzz_npy", i + "npy/request_0.npy", i + "npy/request_1.npy",
         i + "npy/router_scores_stacked.npy", i + "npy/logits_per_layer/layer_00.npy")
    copy("fuzz_safetensors", i + "safetensors/router_logits_bf16.safetensors",
         i + "safetensors/router_scores_stacked.safetensors")
    # A shape whose byte count wraps 64 bits to the empty range it claims.
    header = json.dumps({"w": {"dtype": "F64", "shape": [1 << 40, 1 << 21],
                               "data_offsets": [0, 0]}}).encode()
    put("fuzz_safetensors", "wrapped_byte_count.safetensors", struct.pack("<Q", len(header)) + header)
    copy("fuzz_megatron", i + "megatron/router_trace_rank0.jsonl")
    with open(os.path.join(DATA, i, "megatron/tokens_per_expert/rank0.jsonl"), "rb") as f:
        put("fuzz_megatron", "tokens_per_expert_rank0.jsonl", f.read())
    copy("fuzz_response_dump", i + "responses/sglang_responses.jsonl",
         i + "responses/vllm_responses.jsonl")
    copy("fuzz_sglang_csv", i + "sglang_csv/expert_distribution_rank0_timestamp1700000100.csv")
    # Known problem: a few rows naming expert 1000000 over many layers.
    rows = "".join(f"{l},{1000000 if l == 0 else 0},1\n" for l in range(64))
    put("fuzz_sglang_csv", "expert_1000000.csv", "layer_id,expert_id,count\n" + rows)
    # A .npy whose element count fits 64 bits but whose byte count does not.
    header = "{'descr': '<i8', 'fortran_order': False, 'shape': (999999999999, 2000000, 1), }"
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"
    put("fuzz_npy", "shape_overflow.npy", b"\x93NUMPY\x01\x00" +
        struct.pack("<H", len(header)) + header.encode())


def torch_zip(name, pickle_bytes, storages=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        for key, data in storages:
            z.writestr("archive/data/" + key, data)
        z.writestr("archive/version", "3\n")
    put("fuzz_torch_file", name, buf.getvalue())


def pickles():
    # A list appended to itself through the memo: a cycle of shared references.
    torch_zip("cyclic_list.pt", b"\x80\x02]\x94h\x00a.")
    # A dict holding itself, one level down.
    torch_zip("cyclic_dict.pt", b"\x80\x02}\x94(X\x01\x00\x00\x00a]\x94h\x00au.")
    # A dict keyed by itself (Python never pickles a container as a key; fuzz_torch_file did).
    torch_zip("cyclic_key.pt", b"\x80\x02}\x94h\x00K\x01s.")
    torch_zip("huge_storage.pt", HUGE_STORAGE_PICKLE, [("0", b"")])


# {'x': tensor} whose storage claims 2^61 int64 elements (2^64 bytes, 0 when wrapped), written
# by Python's pickle with stand-ins for torch's globals.
HUGE_STORAGE_PICKLE = (
    b"\x80\x02}q\x00X\x01\x00\x00\x00xq\x01ctorch._utils\n_rebuild_tensor_v2\nq\x02((X\x07"
    b"\x00\x00\x00storageq\x03ctorch\nLongStorage\nq\x04X\x01\x00\x00\x000q\x05X\x03\x00\x00"
    b"\x00cpuq\x06\x8a\x08\x00\x00\x00\x00\x00\x00\x00 tq\x07QK\x00K\x04\x85q\x08K\x01\x85q\t"
    b"tq\nRq\x0bs.")


def traces():
    lines = "0\t0\t1 2\t3 4\n0\t1\t0 7\t5 6\n1\t0\t2 3\t1 0\n1\t1\t4 5\t6 7\n2\t5\t0 1\t2 3\n"
    put("fuzz_trace", "small.tsv", lines)
    put("fuzz_trace", "small.tsv.gz", gz(lines))
    # Known problems: a line of several MB with no newline (gzip keeps the seed small), and
    # trailing garbage after the gzip stream.
    put("fuzz_trace", "long_line.tsv.gz", gz(b"0\t0\t" + b"1 " * (3 << 20)))
    put("fuzz_trace", "trailing_garbage.tsv.gz", gz(lines, b"garbage after the stream\n"))
    put("fuzz_trace", "two_members.tsv.gz", gz(lines) + gz("3\t0\t1 2\t3 4\n"))
    put("fuzz_trace", "bad_fields.tsv", "0\t0\t1 1\t3 4\n0\t\t1 2\n0\t0\t99 2\t3 4\n")
    with open(os.path.join(ROOT, "data/traces/gpt-oss-20b/gptoss20b_decode_routing_subset.shape"),
              "rb") as f:
        put("fuzz_trace_shape", "gpt-oss-20b.shape", f.read())
    put("fuzz_trace_shape", "small.shape", "layers=2 experts=8 top_k=2\n")
    put("fuzz_trace_shape", "model_layers.shape",
        "# recorded with dense layers left out\nlayers=2 experts=8 top_k=2 model_layers=3,5\n")
    put("fuzz_trace_shape", "huge.shape", "layers=1048576 experts=1048576 top_k=1048576\n")


def csv_and_checkpoint():
    put("fuzz_loads_csv", "profile.csv", "layer,expert,tokens\n0,0,5\n0,1,7\n1,0,2\n1,1,9\n")
    put("fuzz_loads_csv", "steps.csv",
        "step,layer,expert,tokens\n0,0,0,5\n0,0,1,3\n1,0,0,4\n1,0,1,4\n")
    put("fuzz_loads_csv", "expert_1000000.csv", "layer,expert,tokens\n100000,1000000,1\n")
    put("fuzz_loads_csv", "overflow.csv",
        "layer,expert,tokens\n0,0,9223372036854775807\n0,0,9223372036854775807\n")

    def text(s):
        return struct.pack("<Q", len(s)) + s.encode()

    def floats(v):
        return struct.pack("<Q", len(v)) + struct.pack(f"<{len(v)}f", *v)

    head = b"MOEWBCKP" + struct.pack("<I", 1)
    head += text("vocab=16,context=8,width=8,blocks=1,heads=2,experts=4,top_k=2,ffn=8,"
                 "score=softmax,renormalize=1,capacity=0")
    head += text("all") + struct.pack("<qQq", 3, 12345, 3)
    body = struct.pack("<Q", 1) + text("embed") + floats([0.5] * 4) + floats([0] * 4)
    body += floats([1] * 4) + struct.pack("<Q", 1) + floats([0.25, 0.5])
    put("fuzz_checkpoint", "small.ckpt", head + body + b"MOEWBEND")
    # Known problem: length fields of 2^33 in a small file.
    put("fuzz_checkpoint", "length_2_33.ckpt", head + struct.pack("<Q", 1) + text("embed")[:0] +
        struct.pack("<Q", 1 << 33) + b"x" * 16)
    put("fuzz_checkpoint", "floats_2_33.ckpt", head + struct.pack("<Q", 1) + text("embed") +
        struct.pack("<Q", 1 << 33) + b"\0" * 16)


def specs():
    for i, s in enumerate([
            "synthetic:layers=2,experts=8,top_k=2,tokens=16,skew=2,drift=0.5,seed=3",
            "synthetic:burst_prob=0.1,burst_factor=3,burst_len=4,hidden=8,hidden_noise=0.5",
            "train:steps=3", "sw_avg:window=10", "ema:alpha=0.3", "last", "oracle",
            "arima:p=2,d=1,q=1,history=20", "lstm:hidden=4,window=4", "t2e_position",
            "t2e_ffn:hidden1=4,hidden2=4", "seq_history:window=4", "affinity:decay=0.5",
            "dist_only:profile_steps=10", "eplb:slots=40", "eplb:slots=12,groups=2,mode=global",
            "gps:max_copies=2,min_gap=1", "fastermoe:net_gbs=25,max_moves=4",
            "harmoeny:token_us=1,max_copies=2", "round_robin", "contiguous:max_moves=1",
            # Known problems.
            "sw_avg:window=1,window=2", "synthetic:skew=3,,drift=0.1", "synthetic:steps=-1",
            "eplb:slots=100000000", "t2e_ffn:hidden1=400000000"]):
        put("fuzz_spec_strings", f"spec_{i:02d}", s)


def store():
    copy("fuzz_store", "store/experiments_v1.sqlite")


if __name__ == "__main__":
    shutil.rmtree(OUT, ignore_errors=True)
    imports()
    pickles()
    traces()
    csv_and_checkpoint()
    specs()
    store()
