#!/bin/sh
# tests/run.sh - run every test and end with one line "N passed, N failed".
#
# The unit tests (cmocka, tests/unit/) and the end-to-end tests
# (tests/e2e.py: the real binary against tests/simendpoint.py on loopback)
# each report their counts; this script adds them up.  Exit 0 only when
# nothing failed.  AW_VALGRIND=1 runs the binaries under valgrind.
cd "$(dirname "$0")/.." || exit 1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

vg=""
if [ "${AW_VALGRIND:-0}" = 1 ]; then
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
fi

echo "== unit tests"
$vg tests/unit/test-unit >"$tmp/unit.out" 2>&1
unit_rc=$?
cat "$tmp/unit.out"
upass=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$tmp/unit.out" | awk '{s+=$1} END {print s+0}')
ufail=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$tmp/unit.out" | awk '{s+=$1} END {print s+0}')
if [ "$unit_rc" -ne 0 ] && [ "$ufail" -eq 0 ]; then
	ufail=1 # crashed or valgrind found errors
fi

echo "== end-to-end tests"
AW_VALGRIND="${AW_VALGRIND:-0}" python3 tests/e2e.py 2>&1 | tee "$tmp/e2e.out"
epass=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$tmp/e2e.out" | tail -n 1)
efail=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$tmp/e2e.out" | tail -n 1)
if [ -z "$epass" ]; then
	epass=0
	efail=1 # the suite did not report: count it as a failure
fi

pass=$((upass + epass))
fail=$((ufail + efail))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
