#!/bin/sh
# Installs the build into a temporary prefix and builds a consumer against
# it twice: with pkg-config and with CMake's find_package(c2op).
# usage: check_install.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(ls -d "$tmp/prefix"/lib* | head -n 1)
test -f "$tmp/prefix/include/c2op.h"
test -f "$libdir/pkgconfig/c2op.pc"
test -f "$libdir/cmake/c2op/c2opConfig.cmake"

# pkg-config, shared library
PKG_CONFIG_PATH="$libdir/pkgconfig"
export PKG_CONFIG_PATH
cc -std=c17 -o "$tmp/app_pc" "$src/tests/install/app.c" $(pkg-config --cflags --libs c2op)
LD_LIBRARY_PATH="$libdir" "$tmp/app_pc"

# CMake package config, shared and static
cmake -S "$src/tests/install" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/consumer/app_shared"
"$tmp/consumer/app_static"
echo "install check: pkg-config and find_package(c2op) both work"
