#!/bin/sh
# examples/batch.sh - a batch experiment: several seeds x two judge budgets
# (--judge-budget), one `alphawrite evolve` run each, summarised with jq.
#
#   sh examples/batch.sh [OUT_ROOT]
#
# With OPENAI_BASE_URL (and OPENAI_API_KEY, MODEL) set it uses your endpoint;
# otherwise it starts the bundled simulated endpoint on loopback.  Every run
# gets its own directory OUT_ROOT/budget-M/seed-S, so a batch can be re-run
# into a new root and compared.  OUT_ROOT (default batch-out/, in the current
# directory) is replaced if it holds an earlier batch; a directory holding
# anything else is left alone.
set -e
root=${1:-batch-out}
case $root in /*) ;; *) root="$PWD/$root" ;; esac
if [ -d "$root" ]; then
	for f in "$root"/* "$root"/.[!.]*; do
		[ -e "$f" ] || continue
		case ${f##*/} in
		budget-*) ;;
		*)	echo "batch.sh: '$root' holds '${f##*/}', which no batch wrote; choose another OUT_ROOT" >&2
			exit 2 ;;
		esac
	done
fi
cd "$(dirname "$0")/.."
model=${MODEL:-sim-writer}
seeds="1 2 3"
budgets="4 8"

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
for budget in $budgets; do
	for seed in $seeds; do
		dir="$root/budget-$budget/seed-$seed"
		./alphawrite evolve --model "$model" --out "$dir" --seed "$seed" \
			--population 16 --generations 2 --top 4 --variants 3 \
			--judge-budget "$budget" --max-words 300 --quiet ||
			echo "run $dir failed (exit $?)" >&2
	done
done

# One line per run: settings, cost, and the best story of the last generation.
echo "budget seed status   requests tokens   best    rating words"
for run in "$root"/budget-*/seed-*/run.json; do
	[ -e "$run" ] || continue
	dir=$(dirname "$run")
	last=$(ls "$dir"/gen-*.json 2>/dev/null | tail -n 1)
	if [ -z "$last" ]; then # failed before its first generation was ranked
		jq -r '[.settings.judge_budget, .seed, .status, .usage.requests, "-", "-", "-", "-"]
			| @tsv' "$run"
		continue
	fi
	jq -r --slurpfile g "$last" '
		[.settings.judge_budget, .seed, .status, .usage.requests,
		 (.usage.prompt_tokens + .usage.completion_tokens),
		 $g[0].stories[0].id, ($g[0].stories[0].rating | round), $g[0].stories[0].words]
		| @tsv' "$run"
done | column -t

# Per setting: mean requests and mean rating of the best story of the last
# generation (ratings of one run share one Bradley-Terry scale; across runs
# they are only roughly comparable, as each run is its own tournament).
echo
echo "per --judge-budget: runs, mean requests, mean rating of the best story"
for budget in $budgets; do
	for run in "$root/budget-$budget"/seed-*; do
		last=$(ls "$run"/gen-*.json 2>/dev/null | tail -n 1)
		[ -n "$last" ] || continue
		jq -n --slurpfile r "$run/run.json" --slurpfile z "$last" \
			'{requests: $r[0].usage.requests, best: $z[0].stories[0].rating}'
	done | jq -rs --arg b "$budget" \
		'if length == 0 then "budget \($b): no run got as far as a ranked generation"
		 else "budget \($b): \(length) runs, \((map(.requests) | add / length) | round) requests, best rating \((map(.best) | add / length) | round)" end'
done
