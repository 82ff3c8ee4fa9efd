#!/bin/sh
# examples/batch.sh - a batch experiment: several seeds x two settings of
# --rounds, one `alphawrite evolve` run each, summarised with jq.
#
#   sh examples/batch.sh [OUT_ROOT]
#
# With OPENAI_BASE_URL (and OPENAI_API_KEY, MODEL) set it uses your endpoint;
# otherwise it starts the bundled simulated endpoint on loopback.  Every run
# gets its own directory OUT_ROOT/rounds-R/seed-S, so a batch can be re-run
# into a new root and compared.
set -e
cd "$(dirname "$0")/.."
root=${1:-batch-out}
model=${MODEL:-sim-writer}
seeds="1 2 3"
rounds_list="4 8"

make -s alphawrite
if [ -z "$OPENAI_BASE_URL" ]; then
	portfile=$(mktemp)
	python3 tests/simendpoint.py --port 0 --port-file "$portfile" --latency 0.05:0.3 \
		--max-seconds 900 >/dev/null &
	sim=$!
	trap 'kill $sim 2>/dev/null; rm -f "$portfile"' EXIT INT TERM
	for _ in $(seq 50); do [ -s "$portfile" ] && break; sleep 0.1; done
	export OPENAI_BASE_URL="http://127.0.0.1:$(cat "$portfile")/v1"
fi

rm -rf "$root"
for rounds in $rounds_list; do
	for seed in $seeds; do
		dir="$root/rounds-$rounds/seed-$seed"
		./alphawrite evolve --model "$model" --out "$dir" --seed "$seed" \
			--population 16 --generations 2 --top 4 --variants 3 \
			--rounds "$rounds" --max-words 300 --quiet ||
			echo "run $dir failed (exit $?)" >&2
	done
done

# One line per run: settings, cost, and the best story of the last generation.
echo "rounds seed status   requests tokens   best    elo   words"
for run in "$root"/rounds-*/seed-*/run.json; do
	dir=$(dirname "$run")
	last=$(ls "$dir"/gen-*.json | tail -n 1)
	jq -r --slurpfile g "$last" '
		[.settings.rounds, .seed, .status, .usage.requests,
		 (.usage.prompt_tokens + .usage.completion_tokens),
		 $g[0].stories[0].id, ($g[0].stories[0].elo | round), $g[0].stories[0].words]
		| @tsv' "$run"
done | column -t

# Per setting: mean requests and mean Elo gain of the best story over the
# best of generation 0 (same rating scale: parents keep their ratings).
echo
echo "per --rounds: runs, mean requests, mean elo gain of the best story over generation 0"
for rounds in $rounds_list; do
	for run in "$root/rounds-$rounds"/seed-*; do
		last=$(ls "$run"/gen-*.json | tail -n 1)
		jq -n --slurpfile r "$run/run.json" --slurpfile a "$run/gen-000.json" \
			--slurpfile z "$last" \
			'{requests: $r[0].usage.requests, gain: ($z[0].stories[0].elo - $a[0].stories[0].elo)}'
	done | jq -rs --arg r "$rounds" \
		'"rounds \($r): \(length) runs, \((map(.requests) | add / length) | round) requests, gain \((map(.gain) | add / length) | round)"'
done
