#!/usr/bin/env python3
"""Measures again, with more rounds, every c2op-bench row that fell below a
target of issue 4 or came near it, and writes the new rows as JSON.

Usage: confirm.py --c2op c2op.json --bench PATH/c2op-bench --json OUT.json
                  [--reps 11] [--margin 0.05] [--limit N]

(After a --quick full run the reruns are quick too, with 5 rounds.)

A row of c2op-bench's full run has 7 rounds (5 from 256 MiB on), and on the
development VM a row's figure moves by 10-20% from one run to the next (the
host's other guests). So a full run puts some rows below a bar by chance,
and leaves others above it by chance. This script takes every row whose
c2op ratio, against the candidate a target compares it with, is below that
target's bar times (1 + margin), by either figure (the ratio of medians, or
the median of per-round ratios: bench/bench_stats.py), reruns each alone in
a new c2op-bench process with --reps rounds, and writes those rows.
Rows just above a bar are rerun too, so that the reruns can find a loss the
full run missed, as well as clear one it made up. report.py --confirm then
judges those targets on the full run's rounds and the reruns' together.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_stats as bs  # noqa: E402


def ratio_of_medians(r, other):
    c, o = r["c2op"].get("median_s"), r[other].get("median_s")
    return o / c if c and o else None


def selected(rows, margin):
    """[(row, [target ids it is rerun for])] for the rows near or below a bar."""
    out = []
    for r in rows:
        why = []
        for t in bs.row_targets(r):
            other, bar = bs.TARGET[t][2], bs.TARGET[t][3]
            figs = [v for v in (ratio_of_medians(r, other), bs.paired_speed(r, other))
                    if v is not None]
            if figs and min(figs) < bar * (1 + margin):
                why.append(t)
        if why:
            out.append((r, why))
    return out


def rerun(bench, r, reps, quick):
    dt, size, mode, layout, threads = bs.key(r)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "row.json")
        cmd = [bench, "--sizes", str(size), "--dtypes", dt, "--layouts", layout, "--modes", mode,
               "--threads", str(threads), "--reps", str(reps), "--json", path]
        if quick:
            cmd.append("--quick")  # (shorter rounds, as in the full run)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s" % (" ".join(cmd), p.returncode, p.stdout))
        with open(path) as f:
            got = [x for x in json.load(f)["rows"] if bs.key(x) == bs.key(r)]
    if len(got) != 1:
        raise RuntimeError("%s: expected one row %s, got %d" % (bench, bs.key(r), len(got)))
    lost = [c for c in ("xnnpack", "numpy", "torch") if bs.has(r, c) and not bs.has(got[0], c)]
    if lost:
        # (c2op-bench's NumPy peer embeds the system Python: run from another
        # Python's environment, a pyenv one say, it may not import numpy)
        said = [x for x in p.stdout.splitlines() if x.startswith("c2op-bench:")]
        raise RuntimeError("the rerun of %s lacks %s, which the full run had:\n%s\n(run this "
                           "script with the Python `make bench` uses: BENCH_PYTHON)" % (
                               bs.key(r), ", ".join(lost), "\n".join(said)))
    return got[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--c2op", required=True, help="c2op-bench's JSON of the full run")
    ap.add_argument("--bench", required=True, help="the c2op-bench that made it")
    ap.add_argument("--json", required=True, help="where the reruns go")
    ap.add_argument("--reps", type=int, default=0,
                    help="rounds a rerun (default 11; 5 after a --quick run)")
    ap.add_argument("--margin", type=float, default=0.05)
    ap.add_argument("--limit", type=int, default=0, help="rerun at most this many rows (0: all)")
    a = ap.parse_args()
    with open(a.c2op) as f:
        full = json.load(f)
    quick = bool(full.get("quick"))
    if a.reps <= 0:
        a.reps = 5 if quick else 11
    todo = selected(full["rows"], a.margin)
    if a.limit:
        todo = todo[:a.limit]
    print("confirm: %d of %d rows near or below a target's bar (margin %.0f%%), %d rounds each"
          % (len(todo), len(full["rows"]), 100 * a.margin, a.reps))
    out = {"reps": a.reps, "margin": a.margin, "of": a.c2op, "rows": []}
    t0 = time.time()
    for i, (r, why) in enumerate(todo):
        got = rerun(a.bench, r, a.reps, quick)
        got["rerun_for"] = why
        out["rows"].append(got)
        figs = ", ".join("%s %.3f" % (t, bs.paired_speed(got, bs.TARGET[t][2]))
                         for t in why if bs.has(got, bs.TARGET[t][2]))
        print("confirm: [%d/%d] %s %s %s %s %d thr: %s" % (
            i + 1, len(todo), r["dtype"], r["nominal_bytes"], r["mode"], r["layout"],
            r["threads"], figs), flush=True)
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)
    print("confirm: %d rows in %.0f s -> %s" % (len(out["rows"]), time.time() - t0, a.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
