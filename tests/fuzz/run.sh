#!/bin/sh
# tests/fuzz/run.sh - build and run every libFuzzer harness for SECONDS each
# (default 30), starting from the seed corpora in tests/fuzz/corpus/, and
# print the executions per harness.  Exit 1 if a harness finds a crash, a
# leak or undefined behaviour (the input is kept in build/fuzz/).
#
#   sh tests/fuzz/run.sh [SECONDS]        (make fuzz FUZZ_SECONDS=N)
cd "$(dirname "$0")/../.." || exit 1
secs=${1:-30}
cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz: $cc not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
flags="-std=c11 -g -O1 $san -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
$(pkg-config --cflags libcurl libcjson zlib)"
libs="$(pkg-config --libs libcurl libcjson zlib) -lm"
mkdir -p build/fuzz/obj
# The library is compiled once, with coverage for the fuzzer, and linked
# into every harness.
objs=""
for src in src/*.c; do
	[ "$src" = src/main.c ] && continue
	obj=build/fuzz/obj/$(basename "$src" .c).o
	# shellcheck disable=SC2086
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find include -newer "$obj" -name '*.h')" ]; then
		$cc $flags -fsanitize=fuzzer-no-link -c -o "$obj" "$src" || {
			echo "fuzz: cannot compile $src" >&2
			exit 1
		}
	fi
	objs="$objs $obj"
done
status=0
for h in reply verdict list template journal vote run; do
	bin=build/fuzz/fuzz_$h
	# shellcheck disable=SC2086
	if ! $cc $flags -fsanitize=fuzzer -o "$bin" "tests/fuzz/fuzz_$h.c" $objs $libs; then
		echo "fuzz: cannot build $bin" >&2
		exit 1
	fi
	work=build/fuzz/corpus-$h
	mkdir -p "$work"
	"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix=build/fuzz/$h- \
		"$work" "tests/fuzz/corpus/$h" >build/fuzz/$h.log 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' build/fuzz/$h.log)
	if [ "$rc" -ne 0 ]; then
		status=1
		echo "fuzz_$h: FAILED after ${execs:-?} executions (see build/fuzz/$h.log)"
		grep -m 5 -E 'ERROR|SUMMARY|runtime error' build/fuzz/$h.log
	else
		echo "fuzz_$h: ${execs:-?} executions in ${secs}s, no crash"
	fi
done
exit $status
