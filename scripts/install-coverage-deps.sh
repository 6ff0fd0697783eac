#!/bin/sh
# Installs what `make coverage` needs when it is missing, and says so:
# gcovr (Debian package; it runs gcov, which comes with gcc).
set -e
missing=""
command -v gcov >/dev/null 2>&1 || missing="$missing gcc"
command -v gcovr >/dev/null 2>&1 || missing="$missing gcovr"
if [ -z "$missing" ]; then
  exit 0
fi
echo "c2op: installing missing packages for coverage:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "c2op: not root and no sudo; please install:$missing" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "c2op: installed:$missing"
