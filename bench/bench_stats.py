"""Which targets of issue 4 each c2op-bench row answers, and the paired
statistics that judge them (shared by bench/confirm.py and bench/report.py).

c2op-bench measures a row's candidates in interleaved rounds: sample k of
every candidate (`samples_s`, seconds per call) comes from round k, minutes
or less apart from the others of that round. The host's speed drifts between
rounds (the same call read 15 ns in one second and 25 ns the next on the
development VM), so these figures compare c2op with another candidate round
by round:

  paired_speed   the median over rounds of other_k / c2op_k: c2op's speed
                 over the other's (above 1: c2op faster);
  slower_rounds  in how many of the rounds c2op took longer;
  sign_p         the chance of at least that many slower rounds if the two
                 ran at equal speed (a one-sided sign test): a small value
                 says c2op is slower, not just unlucky;
  sign_test      that chance both ways, on the rounds where the two differ.
"""

from math import comb

# (id, what the target says, the candidate c2op is compared with, the bar)
TARGETS = (
    ("L1", "float32 out of place >= 0.95x memcpy, fits L1", "memcpy", 0.95),
    ("L2", "float32 out of place >= 0.95x memcpy, fits L2", "memcpy", 0.95),
    ("L3", "float32 out of place >= 0.95x memcpy, fits L3", "memcpy", 0.95),
    ("big", "float32 out of place >= 1.10x memcpy at 256 MiB and larger", "memcpy", 1.10),
    ("xnnpack", ">= 1.0x XNNPACK at every size (all float32 rows)", "xnnpack", 1.0),
    ("numpy", ">= 1.0x NumPy everywhere, every dtype (C against C)", "numpy", 1.0),
    ("torch", ">= 1.0x PyTorch everywhere, every dtype (C against C)", "torch", 1.0),
    ("width", "every width within 10% of float32's GB/s", "ref", 0.90),
    ("inplace", "in place within 5% of out of place", "ref", 0.95),
    ("padded", "padded 2-D slice >= 0.8x contiguous", "ref", 0.80),
    ("transposed", "both transposed equal to contiguous (>= 0.95x)", "ref", 0.95),
)
TARGET = {t[0]: t for t in TARGETS}


def key(r):
    return (r["dtype"], r["nominal_bytes"], r["mode"], r["layout"], r["threads"])


def cache_level(nominal_bytes):
    """L1, L2 or L3 when x and y together fit that cache of the development
    machine (32 KiB, 512 KiB, 8 MiB: the L3 as one core's share), else None."""
    both = 2 * nominal_bytes
    if both <= 32 << 10:
        return "L1"
    if both <= 512 << 10:
        return "L2"
    if both <= 8 << 20:
        return "L3"
    return None


def row_targets(r):
    """The ids of the targets this row answers, each with the candidate it
    compares c2op with, when the row has that candidate."""
    dt, size, mode, layout, threads = key(r)
    out = []
    if dt == "float32" and layout == "contiguous" and mode == "out" and threads == 1:
        lvl = cache_level(size)
        if lvl:
            out.append(lvl)
        if size >= 256 << 20:
            out.append("big")
    if dt == "float32":
        out.append("xnnpack")
    out += ["numpy", "torch"]
    if layout == "contiguous" and threads == 1 and mode == "out" and dt != "float32":
        out.append("width")
    if layout == "contiguous" and threads == 1 and mode == "inplace":
        out.append("inplace")
    if dt == "float32" and layout in ("padded", "transposed"):
        out.append(layout)
    return [t for t in out if has(r, TARGET[t][2])]


def has(r, cand):
    c = r.get(cand)
    return bool(c and c.get("samples_s") and r.get("c2op", {}).get("samples_s"))


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def paired_speed(r, other):
    """Median over rounds of other's time over c2op's (c2op's speed over
    the other's), or None without samples."""
    a, b = r["c2op"]["samples_s"], r[other]["samples_s"]
    ratios = [y / x for x, y in zip(a, b) if x > 0] if len(a) == len(b) else []
    return median(ratios) if ratios else None


def slower_rounds(r, other):
    """(rounds where c2op took longer than `other`, rounds)."""
    a, b = r["c2op"]["samples_s"], r[other]["samples_s"]
    return sum(1 for x, y in zip(a, b) if x > y), min(len(a), len(b))


def sign_test(r, other):
    """(p that c2op is slower, p that it is faster): sign_p of the rounds
    it took longer, and of those it took less time, among the rounds
    where the two differ (ties left out, as the sign test does)."""
    a, b = r["c2op"]["samples_s"], r[other]["samples_s"]
    slower = sum(1 for x, y in zip(a, b) if x > y)
    faster = sum(1 for x, y in zip(a, b) if x < y)
    return sign_p(slower, slower + faster), sign_p(faster, slower + faster)


def sign_p(k, n):
    """P(at least k of n fair coin flips come up heads)."""
    if n <= 0:
        return 1.0
    return sum(comb(n, i) for i in range(k, n + 1)) / 2.0 ** n


def reruns_by_key(conf):
    """bench/confirm.py's rows (conf: its JSON, or None), by key."""
    out = {}
    for r in (conf or {}).get("rows", []):
        out.setdefault(key(r), []).append(r)
    return out


def with_reruns(r, reruns, other):
    """Row r of the full run pooled with its reruns (reruns_by_key) that
    have `other`; r itself when there are none."""
    more = [m for m in reruns.get(key(r), []) if has(m, other)]
    return pooled(r, *more) if more else r


def pooled(first, *more):
    """A row whose candidates' samples are first's followed by each of
    more's (rows of the same key from later runs), candidate by candidate;
    a candidate missing from any of them is dropped. Pairs stay in step:
    every candidate of a run has the same number of samples."""
    out = {k: v for k, v in first.items() if not isinstance(v, dict)}
    for cand, v in first.items():
        if not isinstance(v, dict) or "samples_s" not in v:
            continue
        if all(isinstance(m.get(cand), dict) and "samples_s" in m[cand] for m in more):
            s = list(v["samples_s"])
            for m in more:
                s += m[cand]["samples_s"]
            out[cand] = {"samples_s": s, "median_s": median(s)}
    return out
