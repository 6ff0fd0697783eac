# c2op top-level driver. `make run` and `make test` work on a fresh machine:
# they install what is missing (through apt-get), configure, build and run.

BUILD      ?= build
ASAN_BUILD ?= build-asan
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build build-asan run test test-release test-asan install clean help bench
.PHONY: build-tsan build-valgrind test-tsan test-valgrind test-valgrind-full
.PHONY: coverage

all: build

help:
	@echo "make run      build and run the main example"
	@echo "make test     build and run the whole suite (release and ASan+UBSan builds)"
	@echo "              then the threaded tests under TSan, the unit tests under valgrind"
	@echo "              and the Python package's tests (make test-python)"
	@echo "make test-valgrind-full  every test valgrind can run (slow: about 7 minutes)"
	@echo "make install  PREFIX=/dir installs library, header, c2op.pc, CMake config"
	@echo "make deps     install missing system packages"
	@echo "make bench    benchmark c2op against memcpy, a loop, XNNPACK, NumPy and PyTorch"
	@echo "              (BENCH_FLAGS=--quick for a short run; results in $(BENCH_OUT))"
	@echo "make coverage line and branch coverage of src/ (instrumented build in $(COV_BUILD))"
	@echo "make fuzz     each libFuzzer target for FUZZ_SECONDS seconds (default 60)"
	@echo "make bench-python  c2op.negative against numpy.negative and torch.neg"
	@echo "make clean    remove build folders"

# Installs the system packages a fresh machine lacks, saying so.
deps:
	@sh scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DC2OP_SANITIZE=ON $(CMAKE_FLAGS)

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

run: build
	./$(BUILD)/programs/c2op show examples/data/x.npy
	@mkdir -p $(BUILD)/run
	./$(BUILD)/programs/c2op run Negative examples/data/x.npy -o $(BUILD)/run/y.npy
	./$(BUILD)/programs/c2op show $(BUILD)/run/y.npy
	./$(BUILD)/programs/c2op schema Negative
	./$(BUILD)/programs/c2op schema NegateGradient
	./$(BUILD)/programs/c2op net examples/data/grl.pbtxt --print-nets --backward Y \
	  --feed X=examples/data/x.npy --feed Y_grad=examples/data/y_grad.npy --fetch Y --fetch X_grad

test-release: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -E '^test_large$$'

test: test-release test-asan test-tsan test-valgrind

# The benchmark: installs its extra packages (XNNPACK, NumPy, PyTorch,
# libtorch-dev, matplotlib; not needed by `make test`), reconfigures so
# that XNNPACK and the peers are found, builds c2op-bench and its peer
# modules (NumPy's inner loop and at::neg_out, measured in the same
# process: bench/peers/), runs c2op-bench and bench/bench_python.py (the
# same libraries called from Python), and writes the tables and the plot
# (bench/report.py). Debian's NumPy and PyTorch belong
# to the system Python, so that is the one used when it exists. Between
# the two, bench/confirm.py reruns with more rounds the rows that fell
# below a target or came near it (CONFIRM_FLAGS, e.g. --reps 7 --margin 0.02
# for a shorter run), and the report judges those targets again on all the
# rounds.
BENCH_OUT    ?= bench/results
BENCH_FLAGS  ?=
CONFIRM_FLAGS ?=
BENCH_PYTHON ?= $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)

bench: build
	@sh scripts/install-bench-deps.sh
	cmake -S . -B $(BUILD) >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target c2op-bench c2op-bench-peers
	@mkdir -p $(BENCH_OUT)
	./$(BUILD)/bench/c2op-bench $(BENCH_FLAGS) --json $(BENCH_OUT)/c2op.json
	$(BENCH_PYTHON) bench/bench_python.py $(BENCH_FLAGS) --json $(BENCH_OUT)/python.json
	$(BENCH_PYTHON) bench/confirm.py --c2op $(BENCH_OUT)/c2op.json --bench ./$(BUILD)/bench/c2op-bench \
	  --json $(BENCH_OUT)/confirm.json $(CONFIRM_FLAGS)
	$(BENCH_PYTHON) bench/report.py --c2op $(BENCH_OUT)/c2op.json --python $(BENCH_OUT)/python.json \
	  --confirm $(BENCH_OUT)/confirm.json \
	  --markdown $(BENCH_OUT)/report.md --png $(BENCH_OUT)/negate_f32.png

# ThreadSanitizer (build-tsan/, C2OP_TSAN): the tests that run threads or
# reach the pool: test_concurrency (every thread-safety rule, pool stress),
# test_threads, test_faults, test_errors (per-thread errors), the framework
# tests and the CLI. Left out, with their reason: test_negative* and
# test_kernels* (single-threaded kernel checks, 30-330 s each under TSan;
# the pool paths they reach are the ones test_threads and test_concurrency
# stress), cli_numpy (the same CLI runs through Python), test_large (2^31
# elements), install, bench_smoke, neon_cross, ncu_summary (no library
# threads), test_fork (TSan's runtime refuses to start threads in the child of a
# threaded process; the release, ASan and valgrind builds run it).
TSAN_BUILD ?= build-tsan
TSAN_EXCLUDE = ^(test_large|install|bench_smoke|neon_cross|cli_numpy|ncu_summary|test_negative.*|test_kernels.*|test_fork)$$

$(TSAN_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DC2OP_TSAN=ON -DC2OP_CUDA=OFF $(CMAKE_FLAGS)

build-tsan: deps $(TSAN_BUILD)/CMakeCache.txt
	cmake --build $(TSAN_BUILD) -j $(JOBS)

test-tsan: build-tsan
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir $(TSAN_BUILD) --output-on-failure -j $(JOBS) -E '$(TSAN_EXCLUDE)'

# valgrind memcheck (build-valgrind/, no sanitizer, CUDA off): every test
# whose command is one of our executables runs under valgrind (CMake's
# CROSSCOMPILING_EMULATOR), and a c2op process a test starts is traced
# too; any error or leak (definite, indirect, possible) fails the test
# (exit 99). No suppressions. test-valgrind (in `make test`) leaves out, for
# time: test_negative (250 s under valgrind) and test_negative_pool_streaming(_one)
# (155 s each); `make test-valgrind-full` runs them too. Never under valgrind:
# test_large (2^31 elements), cli (over its 300 s limit: valgrind starts
# for each of its c2op runs; cli_faults runs c2op under valgrind instead),
# the *_isa_* reruns (a shell starts them: the same binaries with C2OP_ISA
# set), tests run through Python or sh (examples, cli_numpy, install,
# neon_cross, ncu_summary) and bench_smoke (timing loops).
VALGRIND_BUILD ?= build-valgrind
VALGRIND_CMD = valgrind;--error-exitcode=99;--leak-check=full;--show-leak-kinds=definite,indirect,possible;--errors-for-leak-kinds=definite,indirect,possible;--trace-children=yes;--trace-children-skip=*python*,*/sh,*/dash,*/bash;--quiet
VALGRIND_NEVER = test_large|cli|install|cli_numpy|bench_smoke|neon_cross|examples|ncu_summary|.*_isa_.*

$(VALGRIND_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(VALGRIND_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DC2OP_CUDA=OFF \
	  "-DCMAKE_CROSSCOMPILING_EMULATOR=$(VALGRIND_CMD)" $(CMAKE_FLAGS)

build-valgrind: deps $(VALGRIND_BUILD)/CMakeCache.txt
	cmake --build $(VALGRIND_BUILD) -j $(JOBS)

test-valgrind: build-valgrind
	C2OP_STRESS_SCALE=0.2 ctest --test-dir $(VALGRIND_BUILD) --output-on-failure -j $(JOBS) \
	  -E '^($(VALGRIND_NEVER)|test_negative|test_negative_pool_streaming(_one)?)$$'

test-valgrind-full: build-valgrind
	C2OP_STRESS_SCALE=0.2 ctest --test-dir $(VALGRIND_BUILD) --output-on-failure -j $(JOBS) \
	  -E '^($(VALGRIND_NEVER))$$'

# Coverage: a build with the library instrumented (gcov, -O0; no CUDA) in its own folder, the
# suite run on it, and line and branch coverage of src/ printed per file;
# fails below 95% of lines or 90% of branches (scripts/coverage.sh,
# docs/RELIABILITY.md).
COV_BUILD ?= build-cov

$(COV_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(COV_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DC2OP_COVERAGE=ON -DC2OP_CUDA=OFF $(CMAKE_FLAGS)

coverage: deps $(COV_BUILD)/CMakeCache.txt
	@sh scripts/install-coverage-deps.sh
	cmake --build $(COV_BUILD) -j $(JOBS)
	JOBS=$(JOBS) sh scripts/coverage.sh $(COV_BUILD)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(VALGRIND_BUILD) $(COV_BUILD) $(FUZZ_BUILD)

# The Python package (python/, issue #7): a venv over the system Python, so
# that Debian's NumPy, pytest, dask, distributed, onnx (and torch, where
# installed) are seen; `pip install ./python` builds libc2op with CMake and
# the C extension against it; pytest runs python/tests. `make test` runs it.
PYVENV     ?= $(BUILD)/pyvenv
SYS_PYTHON ?= /usr/bin/python3

.PHONY: python test-python bench-python

python: deps
	@sh scripts/install-python-deps.sh
	@[ -x $(PYVENV)/bin/python ] || $(SYS_PYTHON) -m venv --system-site-packages $(PYVENV)
	C2OP_BUILD_JOBS=$(JOBS) $(PYVENV)/bin/pip install -q --no-build-isolation --no-deps ./python

test-python: python
	$(PYVENV)/bin/python -m pytest -q -p no:cacheprovider python/tests

test: test-python

# c2op.negative against numpy.negative (and torch.neg) from 16 elements to
# 1 GiB; the table goes to $(BENCH_OUT)/c2op_python.md (docs/PERFORMANCE.md).
bench-python: python
	@mkdir -p $(BENCH_OUT)
	$(PYVENV)/bin/python bench/bench_c2op_python.py $(BENCH_FLAGS) \
	  --json $(BENCH_OUT)/c2op_python.json --markdown $(BENCH_OUT)/c2op_python.md

# Fuzzing (fuzz/): libFuzzer targets built with clang, ASan and UBSan in
# $(FUZZ_BUILD); each runs FUZZ_SECONDS seconds and a crash fails the run.
# Installs clang and libclang-rt-14-dev when missing.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzz
FUZZ_TARGETS ?= kernel npy netdef
.PHONY: fuzz clean-fuzz
fuzz:
	JOBS=$(JOBS) sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

clean-fuzz:
	rm -rf $(FUZZ_BUILD)
