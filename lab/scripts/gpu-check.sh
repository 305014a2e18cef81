#!/usr/bin/env bash
# The prepared GPU check (issue 6): on the H200 machine, build the kernel tests and elastic-lab
# against the machine's Python torch (CUDA), run the gpu-labelled tests, the kernel benchmarks and
# the LLaVA-1.5-7B-shape engine bench, keeping the results under $OUT (7 files; at most 8
# come back, so the build log stays in $WORK).
# The whole run aims to end DEADLINE seconds (default 450) after it starts; later steps are cut
# short first, so one rerun still fits in a session's 15 minutes of device time.
#
# Here, first:  lab/scripts/gpu-deps.sh        (packs .gpu-deps: gtest source, json, CLI11, SQLite)
# Then:         run(command="bash lab/scripts/gpu-check.sh", carry=[".gpu-deps"], timeout_s=540)
# A rerun of some steps only:  STEPS="direct sanitizer" bash lab/scripts/gpu-check.sh
#
# Order: correctness first, while elastic-lab builds in the background; the timed benchmarks
# run after the build, on a quiet machine.
#  direct     the raw CUDA kernel tests built straight with nvcc (no torch, no CMake project)
#  sanitizer  compute-sanitizer memcheck and racecheck on small kernel cases
#  raw        raw kernel timings against cudaMemcpyAsync (bench_kernels_cuda, no torch)
#  ctest      ctest -L gpu (raw kernels, torch dispatch, the demo model on CUDA against the CPU)
#             and the kernel CPU tests under torch 2.x
#  kernels    elastic-lab bench kernels --device cuda (f16; bf16 quick)
#  engine     lab/probes/sdpa-decode-probe.py (torch's SDPA backends at decode shapes), then
#             elastic-lab bench run: the 7B width at 2 layers (four policies), then the
#             LLaVA-1.5-7B shape, paper-1024-512 (full vs elastic 0.2); a crash reruns under cuda-gdb
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/gpu-check.log") 2>&1
t0=$(date +%s)
DEADLINE=${DEADLINE:-450}
STEPS=${STEPS:-"direct sanitizer raw ctest kernels engine"}
step() { echo; echo "== [$(($(date +%s) - t0))s] $*"; }
want() { [[ " $STEPS " == *" $1 "* ]]; }
# A step's time limit: its own, or what is left before the deadline if that is less.
cap() {
    local left=$((DEADLINE - ($(date +%s) - t0)))
    [ "$left" -lt "$1" ] && set -- "$left"
    [ "$1" -lt 10 ] && set -- 10
    echo "$1"
}
JOBS=${JOBS:-$(nproc)}
PYTHON=${PYTHON:-python3}
DEPS=$PWD/.gpu-deps
WORK=${WORK:-/tmp/ec-gpu-check}
PREFIX=$WORK/deps
export WORK PREFIX
mkdir -p "$WORK"
export PATH=/usr/local/cuda/bin:$PATH

step "environment (steps: $STEPS; deadline ${DEADLINE}s)"
nvidia-smi || true
nvcc --version | tail -2
cmake --version | head -1
$PYTHON -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
    "available", torch.cuda.is_available(), torch.cuda.get_device_name(0))' || true
[ -d "$DEPS" ] || { echo "missing .gpu-deps: run lab/scripts/gpu-deps.sh here and carry it"; exit 2; }

if [ ! -f "$PREFIX/include/gtest/gtest.h" ]; then
    step "googletest from the carried source"
    timeout 120 bash -c "cmake -S $DEPS/googletest -B $WORK/gtest-build -G Ninja \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$PREFIX -DBUILD_GMOCK=OFF >/dev/null &&
        cmake --build $WORK/gtest-build -j$JOBS >/dev/null && cmake --install $WORK/gtest-build >/dev/null" \
        && echo "gtest installed in $PREFIX" || echo "gtest build FAILED"
fi
GTEST_LIB=$PREFIX/lib
[ -d $PREFIX/lib64 ] && GTEST_LIB=$PREFIX/lib64

# Configure first and build in the background: the build is the longest step, the correctness
# checks below need only the GPU.
build_pid=
configured=1
if want ctest || want kernels || want engine; then
    step "configure against Python torch; build the kernel tests and elastic-lab (background)"
    TORCH_PREFIX=${TORCH_PREFIX:-$($PYTHON -c 'import torch; print(torch.utils.cmake_prefix_path)')}
    cudnn_args=()
    cudnn=$($PYTHON -c 'import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))' \
        2>/dev/null || true)
    if [ -n "$cudnn" ]; then
        lib=$(ls "$cudnn"/lib/libcudnn.so* 2>/dev/null | head -1)
        cudnn_args=(-DCUDNN_ROOT="$cudnn" -DCUDNN_INCLUDE_DIR="$cudnn/include" -DCUDNN_LIBRARY="$lib")
    fi
    timeout 180 cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$PREFIX;$DEPS/prefix" -DCUDAToolkit_ROOT=/usr/local/cuda \
        -DEC_WITH_UI=OFF -DEC_WITH_OPENCV=OFF -DCLI11_INCLUDE_DIR="$DEPS/prefix/include" \
        -DSQLite3_INCLUDE_DIR="$DEPS/prefix/include" -DSQLite3_LIBRARY="$DEPS/prefix/lib/libsqlite3.so" \
        "${cudnn_args[@]}" >> "$WORK/build.log" 2>&1
    configured=$?
    grep -E "Elastic Chat:|ec_kernels:|Error|error" "$WORK/build.log" | head -20
    if [ $configured = 0 ]; then
        timeout $(cap 330) cmake --build build-gpu -j"$JOBS" --target test_kernels_cuda \
            test_kernels_dispatch test_kernels test_engine_cuda elastic-lab >> "$WORK/build.log" 2>&1 &
        build_pid=$!
    else
        echo "configure FAILED:"; tail -n 30 "$WORK/build.log"
    fi
fi
export LD_LIBRARY_PATH=$DEPS/prefix/lib:${LD_LIBRARY_PATH:-}

direct_ok=0
if want direct || want sanitizer || want raw; then
    step "direct: raw CUDA kernel tests, nvcc only"
    mkdir -p $WORK/direct
    direct_ok=1
    # xargs, not background jobs: `wait` would also wait for the tee.
    printf '%s\n' kernels/cuda/importance.cu kernels/cuda/importance_stream.cu \
        kernels/cuda/merge_compact.cu kernels/cuda/slot_copy.cu \
        tests/kernels/cuda/references.cpp tests/kernels/cuda/importance_cuda_test.cpp \
        tests/kernels/cuda/merge_compact_cuda_test.cpp tests/kernels/cuda/slot_copy_cuda_test.cpp |
        xargs -P 8 -I{} sh -c 'timeout 240 nvcc -std=c++17 -O3 -lineinfo \
            -gencode arch=compute_90,code=sm_90 -I. -Itests/kernels/cuda -I'"$PREFIX"'/include \
            -Xcompiler -ffp-contract=off -c {} -o $WORK/direct/$(basename {}).o' || direct_ok=0
    nvcc -o $WORK/direct/test_kernels_cuda $WORK/direct/*.o -L$GTEST_LIB -lgtest -lgtest_main \
        -lpthread || direct_ok=0
    nvcc -std=c++17 -O3 -gencode arch=compute_90,code=sm_90 -I. \
        tests/kernels/cuda/bench_kernels_cuda.cpp $WORK/direct/importance.cu.o \
        $WORK/direct/importance_stream.cu.o \
        $WORK/direct/merge_compact.cu.o $WORK/direct/slot_copy.cu.o -o $WORK/direct/bench_raw ||
        echo "bench_kernels_cuda build FAILED"
    if [ $direct_ok = 1 ] && want direct; then
        timeout $(cap 180) $WORK/direct/test_kernels_cuda --gtest_brief=1 \
            > "$OUT/kernel-tests-direct.txt" 2>&1
        echo "exit $?" >> "$OUT/kernel-tests-direct.txt"
        tail -n 25 "$OUT/kernel-tests-direct.txt"
    fi
    [ $direct_ok = 1 ] || echo "direct build FAILED"
fi

if want sanitizer && [ $direct_ok = 1 ] && command -v compute-sanitizer >/dev/null; then
    step "sanitizer: memcheck and racecheck on small cases"
    small='*B2H4kv2q70k75D64*:*B1H8kv1q1k30D128*:*B1H2kv2q33k33D7*:*B2H3C40D16S33M9*:*B1H2C2100D8*:*EmptyBuckets*:*L3B2H4*'
    for tool in memcheck racecheck; do
        timeout $(cap 120) compute-sanitizer --tool $tool --error-exitcode 9 \
            $WORK/direct/test_kernels_cuda --gtest_filter="$small" 2>&1 | tail -n 12
        echo "$tool exit ${PIPESTATUS[0]}"
    done
fi

built=1
if [ -n "$build_pid" ]; then
    step "waiting for the build"
    wait "$build_pid" && echo "built" || {
        built=0
        echo "build FAILED or timed out:"
        grep -E "error|FAILED" "$WORK/build.log" | head -20
    }
fi

if want raw && [ -x $WORK/direct/bench_raw ]; then
    step "raw: kernel timings without torch"
    timeout $(cap 120) $WORK/direct/bench_raw > "$OUT/bench-raw.md" 2>&1
    cat "$OUT/bench-raw.md"
fi

if want ctest && [ $configured = 0 ] && [ $built = 1 ]; then
    step "ctest -L gpu, and the kernel CPU tests under this torch"
    (cd build-gpu && timeout $(cap 240) ctest -L gpu -j8 --output-on-failure 2>&1 | tail -n 120
     timeout $(cap 120) ctest -L unit -R "AttentionStats|ColumnSums|MergeCompact|SlotWrite" -j8 \
         --output-on-failure 2>&1 | tail -n 40
     # What the parity test prints (answers, logit differences) is kept even when it passes.
     timeout $(cap 60) ./tests/engine/test_engine_cuda 2>&1 | grep -v "^\[") > "$OUT/ctest-gpu.txt"
    grep -E "tests passed|tests failed|Failed|Not Run" "$OUT/ctest-gpu.txt"
fi

if want kernels && [ $built = 1 ] && [ -x build-gpu/lab/elastic-lab ]; then
    step "kernels: elastic-lab bench kernels --device cuda"
    timeout $(cap 200) build-gpu/lab/elastic-lab bench kernels --device cuda > "$OUT/bench-cuda.md" 2>&1
    echo "exit $?" >> "$OUT/bench-cuda.md"
    timeout $(cap 60) build-gpu/lab/elastic-lab bench kernels --device cuda --dtype bf16 --quick \
        >> "$OUT/bench-cuda.md" 2>&1
    echo "exit $?" >> "$OUT/bench-cuda.md"
    cat "$OUT/bench-cuda.md"
fi

if want engine && [ $built = 1 ] && [ -x build-gpu/lab/elastic-lab ]; then
    cli=build-gpu/lab/elastic-lab
    step "engine: torch's SDPA backends at decode shapes (lab/probes/sdpa-decode-probe.py)"
    timeout $(cap 60) $PYTHON lab/probes/sdpa-decode-probe.py > "$OUT/bench-7b.md" 2>&1
    echo "exit $?" >> "$OUT/bench-7b.md"
    step "engine: bench run at the LLaVA-1.5-7B width with 2 layers (random weights)"
    $PYTHON - <<'PY'
import json
c = json.load(open("resources/configs/llava-1.5-7b.json"))
c["text_config"]["num_hidden_layers"] = 2
c["vision_config"]["num_hidden_layers"] = 2
json.dump(c, open("/tmp/ec-7b-2layers.json", "w"))
PY
    timeout $(cap 90) $cli bench run --random-weights /tmp/ec-7b-2layers.json --device cuda \
        --batch 16 --prompt 1024 --gen 128 --methods full,local,h2o,elastic --budgets 0.2 \
        >> "$OUT/bench-7b.md" 2>&1
    echo "exit $?" >> "$OUT/bench-7b.md"
    step "engine: bench run at the LLaVA-1.5-7B shape (random weights), paper-1024-512"
    args=(bench run --random-weights resources/configs/llava-1.5-7b.json --device cuda
          --preset paper-1024-512 --json "$OUT/bench-7b.json")
    timeout $(cap 400) $cli "${args[@]}" >> "$OUT/bench-7b.md" 2>&1
    rc=$?
    echo "exit $rc" >> "$OUT/bench-7b.md"
    if [ $rc = 139 ] && command -v cuda-gdb >/dev/null; then
        step "engine: the crash again under cuda-gdb, for its backtrace"
        timeout $(cap 200) cuda-gdb -q -batch -ex run -ex bt -ex "info threads" --args $cli \
            "${args[@]}" 2>&1 | grep -v "^\[New Thread\|^\[Thread" | tail -n 60 >> "$OUT/bench-7b.md"
    fi
    cat "$OUT/bench-7b.md"
    nvidia-smi --query-gpu=memory.used,memory.total --format=csv || true
fi
step "done"
