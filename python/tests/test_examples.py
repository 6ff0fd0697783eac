"""The Python examples in examples/python run and print the right numbers."""
import os
import re
import subprocess
import sys

import numpy as np

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python")


def run_example(name):
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, name)], capture_output=True,
                       text=True, timeout=120, cwd=os.path.dirname(EXAMPLES))
    assert r.returncode == 0, r.stderr
    return r.stdout


def parse_matrix(text):
    return np.array([[float(v) for v in row.split()]
                     for row in re.findall(r"\[([^\[\]]+)\]", text)])


def test_negative_op_example_prints_x_and_minus_x():
    out = run_example("negative_op_example.py")
    x_text, y_text = out.split("X:", 1)[1].split("Y:", 1)
    x, y = parse_matrix(x_text), parse_matrix(y_text)
    assert x.shape == (3, 3) and ((x >= 0) & (x < 1)).all()
    np.testing.assert_array_equal(y, -x)


def test_gradient_reversal_example():
    out = run_example("gradient_reversal.py")
    blocks = dict(re.findall(r"^(\w+):\n((?:[ \[].*\n)+)", out, re.M))
    feats = np.array([[0.5, -1.0], [2.0, 0.25]])
    np.testing.assert_array_equal(parse_matrix(blocks["reversed"]), feats)
    np.testing.assert_array_equal(parse_matrix(blocks["reversed_grad"]), np.ones((2, 2)))
    np.testing.assert_array_equal(parse_matrix(blocks["features_grad"]), -np.ones((2, 2)))
    assert 'type: "OnesLike"' in out and "is_gradient_op: true" in out
