// Fixtures for the engine tests: a temporary folder and tiny checkpoints written into it.
#pragma once

#include "lab/tiny_model/tiny_model.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>

namespace ec::test {

class TempDir
{
public:
    TempDir()
    {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "ec-engine-test-XXXXXX").string();
        if (!mkdtemp(pattern.data()))
            throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::filesystem::path &path() const { return path_; }
    std::filesystem::path operator/(const std::string &name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

// A small spec: 256-token vocabulary (image token 250), GQA, 3 vision layers, 15x15 patches.
inline tools::TinyModelSpec smallSpec()
{
    tools::TinyModelSpec s;
    s.vocabSize = 256;
    s.imageTokenId = 250;
    s.imageSize = 12;
    s.patchSize = 2; // 36 image tokens
    return s;
}

inline void writeFile(const std::filesystem::path &path, const std::string &bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string readFile(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Expects `fn` to throw an exception whose message contains every one of `parts`.
template <typename Fn> void expectThrowsWith(Fn &&fn, std::initializer_list<std::string> parts)
{
    try {
        fn();
    } catch (const std::exception &e) {
        const std::string msg = e.what();
        for (const auto &p : parts)
            EXPECT_NE(msg.find(p), std::string::npos) << "message: " << msg << "\nmissing: " << p;
        return;
    }
    ADD_FAILURE() << "no exception thrown";
}

} // namespace ec::test
