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
# assertions: deadlock is a failing `:[deadlock free]`; race and unbounded
# are a failing `assert not P :[has trace]: <...>` (the racy interleaving,
# or the mailbox overflow, is a trace of the system).
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
key = lambda p: p["kind"] if csp else p["name"]
bad = sorted({key(p) for p in report["properties"] if p["holds"] is False})
unknown = sorted({key(p) for p in report["properties"] if p["holds"] is None})
states = max([p.get("states", 0) for p in report["properties"]] or [0]) \
    if csp else report["stats"]["states"]
print(",".join(bad) or "-", ",".join(unknown) or "-", states)
' <<<"$json" 2>/dev/null)
    if [ -z "$summary" ]; then
        echo "FAIL $model: no JSON report (exit $status)"
        echo "$json" | head -10 | sed 's/^/    /'
        failed=$((failed + 1))
        continue
    fi
    read -r violated unknown states <<<"$summary"
    case $expected in
        pass) want_status=0 want_violated=- ;;
        deadlock) want_status=1 want_violated=deadlock-free ;;
        race) want_status=1 want_violated=race-free ;;
        unbounded) want_status=1 want_violated=bounded ;;
        *) want_status=x want_violated=x ;;
    esac
    case $model in
        *.csp) [ "$expected" = race ] || [ "$expected" = unbounded ] &&
                   want_violated=has-trace ;;
    esac
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
