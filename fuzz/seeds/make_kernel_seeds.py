#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_kernel (fuzz/corpus/kernel/): one file per
case, encoded for fuzz_kernel.c's decoder (see decode_* there). Rerun after
changing the decoder: python3 fuzz/seeds/make_kernel_seeds.py"""
import os
import struct
import sys

DT = {"f32": 0, "f64": 1, "f16": 2, "bf16": 3, "i8": 4, "i16": 5, "i32": 6, "i64": 7,
      "u8": 8, "u16": 9, "u32": 10, "u64": 11, "c64": 12, "c128": 13, "bool": 14, "f32x4": 15}
HUGE = {"INT64_MAX": 220, "INT64_MIN": 221, "2^62": 226, "sqrt": 227}  # byte % 20 = k_huge index


def stride(v):
    """One stride byte: small values -8..8 directly, else a huge-table entry."""
    if isinstance(v, str):
        return [HUGE[v]]
    assert -8 <= v <= 8
    return [v + 8]


def layout(shape, strides, like=False, copy_shape=True, copy_strides=False):
    out = []
    if like:
        out.append(0 if copy_shape else 230)  # 230: own dims follow
    if not like or not copy_shape:
        for n in shape:
            assert 0 <= n <= 6
            out.append(n)
    out.append(0)  # shape present
    if like and copy_strides:
        out.append(0)
        return out
    if strides is None:
        out.append(100)  # 100 % 5 == 0: NULL
    elif strides == "compact":
        out.append(101)
    elif strides[0] == "perm":
        out.append(102)
        out += strides[1]
    else:
        out.append(104)
        for s in strides:
            out += stride(s)
    return out


def case(op, entry, dtype, shape, xs, ys=None, y_copy_strides=False, same_struct=False,
         where="separate", delta=0, ypos=30000, xpos=100, xoff=8, arena=b"", objects=None):
    neg = 1 if op == "neg" else 0
    b = [neg | (entry << 1)]
    b.append(objects if objects is not None else (1 if same_struct else 0))
    b += [DT[dtype], 0, len(shape)]
    b += layout(shape, xs)
    b.append(0)  # ylink: y like x in dtype, device, ndim
    b += layout(shape, ys, like=True, copy_strides=y_copy_strides)
    b += [0] + list(struct.pack("<H", xpos)) + [xoff]  # x: auto placement
    if where == "inplace":
        b.append(0)
    elif where == "shift":
        b += [80, delta + 16]
    else:
        b += [200, 0] + list(struct.pack("<H", ypos)) + [0]
    return bytes(b) + arena


ARENA = bytes(range(1, 200, 3)) + struct.pack("<4f", 1.5, -0.0, float("inf"), float("nan"))
CASES = {
    "neg_f32_2x3": case("neg", 0, "f32", [2, 3], None, None, arena=ARENA),
    "neg_f64_inplace_same_struct": case("neg", 1, "f64", [3, 4], None, None, same_struct=True, arena=ARENA),
    "neg_i32_inplace_views": case("neg", 2, "i32", [4, 5], "compact", None, y_copy_strides=True, where="inplace", arena=ARENA),
    "neg_f16_transposed": case("neg", 0, "f16", [3, 4, 2], ("perm", [0, 1]), None, arena=ARENA),
    "neg_bf16_negative_strides": case("neg", 3, "bf16", [3, 4], [-4, -1], None, arena=ARENA),
    "neg_c128_strided": case("neg", 0, "c128", [2, 3, 2], [8, 2, 1], [6, 2, 1], arena=ARENA),
    "neg_c64_partial_overlap": case("neg", 1, "c64", [6], None, None, y_copy_strides=True, where="shift", delta=8, arena=ARENA),
    "neg_u8_partial_overlap_back": case("neg", 0, "u8", [5, 5], None, None, y_copy_strides=True, where="shift", delta=-3, arena=ARENA),
    "neg_i64_zero_stride_x": case("neg", 0, "i64", [4, 3], [0, 1], None, arena=ARENA),
    "neg_i8_y_self_overlap": case("neg", 0, "i8", [3, 3], None, [1, 1], arena=ARENA),
    "neg_f32_huge_stride": case("neg", 0, "f32", [2, 3], ["INT64_MAX", 1], None, arena=ARENA),
    "neg_f32_stride_sqrt": case("neg", 0, "f32", [3, 3], ["sqrt", "sqrt"], None, arena=ARENA),
    "neg_bool_refused": case("neg", 0, "bool", [4], None, None, arena=ARENA),
    "neg_vector_refused": case("neg", 0, "f32x4", [2], None, None, arena=ARENA),
    "neg_registry": case("neg", 4, "f32", [2, 2], None, None, arena=ARENA),
    "neg_x_null": case("neg", 0, "f32", [2], None, None, objects=254),
    "neg_y_null": case("neg", 0, "f32", [2], None, None, objects=255),
    "neg_scalar": case("neg", 0, "u16", [], None, None, arena=ARENA),
    "neg_empty": case("neg", 0, "f32", [0, 3], ["INT64_MAX", 1], None),
    "copy_bool": case("copy", 0, "bool", [3, 2], None, None, arena=ARENA),
    "copy_f32x4_inplace": case("copy", 1, "f32x4", [3], None, None, same_struct=True, arena=ARENA),
    "copy_u16_overlap": case("copy", 2, "u16", [2, 6], "compact", None, y_copy_strides=True, where="shift", delta=4, arena=ARENA),
    "copy_registry_perm": case("copy", 4, "i16", [2, 3, 4], ("perm", [1, 0]), None, arena=ARENA),
}
def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus", "kernel")
    os.makedirs(out, exist_ok=True)
    for name, data in CASES.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    # ndim 33 (one too many) and a negative ndim.
    with open(os.path.join(out, "ndim_33"), "wb") as f:
        f.write(bytes([1, 0, 0, 0, 241]) + bytes(40) + bytes(range(64)))
    with open(os.path.join(out, "ndim_negative"), "wb") as f:
        f.write(bytes([1, 0, 0, 0, 250, 0xff, 0x7f]) + bytes(16))
    # byte_offset beyond INT64_MAX: placement mode >= 244 picks a huge offset.
    with open(os.path.join(out, "byte_offset_huge"), "wb") as f:
        f.write(bytes([1, 0, 0, 0, 1, 3, 0, 100, 0, 0, 0, 0, 250, 0, 0, 0]) + bytes(8))
    print(f"wrote {len(CASES) + 3} seeds to {out}")


if __name__ == "__main__":
    main()
