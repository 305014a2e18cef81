#include "engine/checkpoint/model_folder.h"

#include <fstream>
#include <nlohmann/json.hpp>

namespace ec::engine::checkpoint {

namespace fs = std::filesystem;

std::string validateLlavaFolder(const fs::path &dir)
{
    std::error_code ec;
    if (dir.empty())
        return "No folder was chosen.";
    if (!fs::exists(dir, ec))
        return "The folder " + dir.string() + " does not exist.";
    if (!fs::is_directory(dir, ec))
        return dir.string() + " is a file; choose the model's folder (the one with config.json).";
    fs::path config = dir / "config.json";
    if (!fs::exists(config, ec))
        return "config.json is missing in " + dir.string() +
               ": this is not a Hugging Face model folder (expected a llava-hf checkpoint).";
    nlohmann::json json;
    try {
        std::ifstream in(config);
        json = nlohmann::json::parse(in);
    } catch (const std::exception &e) {
        return "config.json in " + dir.string() + " is not valid JSON (" + e.what() + ").";
    }
    std::string type = json.is_object() ? json.value("model_type", std::string()) : "";
    if (type.empty())
        return "config.json has no model_type; expected \"llava\".";
    if (type != "llava")
        return "This is a \"" + type + "\" model; Elastic Chat loads LLaVA (llava-hf) models.";
    bool weights = false;
    for (const auto &entry : fs::directory_iterator(dir, ec)) {
        if (entry.path().extension() == ".safetensors")
            weights = true;
    }
    if (!weights)
        return "No .safetensors weights in " + dir.string() +
               " (PyTorch .bin files are not loaded, for safety).";
    return {};
}

} // namespace ec::engine::checkpoint
