#include "app/paths.h"

#include <gtest/gtest.h>

#include <cstdlib>

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
