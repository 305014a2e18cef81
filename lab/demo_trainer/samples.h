// Demo-world conversations as training sequences, token for token what ChatSession feeds the
// engine: per turn "USER: <image>\nQ ASSISTANT:" (BOS on the first turn only, the marker
// expanded to the image's token count) then the answer's tokens, never the EOS, which is
// sampled but not fed back. Labels: the answer's tokens and, after its last one, EOS.
#pragma once

#include "engine/image/preprocess_config.h"
#include "engine/text/tokenizer.h"
#include "lab/demo_world/dialogue.h"

#include <ATen/core/Tensor.h>
#include <array>
#include <cstdint>
#include <vector>

namespace ec::demo {

constexpr int64_t kIgnoreLabel = -100;

struct SampleFormat
{
    const text::Tokenizer *tokenizer = nullptr;
    image::PreprocessConfig preprocess;
    int64_t imageTokenId = 0;
    int64_t tokensPerImage = 0;
    int64_t eosId = 2;
    int renderSize = 64; // pixels of the rendered scene before preprocessing
};

struct Sample
{
    std::vector<int64_t> ids;
    std::vector<int64_t> labels; // labels[i]: the token to predict at position i, or -100
    at::Tensor pixels;           // [N, C, S, S] float32, undefined when no image
    at::Tensor cells;            // [N, 9, 3] int64, cellLabels() of each image
    // What the turn's question names (askedContent) at each position that predicts its answer,
    // when it names a colour or a shape; -100 elsewhere. For the trainer's AskedHeads.
    std::vector<int64_t> askedColour, askedShape;
};

// The colour and the shape a question names, as {colour + 1, shape + 1}, 0 for none:
// "Where are the red objects?" {1, 0}, "And how many stars?" {0, 4 + 1}.
std::array<int64_t, 2> askedContent(const std::string &question);

// The first `turns` turns, questions and answers, with their labels.
Sample encodeConversation(const Conversation &c, const SampleFormat &f, size_t turns);
inline Sample encodeConversation(const Conversation &c, const SampleFormat &f)
{
    return encodeConversation(c, f, c.turns.size());
}
// The ids of one user message as ChatSession encodes it (image marker expanded).
std::vector<int64_t> userTurnIds(const Turn &turn, const SampleFormat &f, bool first);
at::Tensor scenePixels(const Scene &scene, const SampleFormat &f);
// What each grid cell of `scene` holds, for the trainer's perception loss: [9, 3] int64 of
// (shape + 1, size + 1, colour + 1), all 0 for an empty cell.
at::Tensor cellLabels(const Scene &scene);
// What the engine has seen when it starts answering the last turn: the history with its
// answers, then the last user message. Labels are not used.
Sample evaluationPrompt(const Conversation &c, const SampleFormat &f);

// The samples packed end to end (DemoModel::forwardPacked), without padding.
struct Batch
{
    at::Tensor ids, labels;             // [total tokens]
    at::Tensor askedColour, askedShape; // [total tokens]
    std::vector<int64_t> lengths;       // of each sample, in order
    at::Tensor pixels, cells;           // [N, C, S, S], [N, 9, 3]
};
Batch collate(const std::vector<Sample> &samples);

} // namespace ec::demo
