/* A consumer of an installed c2op: negates a vector and checks it. */
#include <c2op.h>
#include <stdio.h>

int main(void) {
  int32_t x[4] = {1, -2, 0, -2147483647 - 1}, y[4] = {0};
  int64_t shape[1] = {4};
  DLTensor tx = {x, {kDLCPU, 0}, 1, {kDLInt, 32, 1}, shape, NULL, 0};
  DLTensor ty = tx;
  ty.data = y;
  if (c2op_negative(&tx, &ty) != C2OP_OK) {
    fprintf(stderr, "c2op_negative: %s\n", c2op_last_error());
    return 1;
  }
  int ok = y[0] == -1 && y[1] == 2 && y[2] == 0 && y[3] == x[3];
  printf("installed c2op %s: %s\n", c2op_version_string(), ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
