// Where Elastic Chat keeps its data: $EC_DATA_DIR, else $XDG_DATA_HOME/elastic-chat, else
// ~/.local/share/elastic-chat.
#pragma once

#include <filesystem>

namespace ec::app {

std::filesystem::path dataDirectory();

// The source tree's resources folder when running from a build, else the installed share folder.
std::filesystem::path resourcesDirectory();

// Deletes a folder and everything in it (no error if it is missing); throws std::runtime_error
// naming the path that could not be removed. Use it instead of std::filesystem::remove_all:
// pip's libtorch.so (2.11, CUDA 13) exports its own copy of that function, which the dynamic
// linker can bind in place of libstdc++'s, and it crashed there (a call through a null pointer)
// on the H200 machine.
void removeTree(const std::filesystem::path &dir);

} // namespace ec::app
