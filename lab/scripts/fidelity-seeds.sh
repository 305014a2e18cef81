#!/usr/bin/env bash
# fidelity-seeds.sh OUT [SEED:LIMIT ...]: the product's policies against the full cache on long
# held-out conversations of the demo world, one held-out set per seed (default: seed 1 with 40
# conversations, seeds 5003 and 7919 with 24; docs/cache.md "Fidelity"). Per seed: OUT/SEED/
# summary.md and summary.csv (the eval's table) and by-turn.txt (lab/probes/turn-breakdown.py).
# Never tune on these seeds; tune on another seed and retire it (docs/cache.md).
# BUILD (default build) and METHODS (default "full elastic snapkv h2o local") may be set.
set -euo pipefail
out=$(realpath -m "${1:?usage: fidelity-seeds.sh OUT [SEED:LIMIT ...]}")
shift
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(1:40 5003:24 7919:24)
build=${BUILD:-build}
methods=${METHODS:-full elastic snapkv h2o local}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
lab=$build/lab/elastic-lab
export OMP_NUM_THREADS=1 # the two shards run side by side
for set in "${sets[@]}"; do
    seed=${set%%:*} limit=${set##*:}
    dir=$out/$seed
    [ -f "$dir/world/eval/multiturn.json" ] ||
        "$build/lab/demo_world/ec-demo-world" --out "$dir/world" --seed "$seed" --train 0 --size 48
    pids=()
    for shard in 0 1; do
        # shellcheck disable=SC2086 # METHODS is a list
        "$lab" eval --model resources/models/demo --dataset "$dir/world/eval/multiturn.json" \
            --methods $methods --budgets 0.9 0.7 0.5 0.3 --limit "$limit" --max-tokens 160 \
            --shard "$shard/2" --out "$dir/shard-$shard" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    "$lab" eval merge --out "$dir" "$dir"/shard-0/records*.jsonl "$dir"/shard-1/records*.jsonl
    "$here/../probes/turn-breakdown.py" "$dir"/shard-*/records*.jsonl > "$dir/by-turn.txt"
done
