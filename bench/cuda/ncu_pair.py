#!/usr/bin/env python3
"""torch.neg and c2op's Negative, float32, each launched a few times at
16 MiB and 64 MiB, for Nsight Compute to profile side by side:

    ncu --kernel-name-base demangled --kernel-name regex:'neg_kernel|kernel_entry' ... python3 bench/cuda/ncu_pair.py LIBC2OP.so

scripts/gpu-check runs it under ncu when C2OP_GPU_CHECK_NCU=1, to look at
what differs between the two kernels at the sizes where torch.neg is 1-2%
ahead (docs/PERFORMANCE.md, "CUDA"). Each size: torch, c2op, torch, c2op,
so the second pair runs with the caches as a repeated call leaves them.
"""
import ctypes
import sys

import torch

from torch_vs_c2op import DLTensor, dl  # the ctypes DLPack structs


def main():
    lib = ctypes.CDLL(sys.argv[1])
    lib.c2op_negative.argtypes = [ctypes.POINTER(DLTensor), ctypes.POINTER(DLTensor)]
    lib.c2op_negative.restype = ctypes.c_int
    lib.c2op_last_error.restype = ctypes.c_char_p
    buf_x = torch.randn(16 << 20, device="cuda")
    buf_y = torch.empty_like(buf_x)
    for nbytes in (16 << 20, 64 << 20):
        n = nbytes // 4
        x, y = buf_x[:n], buf_y[:n]
        dx, dy = dl(x), dl(y)
        for _ in range(2):
            torch.neg(x, out=y)
            if lib.c2op_negative(ctypes.byref(dx), ctypes.byref(dy)) != 0:
                sys.exit("c2op: " + lib.c2op_last_error().decode())
        torch.cuda.synchronize()
    print("ncu_pair: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
