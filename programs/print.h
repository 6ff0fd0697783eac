/* print.h - tensors as text for `c2op show` and `c2op net --fetch NAME`. */
#ifndef C2OP_CLI_PRINT_H
#define C2OP_CLI_PRINT_H

#include <stdint.h>
#include <stdio.h>

#include "c2op.h"

/** Prints a tensor of host-order elements nested like a Python list,
 *  one innermost row per line: [[1.5, -2, -0], [3, nan, -inf]]. Floats are
 *  printed with the fewest digits that read back to the same value in their
 *  own type (float16 and bfloat16 included), with signs of zeros and NaNs;
 *  complex values as (re+imj); bool as True/False; a tensor with a zero dim
 *  as []. `fortran` says the data
 *  is in column-major order; `indent` spaces start every line after the
 *  first. Ends with a newline. */
void cli_print_tensor(FILE *f, const void *data, DLDataType dtype, int ndim, const int64_t *shape,
                      int fortran, int indent);

#endif
