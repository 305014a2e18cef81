// The first look at a folder a person chose as a model: without reading any weights, is it a
// llava-hf checkpoint at all? Torch-free, so the window can ask before it starts a load.
#pragma once

#include <filesystem>
#include <string>

namespace ec::engine::checkpoint {

// Empty when `dir` holds config.json naming a LLaVA model and .safetensors weights, else what is
// wrong, in words a person can act on.
std::string validateLlavaFolder(const std::filesystem::path &dir);

} // namespace ec::engine::checkpoint
