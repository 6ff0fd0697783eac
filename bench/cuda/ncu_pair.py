#!/usr/bin/env python3
"""torch.neg and c2op's Negative, float32, launched alternately for Nsight
Compute to profile side by side:

    ncu --kernel-name-base demangled --kernel-name regex:'neg_kernel|kernel_entry' \\
        ... python3 bench/cuda/ncu_pair.py LIBC2OP.so [SIZES [REPS [ORDER]]]

SIZES: bytes per tensor, comma-separated (default 16 MiB and 64 MiB);
REPS: pairs per size (default 2); ORDER: torch,c2op (default) or
c2op,torch, which of the two runs first in each pair. For each size: REPS
pairs, so from the second pair on each runs with the caches as a repeated
call leaves them. Running both orders tells a difference between the
kernels from one between the first and second launch of a pair. The plan
is printed first ("ncu_pair plan: ..."), for bench/cuda/ncu_summary.py to
read the profile in launch order.

scripts/gpu-check runs it under ncu when C2OP_GPU_CHECK_NCU=1: with a few
counters at 16 and 64 MiB, where the kernels once differed by 1-2%, and
with gpu__time_duration alone over 30 pairs at 4 KiB-4 MiB, where the
timed batches of torch_vs_c2op.py scatter more than the kernels differ
(docs/PERFORMANCE.md, "CUDA").
"""
import ctypes
import sys

import torch

from torch_vs_c2op import DLTensor, dl  # the ctypes DLPack structs


def main():
    lib = ctypes.CDLL(sys.argv[1])
    sizes = [int(s) for s in sys.argv[2].split(",")] if len(sys.argv) > 2 else [16 << 20, 64 << 20]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    order = sys.argv[4] if len(sys.argv) > 4 else "torch,c2op"
    if order not in ("torch,c2op", "c2op,torch"):
        sys.exit(f"ncu_pair: ORDER must be torch,c2op or c2op,torch, not {order!r}")
    lib.c2op_negative.argtypes = [ctypes.POINTER(DLTensor), ctypes.POINTER(DLTensor)]
    lib.c2op_negative.restype = ctypes.c_int
    lib.c2op_last_error.restype = ctypes.c_char_p
    print(f"ncu_pair plan: sizes={','.join(map(str, sizes))} reps={reps} order={order}",
          flush=True)
    buf_x = torch.randn(max(sizes) // 4, device="cuda")
    buf_y = torch.empty_like(buf_x)
    for nbytes in sizes:
        n = nbytes // 4
        x, y = buf_x[:n], buf_y[:n]
        dx, dy = dl(x), dl(y)

        def run_c2op():
            if lib.c2op_negative(ctypes.byref(dx), ctypes.byref(dy)) != 0:
                sys.exit("c2op: " + lib.c2op_last_error().decode())

        def run_torch():
            torch.neg(x, out=y)

        pair = (run_torch, run_c2op) if order == "torch,c2op" else (run_c2op, run_torch)
        for _ in range(reps):
            for f in pair:
                f()
        torch.cuda.synchronize()
    print("ncu_pair: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
