// Where Elastic Chat keeps its data: $EC_DATA_DIR, else $XDG_DATA_HOME/elastic-chat, else
// ~/.local/share/elastic-chat.
#pragma once

#include <filesystem>

namespace ec::app {

std::filesystem::path dataDirectory();

// The source tree's resources folder when running from a build, else the installed share folder.
std::filesystem::path resourcesDirectory();

} // namespace ec::app
