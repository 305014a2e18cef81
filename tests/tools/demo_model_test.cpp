// The shipped demo model (resources/models/demo) answers held-out questions of its world: the
// sample scenes the app offers (resources/samples/demo-scenes.json) and two long held-out
// conversations (tests/fixtures/demo-conversations), greedy, through the engine's ChatSession.
// Descriptions are scored with the evaluation's ROUGE-L; the model card's targets are 0.90.
#include "app/eval/exact_match.h"
#include "app/eval/rouge_l.h"
#include "engine/chat/chat_session.h"
#include "engine/model/vision_language_model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kModel = fs::path(EC_TEST_SOURCE_DIR) / "resources" / "models" / "demo";

json readJson(const fs::path &file)
{
    std::ifstream in(file);
    return json::parse(in);
}

class DemoModel : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (!fs::exists(kModel / "config.json"))
            GTEST_SKIP() << "no demo model at " << kModel;
        model_ = ec::engine::loadModel(kModel);
    }

    std::string ask(ec::engine::ChatSession &chat, const std::string &question,
                    const std::vector<fs::path> &images)
    {
        std::vector<at::Tensor> pixels;
        for (const auto &image : images)
            pixels.push_back(chat.loadImage(image));
        ec::engine::GenerationOptions greedy;
        greedy.maxNewTokens = 160;
        return chat.ask(question, pixels, greedy).text;
    }

    std::unique_ptr<ec::engine::VisionLanguageModel> model_;
};

TEST_F(DemoModel, AnswersTheSampleScenes)
{
    const fs::path samples = fs::path(EC_TEST_SOURCE_DIR) / "resources" / "samples";
    int shorts = 0, descriptions = 0;
    for (const auto &scene : readJson(samples / "demo-scenes.json")) {
        ec::engine::ChatSession chat(*model_, kModel);
        const std::string question = scene["question"], answer = scene["answer"];
        const std::string got = ask(chat, question, {samples / scene["image"].get<std::string>()});
        if (scene["kind"] == "short") {
            EXPECT_TRUE(ec::eval::exactMatch(got, answer))
                << scene["image"] << ": " << question << " -> '" << got << "', want " << answer;
            ++shorts;
        } else {
            EXPECT_GE(ec::eval::rougeL(got, answer).f, 0.90)
                << scene["image"] << ": '" << got << "'\nwant '" << answer << "'";
            ++descriptions;
        }
    }
    EXPECT_EQ(shorts, 3);
    EXPECT_EQ(descriptions, 3);
}

// Four images with a description each, short questions in between (the references fed back as
// the conversation so far), then a follow-up or a question about the first image.
TEST_F(DemoModel, AnswersTheLastTurnOfLongConversations)
{
    const fs::path dir = fs::path(EC_TEST_SOURCE_DIR) / "tests" / "fixtures" / "demo-conversations";
    int checked = 0;
    for (const auto &sample : readJson(dir / "multiturn.json")) {
        ec::engine::ChatSession chat(*model_, kModel);
        std::vector<ec::engine::ChatTurn> history;
        for (const auto &turn : sample["turns"]) {
            ec::engine::ChatTurn user{ec::text::ChatRole::User, turn["question"].get<std::string>(), {}};
            if (turn.contains("image"))
                user.images.push_back(chat.loadImage(dir / turn["image"].get<std::string>()));
            history.push_back(std::move(user));
            history.push_back({ec::text::ChatRole::Assistant, turn["answer"].get<std::string>(), {}});
        }
        chat.addHistory(std::move(history));
        const std::string got = ask(chat, sample["question"].get<std::string>(), {});
        EXPECT_TRUE(ec::eval::exactMatch(got, sample["answer"].get<std::string>()))
            << sample["id"] << ": " << sample["question"] << " -> '" << got << "', want "
            << sample["answer"];
        EXPECT_GT(chat.session().tokensSeen(), 500) << "the conversation should be long";
        ++checked;
    }
    EXPECT_EQ(checked, 2);
}

} // namespace
