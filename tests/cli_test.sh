#!/usr/bin/env bash
# cli_test.sh — pnsim's command line as a user meets it: exit codes,
# messages naming file:line:column, limits ending with statistics, signals,
# and the files graph and draw write.
#
# Usage: tests/cli_test.sh PATH/TO/pnsim   (run from the source tree)
set -u
pnsim=${1:?usage: cli_test.sh PNSIM_BINARY}
data=tests/data/cli
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0

# expect NAME EXIT_CODE REGEX COMMAND...: runs COMMAND, requires its exit
# code and, when REGEX is not empty, a line of its output (stdout and stderr)
# matching REGEX (extended regular expression).
expect() {
    local name=$1 code=$2 pattern=$3
    shift 3
    local output status
    output=$(timeout 60 "$@" 2>&1)
    status=$?
    if [ "$status" -ne "$code" ]; then
        echo "FAIL $name: exit $status, expected $code"
        echo "$output" | head -20 | sed 's/^/    /'
        failed=$((failed + 1))
    elif [ -n "$pattern" ] && ! grep -Eq -- "$pattern" <<<"$output"; then
        echo "FAIL $name: no line matches /$pattern/"
        echo "$output" | head -20 | sed 's/^/    /'
        failed=$((failed + 1))
    else
        echo "ok   $name"
        passed=$((passed + 1))
    fi
}

# expect_file NAME FILE MAGIC: FILE exists and starts with MAGIC.
expect_file() {
    if [ -s "$2" ] && head -c 64 "$2" | grep -aq -- "$3"; then
        echo "ok   $1"
        passed=$((passed + 1))
    else
        echo "FAIL $1: $2 missing or not starting with $3"
        failed=$((failed + 1))
    fi
}

# expect_signal NAME SIGNAL: a long run ended by SIGNAL stops with exit 3
# and its statistics.
expect_signal() {
    local name=$1 signal=$2
    "$pnsim" check "$data/large.pnml" >"$scratch/signal.out" 2>&1 &
    local pid=$!
    sleep 0.5
    kill "-$signal" "$pid"
    wait "$pid"
    local status=$?
    if [ "$status" -eq 3 ] && grep -q "interrupted" "$scratch/signal.out" &&
       grep -Eq "[0-9]+ states" "$scratch/signal.out"; then
        echo "ok   $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name: exit $status"
        sed 's/^/    /' "$scratch/signal.out" | head -20
        failed=$((failed + 1))
    fi
}

# General behaviour.
expect "version" 0 "^pnsim [0-9]+\.[0-9]+" "$pnsim" --version
expect "no command" 2 "Usage: pnsim" "$pnsim"
expect "unknown command" 2 "unknown command 'frobnicate'" "$pnsim" frobnicate
expect "check help" 0 "Usage: pnsim check" "$pnsim" check --help
expect "unknown option" 2 "unknown option '--bogus'" \
    "$pnsim" check models/threadpool.pnml --bogus
expect "bad number" 2 "--max-states needs a whole number" \
    "$pnsim" check models/threadpool.pnml --max-states abc
expect "no model" 2 "no model given" "$pnsim" check

# Verdicts on the shipped models.
expect "threadpool passes" 0 "^verdict: PASS" "$pnsim" check models/threadpool.pnml
expect "nested wait deadlocks" 1 "^verdict: FAIL" \
    "$pnsim" check models/threadpool-nested-wait.pnml
expect "nested wait shows the run" 1 "Shortest run to a deadlock" \
    "$pnsim" check models/threadpool-nested-wait.pnml

# Intended final states (<final/> and --final).
expect "final place passes" 0 "1 final dead state" \
    "$pnsim" check "$data/terminating.pnml"
expect "unannotated end is a deadlock" 1 "deadlock-free +FAIL" \
    "$pnsim" check "$data/terminating-unannotated.pnml"
expect "--final declares the end" 0 "^verdict: PASS" \
    "$pnsim" check "$data/terminating-unannotated.pnml" --final "joined==1"
expect "--final overrides <final/>" 1 "^verdict: FAIL" \
    "$pnsim" check "$data/terminating.pnml" --final "joined>=2"
expect "--final names a place" 2 "no place or process named 'nosuch'" \
    "$pnsim" check "$data/terminating.pnml" --final "nosuch==1"
expect "stop at first" 1 "stopped at the first deadlock|deadlock-free +FAIL" \
    "$pnsim" check models/threadpool-nested-wait.pnml --stop-at-first

# A bounded net's check counts first, then explores again with parent links
# up to the first deadlock: the figures are the whole search's (18 dead
# states among 63, 10 levels), the run the shortest to the first deadlock,
# the same on one thread and two; --stop-at-first stops both searches.
deadlock_json() {
    "$pnsim" check --json "${@:2}" models/processpool-map-killed-hang.pnml |
        python3 -c '
import json, sys
report = json.load(sys.stdin)
deadlock = report["properties"][0]
want = [int(x) for x in sys.argv[1].split(",")]
assert [deadlock["deadlocks"], report["stats"]["states"],
        report["stats"]["levels"]] == want, (deadlock["deadlocks"],
                                             report["stats"])
assert [s["transition"] for s in deadlock["trace"]] == \
    ["dispatch_item0", "worker_killed_running_item0"], deadlock["trace"]
assert report["verdict"] == "fail"
' "$1" || return 99
    return "${PIPESTATUS[0]}"
}
export -f deadlock_json
export pnsim
expect "deadlock figures of the whole search" 1 "" \
    bash -c 'deadlock_json 18,63,10 --threads 1'
expect "deadlock figures on two threads" 1 "" \
    bash -c 'deadlock_json 18,63,10 --threads 2'
expect "deadlock figures stopped at the first" 1 "" \
    bash -c 'deadlock_json 3,23,3 --stop-at-first'

# Bad input: file:line:column and exit 2.
expect "unknown arc endpoint" 2 "bad-arc\.pnml:7:[0-9]+: .*nowhere" \
    "$pnsim" check "$data/bad-arc.pnml"
expect "truncated XML" 2 "truncated\.pnml:[0-9]+:[0-9]+: " \
    "$pnsim" check "$data/truncated.pnml"
expect "missing file" 2 "no-such-file\.pnml" \
    "$pnsim" check "$data/no-such-file.pnml"
expect "missing CSP file" 2 "cannot open models/nothing\.csp" \
    "$pnsim" check models/nothing.csp

# Limits: statistics so far and exit 3 (large.pnml is bounded, 2^40
# markings).
expect "state limit" 3 "state limit reached \(--max-states 1000\)" \
    "$pnsim" check "$data/large.pnml" --max-states 1000
expect "state limit statistics" 3 "^  1001 states" \
    "$pnsim" check "$data/large.pnml" --max-states 1000 --threads 1
expect "time limit" 3 "time limit reached" \
    "$pnsim" check "$data/large.pnml" --time-limit 0.3
expect "memory limit" 3 "memory limit reached" \
    "$pnsim" check "$data/large.pnml" --max-memory 2M

# Unboundedness: a marking covering an earlier one ends the search at once,
# with or without a limit, and shows the pumping sequence.
expect "unbounded net fails" 1 "bounded +FAIL +unbounded: queue grows" \
    "$pnsim" check "$data/unbounded.pnml"
expect "unbounded before the state limit" 1 "Pumping sequence: put" \
    "$pnsim" check "$data/unbounded.pnml" --max-states 1000
expect "unbounded in JSON" 1 '"pumping": \[' \
    "$pnsim" check "$data/unbounded.pnml" --json

# Races on shared places (<shared/> or --shared).
expect "no shared place, no race check" 0 "^verdict: PASS" \
    "$pnsim" check "$data/racy.pnml"
expect "--shared declares a race" 1 "race-free +FAIL +x: a_add \(writes\) and b_read \(reads\)" \
    "$pnsim" check "$data/racy.pnml" --shared x
expect "race run shown" 1 "Shortest run to a race on x" \
    "$pnsim" check "$data/racy.pnml" --shared=x
expect "race in JSON" 1 '"resource": "x"' \
    "$pnsim" check "$data/racy.pnml" --shared x --json
expect "--shared names a place" 2 "no place named 'nosuch'" \
    "$pnsim" check "$data/racy.pnml" --shared x,nosuch

# Races in CSP scripts: shared resources declared by a pragma.
cat >"$scratch/racy.csp" <<'CSP'
channel start, acq, rel : {0,1}
channel wr, rd : {0,1}.{0,1}
channel fin
{-# pnsim shared name: x write: {| wr |} read: {| rd |} #-}
X(v) = wr?t?w -> X(w) [] rd?t!v -> X(v) [] fin -> SKIP
T(t) = start.t -> wr.t.t -> fin -> SKIP
SYSTEM = (T(0) [| {fin} |] T(1)) [| {| wr, rd, fin |} |] X(0)
assert SYSTEM :[deadlock free [F]]
CSP
cat >"$scratch/locked.csp" <<'CSP'
channel start, acq, rel : {0,1}
channel wr, rd : {0,1}.{0,1}
channel fin
{-# pnsim shared name: x write: {| wr |} read: {| rd |} #-}
X(v) = wr?t?w -> X(w) [] rd?t!v -> X(v) [] fin -> SKIP
LOCK = acq?t -> rel!t -> LOCK [] fin -> SKIP
T(t) = start.t -> acq.t -> wr.t.t -> rel.t -> fin -> SKIP
SYSTEM = ((T(0) [| {fin} |] T(1)) [| {| wr, rd, fin |} |] X(0))
           [| {| acq, rel, fin |} |] LOCK
assert SYSTEM :[deadlock free [F]]
CSP
printf '%s\n' 'channel wr : {0,1}' 'SYSTEM = wr?x -> SYSTEM' \
    '{-# pnsim shared oops write: {| wr |} #-}' >"$scratch/bad.csp"
# race_json FILE HOLDS: the JSON report of FILE has one race-free property
# on x whose "holds" is HOLDS (true, false), with the two writes and a run
# when it fails.  Returns pnsim's exit code, or 99 when the JSON is wrong.
race_json() {
    local json status
    json=$("$pnsim" check --json "$1")
    status=$?
    python3 -c '
import json, sys
report = json.load(sys.stdin)
races = [p for p in report["properties"] if p["name"] == "race-free"]
assert len(races) == 1 and races[0]["resource"] == "x", races
race = races[0]
assert json.dumps(race["holds"]) == sys.argv[1], race
if race["holds"] is False:
    assert race["transitions"] == ["wr.0.0", "wr.1.1"], race
    assert race["accesses"] == ["write", "write"], race
    assert [s["transition"] for s in race["trace"]] == ["start.0", "start.1"]
assert report["verdict"] == ("pass" if race["holds"] else "fail"), report
' "$2" <<<"$json" || return 99
    return "$status"
}
export -f race_json
export pnsim
expect "CSP race found" 1 "race-free +FAIL +x: wr\.0\.0 \(writes\) and wr\.1\.1 \(writes\)" \
    "$pnsim" check "$scratch/racy.csp"
expect "CSP race run shown" 1 "Shortest run to a race on x" \
    "$pnsim" check "$scratch/racy.csp"
expect "CSP race in JSON" 1 "" bash -c 'race_json "$0" false' "$scratch/racy.csp"
expect "CSP lock, no race" 0 "race-free +PASS +x: no race" \
    "$pnsim" check "$scratch/locked.csp"
expect "CSP lock in JSON" 0 "" bash -c 'race_json "$0" true' "$scratch/locked.csp"
expect "--assert N skips the race check" 0 "^verdict: PASS" \
    "$pnsim" check "$scratch/racy.csp" --assert 1
expect "--process chooses the race process" 0 "race-free +PASS +x: no race" \
    "$pnsim" check "$scratch/racy.csp" --process "T(0) [| {| wr, rd, fin |} |] X(0)"
expect "malformed pragma" 2 "bad\.csp:3:18: parse error: pnsim pragma: expected write:" \
    "$pnsim" check "$scratch/bad.csp"
expect "CSP model race" 1 "race-free +FAIL +counter: store\.0\.1 \(writes\)" \
    "$pnsim" check models/gil-counter.csp

expect "statespace limit gives null" 3 '"states": null' \
    "$pnsim" statespace "$data/unbounded.pnml" --max-states 100 --json
expect "token overflow is reported" 3 "exceed" \
    "$pnsim" check "$data/overflow.pnml"
expect_signal "Ctrl-C (SIGINT)" INT
expect_signal "SIGTERM" TERM

# The other commands.
expect "statespace" 0 "^  states +[0-9]+" "$pnsim" statespace models/threadpool.pnml
expect "info" 0 "^  places +[0-9]+" "$pnsim" info models/threadpool.pnml
# Five philosophers: of each one's three places exactly one is marked, and
# so of each fork with the places of the philosophers holding it.
expect "info exclusive sets" 0 "^  exclusive sets +10, over 20 places" \
    "$pnsim" info models/philosophers-5.pnml
expect "info on a CSP script" 0 "^  state slots +[0-9]+" \
    "$pnsim" info models/threadpool.csp
expect "graph svg" 0 "^wrote .*rg\.svg" \
    "$pnsim" graph models/threadpool-nested-wait.pnml -o "$scratch/rg.svg"
expect_file "graph svg file" "$scratch/rg.svg" "<svg\|<?xml"
expect "graph dot" 0 "^wrote" \
    "$pnsim" graph "$data/terminating.pnml" -o "$scratch/rg.dot"
expect_file "graph dot file" "$scratch/rg.dot" "digraph"
expect "graph left to right" 0 "^wrote" \
    "$pnsim" graph --left-to-right "$data/terminating.pnml" -o "$scratch/lr.dot"
if grep -q 'rankdir=LR' "$scratch/lr.dot" && ! grep -q 'rankdir=LR' "$scratch/rg.dot"; then
    echo "ok   graph --left-to-right sets rankdir=LR"; passed=$((passed + 1))
else
    echo "FAIL graph --left-to-right sets rankdir=LR"; failed=$((failed + 1))
fi
expect "graph too big" 2 "max-nodes" \
    "$pnsim" graph models/threadpool.pnml --max-nodes 10 -o "$scratch/big.svg"
expect "graph bad extension" 2 "\.txt|extension" \
    "$pnsim" graph "$data/terminating.pnml" -o "$scratch/rg.txt"
expect "draw png" 0 "^wrote .*net\.png" \
    "$pnsim" draw models/threadpool.pnml -o "$scratch/net.png"
expect_file "draw png file" "$scratch/net.png" "PNG"
expect "draw needs -o" 2 "no output file" "$pnsim" draw models/threadpool.pnml

mkdir -p "$scratch/mcc"
cp models/threadpool-nested-wait.pnml "$scratch/mcc/model.pnml"
expect "mcc StateSpace" 0 "^STATE_SPACE STATES [0-9]+ TECHNIQUES" \
    "$pnsim" mcc StateSpace "$scratch/mcc"
expect "mcc ReachabilityDeadlock" 0 "^FORMULA ReachabilityDeadlock TRUE" \
    "$pnsim" mcc ReachabilityDeadlock "$scratch/mcc"
expect "mcc unsupported examination" 0 "^DO_NOT_COMPETE$" \
    "$pnsim" mcc Liveness "$scratch/mcc"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
