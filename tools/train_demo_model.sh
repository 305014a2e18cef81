#!/bin/sh
# The demo model's whole training run, from one seed: world corpus -> tokenizer -> trainer.
#   tools/train_demo_model.sh RUN_DIR [extra ec-train-demo options, e.g. --device cuda]
# Two phases (docs/demo-model.md):
#   1. STEPS (default 3000) steps of the training stream, every 4th step of long four-image
#      conversations, with the per-cell perception loss;
#   2. DRILL_STEPS (default 1500) more with question drills every 2nd step that is not a long
#      one (a quarter of the steps); the cosine schedule restarts warm (it is recomputed for the
#      longer run).
# Re-running continues from RUN_DIR/state wherever it stopped; the corpus and the tokenizer are
# rebuilt identically. THREADS (default 2) may be set. OpenMP waits passively: spinning threads
# stall each other when any other process shares the cores.
# Needs a build with ec-demo-world and ec-train-demo (BUILD, default ./build).
set -eu
RUN=${1:?usage: train_demo_model.sh RUN_DIR [ec-train-demo options]}
shift
BUILD=${BUILD:-build}
SEED=${SEED:-1}
PHASE1=${STEPS:-3000}
TOTAL=$((PHASE1 + ${DRILL_STEPS:-1500}))
mkdir -p "$RUN"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
"$BUILD/tools/demo_world/ec-demo-world" --out "$RUN/world" --seed "$SEED" --train 3000 --size 48
/usr/bin/python3 "$(dirname "$0")/train_demo_tokenizer.py" "$RUN/world/corpus.txt" "$RUN/tokenizer"

train() {
    resume=""
    [ -f "$RUN/state/state.json" ] && resume=--resume
    "$BUILD/tools/demo_trainer/ec-train-demo" --out "$RUN" --tokenizer "$RUN/tokenizer" \
        --seed "$SEED" --threads "${THREADS:-2}" --batch 8 --warmup 100 --lr 1e-3 \
        --perception-weight 1 --long-every 4 --eval-every 500 --eval-items 40 --save-every 100 \
        $resume "$@"
}
step=0
if [ -f "$RUN/state/state.json" ]; then
    step=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["step"])' \
        "$RUN/state/state.json")
fi
if [ "$step" -lt "$PHASE1" ]; then
    train --steps "$PHASE1" "$@"
fi
train --steps "$TOTAL" --quiz-every 2 "$@"
