#!/usr/bin/env python3
"""The same MoE layers in PyTorch on the same GPU, as a user would otherwise run them.

Reads what bench_gpu_moe_layer wrote (layer_<name>.json: shape and our times; routing_<name>.i32:
the T x k expert ids from the trace) and times, in bf16 with the same routing:
  - loop:    the common per-expert loop (index the expert's tokens, w1|w3, SwiGLU, w2,
             index_add the weighted rows back);
  - grouped: torch.nn.functional.grouped_mm (or, in older releases, the private
             torch._grouped_mm) over tokens sorted by expert, where this torch has it;
and prints each against our device-resident layer (goal: ours faster than both).
Skips with a reason (exit 0) when torch or a CUDA device is missing.
Usage: torch_reference.py DIR [--iters N]
"""
import argparse
import glob
import json
import os
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--iters", type=int, default=20)
    args = ap.parse_args()
    try:
        import torch
    except ImportError as e:
        print(f"SKIPPED: PyTorch reference: torch is not installed ({e})")
        return 0
    if not torch.cuda.is_available():
        print("SKIPPED: PyTorch reference: torch sees no CUDA device")
        return 0
    layers = sorted(glob.glob(os.path.join(args.dir, "layer_*.json")))
    if not layers:
        print(f"SKIPPED: PyTorch reference: no layer_*.json in {args.dir} (run bench_gpu_moe_layer)")
        return 0
    dev = torch.device("cuda")
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}, bf16")
    print(f"{'layer':14} {'ours':>10} {'torch loop':>11} {'ratio':>7} {'torch grouped':>14} {'ratio':>7}")
    for path in layers:
        spec = json.load(open(path))
        T, H, F, E, k = (spec[x] for x in ("tokens", "hidden", "ffn", "experts", "top_k"))
        routing_path = os.path.join(args.dir, spec["routing_file"])
        if os.path.getsize(routing_path) != T * k * 4:
            print(f"{spec['name']}: {routing_path} holds {os.path.getsize(routing_path)} bytes, "
                  f"not T*k*4 = {T * k * 4}: skipped")
            continue
        ids = torch.from_file(routing_path, size=T * k, dtype=torch.int32).view(T, k).to(dev).long()
        g = torch.Generator(device=dev).manual_seed(42)
        bf = torch.bfloat16
        x = (torch.rand(T, H, device=dev, generator=g) - 0.5).mul_(3.46).to(bf)
        gate = (torch.rand(H, E, device=dev, generator=g) - 0.5).mul_(2 * (3 / H) ** 0.5).to(bf)
        w13 = (torch.rand(E, H, 2 * F, device=dev, generator=g) - 0.5).mul_(2 * (3 / H) ** 0.5).to(bf)
        w2 = (torch.rand(E, F, H, device=dev, generator=g) - 0.5).mul_(2 * (3 / F) ** 0.5).to(bf)

        def routing():
            logits = (x @ gate).float()
            scores = torch.softmax(logits, dim=-1)
            w = scores.gather(1, ids)  # forced routing: the trace's experts, the gate's weights
            return w / w.sum(dim=1, keepdim=True)

        def loop():
            w = routing()
            y = torch.zeros(T, H, device=dev, dtype=torch.float32)
            for e in range(E):
                tok, slot = (ids == e).nonzero(as_tuple=True)
                if tok.numel() == 0:
                    continue
                h = x[tok] @ w13[e]
                a = torch.nn.functional.silu(h[:, :F]) * h[:, F:]
                y.index_add_(0, tok, (a @ w2[e]).float() * w[tok, slot, None])
            return y.to(bf)

        grouped_mm, grouped_name = find_grouped_mm(torch)

        def grouped():
            w = routing()
            flat = ids.reshape(-1)
            order = torch.argsort(flat, stable=True)
            tok = order // k
            counts = torch.bincount(flat, minlength=E)
            offs = torch.cumsum(counts, 0).to(torch.int32)
            xs = x[tok]
            h = grouped_mm(xs, w13, offs=offs)
            a = torch.nn.functional.silu(h[:, :F]) * h[:, F:]
            ys = grouped_mm(a, w2, offs=offs)
            y = torch.zeros(T, H, device=dev, dtype=torch.float32)
            y.index_add_(0, tok, ys.float() * w.reshape(-1)[order, None])
            return y.to(bf)

        def timed(fn):
            for _ in range(3):
                fn()
            torch.cuda.synchronize()
            times = []
            for _ in range(args.iters):
                a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                a.record()
                fn()
                b.record()
                torch.cuda.synchronize()
                times.append(a.elapsed_time(b))
            times.sort()
            return times[len(times) // 2]

        ours = spec["layer_ms"]
        t_loop = timed(loop)
        grouped_text, grouped_ratio, grouped_why = "n/a", "", ""
        if grouped_mm is not None:
            try:
                t_grouped = timed(grouped)
                grouped_text, grouped_ratio = f"{t_grouped:11.3f} ms", f"{t_grouped / ours:7.2f}"
            except Exception as e:  # torch builds without the kernel for this GPU or dtype
                grouped_text = f"failed ({type(e).__name__})"
                grouped_why = f"  {grouped_name} failed: {str(e).splitlines()[0] if str(e) else e!r}"
        print(f"{spec['name']:14} {ours:7.3f} ms {t_loop:8.3f} ms {t_loop / ours:7.2f} "
              f"{grouped_text:>14} {grouped_ratio:>7}")
        if grouped_why:
            print(grouped_why)
    print(f"grouped: {grouped_name if grouped_mm is not None else 'not run: ' + grouped_name}")
    print("ratio = torch time / our time (above 1: ours is faster)")
    return 0


def find_grouped_mm(torch):
    """torch's grouped matrix product and its name, or (None, why it is missing)."""
    fn = getattr(torch.nn.functional, "grouped_mm", None)
    if fn is not None:
        return fn, "torch.nn.functional.grouped_mm"
    fn = getattr(torch, "_grouped_mm", None)
    if fn is not None:
        return fn, "torch._grouped_mm"
    return None, (f"torch {torch.__version__} has neither torch.nn.functional.grouped_mm nor "
                  "torch._grouped_mm")


if __name__ == "__main__":
    sys.exit(main())
