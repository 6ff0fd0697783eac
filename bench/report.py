#!/usr/bin/env python3
"""Tables, target verdicts and the plot from c2op-bench's and bench_python's JSON.

Usage: report.py --c2op c2op.json [--python python.json] [--confirm confirm.json]
                 [--markdown OUT.md] [--png OUT.png]

Every figure is a median GB/s (bytes read plus written) from the two JSON
files; ratios are c2op's GB/s over the other's, from the same run of each
program. The targets that compare c2op with itself (widths against float32,
in place against out of place, strided against contiguous) use the row's
`ref` candidate, measured interleaved with it.

NumPy and PyTorch: c2op-bench measures NumPy's own C inner loop and
PyTorch's at::neg_out in the same process, interleaved with c2op (C against
C; bench/peers/), when its peer modules were built. Those figures are the
ones the NumPy and PyTorch targets use. bench_python.py's figures
(numpy.negative and torch.neg called from Python) are tabled separately,
with the Python call overhead; where c2op-bench has no peer figure, the
verdict falls back to them (the overhead taken out where that estimate
exists) and says so.

With --confirm (bench/confirm.py's reruns of the rows that fell below a
target or came near it), a second table judges the targets that compare
rows on the full run's rounds and the reruns' together, round by round
(bench/bench_stats.py): a row counts as below its bar when the median of
its per-round ratios is, and as significantly slower when, besides, c2op
took longer in so many of its rounds that equal speed would give that
many less than once in a hundred (a one-sided sign test).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_stats as bs  # noqa: E402


def human(b):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if b >= (1 << shift) and b % (1 << shift) == 0:
            return "%d %siB" % (b >> shift, unit)
    return "%d B" % b


def load(path):
    with open(path) as f:
        return json.load(f)


class Data:
    def __init__(self, c, py):
        self.c = c
        self.py = py
        self.crows = {bs.key(r): r for r in c["rows"]}
        self.prows = {bs.key(r): r for r in (py["rows"] if py else [])}
        self.sizes = sorted({r["nominal_bytes"] for r in c["rows"]})
        self.threads = sorted({r["threads"] for r in c["rows"]})
        self.nthreads = max(self.threads)
        self.c_peers = {p for r in c["rows"] for p in ("numpy", "torch") if p in r}

    def refratio(self, dtype, size, mode="out", layout="contiguous", threads=1):
        """c2op over its interleaved reference in the same row, else None."""
        r = self.crows.get((dtype, size, mode, layout, threads))
        if not r or "ref" not in r or not r["ref"]["gbps"]:
            return None
        return r["c2op"]["gbps"] / r["ref"]["gbps"]

    def peer_in_c(self, cand):
        """Does c2op-bench have this peer (numpy, torch) in C?"""
        return cand in self.c_peers

    def g(self, cand, dtype, size, mode="out", layout="contiguous", threads=1, c_only=True,
          python=False):
        """GB/s of a candidate, or None. NumPy and PyTorch: c2op-bench's
        same-process C figure when it has the peer, unless python=True;
        otherwise bench_python's (the C-only estimate when c_only)."""
        k = (dtype, size, mode, layout, threads)
        if cand in ("c2op", "memcpy", "loop", "xnnpack", "ref") or (
                not python and self.peer_in_c(cand)):
            r = self.crows.get(k)
            return r[cand]["gbps"] if r and cand in r else None
        r = self.prows.get(k)
        if not r or cand not in r:
            return None
        if c_only and r[cand].get("gbps_c"):
            return r[cand]["gbps_c"]
        return r[cand]["gbps"]


def losing_every_round(d, r, other):
    """True when c2op took longer than `other` in every repetition round of
    row r (sample k of each was measured in round k, side by side); None
    when the JSON's samples are not in round order (older files)."""
    if not d.c.get("samples_in_repetition_order"):
        return None
    slow, n = bs.slower_rounds(r, other)
    return len(r["c2op"]["samples_s"]) == len(r[other]["samples_s"]) and n > 1 and slow == n


def below_figure(d, below, other):
    """' (K of them slower in every paired round: row ratio, ...)' for the
    rows below 1.0 against `other`, naming those K."""
    flags = [losing_every_round(d, d.crows[k], other) for _, k in below]
    if not below or any(f is None for f in flags):
        return ""
    every = sorted((v, k) for (v, k), f in zip(below, flags) if f)
    names = "; ".join("%s %s %s %s %d thr %.2fx" % (k[0], human(k[1]), k[2], k[3], k[4], v)
                      for v, k in every)
    return " (%d of them slower in every paired round%s)" % (len(every),
                                                           ": " + names if every else "")


def fmt(v, nd=2):
    return "-" if v is None else ("%.*f" % (nd, v))


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def table(headers, rows):
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def main_table(d, threads):
    rows = []
    for s in d.sizes:
        c = d.g("c2op", "float32", s, threads=threads)
        vals = [d.g(k, "float32", s, threads=threads) for k in ("memcpy", "loop", "xnnpack")]
        npy = d.g("numpy", "float32", s, threads=threads)
        tor = d.g("torch", "float32", s, threads=threads)
        rows.append([human(s), fmt(c)] + [fmt(v) for v in vals] + [fmt(npy), fmt(tor)] +
                    [fmt(ratio(c, v)) for v in vals + [npy, tor]])
    return table(["size", "c2op", "memcpy", "loop", "XNNPACK", "NumPy", "PyTorch",
                  "/memcpy", "/loop", "/XNNPACK", "/NumPy", "/PyTorch"], rows)


def dtype_table(d, mode):
    dts = [x for x in ("int8", "float16", "float32", "float64", "complex128")
           if any(k[0] == x for k in d.crows)]
    rows = []
    for s in d.sizes:
        f = d.g("c2op", "float32", s, mode)
        row = [human(s)]
        for dt in dts:
            v = d.g("c2op", dt, s, mode)
            r = d.refratio(dt, s, mode) if mode == "out" and dt != "float32" else None
            row.append("%s (%s)" % (fmt(v), fmt(r if r is not None else ratio(v, f))))
        rows.append(row)
    return table(["size"] + ["%s GB/s (/f32)" % x for x in dts], rows)


def inplace_table(d):
    dts = [x for x in ("int8", "float16", "float32", "float64", "complex128")
           if any(k[0] == x for k in d.crows)]
    rows = []
    for s in d.sizes:
        row = [human(s)]
        for dt in dts:
            r = d.refratio(dt, s, "inplace")
            if r is None:
                r = ratio(d.g("c2op", dt, s, "inplace"), d.g("c2op", dt, s, "out"))
            row.append(fmt(r))
        rows.append(row)
    return table(["size"] + ["%s in/out" % x for x in dts], rows)


def peers_table(d, threads):
    dts = [x for x in ("int8", "float16", "float32", "float64", "complex128")
           if any(k[0] == x for k in d.crows)]
    rows = []
    for s in d.sizes:
        row = [human(s)]
        for dt in dts:
            c = d.g("c2op", dt, s, threads=threads)
            row.append("%s / %s" % (fmt(ratio(c, d.g("numpy", dt, s, threads=threads))),
                                    fmt(ratio(c, d.g("torch", dt, s, threads=threads)))))
        rows.append(row)
    return table(["size"] + ["%s vs NumPy / PyTorch" % x for x in dts], rows)


def python_table(d):
    rows = []
    for s in d.sizes:
        pn = d.g("numpy", "float32", s, c_only=False, python=True)
        pt = d.g("torch", "float32", s, c_only=False, python=True)
        cn = d.g("numpy", "float32", s) if d.peer_in_c("numpy") else None
        ct = d.g("torch", "float32", s) if d.peer_in_c("torch") else None
        rows.append([human(s), fmt(pn), fmt(cn), fmt(ratio(pn, cn)), fmt(pt), fmt(ct),
                     fmt(ratio(pt, ct))])
    return table(["size", "numpy.negative", "NumPy inner loop", "Python/C", "torch.neg",
                  "at::neg_out", "Python/C"], rows)


def layout_table(d, threads=1):
    rows = []
    for s in d.sizes:
        row = [human(s)]
        for mode in ("out", "inplace"):
            c = d.g("c2op", "float32", s, mode, threads=threads)
            p = d.g("c2op", "float32", s, mode, "padded", threads)
            t = d.g("c2op", "float32", s, mode, "transposed", threads)
            rp = d.refratio("float32", s, mode, "padded", threads)
            rt = d.refratio("float32", s, mode, "transposed", threads)
            row += [fmt(c), fmt(p), fmt(rp if rp is not None else ratio(p, c)), fmt(t),
                    fmt(rt if rt is not None else ratio(t, c))]
        rows.append(row)
    h = []
    for mode in ("out", "in place"):
        h += ["%s contig" % mode, "padded", "/contig", "transposed", "/contig"]
    return table(["size"] + h, rows)


def shifted_table(d):
    """The shifted layout (y 64 bytes past x modulo 4 KiB), float32 out of place."""
    rows = []
    for s in d.sizes:
        row = [human(s)]
        for t in d.threads:
            c = d.g("c2op", "float32", s, "out", "shifted", t)
            if c is None:
                row += ["-"] * 4
                continue
            row += [fmt(c), fmt(d.refratio("float32", s, "out", "shifted", t)),
                    fmt(ratio(c, d.g("memcpy", "float32", s, "out", "shifted", t))),
                    fmt(ratio(c, d.g("xnnpack", "float32", s, "out", "shifted", t)))]
        rows.append(row)
    h = []
    for t in d.threads:
        h += ["c2op %d thr" % t, "/contig", "/memcpy", "/XNNPACK"]
    return table(["size"] + h, rows)


def threads_table(d):
    n = d.nthreads
    rows = []
    for s in d.sizes:
        c1 = d.g("c2op", "float32", s)
        cn = d.g("c2op", "float32", s, threads=n)
        m1 = d.g("memcpy", "float32", s)
        mn = d.g("memcpy", "float32", s, threads=n)
        tn = d.g("torch", "float32", s, threads=n)
        xn = d.g("xnnpack", "float32", s, threads=n)
        rows.append([human(s), fmt(c1), fmt(cn), fmt(ratio(cn, c1)), fmt(m1), fmt(mn),
                     fmt(ratio(mn, m1)), fmt(xn), fmt(tn), fmt(ratio(cn, xn)), fmt(ratio(cn, tn))])
    return table(["size", "c2op 1 thr", "c2op %d thr" % n, "speed-up", "memcpy 1 thr",
                  "copy %d thr" % n, "speed-up", "XNNPACK %d thr" % n, "PyTorch %d thr" % n,
                  "/XNNPACK", "/PyTorch"], rows)


def verdicts(d):
    """(target, met, figure) for every target of issue 4."""
    out = []
    L = {lvl: [s for s in d.sizes if bs.cache_level(s) == lvl] for lvl in ("L1", "L2", "L3")}
    for lvl, sizes in L.items():
        rs = [(s, ratio(d.g("c2op", "float32", s), d.g("memcpy", "float32", s))) for s in sizes]
        rs = [(s, r) for s, r in rs if r is not None]
        if rs:
            worst = min(rs, key=lambda x: x[1])
            out.append(("float32 out of place >= 0.95x memcpy, fits %s (%s)" % (
                lvl, ", ".join(human(s) for s, _ in rs)), worst[1] >= 0.95,
                "min %.2fx at %s; " % (worst[1], human(worst[0])) +
                ", ".join("%.2f" % r for _, r in rs)))
    big = [(s, ratio(d.g("c2op", "float32", s), d.g("memcpy", "float32", s)))
           for s in d.sizes if s >= 256 << 20]
    big = [(s, r) for s, r in big if r is not None]
    if big:
        worst = min(big, key=lambda x: x[1])
        out.append(("float32 out of place >= 1.10x memcpy at 256 MiB and larger", worst[1] >= 1.10,
                    ", ".join("%s: %.2fx" % (human(s), r) for s, r in big)))
    # XNNPACK: every f32 row that has it.
    xs = []
    for k, r in d.crows.items():
        if "xnnpack" in r and r["xnnpack"]["gbps"] > 0:
            xs.append((r["c2op"]["gbps"] / r["xnnpack"]["gbps"], k))
    if xs:
        worst = min(xs)
        below = [x for x in xs if x[0] < 1.0]
        out.append((">= 1.0x XNNPACK at every size (all float32 rows)", not below,
                    "min %.2fx at %s %s %s %s thr; %d of %d rows below 1.0%s" % (
                        worst[0], human(worst[1][1]), worst[1][2], worst[1][3], worst[1][4],
                        len(below), len(xs), below_figure(d, below, "xnnpack"))))
    for peer, name in (("numpy", "NumPy"), ("torch", "PyTorch")):
        rs = []
        for k, r in d.crows.items():
            p = d.g(peer, *k)
            if p:
                rs.append((r["c2op"]["gbps"] / p, k))
        how = ("C against C in the same run: %s" % (
            "NumPy's inner loop" if peer == "numpy" else "at::neg_out")) if d.peer_in_c(peer) \
            else "from Python, C-only estimate where it exists"
        if rs:
            worst = min(rs)
            below = [x for x in rs if x[0] < 1.0]
            out.append((">= 1.0x %s everywhere, every dtype (%s)" % (name, how),
                        not below, "min %.2fx at %s %s %s %s %s thr; %d of %d rows below 1.0%s" % (
                            worst[0], worst[1][0], human(worst[1][1]), worst[1][2], worst[1][3],
                            worst[1][4], len(below), len(rs),
                            below_figure(d, below, peer) if d.peer_in_c(peer) else "")))
    # Widths within 10% of float32, 1 thread, contiguous.
    ws = []
    for k, r in d.crows.items():
        if k[3] != "contiguous" or k[4] != 1 or k[0] == "float32" or k[2] != "out":
            continue
        v = d.refratio(*k)
        if v is None:
            f = d.g("c2op", "float32", k[1], k[2])
            v = r["c2op"]["gbps"] / f if f else None
        if v is not None:
            ws.append((v, k))
    if ws:
        worst = min(ws)
        below = [w for w in ws if w[0] < 0.90]
        out.append(("every width within 10% of float32's GB/s (1 thread, out of place, "
                    "interleaved with float32 of the same bytes)", not below,
                    "min %.2fx (%s %s %s); %d of %d rows below 0.90" % (
                        worst[0], worst[1][0], human(worst[1][1]), worst[1][2], len(below),
                        len(ws))))
    ip = []
    for k, r in d.crows.items():
        if k[2] != "inplace" or k[3] != "contiguous" or k[4] != 1:
            continue
        v = d.refratio(*k)
        if v is None:
            o = d.g("c2op", k[0], k[1], "out")
            v = r["c2op"]["gbps"] / o if o else None
        if v is not None:
            ip.append((v, k))
    if ip:
        worst = min(ip)
        below = [w for w in ip if w[0] < 0.95]
        out.append(("in place within 5% of out of place (>= 0.95x; 1 thread, interleaved)",
                    not below,
                    "min %.2fx (%s %s); %d of %d rows below 0.95" % (
                        worst[0], worst[1][0], human(worst[1][1]), len(below), len(ip))))
    for layout, bar, name in (("padded", 0.8, "padded 2-D slice >= 0.8x contiguous"),
                              ("transposed", 0.95, "both transposed equal to contiguous (>= 0.95x)")):
        rs = []
        for s in d.sizes:
            for mode in ("out", "inplace"):
                for t in d.threads:
                    v = d.refratio("float32", s, mode, layout, t)
                    if v is None:
                        v = ratio(d.g("c2op", "float32", s, mode, layout, t),
                                  d.g("c2op", "float32", s, mode, "contiguous", t))
                    if v is not None:
                        rs.append((v, s, mode, t))
        if rs:
            worst = min(rs)
            below = [x for x in rs if x[0] < bar]
            out.append((name, not below, "min %.2fx (%s %s %d thr); %d of %d rows below %.2f" % (
                worst[0], human(worst[1]), worst[2], worst[3], len(below), len(rs), bar)))
    ov = d.c.get("overhead_16_f32")
    if ov:
        r = ov["c2op_ns"] / ov["loop_ns"]
        out.append(("a call on 16 float32 costs <= 4x a plain C loop", r <= 4.0,
                    "c2op %.1f ns, loop %.1f ns: %.2fx" % (ov["c2op_ns"], ov["loop_ns"], r)))
    n = d.nthreads
    if n > 1:
        for s in [s for s in d.sizes if s >= 256 << 20]:
            c1, cn = d.g("c2op", "float32", s), d.g("c2op", "float32", s, threads=n)
            m1, mn = d.g("memcpy", "float32", s), d.g("memcpy", "float32", s, threads=n)
            if c1 and cn:
                out.append(("%d threads >= 1.8x one thread at %s" % (n, human(s)), cn / c1 >= 1.8,
                            "c2op %.2f -> %.2f GB/s: %.2fx (copy: %s -> %s GB/s)" % (
                                c1, cn, cn / c1, fmt(m1), fmt(mn))))
        rs = []
        for s in d.sizes:
            for mode in ("out", "inplace"):
                c, t = d.g("c2op", "float32", s, mode, threads=n), d.g("torch", "float32", s, mode, threads=n)
                if c and t:
                    rs.append((c / t, s, mode))
        if rs:
            worst = min(rs)
            below = [x for x in rs if x[0] < 1.0]
            out.append((">= 1.0x torch.neg with %d threads (float32)" % n, not below,
                        "min %.2fx (%s %s); %d of %d rows below 1.0%s" % (
                            worst[0], human(worst[1]), worst[2], len(below), len(rs),
                            below_figure(d, [(x[0], ("float32", x[1], x[2], "contiguous", n))
                                             for x in below], "torch")
                            if d.peer_in_c("torch") else "")))
    return out


def confirmed(d, conf):
    """(target, verdict, figure) for the row targets, on the full run's
    rounds and the reruns' (conf: bench/confirm.py's JSON) together."""
    reruns = bs.reruns_by_key(conf)
    per = {t[0]: [] for t in bs.TARGETS}
    for k, r in d.crows.items():
        for t in bs.row_targets(r):
            other = bs.TARGET[t][2]
            row = bs.with_reruns(r, reruns, other)
            v = bs.paired_speed(row, other)
            if v is None:
                continue
            slow, n = bs.slower_rounds(row, other)
            per[t].append((v, k, row is not r, slow, n, bs.sign_test(row, other)[0]))
    out = []
    for t, name, other, bar in bs.TARGETS:
        rows = per[t]
        if not rows:
            continue
        below = sorted(x for x in rows if x[0] < bar)
        sig = [x for x in below if x[5] < 0.01]
        if not below:
            verdict = "**met**"
        else:
            verdict = "not met: %d below, %s significantly" % (
                len(below), "none" if not sig else "%d" % len(sig))
        worst = min(rows)
        fig = "%d rows, %d rerun; min %.3fx (%s %s %s %s %d thr, slower in %d of %d rounds)" % (
            len(rows), sum(1 for x in rows if x[2]), worst[0], worst[1][0], human(worst[1][1]),
            worst[1][2], worst[1][3], worst[1][4], worst[3], worst[4])
        if below:
            fig += "; below %.2f: " % bar + "; ".join(
                "%s %s %s %s %d thr %.3fx (%d/%d, p %.2g)" % (
                    x[1][0], human(x[1][1]), x[1][2], x[1][3], x[1][4], x[0], x[3], x[4], x[5])
                for x in below)
        out.append((name, verdict, fig))
    return out


def calibration(d, conf):
    """Rows where c2op is significantly slower or faster (sign test, p <
    0.01 each way) than each peer, and than itself: both transposed against
    its contiguous reference from 4 KiB on, where the two run the same code
    (at 1 KiB the transposed call makes a few more checks). On the full
    run's rounds and the reruns' together."""
    reruns = bs.reruns_by_key(conf)
    comps = (("c2op against itself: both transposed against contiguous, 4 KiB and up",
              "ref", lambda r: r["layout"] == "transposed" and r["nominal_bytes"] >= 4096),
             ("XNNPACK", "xnnpack", lambda r: True),
             ("NumPy's inner loop", "numpy", lambda r: True),
             ("at::neg_out", "torch", lambda r: True))
    out = []
    for name, other, take in comps:
        n = slower = faster = 0
        for r in d.crows.values():
            if not take(r) or not bs.has(r, other):
                continue
            row = bs.with_reruns(r, reruns, other)
            p_slower, p_faster = bs.sign_test(row, other)
            n += 1
            slower += p_slower < 0.01
            faster += p_faster < 0.01
        if n:
            out.append([name, "%d" % n, "%d" % slower, "%d" % faster])
    return out


def plot(d, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = [(1, "1 thread")] + ([(d.nthreads, "%d threads" % d.nthreads)] if d.nthreads > 1 else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.8), squeeze=False)
    for ax, (t, title) in zip(axes[0], panels):
        in_c = {p: d.peer_in_c(p) for p in ("numpy", "torch")}
        series = [("c2op", "c2op", "-o"), ("memcpy", "memcpy" if t == 1 else "memcpy (pthreadpool from 1 MiB)", "--s"),
                  ("xnnpack", "XNNPACK", "-^"),
                  ("numpy", "NumPy (C inner loop)" if in_c["numpy"] else "NumPy (from Python)", ":v"),
                  ("torch", "PyTorch (at::neg_out)" if in_c["torch"] else "PyTorch (from Python)", ":d")]
        if t == 1:
            series.insert(2, ("loop", "plain C loop", "-.x"))
        for cand, label, style in series:
            xs, ys = [], []
            for s in d.sizes:
                v = d.g(cand, "float32", s, threads=t, c_only=False)
                if v:
                    xs.append(s)
                    ys.append(v)
            if xs:
                ax.plot(xs, ys, style, label=label, markersize=4)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("bytes per tensor")
        ax.set_ylabel("GB/s (read + written)")
        ax.set_title("float32 negation, out of place, %s" % title)
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xticks(d.sizes)
        ax.set_xticklabels([human(s).replace(" ", "").replace("iB", "") for s in d.sizes],
                           rotation=45)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--c2op", required=True)
    ap.add_argument("--python")
    ap.add_argument("--confirm")
    ap.add_argument("--markdown")
    ap.add_argument("--png")
    a = ap.parse_args()
    c = load(a.c2op)
    py = None
    if a.python:
        try:
            py = load(a.python)
        except OSError:
            print("report: %s missing; NumPy and PyTorch columns left out" % a.python, file=sys.stderr)
    d = Data(c, py)
    md = []
    md.append("Machine: %s CPUs, ISA path %s, XNNPACK %s, NumPy %s and PyTorch %s in C; medians of %d "
              "interleaved repetitions%s." % (
                  c["cpus"], c["isa"], "linked" if c["xnnpack"] else "absent",
                  c.get("numpy_version", "absent"), c.get("torch_version", "absent"), c["reps"],
                  " (quick mode)" if c.get("quick") else ""))
    if py:
        md.append("NumPy %s, PyTorch %s, Python %s; Python call overhead (16 float32): %s." % (
            py["numpy"], py["torch"], py["python"],
            ", ".join("%s %.0f ns" % (k, v) for k, v in py["overhead_16_f32_ns"].items())))
    ov = c.get("overhead_16_f32")
    if ov:
        md.append("Call on 16 float32 elements: c2op %.1f ns, plain loop %.1f ns, memcpy %.1f ns%s%s%s." % (
            ov["c2op_ns"], ov["loop_ns"], ov["memcpy_ns"],
            ", XNNPACK run %.1f ns" % ov["xnnpack_ns"] if "xnnpack_ns" in ov else "",
            ", NumPy inner loop %.1f ns" % ov["numpy_ns"] if "numpy_ns" in ov else "",
            ", at::neg_out %.1f ns" % ov["torch_ns"] if "torch_ns" in ov else ""))
    nan = {}
    for r in c["rows"]:
        for p in ("numpy", "torch"):
            if r.get(p, {}).get("nan_payloads_changed"):
                nan.setdefault(p, set()).add(r["dtype"])
    if nan:
        md.append("Exactness: NaNs came back with another payload from %s (c2op keeps every "
                  "payload and flips the sign bit)." % "; ".join(
                      "%s in %s" % ({"numpy": "NumPy", "torch": "at::neg_out"}[p],
                                    ", ".join(sorted(v))) for p, v in sorted(nan.items())))
    md.append("\n### Targets\n")
    md.append(table(["target", "met", "figure"],
                    [[t, "**met**" if m else "not met", f] for t, m, f in verdicts(d)]))
    if a.confirm:
        conf = load(a.confirm)
        md.append("\n### Targets after the reruns (%d rows rerun with %d rounds each: "
                  "bench/confirm.py; ratios are medians of per-round ratios over the full "
                  "run's rounds and the reruns'; significantly: sign test, p < 0.01)\n" % (
                      len(conf["rows"]), conf["reps"]))
        md.append(table(["target", "verdict", "figure"], [list(x) for x in confirmed(d, conf)]))
        md.append("\nHow often the test finds c2op significantly slower or faster (p < 0.01 each "
                  "way) than a peer, and than itself where both sides run the same code (rounds "
                  "minutes or less apart are not independent on a busy host: the last line says "
                  "how often the test errs here):\n")
        md.append(table(["compared with", "rows", "c2op significantly slower",
                         "c2op significantly faster"], calibration(d, conf)))
    md.append("\n### float32, out of place, 1 thread (GB/s and c2op's ratio)\n")
    md.append(main_table(d, 1))
    md.append("\n### Every width, out of place, 1 thread (GB/s, ratio to float32)\n")
    md.append(dtype_table(d, "out"))
    md.append("\n### Every width, in place, 1 thread (GB/s, ratio to float32)\n")
    md.append(dtype_table(d, "inplace"))
    md.append("\n### In place over out of place, 1 thread\n")
    md.append(inplace_table(d))
    if d.peer_in_c("numpy") or d.peer_in_c("torch"):
        md.append("\n### c2op over NumPy / PyTorch, out of place, 1 thread (C against C in the same "
                  "run: NumPy's inner loop, at::neg_out)\n")
        md.append(peers_table(d, 1))
    elif py:
        md.append("\n### c2op over NumPy / PyTorch, out of place, 1 thread (from Python; C-only estimates where they exist)\n")
        md.append(peers_table(d, 1))
    if py:
        md.append("\n### NumPy and PyTorch from Python, float32, out of place, 1 thread (GB/s: "
                  "numpy.negative(x, out=y) and torch.neg(x, out=y) as called, against their C "
                  "entry points in c2op-bench)\n")
        md.append(python_table(d))
    md.append("\n### Strided layouts, float32, 1 thread (GB/s)\n")
    md.append(layout_table(d))
    if any(k[3] == "shifted" for k in d.crows):
        md.append("\n### y 64 bytes past x modulo 4 KiB, float32, out of place (GB/s; /contig: "
                  "against y placed like x, interleaved)\n")
        md.append(shifted_table(d))
    if d.nthreads > 1:
        md.append("\n### Threads, float32, out of place (GB/s)\n")
        md.append(threads_table(d))
    text = "\n".join(md) + "\n"
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)
    print(text)
    if a.png:
        try:
            plot(d, a.png)
            print("report: wrote %s" % a.png)
        except ImportError:
            print("report: matplotlib missing; no plot", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
