#!/usr/bin/env bash
# weights-kl.sh BUILD_DIR [MODEL] — how far each weight format moves the model's predictions:
# for the demo scenes and a few questions, the checkpoint's own (f32) greedy answer is fed
# teacher-forced under --weights bf16, f16, q8 and q4, and the mean KL(f32 || format) over the
# answer tokens is printed with the share of positions whose top-1 token is unchanged.
set -euo pipefail
build=${1:?usage: weights-kl.sh BUILD_DIR [MODEL]}
root=$(cd "$(dirname "$0")/../.." && pwd)
model=${2:-$root/resources/models/demo}
cli=$build/app/elastic-cli
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
questions=("Describe the picture." "How many objects are there?" "What is in the center?" \
           "What colour is the background?")
n=0
for scene in "$root"/resources/samples/demo-scene-*.png; do
    for q in "${questions[@]}"; do
        answer=$("$cli" chat --model "$model" --threads 1 --image "$scene" --prompt "$q" 2>/dev/null | tail -1)
        for w in f32 bf16 f16 q8 q4; do
            "$cli" logits --model "$model" --prompt "$q" --image "$scene" --answer "$answer" \
                --weights "$w" --out "$tmp/$n-$w.safetensors" >/dev/null 2>&1
        done
        n=$((n + 1))
    done
done
/usr/bin/python3 "$root/lab/probes/weights_kl.py" "$tmp" "$n"
