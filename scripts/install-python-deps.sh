#!/bin/sh
# Installs what the Python package's build and tests need (`make
# test-python`, which `make test` runs), when missing, and says so. Debian
# packages, for the system Python 3 (/usr/bin/python3):
#   python3-venv python3-pip python3-dev python3-setuptools python3-wheel
#       the venv, pip, Python.h, and the build backend
#   python3-numpy     NumPy (headers for the C extension, and the tests)
#   python3-pytest    the test runner
#   python3-dask python3-distributed   the Dask scale-out test
#   python3-onnx      the ONNX Neg conformance test
# Not installed here: python3-torch (the PyTorch interop tests run when it is
# present and are skipped otherwise; `make bench` installs it). The core
# build deps (cmake, a C compiler, libdlpack-dev) come from install-deps.sh.
set -e
. "$(dirname "$0")/apt-install.sh"
missing=""
for pkg in python3-venv python3-pip python3-dev python3-setuptools python3-wheel \
           python3-numpy python3-pytest python3-dask python3-distributed python3-onnx; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $pkg"
done
if [ -z "$missing" ]; then
  exit 0
fi
# shellcheck disable=SC2086
c2op_apt_install "c2op python" $missing
