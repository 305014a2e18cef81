#include "lab/demo_world/world_set.h"

#include "lab/demo_world/render.h"

#include <nlohmann/json.hpp>

namespace ec::demo {

namespace {

constexpr uint64_t kTrainStream = 1, kHeldOutStream = 2, kLongTrainStream = 3, kQuizTrainStream = 4,
                   kReadingTrainStream = 5, kSearchTrainStream = 6, kListingTrainStream = 7,
                   kExistenceTrainStream = 8;

uint64_t itemSeed(uint64_t seed, uint64_t stream, uint64_t index)
{
    Rng mix(seed * 0x9e3779b97f4a7c15ULL ^ stream);
    return mix.next() ^ (index * 0xd1b54a32d192ed03ULL);
}

} // namespace

Conversation trainingItem(uint64_t seed, uint64_t index)
{
    Rng rng(itemSeed(seed, kTrainStream, index));
    return trainingConversation(rng);
}

Conversation longTrainingItem(uint64_t seed, uint64_t index)
{
    Rng rng(itemSeed(seed, kLongTrainStream, index));
    const bool earlierImage = rng.below(2) == 0;
    return longConversation(rng, earlierImage);
}

Conversation quizTrainingItem(uint64_t seed, uint64_t index, int maxObjects)
{
    Rng rng(itemSeed(seed, kQuizTrainStream, index));
    return quizConversation(rng, maxObjects);
}

Conversation searchTrainingItem(uint64_t seed, uint64_t index)
{
    Rng rng(itemSeed(seed, kSearchTrainStream, index));
    return searchConversation(rng);
}

Conversation existenceTrainingItem(uint64_t seed, uint64_t index)
{
    Rng rng(itemSeed(seed, kExistenceTrainStream, index));
    return existenceConversation(rng);
}

Conversation listingTrainingItem(uint64_t seed, uint64_t index, const ListingStyle &style)
{
    Rng rng(itemSeed(seed, kListingTrainStream, index));
    return listingConversation(rng, style);
}

Conversation readingTrainingItem(uint64_t seed, uint64_t index)
{
    Rng rng(itemSeed(seed, kReadingTrainStream, index));
    return readingConversation(rng);
}

std::vector<Conversation> heldOutSet(uint64_t seed, const HeldOutCounts &counts)
{
    std::vector<Conversation> items;
    uint64_t index = 0;
    auto next = [&] { return Rng(itemSeed(seed, kHeldOutStream, index++)); };
    for (int i = 0; i < counts.shortQuestions; ++i) {
        Rng rng = next();
        Conversation c;
        c.scenes.push_back(randomScene(rng));
        const QA qa = shortQuestion(rng, c.scenes[0]);
        c.turns.push_back({0, qa.question, qa.answer, TurnKind::Short});
        items.push_back(std::move(c));
    }
    for (int i = 0; i < counts.descriptions; ++i) {
        Rng rng = next();
        Conversation c;
        c.scenes.push_back(randomScene(rng));
        c.turns.push_back({0, "Describe the image in detail.", describeScene(c.scenes[0]),
                           TurnKind::Description});
        items.push_back(std::move(c));
    }
    for (int i = 0; i < counts.followUps; ++i) {
        Rng rng = next();
        items.push_back(longConversation(rng, false));
    }
    for (int i = 0; i < counts.earlierImages; ++i) {
        Rng rng = next();
        items.push_back(longConversation(rng, true));
    }
    return items;
}

nlohmann::json writeItem(const Conversation &c, const std::string &stem,
                         const std::filesystem::path &dir, int imageSize)
{
    std::filesystem::create_directories(dir / "images");
    std::vector<std::string> paths;
    for (size_t k = 0; k < c.scenes.size(); ++k) {
        paths.push_back("images/" + stem + "_" + std::to_string(k) + ".png");
        writePng(renderScene(c.scenes[k], imageSize), dir / paths.back());
    }
    const Turn &last = c.turns.back();
    nlohmann::json item = {{"id", stem}, {"kind", kindName(last.kind)}};
    if (c.turns.size() == 1 && last.image >= 0) {
        item["image"] = paths[static_cast<size_t>(last.image)];
    } else {
        nlohmann::json turns = nlohmann::json::array();
        for (size_t t = 0; t + 1 < c.turns.size(); ++t) {
            nlohmann::json turn = {{"question", c.turns[t].question},
                                   {"answer", c.turns[t].answer},
                                   {"kind", kindName(c.turns[t].kind)}};
            if (c.turns[t].image >= 0)
                turn["image"] = paths[static_cast<size_t>(c.turns[t].image)];
            turns.push_back(turn);
        }
        item["turns"] = turns;
        if (last.image >= 0)
            item["image"] = paths[static_cast<size_t>(last.image)];
    }
    item["question"] = last.question;
    item["answer"] = last.answer;
    return item;
}

} // namespace ec::demo
