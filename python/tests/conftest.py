"""Shared fixtures: a seeded random generator whose seed is printed, so a
failing randomized test can be rerun (C2OP_TEST_SEED=<seed> pytest ...)."""
import os
import random

import numpy as np
import pytest


@pytest.fixture
def rng(request):
    seed = int(os.environ.get("C2OP_TEST_SEED", random.SystemRandom().randrange(1 << 32)))
    print("%s: seed %d (rerun with C2OP_TEST_SEED=%d)" % (request.node.name, seed, seed))
    return np.random.default_rng(seed)
