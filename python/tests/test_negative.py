"""c2op.negative and c2op.negate_gradient on NumPy arrays and buffers,
checked against NumPy (integers), against the sign-bit definition of IEEE
negate (floats: bit patterns, so -0.0 and NaN payloads count), and against
copies (negate_gradient)."""
import array
import sys

import numpy as np
import pytest

import c2op

INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOATS = [np.float16, np.float32, np.float64]
COMPLEX = [np.complex64, np.complex128]
ALL = INTS + FLOATS + COMPLEX
UINT_OF = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def random_array(rng, dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    if dtype.kind == "c":
        part = np.float32 if dtype.itemsize == 8 else np.float64
        return (rng.standard_normal(shape).astype(part)
                + 1j * rng.standard_normal(shape).astype(part)).astype(dtype)
    return (rng.standard_normal(shape) * 100).astype(dtype)


def expected_negative(x):
    """The reference: NumPy for integers; for floating point and complex the
    IEEE negate, i.e. the sign bit of every real component flipped."""
    x = np.ascontiguousarray(x)
    if x.dtype.kind in "iu":
        with np.errstate(over="ignore"):
            return np.negative(x)
    comp = x.view(x.real.dtype) if x.dtype.kind == "c" else x
    u = UINT_OF[comp.dtype.itemsize]
    sign = u(1) << u(8 * comp.dtype.itemsize - 1)
    flipped = (comp.view(u) ^ sign).view(comp.dtype)
    return flipped.view(x.dtype) if x.dtype.kind == "c" else flipped


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    return np.array_equal(np.ascontiguousarray(a).view(np.uint8),
                          np.ascontiguousarray(b).view(np.uint8))


@pytest.mark.parametrize("dtype", ALL, ids=lambda d: np.dtype(d).name)
def test_negative_matches_reference_for_every_dtype(rng, dtype):
    for n in (1, 3, 16, 33, 1000, 4097, 70001):
        x = random_array(rng, dtype, n)
        before = x.copy()
        y = c2op.negative(x)
        assert type(y) is np.ndarray and y.dtype == x.dtype and y.shape == x.shape
        assert same_bits(y, expected_negative(x)), (dtype, n)
        assert same_bits(x, before)  # input untouched
        if x.dtype.kind in "iuf":
            with np.errstate(over="ignore", invalid="ignore"):
                np.testing.assert_array_equal(y, np.negative(x))


@pytest.mark.parametrize("dtype", ALL + [np.bool_], ids=lambda d: np.dtype(d).name)
def test_negate_gradient_copies_every_dtype(rng, dtype):
    x = (rng.integers(0, 2, 777).astype(bool) if dtype is np.bool_
         else random_array(rng, dtype, 777))
    y = c2op.negate_gradient(x)
    assert y is not x and not np.shares_memory(x, y)
    assert same_bits(y, x)


def test_special_values_float():
    # SPEC: floating point negation is a sign-bit flip: +0 -> -0, NaN keeps
    # its payload and gets its sign flipped, infinities swap.
    for dt, u in ((np.float16, np.uint16), (np.float32, np.uint32), (np.float64, np.uint64)):
        bits = 8 * np.dtype(dt).itemsize
        top = 1 << (bits - 1)
        exp_all = {16: 0x7C00, 32: 0x7F800000, 64: 0x7FF0000000000000}[bits]
        # +0, -0, +inf, -inf, NaNs with payloads and both signs, subnormals
        ints = [0, top, exp_all, exp_all | top, exp_all | 1, exp_all | 1 | top,
                exp_all | (1 << (bits // 2)), 1, 1 | top]
        x = np.array(ints, dtype=u).view(dt)
        y = c2op.negative(x)
        np.testing.assert_array_equal(y.view(u), np.array([i ^ top for i in ints], dtype=u))
    assert np.signbit(c2op.negative(np.array([0.0]))[0])
    assert not np.signbit(c2op.negative(np.array([-0.0]))[0])


def test_special_values_complex():
    x = np.array([complex(0.0, -0.0), complex(np.inf, np.nan), complex(-1.5, 2.5)],
                 dtype=np.complex128)
    y = c2op.negative(x)
    parts = y.view(np.float64)
    assert list(np.signbit(parts)) == [True, False, True, not np.signbit(np.nan), False, True]
    assert same_bits(y, expected_negative(x))


def test_special_values_integers():
    for dt in (np.int8, np.int16, np.int32, np.int64):
        info = np.iinfo(dt)
        x = np.array([info.min, info.min + 1, -1, 0, 1, info.max], dtype=dt)
        want = np.array([info.min, info.max, 1, 0, -1, info.min + 1], dtype=dt)
        np.testing.assert_array_equal(c2op.negative(x), want)
    for dt in (np.uint8, np.uint16, np.uint32, np.uint64):
        info = np.iinfo(dt)
        x = np.array([0, 1, 2, info.max], dtype=dt)
        want = np.array([0, info.max, info.max - 1, 1], dtype=dt)
        np.testing.assert_array_equal(c2op.negative(x), want)


def test_zero_dim_and_empty():
    y = c2op.negative(np.array(2.5, dtype=np.float32))
    assert isinstance(y, np.ndarray) and y.shape == () and y == -2.5
    for shape in [(0,), (3, 0), (0, 4, 5)]:
        x = np.empty(shape, np.float64)
        y = c2op.negative(x)
        assert y.shape == shape and y.dtype == x.dtype
        out = np.empty(shape, np.float64)
        assert c2op.negative(x, out=out) is out
    z = np.array(7, dtype=np.int16)
    c2op.negative(z, out=z)
    assert z == -7


@pytest.mark.parametrize("dtype", [np.int8, np.float16, np.float32, np.float64, np.complex128],
                         ids=lambda d: np.dtype(d).name)
def test_strided_views(rng, dtype):
    base = random_array(rng, dtype, (9, 10, 11))
    views = [
        base[::2], base[:, ::-1], base[::-3, 1::2, ::-2], base.transpose(2, 0, 1),
        base[..., 5], base[:, 3, ::-1], base.T[::-1], base[1:8, 2:9, 3:10].swapaxes(0, 2),
        np.broadcast_to(base[0, 0], (4, 11)),  # zero strides in x are fine
    ]
    for v in views:
        y = c2op.negative(v)
        assert same_bits(y, expected_negative(v))
        # A strided out: the same view shape inside a bigger array.
        big = np.zeros((v.shape[0] * 2,) + v.shape[1:], dtype) if v.ndim else None
        if big is not None:
            out = big[::-2]
            assert c2op.negative(v, out=out) is out
            assert same_bits(out, expected_negative(v))
            assert not big[0::2].any()  # nothing written between the rows


def test_in_place(rng):
    for dtype in ALL:
        x = random_array(rng, dtype, (37, 41))
        want = expected_negative(x)
        assert c2op.negative(x, out=x) is x
        assert same_bits(x, want)
        v = x[::-1, ::2]  # in place on a strided view
        want = expected_negative(v)
        c2op.negative(v, out=v)
        assert same_bits(v, want)


def test_partial_overlap_reads_x_in_full_first(rng):
    for dtype in (np.int32, np.float64, np.complex64):
        for shift in (1, 3, 100):
            a = random_array(rng, dtype, 5000)
            orig = a.copy()
            x, out = a[:-shift], a[shift:]
            c2op.negative(x, out=out)
            assert same_bits(out, expected_negative(orig[:-shift]))
            assert same_bits(a[:shift], orig[:shift])
            # and the other direction, as NumPy's ufuncs give it
            b = orig.copy()
            c2op.negative(b[shift:], out=b[:-shift])
            ref = orig.copy()
            with np.errstate(over="ignore"):
                np.negative(ref[shift:], out=ref[:-shift])
            if np.dtype(dtype).kind != "c":
                assert same_bits(b, ref)
            assert same_bits(b[:-shift], expected_negative(orig[shift:]))


def test_negate_gradient_in_place_and_overlap():
    a = np.arange(10, dtype=np.float32)
    assert c2op.negate_gradient(a, out=a) is a
    np.testing.assert_array_equal(a, np.arange(10))
    c2op.negate_gradient(a[:-2], out=a[2:])
    np.testing.assert_array_equal(a, [0, 1, 0, 1, 2, 3, 4, 5, 6, 7])


def test_buffer_protocol_inputs():
    y = c2op.negative(array.array("i", [1, -2, 3]))
    assert isinstance(y, np.ndarray) and y.dtype == np.dtype("i")
    np.testing.assert_array_equal(y, [-1, 2, -3])
    buf = bytearray(b"\x01\x02\x00")
    c2op.negative(buf, out=buf)
    assert buf == bytearray(b"\xff\xfe\x00")
    out = array.array("d", [0.0, 0.0])
    assert c2op.negative(memoryview(array.array("d", [1.5, -2.0])), out=out) is out
    assert list(out) == [-1.5, 2.0]


def test_read_only_buffer_as_out_is_refused():
    # NumPy would view a read-only buffer through a writeable copy; the
    # result would be lost without a word.
    x = np.arange(1, 5, dtype=np.uint8)
    with pytest.raises(ValueError, match="out: buffer is read-only"):
        c2op.negative(x, out=bytes(4))
    ba = bytearray(4)
    with pytest.raises(ValueError, match="out: buffer is read-only"):
        c2op.negate_gradient(x, out=memoryview(ba).toreadonly())
    assert ba == bytearray(4)
    # A read-only buffer is fine as the input.
    y = c2op.negative(bytes([1, 2, 3, 4]))
    np.testing.assert_array_equal(y, [255, 254, 253, 252])


def test_keyword_and_positional_forms():
    x = np.ones(4, np.float32)
    out = np.empty_like(x)
    assert c2op.negative(x, out) is out
    assert c2op.negative(x=x, out=out) is out
    np.testing.assert_array_equal(c2op.negative(x, out=None), -x)
    with pytest.raises(TypeError):
        c2op.negative()
    with pytest.raises(TypeError):
        c2op.negative(x, out, out)
    with pytest.raises(TypeError):
        c2op.negative(x, outt=out)
    with pytest.raises(TypeError):
        c2op.negative(x, x=x)


def test_dtype_errors_raise_type_error_and_leave_out_untouched():
    out = np.full(3, 9, np.int8)
    with pytest.raises(TypeError, match="bool"):
        c2op.negative(np.array([True, False, True]), out=np.zeros(3, bool))
    with pytest.raises(TypeError, match="does not match"):
        c2op.negative(np.ones(3, np.int16), out=out)
    np.testing.assert_array_equal(out, [9, 9, 9])
    with pytest.raises(TypeError):
        c2op.negative(np.array(["a", "b"]))
    with pytest.raises(TypeError):
        c2op.negative(np.array([1, None], dtype=object))
    if np.dtype(np.longdouble).itemsize > 8:
        with pytest.raises(TypeError):
            c2op.negative(np.ones(2, np.longdouble))
    with pytest.raises(TypeError, match="byte order"):
        c2op.negative(np.ones(2, ">f4"))
    with pytest.raises(TypeError, match="expected an array"):
        c2op.negative([1.0, 2.0])
    with pytest.raises(TypeError):
        c2op.negative(np.ones(3), out="abc")


def test_shape_and_overlap_errors_raise_value_error():
    out = np.full((3, 3), 5.0)
    with pytest.raises(ValueError, match="shape"):
        c2op.negative(np.ones((3, 4)), out=out)
    np.testing.assert_array_equal(out, 5.0)
    # An output whose elements overlap each other (a zero stride).
    base = np.zeros(4)
    self_overlap = np.lib.stride_tricks.as_strided(base, (3, 4), (0, 8))
    with pytest.raises(ValueError, match="overlap"):
        c2op.negative(np.ones((3, 4)), out=self_overlap)
    assert not base.any()
    ro = np.zeros(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        c2op.negative(np.ones(3), out=ro)
    with pytest.raises(ValueError, match="not a multiple"):
        c2op.negative(np.zeros(8, np.uint8)[1:].view(np.uint8).reshape(7)[::1].view(np.uint8),
                      out=np.lib.stride_tricks.as_strided(np.zeros(16, np.float32), (3,), (6,)))


def test_results_do_not_alias_inputs(rng):
    x = random_array(rng, np.float32, (64, 64))
    y = c2op.negative(x)
    assert not np.shares_memory(x, y)
    # keep-order allocation: a transposed input gives a transposed output
    yt = c2op.negative(x.T)
    assert yt.flags.f_contiguous and same_bits(yt, expected_negative(x.T))


def test_large_threaded_sizes(rng):
    # Large enough for the library's thread pool and streaming stores.
    x = random_array(rng, np.float32, 24 << 20 >> 2)
    assert same_bits(c2op.negative(x), expected_negative(x))
    out = np.empty_like(x)
    c2op.negative(x, out=out)
    assert same_bits(out, expected_negative(x))


@pytest.mark.parametrize("value, want", [
    ("1000", 1000), ("0", 0), ("99999999999999999999999", (1 << 63) - 1),
    (" 1000", 64 << 20), ("+1000", 64 << 20), ("1000 ", 64 << 20), ("1K", 64 << 20),
    ("-5", 64 << 20), ("", 64 << 20),
])
def test_parallel_min_bytes_takes_digits_only(value, want):
    # The library's rule for every byte count: digits only, saturating.
    import os
    import subprocess
    env = dict(os.environ, C2OP_PY_PARALLEL_MIN_BYTES=value)
    got = subprocess.run([sys.executable, "-c", "import c2op; print(c2op.parallel_min_bytes())"],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert int(got) == want, (value, got)


def test_num_threads_setting(rng):
    x = random_array(rng, np.float32, 3 << 20)  # 12 MiB: threaded when allowed
    want = expected_negative(x)
    assert c2op.get_num_threads() is None  # the package default
    assert c2op.parallel_min_bytes() == 64 << 20
    try:
        for n in (1, 2, 3, 0, None):
            c2op.set_num_threads(n)
            assert c2op.get_num_threads() == n
            assert same_bits(c2op.negative(x), want)
        with pytest.raises(ValueError):
            c2op.set_num_threads(-1)
        with pytest.raises(ValueError):
            c2op.set_num_threads(100000)
        with pytest.raises(TypeError):
            c2op.set_num_threads("2")
    finally:
        c2op.set_num_threads(None)


def test_python_threads_call_concurrently(rng):
    # The GIL is released during the kernel: calls from several Python
    # threads overlap, each with its own arrays, all results right.
    import threading

    xs = [random_array(rng, dt, 1 << 19) for dt in (np.float32, np.int16, np.float64, np.uint8)]
    outs = [np.empty_like(x) for x in xs]
    errors = []

    def work(i):
        try:
            for _ in range(20):
                c2op.negative(xs[i], out=outs[i])
                assert same_bits(outs[i], expected_negative(xs[i]))
        except Exception as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_gil_is_released_while_the_kernel_runs():
    # With a huge switch interval, another Python thread can run only when
    # this one releases the GIL: it counts during a kernel call exactly when
    # c2op releases the GIL around the kernel (no timing is asserted: the
    # count is zero either way unless the GIL was let go).
    import sys
    import threading
    import time

    x = np.ones(16 << 20, np.float32)  # 64 MiB: a call of milliseconds
    y = np.zeros_like(x)
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0)  # hands the GIL back at once

    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    t = threading.Thread(target=spin)
    try:
        t.start()
        during = []
        for _ in range(50):
            before = counter[0]
            c2op.negative(x, out=y)
            during.append(counter[0] - before)
            if during[-1] > 0:
                break
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old)
    assert max(during) > 0, during
    assert y[0] == -1.0


class DLPackOnly:
    """An array that speaks only DLPack (like a foreign library's), backed
    by a NumPy array: exercises the DLPack path without PyTorch."""

    def __init__(self, a):
        self._a = a
        self.shape = a.shape
        self.dtype = a.dtype

    def __dlpack__(self, stream=None):
        return self._a.__dlpack__()

    def __dlpack_device__(self):
        return self._a.__dlpack_device__()


class JaxLike(DLPackOnly):
    """Stands for a JAX array: its type lives in jaxlib, its from_dlpack in
    jax.dlpack (checked against JAX 0.4.30 by hand; JAX is not installed
    for the test suite)."""


JaxLike.__module__ = "jaxlib.xla_extension"


def test_outputs_of_jax_arrays_go_back_through_jax_dlpack(monkeypatch):
    import types

    wrapped = []
    fake_jax = types.ModuleType("jax")
    fake_jax.dlpack = types.SimpleNamespace(from_dlpack=lambda a: wrapped.append(a) or JaxLike(a))
    monkeypatch.setitem(sys.modules, "jax", fake_jax)
    a = np.array([1.5, -0.0, 3.0], np.float32)
    y = c2op.negative(JaxLike(a))
    assert isinstance(y, JaxLike) and len(wrapped) == 1
    assert same_bits(y._a, expected_negative(a))


def test_any_dlpack_producer(rng):
    a = random_array(rng, np.float64, (40, 30))[::2, ::-3]
    y = c2op.negative(DLPackOnly(a))  # no from_dlpack in its module: a NumPy array
    assert isinstance(y, np.ndarray) and same_bits(y, expected_negative(a))
    out = np.zeros(a.shape)
    w = DLPackOnly(out)
    assert c2op.negative(DLPackOnly(a), out=w) is w
    assert same_bits(out, expected_negative(a))
    g = DLPackOnly(a.copy())
    c2op.negative(g, out=g)  # in place through two capsules of one array
    assert same_bits(g._a, expected_negative(a))
    with pytest.raises(ValueError, match="shape"):
        c2op.negative(DLPackOnly(a), out=DLPackOnly(np.zeros((2, 2))))
    ro = np.ones(3)
    ro.flags.writeable = False  # NumPy refuses to export read-only arrays
    with pytest.raises(TypeError, match="__dlpack__"):
        c2op.negative(np.ones(3), out=DLPackOnly(ro))
