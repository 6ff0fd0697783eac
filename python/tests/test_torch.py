"""PyTorch interop through DLPack: a tensor in gives a tensor out, zero-copy,
checked against torch.neg. Skipped when torch is not installed."""
import numpy as np
import pytest

import c2op

torch = pytest.importorskip("torch")

DTYPES = [torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.float16,
          torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128]


def sample(dtype, shape, gen):
    if dtype.is_floating_point or dtype.is_complex:
        return (torch.randn(shape, generator=gen, dtype=torch.float64) * 50).to(dtype)
    info = torch.iinfo(dtype)
    return torch.randint(info.min, info.max, shape, generator=gen, dtype=torch.int64).to(dtype)


INT_OF = {2: torch.int16, 4: torch.int32, 8: torch.int64}


def sign_flipped(x):
    """IEEE negate by definition: the sign bit of every real component
    flipped (torch.neg 1.13 gives +0.0 imaginary parts for complex, and a
    NaN of unchanged sign for bfloat16: SPEC's peers-get-it-wrong list)."""
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        return torch.neg(x)
    comp = torch.view_as_real(x) if x.dtype.is_complex else x
    comp = comp.contiguous()
    it = INT_OF[comp.element_size()]
    sign = torch.tensor(-(1 << (8 * comp.element_size() - 1)), dtype=it)
    flipped = (comp.view(it) ^ sign).view(comp.dtype)
    return torch.view_as_complex(flipped) if x.dtype.is_complex else flipped


def same_bits(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    return torch.equal(a.reshape(-1).contiguous().view(torch.uint8),
                       b.reshape(-1).contiguous().view(torch.uint8))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_tensor_in_tensor_out_matches_torch_neg(dtype, rng):
    gen = torch.Generator().manual_seed(int(rng.integers(1 << 31)))
    for shape in [(), (0,), (5,), (33, 17), (4, 5, 6)]:
        x = sample(dtype, shape, gen)
        y = c2op.negative(x)
        assert isinstance(y, torch.Tensor) and y.dtype == x.dtype and y.shape == x.shape
        assert same_bits(y, sign_flipped(x)), (dtype, shape)
        assert torch.equal(y, torch.neg(x))  # numerically what PyTorch gives


def test_views_in_place_and_out(rng):
    gen = torch.Generator().manual_seed(int(rng.integers(1 << 31)))
    x = sample(torch.float32, (64, 48), gen)
    for v in (x.t(), x[::3, 1::2], x[:, 7], x.unsqueeze(1).expand(64, 3, 48)):
        assert same_bits(c2op.negative(v), torch.neg(v))
    out = torch.empty(48, 64)
    assert c2op.negative(x.t(), out=out) is out
    assert same_bits(out, torch.neg(x.t()))
    want = torch.neg(x)
    assert c2op.negative(x, out=x) is x  # in place
    assert same_bits(x, want)
    ptr = x.data_ptr()
    c2op.negate_gradient(x, out=x)
    assert x.data_ptr() == ptr and same_bits(x, want)


def test_zero_copy_shares_memory_with_numpy():
    t = torch.arange(8, dtype=torch.float64)
    a = t.numpy()  # the same memory
    c2op.negative(a, out=t)  # NumPy in, tensor out: written through DLPack
    assert torch.equal(t, -torch.arange(8, dtype=torch.float64))
    n = np.zeros(8)
    c2op.negative(t, out=n)  # tensor in, NumPy out
    np.testing.assert_array_equal(n, np.arange(8))


def test_special_values():
    x = torch.tensor([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e-40])
    for dt in (torch.float32, torch.float64, torch.float16, torch.bfloat16):
        xd = x.to(dt)
        assert same_bits(c2op.negative(xd), sign_flipped(xd)), dt
        assert torch.equal(c2op.negative(xd).isnan(), xd.isnan())
    i = torch.tensor([torch.iinfo(torch.int32).min, -1, 0, 1], dtype=torch.int32)
    assert torch.equal(c2op.negative(i), torch.neg(i))


def test_errors():
    # bool: c2op refuses to negate it; PyTorch before 2.x cannot even export
    # it through DLPack. Either way a TypeError.
    with pytest.raises(TypeError):
        c2op.negative(torch.tensor([True, False]))
    with pytest.raises(TypeError, match="__dlpack__"):
        c2op.negative(torch.ones(2, requires_grad=True))
    out = torch.zeros(3, 3)
    with pytest.raises(ValueError, match="shape"):
        c2op.negative(torch.ones(3, 4), out=out)
    assert not out.any()
    with pytest.raises(TypeError):
        c2op.negative(torch.ones(3), out=torch.zeros(3, dtype=torch.float64))
