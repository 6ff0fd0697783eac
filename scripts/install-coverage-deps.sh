#!/bin/sh
# Installs what `make coverage` needs when it is missing, and says so:
# gcovr (Debian package; it runs gcov, which comes with gcc).
set -e
. "$(dirname "$0")/apt-install.sh"
missing=""
command -v gcov >/dev/null 2>&1 || missing="$missing gcc"
command -v gcovr >/dev/null 2>&1 || missing="$missing gcovr"
if [ -z "$missing" ]; then
  exit 0
fi
# shellcheck disable=SC2086
c2op_apt_install "c2op coverage" $missing
