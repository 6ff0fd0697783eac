#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_npy (fuzz/corpus/npy/) with NumPy's own
writer: the dtypes c2op reads, both byte orders, C and Fortran order, 0-d
and empty arrays, format versions 1.0, 2.0 and 3.0, and a few files c2op
must refuse (structured dtype, strings, object header). Rerun:
python3 fuzz/seeds/make_npy_seeds.py"""
import io
import os
import sys

import numpy as np
from numpy.lib import format as npf


def save(arr, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, arr, allow_pickle=False)
    else:
        npf.write_array(buf, arr, version=version, allow_pickle=False)
    return buf.getvalue()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus", "npy")
    os.makedirs(out, exist_ok=True)
    a = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
    seeds = {
        "f32_2x3": save(a),
        "f64_fortran": save(np.asfortranarray(a.astype(np.float64))),
        "f16_big_endian": save(a.astype(">f2")),
        "i8": save(np.array([-128, -1, 0, 1, 127], dtype=np.int8)),
        "i16_be": save(np.array([[1, -2], [3, -4]], dtype=">i2")),
        "i32_3d": save(np.arange(24, dtype=np.int32).reshape(2, 3, 4)),
        "i64_be_fortran": save(np.asfortranarray(np.arange(6, dtype=">i8").reshape(3, 2))),
        "u8": save(np.array([0, 1, 255], dtype=np.uint8)),
        "u16_be": save(np.array([1, 65535], dtype=">u2")),
        "u32": save(np.array([7], dtype=np.uint32)),
        "u64": save(np.array([2**64 - 1], dtype=np.uint64)),
        "c64": save(np.array([1 + 2j, -3j], dtype=np.complex64)),
        "c128_be": save(np.array([1 - 1j], dtype=">c16")),
        "bool": save(np.array([True, False, True])),
        "scalar_0d": save(np.float32(3.5).reshape(())),
        "empty_0x3": save(np.zeros((0, 3), dtype=np.float32)),
        "v2_bf16_as_void": save(np.zeros(3, dtype="V2")),
        "version_2_0": save(a, version=(2, 0)),
        "version_3_0": save(a, version=(3, 0)),
        "structured_refused": save(np.zeros(2, dtype=[("a", "<f4"), ("b", "<i2")])),
        "string_refused": save(np.array([b"ab", b"cd"])),
    }
    # Hand-written headers NumPy accepts but does not write.
    def raw(header, data=b"", version=1):
        h = header.encode("latin-1")
        if version == 1:
            return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + data
        return b"\x93NUMPY" + bytes([version, 0]) + len(h).to_bytes(4, "little") + h + data
    seeds["hand_double_quotes"] = raw('{"descr": "<f4", "shape": (2,), "fortran_order": False}\n', bytes(8))
    seeds["hand_long_suffix"] = raw("{'descr':'<i4','fortran_order':False,'shape':(1L, 2L)}\n", bytes(8))
    seeds["hand_underscore_dims"] = raw("{'descr': '<u1', 'fortran_order': False, 'shape': (1_0,), }\n", bytes(10))
    seeds["hand_huge_shape"] = raw("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n")
    seeds["hand_truncated_data"] = raw("{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }\n", bytes(3))
    for name, data in seeds.items():
        with open(os.path.join(out, name + ".npy"), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {out}")


if __name__ == "__main__":
    main()
