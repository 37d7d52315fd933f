#!/usr/bin/env bash
# limits_test.sh — every way a long run can be cut short ends it with the
# statistics so far and exit 3: --max-states, --max-memory, --time-limit,
# SIGINT and SIGTERM, for check, statespace and sim batches, on one thread
# and on two.  (tests/cli_test.sh covers check's limits on the default
# thread count, statespace --max-states --json and check's signals; this
# script adds the rest.)
#
# Usage: tests/limits_test.sh PATH/TO/pnsim   (run from the source tree)
set -u
pnsim=${1:?usage: limits_test.sh PNSIM_BINARY}
unbounded=tests/data/cli/unbounded.pnml
# check proves unbounded.pnml unbounded at once: its limits need a net
# that is bounded but far too large (2^40 markings).
large=tests/data/cli/large.pnml
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0

# The statistics each command prints, as an extended regular expression.
statistics() {
    case " $* " in
        *" --json "*) echo '"(states|runs)": [0-9]+'; return ;;
    esac
    case $1 in
        check) echo '^  [0-9]+ states?, [0-9]+ edges?' ;;
        statespace) echo '^  [0-9]+ states?, [0-9]+ edges?' ;;
        sim) echo '^Statistics over [0-9]+ runs?' ;;
    esac
}

report() {
    local name=$1 status=$2 problem=$3 output=$4
    if [ -z "$problem" ]; then
        echo "ok   $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name: $problem (exit $status)"
        head -20 "$output" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

# limit NAME COMMAND REASON_REGEX ARGUMENTS...: `pnsim COMMAND ARGUMENTS`
# exits 3 with its statistics and a line matching REASON_REGEX.
limit() {
    local name=$1 command=$2 reason=$3
    shift 3
    local output="$scratch/out" status problem=""
    timeout 60 "$pnsim" "$command" "$@" >"$output" 2>&1
    status=$?
    if [ "$status" -ne 3 ]; then
        problem="expected exit 3"
    elif ! grep -Eq -- "$(statistics "$command" "$@")" "$output"; then
        problem="no statistics"
    elif ! grep -Eq -- "$reason" "$output"; then
        problem="no line matches /$reason/"
    fi
    report "$name" "$status" "$problem" "$output"
}

# signal NAME SIGNAL COMMAND ARGUMENTS...: a long run of `pnsim COMMAND`
# ended by SIGNAL exits 3 with its statistics.
signal() {
    local name=$1 signal=$2 command=$3
    shift 3
    local output="$scratch/out" status problem=""
    timeout 60 "$pnsim" "$command" "$@" >"$output" 2>&1 &
    local pid=$!
    sleep 1
    kill "-$signal" "$pid" 2>/dev/null
    # timeout passes the signal on to pnsim.
    wait "$pid"
    status=$?
    if [ "$status" -ne 3 ]; then
        problem="expected exit 3"
    elif ! grep -Eq -- "$(statistics "$command")" "$output"; then
        problem="no statistics"
    elif ! grep -Eq "interrupted" "$output"; then
        problem="does not say it was interrupted"
    fi
    report "$name" "$status" "$problem" "$output"
}

# check: the limits on two threads (the parallel explorer); signals with
# JSON output.
limit "check --max-states, 2 threads" check "state limit reached" \
    "$large" --max-states 2000 --threads 2
limit "check --max-memory, 2 threads" check "memory limit reached" \
    "$large" --max-memory 2M --threads 2
limit "check --time-limit, 2 threads" check "time limit reached" \
    "$large" --time-limit 0.3 --threads 2
limit "check --json --time-limit" check '"outcome": "time limit reached"' \
    "$large" --json --time-limit 0.3
signal "check SIGINT, 2 threads" INT check "$large" --threads 2
signal "check SIGTERM, 2 threads" TERM check "$large" --threads 2

# statespace: every limit and both signals.
limit "statespace --max-states" statespace "state limit reached" \
    "$unbounded" --max-states 1000
limit "statespace --max-memory" statespace "memory limit reached" \
    "$unbounded" --max-memory 2M
limit "statespace --time-limit" statespace "time limit reached" \
    "$unbounded" --time-limit 0.3
limit "statespace --time-limit, 2 threads" statespace "time limit reached" \
    "$unbounded" --time-limit 0.3 --threads 2
signal "statespace SIGINT" INT statespace "$unbounded"
signal "statespace SIGTERM" TERM statespace "$unbounded"

# sim batches: between runs, and inside one endless timed run.
limit "sim --max-states" sim "state limit reached \(--max-states 5000\)" \
    "$unbounded" --runs 1000000 --quiet --max-states 5000
limit "sim --max-memory" sim "memory limit reached" \
    "$unbounded" --runs 1000000 --quiet --max-memory 1M
limit "sim --time-limit" sim "time limit reached" \
    "$unbounded" --runs 100000000 --quiet --time-limit 0.3
limit "sim --time-limit inside a run" sim "time limit reached" \
    "$unbounded" --timed --until 1e300 --quiet --time-limit 0.3
limit "sim --json --time-limit" sim '"stopped_by": "time limit reached' \
    "$unbounded" --runs 100000000 --quiet --json --time-limit 0.3
signal "sim SIGINT" INT sim "$unbounded" --runs 100000000 --quiet
signal "sim SIGTERM" TERM sim "$unbounded" --runs 100000000 --quiet
signal "sim SIGINT inside a run" INT sim "$unbounded" --timed --until 1e300 --quiet

# Real allocation failure: under `ulimit -v` the state store cannot grow
# as far as the default --max-memory budget says.  The run must end as a
# memory limit (exit 3, statistics) or an out-of-memory error (exit 2),
# never with a crash.  Not for sanitizer builds, which need terabytes of
# address space for their shadow memory.
if ! nm "$pnsim" 2>/dev/null | grep -q __asan_init &&
   ! ldd "$pnsim" 2>/dev/null | grep -q libasan; then
    toggles="$scratch/toggles.pnml"
    {
        echo '<?xml version="1.0"?>'
        echo '<pnml><net id="toggles" type="ptnet"><page id="pg">'
        for i in $(seq 1 24); do
            echo "<place id=\"on$i\"><initialMarking><text>1</text></initialMarking></place><place id=\"off$i\"/>"
            echo "<transition id=\"down$i\"/><transition id=\"up$i\"/>"
            echo "<arc id=\"a$i\" source=\"on$i\" target=\"down$i\"/><arc id=\"b$i\" source=\"down$i\" target=\"off$i\"/>"
            echo "<arc id=\"c$i\" source=\"off$i\" target=\"up$i\"/><arc id=\"d$i\" source=\"up$i\" target=\"on$i\"/>"
        done
        echo '</page></net></pnml>'
    } >"$toggles"
    for command in check statespace; do
        for threads in 1 2; do
            output="$scratch/out"
            (ulimit -v 200000; timeout 120 "$pnsim" "$command" "$toggles" \
                 --threads "$threads") >"$output" 2>&1
            status=$?
            problem=""
            if [ "$status" -eq 3 ]; then
                grep -Eq "$(statistics "$command")" "$output" ||
                    problem="no statistics"
            elif [ "$status" -eq 2 ]; then
                grep -q "out of memory" "$output" || problem="exit 2 without 'out of memory'"
            else
                problem="expected exit 3 (or 2, out of memory)"
            fi
            report "$command under ulimit -v, $threads thread(s)" "$status" \
                "$problem" "$output"
        done
    done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
