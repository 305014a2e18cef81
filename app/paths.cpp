#include "app/paths.h"

#include "ec_build_info.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ftw.h>
#include <stdexcept>
#include <string>
#include <sys/stat.h>

namespace ec::app {

namespace fs = std::filesystem;

namespace {
const char *nonEmptyEnv(const char *name)
{
    const char *value = std::getenv(name);
    return value && *value ? value : nullptr;
}

thread_local std::string removeFailure; // the first path nftw could not remove, with the reason

int removeEntry(const char *path, const struct stat *, int, struct FTW *)
{
    if (std::remove(path) != 0) {
        removeFailure = std::string(path) + ": " + std::strerror(errno);
        return 1; // stops the walk
    }
    return 0;
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

void removeTree(const fs::path &dir)
{
    struct stat st;
    if (::lstat(dir.c_str(), &st) != 0 && errno == ENOENT)
        return;
    removeFailure.clear();
    // Children before their folder, without following links.
    if (::nftw(dir.c_str(), removeEntry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        throw std::runtime_error("cannot remove " +
                                 (removeFailure.empty() ? dir.string() : removeFailure) +
                                 " (check its permissions)");
}

} // namespace ec::app
