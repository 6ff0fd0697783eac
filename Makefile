# c2op top-level driver. `make run` and `make test` work on a fresh machine:
# they install what is missing (through apt-get), configure, build and run.

BUILD      ?= build
ASAN_BUILD ?= build-asan
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build build-asan run test test-release test-asan install clean help bench

all: build

help:
	@echo "make run      build and run the main example"
	@echo "make test     build and run the whole suite (release and ASan+UBSan builds)"
	@echo "make install  PREFIX=/dir installs library, header, c2op.pc, CMake config"
	@echo "make deps     install missing system packages"
	@echo "make bench    benchmark c2op against memcpy, a loop, XNNPACK, NumPy and PyTorch"
	@echo "              (BENCH_FLAGS=--quick for a short run; results in $(BENCH_OUT))"
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

test: test-release test-asan

# The benchmark: installs its extra packages (XNNPACK, NumPy, PyTorch,
# matplotlib; not needed by `make test`), reconfigures so that XNNPACK is
# found, runs bench/c2op-bench and bench/bench_python.py, and writes the
# tables and the plot (bench/report.py). Debian's NumPy and PyTorch belong
# to the system Python, so that is the one used when it exists.
BENCH_OUT    ?= bench/results
BENCH_FLAGS  ?=
BENCH_PYTHON ?= $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)

bench: build
	@sh scripts/install-bench-deps.sh
	cmake -S . -B $(BUILD) >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target c2op-bench
	@mkdir -p $(BENCH_OUT)
	./$(BUILD)/bench/c2op-bench $(BENCH_FLAGS) --json $(BENCH_OUT)/c2op.json
	$(BENCH_PYTHON) bench/bench_python.py $(BENCH_FLAGS) --json $(BENCH_OUT)/python.json
	$(BENCH_PYTHON) bench/report.py --c2op $(BENCH_OUT)/c2op.json --python $(BENCH_OUT)/python.json \
	  --markdown $(BENCH_OUT)/report.md --png $(BENCH_OUT)/negate_f32.png

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

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
