"""c2op: Caffe2's Negative and NegateGradient operators, for NumPy, PyTorch
and Caffe2 users.

    import c2op
    y = c2op.negative(x)            # y = -x; x a NumPy array, a torch.Tensor, ...
    c2op.negative(x, out=x)         # in place
    y = c2op.negate_gradient(x)     # y = x (the gradient reversal layer's forward)

    from c2op import core, workspace   # Caffe2's Python API, for these ops

Arrays go in zero-copy: NumPy arrays directly, anything else through
__dlpack__ (PyTorch, CuPy, JAX) or the buffer protocol. The result is of the
input's kind. See docs/PYTHON.md.
"""
from . import _c2op
from ._c2op import (get_num_threads, negate_gradient, negative, parallel_min_bytes,
                    set_num_threads)

__version__ = _c2op.build_info()["version"]
__all__ = ["negative", "negate_gradient", "set_num_threads", "get_num_threads",
           "parallel_min_bytes", "schema",
           "schemas", "build_info", "OpSchema"]


def build_info():
    """The library's version, the CPU instruction set its kernels use, and
    whether this build has CUDA (the Python package is built without)."""
    return _c2op.build_info()


def schema(op):
    """The registered schema of `op` as a dict: input/output counts and
    names, in-place pairs, dtypes, shape inference, ONNX mapping, docs, and
    which devices have kernels."""
    return _c2op.schema(str(op))


def schemas():
    """Names of every registered op, built-ins first."""
    return _c2op.schema_names()


class OpSchema:
    """Caffe2-style access to schemas: OpSchema.get("Negative")."""

    @staticmethod
    def get(op):
        return schema(op)


def _alloc_like(x):
    """A new, uninitialised array like x, of x's kind (outputs of
    __dlpack__ inputs). PyTorch and CuPy allocate their own; anything else
    gets NumPy memory, handed back through the input's library's from_dlpack
    when it has one (JAX: jax.dlpack.from_dlpack), else as a NumPy array."""
    mod = type(x).__module__.split(".")[0]
    if mod == "jaxlib":  # JAX's arrays are jaxlib's types; from_dlpack is jax's
        mod = "jax"
    if mod == "torch":
        import torch

        return torch.empty_like(x)
    if mod == "cupy":
        import cupy

        return cupy.empty_like(x)
    import sys

    import numpy

    try:
        y = numpy.empty(tuple(x.shape), dtype=numpy.dtype(str(x.dtype)))
    except (AttributeError, TypeError) as e:
        raise TypeError("out: cannot allocate an output like %s; pass out="
                        % type(x).__name__) from e
    lib = sys.modules.get(mod)
    from_dlpack = getattr(lib, "from_dlpack", None) or getattr(
        getattr(lib, "dlpack", None), "from_dlpack", None)
    return from_dlpack(y) if from_dlpack is not None else y


_c2op._set_alloc_hook(_alloc_like)
