#!/bin/sh
# tests/run.sh - run every test and end with one line "N passed, N failed".
#
# The unit tests (cmocka, tests/unit/) and the end-to-end suites
# (tests/e2e*.py: the real binary against tests/simendpoint.py on
# loopback) each report their counts; this script adds them up.  Exit 0
# only when nothing failed.  AW_VALGRIND=1 runs the binaries under
# valgrind.
#
# The end-to-end suites run in two lanes at the same time, each suite into
# its own file, while the unit tests run; each suite's output is printed
# whole once it has ended, unit tests first, then the suites in a fixed
# order.  A suite that does not report its counts counts as one failure.
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
		pkill -INT -P "$p" 2>/dev/null # the suite a lane is running
		kill -INT "$p" 2>/dev/null
	done
	wait
	i=0
	for suite in $suites; do
		i=$((i + 1))
		[ "$i" -gt "$shown" ] || continue
		echo "== end-to-end tests: $suite (interrupted)"
		cat "$tmp/e2e-$i.out" "$tmp/e2e-$i.part" 2>/dev/null
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

# Two lanes (the machines this runs on have two cores): each runs its suites
# one after the other.  A lane's pid is listed once per suite it runs.
lane1="tests/e2e_resume.py tests/e2e_report.py tests/e2e_hostile.py"
lane2="tests/e2e.py tests/e2e_compare.py tests/e2e_safety.py tests/e2e_issue13.py tests/e2e_issue14.py"
i=0
for lane in "$lane1" "$lane2"; do
	list=""
	for suite in $lane; do
		[ -f "$suite" ] || continue
		i=$((i + 1))
		list="$list $i:$suite"
		suites="$suites $suite"
	done
	(
		for item in $list; do
			n=${item%%:*}
			AW_VALGRIND="${AW_VALGRIND:-0}" python3 "${item#*:}" >"$tmp/e2e-$n.part" 2>&1
			mv "$tmp/e2e-$n.part" "$tmp/e2e-$n.out"
		done
	) &
	lpid=$!
	for item in $list; do
		pids="$pids $lpid"
	done
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
	while [ ! -f "$tmp/e2e-$i.out" ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.2
	done
	[ -f "$tmp/e2e-$i.out" ] || mv "$tmp/e2e-$i.part" "$tmp/e2e-$i.out" 2>/dev/null
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
