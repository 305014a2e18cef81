// Helpers for the history tests: a scratch folder per test, deterministic images and statistics.
#pragma once

#include "app/history/history_types.h"

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace ec::test {

// A fresh folder under $TMPDIR, removed when the test ends.
class ScratchDir
{
public:
    ScratchDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "ec-history-XXXXXX");
        if (!mkdtemp(pattern.data()))
            std::abort();
        m_path = pattern;
    }
    ~ScratchDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    ScratchDir(const ScratchDir &) = delete;
    ScratchDir &operator=(const ScratchDir &) = delete;
    const std::filesystem::path &path() const { return m_path; }
    std::filesystem::path operator/(const std::string &name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

inline history::NewConversation untitled()
{
    history::NewConversation info;
    info.title = "untitled";
    return info;
}

inline history::ImageInput makeImage(unsigned seed, std::size_t size = 4096)
{
    history::ImageInput image;
    std::mt19937 rng(seed);
    image.bytes.resize(size);
    for (auto &b : image.bytes)
        b = static_cast<unsigned char>(rng());
    image.mime = "image/png";
    image.width = 32 + int(seed % 7);
    image.height = 24 + int(seed % 5);
    return image;
}

inline history::TurnStats makeStats(int seed)
{
    history::TurnStats s;
    s.policy = seed % 2 ? "elastic" : "h2o";
    s.budgetRatio = 0.25 + 0.01 * seed;
    if (seed % 3 == 0)
        s.budgetBytes = 1LL << (30 + seed % 3);
    s.entriesBefore = 1000 + seed;
    s.entriesAfter = 500 + seed;
    s.bytesBefore = s.entriesBefore * 524288;
    s.bytesAfter = s.entriesAfter * 524288;
    s.merged = 450 + seed;
    s.evicted = 50 + seed;
    s.prefillMs = 120.5 + seed;
    s.compactionMs = 3.25 + seed;
    s.decodeTokens = 64 + seed;
    s.decodeMs = 1280.75 + seed;
    s.peakMemoryBytes = (15LL << 30) + seed;
    s.device = "cuda:0 (NVIDIA H200)";
    return s;
}

} // namespace ec::test
