#!/usr/bin/env python3
"""Per-kernel durations from an ncu text report of bench/cuda/ncu_pair.py,
as medians per size and implementation:

    python3 bench/cuda/ncu_summary.py NCU.txt [--sizes A,B,...] [--reps N]

The plan (sizes, pairs per size) comes from the "ncu_pair plan:" line that
ncu_pair.py prints into the same output, or from --sizes/--reps for a
report without one. Kernels are matched to the plan in launch order: for
each size, REPS pairs of torch.neg then c2op. The first pair of each size
is left out of the medians (cold caches). Prints one row per size:
torch's and c2op's median gpu__time_duration, and torch / c2op (above 1:
c2op is faster). Exits 1 when the report's kernels do not fit the plan.
"""
import argparse
import re
import statistics
import sys

UNITS = {"ns": 1e-9, "nsecond": 1e-9, "us": 1e-6, "usecond": 1e-6, "ms": 1e-3,
         "msecond": 1e-3, "s": 1.0, "second": 1.0}


def kernels(text):
    """(implementation, seconds) per profiled kernel, in report order."""
    out, impl = [], None
    for line in text.splitlines():
        if re.search(r"neg_kernel|vectorized_elementwise_kernel", line) and "(" in line:
            impl = "torch"
        elif "kernel_entry" in line and "(" in line:
            impl = "c2op"
        m = re.match(r"\s*gpu__time_duration\.sum\s+(\S+)\s+([\d.,]+)\s*$", line)
        if m and impl:
            unit = UNITS.get(m.group(1))
            if unit is None:
                raise ValueError(f"unknown unit {m.group(1)!r} in: {line.strip()}")
            out.append((impl, float(m.group(2).replace(",", "")) * unit))
            impl = None
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report")
    ap.add_argument("--sizes")
    ap.add_argument("--reps", type=int)
    args = ap.parse_args(argv)
    text = open(args.report, encoding="utf-8", errors="replace").read()
    plan = re.search(r"ncu_pair plan: sizes=([\d,]+) reps=(\d+)", text)
    sizes = args.sizes or (plan.group(1) if plan else None)
    reps = args.reps or (int(plan.group(2)) if plan else None)
    if not sizes or not reps:
        sys.exit("ncu_summary: no plan in the report; give --sizes and --reps")
    sizes = [int(s) for s in sizes.split(",")]
    ks = kernels(text)
    if len(ks) != len(sizes) * reps * 2:
        print(f"ncu_summary: {len(ks)} kernels in the report, the plan needs "
              f"{len(sizes) * reps * 2}", file=sys.stderr)
        return 1
    print(f"{'bytes':>12} {'torch us':>10} {'c2op us':>10} {'torch/c2op':>11}   "
          f"(medians of {max(reps - 1, 1)} pairs)")
    i = 0
    for nbytes in sizes:
        t, c = [], []
        for r in range(reps):
            (ia, a), (ib, b) = ks[i], ks[i + 1]
            i += 2
            if (ia, ib) != ("torch", "c2op"):
                print(f"ncu_summary: expected torch then c2op at kernel {i - 2}, got {ia}, {ib}",
                      file=sys.stderr)
                return 1
            if r > 0 or reps == 1:
                t.append(a)
                c.append(b)
        mt, mc = statistics.median(t), statistics.median(c)
        print(f"{nbytes:>12} {mt * 1e6:>10.3f} {mc * 1e6:>10.3f} {mt / mc:>10.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
