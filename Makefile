# pnsim — the two commands a user needs:
#   make run    install what is missing, build, check the thread-pool model
#   make test   install what is missing, build with -Werror, run every test,
#               then again under AddressSanitizer + UndefinedBehaviorSanitizer
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
BUILD_ASAN ?= build-asan
CMAKE_FLAGS ?=

.PHONY: all deps build build-werror build-asan run test test-release test-asan bench bench-moonshot clean
.PHONY: fuzz tsan lint docs

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

test: test-release test-asan lint tsan

# The model library as documentation (examples/make-docs.sh): per model a
# page with the question, the verdict, the net, the reachability graph when
# small and the reported run as a sequence chart, under DOCS_OUT.
DOCS_OUT ?= examples/out
docs: build
	bash examples/make-docs.sh ./$(BUILD)/pnsim $(DOCS_OUT)

# The state-space benchmark: writes bench/results.md and bench/results.json,
# and the store's raw insert rate: bench/store-results.md.
# BENCH_INSTANCES limits it to some instances; BENCH_ROUNDS sets how many
# times each is run each way (the median is reported); BENCH_FLAGS=--cold
# runs it without warming the memory before each run (bench/memory.h).
BENCH_ROUNDS ?= 3
bench: build
	./$(BUILD)/pnsim_bench_store bench
	./$(BUILD)/pnsim_bench $(BENCH_FLAGS) --rounds $(BENCH_ROUNDS) ./$(BUILD)/pnsim bench $(BENCH_INSTANCES)

# The moonshot: Kanban-PT-00010 (10^9 states) on 2 threads, once; half an
# hour or more and most of 24 GB.  Writes bench/moonshot.md.
bench-moonshot: build
	./$(BUILD)/pnsim_bench --moonshot ./$(BUILD)/pnsim bench $(BENCH_INSTANCES)

# Robustness (issue 8).
#   make fuzz   the libFuzzer harnesses of tests/fuzz, FUZZ_SECONDS each
#   make tsan   ThreadSanitizer (clang, LLVM's OpenMP with its Archer tool,
#               which tells TSan about OpenMP's synchronisation) over the
#               explorer tests, the corpus test at 2 threads, the
#               refinement tests (their product search runs on 2 threads)
#               and the packed-successor tests (random nets at 2 threads)
#   make lint   clang-tidy (.clang-tidy) and cppcheck (tools/lint.sh)
BUILD_FUZZ ?= build-fuzz
BUILD_TSAN ?= build-tsan
BUILD_LINT ?= build-lint
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 8192
FUZZ_RSS_MB ?= 2048
TSAN_CORPUS_MAX_STATES ?= 10000
ARCHER ?= $(lastword $(wildcard /usr/lib/llvm-*/lib/libarcher.so))

fuzz: deps
	@CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPNSIM_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS)
	@bash tools/fuzz.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) $(FUZZ_MAX_LEN) $(FUZZ_RSS_MB)

tsan: deps
	@test -n "$(ARCHER)" || { echo "make tsan: libarcher.so not found (libomp-dev)"; exit 1; }
	@CC=clang cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_TSAN) -j $(JOBS) --target test_explore test_corpus_mcc test_refine test_packed
	cd $(BUILD_TSAN) && export OMP_NUM_THREADS=2 OMP_TOOL_LIBRARIES=$(ARCHER) \
	  TSAN_OPTIONS=ignore_noninstrumented_modules=1:halt_on_error=1:exitcode=66 \
	  PNSIM_CORPUS_MAX_STATES=$(TSAN_CORPUS_MAX_STATES) PNSIM_PACKED_NETS=40 && \
	  ./test_explore && ./test_corpus_mcc && ./test_refine && ./test_packed

lint: deps
	@bash tools/lint.sh $(BUILD_LINT)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) $(BUILD_TSAN) $(BUILD_LINT)
