"""Scale-out on Dask: a chunked dask.array negated with
map_blocks(c2op.negative) on a distributed.LocalCluster of 2 worker
processes on loopback; results checked against NumPy."""
import importlib.util
import os

import numpy as np
import pytest

import c2op

da = pytest.importorskip("dask.array", reason="dask is not installed")
distributed = pytest.importorskip("distributed", reason="distributed is not installed")


def load_example():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python",
                        "dask_negative.py")
    spec = importlib.util.spec_from_file_location("dask_negative", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       host="127.0.0.1", dashboard_address=None)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def test_map_blocks_negative_on_two_worker_processes(client, rng):
    x_np = rng.standard_normal((2000, 1500)).astype(np.float32)
    x = da.from_array(x_np, chunks=(500, 500))  # 12 blocks
    y = x.map_blocks(c2op.negative, dtype=x.dtype)
    got = y.compute()
    assert isinstance(got, np.ndarray) and got.shape == x_np.shape
    np.testing.assert_array_equal(got, -x_np)
    # Both worker processes took part.
    workers = client.scheduler_info()["workers"]
    assert len(workers) == 2
    pids = set(client.run(lambda: __import__("os").getpid()).values())
    assert len(pids) == 2


def test_map_blocks_strided_and_integer(client, rng):
    x_np = rng.integers(-1000, 1000, size=(3000, 400), dtype=np.int64)
    x = da.from_array(x_np, chunks=(700, 150))[::-1, ::3]
    got = x.map_blocks(c2op.negative, dtype=x.dtype).compute()
    np.testing.assert_array_equal(got, -x_np[::-1, ::3])
    g = x.map_blocks(c2op.negate_gradient, dtype=x.dtype).compute()
    np.testing.assert_array_equal(g, x_np[::-1, ::3])


def test_the_dask_example_on_the_cluster(client, rng):
    example = load_example()
    x = rng.standard_normal((900, 700)).astype(np.float64)
    y = example.negate_on_cluster(client, x, (300, 250))
    np.testing.assert_array_equal(y, -x)
