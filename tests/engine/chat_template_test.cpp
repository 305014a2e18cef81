// Chat templates: exact prompt strings and token ids (ids computed independently with the real
// SentencePiece on the fixture model; <image> = 1500, expanded to 3 tokens here).
#include "engine/text/chat_template.h"
#include "text_test_support.h"

#include <gtest/gtest.h>

using namespace ec::text;
namespace fs = std::filesystem;

namespace {

const ImageTokens kThreeImageTokens{1500, 3, "<image>"};

Tokenizer legacyJson()
{
    return Tokenizer::fromTokenizerJson(ec::test::fixturePath("bpe.tokenizer.json"));
}

// The ids of "USER:" + " ASSISTANT:" etc. come from python3-sentencepiece (see the commit).
const std::vector<int> kUser{1300, 88, 1345, 1353, 1442, 61}; // "▁USER:"
const std::vector<int> kAssistant{362, 1345, 1345, 1340, 1345, 1352, 1339, 81, 1352, 61};
const std::vector<int> kImage3{1500, 1500, 1500};
const std::vector<int> kWhatIsShown{1341, 287, 340, 265, 391, 1304, 1324}; // "What is shown?"

std::vector<int> cat(std::initializer_list<std::vector<int>> parts)
{
    std::vector<int> out;
    for (const auto &p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

fs::path makeDir(const std::string &name)
{
    fs::path dir = ec::test::tempPath(name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

} // namespace

TEST(ChatTemplate, LlavaHfSingleTurn)
{
    ChatTemplate t(ChatTemplate::Kind::LlavaHf);
    std::string prompt = t.render({ChatMessage::user("What is shown?").image()});
    // The image moves first, as llava-hf's chat_template.json renders it.
    EXPECT_EQ(prompt, "USER: <image>\nWhat is shown? ASSISTANT:");
    EXPECT_EQ(encodePrompt(legacyJson(), prompt, kThreeImageTokens),
              cat({{1}, kUser, {1300}, kImage3, {1300, 13}, kWhatIsShown, kAssistant}));
}

TEST(ChatTemplate, LlavaHfImageFirstAndImageAfterQuestionRenderAlike)
{
    ChatTemplate t(ChatTemplate::Kind::LlavaHf);
    ChatMessage imageFirst;
    imageFirst.image().text("What is shown?");
    EXPECT_EQ(t.render({imageFirst}), t.render({ChatMessage::user("What is shown?").image()}));
}

TEST(ChatTemplate, LlavaHfMultiTurn)
{
    ChatTemplate t(ChatTemplate::Kind::LlavaHf);
    std::string prompt =
        t.render({ChatMessage::user("What is shown?").image(), ChatMessage::assistant("A cat."),
                  ChatMessage::user("What color is it?")});
    EXPECT_EQ(prompt, "USER: <image>\nWhat is shown? ASSISTANT: A cat. USER: What color is it? "
                      "ASSISTANT:");
    EXPECT_EQ(encodePrompt(legacyJson(), prompt, kThreeImageTokens),
              cat({{1},
                   kUser,
                   {1300},
                   kImage3,
                   {1300, 13},
                   kWhatIsShown,
                   kAssistant,
                   {362, 551, 1319},
                   kUser,
                   {875, 491, 340, 341, 1324},
                   kAssistant}));
}

TEST(ChatTemplate, LlavaHfTwoImagesAndFullImageTokenCount)
{
    ChatTemplate t(ChatTemplate::Kind::LlavaHf);
    std::string prompt = t.render({ChatMessage::user("Compare them.").image().image()});
    EXPECT_EQ(prompt, "USER: <image>\n<image>\nCompare them. ASSISTANT:");
    EXPECT_EQ(encodePrompt(legacyJson(), prompt, kThreeImageTokens),
              cat({{1},
                   kUser,
                   {1300},
                   kImage3,
                   {1300, 13},
                   kImage3,
                   {1300, 13},
                   {1338, 296, 1323, 1305, 262, 485, 1319},
                   kAssistant}));
    auto ids = encodePrompt(legacyJson(), prompt, ImageTokens{1500, 576, "<image>"});
    EXPECT_EQ(std::count(ids.begin(), ids.end(), 1500), 2 * 576);
    EXPECT_EQ(ids.size(), 35u - 6u + 2 * 576u);
}

TEST(ChatTemplate, LlavaV1WithSystemPromptAndEosBetweenTurns)
{
    ChatTemplate t(ChatTemplate::Kind::LlavaV1);
    const std::string &sys = ChatTemplate::llavaV1SystemPrompt();
    std::string prompt =
        t.render({ChatMessage::user("What is shown?").image(), ChatMessage::assistant("A cat."),
                  ChatMessage::user("What color is it?")});
    EXPECT_EQ(prompt, sys + " USER: What is shown?\n<image> ASSISTANT: A cat.</s>USER: What color "
                            "is it? ASSISTANT:");
    ChatMessage imageFirst;
    imageFirst.image().text("What is shown?");
    std::string first = t.render({imageFirst});
    EXPECT_EQ(first, sys + " USER: <image>\nWhat is shown? ASSISTANT:");

    Tokenizer tok = legacyJson();
    std::vector<int> sysIds = tok.encode(sys, true);
    ASSERT_EQ(sysIds.size(), 76u);
    auto ids = encodePrompt(tok, prompt, kThreeImageTokens);
    ASSERT_GT(ids.size(), sysIds.size());
    EXPECT_TRUE(std::equal(sysIds.begin(), sysIds.end(), ids.begin()));
    EXPECT_EQ(std::vector<int>(ids.begin() + 76, ids.end()),
              cat({kUser,
                   {875, 340, 265, 391, 1304, 1324, 13},
                   kImage3,
                   {1300},
                   kAssistant,
                   {362, 551, 1319},
                   {2},
                   {1300, 88, 1345, 1353, 1442, 61},
                   {875, 491, 340, 341, 1324},
                   kAssistant}));
    auto firstIds = encodePrompt(tok, first, kThreeImageTokens);
    EXPECT_EQ(std::vector<int>(firstIds.begin() + 76, firstIds.end()),
              cat({kUser, {1300}, kImage3, {1300, 13}, kWhatIsShown, kAssistant}));
}

TEST(ChatTemplate, SentencePieceDirectoryMatchesTokenizerJsonIncludingEos)
{
    fs::path dir = makeDir("spm_model_dir");
    fs::copy_file(ec::test::fixturePath("bpe.model"), dir / "tokenizer.model");
    ec::test::writeFile((dir / "added_tokens.json").string(),
                        R"({"<image>": 1500, "<pad>": 1501})");
    Tokenizer spm = Tokenizer::fromDirectory(dir);
    EXPECT_EQ(spm.vocabSize(), 1502);
    EXPECT_EQ(spm.tokenId("<pad>"), 1501);
    ChatTemplate t(ChatTemplate::Kind::LlavaV1);
    std::string prompt = t.render({ChatMessage::user("What is shown?").image(),
                                   ChatMessage::assistant("A cat."), ChatMessage::user("Why?")});
    EXPECT_EQ(encodePrompt(spm, prompt, kThreeImageTokens),
              encodePrompt(legacyJson(), prompt, kThreeImageTokens));
}

TEST(ChatTemplate, MetaspaceFlavourPutsNoSpaceAfterTheImage)
{
    auto tok = Tokenizer::fromTokenizerJson(ec::test::fixturePath("bpe.metaspace.tokenizer.json"));
    auto ids = encodePrompt(tok, "USER: <image>\nWhat is shown? ASSISTANT:", kThreeImageTokens);
    // Legacy gives "▁" (1300) before the image and "▁" "\n" after; Metaspace "first" neither.
    EXPECT_EQ(ids, cat({{1}, kUser, {1300}, kImage3, {13}, kWhatIsShown, kAssistant}));
}

TEST(ChatTemplate, ChosenFromTheCheckpointWithOverride)
{
    fs::path hf = makeDir("tmpl_hf");
    ec::test::writeFile(
        (hf / "chat_template.json").string(),
        R"({"chat_template": "{% for message in messages %}{{ message['role'].upper() + ': '}})"
        R"({% endfor %}{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"})");
    EXPECT_EQ(ChatTemplate::fromModelDirectory(hf).kind(), ChatTemplate::Kind::LlavaHf);
    EXPECT_EQ(ChatTemplate::fromModelDirectory(hf, "llava_v1").kind(), ChatTemplate::Kind::LlavaV1);

    fs::path v1 = makeDir("tmpl_v1");
    ec::test::writeFile(
        (v1 / "config.json").string(),
        R"({"model_type": "llava_llama", "mm_vision_tower": "openai/clip-vit-large-patch14-336",)"
        R"( "image_aspect_ratio": "pad"})");
    EXPECT_EQ(ChatTemplate::fromModelDirectory(v1).kind(), ChatTemplate::Kind::LlavaV1);
    EXPECT_EQ(ChatTemplate::fromModelDirectory(v1, "llava-hf").kind(), ChatTemplate::Kind::LlavaHf);
    EXPECT_THROW(ChatTemplate::fromName("chatml"), std::invalid_argument);

    fs::path bad = makeDir("tmpl_bad");
    ec::test::writeFile((bad / "config.json").string(), "{not json");
    EXPECT_THROW(ChatTemplate::fromModelDirectory(bad), std::runtime_error);
}

TEST(ChatTemplate, SystemMessages)
{
    auto msgs = std::vector<ChatMessage>{ChatMessage::system("Be brief."), ChatMessage::user("Hi")};
    // llava-hf renders a system message as bare text; llava_v1 replaces its default prompt.
    EXPECT_EQ(ChatTemplate(ChatTemplate::Kind::LlavaHf).render(msgs),
              "Be brief. USER: Hi ASSISTANT:");
    EXPECT_EQ(ChatTemplate(ChatTemplate::Kind::LlavaV1).render(msgs),
              "Be brief. USER: Hi ASSISTANT:");
    EXPECT_EQ(ChatTemplate(ChatTemplate::Kind::LlavaV1).render({ChatMessage::user("Hi")}, false),
              ChatTemplate::llavaV1SystemPrompt() + " USER: Hi ");
}
