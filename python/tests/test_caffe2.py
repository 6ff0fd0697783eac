"""The Caffe2 API of c2op.core and c2op.workspace: Caffe2's documentation
example for Negative and Caffe2's NegateGradient test, with only the import
line changed (hypothesis' strategies replaced by seeded random shapes and
dtypes), plus schemas, gradient defs and NetDef text."""
import numpy as np
import pytest

from c2op import core, workspace  # Caffe2: from caffe2.python import core, workspace
import c2op


def test_caffe2_documentation_example_for_negative(capsys):
    # Caffe2's Negative doc example: feed a random 3x3 float32 X, run
    # Negative(X) -> Y once, print X and Y.
    workspace.ResetWorkspace()
    op = core.CreateOperator("Negative", ["X"], ["Y"])
    workspace.FeedBlob("X", (np.random.rand(3, 3).astype(np.float32)))
    print("X:", workspace.FetchBlob("X"))
    workspace.RunOperatorOnce(op)
    print("Y:", workspace.FetchBlob("Y"))
    x, y = workspace.FetchBlob("X"), workspace.FetchBlob("Y")
    assert y.dtype == np.float32 and y.shape == (3, 3)
    np.testing.assert_array_equal(y, -x)
    out = capsys.readouterr().out
    assert out.startswith("X: [[") and "\nY: [[-" in out


# --- Caffe2's NegateGradient test (operator_test/negate_gradient_op_test.py) ---

def random_tensor(rng):
    # stands in for hypothesis_test_util.tensor(): 1-4 dims of 1-10, float32
    shape = tuple(rng.integers(1, 11, size=rng.integers(1, 5)))
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("inplace", [False, True])
def test_negate_gradient_forward(rng, inplace):
    for _ in range(20):
        X = random_tensor(rng)

        def neg_grad_ref(X):
            return (X,)

        op = core.CreateOperator("NegateGradient", ["X"], ["Y" if not inplace else "X"])
        # assertReferenceChecks(gc, op, [X], neg_grad_ref), on the CPU:
        workspace.ResetWorkspace()
        workspace.FeedBlob("X", X)
        workspace.RunOperatorOnce(op)
        (ref,) = neg_grad_ref(X)
        np.testing.assert_array_equal(workspace.FetchBlob(op.output[0]), ref)


def test_negate_gradient_grad(rng):
    for _ in range(20):
        size = list(rng.integers(1, 21, size=rng.integers(1, 6)))  # lists of 1..20, 1..5 long
        X = np.random.random_sample(size)
        workspace.ResetWorkspace()
        workspace.FeedBlob("X", X.astype(np.float32))

        net = core.Net("negate_grad_test")
        Y = net.NegateGradient(["X"], ["Y"])

        grad_map = net.AddGradientOperators([Y])
        workspace.RunNetOnce(net)

        # check X_grad == negate of Y_grad
        x_val, y_val = workspace.FetchBlobs(["X", "Y"])
        x_grad_val, y_grad_val = workspace.FetchBlobs([grad_map["X"], grad_map["Y"]])
        np.testing.assert_array_equal(x_val, y_val)
        np.testing.assert_array_equal(x_grad_val, y_grad_val * (-1))
        # Caffe2 seeded the output gradient with ones
        np.testing.assert_array_equal(y_grad_val, np.ones(size, np.float32))


# --- the rest of the API ---

def test_add_gradient_operators_builds_the_backward_net():
    net = core.Net("grl")
    h = net.Negative(["X"], ["H"])
    y = net.NegateGradient([h], ["Y"])
    grad_map = net.AddGradientOperators([y])
    assert {k: str(v) for k, v in grad_map.items()} == {
        "X": "X_grad", "H": "H_grad", "Y": "Y_grad"}
    ops = [(o.type, o.input, o.output, o.is_gradient_op) for o in net.Proto().op]
    assert ops == [
        ("Negative", ["X"], ["H"], False),
        ("NegateGradient", ["H"], ["Y"], False),
        ("OnesLike", ["Y"], ["Y_grad"], True),
        ("Negative", ["Y_grad"], ["H_grad"], True),
        ("Negative", ["H_grad"], ["X_grad"], True),
    ]
    workspace.ResetWorkspace()
    workspace.FeedBlob("X", np.arange(6, dtype=np.float64).reshape(2, 3))
    workspace.RunNetOnce(net)
    np.testing.assert_array_equal(workspace.FetchBlob("Y"), -np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(workspace.FetchBlob("X_grad"), np.ones((2, 3)))


def test_gradient_fed_by_caller():
    net = core.Net("n")
    net.Negative(["X"], ["Y"])
    grad_map = net.AddGradientOperators({"Y": "Y_grad"})
    assert str(grad_map["X"]) == "X_grad"
    assert [o.type for o in net.Proto().op] == ["Negative", "Negative"]
    workspace.ResetWorkspace()
    workspace.FeedBlob("X", np.ones(3, np.int32))
    workspace.FeedBlob("Y_grad", np.array([1, 2, 3], np.int32))
    workspace.RunNetOnce(net)
    np.testing.assert_array_equal(workspace.FetchBlob("X_grad"), [-1, -2, -3])


def test_in_place_forward_gradients():
    net = core.Net("inplace")
    net.Negative(["X"], ["X"])
    net.NegateGradient(["X"], ["Y"])
    grad_map = net.AddGradientOperators(["Y"])
    workspace.ResetWorkspace()
    workspace.FeedBlob("X", np.array([1.0, -2.0]))
    workspace.RunNetOnce(net)
    np.testing.assert_array_equal(workspace.FetchBlob("Y"), [-1.0, 2.0])
    np.testing.assert_array_equal(workspace.FetchBlob(grad_map["X"]), [1.0, 1.0])


def test_net_text_round_trip_through_the_library():
    net = core.Net("round")
    net.Negative(["A"], ["B"])
    net.Proto().external_input.append("A")
    net.Proto().external_output.append("B")
    text = str(net.Proto())
    assert text == ('name: "round"\nop {\n  input: "A"\n  output: "B"\n  type: "Negative"\n}\n'
                    'external_input: "A"\nexternal_output: "B"\n')
    back = core.NetDef.FromText(text)
    assert back.name == "round" and back.op == net.Proto().op
    assert back.external_input == ["A"] and back.external_output == ["B"]
    workspace.ResetWorkspace()
    workspace.FeedBlob("A", np.array([3], np.int8))
    workspace.RunNetOnce(text)  # NetDef text runs as is
    assert workspace.FetchBlob("B")[0] == -3


def test_names_that_are_not_utf8_cross_both_ways():
    # The text escape \377 makes a name of one byte 0xff, not UTF-8: it
    # comes to Python as a lone surrogate (surrogateescape) and goes back
    # to the library as the same byte, through every call.
    text = 'name: "n\\377" op { type: "Negative" input: "\\377" output: "Y" }'
    net = core.NetDef.FromText(text)
    assert net.name == "n\udcff" and net.op[0].input == ["\udcff"]
    workspace.ResetWorkspace()
    workspace.FeedBlob("\udcff", np.array([5], np.int16))
    workspace.RunNetOnce(text)
    assert workspace.FetchBlob("Y")[0] == -5
    assert "\udcff" in workspace.Blobs() and workspace.HasBlob("\udcff")
    again = core.NetDef.FromText(str(net))  # written back, read again
    assert again.name == net.name and again.op == net.op
    workspace.RunNetOnce(net)
    workspace.ResetWorkspace()
    with pytest.raises(ValueError, match="embedded null"):
        workspace.FeedBlob("a\0b", np.array([1], np.int8))


def test_schemas_and_gradient_defs_are_inspectable():
    assert {"Negative", "NegateGradient", "Sum", "OnesLike"} <= set(c2op.schemas())
    s = c2op.schema("Negative")
    assert s["onnx_name"] == "Neg" and s["inplace"] == [(0, 0)]
    assert (s["min_inputs"], s["max_inputs"], s["min_outputs"], s["max_outputs"]) == (1, 1, 1, 1)
    assert "float32" in s["dtypes"] and "bool" not in s["dtypes"]
    assert s["input_names"] == ["X"] and s["output_names"] == ["Y"] and s["cpu_kernel"]
    assert c2op.OpSchema.get("NegateGradient")["inference"] == "IdenticalTypeAndShape"
    with pytest.raises(RuntimeError, match="NOT_FOUND"):
        c2op.schema("NoSuchOp")

    for op_type in ("Negative", "NegateGradient"):
        op = core.CreateOperator(op_type, ["X"], ["Y"])
        grad_ops, g_input = core.GradientRegistry.GetGradientForOp(op, ["Y_grad"])
        assert g_input == ["X_grad"]
        assert [(g.type, g.input, g.output, g.is_gradient_op) for g in grad_ops] == [
            ("Negative", ["Y_grad"], ["X_grad"], True)]


def test_workspace_blobs_and_errors():
    workspace.ResetWorkspace()
    assert workspace.Blobs() == [] and not workspace.HasBlob("X")
    workspace.FeedBlob("X", [1.5, 2.5])  # lists go through numpy.asarray
    assert workspace.HasBlob("X") and workspace.Blobs() == ["X"]
    np.testing.assert_array_equal(workspace.FetchBlob("X"), [1.5, 2.5])
    with pytest.raises(RuntimeError, match="NOT_FOUND"):
        workspace.FetchBlob("missing")
    with pytest.raises(RuntimeError):
        workspace.RunOperatorOnce(core.CreateOperator("Negative", ["missing"], ["Y"]))
    assert not workspace.HasBlob("Y")  # a failed op leaves the workspace unchanged
    with pytest.raises(TypeError, match="bool"):
        workspace.FeedBlob("B", np.array([True]))
        workspace.RunOperatorOnce(core.CreateOperator("Negative", ["B"], ["C"]))
    with pytest.raises(ValueError):
        workspace.RunNetOnce('op { type: "Negative" input: "X" }')  # no output
    with pytest.raises(RuntimeError, match="line 1"):
        workspace.RunNetOnce('op { type: "Nope" input: "X" output: "Y" }')
    with pytest.raises(TypeError):
        core.CreateOperator("Negative", ["X"], ["Y"], value=1.0)
    with pytest.raises(AttributeError):
        core.Net("n").NoSuchOp(["X"], ["Y"])
    assert workspace.ResetWorkspace() and workspace.Blobs() == []


def test_one_workspace_from_several_python_threads():
    # Workspace calls run without the GIL; the Workspace's lock keeps them
    # one at a time, so concurrent feeds, runs and fetches stay consistent.
    import threading

    workspace.ResetWorkspace()
    errors = []

    def work(i):
        try:
            # new blob names every round: the blob table grows and moves
            # while other threads' copies and kernels run
            x = np.full((256, 1024), float(i), np.float32)
            for r in range(30):
                workspace.FeedBlob("T%d_%d" % (i, r), x[:1])
                workspace.FeedBlob("X%d" % i, x)
                workspace.RunOperatorOnce(core.CreateOperator("Negative", ["X%d" % i], ["Y%d" % i]))
                np.testing.assert_array_equal(workspace.FetchBlob("Y%d" % i), -x)
                workspace.Blobs()
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(workspace.Blobs()) == sorted(["X%d" % i for i in range(4)]
                                               + ["Y%d" % i for i in range(4)]
                                               + ["T%d_%d" % (i, r) for i in range(4)
                                                  for r in range(30)])
