// --random-weights CONFIG: a checkpoint folder with random weights at the sizes of a llava-hf
// config.json, so speed can be measured at real shapes without downloading a model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace ec::cli {

// Writes config.json and random safetensors (dtype F32, F16 or BF16) into a fresh temporary
// folder and returns it; the caller removes it. Throws std::runtime_error for a config the
// engine cannot run.
std::filesystem::path writeRandomWeights(const std::filesystem::path &config,
                                         const std::string &dtype, uint64_t seed);

} // namespace ec::cli
