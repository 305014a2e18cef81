#!/usr/bin/env bash
# The prepared GPU check (issue 6): on the H200 machine, build the non-GUI targets against the
# machine's Python torch (CUDA), run the gpu-labelled tests and the kernel benchmark, and keep
# the results under $OUT (at most 8 files). Budget: about 8 minutes on 16 cores.
#
# Here, first:  scripts/gpu-deps.sh        (packs .gpu-deps: gtest source, json, CLI11, SQLite)
# Then:         run(command="bash scripts/gpu-check.sh", carry=[".gpu-deps"], timeout_s=560)
#
# Steps, most valuable first, each under its own time limit so a failure does not eat the rest:
#  1. the raw CUDA kernel tests built straight with nvcc (no torch, no CMake project), and the
#     raw kernel timings against cudaMemcpyAsync (bench_kernels_cuda);
#  2. CMake against Python torch; ctest -L gpu (raw kernels + torch dispatch) and the kernel
#     CPU tests under torch 2.x;
#  3. elastic-cli bench kernels --device cuda;
#  4. compute-sanitizer memcheck and racecheck on small kernel cases;
#  5. the whole non-GUI build (other modules under torch 2.x), for information.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/gpu-check.log") 2>&1
t0=$(date +%s)
step() { echo; echo "== [$(($(date +%s) - t0))s] $*"; }
JOBS=${JOBS:-$(nproc)}
PYTHON=${PYTHON:-python3}
DEPS=$PWD/.gpu-deps
WORK=${WORK:-/tmp/ec-gpu-check}
PREFIX=$WORK/deps
export WORK PREFIX
export PATH=/usr/local/cuda/bin:$PATH

step "environment"
{
    nvidia-smi || true
    nvcc --version | tail -2
    cmake --version | head -1
    $PYTHON -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
        "available", torch.cuda.is_available(), torch.cuda.get_device_name(0))' || true
} 2>&1 | tee "$OUT/env.txt"
[ -d "$DEPS" ] || { echo "missing .gpu-deps: run scripts/gpu-deps.sh here and carry it"; exit 2; }

step "googletest from the carried source"
timeout 120 bash -c "cmake -S $DEPS/googletest -B $WORK/gtest-build -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$PREFIX -DBUILD_GMOCK=OFF >/dev/null &&
    cmake --build $WORK/gtest-build -j$JOBS >/dev/null && cmake --install $WORK/gtest-build >/dev/null" \
    && echo "gtest installed in $PREFIX" || echo "gtest build FAILED"
GTEST_LIB=$PREFIX/lib
[ -d $PREFIX/lib64 ] && GTEST_LIB=$PREFIX/lib64

step "1. raw CUDA kernel tests, nvcc only"
mkdir -p $WORK/direct
direct_ok=1
# Compiled $JOBS at a time (xargs, not background jobs: `wait` would also wait for the tee).
printf '%s\n' kernels/cuda/importance.cu kernels/cuda/merge_compact.cu kernels/cuda/slot_copy.cu \
    tests/kernels/cuda/references.cpp tests/kernels/cuda/importance_cuda_test.cpp \
    tests/kernels/cuda/merge_compact_cuda_test.cpp tests/kernels/cuda/slot_copy_cuda_test.cpp |
    xargs -P "$JOBS" -I{} sh -c 'timeout 240 nvcc -std=c++17 -O3 -lineinfo \
        -gencode arch=compute_90,code=sm_90 -I. -Itests/kernels/cuda -I'"$PREFIX"'/include \
        -Xcompiler -ffp-contract=off -c {} -o $WORK/direct/$(basename {}).o' || direct_ok=0
nvcc -o $WORK/direct/test_kernels_cuda $WORK/direct/*.o -L$GTEST_LIB -lgtest -lgtest_main \
    -lpthread || direct_ok=0
if [ $direct_ok = 1 ]; then
    timeout 180 $WORK/direct/test_kernels_cuda --gtest_brief=1 > "$OUT/kernel-tests-direct.txt" 2>&1
    echo "exit ${PIPESTATUS[0]}" >> "$OUT/kernel-tests-direct.txt"
    tail -n 25 "$OUT/kernel-tests-direct.txt"
    step "1. raw kernel timings (no torch)"
    nvcc -std=c++17 -O3 -gencode arch=compute_90,code=sm_90 -I. \
        tests/kernels/cuda/bench_kernels_cuda.cpp $WORK/direct/importance.cu.o \
        $WORK/direct/merge_compact.cu.o $WORK/direct/slot_copy.cu.o -o $WORK/direct/bench_raw &&
        timeout 120 $WORK/direct/bench_raw > "$OUT/bench-raw.md" 2>&1
    cat "$OUT/bench-raw.md"
else
    echo "direct build FAILED"
fi

step "2. configure against Python torch"
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
    "${cudnn_args[@]}" > "$OUT/build.log" 2>&1
configured=$?
grep -E "Elastic Chat:|ec_kernels:|Error|error" "$OUT/build.log" | head -20
export LD_LIBRARY_PATH=$DEPS/prefix/lib:${LD_LIBRARY_PATH:-}

if [ $configured = 0 ]; then
    step "2. build the kernel targets and elastic-cli"
    timeout 300 cmake --build build-gpu -j"$JOBS" --target test_kernels_cuda \
        test_kernels_dispatch test_kernels elastic-cli >> "$OUT/build.log" 2>&1 \
        || { echo "build FAILED:"; grep -E "error|FAILED" "$OUT/build.log" | head -20; }
    step "2. ctest -L gpu, and the kernel CPU tests under this torch"
    (cd build-gpu && timeout 240 ctest -L gpu -j8 --output-on-failure 2>&1 | tail -n 120
     timeout 120 ctest -L unit -R "AttentionStats|ColumnSums|MergeCompact|SlotWrite" -j8 \
         --output-on-failure 2>&1 | tail -n 40) > "$OUT/ctest-gpu.txt"
    grep -E "tests passed|tests failed|Failed|Not Run" "$OUT/ctest-gpu.txt"

    step "3. elastic-cli bench kernels --device cuda"
    timeout 240 build-gpu/app/elastic-cli bench kernels --device cuda > "$OUT/bench-cuda.md" 2>&1
    echo "exit $?" >> "$OUT/bench-cuda.md"
    timeout 90 build-gpu/app/elastic-cli bench kernels --device cuda --dtype bf16 --quick \
        >> "$OUT/bench-cuda.md" 2>&1
    echo "exit $?" >> "$OUT/bench-cuda.md"
    cat "$OUT/bench-cuda.md"
else
    echo "configure FAILED: see build.log"
fi

step "4. compute-sanitizer on small cases"
if [ $direct_ok = 1 ] && command -v compute-sanitizer >/dev/null; then
    small='*B2H4kv2q70k75D64*:*B1H2kv2q33k33D7*:*B2H3C40D16S33M9*:*B1H2C2100D8*:*EmptyBuckets*:*L3B2H4*'
    { timeout 150 compute-sanitizer --tool memcheck --error-exitcode 9 \
          $WORK/direct/test_kernels_cuda --gtest_filter="$small" 2>&1 | tail -n 15
      echo "memcheck exit ${PIPESTATUS[0]}"
      timeout 120 compute-sanitizer --tool racecheck --error-exitcode 9 \
          $WORK/direct/test_kernels_cuda --gtest_filter="$small" 2>&1 | tail -n 15
      echo "racecheck exit ${PIPESTATUS[0]}"; } > "$OUT/sanitizer.txt"
    grep exit "$OUT/sanitizer.txt"
fi

if [ $configured = 0 ] && [ $(($(date +%s) - t0)) -lt 360 ]; then
    step "5. the whole non-GUI build (for information)"
    timeout $((450 - ($(date +%s) - t0))) cmake --build build-gpu -j"$JOBS" >> "$OUT/build.log" 2>&1 \
        && echo "all non-GUI targets built" || echo "whole build FAILED or timed out (build.log)"
fi
step "done"
