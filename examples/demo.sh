#!/bin/sh
# examples/demo.sh - a small `alphawrite evolve` run against the bundled
# simulated endpoint on loopback: no network, no key.  Installs the build
# dependencies if they are missing, builds, runs, and shows the result.
#
#   sh examples/demo.sh [OUT_DIR]
#
# OUT_DIR (default demo-out/, in the current directory) is replaced if it
# holds an earlier run; a directory holding anything else is left alone.
set -e
out=${1:-demo-out}
case $out in /*) ;; *) out="$PWD/$out" ;; esac
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -f "$out/run.json" ]; then
	echo "demo.sh: '$out' is not empty and holds no earlier run; choose another OUT_DIR" >&2
	exit 2
fi
cd "$(dirname "$0")/.."

sh tests/install-deps.sh
make -s alphawrite

portfile=$(mktemp)
python3 tests/simendpoint.py --port 0 --port-file "$portfile" --latency 0.2:0.8 \
	--max-seconds 600 >/dev/null &
sim=$!
trap 'kill $sim 2>/dev/null; rm -f "$portfile"' EXIT INT TERM
for _ in $(seq 50); do [ -s "$portfile" ] && break; sleep 0.1; done
port=$(cat "$portfile")

rm -rf "$out"
echo "simulated endpoint on http://127.0.0.1:$port/v1 (stories and verdicts are simulated)"
./alphawrite evolve --model sim-writer --judge-model sim-judge \
	--base-url "http://127.0.0.1:$port/v1" --out "$out" \
	--population 20 --generations 3 --top 4 --variants 4 --judge-budget 6 \
	--max-words 300 --concurrency 16 --seed 2026

echo
echo "output in $out/: $(cd "$out" && ls | tr '\n' ' ')"
echo "ranking of the last generation:"
jq -r '.stories[:5][] | "  \(.rank). \(.id)  rating \(.rating | round) [\(.rating_lo | round), \(.rating_hi | round)]  \(.wins)-\(.losses)  born \(.born)  goal: \(.goal // "-")"' \
	"$out/$(cd "$out" && ls gen-*.json | tail -n 1)"
echo
echo "the start of the best story ($out/best.txt):"
head -n 7 "$out/best.txt" | fold -s -w 100
echo
./alphawrite report "$out" >/dev/null
echo "the whole run on one page: $out/report.html (open it in a browser);"
echo "in the terminal: ./alphawrite show $out"
