// A demo-world tokenizer trained once per test binary with lab/demo_trainer/train_demo_tokenizer.py.
#pragma once

#include "lab/demo_world/world_set.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

inline std::filesystem::path demoTokenizerDir()
{
    static const std::filesystem::path dir = [] {
        const auto d = std::filesystem::temp_directory_path() /
                       ("ec_demo_tokenizer_" + std::to_string(::getpid()));
        std::filesystem::remove_all(d);
        std::filesystem::create_directories(d);
        std::ofstream corpus(d / "corpus.txt");
        for (uint64_t i = 0; i < 400; ++i)
            for (const auto &t : ec::demo::trainingItem(21, i).turns)
                corpus << t.question << '\n' << t.answer << '\n';
        corpus.close();
        const std::string cmd = "/usr/bin/python3 " EC_TEST_SOURCE_DIR
                                "/lab/demo_trainer/train_demo_tokenizer.py " +
                                (d / "corpus.txt").string() + " " + (d / "tok").string();
        EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
        return d / "tok";
    }();
    return dir;
}
