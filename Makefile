# pnsim — the two commands a user needs:
#   make run    install what is missing, build, check the thread-pool model
#   make test   install what is missing, build with -Werror, run every test,
#               then again under AddressSanitizer + UndefinedBehaviorSanitizer
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
BUILD_ASAN ?= build-asan
CMAKE_FLAGS ?=

.PHONY: all deps build build-werror build-asan run test test-release test-asan bench clean

all: build

deps:
	@bash tools/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/pnsim check models/threadpool.pnml

build-werror: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DPNSIM_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DPNSIM_WERROR=ON -DPNSIM_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)

test-release: build-werror
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

test: test-release test-asan

# The state-space benchmark: writes bench/results.md and bench/results.json.
# BENCH_INSTANCES limits it to some instances.
bench: build
	./$(BUILD)/pnsim_bench ./$(BUILD)/pnsim bench $(BENCH_INSTANCES)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
