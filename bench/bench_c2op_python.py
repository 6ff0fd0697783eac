#!/usr/bin/env python3
"""The c2op Python package against NumPy (and PyTorch when installed).

For each size, from 16 elements to 1 GiB per tensor, it times
  numpy   numpy.negative(x, out=y)          (single-threaded ufunc)
  c2op    c2op.negative(x, out=y)           (the package default: one thread below
                                             64 MiB, the library's thread pool and
                                             streaming stores above)
  c2op 1 thread, c2op lib threads           (set_num_threads(1) / (0) around the
                                             call: one thread / the library's own
                                             choice at every size; from 256 KiB,
                                             "out" mode)
  torch   torch.neg(tx, out=ty)             (torch.set_num_threads(cpu count);
                                             tx, ty share x's and y's memory)
  c2op/torch  c2op.negative(tx, out=ty)     (c2op on torch tensors: DLPack)
in two modes:
  out     the output is preallocated and already touched: every candidate
          does the same work on the same buffers (the fair comparison);
  alloc   each call allocates its output (numpy.negative(x), c2op.negative(x),
          torch.neg(tx)): what a user's plain call costs, page faults included.
Each row is the median of interleaved repetitions (numpy, c2op, torch, ...
rotated every repetition, each after a 40 ms busy wait and one untimed
call so that no candidate runs while another's threads still spin), in seconds per call, and GB/s counting bytes read
plus written (2 x the tensor). Ratios are numpy's (or torch's) time over
c2op's, measured in the same run on the same buffers.

Python call overhead is reported separately: a call on 16 elements with a
preallocated out (what each library's Python entry costs with almost no
work), and an empty Python function call for scale.

Usage: bench_c2op_python.py [--quick] [--dtypes float32,...] [--sizes 64,1K,...]
                            [--modes out,alloc] [--json PATH] [--markdown PATH]
"""
import argparse
import json
import os
import platform
import sys

import bench_timing

import numpy as np

import c2op

try:
    import torch
except ImportError:  # PyTorch is optional: its columns are left out
    torch = None

FULL_SIZES = "64,256,1K,4K,16K,64K,256K,1M,4M,16M,64M,256M,1G"
QUICK_SIZES = "64,1K,16K,256K,4M,64M,256M"
BIG = 64 << 20  # "64 MiB and up": where the 1.3x target applies
# From here on (the library's default C2OP_PARALLEL_MIN_BYTES) "out" rows
# also time c2op on one thread (c2op.set_num_threads(1) around the call:
# two calls of about 0.1 us, nothing against a call of 20 us or more).
ONE_THREAD_FROM = 256 << 10


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    s = s.strip().upper()
    return int(s[:-1]) * mult[s[-1]] if s[-1] in mult else int(s)


def fmt_size(b):
    for unit, m in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= m and b % m == 0:
            return "%d %s" % (b // m, unit)
    return "%d B" % b


def measure(cands, reps, rep_secs):
    """cands: {name: fn}. Interleaved repetitions, each settled
    (bench_timing.py); {name: (median s, samples)}."""
    return bench_timing.measure(cands, reps, rep_secs, True, 1 / 4, 1 << 22)


def make_x(dtype, n):
    """x: a repeating ramp of both signs (never all zero), written in full."""
    with np.errstate(over="ignore", invalid="ignore"):
        pattern = (np.arange(4096, dtype=np.int64) - 2048).astype(dtype)
    return np.resize(pattern, n)


def c2op_one_thread(x, y):
    c2op.set_num_threads(1)
    c2op.negative(x, out=y)
    c2op.set_num_threads(None)  # back to the package default


def c2op_library_threads(x, y):
    c2op.set_num_threads(0)
    c2op.negative(x, out=y)
    c2op.set_num_threads(None)


def candidates(mode, x, y, tx, ty):
    c = {}
    if mode == "out":
        c["numpy"] = lambda: np.negative(x, out=y)
        c["c2op"] = lambda: c2op.negative(x, out=y)
        if x.nbytes >= ONE_THREAD_FROM:
            c["c2op 1 thread"] = lambda: c2op_one_thread(x, y)
            c["c2op lib threads"] = lambda: c2op_library_threads(x, y)
        if tx is not None:
            c["torch"] = lambda: torch.neg(tx, out=ty)
            c["c2op/torch"] = lambda: c2op.negative(tx, out=ty)
    else:
        c["numpy"] = lambda: np.negative(x)
        c["c2op"] = lambda: c2op.negative(x)
        if tx is not None:
            c["torch"] = lambda: torch.neg(tx)
            c["c2op/torch"] = lambda: c2op.negative(tx)
    return c


def overheads(reps):
    """Per-call cost with (almost) no work: 16 float32, out preallocated."""
    x = np.ones(16, np.float32)
    y = np.empty_like(x)

    def empty():
        return None

    c = {"python empty call": empty,
         "numpy.negative(x, out=y)": lambda: np.negative(x, out=y),
         "c2op.negative(x, out=y)": lambda: c2op.negative(x, out=y),
         "numpy.negative(x)": lambda: np.negative(x),
         "c2op.negative(x)": lambda: c2op.negative(x)}
    if torch is not None:
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        c["torch.neg(tx, out=ty)"] = lambda: torch.neg(tx, out=ty)
        c["c2op.negative(tx, out=ty)"] = lambda: c2op.negative(tx, out=ty)
        c["torch.neg(tx)"] = lambda: torch.neg(tx)
        c["c2op.negative(tx)"] = lambda: c2op.negative(tx)
    return {k: v[0] for k, v in measure(c, reps, 0.05).items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", default=None, help="bytes per tensor, e.g. 64,1K,1M,1G")
    ap.add_argument("--dtypes", default="float32")
    ap.add_argument("--modes", default="out,alloc")
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--markdown", default=None)
    args = ap.parse_args()
    sizes = [parse_size(s) for s in (args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES))
             .split(",")]
    reps = args.reps or (5 if args.quick else 7)
    rep_secs = 0.02 if args.quick else 0.05
    ncpu = os.cpu_count() or 1
    if torch is not None:
        torch.set_num_threads(ncpu)

    info = {
        "python": platform.python_version(), "numpy": np.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "c2op": c2op.build_info(), "cpus": ncpu,
        "C2OP_NUM_THREADS": os.environ.get("C2OP_NUM_THREADS"),
        "loadavg_start": os.getloadavg(), "machine": platform.machine(),
    }
    print("# c2op Python benchmark: python %s, numpy %s, torch %s, c2op %s (%s), %d cpus, "
          "load %.2f" % (info["python"], info["numpy"], info["torch"], info["c2op"]["version"],
                         info["c2op"]["cpu_isa"], ncpu, info["loadavg_start"][0]), flush=True)

    over = overheads(reps)
    print("# call overhead, 16 float32 (median ns):")
    for k, v in over.items():
        print("#   %-28s %7.0f" % (k, v * 1e9))

    rows = []
    for dtype in args.dtypes.split(","):
        dt = np.dtype(dtype)
        for nbytes in sizes:
            n = max(1, nbytes // dt.itemsize)
            x = make_x(dt, n)
            y = np.zeros_like(x)  # touched: no page faults in "out" mode
            tx = ty = None
            if torch is not None:
                tx, ty = torch.from_numpy(x), torch.from_numpy(y)
            want = -x[: min(n, 1 << 16)]
            for mode in args.modes.split(","):
                r_reps = reps if nbytes < (256 << 20) else max(3, reps - 2)
                secs = 0.25 if nbytes >= (256 << 20) else rep_secs
                res = measure(candidates(mode, x, y, tx, ty), r_reps, secs)
                if mode == "out":  # the outputs are right (a benchmark of wrong answers is worthless)
                    assert np.array_equal(y[: len(want)], want)
                row = {"dtype": dtype, "bytes": n * dt.itemsize, "mode": mode,
                       "seconds": {k: v[0] for k, v in res.items()},
                       "samples": {k: v[1] for k, v in res.items()}}
                row["gbps"] = {k: 2 * row["bytes"] / v / 1e9 for k, v in row["seconds"].items()}
                row["c2op_over_numpy"] = row["seconds"]["numpy"] / row["seconds"]["c2op"]
                if "torch" in row["seconds"]:
                    row["c2op_over_torch"] = row["seconds"]["torch"] / row["seconds"]["c2op"]
                rows.append(row)
                print("%-8s %-5s %9s  " % (dtype, mode, fmt_size(row["bytes"]))
                      + "  ".join("%s %.3g us (%.2f GB/s)" % (k, v * 1e6, row["gbps"][k])
                                  for k, v in row["seconds"].items())
                      + "  c2op/numpy %.2fx" % row["c2op_over_numpy"]
                      + ("  c2op/torch %.2fx" % row["c2op_over_torch"]
                         if "c2op_over_torch" in row else ""), flush=True)
            del x, y, tx, ty
    info["loadavg_end"] = os.getloadavg()

    verdicts = []
    for dtype in args.dtypes.split(","):
        for mode in args.modes.split(","):
            rr = [r for r in rows if r["dtype"] == dtype and r["mode"] == mode]
            if not rr:
                continue
            worst = min(rr, key=lambda r: r["c2op_over_numpy"])
            big = [r for r in rr if r["bytes"] >= BIG]
            worst_big = min(big, key=lambda r: r["c2op_over_numpy"]) if big else None
            v = {"dtype": dtype, "mode": mode,
                 "min_ratio": worst["c2op_over_numpy"], "min_ratio_at": worst["bytes"],
                 "every_size_ge_1": worst["c2op_over_numpy"] >= 1.0}
            if worst_big:
                v.update(min_ratio_big=worst_big["c2op_over_numpy"],
                         min_ratio_big_at=worst_big["bytes"],
                         big_ge_1_3=worst_big["c2op_over_numpy"] >= 1.3)
            verdicts.append(v)
            print("# %s %s: c2op/numpy min %.2fx (at %s): >= 1.0 at every size: %s%s" % (
                dtype, mode, v["min_ratio"], fmt_size(v["min_ratio_at"]),
                "MET" if v["every_size_ge_1"] else "NOT MET",
                ("; min %.2fx from 64 MiB up (at %s): >= 1.3: %s" % (
                    v["min_ratio_big"], fmt_size(v["min_ratio_big_at"]),
                    "MET" if v["big_ge_1_3"] else "NOT MET")) if worst_big else ""))
    print("# load average %.2f at start, %.2f at end" % (info["loadavg_start"][0],
                                                          info["loadavg_end"][0]))

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"info": info, "overhead_seconds": over, "rows": rows,
                       "verdicts": verdicts}, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(info, over, rows, verdicts))
    return 0


def markdown(info, over, rows, verdicts):
    out = []
    has_torch = any("torch" in r["seconds"] for r in rows)
    out.append("Python %s, NumPy %s, PyTorch %s, c2op %s (%s kernels), %d CPUs, "
               "load average %.2f -> %.2f.\n" % (
                   info["python"], info["numpy"], info["torch"] or "not installed",
                   info["c2op"]["version"], info["c2op"]["cpu_isa"], info["cpus"],
                   info["loadavg_start"][0], info["loadavg_end"][0]))
    out.append("Call overhead, 16 float32 (median ns per call):\n")
    out.append("| call | ns |\n|---|---|")
    for k, v in over.items():
        out.append("| `%s` | %.0f |" % (k, v * 1e9))
    out.append("")
    for mode in sorted({r["mode"] for r in rows}, key=lambda m: m != "out"):
        for dtype in sorted({r["dtype"] for r in rows}):
            rr = [r for r in rows if r["mode"] == mode and r["dtype"] == dtype]
            if not rr:
                continue
            title = ("out= preallocated" if mode == "out" else "allocating the output")
            out.append("%s, %s (median us per call, GB/s; ratios are time over c2op's):\n"
                       % (dtype, title))
            head = "| size | NumPy | c2op | c2op / NumPy |"
            sep = "|---|---|---|---|"
            one = mode == "out" and any("c2op 1 thread" in r["seconds"] for r in rr)
            if one:
                head += " c2op 1 thread | c2op library threads |"
                sep += "---|---|"
            if has_torch:
                head += " PyTorch | c2op on torch | c2op / PyTorch |"
                sep += "---|---|---|"
            out.append(head)
            out.append(sep)
            for r in rr:
                s, g = r["seconds"], r["gbps"]
                line = "| %s | %.3g (%.2f) | %.3g (%.2f) | **%.2f** |" % (
                    fmt_size(r["bytes"]), s["numpy"] * 1e6, g["numpy"], s["c2op"] * 1e6,
                    g["c2op"], r["c2op_over_numpy"])
                if one:
                    if "c2op 1 thread" in s:
                        line += " %.3g (%.2f) | %.3g (%.2f) |" % (
                            s["c2op 1 thread"] * 1e6, g["c2op 1 thread"],
                            s["c2op lib threads"] * 1e6, g["c2op lib threads"])
                    else:
                        line += " | |"
                if has_torch and "torch" in s:
                    line += " %.3g (%.2f) | %.3g (%.2f) | %.2f |" % (
                        s["torch"] * 1e6, g["torch"], s["c2op/torch"] * 1e6, g["c2op/torch"],
                        r["c2op_over_torch"])
                out.append(line)
            out.append("")
    out.append("Verdicts (c2op over NumPy):\n")
    for v in verdicts:
        line = "- %s, %s: lowest %.2fx (at %s): at least 1.0x at every size: %s" % (
            v["dtype"], v["mode"], v["min_ratio"], fmt_size(v["min_ratio_at"]),
            "met" if v["every_size_ge_1"] else "NOT met")
        if "min_ratio_big" in v:
            line += "; lowest from 64 MiB up %.2fx (at %s): at least 1.3x: %s" % (
                v["min_ratio_big"], fmt_size(v["min_ratio_big_at"]),
                "met" if v["big_ge_1_3"] else "NOT met")
        out.append(line)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
