/* npy.h - NumPy's .npy format: header reader and writer, dtype mapping,
 * byte swapping. CLI-side: the library knows tensors, not files.
 *
 * Format (numpy/lib/format.py, NEP 1): magic "\x93NUMPY", major and minor
 * version bytes, header length (uint16 LE for 1.0, uint32 LE for 2.0 and
 * 3.0), then the header: a Python dict literal with exactly the keys
 * 'descr' (a dtype string such as '<f4'), 'fortran_order' (True/False) and
 * 'shape' (a tuple of ints), padded with spaces and ended by '\n'. 1.0 and
 * 2.0 headers are latin-1, 3.0 headers UTF-8. The data follows: the
 * elements in C or Fortran order, no padding. */
#ifndef C2OP_CLI_NPY_H
#define C2OP_CLI_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "c2op.h"

/** NumPy 2 allows 64 dims (NumPy 1: 32). */
#define NPY_MAX_DIMS 64
/** The largest header c2op reads (NumPy's own default limit is 10000). */
#define NPY_MAX_HEADER_BYTES (1u << 20)

typedef struct {
  int major, minor;         /**< format version of the file read */
  char descr[64];           /**< the descr string as written in the file */
  char canonical_descr[16]; /**< what NumPy writes for this dtype: '<f4', '|u1', ... */
  DLDataType dtype;         /**< lanes 1 */
  size_t itemsize;          /**< bytes per element */
  size_t swap_unit;         /**< bytes per byte-swapped unit; 0 = stored in host order */
  int fortran_order;        /**< 1 if the data is in Fortran (column-major) order */
  int ndim;
  int64_t shape[NPY_MAX_DIMS];
  uint64_t numel;       /**< product of the shape (1 for ndim 0) */
  uint64_t data_bytes;  /**< numel * itemsize */
  uint64_t data_offset; /**< bytes before the data (magic + lengths + header) */
} npy_header;

/** Reads and checks the header from the start of `fd`, leaving the file
 *  offset at the first data byte. 0 on success; -1 with a message in
 *  `err` (bad magic, unsupported version, header not a valid dict, shape
 *  product overflowing, unsupported dtype, I/O errors). `as_bfloat16`
 *  reads 2-byte void data ('<V2', how NumPy with ml_dtypes saves bfloat16;
 *  '|V2', '>V2', 'V2') as bfloat16, keeping the descr (bare 'V2' as '|V2'). */
int npy_read_header(int fd, int as_bfloat16, npy_header *h, char *err, size_t err_size);

/** Fills `h` for writing: the dtype, byte order (swap_unit as for reading:
 *  0 = host order), order and shape; computes numel and data_bytes, and
 *  the canonical descr. 0, or -1 with a message for an unsupported dtype or
 *  a shape whose size overflows. */
int npy_header_init(npy_header *h, DLDataType dtype, int big_endian, int fortran_order, int ndim,
                    const int64_t *shape, char *err, size_t err_size);

/** Formats the header exactly as NumPy's np.save does for the same array:
 *  keys sorted, spare spaces after the dict for the growth axis, padded
 *  so the data starts at a multiple of 64 bytes, version 1.0 when the
 *  header fits, else 2.0. Fortran order is written only for arrays that are
 *  not also C-contiguous (NumPy's rule: ndim <= 1 or at most one dim larger
 *  than 1 writes False). Writes into buf (size >= NPY_MAX_HEADER_BYTES is
 *  plenty); returns the length, or 0 if it does not fit. Sets
 *  h->data_offset. */
size_t npy_format_header(npy_header *h, char *buf, size_t size);

/** Whether this host is big-endian. */
int npy_host_big_endian(void);

/** Reverses the bytes of each `unit`-byte unit of `n` bytes in place. */
void npy_byteswap(void *data, size_t n, size_t unit);

/** The shape as NumPy prints it: "()", "(3,)", "(2, 3)". */
void npy_format_shape(const npy_header *h, char *buf, size_t size);

#endif
