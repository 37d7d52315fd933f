#!/usr/bin/env bash
# models_test.sh — every PNML model of the library gets the verdict its
# header comment promises.
#
# Each models/*.pnml states, in its header comment, one line
#     expected: pass | deadlock | race | unbounded
# and `pnsim check --json` must agree:
#   pass       exit 0, every property holds
#   deadlock   exit 1, deadlock-free is violated, no other property is
#   race       exit 1, some race-free is violated, deadlock-free holds
#   unbounded  exit 1, bounded is violated
#
# Usage: tests/models_test.sh PATH/TO/pnsim   (run from the source tree)
set -u
pnsim=${1:?usage: models_test.sh PNSIM_BINARY}
passed=0
failed=0

for model in models/*.pnml; do
    expected=$(sed -n 's/^ *expected: *\([a-z]*\) *$/\1/p' "$model" | head -1)
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
bad = sorted({p["name"] for p in report["properties"] if p["holds"] is False})
unknown = sorted({p["name"] for p in report["properties"] if p["holds"] is None})
print(",".join(bad) or "-", ",".join(unknown) or "-", report["stats"]["states"])
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
