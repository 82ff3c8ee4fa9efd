#!/bin/sh
# tests/run.sh - run every test and end with one line "N passed, N failed".
#
# The unit tests (cmocka, tests/unit/) and the end-to-end suites
# (tests/e2e.py and tests/e2e_resume.py: the real binary against
# tests/simendpoint.py on loopback) each report their counts; this script
# adds them up.  Exit 0 only when
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

epass=0
efail=0
for suite in tests/e2e.py tests/e2e_resume.py; do
	[ -f "$suite" ] || continue
	echo "== end-to-end tests: $suite"
	AW_VALGRIND="${AW_VALGRIND:-0}" python3 "$suite" 2>&1 | tee "$tmp/e2e.out"
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$tmp/e2e.out" | tail -n 1)
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$tmp/e2e.out" | tail -n 1)
	if [ -z "$p" ]; then
		p=0
		f=1 # the suite did not report: count it as a failure
	fi
	epass=$((epass + p))
	efail=$((efail + f))
done

pass=$((upass + epass))
fail=$((ufail + efail))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
