#!/usr/bin/env bash
# docs_test.sh — `make docs` (examples/make-docs.sh) for two models: the
# pages, pictures and index exist, and each sequence chart has the
# lifelines and steps of the run `pnsim check` reports.
#
# Usage: tests/docs_test.sh PATH/TO/pnsim   (run from the source tree)
set -u
pnsim=${1:?usage: docs_test.sh PNSIM_BINARY}
out=$(mktemp -d "${TMPDIR:-/tmp}/pnsim-docs.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
passed=0
failed=0

check() {
    if eval "$2"; then
        passed=$((passed + 1))
    else
        echo "FAIL $1"
        failed=$((failed + 1))
    fi
}

# Nodes of a Graphviz SVG whose name starts with $2 followed by a number.
count_nodes() {
    grep -c "<title>$2[0-9][0-9]*</title>" "$1"
}

if ! bash examples/make-docs.sh "$pnsim" "$out" models/gil-counter.pnml \
        models/philosophers-3.csp >"$out/log" 2>&1; then
    echo "FAIL make-docs.sh failed:"
    sed 's/^/    /' "$out/log"
    exit 1
fi

for f in index.md gil-counter.pnml.md gil-counter.pnml.net.svg \
         gil-counter.pnml.graph.svg gil-counter.pnml.msc.svg \
         philosophers-3.csp.md philosophers-3.csp.graph.svg \
         philosophers-3.csp.msc.svg; do
    check "$f exists" "[ -s '$out/$f' ]"
done
check "index links both pages" \
      "grep -q '(gil-counter.pnml.md)' '$out/index.md' &&
       grep -q '(philosophers-3.csp.md)' '$out/index.md'"
check "index agrees with the expected verdicts" \
      "[ \$(grep -c '| yes |' '$out/index.md') -eq 2 ]"
check "the page states question, verdict and trace" \
      "grep -q '^Question:' '$out/gil-counter.pnml.md' &&
       grep -q 'finds \*\*race\*\*' '$out/gil-counter.pnml.md' &&
       grep -q 'Shortest run to a race' '$out/gil-counter.pnml.md'"
check "the page links its pictures" \
      "grep -q '](gil-counter.pnml.msc.svg)' '$out/gil-counter.pnml.md'"

# gil-counter.pnml: threads t1 and t2; one step (t1_load_0), then the race
# between t1_store_1_over_0 and t2_load_0 on counter_0.
msc=$out/gil-counter.pnml.msc.svg
check "gil-counter: 2 lifelines" "[ \$(count_nodes '$msc' head) -eq 2 ]"
check "gil-counter: 1 step" "[ \$(count_nodes '$msc' num) -eq 1 ]"
check "gil-counter: the race's two transitions" "[ \$(count_nodes '$msc' race) -eq 2 ]"
check "gil-counter: the race is marked" "grep -q 'race on counter_0' '$msc'"

# philosophers-3.csp: 3 philosophers, 3 forks and the (idle) butler as
# leaf processes; 3 pickups, each an arrow, then the deadlock.
msc=$out/philosophers-3.csp.msc.svg
check "philosophers-3: 7 lifelines" "[ \$(count_nodes '$msc' head) -eq 7 ]"
check "philosophers-3: 3 steps" "[ \$(count_nodes '$msc' num) -eq 3 ]"
check "philosophers-3: the steps are pickups" \
      "[ \$(grep -c '>pickup\.[0-2]\.[0-2]<' '$msc') -eq 3 ]"
check "philosophers-3: the deadlock is marked" "grep -q '>deadlock<' '$msc'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
