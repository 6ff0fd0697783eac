"""Caffe2's `workspace` module for c2op: one current workspace of named blobs
(the library's c2op_workspace), fed and fetched as NumPy arrays, and ops and
nets run in it by the library."""
from . import _c2op
from .core import Net, NetDef, OperatorDef

_current = _c2op.Workspace()


def _array(value):
    if hasattr(value, "__dlpack__") or hasattr(value, "__array_interface__"):
        return value
    try:
        memoryview(value)
        return value
    except TypeError:
        import numpy

        return numpy.asarray(value)


def GlobalInit(args=None):
    """Caffe2 parsed flags here; c2op has none. Returns True."""
    return True


def ResetWorkspace(root_folder=None):
    """Removes every blob: a fresh workspace. Returns True."""
    global _current
    _current = _c2op.Workspace()
    return True


def FeedBlob(name, arr, device_option=None):
    """Copies `arr` (a NumPy array, anything with __dlpack__ or the buffer
    protocol, or what numpy.asarray takes) into blob `name`. Returns True."""
    dev = device_option
    if dev is None:
        _current.feed(str(name), _array(arr))
    else:
        _current.feed(str(name), _array(arr), dev.device_type, dev.device_id)
    return True


def FetchBlob(name):
    """A NumPy copy of blob `name`."""
    return _current.fetch(str(name))


def FetchBlobs(names):
    return [FetchBlob(n) for n in names]


def HasBlob(name):
    return _current.has(str(name))


def Blobs():
    return _current.blobs()


def RemoveBlob(name):
    _current.remove(str(name))
    return True


def RunOperatorOnce(operator):
    """Runs one op def (from core.CreateOperator) in the current workspace."""
    if not isinstance(operator, OperatorDef):
        raise TypeError("RunOperatorOnce: expected an OperatorDef, got %s"
                        % type(operator).__name__)
    _current.run_op(operator._tuple())
    return True


def RunOperatorsOnce(operators):
    for op in operators:
        RunOperatorOnce(op)
    return True


def RunNetOnce(net):
    """Runs a core.Net, a NetDef or NetDef text once, op by op, through the
    library's NetDef reader and c2op_workspace_run_net."""
    if isinstance(net, Net):
        text = str(net.Proto())
    elif isinstance(net, NetDef):
        text = str(net)
    elif isinstance(net, str):
        text = net
    else:
        raise TypeError("RunNetOnce: expected a Net, a NetDef or NetDef text, got %s"
                        % type(net).__name__)
    _current.run_net(text)
    return True
