#!/usr/bin/env python3
"""A gradient reversal layer in a Caffe2 net on c2op: the forward pass copies
(NegateGradient), the backward net that AddGradientOperators builds negates
the gradient. Prints the net, its backward ops and the blobs."""
import numpy as np

from c2op import core, workspace

workspace.ResetWorkspace()
workspace.FeedBlob("features", np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32))

net = core.Net("grl")
reversed_features = net.NegateGradient(["features"], ["reversed"])
grad_map = net.AddGradientOperators([reversed_features])

print(net.Proto())
print("gradient blobs:", {k: str(v) for k, v in grad_map.items()})
workspace.RunNetOnce(net)
for blob in ("features", "reversed", grad_map["reversed"], grad_map["features"]):
    print("%s:\n%s" % (blob, workspace.FetchBlob(blob)))
