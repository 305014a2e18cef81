#!/usr/bin/env bash
# cpu-side-by-side.sh PEER_DIR [ROUNDS]: decode and prefill speed against llama.cpp on the same
# shape (TinyLlama-1.1B, random weights), 2 threads, each pair of formats run back to back and
# the whole set ROUNDS times (default 2), because a shared machine's speed drifts by tens of
# percent within minutes. PEER_DIR is what ../shared/tools/llamacpp-peer/build.sh built (on a
# CPU without AVX-512, build it with the GGML_AVX512* options OFF).
# Output: a line per run, "ours FORMAT | <bench run row>" or "peer FORMAT | <llama-bench row>".
set -euo pipefail
peer=$(realpath "${1:?usage: cpu-side-by-side.sh PEER_DIR [ROUNDS]}")
rounds=${2:-2}
build=${BUILD:-build}
cd "$(dirname "$0")/../.."
ours() {
    "$build/lab/elastic-lab" bench run \
        --random-weights resources/configs/tinyllama-1.1b-shape.json --device cpu --threads 2 \
        --prompt 512 --gen 64 --reps 3 --methods full --weights "$1" 2>&1 |
        grep -E "^\| full" | sed "s/^/ours $1 /"
}
theirs() {
    "$peer/llama.cpp/build/bin/llama-bench" -m "$peer/tiny-$1.gguf" -t 2 -p 512 -n 64 -r 3 2>&1 |
        grep -E "pp512|tg64" | sed "s/^/peer $1 /"
}
for ((round = 0; round < rounds; ++round)); do
    for pair in "bf16 f16" "f16 f16" "q8 Q8_0" "q4 Q4_0"; do
        set -- $pair
        ours "$1"
        theirs "$2"
    done
done
