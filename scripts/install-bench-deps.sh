#!/bin/sh
# Installs what `make bench` needs beyond the core build deps, when missing,
# and says so. Debian packages: libxnnpack-dev and libpthreadpool-dev (the
# XNNPACK baseline, linked when present), python3-numpy and python3-torch
# (the Python peers), python3-dev and libtorch-dev (c2op-bench's peer
# modules: NumPy's inner loop through an embedded Python, PyTorch's
# at::neg_out in C++; bench/peers/), python3-matplotlib (the plot). Nothing
# here is needed by `make test`. A package that fails to install is reported and skipped:
# the benchmark then leaves that column out and says so.
missing=""
for pkg in libxnnpack-dev libpthreadpool-dev python3-numpy python3-torch python3-dev libtorch-dev \
    python3-matplotlib; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $pkg"
done
if [ -z "$missing" ]; then
  exit 0
fi
echo "c2op bench: installing missing packages:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "c2op bench: not root and no sudo; please install:$missing (continuing without)" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
for pkg in $missing; do
  # shellcheck disable=SC2086
  if $SUDO apt-get install -y -qq --no-install-recommends $pkg >/dev/null 2>&1; then
    echo "c2op bench: installed $pkg"
  else
    echo "c2op bench: could not install $pkg; its column is skipped" >&2
  fi
done
exit 0
