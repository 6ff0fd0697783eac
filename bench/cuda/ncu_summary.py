#!/usr/bin/env python3
"""Per-kernel durations from an ncu text report of bench/cuda/ncu_pair.py,
as medians per size and implementation:

    python3 bench/cuda/ncu_summary.py NCU.txt [--sizes A,B,...] [--reps N]

The plan (sizes, pairs per size, which kernel runs first in a pair) comes
from the "ncu_pair plan:" line that ncu_pair.py prints into the same
output, or from --sizes/--reps/--order for a report without one. Kernels
are matched to the plan in launch order: for each size, REPS pairs of
torch.neg and c2op in the plan's order. The first pair of each size is
left out (cold caches). Prints one row per size: torch's and c2op's median
gpu__time_duration, torch / c2op (above 1: c2op is faster), and, pair by
pair, in how many c2op was faster, as fast and slower, with the median
and the mean of c2op - torch in ns, the mean with twice its standard error
(ncu reports durations in steps of about 32 ns, so medians of two kernels
2-2.5 us long often tie, and the counts and the mean tell more). Exits 1
when the report's kernels do not fit the plan.
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
    ap.add_argument("--order", choices=["torch,c2op", "c2op,torch"])
    args = ap.parse_args(argv)
    text = open(args.report, encoding="utf-8", errors="replace").read()
    plan = re.search(r"ncu_pair plan: sizes=([\d,]+) reps=(\d+)(?: order=(\S+))?", text)
    sizes = args.sizes or (plan.group(1) if plan else None)
    reps = args.reps or (int(plan.group(2)) if plan else None)
    order = args.order or (plan.group(3) if plan and plan.group(3) else "torch,c2op")
    if order not in ("torch,c2op", "c2op,torch"):
        sys.exit(f"ncu_summary: unknown order {order!r} in the plan")
    first, second = order.split(",")
    if not sizes or not reps:
        sys.exit("ncu_summary: no plan in the report; give --sizes and --reps")
    sizes = [int(s) for s in sizes.split(",")]
    ks = kernels(text)
    if len(ks) != len(sizes) * reps * 2:
        print(f"ncu_summary: {len(ks)} kernels in the report, the plan needs "
              f"{len(sizes) * reps * 2}", file=sys.stderr)
        return 1
    print(f"{'bytes':>12} {'torch us':>10} {'c2op us':>10} {'torch/c2op':>11}   "
          f"{'c2op faster/same/slower':>23} {'c2op-torch ns: median':>21} {'mean':>8}   "
          f"(medians of {max(reps - 1, 1)} pairs, {first} first)")
    i = 0
    for nbytes in sizes:
        t, c = [], []
        for r in range(reps):
            (ia, a), (ib, b) = ks[i], ks[i + 1]
            i += 2
            if (ia, ib) != (first, second):
                print(f"ncu_summary: expected {first} then {second} at kernel {i - 2}, "
                      f"got {ia}, {ib}", file=sys.stderr)
                return 1
            if r > 0 or reps == 1:
                t.append(a if first == "torch" else b)
                c.append(b if first == "torch" else a)
        mt, mc = statistics.median(t), statistics.median(c)
        # Differences rounded to the nanosecond: a reading converted from
        # another unit (ncu switches between ns and us) is not always the
        # same float as the one it equals.
        d = [round((cc - tt) * 1e9) for tt, cc in zip(t, c)]
        counts = f"{sum(x < 0 for x in d)}/{sum(x == 0 for x in d)}/{sum(x > 0 for x in d)}"
        mean = f"{statistics.mean(d):+.0f}"
        if len(d) > 1:
            mean += f"+-{2 * statistics.stdev(d) / len(d) ** 0.5:.0f}"
        print(f"{nbytes:>12} {mt * 1e6:>10.3f} {mc * 1e6:>10.3f} {mt / mc:>10.3f}x   "
              f"{counts:>23} {statistics.median(d):>21.0f} {mean:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
