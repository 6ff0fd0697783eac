#!/usr/bin/env python3
"""Replays a corpus through a fuzz target in verbose mode and prints, as a
Markdown table, every distinct outcome (numbers in messages replaced by N,
so messages that differ only in values fall together): how many inputs gave
it and one example. This is how the "bad inputs tried" table of
docs/RELIABILITY.md is made.

usage: fuzz/tabulate.py BUILD_DIR TARGET CORPUS_DIR...   (TARGET: kernel, npy, netdef)
"""
import collections
import os
import re
import subprocess
import sys


def main():
    build, target, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
    exe = os.path.join(build, "fuzz_" + target)
    env = dict(os.environ, FUZZ_VERBOSE="1", FUZZ_KERNEL_VERBOSE="1")
    files = sorted(os.path.join(d, f) for d in dirs for f in os.listdir(d))
    groups = collections.OrderedDict()
    counts = collections.Counter()
    for i in range(0, len(files), 200):
        out = subprocess.run([exe, "-runs=1"] + files[i:i + 200], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, errors="replace").stdout
        lines = out.splitlines()
        for k, line in enumerate(lines):
            if target == "kernel":
                m = re.match(r'^(Negative|NegateGradient) (.*?) -> (\S+) "(.*)" \(predicted', line)
                if not m:
                    continue
                status, msg = m.group(3), m.group(4)
                detail = []
                for extra in lines[k + 1:k + 7]:
                    if not extra.startswith("  "):
                        break
                    detail.append(re.sub(r"0x[0-9a-f]+", "P", extra.strip()))
                example = msg + " <- " + "; ".join(detail)
            else:
                m = re.match(r"^(refused|read)[^:]*: (.*)$", line)
                if not m:
                    continue
                status = "refused" if m.group(1) == "refused" else "read"
                msg = m.group(2)
                example = msg
            key = (status, re.sub(r"-?\d+", "N", msg))
            counts[key] += 1
            groups.setdefault(key, example)
    print("| outcome | message (numbers as N) | inputs | example |")
    print("|---|---|---|---|")
    reads = sum(n for (status, _), n in counts.items() if status == "read")
    if reads:
        print(f"| read | (headers read: {reads}) | | |")
    for key, ex in groups.items():
        status, msg = key
        if status == "read":
            continue
        ex = ex.replace("|", "\\|")[:160]
        print(f"| {status} | {msg.replace('|', chr(92) + '|')[:140]} | {counts[key]} | {ex} |")


if __name__ == "__main__":
    main()
