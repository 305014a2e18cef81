// The child process of HistoryCrash: writes conversations and streamed answers in a loop until it
// is killed. After each commit returns it reports on stdout, unbuffered:
//   C <conversation>      created
//   U <message> <conv> <turn>   user turn committed
//   A <message> <conv> <turn>   answer row inserted (streaming)
//   F <message>           answer finished (complete, with statistics)
#include "app/history/history_store.h"
#include "history_crash_texts.h"

#include <cstdio>
#include <string>
#include <thread>
#include <unistd.h>

using namespace ec::history;
using namespace ec::test;

namespace {

void report(const std::string &line)
{
    std::string out = line + "\n";
    if (::write(STDOUT_FILENO, out.data(), out.size()) < 0)
        _exit(3);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: history_crash_writer DB\n");
        return 2;
    }
    try {
        StoreOptions options;
        options.streamFlushInterval = std::chrono::milliseconds(1); // many row rewrites
        HistoryStore store(argv[1], options);
        if (!store.recoveryNotice().empty()) {
            std::fprintf(stderr, "unexpected recovery: %s\n", store.recoveryNotice().c_str());
            return 4;
        }
        for (;;) {
            NewConversation info;
            info.title = "crash test";
            info.cache.policy = "elastic";
            std::int64_t conv = store.createConversation(info);
            report("C " + std::to_string(conv));
            for (int turn = 0; turn < kCrashTurnsPerConversation; ++turn) {
                std::vector<ImageInput> images;
                if (crashTurnHasImage(conv, turn))
                    images.push_back(crashImage(conv, turn));
                std::int64_t user = store.appendUserTurn(conv, crashUserText(conv, turn), images);
                report("U " + std::to_string(user) + " " + std::to_string(conv) + " " +
                       std::to_string(turn));
                AnswerWriter answer = store.beginAnswer(conv);
                report("A " + std::to_string(answer.messageId()) + " " + std::to_string(conv) +
                       " " + std::to_string(turn));
                for (int k = 0; k < crashAnswerTokens(conv, turn); ++k) {
                    answer.append(crashAnswerToken(conv, turn, k));
                    if (k % 16 == 0)
                        std::this_thread::sleep_for(std::chrono::microseconds(200));
                }
                FinishInfo done;
                done.completionTokens = crashAnswerTokens(conv, turn);
                done.stats = makeStats(turn);
                answer.finish(done);
                report("F " + std::to_string(answer.messageId()));
            }
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "history_crash_writer: %s\n", e.what());
        return 1;
    }
}
