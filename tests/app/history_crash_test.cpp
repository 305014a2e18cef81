// Crash safety for real: a child process (history_crash_writer) writes turns and streams answers
// into the store and is killed with SIGKILL at a random moment, many times over the same file.
// After every kill: integrity_check is ok, every turn the child reported as committed is there
// byte for byte, and an answer cut off while streaming is marked incomplete, never lost.
#include "app/history/history_store.h"
#include "app/history/sha256.h"
#include "history_crash_texts.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <gtest/gtest.h>
#include <map>
#include <poll.h>
#include <random>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace ec::history;
using namespace ec::test;

namespace {

struct ChildReport
{
    std::map<std::int64_t, std::pair<std::int64_t, int>> userTurns; // message -> (conv, turn)
    std::map<std::int64_t, std::pair<std::int64_t, int>> answers;   // begun
    std::set<std::int64_t> finished;
};

// Starts the writer, lets it run for delayMs, kills it with SIGKILL and returns what it reported.
ChildReport runAndKill(const std::filesystem::path &db, int delayMs, int &status)
{
    int fds[2];
    if (pipe(fds) != 0)
        throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(EC_HISTORY_CRASH_WRITER, EC_HISTORY_CRASH_WRITER, db.c_str(), (char *)nullptr);
        _exit(127);
    }
    close(fds[1]);
    std::string output;
    char buf[4096];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delayMs);
    // Keep draining the pipe while waiting, so the child never blocks on a full pipe.
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0)
            break;
        pollfd p{fds[0], POLLIN, 0};
        if (poll(&p, 1, int(left)) > 0) {
            ssize_t n = read(fds[0], buf, sizeof buf);
            if (n <= 0)
                break; // the child died on its own
            output.append(buf, std::size_t(n));
        }
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
        output.append(buf, std::size_t(n));
    close(fds[0]);

    ChildReport report;
    std::istringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream in(line);
        char kind = 0;
        std::int64_t id = 0, conv = 0;
        int turn = 0;
        in >> kind >> id;
        if (kind == 'U' && in >> conv >> turn)
            report.userTurns[id] = {conv, turn};
        else if (kind == 'A' && in >> conv >> turn)
            report.answers[id] = {conv, turn};
        else if (kind == 'F')
            report.finished.insert(id);
        // A line cut by the kill is simply ignored: its commit is not claimed.
    }
    return report;
}

bool isPrefix(const std::string &prefix, const std::string &whole)
{
    return whole.compare(0, prefix.size(), prefix) == 0 && prefix.size() <= whole.size();
}

// Checks every row of every conversation against what the writer must have written.
void verifyStore(HistoryStore &store, const ChildReport &report, int run)
{
    SCOPED_TRACE("run " + std::to_string(run));
    ASSERT_TRUE(store.recoveryNotice().empty()) << store.recoveryNotice();
    ASSERT_EQ(store.integrityCheck(), "ok");
    ASSERT_FALSE(store.database().prepare("PRAGMA foreign_key_check").step());
    ASSERT_NO_THROW(store.database().exec(
        "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"));
    EXPECT_LE(store.recoveredAnswers(), 1) << "one answer streams at a time";
    EXPECT_EQ(store.database().queryInt("SELECT count(*) FROM messages WHERE status = "
                                        "'streaming'"),
              0);

    std::map<std::int64_t, Message> byId;
    for (const ConversationSummary &s : store.listConversations(1 << 20)) {
        ConversationDetail d = store.readConversation(s.id);
        for (std::size_t i = 0; i < d.messages.size(); ++i) {
            const Message &m = d.messages[i];
            ASSERT_EQ(m.seq, std::int64_t(i) + 1) << "no gaps in conversation " << s.id;
            int turn = int(i / 2);
            if (m.role == Role::User) {
                ASSERT_EQ(i % 2, 0u);
                ASSERT_EQ(m.text, crashUserText(s.id, turn)) << "message " << m.id;
                ASSERT_EQ(m.attachments.size(), crashTurnHasImage(s.id, turn) ? 1u : 0u);
                if (!m.attachments.empty()) {
                    auto bytes = store.imageBytes(m.attachments[0].sha256);
                    ASSERT_TRUE(bytes);
                    ASSERT_EQ(*bytes, crashImage(s.id, turn).bytes);
                }
            } else {
                ASSERT_EQ(m.role, Role::Assistant);
                std::string full = crashAnswerText(s.id, turn);
                if (m.status == MessageStatus::Complete) {
                    ASSERT_EQ(m.text, full) << "message " << m.id;
                    ASSERT_TRUE(m.stats) << "statistics commit with the answer";
                } else {
                    ASSERT_EQ(m.status, MessageStatus::Incomplete) << "message " << m.id;
                    ASSERT_TRUE(isPrefix(m.text, full)) << "message " << m.id;
                    ASSERT_FALSE(m.stats);
                }
            }
            byId[m.id] = m;
        }
    }
    // Everything the child saw committed is there.
    for (const auto &[id, where] : report.userTurns)
        ASSERT_TRUE(byId.count(id)) << "committed user turn " << id << " lost";
    for (const auto &[id, where] : report.answers) {
        ASSERT_TRUE(byId.count(id)) << "begun answer " << id << " lost";
        if (report.finished.count(id)) {
            ASSERT_EQ(byId[id].status, MessageStatus::Complete) << id;
        }
    }
}

} // namespace

TEST(HistoryCrash, SigkillAtRandomMomentsLosesNothingCommitted)
{
    int runs = 40;
    if (const char *env = std::getenv("EC_HISTORY_CRASH_RUNS"))
        runs = std::max(1, std::atoi(env));
    ec::test::ScratchDir dir;
    std::filesystem::path db = dir / "history.db";
    std::mt19937 rng(std::random_device{}());
    int cutMidStream = 0, totalTurns = 0;
    for (int run = 0; run < runs; ++run) {
        // Mostly mid-work kills; a few very early ones land while the store opens or migrates.
        int delay = run % 8 == 0 ? int(rng() % 15) : 20 + int(rng() % 250);
        int status = 0;
        ChildReport report = runAndKill(db, delay, status);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            << "the writer stopped by itself (status " << status << ") in run " << run;
        HistoryStore store(db);
        verifyStore(store, report, run);
        if (::testing::Test::HasFatalFailure())
            return;
        cutMidStream += int(store.recoveredAnswers());
        totalTurns += int(report.finished.size());
    }
    std::printf("%d runs, %d answers finished, %d cut mid-stream and recovered as incomplete\n",
                runs, totalTurns, cutMidStream);
    // The random kills must really have hit the interesting moment, or the test proved nothing.
    EXPECT_GE(cutMidStream, runs / 5);
    EXPECT_GT(totalTurns, runs);
}
