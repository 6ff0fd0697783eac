# apt-install.sh - sourced by the install-*-deps scripts: one way to install
# missing Debian packages and say so.
#
#   c2op_apt_install TAG PKG...   installs PKG... with apt-get (through sudo
#   when not root), printing "TAG: installing ..." and "TAG: installed ...";
#   returns 1, saying what to install by hand, when it cannot (not root and
#   no sudo) or apt-get fails.
c2op_apt_install() {
  tag=$1
  shift
  echo "$tag: installing missing packages: $*"
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd=sudo; else
      echo "$tag: not root and no sudo; please install: $*" >&2
      return 1
    fi
  fi
  DEBIAN_FRONTEND=noninteractive
  export DEBIAN_FRONTEND
  $sudo_cmd apt-get update -qq || return 1
  $sudo_cmd apt-get install -y -qq --no-install-recommends "$@" >/dev/null || {
    echo "$tag: apt-get could not install: $*" >&2
    return 1
  }
  echo "$tag: installed: $*"
}
