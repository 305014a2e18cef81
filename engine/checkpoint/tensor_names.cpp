#include "engine/checkpoint/tensor_names.h"

#include <stdexcept>
#include <string_view>

namespace ec::engine::checkpoint {

namespace {

bool startsWith(std::string_view s, std::string_view p)
{
    return s.substr(0, p.size()) == p;
}

bool endsWith(std::string_view s, std::string_view p)
{
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

} // namespace

std::optional<std::string> canonicalName(const std::string &onDisk)
{
    std::string_view n = onDisk;
    // transformers >= 4.52 nests the three modules under "model.".
    if (startsWith(n, "model.") &&
        (startsWith(n.substr(6), "language_model.") || startsWith(n.substr(6), "vision_tower.") ||
         startsWith(n.substr(6), "multi_modal_projector.")))
        n.remove_prefix(6);
    struct Rule
    {
        std::string_view from, to;
    };
    static constexpr Rule rules[] = {
        {"language_model.lm_head.", "lm_head."},
        {"language_model.model.", "lm."},
        {"language_model.", "lm."},
        {"lm_head.", "lm_head."},
        {"vision_tower.vision_model.", "vision."},
        {"multi_modal_projector.", "projector."},
    };
    for (const auto &rule : rules) {
        if (startsWith(n, rule.from))
            return std::string(rule.to) + std::string(n.substr(rule.from.size()));
    }
    return std::nullopt;
}

bool isIgnoredTensor(const std::string &onDisk)
{
    return endsWith(onDisk, ".inv_freq") || endsWith(onDisk, "position_ids");
}

std::string onDiskName(const std::string &canonical, NameScheme scheme)
{
    const bool legacy = scheme == NameScheme::Legacy;
    struct Rule
    {
        std::string_view canonical, legacy, modern;
    };
    static constexpr Rule rules[] = {
        {"lm_head.", "language_model.lm_head.", "lm_head."},
        {"lm.", "language_model.model.", "model.language_model."},
        {"vision.", "vision_tower.vision_model.", "model.vision_tower.vision_model."},
        {"projector.", "multi_modal_projector.", "model.multi_modal_projector."},
    };
    for (const auto &rule : rules) {
        if (startsWith(canonical, rule.canonical))
            return std::string(legacy ? rule.legacy : rule.modern) +
                   canonical.substr(rule.canonical.size());
    }
    throw std::invalid_argument("onDiskName: '" + canonical + "' is not a canonical name");
}

} // namespace ec::engine::checkpoint
