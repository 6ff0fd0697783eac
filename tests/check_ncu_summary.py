#!/usr/bin/env python3
"""bench/cuda/ncu_summary.py against a recorded Nsight Compute report
(docs/gpu/2026-11-27-b/call2-ncu.txt, 16 and 64 MiB, 2 pairs each). The
expected durations were read off the report by hand: the second pair's
gpu__time_duration lines, torch 11.26 us / c2op 11.42 us at 16 MiB and
torch 42.62 us / c2op 41.86 us at 64 MiB. Also: a plan that does not fit
the report must fail, and a report without a plan needs --sizes/--reps.
Then made-up reports: the order c2op,torch read from the plan line (counts,
median and mean of the differences), the same report read as torch first
failing, and a plan line without order= read as torch first."""
import os
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
script = os.path.join(root, "bench", "cuda", "ncu_summary.py")
report = os.path.join(root, "docs", "gpu", "2026-11-27-b", "call2-ncu.txt")


def run(*args):
    p = subprocess.run([sys.executable, script, report, *args], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    failures += not cond


rc, out = run("--sizes", "16777216,67108864", "--reps", "2")
rows = {int(line.split()[0]): line.split()[1:4] for line in out.splitlines()
        if line.split() and line.split()[0].isdigit()}
check(rc == 0, f"summary of the recorded report exits 0 (got {rc})")
check(rows.get(16777216, [None])[:2] == ["11.260", "11.420"], f"16 MiB medians: {rows.get(16777216)}")
check(rows.get(67108864, [None])[:2] == ["42.620", "41.860"], f"64 MiB medians: {rows.get(67108864)}")
check(rows.get(67108864, [None] * 3)[2] == "1.018x", f"64 MiB ratio: {rows.get(67108864)}")
rc, out = run("--sizes", "1,2,3", "--reps", "2")
check(rc == 1 and "the plan needs 12" in out, f"a plan of 12 kernels for 8 fails: {rc} {out.strip()}")
rc, out = run()
check(rc != 0 and "no plan" in out, f"no plan and no --sizes fails: {rc} {out.strip()}")
# The plan line as bench/cuda/ncu_pair.py prints it, ahead of the same report.
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    f.write("ncu_pair plan: sizes=16777216,67108864 reps=2 order=torch,c2op\n")
    f.write(open(report, encoding="utf-8").read())
p = subprocess.run([sys.executable, script, f.name], capture_output=True, text=True)
os.unlink(f.name)
check(p.returncode == 0 and "42.620     41.860" in p.stdout,
      f"the plan line is read: {p.returncode} {p.stdout.strip()!r}")
# The order c2op,torch: a made-up report of one size, 4 pairs, c2op first
# in each. Pair 1 is left out; pairs 2-4: c2op 2.18, 2.18 and 2.27 us,
# torch 2.18 us each, so c2op is as fast twice and slower once:
# differences 0, 0 and 90 ns, median 0, mean 30, standard deviation 52.0,
# so twice the standard error 2 * 52.0 / sqrt(3) = 60. The medians of the
# durations are equal (2.180), so their ratio is 1.000x.
def block(name, value, unit="us"):
    return (f"  void {name}(T1) (1, 1, 1)x(128, 1, 1), Context 1\n"
            f"    gpu__time_duration.sum   {unit}   {value}\n")


def pairs_report(plan, pairs, c2op_first):
    text = plan
    for c, t in pairs:
        kc = block("<unnamed>::kernel_entry<VecBody>", c)
        kt = block("at::vectorized_elementwise_kernel<4, at::neg_kernel_cuda>", *t.split())
        text += kc + kt if c2op_first else kt + kc
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
    return f.name


def rows_of(stdout):
    return [line.split() for line in stdout.splitlines() if line.startswith("        4096")]


# torch's third reading is in ns, as ncu prints some: 2180 ns is 2.18 us,
# but 2180e-9 and 2.18e-6 are not the same float, so the pair is counted
# as a tie only because the differences are rounded to the nanosecond.
pairs = (("9.99", "9.99"), ("2.18", "2.18"), ("2.18", "2180 ns"), ("2.27", "2.18"))
name = pairs_report("ncu_pair plan: sizes=4096 reps=4 order=c2op,torch\n", pairs, True)
p = subprocess.run([sys.executable, script, name], capture_output=True, text=True)
row = rows_of(p.stdout)
check(p.returncode == 0 and row == [["4096", "2.180", "2.180", "1.000x", "0/2/1", "0", "+30+-60"]],
      f"order c2op,torch is read: {p.returncode} {row} {p.stderr.strip()}")
# The same kernels read with the plan's order taken as torch,c2op must fail.
p = subprocess.run([sys.executable, script, name, "--order", "torch,c2op"],
                   capture_output=True, text=True)
os.unlink(name)
check(p.returncode == 1 and "expected torch then c2op at kernel 0" in p.stderr,
      f"a report in the other order fails: {p.returncode} {p.stderr.strip()}")
# A plan line without order= (as ncu_pair.py printed before it took an
# ORDER) means torch first.
name = pairs_report("ncu_pair plan: sizes=4096 reps=4\n", pairs, False)
p = subprocess.run([sys.executable, script, name], capture_output=True, text=True)
os.unlink(name)
row = rows_of(p.stdout)
check(p.returncode == 0 and row == [["4096", "2.180", "2.180", "1.000x", "0/2/1", "0", "+30+-60"]],
      f"a plan without order= is torch first: {p.returncode} {row} {p.stderr.strip()}")
print(f"{10 - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
