#!/usr/bin/env python3
"""torch.neg against c2op on the same GPU buffers, in one process.

scripts/gpu-check runs this when PyTorch with CUDA is installed:

    python3 bench/cuda/torch_vs_c2op.py LIBC2OP.so [OUT.json|-] [quick]

(quick: the Negative rows alone, for scripts/gpu-tune.)

c2op is called through its C API (ctypes, DLTensor structs built here) on
tensors that PyTorch allocated, on the same (default) stream. For every
size the two alternate, 7 batches each, and the median batch counts.

Two figures per row:
  - device: the stream is first held by a spin kernel (torch.cuda._sleep)
    long enough for the host to queue the whole batch, so the events time
    the kernels alone, back to back;
  - call: batches of back-to-back calls with nothing held, so the host's
    cost per call (Python included, on both sides) shows at small sizes.
Rows: float32 Negative 4 KiB to 1 GiB; a transposed float32 x into a
compact y; Sum of two float32 tensors against torch.add(out=).
"""
import ctypes
import json
import statistics
import sys

import torch


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device", DLDevice),
        ("ndim", ctypes.c_int32),
        ("dtype", DLDataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


KDLCUDA, KDLFLOAT = 2, 2
KERNEL_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int32,
                             ctypes.POINTER(ctypes.POINTER(DLTensor)), ctypes.c_int32,
                             ctypes.POINTER(ctypes.POINTER(DLTensor)))


def dl(t):
    """A DLTensor over a float32 CUDA torch tensor (kept alive by the caller)."""
    shape = (ctypes.c_int64 * t.dim())(*t.shape)
    strides = (ctypes.c_int64 * t.dim())(*t.stride())
    d = DLTensor(t.data_ptr(), DLDevice(KDLCUDA, t.device.index or 0), t.dim(),
                 DLDataType(KDLFLOAT, 32, 1), shape, strides, 0)
    d._keep = (shape, strides)
    return d


def main():
    out_json = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None
    quick = "quick" in sys.argv[3:]
    lib = ctypes.CDLL(sys.argv[1])
    lib.c2op_negative.argtypes = [ctypes.POINTER(DLTensor), ctypes.POINTER(DLTensor)]
    lib.c2op_negative.restype = ctypes.c_int
    lib.c2op_last_error.restype = ctypes.c_char_p
    fn = ctypes.c_void_p()
    if lib.c2op_kernel_lookup(b"Sum", 1, ctypes.byref(fn)) != 0:
        sys.exit("c2op: no CUDA Sum kernel: " + lib.c2op_last_error().decode())
    sum_kernel = KERNEL_FN(fn.value)

    def checked(status):
        if status != 0:
            raise RuntimeError("c2op: " + lib.c2op_last_error().decode())

    def neg_call(dx, dy):
        return lambda: checked(lib.c2op_negative(ctypes.byref(dx), ctypes.byref(dy)))

    def sum_call(da, db, dy):
        ins = (ctypes.POINTER(DLTensor) * 2)(ctypes.pointer(da), ctypes.pointer(db))
        outs = (ctypes.POINTER(DLTensor) * 1)(ctypes.pointer(dy))
        return lambda: checked(sum_kernel(None, 2, ins, 1, outs))

    # SM clock for the spin kernel's length (kHz when PyTorch reports it).
    clock_khz = getattr(torch.cuda.get_device_properties(0), "clock_rate", 0)
    clock_hz = clock_khz * 1e3 if clock_khz else 1.98e9

    def batch_seconds(call, reps, hold):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        if hold:  # 40 us of host time per queued call
            torch.cuda._sleep(int(clock_hz * reps * 40e-6))
        s.record()
        for _ in range(reps):
            call()
        e.record()
        e.synchronize()
        return s.elapsed_time(e) / 1e3 / reps

    def compare(name, nbytes_moved, reps, torch_call, c2op_call):
        row = {"row": name, "bytes_moved": nbytes_moved}
        for mode, hold in (("device", True), ("call", False)):
            t_torch, t_c2op = [], []
            torch_call()
            c2op_call()
            for _ in range(7):
                t_torch.append(batch_seconds(torch_call, reps, hold))
                t_c2op.append(batch_seconds(c2op_call, reps, hold))
            a, b = statistics.median(t_torch), statistics.median(t_c2op)
            row[mode] = {"torch_s": a, "c2op_s": b, "torch_gbps": nbytes_moved / a / 1e9,
                         "c2op_gbps": nbytes_moved / b / 1e9, "c2op_over_torch": a / b}
        d, c = row["device"], row["call"]
        print(f"{name:>28} device {d['torch_gbps']:8.1f} {d['c2op_gbps']:8.1f} GB/s "
              f"({d['c2op_over_torch']:5.2f}x)   call {c['torch_s'] * 1e6:8.2f} "
              f"{c['c2op_s'] * 1e6:8.2f} us ({c['c2op_over_torch']:5.2f}x)", flush=True)
        return row

    print(f"device: {torch.cuda.get_device_name(0)}; torch {torch.__version__}")
    print(f"{'row':>28} {'':6} {'torch':>8} {'c2op':>8}        (c2op/torch)   "
          f"{'':4} {'torch':>8} {'c2op':>8} us per call")
    rows = []
    buf_x = torch.randn(1 << 28, device="cuda")
    buf_y = torch.empty_like(buf_x)
    b = 4096
    while b <= 1 << 30:
        n = b // 4
        x, y = buf_x[:n], buf_y[:n]
        dx, dy = dl(x), dl(y)
        reps = 5 if b >= 64 << 20 else 50 if b >= 1 << 20 else 200
        rows.append(compare(f"negative {b}", 2 * b, reps,
                            lambda x=x, y=y: torch.neg(x, out=y), neg_call(dx, dy)))
        b *= 4
    for side in () if quick else (2048, 8192):
        n = side * side
        xt = buf_x[:n].view(side, side).t()
        y = buf_y[:n].view(side, side)
        dx, dy = dl(xt), dl(y)
        reps = 5 if n * 4 >= 64 << 20 else 50
        rows.append(compare(f"negative transposed {n * 4}", 8 * n, reps,
                            lambda xt=xt, y=y: torch.neg(xt, out=y), neg_call(dx, dy)))
    for nbytes in () if quick else (1 << 20, 4 << 20, 64 << 20, 256 << 20):
        n = nbytes // 4
        a, bb, y = buf_x[:n], buf_x[n:2 * n], buf_y[:n]
        da, db, dy = dl(a), dl(bb), dl(y)
        reps = 5 if nbytes >= 64 << 20 else 50
        rows.append(compare(f"sum2 {nbytes}", 3 * nbytes, reps,
                            lambda a=a, bb=bb, y=y: torch.add(a, bb, out=y),
                            sum_call(da, db, dy)))
    # The results must agree: a spot check on the last buffers.
    torch.neg(buf_x[:1 << 20], out=buf_y[:1 << 20])
    ref = buf_y[:1 << 20].clone()
    neg_call(dl(buf_x[:1 << 20]), dl(buf_y[:1 << 20]))()
    torch.cuda.synchronize()
    same = torch.equal(ref.view(torch.int32), buf_y[:1 << 20].view(torch.int32))
    print("c2op and torch.neg agree bit for bit on 1 Mi floats:", same)
    if out_json:
        with open(out_json, "w") as f:
            json.dump({"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
                       "rows": rows, "agree": same}, f, indent=1)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
