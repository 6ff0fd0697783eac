#!/usr/bin/env python3
"""Checks `c2op run` and `c2op net` against NumPy itself.

Usage: check_cli_numpy.py PATH/TO/c2op [--quick]

For every dtype NumPy and c2op share, both byte orders, C and Fortran
order, 0-d, empty and ordinary shapes, and .npy format versions 1.0, 2.0
and 3.0 written by NumPy: the file `c2op run Negative` writes must equal,
byte for byte, what np.save writes for np.negative(a, out=np.empty_like(a))
(NumPy's negation keeping dtype, byte order and memory order), and
`c2op run NegateGradient` what np.save writes for a copy. `c2op net
--backward` must give X_grad == -Y_grad, and `c2op schema --json` must be
valid JSON. --quick (sanitizer builds, where each run is slow) takes one
random shape and memory order per dtype and byte order instead of all.

Needs NumPy; without it (in this interpreter or /usr/bin/python3) the
check is skipped with exit code 77. Prints "N passed, N failed".
"""

import io
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77


def find_numpy():
    try:
        import numpy  # noqa: F401
        return True
    except ImportError:
        pass
    # The system interpreter may have Debian's python3-numpy when this one
    # has none.
    system = "/usr/bin/python3"
    if os.environ.get("C2OP_CHECK_REEXEC") is None and os.path.exists(system) and \
            os.path.realpath(system) != os.path.realpath(sys.executable):
        env = dict(os.environ, C2OP_CHECK_REEXEC="1")
        probe = subprocess.run([system, "-c", "import numpy"], capture_output=True)
        if probe.returncode == 0:
            os.execve(system, [system, *sys.argv], env)
    return False


def main():
    quick = "--quick" in sys.argv[2:]
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and not quick):
        print(__doc__)
        return 2
    if not find_numpy():
        print("numpy is not installed: skipped")
        return SKIP
    import numpy as np
    import numpy.lib.format as npf

    cli = sys.argv[1]
    passed = failed = 0
    seed = int(os.environ.get("C2OP_TEST_SEED", "0")) or int.from_bytes(os.urandom(4), "little")
    print(f"seed {seed} (replay with C2OP_TEST_SEED={seed})")
    rng = np.random.default_rng(seed)

    def check(cond, what):
        nonlocal passed, failed
        if cond:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {what}")

    def saved(a):
        buf = io.BytesIO()
        np.save(buf, a)
        return buf.getvalue()

    def random_array(dtype, shape):
        n = int(np.prod(shape)) if shape else 1
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            flat = rng.integers(info.min, info.max, size=n, dtype=dtype.newbyteorder("="),
                                endpoint=True)
            if n:
                flat[0] = info.min
        elif dtype.kind == "f":
            flat = (rng.standard_normal(n) * 100).astype(dtype.newbyteorder("="))
            specials = [0.0, -0.0, np.inf, -np.inf, np.nan]
            for i, v in enumerate(specials[:n]):
                flat[i] = v
        elif dtype.kind == "c":
            flat = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(
                dtype.newbyteorder("="))
        else:  # bool
            flat = rng.integers(0, 2, size=n).astype(bool)
        return flat.astype(dtype).reshape(shape)

    codes = ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"]
    shapes = [(), (0,), (3, 0), (7,), (3, 5), (2, 3, 4), (1, 6), (4, 1)]
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.npy"), os.path.join(tmp, "out.npy")
        for code in codes + ["b1"]:
            for order_char in "<>":
                dtype = np.dtype(order_char + code)
                combos = [(shape, fortran) for shape in shapes for fortran in (False, True)]
                if quick:
                    combos = [combos[int(rng.integers(0, len(combos)))]]
                for shape, fortran in combos:
                    a = random_array(dtype, shape)
                    if fortran:
                        a = np.asfortranarray(a)
                    version = [(1, 0), (2, 0), (3, 0)][int(rng.integers(0, 3))]
                    with open(src, "wb") as f:
                        npf.write_array(f, a, version=version)
                    ops = ["NegateGradient"] if code == "b1" else ["Negative",
                                                                    "NegateGradient"]
                    for op in ops:
                        if op == "Negative":
                            want = np.empty_like(a)
                            with np.errstate(all="ignore"):
                                np.negative(a, out=want)
                        else:
                            want = a.copy(order="K")
                        proc = subprocess.run([cli, "run", op, src, "-o", dst,
                                               "--chunk-bytes", "24"],
                                              capture_output=True, text=True)
                        what = f"{op} {dtype.str} {shape} fortran={fortran} v{version}"
                        check(proc.returncode == 0, f"{what}: exit {proc.returncode}: "
                                                    f"{proc.stderr}")
                        if proc.returncode == 0:
                            with open(dst, "rb") as f:
                                got = f.read()
                            check(got == saved(want), f"{what}: bytes differ from np.save")
        # Bool has no negation in NumPy either.
        np.save(src, np.array([True, False]))
        proc = subprocess.run([cli, "run", "Negative", src, "-o", dst], capture_output=True,
                              text=True)
        check(proc.returncode == 1 and "bool" in proc.stderr, "Negative refuses bool")

        # net --backward: X_grad == -Y_grad through NegateGradient.
        net = os.path.join(tmp, "grl.pbtxt")
        with open(net, "w") as f:
            f.write('op { input: "X" output: "Y" type: "NegateGradient" }\n'
                    'external_input: "X"\nexternal_output: "Y"\n')
        x = random_array(np.dtype("<f8"), (3, 4))
        gy = random_array(np.dtype(">f4"), (3, 4))
        np.save(os.path.join(tmp, "x.npy"), x)
        np.save(os.path.join(tmp, "gy.npy"), np.asfortranarray(gy))
        proc = subprocess.run([cli, "net", net, "--feed", f"X={tmp}/x.npy",
                               "--feed", f"Y_grad={tmp}/gy.npy", "--backward", "Y",
                               "--fetch", f"X_grad={tmp}/gx.npy", "--fetch", f"Y={tmp}/y.npy"],
                              capture_output=True, text=True)
        check(proc.returncode == 0, f"net --backward: {proc.stderr}")
        if proc.returncode == 0:
            gx = np.load(os.path.join(tmp, "gx.npy"))
            y = np.load(os.path.join(tmp, "y.npy"))
            check(gx.dtype == np.dtype("=f4") and np.array_equal(gx, -gy, equal_nan=True) and
                  np.array_equal(np.signbit(gx), ~np.signbit(gy)), "X_grad == -Y_grad")
            check(y.dtype == x.dtype and np.array_equal(y, x, equal_nan=True), "Y == X")

        proc = subprocess.run([cli, "schema", "--json"], capture_output=True, text=True)
        try:
            ops = json.loads(proc.stdout)
            check({"Negative", "NegateGradient"} <= {o["name"] for o in ops},
                  "schema --json lists both ops")
        except ValueError as e:
            check(False, f"schema --json is not JSON: {e}")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
