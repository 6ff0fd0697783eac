#!/usr/bin/env python3
"""Checks bench/bench_stats.py (the paired statistics that judge the
benchmark's targets), bench/confirm.py's choice of rows to rerun, and
bench/report.py's verdicts after the reruns, on made-up rows whose answers
are worked out here by hand."""
import os
import sys
from math import comb

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
import bench_stats as bs  # noqa: E402
import confirm  # noqa: E402
import report  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def row(dtype="float32", size=1024, mode="out", layout="contiguous", threads=1, **cands):
    r = {"dtype": dtype, "nominal_bytes": size, "bytes": size, "mode": mode, "layout": layout,
         "threads": threads}
    for name, samples in cands.items():
        m = bs.median(samples)
        r[name] = {"samples_s": list(samples), "median_s": m,
                   "gbps": 2.0 * size / m / 1e9 if m else 0.0}
    return r


# sign_p: exact binomial tails
check(bs.sign_p(7, 7) == 1 / 128, "sign_p(7, 7) is 1/128")
check(bs.sign_p(0, 5) == 1.0, "sign_p(0, n) is 1")
check(abs(bs.sign_p(15, 18) - sum(comb(18, i) for i in range(15, 19)) / 2 ** 18) < 1e-15,
      "sign_p(15, 18) is the binomial tail")
check(bs.sign_p(13, 16) > 0.01 > bs.sign_p(14, 16), "p < 0.01 from 14 of 16 rounds")

# sign_test: both ways, ties left out
r = row(c2op=[1.0] * 8 + [2.0, 2.0], ref=[1.0] * 8 + [1.0, 1.0])
check(bs.sign_test(r, "ref") == (0.25, 1.0), "sign_test on 2 differing rounds of 10: %s"
      % (bs.sign_test(r, "ref"),))
r = row(c2op=[1.0] * 7, ref=[1.1] * 7)
check(bs.sign_test(r, "ref") == (1.0, 1 / 128), "sign_test: faster in 7 of 7")

# median
check(bs.median([3, 1, 2]) == 2 and bs.median([4, 1, 2, 3]) == 2.5, "median, odd and even")

# paired_speed: the median of per-round ratios, not the ratio of medians.
# The host's speed moves from round to round; c2op is 10% faster in three
# rounds and 10% slower in two, while the ratio of the medians says 0.9.
r = row(c2op=[1.0, 2.0, 3.0, 4.0, 5.0], xnnpack=[1.1, 2.2, 2.7, 3.6, 5.5])
check(abs(bs.paired_speed(r, "xnnpack") - 1.1) < 1e-12, "paired_speed is the per-round median")
check(abs(r["xnnpack"]["median_s"] / r["c2op"]["median_s"] - 0.9) < 1e-12, "(medians: 0.9)")
check(bs.slower_rounds(r, "xnnpack") == (2, 5), "slower_rounds counts the two slower rounds")
check(bs.paired_speed(row(c2op=[1, 2], ref=[1]), "ref") is None, "no pairs: no ratio")
check(bs.paired_speed(row(c2op=[0.0], ref=[1.0]), "ref") is None, "a zero time: no ratio")
r = row(c2op=[1.0, 1.2, 1.0], ref=[1.1, 1.0, 1.1])
check(bs.slower_rounds(r, "ref") == (1, 3), "slower_rounds counts the one slower round")

# pooled: samples appended in step, candidates missing from a rerun dropped
a = row(c2op=[1, 2], torch=[3, 4], numpy=[5, 6])
b = row(c2op=[7, 8, 9], torch=[10, 11, 12])
p = bs.pooled(a, b)
check(p["c2op"]["samples_s"] == [1, 2, 7, 8, 9] and p["torch"]["samples_s"] == [3, 4, 10, 11, 12],
      "pooled appends each candidate's samples")
check("numpy" not in p and p["dtype"] == "float32", "pooled drops a candidate a rerun lacks")

# with_reruns: a full-run row pooled with its reruns that have the candidate
a = row(c2op=[1, 2], torch=[3, 4])
idx = bs.reruns_by_key({"rows": [row(c2op=[5], torch=[6]), row(c2op=[7], numpy=[8]),
                                 row(size=2048, c2op=[9], torch=[10])]})
check(bs.with_reruns(a, idx, "torch")["torch"]["samples_s"] == [3, 4, 6],
      "with_reruns pools the same row's rerun that has the candidate")
check(bs.with_reruns(a, idx, "xnnpack") is a, "with_reruns: no rerun with it, the row itself")
check(bs.reruns_by_key(None) == {}, "no reruns file: no reruns")

# cache levels and the targets of a row
check([bs.cache_level(s) for s in (1024, 16384, 65536, 262144, 1 << 20, 4 << 20, 16 << 20)] ==
      ["L1", "L1", "L2", "L2", "L3", "L3", None], "cache levels by x and y together")
t = bs.row_targets(row(size=1024, c2op=[1], memcpy=[1], xnnpack=[1], numpy=[1], torch=[1]))
check(t == ["L1", "xnnpack", "numpy", "torch"], "a 1 KiB float32 row's targets: %s" % t)
t = bs.row_targets(row(size=256 << 20, c2op=[1], memcpy=[1]))
check(t == ["big"], "a 256 MiB row without peers: only the memcpy target: %s" % t)
t = bs.row_targets(row(dtype="int8", mode="inplace", c2op=[1], ref=[1], numpy=[1]))
check(t == ["numpy", "inplace"], "an int8 in-place row: %s" % t)
t = bs.row_targets(row(dtype="int8", c2op=[1], ref=[1]))
check(t == ["width"], "an int8 out-of-place row: %s" % t)
t = bs.row_targets(row(layout="transposed", threads=2, c2op=[1], ref=[1], xnnpack=[1]))
check(t == ["xnnpack", "transposed"], "a transposed row on 2 threads: %s" % t)

# confirm.selected: below a bar, or within the margin above it, by either figure
rows = [
    row(size=1 << 20, c2op=[1.0] * 5, xnnpack=[1.02] * 5),           # 1.02 < 1.05: rerun
    row(size=4 << 20, c2op=[1.0] * 5, xnnpack=[1.10] * 5),           # 1.10: not
    row(size=16 << 20, c2op=[1.0] * 5, xnnpack=[0.95] * 5),          # below: rerun
    row(size=64 << 20, dtype="int8", c2op=[1.0] * 5, ref=[0.93] * 5),  # width 0.93 < 0.945
]
got = [(r["nominal_bytes"], w) for r, w in confirm.selected(rows, 0.05)]
check(got == [(1 << 20, ["xnnpack"]), (16 << 20, ["xnnpack"]), (64 << 20, ["width"])],
      "selected rows: %s" % got)
check(confirm.selected(rows, 0.0) == [(rows[2], ["xnnpack"])], "margin 0: only the row below")

# report.confirmed: a row below in the full run that the reruns clear, one
# below in every round of both, and a tie below the bar
full = [
    row(size=1 << 20, c2op=[1.0] * 7, xnnpack=[0.9] * 7),
    row(size=4 << 20, c2op=[1.0] * 7, xnnpack=[0.9] * 7),
    row(size=16 << 20, c2op=[1.0] * 7, xnnpack=[0.98, 1.02] * 3 + [0.99]),
]
reruns = {"reps": 11, "rows": [
    row(size=1 << 20, c2op=[1.0] * 11, xnnpack=[1.2] * 11),
    row(size=4 << 20, c2op=[1.0] * 11, xnnpack=[0.95] * 11),
    row(size=16 << 20, c2op=[1.0] * 11, xnnpack=[0.98, 1.02] * 5 + [0.99]),
]}
d = report.Data({"rows": full}, None)
v = {name: (verdict, fig) for name, verdict, fig in report.confirmed(d, reruns)}
x = v[bs.TARGET["xnnpack"][1]]
check(x[0] == "not met: 2 below, 1 significantly", "XNNPACK verdict after reruns: %s" % x[0])
check("4 MiB out contiguous 1 thr 0.950x (18/18" in x[1], "the row slower in all 18 rounds")
check("16 MiB out contiguous 1 thr 0.990x (10/18" in x[1], "the tie: 10 of 18 rounds slower")
check("1 MiB" not in x[1].split("below")[1], "the row the reruns cleared is not below")
d = report.Data({"rows": [row(size=1 << 20, c2op=[1.0] * 7, xnnpack=[1.1] * 7)]}, None)
v = {name: verdict for name, verdict, _ in report.confirmed(d, {"reps": 11, "rows": []})}
check(v[bs.TARGET["xnnpack"][1]] == "**met**", "met when no row is below")

# report.calibration: significant each way, against a peer and against itself
full = [
    row(size=4096, layout="transposed", c2op=[1.0] * 7, ref=[0.9] * 7),     # slower 7/7
    row(size=1024, layout="transposed", c2op=[1.0] * 7, ref=[0.9] * 7),     # 1 KiB: left out
    row(size=1 << 20, layout="transposed", c2op=[1.0] * 7, ref=[1.0] * 7),  # ties: neither
    row(size=1 << 20, c2op=[1.0] * 7, xnnpack=[1.1] * 7),                   # faster 7/7
    row(size=4 << 20, c2op=[1.0] * 7, xnnpack=[0.9, 1.1] * 3 + [0.9]),      # 4 of 7: neither
]
cal = {c[0]: c[1:] for c in report.calibration(report.Data({"rows": full}, None),
                                               {"reps": 11, "rows": []})}
itself = [v for k, v in cal.items() if k.startswith("c2op against itself")]
check(itself == [["2", "1", "0"]], "against itself from 4 KiB: 2 rows, 1 slower: %s" % itself)
check(cal.get("XNNPACK") == ["2", "0", "1"], "XNNPACK: 2 rows, 1 faster: %s" % cal.get("XNNPACK"))
check("NumPy's inner loop" not in cal, "no NumPy row, no NumPy line")

if failures:
    print("%d checks failed" % len(failures))
    sys.exit(1)
print("bench statistics: all checks passed")
