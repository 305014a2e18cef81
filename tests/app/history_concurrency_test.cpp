// Readers and writers on their own connections (one per thread, as the app does): readers list
// and open conversations while writers stream answers; nobody sees a torn state and nobody gets
// SQLITE_BUSY.
#include "app/history/history_store.h"
#include "history_crash_texts.h"

#include <atomic>
#include <gtest/gtest.h>
#include <mutex>
#include <thread>

using namespace ec::history;
using namespace ec::test;

namespace {

class Failures
{
public:
    void add(const std::string &what)
    {
        std::lock_guard lock(m_mutex);
        if (m_list.size() < 20)
            m_list.push_back(what);
    }
    std::string text()
    {
        std::lock_guard lock(m_mutex);
        std::string out;
        for (const auto &f : m_list)
            out += f + "\n";
        return out;
    }

private:
    std::mutex m_mutex;
    std::vector<std::string> m_list;
};

void writeTurns(const std::filesystem::path &db, std::atomic<bool> &stop, std::atomic<int> &done,
                Failures &failures)
{
    try {
        StoreOptions options;
        options.streamFlushInterval = std::chrono::milliseconds(2);
        HistoryStore store(db, options);
        while (!stop) {
            std::int64_t conv = store.createConversation(ec::test::untitled());
            for (int turn = 0; turn < kCrashTurnsPerConversation && !stop; ++turn) {
                std::vector<ImageInput> images;
                if (crashTurnHasImage(conv, turn))
                    images.push_back(crashImage(conv, turn));
                store.appendUserTurn(conv, crashUserText(conv, turn), images);
                AnswerWriter answer = store.beginAnswer(conv);
                for (int k = 0; k < crashAnswerTokens(conv, turn); ++k)
                    answer.append(crashAnswerToken(conv, turn, k));
                FinishInfo info;
                info.stats = makeStats(turn);
                answer.finish(info);
                ++done;
            }
        }
    } catch (const std::exception &e) {
        failures.add(std::string("writer: ") + e.what());
    }
}

// One snapshot of a conversation must be a state some writer committed, never a mixture.
void checkConversation(const ConversationDetail &d, Failures &failures)
{
    std::int64_t conv = d.conversation.id;
    for (std::size_t i = 0; i < d.messages.size(); ++i) {
        const Message &m = d.messages[i];
        int turn = int(i / 2);
        auto fail = [&](const std::string &what) {
            failures.add("conversation " + std::to_string(conv) + " message " +
                         std::to_string(m.id) + ": " + what);
        };
        if (m.seq != std::int64_t(i) + 1)
            fail("sequence gap");
        if (m.role == Role::User) {
            if (m.text != crashUserText(conv, turn))
                fail("user text differs");
            if (m.attachments.size() != (crashTurnHasImage(conv, turn) ? 1u : 0u))
                fail("attachment missing");
        } else if (m.status == MessageStatus::Complete) {
            if (m.text != crashAnswerText(conv, turn) || !m.stats)
                fail("complete answer without its full text or statistics");
        } else if (m.status == MessageStatus::Streaming) {
            std::string full = crashAnswerText(conv, turn);
            if (full.compare(0, m.text.size(), m.text) != 0 || m.stats)
                fail("streaming text is not a prefix of the answer");
        } else {
            fail(std::string("unexpected status ") + toString(m.status));
        }
    }
}

} // namespace

TEST(HistoryConcurrency, ReadersNeverSeeTornStatesOrBusyErrorsWhileWritersStream)
{
    ec::test::ScratchDir dir;
    std::filesystem::path db = dir / "history.db";
    {
        HistoryStore create(db);
    }
    std::atomic<bool> stop{false};
    std::atomic<int> turns{0}, reads{0};
    Failures failures;

    std::thread writerA(writeTurns, db, std::ref(stop), std::ref(turns), std::ref(failures));
    std::thread writerB(writeTurns, db, std::ref(stop), std::ref(turns), std::ref(failures));
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r)
        readers.emplace_back([&] {
            try {
                HistoryStore store(db);
                while (!stop) {
                    for (const ConversationSummary &s : store.listConversations(5)) {
                        ConversationDetail d = store.readConversation(s.id);
                        if (std::int64_t(d.messages.size()) < s.messageCount)
                            failures.add("a conversation lost messages between two reads");
                        checkConversation(d, failures);
                        store.conversationStats(s.id);
                    }
                    store.search("question");
                    store.storeStats();
                    ++reads;
                }
            } catch (const std::exception &e) {
                failures.add(std::string("reader: ") + e.what());
            }
        });

    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    stop = true;
    writerA.join();
    writerB.join();
    for (auto &t : readers)
        t.join();

    EXPECT_EQ(failures.text(), "");
    EXPECT_GT(turns.load(), 10) << "the writers made progress";
    EXPECT_GT(reads.load(), 10) << "the readers made progress";
    HistoryStore check(db);
    EXPECT_EQ(check.integrityCheck(), "ok");
}
