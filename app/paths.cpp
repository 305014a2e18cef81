#include "app/paths.h"

#include "ec_build_info.h"

#include <cstdlib>

namespace ec::app {

namespace fs = std::filesystem;

namespace {
const char *nonEmptyEnv(const char *name)
{
    const char *value = std::getenv(name);
    return value && *value ? value : nullptr;
}
} // namespace

fs::path dataDirectory()
{
    if (const char *dir = nonEmptyEnv("EC_DATA_DIR"))
        return dir;
    if (const char *xdg = nonEmptyEnv("XDG_DATA_HOME"))
        return fs::path(xdg) / "elastic-chat";
    if (const char *home = nonEmptyEnv("HOME"))
        return fs::path(home) / ".local" / "share" / "elastic-chat";
    return fs::temp_directory_path() / "elastic-chat";
}

fs::path resourcesDirectory()
{
    if (const char *dir = nonEmptyEnv("EC_RESOURCES_DIR"))
        return dir;
    // Installed layout: <prefix>/bin/elastic-cli and <prefix>/share/elastic-chat.
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        fs::path installed = exe.parent_path().parent_path() / "share" / "elastic-chat";
        if (fs::exists(installed / "samples", ec))
            return installed;
    }
    return fs::path(EC_SOURCE_DIR) / "resources";
}

} // namespace ec::app
