#include "engine/checkpoint/checkpoint_files.h"

#include "engine/checkpoint/tensor_names.h"

#include <ATen/ATen.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

namespace ec::engine::checkpoint {

namespace {

using json = nlohmann::json;

std::string shapeText(const std::vector<int64_t> &shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

// Shard file names listed by the index, validated to stay inside the folder.
std::vector<std::string> shardsFromIndex(const std::filesystem::path &indexPath)
{
    const std::string file = indexPath.string();
    std::ifstream in(indexPath, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    json index;
    try {
        index = json::parse(ss.str());
    } catch (const json::parse_error &e) {
        throw std::runtime_error(file + ": not valid JSON (" + e.what() + ")");
    }
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
        throw std::runtime_error(file + ": field 'weight_map' is missing or not an object");
    std::set<std::string> shards;
    for (auto &[name, shard] : index["weight_map"].items()) {
        if (!shard.is_string())
            throw std::runtime_error(file + ": weight_map entry '" + name + "' must name a file");
        const auto s = shard.get<std::string>();
        if (s.empty() || s.find('/') != std::string::npos || s.find('\\') != std::string::npos ||
            s == "." || s == "..")
            throw std::runtime_error(file + ": weight_map entry '" + name + "' names '" + s +
                                     "', which is not a file in the checkpoint folder");
        shards.insert(s);
    }
    if (shards.empty())
        throw std::runtime_error(file + ": weight_map is empty");
    return {shards.begin(), shards.end()};
}

} // namespace

CheckpointFiles::CheckpointFiles(const std::filesystem::path &modelDir)
    : dir_(modelDir)
{
    const auto index = modelDir / "model.safetensors.index.json";
    const auto single = modelDir / "model.safetensors";
    if (std::filesystem::exists(index)) {
        for (const auto &shard : shardsFromIndex(index)) {
            const auto path = modelDir / shard;
            if (!std::filesystem::exists(path))
                throw std::runtime_error(index.string() + ": lists shard '" + shard +
                                         "', which is missing from the folder (download it)");
            addFile(path);
        }
    } else if (std::filesystem::exists(single)) {
        addFile(single);
    } else {
        throw std::runtime_error(modelDir.string() +
                                 ": no model.safetensors or model.safetensors.index.json (only "
                                 "safetensors checkpoints are supported; convert .bin files)");
    }
}

void CheckpointFiles::addFile(const std::filesystem::path &path)
{
    files_.push_back(std::make_unique<SafetensorsFile>(path));
    const SafetensorsFile *file = files_.back().get();
    for (const auto &info : file->tensors()) {
        if (isIgnoredTensor(info.name))
            continue;
        auto canonical = canonicalName(info.name);
        if (!canonical) {
            unknown_.push_back(path.filename().string() + ": " + info.name);
            continue;
        }
        auto [it, inserted] = tensors_.emplace(*canonical, Entry{file, &info});
        if (!inserted)
            throw std::runtime_error(path.string() + ": tensor '" + info.name + "' duplicates '" +
                                     it->second.info->name + "' in " +
                                     it->second.file->path().filename().string() +
                                     " (mixed name schemes in one checkpoint)");
    }
}

void CheckpointFiles::loadEach(const std::vector<ExpectedTensor> &expected, const Take &take) const
{
    std::set<std::string> wanted;
    std::string missing;
    for (const auto &e : expected) {
        wanted.insert(e.name);
        if (!contains(e.name))
            missing += (missing.empty() ? "" : ", ") + e.name;
    }
    if (!missing.empty())
        throw std::runtime_error(dir_.string() + ": missing tensors (canonical names) " + missing +
                                 "; the checkpoint does not match its config.json");
    std::string unexpected;
    for (const auto &u : unknown_)
        unexpected += (unexpected.empty() ? "" : ", ") + u;
    for (const auto &[name, entry] : tensors_) {
        if (!wanted.count(name))
            unexpected += (unexpected.empty() ? "" : ", ") +
                          entry.file->path().filename().string() + ": " + entry.info->name;
    }
    if (!unexpected.empty())
        throw std::runtime_error(dir_.string() + ": unexpected tensors " + unexpected +
                                 "; the checkpoint does not match its config.json");

    for (const auto &e : expected) {
        const Entry &entry = tensors_.at(e.name);
        const TensorInfo &info = *entry.info;
        const std::string where = entry.file->path().string() + ": tensor '" + info.name + "'";
        if (info.dtype != "F32" && info.dtype != "F16" && info.dtype != "BF16")
            throw std::runtime_error(where + " has dtype " + info.dtype +
                                     "; weights must be F32, F16 or BF16");
        if (info.shape != e.shape)
            throw std::runtime_error(where + " has shape " + shapeText(info.shape) +
                                     " but config.json implies " + shapeText(e.shape));
        if (e.load)
            take(e, entry.file->view(info));
    }
}

std::map<std::string, at::Tensor> CheckpointFiles::load(const std::vector<ExpectedTensor> &expected,
                                                        at::ScalarType dtype,
                                                        at::Device device) const
{
    std::map<std::string, at::Tensor> out;
    loadEach(expected, [&](const ExpectedTensor &e, const at::Tensor &view) {
        at::Tensor target = at::empty(e.shape, at::TensorOptions().dtype(dtype).device(device));
        target.copy_(view);
        out.emplace(e.name, std::move(target));
    });
    return out;
}

} // namespace ec::engine::checkpoint
