#!/usr/bin/env bash
# make-docs.sh — the model library as documentation pages.
#
# For every model (models/*.pnml and models/*.csp, or the ones named) this
# writes into OUTDIR:
#   NAME.EXT.md         the question (the model's header comment), the
#                       expected and the actual verdict, the pictures and
#                       `pnsim check`'s report with the run it found
#   NAME.EXT.net.svg    PNML: the net (`pnsim draw`)
#   NAME.EXT.graph.svg  the reachability graph (`pnsim graph`), when it has
#                       at most MAX_NODES states (for CSP: the process's LTS)
#   NAME.EXT.msc.svg    the reported run as a message sequence chart
#                       (`pnsim msc`)
# and OUTDIR/index.md linking every page.  Needs bash, sed and pnsim only.
#
# Usage: examples/make-docs.sh PNSIM OUTDIR [MODEL...]
#   MAX_NODES=N   largest reachability graph drawn (default 60)
#   PNG=1         also render PNG copies of the pictures (for checking them)
set -u
pnsim=${1:?usage: make-docs.sh PNSIM OUTDIR [MODEL...]}
out=${2:?usage: make-docs.sh PNSIM OUTDIR [MODEL...]}
shift 2
max_nodes=${MAX_NODES:-60}
png=${PNG:-0}
if [ $# -eq 0 ]; then
    set -- models/*.pnml models/*.csp
fi
mkdir -p "$out" || exit 2

# The model's header comment, as plain text.
header() {
    case $1 in
        *.pnml) sed -n '/<!--/,/-->/p' "$1" | sed '/-->/q' |
                    sed '/<!--/d;/-->/d;s/^  //' ;;
        *.csp) sed -n '/^--/!q;s/^-- \{0,1\}//;p' "$1" ;;
    esac
}

# Runs pnsim quietly; the status is pnsim's.
quiet() { "$@" >/dev/null 2>&1; }

# draw KIND FILE: renders FILE.svg (and FILE.png with PNG=1); status 0 when
# the SVG was written.
draw() {
    local command=$1 model=$2 file=$3
    shift 3
    quiet "$pnsim" "$command" "$model" -o "$file.svg" "$@" || return 1
    if [ "$png" = 1 ]; then
        quiet "$pnsim" "$command" "$model" -o "$file.png" "$@"
    fi
    return 0
}

index=$out/index.md
{
    echo "# pnsim model library"
    echo
    echo "Every model of \`models/\`, checked by \`pnsim check\`; each page gives"
    echo "the question, the verdict, the pictures and the run pnsim reports."
    echo
    echo "| model | format | expected | pnsim finds | agrees | states |"
    echo "|---|---|---|---|---|---|"
} >"$index"

failed=0
for model in "$@"; do
    base=$(basename "$model")
    name=${base%.*}
    format=${base##*.}
    page=$out/$base.md
    expected=$(sed -n 's/^\(-- \)\{0,1\} *expected: *\([a-z]*\) *$/\2/p' "$model" | head -1)
    json=$("$pnsim" check --json "$model" 2>/dev/null)
    verdict=$(printf '%s\n' "$json" |
              sed -n 's/^ *"verdict": *"\([a-z]*\)".*/\1/p' | head -1)
    states=$(printf '%s\n' "$json" | sed -n 's/^ *"states": *\([0-9]*\).*/\1/p' |
             sort -n | tail -1)
    report=$("$pnsim" check "$model" 2>&1)
    # pnsim's answer in the words of the expected line: the violated
    # properties (deadlock, race, unbounded; has-trace for a CSP trace
    # assertion, named by its kind), or pass
    answer=$(printf '%s\n' "$json" | python3 -c '
import json, sys
words = {"deadlock-free": "deadlock", "race-free": "race", "bounded": "unbounded"}
try:
    report = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
failed = sorted({words.get(p.get("kind", p["name"]), p.get("kind", p["name"]))
                 for p in report.get("properties", []) if p.get("holds") is False})
print(", ".join(failed))')
    [ -z "$answer" ] && answer=${verdict:-error}
    match=no
    case $expected:$answer in
        pass:pass | deadlock:deadlock | race:race | unbounded:unbounded) match=yes ;;
        # A CSP race model also fails its `assert not ... :[has trace]:`
        race:has-trace,\ race | unbounded:has-trace) [ "$format" = csp ] && match=yes ;;
    esac

    pictures=()
    if [ "$format" = pnml ] && draw draw "$model" "$out/$base.net"; then
        pictures+=("The net ([SVG]($base.net.svg)):" "" "![the net]($base.net.svg)" "")
    fi
    if [ -n "$states" ] && [ "$states" -le "$max_nodes" ] &&
       draw graph "$model" "$out/$base.graph" --max-nodes "$max_nodes" \
            --left-to-right; then
        pictures+=("The reachability graph, $states states ([SVG]($base.graph.svg)):"
                   "" "![the reachability graph]($base.graph.svg)" "")
    fi
    msc_line=$("$pnsim" msc "$model" -o "$out/$base.msc.svg" 2>&1)
    if [ $? -eq 0 ]; then
        [ "$png" = 1 ] && quiet "$pnsim" msc "$model" -o "$out/$base.msc.png"
        what=$(printf '%s\n' "$msc_line" | sed -n 's/^wrote [^:]*: \([^,]*\),.*/\1/p')
        pictures+=("The run as a message sequence chart ($what; [SVG]($base.msc.svg)):"
                   "" "![the run]($base.msc.svg)" "")
    else
        echo "make-docs: $model: no sequence chart: $msc_line" >&2
        failed=$((failed + 1))
    fi

    {
        echo "# $base"
        echo
        echo "[index](index.md) · source: \`models/$base\`"
        echo
        echo "## Question"
        echo
        echo '```text'
        header "$model"
        echo '```'
        echo
        echo "## Verdict"
        echo
        echo "Expected **${expected:-?}**; \`pnsim check\` finds **$answer**${states:+ ($states states)}."
        if [ "$format" = csp ] && [[ $answer == *has-trace* ]]; then
            echo "(A failing \`assert not P :[has trace]: t\` shows that the racy"
            echo "interleaving, or the overflow, t is possible.)"
        fi
        echo
        echo "## Pictures"
        echo
        if [ ${#pictures[@]} -gt 0 ]; then
            printf '%s\n' "${pictures[@]}"
        else
            echo "(none could be drawn)"
            echo
        fi
        echo "## pnsim check"
        echo
        echo '```text'
        printf '%s\n' "$report"
        echo '```'
    } >"$page"
    echo "| [$name]($base.md) | $format | ${expected:-?} | $answer | $match | ${states:-} |" >>"$index"
    echo "$base: $answer (expected ${expected:-?})"
done
echo "wrote $index"
[ "$failed" -eq 0 ]
