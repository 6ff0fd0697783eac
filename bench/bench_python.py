#!/usr/bin/env python3
"""NumPy's numpy.negative and PyTorch's torch.neg on the sizes c2op-bench uses.

Rows match bench/c2op_bench.c: dtype, bytes per tensor, out of place or in
place, layout (contiguous; padded: a [rows, 1000] slice of [rows, 1024];
transposed: both x and y transposed views), threads (NumPy is single
threaded; PyTorch runs with torch.set_num_threads(1) and (N)). Outputs are
preallocated (out=). Each row reports the median of interleaved repetitions
(NumPy, PyTorch, NumPy, ...), in GB/s counting bytes read plus written.

Python's own call overhead is measured separately (a call on 16 float32
elements) and reported; `gbps_c` subtracts it from each call's time, which
estimates the library's C code alone (what c2op-bench measures for c2op);
it is left out where the overhead is more than half of the call.

Usage: bench_python.py [--quick] [--json PATH] [--sizes 1K,1M,...]
                       [--dtypes float32,...] [--threads 1,N]
"""
import argparse
import json
import os
import platform
import sys

import bench_timing

DTYPES = ["int8", "float16", "float32", "float64", "complex128"]
FULL_SIZES = "1K,4K,16K,64K,256K,1M,4M,16M,64M,256M,1G"
QUICK_SIZES = "1K,16K,256K,4M,64M,256M"
PAD_COLS, PAD_PITCH = 1000, 1024


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(s[:-1]) * mult[s[-1].upper()] if s[-1].upper() in mult else int(s)


def measure(cands, reps, rep_secs, threaded=False):
    """cands: {name: fn}. Interleaved repetitions (settled when threaded:
    bench_timing.py); {name: (median s, samples)}."""
    return bench_timing.measure(cands, reps, rep_secs, threaded, 1 / 8, 1 << 24)


def make_arrays(np, dtype, nbytes, layout, inplace):
    """x and y (numpy arrays, y is x in place) and the logical byte count."""
    itemsize = np.dtype(dtype).itemsize
    n = nbytes // itemsize
    rng = np.random.default_rng(1)
    if layout == "padded":
        cols = min(n, PAD_COLS)
        rows = n // cols
        pitch = PAD_PITCH if cols == PAD_COLS else cols + 24
        base = rng.integers(0, 255, size=rows * pitch * itemsize, dtype=np.uint8)
        x = base.view(dtype).reshape(rows, pitch)[:, :cols]
        y = x if inplace else np.empty((rows, cols), dtype=dtype)
        return x, y, rows * cols * itemsize
    if layout == "transposed":
        cols = 1
        while cols * cols < n:
            cols *= 2
        rows = max(1, n // cols)
        base = rng.integers(0, 255, size=rows * cols * itemsize, dtype=np.uint8)
        x = base.view(dtype).reshape(rows, cols).T
        y = x if inplace else np.empty((rows, cols), dtype=dtype).T
        return x, y, rows * cols * itemsize
    base = rng.integers(0, 255, size=n * itemsize, dtype=np.uint8)
    x = base.view(dtype)
    y = x if inplace else np.empty(n, dtype=dtype)
    return x, y, n * itemsize


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--sizes")
    ap.add_argument("--dtypes")
    ap.add_argument("--threads")
    ap.add_argument("--reps", type=int)
    args = ap.parse_args()

    try:
        import numpy as np
    except ImportError:
        print("bench_python: NumPy is not installed; nothing to measure", file=sys.stderr)
        return 0
    try:
        import torch
    except ImportError:
        torch = None
        print("bench_python: PyTorch is not installed; its column is left out", file=sys.stderr)

    ncpu = os.cpu_count() or 1
    sizes = [parse_size(s) for s in (args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)).split(",")]
    dtypes = (args.dtypes or ("int8,float32,complex128" if args.quick else ",".join(DTYPES))).split(",")
    threads = [ncpu if t == "N" else int(t) for t in (args.threads or ("1,N" if ncpu > 1 else "1")).split(",")]
    reps = args.reps or (5 if args.quick else 7)
    rep_secs = 0.004 if args.quick else 0.010

    # Call overhead: 16 float32 elements.
    x16 = np.arange(16, dtype=np.float32)
    y16 = np.empty_like(x16)
    over = {"numpy": lambda: np.negative(x16, out=y16)}
    if torch is not None:
        torch.set_num_threads(1)
        tx16, ty16 = torch.from_numpy(x16), torch.from_numpy(y16)
        over["torch"] = lambda: torch.neg(tx16, out=ty16)
    ov = {k: v[0] for k, v in measure(over, 9, rep_secs).items()}
    print("python call overhead, 16 float32 elements (median ns per call): "
          + ", ".join("%s %.0f" % (k, v * 1e9) for k, v in ov.items()))

    out = {"tool": "bench_python", "numpy": np.__version__,
           "torch": torch.__version__ if torch is not None else None,
           "python": platform.python_version(), "cpus": ncpu, "reps": reps,
           "quick": args.quick, "overhead_16_f32_ns": {k: v * 1e9 for k, v in ov.items()},
           "rows": []}
    print("%-10s %9s %-7s %-10s %3s | %9s %9s | %9s %9s" % (
        "dtype", "bytes", "mode", "layout", "thr", "numpy", "torch", "numpy C", "torch C"))
    for layout in ("contiguous", "padded", "transposed"):
        for dname in dtypes:
            if layout != "contiguous" and dname != "float32":
                continue
            for th in threads:
                for mode in ("out", "inplace"):
                    for nominal in sizes:
                        row = run_row(np, torch, dname, nominal, layout, mode, th, reps,
                                      rep_secs, ov)
                        if row:
                            out["rows"].append(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


def run_row(np, torch, dname, nominal, layout, mode, th, reps, rep_secs, ov):
    dtype = getattr(np, dname)
    x, y, nbytes = make_arrays(np, dtype, nominal, layout, mode == "inplace")
    if nbytes == 0:
        return None
    cands = {}
    if th == 1:
        cands["numpy"] = lambda: np.negative(x, out=y)
    if torch is not None:
        tx = torch.from_numpy(x) if x.strides[-1] >= 0 else None
        ty = tx if mode == "inplace" else torch.from_numpy(y)
        torch.set_num_threads(th)
        cands["torch"] = lambda: torch.neg(tx, out=ty)
    if not cands:
        return None
    res = measure(cands, 5 if nbytes >= (256 << 20) else reps, rep_secs, threaded=th > 1)
    row = {"dtype": dname, "bytes": nbytes, "nominal_bytes": nominal, "mode": mode,
           "layout": layout, "threads": th}
    cols = []
    for k in ("numpy", "torch"):
        if k not in res:
            cols.append(None)
            continue
        t, samples = res[k]
        c_t = t - ov.get(k, 0.0)
        # The C-only estimate only where the overhead is under half the call.
        row[k] = {"median_s": t, "gbps": 2 * nbytes / t / 1e9,
                  "gbps_c": 2 * nbytes / c_t / 1e9 if c_t > 0.5 * t else None,
                  "samples_s": samples}
        cols.append(row[k])
    fmt = lambda c, key: "%9.2f" % c[key] if c and c.get(key) else "%9s" % "-"
    print("%-10s %9s %-7s %-10s %3d | %s %s | %s %s" % (
        dname, human(nominal), mode, layout, th, fmt(cols[0], "gbps"), fmt(cols[1], "gbps"),
        fmt(cols[0], "gbps_c"), fmt(cols[1], "gbps_c")))
    sys.stdout.flush()
    return row


def human(b):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if b >= (1 << shift) and b % (1 << shift) == 0:
            return "%d%s" % (b >> shift, unit)
    return str(b)


if __name__ == "__main__":
    sys.exit(main())
