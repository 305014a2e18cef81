#include "app/paths.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

TEST(Paths, DataDirectoryFollowsOverrideThenXdg)
{
    setenv("EC_DATA_DIR", "/tmp/ec-explicit", 1);
    EXPECT_EQ(ec::app::dataDirectory(), "/tmp/ec-explicit");
    unsetenv("EC_DATA_DIR");
    setenv("XDG_DATA_HOME", "/tmp/xdg-data", 1);
    EXPECT_EQ(ec::app::dataDirectory(), "/tmp/xdg-data/elastic-chat");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/someone", 1);
    EXPECT_EQ(ec::app::dataDirectory(), "/home/someone/.local/share/elastic-chat");
}

// removeTree replaces std::filesystem::remove_all (see app/paths.h): nested folders go, links are
// removed without touching what they point to, and a missing folder is not an error.
TEST(Paths, RemoveTreeDeletesNestedFoldersButNotLinkTargets)
{
    namespace fs = std::filesystem;
    const fs::path root =
        fs::temp_directory_path() / ("ec-remove-tree-" + std::to_string(getpid()));
    const fs::path outside = root.string() + "-outside";
    fs::create_directories(root / "a" / "b");
    fs::create_directories(outside);
    std::ofstream(root / "a" / "b" / "weights.bin") << "data";
    std::ofstream(root / "top.json") << "{}";
    std::ofstream(outside / "keep.txt") << "keep";
    fs::create_directory_symlink(outside, root / "a" / "link-to-outside");

    ec::app::removeTree(root);
    EXPECT_FALSE(fs::exists(fs::symlink_status(root)));
    EXPECT_TRUE(fs::exists(outside / "keep.txt")) << "the link was followed";

    EXPECT_NO_THROW(ec::app::removeTree(root)); // already gone
    ec::app::removeTree(outside);
    EXPECT_FALSE(fs::exists(outside));
}
