// The training stream and the held-out set, each item addressable by (seed, index) so that a
// resumed trainer continues the same stream and the held-out set never overlaps it.
#pragma once

#include "lab/demo_world/dialogue.h"

#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace ec::demo {

Conversation trainingItem(uint64_t seed, uint64_t index);
// A long training conversation, drawn like the held-out multi-turn items (four images with
// descriptions, 500+ tokens) from a stream of its own: without them the model never sees
// positions as far as the held-out conversations reach.
Conversation longTrainingItem(uint64_t seed, uint64_t index);
// A question drill (quizConversation), from a stream of its own.
Conversation quizTrainingItem(uint64_t seed, uint64_t index, int maxObjects = 8);
// A search drill (searchConversation), from a stream of its own.
Conversation searchTrainingItem(uint64_t seed, uint64_t index);
// An existence drill (existenceConversation), from a stream of its own.
Conversation existenceTrainingItem(uint64_t seed, uint64_t index);
// A listing drill (listingConversation), from a stream of its own.
Conversation listingTrainingItem(uint64_t seed, uint64_t index, const ListingStyle &style = {});
// A reading drill (readingConversation), from a stream of its own.
Conversation readingTrainingItem(uint64_t seed, uint64_t index);

struct HeldOutCounts
{
    int shortQuestions = 200;
    int descriptions = 50;
    int followUps = 50;     // long conversations ending in a follow-up turn
    int earlierImages = 50; // long conversations ending with a question about image 1
};

// Every item's last turn is the one evaluated; the turns before it are its history.
std::vector<Conversation> heldOutSet(uint64_t seed, const HeldOutCounts &counts);

// Writes the PNGs of `c` under dir/images as <stem>_<k>.png and returns its JSON: MM-Vet-like
// {id, kind, image, question, answer} for a single turn, else
// {id, kind, turns: [{image?, question, answer}], question, answer}.
nlohmann::json writeItem(const Conversation &c, const std::string &stem,
                         const std::filesystem::path &dir, int imageSize);

} // namespace ec::demo
