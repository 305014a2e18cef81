// The safetensors files of one checkpoint folder (model.safetensors, or the shards listed by
// model.safetensors.index.json), their tensors under canonical names, and strict loading.
#pragma once

#include "engine/checkpoint/safetensors.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ec::engine::checkpoint {

// What a tensor is to the model, so the loader can store it in the chosen weight format.
enum class TensorRole
{
    Plain,        // norms, biases, embeddings of positions: kept in the compute dtype
    Linear,       // a language-model or projector weight [out, in]
    VisionLinear, // a vision-tower weight [out, in]
    Head,         // the output projection to the vocabulary
    TokenTable,   // the token embedding table (one row read per token)
};

struct ExpectedTensor
{
    std::string name; // canonical
    std::vector<int64_t> shape;
    bool load = true; // false: must be present with this shape, but the model never uses it
    TensorRole role = TensorRole::Plain;
};

class CheckpointFiles
{
public:
    explicit CheckpointFiles(const std::filesystem::path &modelDir);

    struct Entry
    {
        const SafetensorsFile *file = nullptr;
        const TensorInfo *info = nullptr;
    };
    // Canonical name -> where its bytes are.
    const std::map<std::string, Entry> &tensors() const { return tensors_; }
    bool contains(const std::string &canonical) const { return tensors_.count(canonical) > 0; }

    // Loads the expected tensors marked `load`, each copied once straight into `dtype` on `device`.
    // Throws naming the file and tensor on a missing tensor, an unexpected one (other than
    // the ignore list), a wrong shape, or a non-floating dtype.
    std::map<std::string, at::Tensor> load(const std::vector<ExpectedTensor> &expected,
                                           at::ScalarType dtype, at::Device device) const;
    // The same checks, then `take(expected, view)` for each tensor marked `load`, one at a time,
    // with a CPU view of its bytes in the file's dtype (valid during the call): the caller
    // converts or quantizes it, so only one tensor is ever held twice.
    using Take = std::function<void(const ExpectedTensor &, const at::Tensor &fileView)>;
    void loadEach(const std::vector<ExpectedTensor> &expected, const Take &take) const;

private:
    void addFile(const std::filesystem::path &path);

    std::filesystem::path dir_;
    std::vector<std::unique_ptr<SafetensorsFile>> files_;
    std::map<std::string, Entry> tensors_;
    std::vector<std::string> unknown_; // "file: name" of names no LLaVA module owns
};

} // namespace ec::engine::checkpoint
