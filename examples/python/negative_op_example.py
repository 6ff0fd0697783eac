#!/usr/bin/env python3
"""Caffe2's documentation example for the Negative operator, run on c2op:
the only change from Caffe2's text is the import line."""
import numpy as np

from c2op import core, workspace  # Caffe2: from caffe2.python import core, workspace

workspace.ResetWorkspace()

op = core.CreateOperator(
    "Negative",
    ["X"],
    ["Y"],
)

workspace.FeedBlob("X", (np.random.rand(3, 3).astype(np.float32)))
print("X:", workspace.FetchBlob("X"))
workspace.RunOperatorOnce(op)
print("Y:", workspace.FetchBlob("Y"))
