// A model's loaded tensors, handed to its modules: plain tensors in the compute dtype and
// linear weights in the chosen format (kernels::PackedLinear), and how a checkpoint becomes them.
#pragma once

#include "engine/checkpoint/checkpoint_files.h"
#include "kernels/packed_linear.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <map>
#include <string>

namespace ec::engine::model {

// What each role is stored as. From the one weight format a user picks (forPick): q4 keeps the
// vocabulary head and the vision tower at q8, and quantized models keep the token table in
// 16 bits, where quantizing costs the most accuracy for the least memory (docs/cpu.md).
struct WeightPlan
{
    at::ScalarType compute = at::kFloat;
    kernels::WeightFormat linear = kernels::WeightFormat::F32, vision = linear, head = linear;
    at::ScalarType tokenTable = at::kFloat;

    static WeightPlan forPick(kernels::WeightFormat picked, at::ScalarType compute);
};

class ModelWeights
{
public:
    // Loads `expected` from `files` onto `device` as `plan` says, one tensor at a time.
    static ModelWeights load(const checkpoint::CheckpointFiles &files,
                             const std::vector<checkpoint::ExpectedTensor> &expected,
                             const WeightPlan &plan, at::Device device);

    // Each name is taken once; a name that was not loaded is a programming error (logic_error).
    at::Tensor take(const std::string &name);
    kernels::PackedLinear takeLinear(const std::string &name);
    bool empty() const { return tensors_.empty() && linears_.empty(); }
    int64_t loadedBytes() const { return loadedBytes_; } // all of it, as stored

private:
    int64_t loadedBytes_ = 0;
    std::map<std::string, at::Tensor> tensors_;
    std::map<std::string, kernels::PackedLinear> linears_;
};

} // namespace ec::engine::model
