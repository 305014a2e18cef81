// elastic-lab bench history: fills a scratch history (N conversations, one of them long, with
// images and cache statistics) and prints how long the store takes for what the app does most:
// list conversations, open one, load its images, search, and append a turn. Not a timed test.
#include "lab/cli/lab_commands.h"
#include "app/history/history_store.h"
#include "app/paths.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <random>
#include <unistd.h>

namespace ec::cli {

namespace fs = std::filesystem;
using namespace ec::history;

namespace {

struct BenchOptions
{
    int conversations = 10000;
    int messages = 5000;
    int images = 200;
    int imageKiB = 100;
    int repeats = 5;
    std::string dir;
};

double elapsedMs(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

struct Timing
{
    double wallMs = 0;
    double cpuMs = 0; // this thread's CPU time: what the work costs on a busy machine
};

// Medians of `repeats` runs, so that one page-cache miss does not decide the number.
Timing measure(int repeats, const std::function<void()> &work)
{
    std::vector<double> wall, cpu;
    for (int i = 0; i < repeats; ++i) {
        auto start = std::chrono::steady_clock::now();
        double cpuStart = threadCpuMs();
        work();
        cpu.push_back(threadCpuMs() - cpuStart);
        wall.push_back(elapsedMs(start));
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

void print(const std::string &what, Timing t)
{
    std::printf("%-58s %9.2f ms wall %9.2f ms cpu\n", what.c_str(), t.wallMs, t.cpuMs);
}

std::string sentence(std::mt19937 &rng, int words)
{
    static const char *vocab[] = {"the",   "cat",    "image", "shows", "a",     "red",
                                  "car",   "near",   "river", "cache", "token", "budget",
                                  "merge", "anchor", "sky",   "blue",  "dog",   "street"};
    std::string out;
    for (int i = 0; i < words; ++i) {
        out += (i ? " " : "");
        out += vocab[rng() % (sizeof vocab / sizeof *vocab)];
    }
    return out;
}

TurnStats fakeStats(std::mt19937 &rng)
{
    TurnStats s;
    s.policy = "elastic";
    s.budgetRatio = 0.5;
    s.entriesBefore = 600 + rng() % 400;
    s.entriesAfter = s.entriesBefore / 2;
    s.bytesBefore = s.entriesBefore * 524288;
    s.bytesAfter = s.entriesAfter * 524288;
    s.merged = s.entriesBefore - s.entriesAfter;
    s.prefillMs = 80 + rng() % 50;
    s.compactionMs = 2 + rng() % 5;
    s.decodeTokens = 40 + rng() % 100;
    s.decodeMs = double(s.decodeTokens) * 20;
    s.peakMemoryBytes = 15LL << 30;
    s.device = "cuda:0";
    return s;
}

void fill(const fs::path &db, const BenchOptions &o, std::int64_t &bigId)
{
    StoreOptions fast;
    fast.durableCommits = false; // a bulk load, not user turns
    HistoryStore store(db, fast);
    std::mt19937 rng(7);
    auto start = std::chrono::steady_clock::now();
    NewConversation info;
    info.cache.policy = "elastic";
    info.cache.budgetRatio = 0.5;
    info.title = "A long conversation about many images";
    bigId = store.createConversation(info);
    for (int i = 0; i < o.messages / 2; ++i) {
        std::vector<ImageInput> images;
        if (i < o.images) {
            ImageInput image;
            image.bytes.resize(std::size_t(o.imageKiB) * 1024);
            for (auto &b : image.bytes)
                b = static_cast<unsigned char>(rng());
            image.width = 336;
            image.height = 336;
            images.push_back(std::move(image));
        }
        store.appendUserTurn(bigId, sentence(rng, 20), images, 30);
        AnswerWriter answer = store.beginAnswer(bigId);
        answer.append(sentence(rng, 80));
        FinishInfo done;
        done.completionTokens = 100;
        done.stats = fakeStats(rng);
        answer.finish(done);
    }
    for (int i = 1; i < o.conversations; ++i) {
        info.title = sentence(rng, 5);
        std::int64_t id = store.createConversation(info);
        store.appendUserTurn(id, sentence(rng, 15));
    }
    std::printf("fill: %d conversations, one with %d messages and %d images of %d KiB: %.1f s\n",
                o.conversations, o.messages, o.images, o.imageKiB, elapsedMs(start) / 1000);
}

void runBench(const BenchOptions &o)
{
    fs::path dir = o.dir.empty() ? fs::temp_directory_path() /
                                       ("elastic-history-bench-" + std::to_string(::getpid()))
                                 : fs::path(o.dir);
    fs::create_directories(dir);
    fs::path db = dir / "bench.db";
    for (const char *suffix : {"", "-wal", "-shm", ".lock"})
        fs::remove(fs::path(db.string() + suffix));
    std::int64_t bigId = 0;
    fill(db, o, bigId);

    HistoryStore store(db); // a fresh connection, as the app has after start
    std::size_t n = 0;
    Timing t = measure(o.repeats, [&] { n = store.listConversations(50).size(); });
    print("list first page (" + std::to_string(n) + " of " +
              std::to_string(store.conversationCount()) + ")",
          t);
    t = measure(o.repeats, [&] { store.listConversations(50, o.conversations - 50); });
    print("list last page (offset " + std::to_string(o.conversations - 50) + ")", t);
    t = measure(o.repeats, [&] { n = store.listConversations(o.conversations).size(); });
    print("list all " + std::to_string(n) + " conversations", t);

    ConversationDetail detail;
    t = measure(o.repeats, [&] { detail = store.readConversation(bigId); });
    std::size_t attachments = 0;
    for (const auto &m : detail.messages)
        attachments += m.attachments.size();
    print("open conversation (" + std::to_string(detail.messages.size()) + " messages, " +
              std::to_string(attachments) + " images, metadata)",
          t);
    std::size_t bytes = 0;
    t = measure(o.repeats, [&] {
        bytes = 0;
        for (const auto &m : detail.messages)
            for (const auto &a : m.attachments)
                bytes += store.imageBytes(a.sha256)->size();
    });
    char size[32];
    std::snprintf(size, sizeof size, "%.1f MiB", double(bytes) / (1 << 20));
    print("load its " + std::to_string(attachments) + " images (" + size + ")", t);
    t = measure(o.repeats, [&] { n = store.search("river cat", 50).size(); });
    print("search \"river cat\" (" + std::to_string(n) + " conversations)", t);
    t = measure(o.repeats * 4, [&] {
        store.appendUserTurn(bigId, "one more question");
        AnswerWriter answer = store.beginAnswer(bigId);
        answer.append("one more answer");
        answer.finish();
    });
    print("append a user turn + stream and finish an answer (durable)", t);
    std::printf("database: %s (%.1f MiB)\n", db.c_str(),
                double(store.storeStats().fileBytes) / (1 << 20));
    if (o.dir.empty())
        app::removeTree(dir);
}

} // namespace

void addHistoryMode(CLI::App &benchCommand)
{
    auto opts = std::make_shared<BenchOptions>();
    auto *bench = benchCommand.add_subcommand("history", "Time the history store on a generated "
                                                         "scratch history (never touches yours)");
    bench->add_option("--conversations", opts->conversations)->capture_default_str();
    bench->add_option("--messages", opts->messages, "Messages in the long conversation")
        ->capture_default_str();
    bench->add_option("--images", opts->images, "Images in the long conversation")
        ->capture_default_str();
    bench->add_option("--image-kib", opts->imageKiB, "Size of each image")->capture_default_str();
    bench->add_option("--repeats", opts->repeats, "Runs per timing (the median is printed)")
        ->capture_default_str();
    bench->add_option("--dir", opts->dir, "Keep the scratch history in this folder");
    bench->callback([opts] { runBench(*opts); });
}

} // namespace ec::cli
