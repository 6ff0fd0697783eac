#!/usr/bin/env python3
"""c2op on a Dask cluster: negate a chunked dask.array with
map_blocks(c2op.negative).

    python3 dask_negative.py                      # a LocalCluster: 2 worker processes on loopback
    python3 dask_negative.py --scheduler tcp://scheduler-host:8786   # a real cluster

Every worker must be able to `import c2op` (pip install ./python on each
machine, or in the image the workers run); see docs/PYTHON.md.
"""
import argparse
import time

import numpy as np


def negate_on_cluster(client, x, chunks):
    """-x for NumPy array x, computed block by block on the cluster's workers;
    returns the result as a NumPy array."""
    import dask.array as da

    import c2op

    dx = da.from_array(x, chunks=chunks)
    dy = dx.map_blocks(c2op.negative, dtype=dx.dtype)  # one c2op call per block, on a worker
    return client.compute(dy).result()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scheduler", help="address of a running Dask scheduler "
                    "(default: start a LocalCluster of 2 worker processes)")
    ap.add_argument("--rows", type=int, default=4000)
    ap.add_argument("--cols", type=int, default=2000)
    ap.add_argument("--chunk", type=int, default=1000)
    args = ap.parse_args()

    from distributed import Client, LocalCluster

    if args.scheduler:
        cluster = None
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    try:
        print("workers:", sorted(client.scheduler_info()["workers"]))
        x = np.random.default_rng(0).standard_normal((args.rows, args.cols)).astype(np.float32)
        t0 = time.perf_counter()
        y = negate_on_cluster(client, x, (args.chunk, args.chunk))
        dt = time.perf_counter() - t0
        ok = np.array_equal(y, np.negative(x))
        print("negated %s %s in %d blocks in %.3f s: %s" % (
            x.shape, x.dtype, -(-args.rows // args.chunk) * -(-args.cols // args.chunk), dt,
            "matches numpy.negative" if ok else "MISMATCH"))
        return 0 if ok else 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    raise SystemExit(main())
