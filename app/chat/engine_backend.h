// The real backend: a llava-hf checkpoint on libtorch (engine/), its tokenizer, chat template and
// image preprocessing, and one Session whose cache is compacted under the user's budget. Torch
// stays in the .cpp: this header is safe for Qt code.
#pragma once

#include "app/chat/chat_backend.h"

namespace ec::app {

std::unique_ptr<ChatBackend> makeEngineBackend();

} // namespace ec::app
