#!/usr/bin/env bash
# models_test.sh — every model of the library, PNML and CSP, gets the
# verdict its header comment promises.
#
# Each models/*.pnml and models/*.csp states, in its header comment, one line
#     expected: pass | deadlock | race | unbounded
# (`-- expected: ...` in a CSP script) and `pnsim check --json` must agree:
#   pass       exit 0, every property holds
#   deadlock   exit 1, deadlock-free is violated, no other property is
#   race       exit 1, some race-free is violated, deadlock-free holds
#   unbounded  exit 1, bounded is violated
# For a CSP script the violated properties are the kinds of its failing
# assertions, and race-free for the race check of its shared resources
# (`{-# pnsim shared ... #-}` pragmas): deadlock is a failing
# `:[deadlock free]`; race is a failing race-free together with a failing
# `assert not P :[has trace]: <...>` (the racy interleaving is a trace of
# the system); unbounded is a failing has-trace (the mailbox overflow).  A
# script with a pragma must report race-free.
#
# Usage: tests/models_test.sh PATH/TO/pnsim   (run from the source tree)
set -u
pnsim=${1:?usage: models_test.sh PNSIM_BINARY}
passed=0
failed=0

for model in models/*.pnml models/*.csp; do
    expected=$(sed -n 's/^\(-- \)\{0,1\} *expected: *\([a-z]*\) *$/\2/p' "$model" | head -1)
    if [ -z "$expected" ]; then
        echo "FAIL $model: no 'expected:' line in the header comment"
        failed=$((failed + 1))
        continue
    fi
    json=$(timeout 120 "$pnsim" check --json "$model" 2>&1)
    status=$?
    # The violated properties, as "name" or "name:resource", one a line,
    # and the states explored.
    summary=$(python3 -c '
import json, sys
report = json.loads(sys.stdin.read())
csp = report["format"] == "csp"
key = lambda p: p.get("kind", p["name"]) if csp else p["name"]
bad = sorted({key(p) for p in report["properties"] if p["holds"] is False})
unknown = sorted({key(p) for p in report["properties"] if p["holds"] is None})
states = max([p.get("states", 0) for p in report["properties"]] or [0]) \
    if csp else report["stats"]["states"]
races = sum(1 for p in report["properties"] if p["name"] == "race-free")
print(",".join(bad) or "-", ",".join(unknown) or "-", states, races)
' <<<"$json" 2>/dev/null)
    if [ -z "$summary" ]; then
        echo "FAIL $model: no JSON report (exit $status)"
        echo "$json" | head -10 | sed 's/^/    /'
        failed=$((failed + 1))
        continue
    fi
    read -r violated unknown states races <<<"$summary"
    case $expected in
        pass) want_status=0 want_violated=- ;;
        deadlock) want_status=1 want_violated=deadlock-free ;;
        race) want_status=1 want_violated=race-free ;;
        unbounded) want_status=1 want_violated=bounded ;;
        *) want_status=x want_violated=x ;;
    esac
    case $model in
        *.csp) [ "$expected" = race ] && want_violated=has-trace,race-free
               [ "$expected" = unbounded ] && want_violated=has-trace ;;
    esac
    if grep -q '{-# *pnsim shared' "$model" && [ "$races" -eq 0 ]; then
        echo "FAIL $model: declares shared resources but reports no race-free"
        failed=$((failed + 1))
        continue
    fi
    # An unbounded model leaves deadlock-freedom unknown; the others must
    # explore completely.
    if [ "$status" -eq "$want_status" ] && [ "$violated" = "$want_violated" ] &&
       { [ "$unknown" = - ] || [ "$expected" = unbounded ]; }; then
        echo "ok   $model: $expected ($states states)"
        passed=$((passed + 1))
    else
        echo "FAIL $model: expected $expected, got exit $status," \
             "violated $violated, unknown $unknown"
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
