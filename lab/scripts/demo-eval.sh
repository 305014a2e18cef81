#!/usr/bin/env bash
# demo-eval.sh OUT [SWEEP_LIMIT]: the demo model's numbers, from its held-out set (seed 1).
#   OUT/card-single, OUT/card-multiturn   full cache, greedy: exact match per question kind and
#                                          ROUGE-L of descriptions against the reference
#                                          (docs/demo-model.md, the model card), and
#   OUT/card-attributes.txt                what the descriptions get right cell by cell
#   OUT/card-forms.md                      the single-image short answers by question form
#   OUT/card-multiturn-forms.md            the same inside the long conversations, with how
#                                          many the model's own descriptions answer
#   OUT/sweep                              full, elastic, elastic-paper, elastic-ref, h2o,
#                                          h2o-ref, local at budgets 0.9..0.1 on the first
#                                          SWEEP_LIMIT (default 50) long conversations, two
#                                          shards in parallel (docs/results.md)
# BUILD (default build) and MODEL (default resources/models/demo) may be set in the environment.
set -euo pipefail
out=${1:?usage: demo-eval.sh OUT [SWEEP_LIMIT]}
limit=${2:-50}
build=${BUILD:-build}
model=${MODEL:-resources/models/demo}
cli=$build/lab/elastic-lab
world=$out/world
mkdir -p "$out"
# Up to date first: an ec-demo-world left from another commit writes another held-out set.
if [ -f "$build/CMakeCache.txt" ]; then
    cmake --build "$build" --target elastic-lab ec-demo-world
fi

[ -f "$world/eval/multiturn.json" ] ||
    "$build/lab/demo_world/ec-demo-world" --out "$world" --seed 1 --train 0 --size 48

# One torch thread per process: the shards run side by side.
export OMP_NUM_THREADS=1
# Waits for the jobs whose pids are in `pids` and fails if any did: a plain `wait` returns 0
# even when a shard stopped early, and its partial records would be merged as the sweep.
pids=()
waitAll() {
    local failed=0 pid
    for pid in "${pids[@]}"; do
        wait "$pid" || failed=1
    done
    pids=()
    [ "$failed" -eq 0 ] || { echo "demo-eval.sh: an evaluation failed (see above)" >&2; exit 1; }
}
for set in single multiturn; do
    "$cli" eval --model "$model" --dataset "$world/eval/$set.json" --methods full \
        --no-teacher-forcing --max-tokens 160 --out "$out/card-$set" &
    pids+=($!)
done
waitAll
"$(dirname "$0")/../probes/demo-attributes.py" "$out"/card-single/records.jsonl \
    "$out"/card-multiturn/records.jsonl | tee "$out/card-attributes.txt"
"$(dirname "$0")/../probes/demo-question-forms.py" "$out"/card-single/records.jsonl |
    tee "$out/card-forms.md"
"$(dirname "$0")/../probes/demo-question-forms.py" --read-back "$out"/card-multiturn/records.jsonl |
    tee "$out/card-multiturn-forms.md"

for shard in 0 1; do
    "$cli" eval --model "$model" --dataset "$world/eval/multiturn.json" \
        --methods full elastic elastic-paper elastic-ref h2o h2o-ref local \
        --budgets 0.9 0.7 0.5 0.3 0.1 \
        --limit "$limit" --max-tokens 160 --shard "$shard/2" --out "$out/sweep-$shard" &
    pids+=($!)
done
waitAll
"$cli" eval merge --out "$out/sweep" "$out"/sweep-0/records*.jsonl "$out"/sweep-1/records*.jsonl
"$(dirname "$0")/../probes/demo-attributes.py" "$out/sweep/records.jsonl" >"$out/sweep/attributes.txt"
echo "model card: $out/card-single/summary.md, $out/card-multiturn/summary.md"
echo "sweep:      $out/sweep/summary.md, $out/sweep/attributes.txt (descriptions cell by cell)"
