// Shared helpers of the text tests: fixture paths and the Python oracles.
#pragma once

#include "support/run_process.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>

namespace ec::test {

inline std::filesystem::path sourcePath(const std::string &relative)
{
    return std::filesystem::path(EC_TEST_SOURCE_DIR) / relative;
}

inline std::filesystem::path fixturePath(const std::string &name)
{
    return sourcePath("tests/fixtures/tokenizer/" + name);
}

// Debian's Python with the given modules importable (build-notes G10: not pyenv's python3).
inline bool debianPythonHas(const std::string &modules)
{
    auto r = runProcess("/usr/bin/python3 -c 'import " + modules + "' 2>/dev/null");
    return r.exitCode == 0;
}

inline std::string shellQuote(const std::string &s)
{
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

// Runs a command whose stdout is JSON; returns null on failure (with the output in `error`).
inline nlohmann::json runJson(const std::string &command, std::string &error)
{
    auto r = runProcess(command);
    if (r.exitCode != 0) {
        error = "exit " + std::to_string(r.exitCode) + ": " + r.output.substr(0, 2000);
        return nullptr;
    }
    try {
        return nlohmann::json::parse(r.output);
    } catch (const std::exception &e) {
        error = std::string("bad JSON: ") + e.what();
        return nullptr;
    }
}

// A path in a folder of this process: ctest -j runs the cases of one suite side by side.
inline std::string tempPath(const std::string &name)
{
    auto dir = std::filesystem::path(EC_TEST_BINARY_DIR) / "test_tmp" /
               ("text_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

inline void writeFile(const std::string &path, const std::string &bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

} // namespace ec::test
