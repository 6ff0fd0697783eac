"""Builds c2op._c2op: the C extension over include/c2op.h.

The library itself is built here too, by CMake, from the sources one folder
up (this package lives in the c2op repository's python/ folder): a static,
position-independent libc2op, CPU only, linked into the extension, so that
`pip install ./python` works on a machine with nothing but CMake, a C
compiler, the DLPack header and NumPy.

Environment: C2OP_CMAKE (the cmake command, default "cmake"),
C2OP_BUILD_JOBS (parallel compile jobs, default: the CPU count).
"""
import os
import shlex
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def _check_repo():
    header = os.path.join(REPO, "include", "c2op.h")
    if not os.path.isfile(header):
        sys.exit("c2op: %s not found. The Python package is built from the c2op source "
                 "tree: run `pip install ./python` from the repository root." % header)


class BuildWithLibrary(build_ext):
    """Builds the static library with CMake, then the extension against it."""

    def run(self):
        _check_repo()
        import numpy

        libdir = os.path.abspath(os.path.join(self.build_temp, "c2op-lib"))
        cmake = shlex.split(os.environ.get("C2OP_CMAKE", "cmake"))
        jobs = os.environ.get("C2OP_BUILD_JOBS", str(os.cpu_count() or 2))
        configure = cmake + [
            "-S", REPO, "-B", libdir,
            "-DCMAKE_BUILD_TYPE=Release",
            "-DC2OP_CUDA=OFF",
            "-DC2OP_BUILD_TESTS=OFF",
            "-DC2OP_BUILD_EXAMPLES=OFF",
            "-DC2OP_WERROR=OFF",
        ]
        build = cmake + ["--build", libdir, "--target", "c2op_static", "-j", jobs]
        for cmd in (configure, build):
            print("c2op: " + " ".join(shlex.quote(c) for c in cmd), flush=True)
            try:
                subprocess.check_call(cmd)
            except FileNotFoundError:
                sys.exit("c2op: cmake not found; install CMake (Debian: apt-get install cmake)")
        archive = os.path.join(libdir, "libc2op.a")
        for ext in self.extensions:
            ext.include_dirs += [os.path.join(REPO, "include"), numpy.get_include()]
            ext.extra_objects.append(archive)
            ext.depends.append(archive)
        # pip builds in the source tree (python/build/): always recompile the
        # one-file extension, since the object left there may have been built
        # against another NumPy (1.x and 2.x headers differ in ABI).
        self.force = True
        super().run()


setup(
    ext_modules=[
        Extension(
            "c2op._c2op",
            sources=["src/c2op_module.c"],
            define_macros=[("C2OP_STATIC_DEFINE", None)],
            libraries=["pthread"],
            extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
            # The library's symbols stay inside the extension.
            extra_link_args=["-Wl,--exclude-libs,ALL"],
        )
    ],
    cmdclass={"build_ext": BuildWithLibrary},
)
