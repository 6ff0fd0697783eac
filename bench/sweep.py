#!/usr/bin/env python3
"""The measurements behind c2op's CPU thresholds: runs bench/c2op-bench
(c2op alone, float32, contiguous) under different settings and prints c2op's
median GB/s side by side, with the best repetition in parentheses (the best
is what the machine can do when nothing else runs; the median what it did).

  parallel:  C2OP_PARALLEL_MIN_BYTES=0, 1 thread against N threads
  streaming: C2OP_STREAMING_BYTES=0 (always stream) against never, per
             thread count

Usage: sweep.py BENCH_BINARY [--reps N] [--json OUT]
"""
import json
import os
import subprocess
import sys
import tempfile

SIZES = "64K,128K,256K,512K,1M,2M,4M,8M,16M,64M,256M"


def run(bench, env_extra, threads, reps):
    env = dict(os.environ, **env_extra)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    subprocess.run([bench, "--only-c2op", "--sizes", SIZES, "--dtypes", "float32", "--layouts",
                    "contiguous", "--threads", threads, "--reps", str(reps), "--json", path],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    with open(path) as f:
        data = json.load(f)
    os.unlink(path)
    out = {}
    for r in data["rows"]:
        c = r["c2op"]
        best = 2 * r["bytes"] / min(c["samples_s"]) / 1e9
        out[(r["nominal_bytes"], r["mode"], r["threads"])] = (c["gbps"], best)
    return out


def human(b):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if b >= (1 << shift) and b % (1 << shift) == 0:
            return "%d %siB" % (b >> shift, unit)
    return "%d B" % b


def cell(v):
    return "%.1f (%.1f)" % v if v else "-"


def main():
    bench = sys.argv[1]
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 7
    n = os.cpu_count() or 1
    par = run(bench, {"C2OP_PARALLEL_MIN_BYTES": "0"}, "1,%d" % n, reps)
    on = run(bench, {"C2OP_STREAMING_BYTES": "0", "C2OP_PARALLEL_MIN_BYTES": "0"}, "1,%d" % n, reps)
    off = run(bench, {"C2OP_STREAMING_BYTES": str(1 << 62), "C2OP_PARALLEL_MIN_BYTES": "0"},
              "1,%d" % n, reps)
    sizes = sorted({k[0] for k in par})
    print("### Parallel threshold: c2op float32 GB/s, median (best), every pass parallel\n")
    print("| size | out, 1 thr | out, %d thr | in place, 1 thr | in place, %d thr |" % (n, n))
    print("|---|---|---|---|---|")
    for s in sizes:
        print("| %s | %s | %s | %s | %s |" % (human(s), cell(par.get((s, "out", 1))),
                                             cell(par.get((s, "out", n))),
                                             cell(par.get((s, "inplace", 1))),
                                             cell(par.get((s, "inplace", n)))))
    print("\n### Streaming threshold: c2op float32 GB/s, median (best), regular / streaming stores\n")
    print("| size | out, 1 thr | out, %d thr | in place, 1 thr | in place, %d thr |" % (n, n))
    print("|---|---|---|---|---|")
    for s in sizes:
        row = []
        for mode in ("out", "inplace"):
            for t in (1, n):
                row.append("%s / %s" % (cell(off.get((s, mode, t))), cell(on.get((s, mode, t)))))
        print("| %s | %s |" % (human(s), " | ".join(row)))
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            json.dump({"parallel": {"%d/%s/%d" % k: v for k, v in par.items()},
                       "stream_on": {"%d/%s/%d" % k: v for k, v in on.items()},
                       "stream_off": {"%d/%s/%d" % k: v for k, v in off.items()}}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
