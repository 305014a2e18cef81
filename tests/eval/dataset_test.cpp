#include "lab/eval/dataset.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace ec::eval;
using nlohmann::json;

namespace {

// The DatasetError message, or "" when parsing succeeded.
std::string errorOf(const std::string &text, DatasetFormat format = DatasetFormat::Auto)
{
    try {
        parseDataset(json::parse(text), format, "d.json");
    } catch (const DatasetError &e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST(Dataset, ReadsMmVetArrayAndResolvesImages)
{
    auto d = parseDataset(json::parse(R"([
        {"image": "v1_0.png", "question": "What is it?", "answer": "a cat", "capability": ["rec"]},
        {"id": "x7", "image": "/abs/b.jpg", "question": "Count", "answer": ""}])"),
                          DatasetFormat::Auto, "d.json", "/data/mmvet");
    EXPECT_EQ(d.format, DatasetFormat::MmVet);
    ASSERT_EQ(d.samples.size(), 2u);
    EXPECT_EQ(d.samples[0].id, "0");
    EXPECT_EQ(d.samples[1].id, "x7");
    EXPECT_EQ(d.samples[1].index, 1);
    ASSERT_EQ(d.samples[0].turns.size(), 1u);
    EXPECT_EQ(d.samples[0].turns[0].images, std::vector<std::string>{"/data/mmvet/v1_0.png"});
    EXPECT_EQ(d.samples[1].turns[0].images, std::vector<std::string>{"/abs/b.jpg"});
    EXPECT_EQ(d.samples[0].turns[0].question, "What is it?");
    EXPECT_EQ(d.samples[0].turns[0].answer.value(), "a cat");
}

TEST(Dataset, ReadsMmVetKeyedObject)
{
    auto d = parseDataset(json::parse(R"({"v1_0": {"imagename": "v1_0.png", "question": "q",
                                          "answer": "a"}})"),
                          DatasetFormat::Auto, "mm-vet.json");
    ASSERT_EQ(d.samples.size(), 1u);
    EXPECT_EQ(d.samples[0].id, "v1_0");
    EXPECT_EQ(d.samples[0].turns[0].images[0], "v1_0.png");
}

TEST(Dataset, ReadsMultiTurnForm)
{
    auto d = parseDataset(json::parse(R"([{"id": "c1", "turns": [
        {"images": ["a.png"], "question": "Describe.", "answer": "A red circle."},
        {"question": "And the colour?"},
        {"images": ["b.png", "c.png"], "question": "Compare.", "answer": null}]}])"),
                          DatasetFormat::Auto, "held_out.json", "root");
    EXPECT_EQ(d.format, DatasetFormat::MultiTurn);
    ASSERT_EQ(d.samples.size(), 1u);
    const auto &turns = d.samples[0].turns;
    ASSERT_EQ(turns.size(), 3u);
    EXPECT_EQ(turns[0].images, std::vector<std::string>{"root/a.png"});
    EXPECT_TRUE(turns[1].images.empty());
    EXPECT_FALSE(turns[1].answer.has_value());
    EXPECT_FALSE(turns[2].answer.has_value());
    EXPECT_EQ(turns[2].images.size(), 2u);
    for (const auto &turn : turns)
        EXPECT_EQ(turn.kind, "");
}

TEST(Dataset, ReadsTheDemoWorldMultiTurnForm)
{
    // As lab/demo_world writes multiturn.json: one "image" string per turn, kinds, and the
    // evaluated final turn at the top level.
    auto d = parseDataset(json::parse(R"([{"id": "eval250", "kind": "followup",
        "question": "What shape is it?", "answer": "diamond", "turns": [
        {"image": "images/eval250_0.png", "question": "Describe the image in detail.",
         "answer": "There are 5 objects.", "kind": "description"},
        {"question": "Where is the yellow triangle?", "answer": "bottom middle", "kind": "short"},
        {"question": "Is it big?"}]}])"),
                          DatasetFormat::Auto, "multiturn.json", "world/eval");
    EXPECT_EQ(d.format, DatasetFormat::MultiTurn);
    ASSERT_EQ(d.samples.size(), 1u);
    const auto &turns = d.samples[0].turns;
    ASSERT_EQ(turns.size(), 4u);
    EXPECT_EQ(turns[0].images, std::vector<std::string>{"world/eval/images/eval250_0.png"});
    EXPECT_EQ(turns[0].kind, "description");
    EXPECT_EQ(turns[1].kind, "short");
    EXPECT_TRUE(turns[1].images.empty());
    EXPECT_EQ(turns[2].kind, "");
    EXPECT_FALSE(turns[2].answer.has_value());
    // The top-level question comes last, after every turn.
    EXPECT_EQ(turns[3].question, "What shape is it?");
    EXPECT_EQ(turns[3].answer.value(), "diamond");
    EXPECT_EQ(turns[3].kind, "followup");
    EXPECT_TRUE(turns[3].images.empty());
}

TEST(Dataset, TopLevelFinalTurnNeedsNoOtherTurns)
{
    auto d = parseDataset(json::parse(R"([{"id": "a", "turns": [], "question": "q?"},
        {"id": "b", "turns": [{"question": "p?"}], "question": "q?", "image": "x.png",
         "answer": null}])"),
                          DatasetFormat::MultiTurn, "d.json");
    ASSERT_EQ(d.samples[0].turns.size(), 1u);
    EXPECT_EQ(d.samples[0].turns[0].question, "q?");
    EXPECT_FALSE(d.samples[0].turns[0].answer.has_value());
    EXPECT_EQ(d.samples[0].turns[0].kind, "");
    ASSERT_EQ(d.samples[1].turns.size(), 2u);
    EXPECT_EQ(d.samples[1].turns[1].images, std::vector<std::string>{"x.png"});
    EXPECT_FALSE(d.samples[1].turns[1].answer.has_value());
}

TEST(Dataset, ReadsKindsOfMmVetItems)
{
    auto d = parseDataset(json::parse(R"([
        {"id": "eval0", "kind": "short", "image": "a.png", "question": "How many?", "answer": "2"},
        {"id": "eval1", "kind": "description", "image": "b.png", "question": "Describe.",
         "answer": "There are 3 objects."},
        {"id": "eval2", "image": "c.png", "question": "q", "answer": "x", "kind": null}])"),
                          DatasetFormat::Auto, "single.json");
    EXPECT_EQ(d.format, DatasetFormat::MmVet);
    ASSERT_EQ(d.samples.size(), 3u);
    EXPECT_EQ(d.samples[0].turns[0].kind, "short");
    EXPECT_EQ(d.samples[1].turns[0].kind, "description");
    EXPECT_EQ(d.samples[2].turns[0].kind, "");
    auto keyed = parseDataset(json::parse(R"({"v1_0": {"imagename": "v.png", "question": "q",
                                          "answer": "a", "kind": "rec"}})"),
                              DatasetFormat::Auto, "mm-vet.json");
    EXPECT_EQ(keyed.samples[0].turns[0].kind, "rec");
}

TEST(Dataset, ErrorsNameFileSampleAndField)
{
    EXPECT_EQ(errorOf(R"([{"image": "a", "question": "q", "answer": "x"},
                          {"image": "b", "answer": "y"}])"),
              "d.json: sample 1 (id '1'): missing field 'question'");
    EXPECT_EQ(errorOf(R"([{"image": 3, "question": "q", "answer": "x"}])"),
              "d.json: sample 0 (id '0'): field 'image' must be a string, not number");
    EXPECT_EQ(errorOf(R"([{"id": "c", "turns": [{"question": "q"}, {"question": ""}]}])"),
              "d.json: sample 0 (id 'c'): turn 1: field 'question' is empty");
    EXPECT_EQ(errorOf(R"([{"turns": [{"question": "q", "images": ["a", 4]}]}])"),
              "d.json: sample 0 (id '0'): turn 0: images[1] must be a non-empty string");
    EXPECT_EQ(errorOf(R"([{"turns": []}])"), "d.json: sample 0 (id '0'): field 'turns' is empty");
    EXPECT_EQ(errorOf(R"([{"id": "c", "turns": [
                  {"question": "q", "image": "a.png", "images": ["b.png"]}]}])"),
              "d.json: sample 0 (id 'c'): turn 0: give either 'image' (one path) or 'images' (a "
              "list of paths), not both");
    EXPECT_EQ(errorOf(R"([{"turns": [{"question": "q"}, {"question": "q", "image": 4}]}])"),
              "d.json: sample 0 (id '0'): turn 1: field 'image' must be a string, not number");
    EXPECT_EQ(errorOf(R"([{"turns": [{"question": "q", "image": ""}]}])"),
              "d.json: sample 0 (id '0'): turn 0: field 'image' is empty");
    EXPECT_EQ(errorOf(R"([{"turns": [{"question": "q", "kind": 2}]}])"),
              "d.json: sample 0 (id '0'): turn 0: field 'kind' must be a string, not number");
    EXPECT_EQ(errorOf(R"([{"image": "a", "question": "q", "answer": "x", "kind": ["short"]}])"),
              "d.json: sample 0 (id '0'): field 'kind' must be a string, not array");
    // The top-level final turn: its fields are checked like a turn's, at the top level.
    EXPECT_EQ(errorOf(R"([{"id": "f", "turns": [{"question": "q"}], "question": 7}])"),
              "d.json: sample 0 (id 'f'): field 'question' must be a string, not number");
    EXPECT_EQ(errorOf(R"([{"turns": [], "question": "q", "image": "a", "images": ["b"]}])"),
              "d.json: sample 0 (id '0'): give either 'image' (one path) or 'images' (a list of "
              "paths), not both");
    EXPECT_EQ(errorOf(R"([{"id": "f", "turns": [{"question": "q"}], "answer": "x"}])"),
              "d.json: sample 0 (id 'f'): field 'answer' needs a top-level 'question' (the final "
              "turn)");
    EXPECT_EQ(errorOf(R"([{"turns": [], "kind": "short"}])"),
              "d.json: sample 0 (id '0'): field 'kind' needs a top-level 'question' (the final "
              "turn)");
    EXPECT_EQ(errorOf(R"([{"turns": "q"}])"),
              "d.json: sample 0 (id '0'): field 'turns' must be an array of turns");
    EXPECT_EQ(errorOf(R"([1])"), "d.json: sample 0 (id '0'): expected an object, found number");
    EXPECT_EQ(errorOf(R"([])"), "d.json: the dataset has no samples");
    EXPECT_EQ(errorOf(R"("text")"),
              "d.json: the top level must be an array of samples or an MM-Vet object, not string");
    EXPECT_EQ(errorOf(R"([{"id": "a", "image": "x", "question": "q", "answer": "1"},
                          {"id": "a", "image": "y", "question": "q", "answer": "2"}])"),
              "d.json: sample 1: duplicate id 'a'");
    // A multi-turn file read as MM-Vet fails on the missing image, not silently.
    EXPECT_NE(errorOf(R"([{"turns": [{"question": "q"}]}])", DatasetFormat::MmVet)
                  .find("missing field 'image'"),
              std::string::npos);
}

TEST(Dataset, FileErrors)
{
    EXPECT_THROW(readDataset("/nonexistent/dataset.json"), DatasetError);
    const auto path = std::filesystem::temp_directory_path() / "ec_eval_bad_dataset.json";
    std::ofstream(path) << "[{\"image\": \"a\",";
    try {
        readDataset(path.string());
        FAIL() << "truncated JSON was accepted";
    } catch (const DatasetError &e) {
        EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
    }
    std::ofstream(path) << R"([{"image": "img/a.png", "question": "q", "answer": "a"}])";
    auto d = readDataset(path.string());
    EXPECT_EQ(d.samples[0].turns[0].images[0],
              (path.parent_path() / "img/a.png").lexically_normal().string());
    std::filesystem::remove(path);
}

TEST(Dataset, FormatNames)
{
    EXPECT_EQ(parseDatasetFormat("multiturn"), DatasetFormat::MultiTurn);
    EXPECT_EQ(std::string(datasetFormatName(DatasetFormat::MmVet)), "mmvet");
    EXPECT_THROW(parseDatasetFormat("csv"), DatasetError);
}
