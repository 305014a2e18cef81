// One canonical set of LLaVA tensor names, whichever transformers version wrote the file.
//
// canonical      legacy llava-hf on disk             transformers >= 4.52
// lm.            language_model.model.               model.language_model.
// lm_head.       language_model.lm_head.             lm_head.
// vision.        vision_tower.vision_model.          model.vision_tower.vision_model.
// projector.     multi_modal_projector.              model.multi_modal_projector.
#pragma once

#include <optional>
#include <string>

namespace ec::engine::checkpoint {

enum class NameScheme { Legacy, Modern };

// The canonical name, or nullopt when the name belongs to no known LLaVA module.
std::optional<std::string> canonicalName(const std::string &onDisk);
// Tensors old writers saved that carry no weights (rotary inv_freq, position_ids buffers).
bool isIgnoredTensor(const std::string &onDisk);
// The on-disk name a writer of `scheme` gives a canonical name.
std::string onDiskName(const std::string &canonical, NameScheme scheme);

} // namespace ec::engine::checkpoint
