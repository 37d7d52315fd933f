#!/usr/bin/env bash
# fuzz.sh — runs every libFuzzer harness built in BUILD_DIR for SECONDS each
# (`make fuzz`).  Each harness starts from its seeds (tests/fuzz/seeds/NAME)
# and regression inputs (tests/fuzz/regressions/NAME) and keeps what it
# finds in BUILD_DIR/fuzz-corpus/NAME; a crash, leak, timeout or
# out-of-memory input is written to BUILD_DIR/fuzz-findings/NAME/ and fails
# the run: reproduce it with BUILD_DIR/tests/fuzz/fuzz_NAME FILE, fix it,
# and add the file to tests/fuzz/regressions/NAME/.
#
# Usage: tools/fuzz.sh BUILD_DIR SECONDS MAX_LEN RSS_LIMIT_MB
set -u
build=${1:?usage: fuzz.sh BUILD_DIR SECONDS MAX_LEN RSS_LIMIT_MB}
seconds=${2:-60}
max_len=${3:-8192}
rss_mb=${4:-2048}
failed=()
for binary in "$build"/tests/fuzz/fuzz_*; do
    name=${binary##*/fuzz_}
    case $name in files_*) continue ;; esac   # the plain replay drivers
    [ -x "$binary" ] || continue
    corpus="$build/fuzz-corpus/$name"
    findings="$build/fuzz-findings/$name"
    mkdir -p "$corpus" "$findings"
    echo "pnsim fuzz: $name for ${seconds}s"
    inputs=("$corpus")
    for dir in "tests/fuzz/seeds/$name" "tests/fuzz/regressions/$name"; do
        [ -d "$dir" ] && inputs+=("$dir")
    done
    if ! "$binary" -max_total_time="$seconds" -max_len="$max_len" \
            -rss_limit_mb="$rss_mb" -timeout=10 -close_fd_mask=1 \
            -print_final_stats=1 -artifact_prefix="$findings/" \
            "${inputs[@]}" >"$build/fuzz-$name.log" 2>&1; then
        failed+=("$name")
        grep -E "ERROR|SUMMARY|Test unit written" "$build/fuzz-$name.log" |
            head -5 | sed 's/^/    /'
    fi
    grep -E "^stat::number_of_executed_units" "$build/fuzz-$name.log" |
        sed "s/^/    /"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "pnsim fuzz: findings in: ${failed[*]} (see $build/fuzz-findings/)"
    exit 1
fi
echo "pnsim fuzz: no findings"
