// Hostile and unusual text goes in and comes back byte for byte: quotes, SQL, NULs, emoji,
// invalid UTF-8 and megabyte lengths. Also the hashing and encoding the store relies on.
#include "app/history/base64.h"
#include "app/history/history_store.h"
#include "app/history/sha256.h"
#include "history_test_support.h"

#include <gtest/gtest.h>
#include <set>

using namespace ec::history;
using ec::test::ScratchDir;

namespace {

std::vector<std::string> awkwardTexts()
{
    std::string big(1 << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 97)
        big[i] = char('a' + i % 26);
    return {"",
            "it's a \"quoted\" `text` with \\ backslashes",
            "'); DROP TABLE conversations; --",
            "Robert'); DELETE FROM messages WHERE ('1'='1",
            std::string("nul\0inside\0twice", 16),
            std::string("\0", 1),
            "emoji 🐈‍⬛ 👩🏽‍💻 🇫🇷 and CJK 猫 and RTL שלום",
            "line\nbreaks\r\nand\ttabs",
            "%s %d %n ? ?1 :name @x $y",
            std::string("\xff\xfe invalid utf-8 \xc3"),
            big + "🎉" + std::string("\0end", 4)};
}

} // namespace

TEST(HistoryText, TitlesAndMessagesRoundTripByteForByte)
{
    ScratchDir dir;
    auto texts = awkwardTexts();
    std::vector<std::int64_t> ids;
    {
        HistoryStore store(dir / "h.db");
        for (const std::string &text : texts) {
            NewConversation info;
            info.title = text;
            std::int64_t id = store.createConversation(info);
            ids.push_back(id);
            store.appendUserTurn(id, text);
            AnswerWriter a = store.beginAnswer(id);
            a.append(text);
            a.flush();
            a.append(text);
            a.finish();
        }
    }
    // Read back through a new connection, so nothing comes from memory.
    HistoryStore store(dir / "h.db");
    EXPECT_EQ(store.conversationCount(), std::int64_t(texts.size())) << "no statement was injected";
    for (std::size_t i = 0; i < texts.size(); ++i) {
        SCOPED_TRACE("text #" + std::to_string(i));
        ConversationDetail d = store.readConversation(ids[i]);
        EXPECT_EQ(d.conversation.title, texts[i]);
        ASSERT_EQ(d.messages.size(), 2u);
        EXPECT_EQ(d.messages[0].text, texts[i]);
        EXPECT_EQ(d.messages[1].text, texts[i] + texts[i]);
        EXPECT_EQ(d.messages[0].text.size(), texts[i].size());
    }
    auto listed = store.listConversations(100);
    ASSERT_EQ(listed.size(), texts.size());
    EXPECT_EQ(listed.front().title, texts.back()) << "the 1 MB title lists whole";
    EXPECT_EQ(store.integrityCheck(), "ok");
    EXPECT_EQ(store.search("DROP TABLE").size(), 1u);
}

TEST(HistoryText, RenameAndSearchWithInjectionAttemptsAreInert)
{
    ScratchDir dir;
    HistoryStore store(dir / "h.db");
    NewConversation info;
    info.title = "safe";
    std::int64_t id = store.createConversation(info);
    store.renameConversation(id, "x', title = 'owned");
    EXPECT_EQ(store.conversation(id)->title, "x', title = 'owned");
    EXPECT_NO_THROW(store.search("'; DELETE FROM conversations; --"));
    EXPECT_NO_THROW(store.search("\") OR 1=1 --"));
    EXPECT_EQ(store.conversationCount(), 1);
}

TEST(HistoryText, Sha256MatchesKnownVectors)
{
    auto hex = [](const std::string &s) { return sha256Hex(s.data(), s.size()); };
    EXPECT_EQ(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(hex(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // Lengths around the 55/56/64-byte padding boundaries differ from each other.
    std::set<std::string> digests;
    for (int n = 54; n <= 66; ++n)
        digests.insert(hex(std::string(std::size_t(n), 'q')));
    EXPECT_EQ(digests.size(), 13u);
}

TEST(HistoryText, Base64RoundTripsAndRejectsGarbage)
{
    EXPECT_EQ(base64Encode({}), "");
    EXPECT_EQ(base64Encode({'f'}), "Zg==");
    EXPECT_EQ(base64Encode({'f', 'o'}), "Zm8=");
    EXPECT_EQ(base64Encode({'f', 'o', 'o', 'b', 'a', 'r'}), "Zm9vYmFy");
    for (std::size_t n = 0; n < 300; ++n) {
        std::vector<unsigned char> bytes(n);
        for (std::size_t i = 0; i < n; ++i)
            bytes[i] = static_cast<unsigned char>(i * 37 + n);
        ASSERT_EQ(base64Decode(base64Encode(bytes)), bytes) << n;
    }
    EXPECT_THROW(base64Decode("abc"), std::invalid_argument);
    EXPECT_THROW(base64Decode("ab!="), std::invalid_argument);
    EXPECT_THROW(base64Decode("a=bc"), std::invalid_argument);
    EXPECT_THROW(base64Decode("Zg==Zg=="), std::invalid_argument);
}
