// torch_peer.cpp - PyTorch's torch.neg as c2op-bench measures it: at::neg_out
// (PyTorch's C++ entry point, what torch.neg(x, out=y) calls below Python)
// on tensors that wrap the row's own buffers (at::from_blob with the row's
// sizes and strides), with at::set_num_threads(threads).
//
// The call includes PyTorch's own C++ dispatch and TensorIterator setup
// (about 0.3 us a call here), as c2op's figure includes its own checks; the
// Python layer above it is what bench/bench_python.py measures.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstdio>
#include <exception>
#include <new>
#include <vector>

#include "peer.h"

namespace {

struct TorchCall {
  at::Tensor x, y;
};

int torch_open(const char **version, char *, size_t) {
  *version = C2OP_TORCH_VERSION; // torch.__version__, from CMake
  return 0;
}

bool scalar_type_of(DLDataType t, at::ScalarType *out) {
  if (t.lanes != 1) return false;
  if (t.code == kDLInt && t.bits == 8) *out = at::kChar;
  else if (t.code == kDLFloat && t.bits == 16) *out = at::kHalf;
  else if (t.code == kDLFloat && t.bits == 32) *out = at::kFloat;
  else if (t.code == kDLFloat && t.bits == 64) *out = at::kDouble;
  else if (t.code == kDLComplex && t.bits == 128) *out = at::kComplexDouble;
  else return false;
  return true;
}

at::Tensor wrap(const DLTensor *t, at::ScalarType type) {
  std::vector<int64_t> sizes(t->shape, t->shape + t->ndim), strides(t->ndim);
  for (int d = t->ndim - 1; d >= 0; d--)
    strides[d] = t->strides ? t->strides[d]
                            : (d == t->ndim - 1 ? 1 : strides[d + 1] * sizes[d + 1]);
  return at::from_blob(static_cast<char *>(t->data) + t->byte_offset, sizes, strides,
                       at::TensorOptions().dtype(type));
}

bool same_elements(const DLTensor *x, const DLTensor *y) {
  if (x->data != y->data || x->byte_offset != y->byte_offset || x->ndim != y->ndim) return false;
  for (int d = 0; d < x->ndim; d++) {
    if (x->shape[d] != y->shape[d]) return false;
    if ((x->strides == nullptr) != (y->strides == nullptr)) return false;
    if (x->strides && x->strides[d] != y->strides[d]) return false;
  }
  return true;
}

int torch_prepare(const DLTensor *x, const DLTensor *y, int threads, void **call, char *why,
                  size_t why_len) {
  at::ScalarType type;
  if (!scalar_type_of(x->dtype, &type)) {
    std::snprintf(why, why_len, "no PyTorch dtype for this one");
    return 1;
  }
  try {
    auto *c = new TorchCall;
    c->x = wrap(x, type);
    // In place: the same tensor as input and output, as torch.neg(t, out=t).
    c->y = same_elements(x, y) ? c->x : wrap(y, type);
    at::set_num_threads(threads);
    *call = c;
    return 0;
  } catch (const std::exception &e) {
    std::snprintf(why, why_len, "%s", e.what());
    return 1;
  }
}

int torch_run(void *call) {
  auto *c = static_cast<TorchCall *>(call);
  try {
    at::neg_out(c->y, c->x);
    return 0;
  } catch (const std::exception &) {
    return 1;
  }
}

void torch_release(void *call) {
  delete static_cast<TorchCall *>(call);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const c2op_bench_peer c2op_bench_peer_entry = {
    C2OP_BENCH_PEER_ABI, "torch", torch_open, torch_prepare, torch_run, torch_release,
};
