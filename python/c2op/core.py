"""Caffe2's `core` module for c2op's ops: CreateOperator, Net (with
AddGradientOperators), BlobReference, DeviceOption, GradientRegistry.

Everything here is a thin layer over the library: nets are written and read
by the library's NetDef text format (c2op_net_to_text / c2op_net_from_text),
backward nets come from c2op_net_build_backward, gradient defs from
c2op_get_gradient_defs, and running happens in c2op.workspace.
"""
from . import _c2op

CPU = 0   # caffe2_pb2.CPU
CUDA = 1  # caffe2_pb2.CUDA


class DeviceOption:
    """Caffe2's DeviceOption: where an op runs (device_type CPU or CUDA)."""

    def __init__(self, device_type=CPU, device_id=0):
        self.device_type = int(device_type)
        self.device_id = int(device_id)

    def __eq__(self, other):
        return (isinstance(other, DeviceOption) and self.device_type == other.device_type
                and self.device_id == other.device_id)

    def __repr__(self):
        return "DeviceOption(device_type=%d, device_id=%d)" % (self.device_type, self.device_id)


class BlobReference:
    """A blob name, optionally tied to the net that makes it. Hashes and
    compares like its name, so it works as a key of a dict of str."""

    def __init__(self, name, net=None):
        self._name = str(name)
        self._from_net = net

    def __str__(self):
        return self._name

    def __repr__(self):
        return "BlobReference(%r)" % self._name

    def __hash__(self):
        return hash(self._name)

    def __eq__(self, other):
        if isinstance(other, BlobReference):
            return self._name == other._name
        if isinstance(other, str):
            return self._name == other
        return NotImplemented

    def __add__(self, other):
        return BlobReference(self._name + str(other), self._from_net)

    def Net(self):
        return self._from_net

    def GetUnscopedName(self):
        return self._name


def _names(blobs):
    if isinstance(blobs, (str, BlobReference)):
        return [str(blobs)]
    return [str(b) for b in blobs]


class OperatorDef:
    """Caffe2's OperatorDef: type, name, input, output, is_gradient_op,
    device_option. c2op op defs carry no arguments."""

    def __init__(self, type, input=(), output=(), name="", is_gradient_op=False,
                 device_option=None):
        self.type = str(type)
        self.name = str(name)
        self.input = _names(input)
        self.output = _names(output)
        self.is_gradient_op = bool(is_gradient_op)
        self.device_option = device_option if device_option is not None else DeviceOption()

    def _tuple(self):
        return (self.type, self.name, self.input, self.output, self.is_gradient_op,
                self.device_option.device_type, self.device_option.device_id)

    @classmethod
    def _from_tuple(cls, t):
        op_type, name, inputs, outputs, is_grad, dev_type, dev_id = t
        return cls(op_type, inputs, outputs, name, is_grad, DeviceOption(dev_type, dev_id))

    def __eq__(self, other):
        return isinstance(other, OperatorDef) and self._tuple() == other._tuple()

    def __str__(self):
        """The op as the library writes it in NetDef text (op { ... })."""
        return _c2op.net_to_text("", [self._tuple()], [], [])

    def __repr__(self):
        return "OperatorDef(%r, %r, %r)" % (self.type, self.input, self.output)


def CreateOperator(operator_type, inputs, outputs, name="", control_input=None,
                   device_option=None, arg=None, engine=None, **kwargs):
    """Caffe2's core.CreateOperator: an op def of `operator_type` reading
    `inputs` and writing `outputs` (a blob name or a list of them).
    c2op's ops take no arguments: passing any raises TypeError."""
    if kwargs or arg:
        raise TypeError("CreateOperator(%s): c2op ops take no arguments, got %s"
                        % (operator_type, sorted(kwargs) or arg))
    if control_input:
        raise TypeError("CreateOperator(%s): control inputs are not supported" % operator_type)
    return OperatorDef(operator_type, inputs, outputs, name=name or "",
                       device_option=device_option)


class NetDef:
    """Caffe2's NetDef: name, op, external_input, external_output.
    str() gives the library's NetDef text; NetDef.FromText reads it."""

    def __init__(self, name="", op=None, external_input=None, external_output=None):
        self.name = str(name)
        self.op = list(op or [])
        self.external_input = list(external_input or [])
        self.external_output = list(external_output or [])

    def _text(self):
        return _c2op.net_to_text(self.name, [o._tuple() for o in self.op],
                                 self.external_input, self.external_output)

    def __str__(self):
        return self._text()

    @classmethod
    def FromText(cls, text):
        name, ops, ext_in, ext_out = _c2op.net_from_text(str(text))
        return cls(name, [OperatorDef._from_tuple(t) for t in ops], ext_in, ext_out)


class Net:
    """Caffe2's core.Net: ops are added by calling the op's name as a method,
    net.NegateGradient(["X"], ["Y"]), which returns the output blob(s)."""

    _net_names = {}

    def __init__(self, name_or_proto="net"):
        if isinstance(name_or_proto, NetDef):
            p = name_or_proto
            self._net = NetDef(p.name, list(p.op), p.external_input, p.external_output)
        elif isinstance(name_or_proto, Net):
            p = name_or_proto._net
            self._net = NetDef(p.name, list(p.op), p.external_input, p.external_output)
        else:
            self._net = NetDef(str(name_or_proto))
        self._next_id = 0

    def Name(self):
        return self._net.name

    def Proto(self):
        return self._net

    def __str__(self):
        return str(self._net)

    def NextName(self, prefix=None, output_id=None):
        prefix = prefix or "blob"
        name = "%s/%s_%d" % (self._net.name, prefix, self._next_id)
        self._next_id += 1
        return name if output_id is None else "%s_%d" % (name, output_id)

    def AddExternalInput(self, *blobs):
        refs = [BlobReference(b, self) for b in _names(blobs if len(blobs) != 1
                                                      or isinstance(blobs[0], (str, BlobReference))
                                                      else blobs[0])]
        self._net.external_input.extend(str(r) for r in refs)
        return refs[0] if len(refs) == 1 else refs

    def AddExternalOutput(self, *blobs):
        for b in blobs:
            self._net.external_output.extend(_names(b))

    def _CreateAndAddToSelf(self, op_type, inputs, outputs=None, **kwargs):
        inputs = _names(inputs)
        if outputs is None:
            outputs = 1
        if isinstance(outputs, int):
            outputs = [self.NextName(op_type, i if outputs > 1 else None)
                       for i in range(outputs)]
        op = CreateOperator(op_type, inputs, outputs, **kwargs)
        self._net.op.append(op)
        refs = [BlobReference(o, self) for o in op.output]
        return refs[0] if len(refs) == 1 else tuple(refs)

    def __getattr__(self, op_type):
        if op_type.startswith("_"):
            raise AttributeError(op_type)
        if op_type not in _c2op.schema_names():
            raise AttributeError("Net %r has no attribute %r and there is no op named so"
                                 % (self._net.name, op_type))
        return lambda *args, **kwargs: self._CreateAndAddToSelf(op_type, *args, **kwargs)

    def AddGradientOperators(self, ys, skip=0):
        """Caffe2's AddGradientOperators: appends the backward net of the ops
        so far, built by the library, for the outputs `ys`. A list seeds each
        output's gradient with ones (an OnesLike op, Caffe2's
        ConstantFill(value=1.0)); a dict {y: None} does the same, {y: "y_grad"}
        expects the caller to feed y_grad. Returns the map from each blob to
        its gradient blob."""
        if skip:
            raise ValueError("AddGradientOperators: skip is not supported")
        if isinstance(ys, dict):
            seeds = {}
            for y, g in ys.items():
                if g is not None and str(g) != str(y) + "_grad":
                    raise ValueError("AddGradientOperators: the gradient of %s must be named "
                                     "%s_grad (got %s)" % (y, y, g))
                seeds[str(y)] = g is None
        else:
            seeds = {y: True for y in _names(ys)}
        forward = self._net.op[:]
        backward = NetDef.FromText(_c2op.net_backward(self._net._text(), list(seeds)))
        fill = [OperatorDef("OnesLike", [y], [y + "_grad"], is_gradient_op=True,
                            device_option=self._device_of(y, forward))
                for y, seeded in seeds.items() if seeded]
        self._net.op.extend(fill + backward.op)

        blobs = []
        for op in forward:
            for b in op.input + op.output:
                if b not in blobs:
                    blobs.append(b)
        written = {o for op in fill + backward.op for o in op.output}
        grad_map = {}
        for b in blobs:
            if b + "_grad" in written or b in seeds:
                grad_map[b] = BlobReference(b + "_grad", self)
        return grad_map

    @staticmethod
    def _device_of(blob, ops):
        for op in reversed(ops):
            if blob in op.output:
                return op.device_option
        return DeviceOption()


class GradientRegistry:
    """Caffe2's GradientRegistry, backed by the library's gradient makers."""

    @staticmethod
    def GetGradientForOp(op, g_output):
        """(gradient ops, input gradient names) of forward op `op`, given the
        gradient blob of each output (None where an output has none)."""
        ops, g_input = _c2op.gradient_defs(op._tuple(), [None if g is None else str(g)
                                                          for g in g_output])
        return [OperatorDef._from_tuple(t) for t in ops], g_input
