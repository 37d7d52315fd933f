#!/usr/bin/env bash
# lint.sh — static analysis of pnsim's own code: clang-tidy (configuration:
# .clang-tidy) and cppcheck.  Exits nonzero on any finding.
#
# Usage: tools/lint.sh [BUILD_DIR]   (run from the source tree; BUILD_DIR,
# default build-lint, receives the compile_commands.json clang-tidy reads)
#
# Checked: engine/, parsers/, tools/, bench/ and the test programs that are
# not cmocka suites (tests/fuzz/, tests/nomem/).  The cmocka suites
# (tests/test_*.c) are left out of clang-tidy: its analyser does not know
# that a failed cmocka assertion ends the test, and reports a null
# dereference after every assert_non_null().  cppcheck checks them too.
set -euo pipefail
build=${1:-build-lint}
jobs=$(nproc 2>/dev/null || echo 2)

compiler=cc
command -v clang >/dev/null && compiler=clang
CC=$compiler cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug >/dev/null

mapfile -t sources < <(find engine parsers tools bench tests/fuzz tests/nomem \
                            -name '*.c' 2>/dev/null | sort)
status=0

echo "pnsim lint: clang-tidy on ${#sources[@]} files"
if ! printf '%s\n' "${sources[@]}" |
     xargs -P "$jobs" -n 4 clang-tidy -p "$build" --quiet 2>/dev/null \
         >"$build/clang-tidy.txt"; then
    status=1
fi
if grep -Eq ': (warning|error):' "$build/clang-tidy.txt"; then
    grep -E -A3 ': (warning|error):' "$build/clang-tidy.txt"
    status=1
fi

# cppcheck: _Noreturn spelled the way it understands (csp_fail never
# returns); tests/cppcheck.supp holds the justified suppressions.
echo "pnsim lint: cppcheck"
if ! cppcheck --enable=warning,portability,performance --std=c11 \
        --inline-suppr --quiet --error-exitcode=1 -j "$jobs" \
        -I engine -I parsers -I tools \
        '-D_Noreturn=__attribute__((noreturn))' \
        --suppress=missingIncludeSystem \
        --suppressions-list=tests/cppcheck.supp \
        engine parsers tools bench tests; then
    status=1
fi

if [ "$status" -eq 0 ]; then
    echo "pnsim lint: clean"
fi
exit "$status"
