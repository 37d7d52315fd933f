#!/usr/bin/env bash
# hostile_test.sh — pnsim on hostile input (tests/hostile/): every file must
# give exit 2 and a message naming file:line:column, within a time limit and
# a memory cap, with no sanitizer report.  Prints a table (file, exit code,
# message) and "N passed, N failed".
#
# Usage: tests/hostile_test.sh PATH/TO/pnsim   (run from the source tree)
set -u
# Bytes, not characters: the messages may quote invalid UTF-8 from the input.
export LC_ALL=C
pnsim=${1:?usage: hostile_test.sh PNSIM_BINARY}
dir=tests/hostile
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0
table=()
time_limit=${PNSIM_HOSTILE_TIMEOUT:-30}     # seconds per file
memory_mb=${PNSIM_HOSTILE_MEMORY_MB:-2048}  # memory cap per run

# A sanitizer build reserves terabytes of address space for its shadow
# memory, so `ulimit -v` would stop it from starting: cap its resident
# memory through the sanitizer instead.
sanitized=0
if nm "$pnsim" 2>/dev/null | grep -q __asan_init ||
   ldd "$pnsim" 2>/dev/null | grep -q libasan; then
    sanitized=1
fi

# run OUTPUT COMMAND...: runs COMMAND under the time limit and memory cap,
# output (stdout and stderr) to OUTPUT; returns its exit status.
run() {
    local output=$1
    shift
    if [ "$sanitized" = 1 ]; then
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=$memory_mb" \
            timeout -k 5 "$time_limit" "$@" >"$output" 2>&1
    else
        (ulimit -v $((memory_mb * 1024)); timeout -k 5 "$time_limit" "$@") \
            >"$output" 2>&1
    fi
}

# check NAME POSITION_REGEX COMMAND...: the run must exit 2 with a line
# matching POSITION_REGEX (the file:line:column part), in time, with no
# sanitizer report.
check() {
    local name=$1 position=$2
    shift 2
    local output="$scratch/out" status message problem=""
    local started=$SECONDS
    run "$output" "$@"
    status=$?
    message=$(grep -E -m1 -- "$position" "$output" | sed 's/^ *//')
    [ -n "$message" ] || message=$(grep -v '^ *$' "$output" | head -1)
    if grep -Eq "ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: " "$output"; then
        problem="sanitizer report"
    elif [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        problem="no answer within ${time_limit}s"
    elif [ "$status" -ne 2 ]; then
        problem="exit $status, expected 2"
    elif ! grep -Eq -- "$position" "$output"; then
        problem="no message naming file:line:column"
    fi
    if [ -z "$problem" ]; then
        passed=$((passed + 1))
        echo "ok   $name ($((SECONDS - started)) s)"
    else
        failed=$((failed + 1))
        echo "FAIL $name: $problem"
        head -20 "$output" | sed 's/^/    /'
    fi
    table+=("$(printf '%-52s %4s  %s' "$name" "$status" "${message:0:110}")")
}

# A regular expression matching the file name literally.
quote() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }

# PNML: pnsim check FILE.
for file in "$dir"/pnml/*; do
    check "$file" "pnsim: $(quote "$file"):[0-9]+:[0-9]+: " "$pnsim" check "$file"
done

# Generated PNML: 100,000 nested elements; a net of 10^6 places whose last
# arc names a node that does not exist.
nested="$scratch/nested-100000.pnml"
{
    printf '<?xml version="1.0"?>\n<pnml><net id="n" type="ptnet"><page id="pg">\n'
    for ((i = 0; i < 100; i++)); do printf '%.0s<page>' {1..1000}; done
    printf '\n'
    for ((i = 0; i < 100; i++)); do printf '%.0s</page>' {1..1000}; done
    printf '</page></net></pnml>\n'
} >"$nested"
check "(generated) nested-100000.pnml" \
    "pnsim: $(quote "$nested"):[0-9]+:[0-9]+: " "$pnsim" check "$nested"
million="$scratch/places-1000000.pnml"
{
    printf '<?xml version="1.0"?>\n<pnml><net id="n" type="ptnet"><page id="pg">\n'
    seq -f '<place id="p%.0f"/>' 1 1000000
    printf '<transition id="t"/>\n<arc id="a" source="t" target="p1000001"/>\n'
    printf '</page></net></pnml>\n'
} >"$million"
check "(generated) places-1000000.pnml" \
    "pnsim: $(quote "$million"):[0-9]+:[0-9]+: " "$pnsim" check "$million"

# Traces for sim --replay.
for file in "$dir"/trace/*; do
    check "$file" "pnsim: $(quote "$file"):[0-9]+:[0-9]+: " \
        "$pnsim" sim --replay "$file" models/threadpool-nested-wait.pnml
done
deep="$scratch/deep-100000.json"
{ printf '{"trace": '; for ((i = 0; i < 100; i++)); do printf '%.0s[' {1..1000}; done; } >"$deep"
check "(generated) deep-100000.json" "pnsim: $(quote "$deep"):[0-9]+:[0-9]+: " \
    "$pnsim" sim --replay "$deep" models/threadpool-nested-wait.pnml

# --final conditions: the option stands for the file, on line 1.
for file in "$dir"/final/*; do
    check "$file" "pnsim: --final:1:[0-9]+: " \
        "$pnsim" check models/threadpool.pnml --final "$(cat "$file")"
done

# CSPm scripts: pnsim check FILE.  Until the CSPm front end is wired in, a
# refusal naming the file is enough.
csp_position() {
    local file=$1
    if "$pnsim" check "$file" 2>&1 | grep -q "not supported yet"; then
        echo "$(quote "$file")"
    else
        echo "$(quote "$file"):[0-9]+:[0-9]+: "
    fi
}
for file in "$dir"/csp/*; do
    check "$file" "$(csp_position "$file")" "$pnsim" check "$file"
done
parens="$scratch/parens-100000.csp"
{ printf 'channel a : {0..1}\nx = '; for ((i = 0; i < 100; i++)); do printf '%.0s(' {1..1000}; done; printf '1\n'; } >"$parens"
check "(generated) parens-100000.csp" "$(csp_position "$parens")" "$pnsim" check "$parens"

echo
printf '%-52s %4s  %s\n' "file" "exit" "message"
printf '%s\n' "${table[@]}"
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
