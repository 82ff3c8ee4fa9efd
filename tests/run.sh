#!/bin/sh
# tests/run.sh - run every test and end with one line "N passed, N failed".
#
# The unit tests (cmocka, tests/unit/) and the end-to-end suites
# (tests/e2e.py and tests/e2e_resume.py: the real binary against
# tests/simendpoint.py on loopback) each report their counts; this script
# adds them up.  Exit 0 only when
# nothing failed.  AW_VALGRIND=1 runs the binaries under valgrind.
#
# The two end-to-end suites run at the same time, each into its own file,
# while the unit tests run; each suite's output is printed whole once it has
# ended, unit tests first, then tests/e2e.py, then tests/e2e_resume.py.  A
# suite that does not report its counts counts as one failure.
cd "$(dirname "$0")/.." || exit 1

tmp=$(mktemp -d)
pids=""
suites=""
shown=0

# Ctrl-C reaches the suites directly (they take SIGINT back, see
# tests/harness.py); a SIGINT or SIGTERM sent to this script alone is passed
# on to them as SIGINT, so that they stop their simulators as in the
# foreground.  What they printed until then is shown.
stop() {
	for p in $pids; do
		kill -INT "$p" 2>/dev/null
	done
	wait
	i=0
	for suite in $suites; do
		i=$((i + 1))
		[ "$i" -gt "$shown" ] || continue
		echo "== end-to-end tests: $suite (interrupted)"
		cat "$tmp/e2e-$i.out" 2>/dev/null
	done
	rm -rf "$tmp"
	exit "$1"
}
trap 'rm -rf "$tmp"' EXIT
trap 'stop 130' INT
trap 'stop 143' TERM

vg=""
if [ "${AW_VALGRIND:-0}" = 1 ]; then
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
fi

i=0
for suite in tests/e2e.py tests/e2e_resume.py; do
	[ -f "$suite" ] || continue
	i=$((i + 1))
	AW_VALGRIND="${AW_VALGRIND:-0}" python3 "$suite" >"$tmp/e2e-$i.out" 2>&1 &
	pids="$pids $!"
	suites="$suites $suite"
done

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
i=0
set -- $pids
for suite in $suites; do
	i=$((i + 1))
	wait "$1"
	shift
	echo "== end-to-end tests: $suite"
	cat "$tmp/e2e-$i.out"
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$tmp/e2e-$i.out" | tail -n 1)
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$tmp/e2e-$i.out" | tail -n 1)
	if [ -z "$p" ]; then
		p=0
		f=1 # the suite did not report: count it as a failure
	fi
	epass=$((epass + p))
	efail=$((efail + f))
	shown=$i
done

pass=$((upass + epass))
fail=$((ufail + efail))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
