"""Timing shared by the Python benchmarks (bench_python.py, bench_c2op_python.py).

Candidates are zero-argument callables. Each is calibrated to a number of
calls per repetition, then the repetitions run interleaved (the starting
candidate rotating), and each candidate's median seconds per call is
reported with its samples.
"""
import statistics
import time

# Before each timed repetition of a threaded candidate: a busy wait, then
# one untimed call. PyTorch's OpenMP threads and c2op's pool spin for a
# while after a job (pthreadpool's for 20-30 ms: bench/c2op_bench.c); on 2
# vCPUs a thread still spinning for the previous candidate takes the core
# that the next one's worker needs. The wait outlasts them (busy: a vCPU
# that idles for milliseconds comes back slower), the call wakes the
# measured candidate's own threads, as in back-to-back use.
SETTLE_S = 0.04


def settle():
    until = time.perf_counter() + SETTLE_S
    while time.perf_counter() < until:
        pass


def time_calls(fn, iters):
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - t0) / iters


def calibrate(fn, rep_secs, probe_fraction, max_probe_iters):
    """Calls per repetition so that one lasts about rep_secs; the probe grows
    4x until it lasts probe_fraction of that (or max_probe_iters calls)."""
    fn()  # first touch
    iters, t = 1, time_calls(fn, 1)
    while t * iters < rep_secs * probe_fraction and iters < max_probe_iters:
        iters *= 4
        t = time_calls(fn, iters)
    return max(1, int(rep_secs / max(t, 1e-9)))


def measure(cands, reps, rep_secs, settled, probe_fraction, max_probe_iters):
    """cands: {name: fn}. Interleaved repetitions, each after settle() and one
    untimed call when `settled`; {name: (median s, samples)}."""
    iters = {k: calibrate(f, rep_secs, probe_fraction, max_probe_iters) for k, f in cands.items()}
    names = list(cands)
    samples = {k: [] for k in names}
    for r in range(reps):
        for i in range(len(names)):
            k = names[(i + r) % len(names)]
            if settled:
                settle()
                cands[k]()
            samples[k].append(time_calls(cands[k], iters[k]))
    return {k: (statistics.median(v), v) for k, v in samples.items()}
