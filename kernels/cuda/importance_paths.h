// The tensor-core importance path (importance_stream.cu) that importance.cu chooses when it
// applies; internal to ec_kernels_cuda.
#pragma once

#include "kernels/cuda/cache_kernels.h"

namespace ec::kernels::cuda {

// f16/bf16, head dim 64 or 128, 16-byte aligned q and k.
bool importanceStreamedApplies(const ImportanceArgs &args);
// Per-head column sums: [B, H, Tk] floats.
size_t importanceStreamedWorkspaceBytes(const ImportanceArgs &args);
// Same contract as importance(); the shape is already validated.
cudaError_t importanceStreamed(const ImportanceArgs &args, void *workspace, cudaStream_t stream);

} // namespace ec::kernels::cuda
