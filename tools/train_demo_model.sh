#!/bin/sh
# The demo model's whole training run, from one seed: world corpus -> tokenizer -> trainer.
#   tools/train_demo_model.sh RUN_DIR [extra ec-train-demo options, e.g. --resume]
# THREADS (default 2) and STEPS (default 3000) may be set in the environment. OpenMP waits
# passively: spinning threads stall each other when any other process shares the cores.
# Needs a build with ec-demo-world and ec-train-demo (BUILD, default ./build). Re-running with
# --resume continues an interrupted run; the corpus and tokenizer are rebuilt identically.
set -eu
RUN=${1:?usage: train_demo_model.sh RUN_DIR [ec-train-demo options]}
shift
BUILD=${BUILD:-build}
SEED=${SEED:-1}
mkdir -p "$RUN"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
"$BUILD/tools/demo_world/ec-demo-world" --out "$RUN/world" --seed "$SEED" --train 3000 --size 48
/usr/bin/python3 "$(dirname "$0")/train_demo_tokenizer.py" "$RUN/world/corpus.txt" "$RUN/tokenizer"
exec "$BUILD/tools/demo_trainer/ec-train-demo" --out "$RUN" --tokenizer "$RUN/tokenizer" \
    --seed "$SEED" --threads "${THREADS:-2}" --steps "${STEPS:-3000}" --batch 8 --warmup 100 --lr 1e-3 \
    --perception-weight 1 --long-every 4 --eval-every 500 --eval-items 40 --save-every 100 "$@"
