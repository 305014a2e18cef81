#!/bin/sh
# The demo model's whole training run, from one seed: world corpus -> tokenizer -> trainer.
#   lab/demo_trainer/train_demo_model.sh RUN_DIR [extra ec-train-demo options, e.g. --device cuda]
# Eight phases (docs/demo-model.md):
#   1. STEPS (default 3000) steps of the training stream, every 4th step of long four-image
#      conversations, with the per-cell perception loss;
#   2. DRILL_STEPS (default 1500) more with question drills every 2nd step that is not a long
#      one (a quarter of the steps); the cosine schedule restarts warm (it is recomputed for the
#      longer run);
#   3. the decoder grown to GROW_LAYERS blocks (default 6; 0 skips the phase) from phase 2's
#      state, GROW_STEPS (default 2000) steps of phase 2's mix at a new schedule (peak 5e-4)
#      in RUN_DIR/grown;
#   4. TUNE_STEPS (default 4500; 0 skips the phase) from phase 3's checkpoint, drills at every
#      step that is not a long one and a long step every 8th, with the position head (peak
#      5e-4), in RUN_DIR/tuned;
#   5. READ_STEPS (default 1800; 0 skips the phase) from phase 4's checkpoint, reading drills
#      (described images, then questions the descriptions answer) at every 2nd step, drills at
#      the other steps that are not long, a long step every 8th (peak 5e-4), in RUN_DIR/read;
#      then READ_MORE_STEPS (default 1800) more of the same, the cosine recomputed for the
#      longer run (a warm restart, as phase 2 does);
#   6. SEARCH_STEPS (default 0: skipped, see below; earlier shipped models had 6000) from phase 5's checkpoint, listing drills (a quarter of the steps), search
#      drills (a sixth), question drills (a third), reading drills and long steps (an eighth
#      each), with the position head and per-patch content heads (peak 5e-4), in RUN_DIR/search;
#   7. ASK_STEPS (default 3000; 0 stops before the phase) from phase 6's checkpoint, or phase
#      5's without phase 6, listing drills by colour (a quarter of the steps), question drills
#      (half), reading drills and long steps (an eighth each), with the position head, the
#      per-patch content heads and the asked heads at layer 1's input (peak 5e-4), in
#      RUN_DIR/ask;
#   8. MIX_STEPS (default 1500; 0 stops before the phase) from phase 7's checkpoint, phase 6's
#      mix (listing drills by colour, shape or both, search drills, question drills, reading
#      drills and long steps) with the asked heads (peak 5e-4), in RUN_DIR/mix; then
#      MIX_MORE_STEPS (default 3000) more of the same, the cosine
#      recomputed for the longer run (a warm restart, as phases 2 and 5 do); then EXISTS_STEPS
#      (default 3000; 0 stops before the leg) more with existence drills at a
#      fifteenth of the steps (--exists-every 5), the cosine recomputed again.
# The model to ship is the last phase's: RUN_DIR/mix/model (ask/model, read/model,
# tuned/model, grown/model, or model, without it).
# Re-running continues each phase from its state wherever it stopped; the corpus and the
# tokenizer are rebuilt identically. THREADS (default 2) may be set. OpenMP threads spin while
# they wait (OMP_WAIT_POLICY=ACTIVE): on an idle 2-core machine a phase 5 step takes 0.6 of the
# time it takes when they sleep, and the weights are the same bit for bit. Set
# OMP_WAIT_POLICY=PASSIVE when other work shares the cores: spinning threads then stall it.
# glibc's malloc keeps freed memory instead of handing it back to the kernel and faulting it in
# again at the next step (GLIBC_TUNABLES, unless set): a third of the page faults, a long step
# 20% faster, the same weights (docs/demo-model.md; docs/lab/findings.md).
# Needs a build with ec-demo-world and ec-train-demo (BUILD, default ./build).
set -eu
RUN=${1:?usage: train_demo_model.sh RUN_DIR [ec-train-demo options]}
shift
BUILD=${BUILD:-build}
SEED=${SEED:-1}
PHASE1=${STEPS:-3000}
TOTAL=$((PHASE1 + ${DRILL_STEPS:-1500}))
mkdir -p "$RUN"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-ACTIVE}
# 32 MiB is the largest mmap threshold glibc accepts; larger values are ignored.
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967295:glibc.malloc.top_pad=536870912}
"$BUILD/lab/demo_world/ec-demo-world" --out "$RUN/world" --seed "$SEED" --train 3000 --size 48
/usr/bin/python3 "$(dirname "$0")/train_demo_tokenizer.py" "$RUN/world/corpus.txt" "$RUN/tokenizer"

# train OUT_DIR [options]: resumes OUT_DIR/state when there is one.
train() {
    out=$1
    shift
    resume=""
    [ -f "$out/state/state.json" ] && resume=--resume
    "$BUILD/lab/demo_trainer/ec-train-demo" --out "$out" --tokenizer "$RUN/tokenizer" \
        --seed "$SEED" --threads "${THREADS:-2}" --batch 8 --warmup 100 --perception-weight 1 \
        --eval-every 1000 --eval-items 40 --save-every 100 $resume "$@"
}
stepOf() {
    [ -f "$1/state/state.json" ] || { echo 0; return; }
    /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["step"])' \
        "$1/state/state.json"
}
if [ "$(stepOf "$RUN")" -lt "$PHASE1" ]; then
    train "$RUN" --steps "$PHASE1" --lr 1e-3 --long-every 4 "$@"
fi
if [ "$(stepOf "$RUN")" -lt "$TOTAL" ]; then
    train "$RUN" --steps "$TOTAL" --lr 1e-3 --long-every 4 --quiz-every 2 "$@"
fi
GROW_LAYERS=${GROW_LAYERS:-6}
[ "$GROW_LAYERS" -gt 0 ] || exit 0
# Phases 3 to 5 start from the phase before the first time (their own "$@": the extra
# options stay as given); after that, train() resumes their state.
grow() {
    [ -f "$RUN/grown/state/state.json" ] || set -- --grow-from "$RUN/state" "$@"
    train "$RUN/grown" --steps "${GROW_STEPS:-2000}" --lr 5e-4 --long-every 4 --quiz-every 2 \
        --text-layers "$GROW_LAYERS" "$@"
}
tune() {
    [ -f "$RUN/tuned/state/state.json" ] || set -- --init-from "$RUN/grown/model" "$@"
    train "$RUN/tuned" --steps "$TUNE_STEPS" --lr 5e-4 --long-every 8 --quiz-every 1 \
        --position-head --text-layers "$GROW_LAYERS" "$@"
}
grow "$@"
TUNE_STEPS=${TUNE_STEPS:-4500}
[ "$TUNE_STEPS" -gt 0 ] || exit 0
tune "$@"
READ_STEPS=${READ_STEPS:-1800}
[ "$READ_STEPS" -gt 0 ] || exit 0
READ_TOTAL=$((READ_STEPS + ${READ_MORE_STEPS:-1800}))
# reading STEPS [options]: phase 5 up to STEPS.
reading() {
    steps=$1
    shift
    [ -f "$RUN/read/state/state.json" ] || set -- --init-from "$RUN/tuned/model" "$@"
    train "$RUN/read" --steps "$steps" --lr 5e-4 --long-every 8 --reading-every 2 \
        --quiz-every 1 --position-head --text-layers "$GROW_LAYERS" "$@"
}
if [ "$(stepOf "$RUN/read")" -lt "$READ_STEPS" ]; then
    reading "$READ_STEPS" "$@"
fi
if [ "$(stepOf "$RUN/read")" -lt "$READ_TOTAL" ]; then
    reading "$READ_TOTAL" "$@"
fi
# Phase 6 is off by default: phases 7 and 8 alone reach the targets in less
# time (docs/demo-model.md; docs/lab/findings.md).
SEARCH_STEPS=${SEARCH_STEPS:-0}
# Phase 6's mix of drills, which phase 8 repeats with the asked heads.
SEARCH_MIX="--long-every 8 --reading-every 4 --listing-every 3 --search-every 2 --quiz-every 1
    --position-head --patch-content"
search() {
    [ -f "$RUN/search/state/state.json" ] || set -- --init-from "$RUN/read/model" "$@"
    # shellcheck disable=SC2086 # the mix is a list of options
    train "$RUN/search" --steps "$SEARCH_STEPS" --lr 5e-4 $SEARCH_MIX \
        --text-layers "$GROW_LAYERS" "$@"
}
ASK_FROM=$RUN/read/model
if [ "$SEARCH_STEPS" -gt 0 ]; then
    search "$@"
    ASK_FROM=$RUN/search/model
fi
ASK_STEPS=${ASK_STEPS:-3000}
[ "$ASK_STEPS" -gt 0 ] || exit 0
ask() {
    [ -f "$RUN/ask/state/state.json" ] || set -- --init-from "$ASK_FROM" "$@"
    train "$RUN/ask" --steps "$ASK_STEPS" --lr 5e-4 --long-every 8 --reading-every 4 \
        --listing-every 2 --listing-key colour --quiz-every 1 --position-head --patch-content \
        --asked-head 1 --text-layers "$GROW_LAYERS" "$@"
}
ask "$@"
MIX_STEPS=${MIX_STEPS:-1500}
[ "$MIX_STEPS" -gt 0 ] || exit 0
MIX_TOTAL=$((MIX_STEPS + ${MIX_MORE_STEPS:-3000}))
# mixing STEPS [options]: phase 8 up to STEPS.
mixing() {
    steps=$1
    shift
    [ -f "$RUN/mix/state/state.json" ] || set -- --init-from "$RUN/ask/model" "$@"
    # shellcheck disable=SC2086 # the mix is a list of options
    train "$RUN/mix" --steps "$steps" --lr 5e-4 $SEARCH_MIX --asked-head 1 \
        --text-layers "$GROW_LAYERS" "$@"
}
if [ "$(stepOf "$RUN/mix")" -lt "$MIX_STEPS" ]; then
    mixing "$MIX_STEPS" "$@"
fi
if [ "$(stepOf "$RUN/mix")" -lt "$MIX_TOTAL" ]; then
    mixing "$MIX_TOTAL" "$@"
fi
EXISTS_TOTAL=$((MIX_TOTAL + ${EXISTS_STEPS:-3000}))
# Phase 8's last leg: the same mix, with existence drills ("Is there a red star?", whose no
# answers name a colour and a shape that are in the scene on different objects) at every 5th
# step that would be a question drill (a fifteenth of the steps); the cosine recomputed again.
EXISTS_MIX="$SEARCH_MIX --exists-every 5"
if [ "$(stepOf "$RUN/mix")" -lt "$EXISTS_TOTAL" ]; then
    # shellcheck disable=SC2086 # the mix is a list of options
    train "$RUN/mix" --steps "$EXISTS_TOTAL" --lr 5e-4 $EXISTS_MIX --asked-head 1 \
        --text-layers "$GROW_LAYERS" "$@"
fi
