// Export a conversation to Markdown (images as files beside it) or to self-contained JSON
// (images embedded as base64), and import that JSON back as a new conversation.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace ec::history {

class HistoryStore;
struct TurnStats;

inline constexpr const char *kExportFormat = "elastic-chat-conversation";
inline constexpr int kExportVersion = 1;

// Writes <dir>/<name>.md and the images into <dir>/<name>-images/; returns the .md path.
// Files are written atomically (temporary file, then rename).
std::filesystem::path exportMarkdown(HistoryStore &store, std::int64_t id,
                                     const std::filesystem::path &dir);

std::string exportJson(HistoryStore &store, std::int64_t id);

// Validates everything (format, version, fields, image hashes) before writing anything; throws
// HistoryError with the first problem. Returns the new conversation's id.
std::int64_t importJson(HistoryStore &store, std::string_view json);

// One line for a turn's cache statistics, as shown by `history show` and in Markdown exports.
std::string describeTurnStats(const TurnStats &stats);
std::string formatBytes(std::int64_t bytes);

// A file-system-friendly name from a title: "Cats & dogs!" -> "cats-dogs".
std::string slugify(const std::string &title);

// Writes bytes to path through a temporary file and a rename, so a crash never leaves half a file.
void writeFileAtomically(const std::filesystem::path &path, std::string_view bytes);

} // namespace ec::history
