// Plain data that the history store reads and writes. Times are milliseconds since the Unix
// epoch (UTC); byte counts are bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ec::history {

enum class Role { System, User, Assistant };

// Streaming: an answer still being written. Incomplete: it was streaming when its writer died.
enum class MessageStatus { Streaming, Complete, Cancelled, Failed, Incomplete };

const char *toString(Role role);
const char *toString(MessageStatus status);
Role roleFromString(const std::string &text);            // throws std::invalid_argument
MessageStatus statusFromString(const std::string &text); // throws std::invalid_argument

struct CacheSettings
{
    std::string policy;                      // "elastic", "full", "local", "h2o", ...
    std::optional<double> budgetRatio;       // kept fraction gamma
    std::optional<std::int64_t> budgetBytes; // absolute cap from the memory slider
};

struct NewConversation
{
    std::string title;
    std::string modelPath;
    std::string modelFingerprint;
    CacheSettings cache;
    std::string settingsJson = "{}"; // sampler and other settings, opaque to the store
};

struct Conversation
{
    std::int64_t id = 0;
    std::string title;
    std::int64_t createdAt = 0;
    std::int64_t updatedAt = 0;
    std::string modelPath;
    std::string modelFingerprint;
    CacheSettings cache;
    std::string settingsJson;
};

// One row of the conversation list.
struct ConversationSummary
{
    std::int64_t id = 0;
    std::string title;
    std::int64_t createdAt = 0;
    std::int64_t updatedAt = 0;
    std::int64_t messageCount = 0;
    std::string snippet; // search results only: the matching text, matches in [brackets]
};

// An image to attach to a user turn. The store does not decode images: the caller says what
// they are.
struct ImageInput
{
    std::vector<unsigned char> bytes;
    std::string mime = "image/png";
    int width = 0;
    int height = 0;
};

struct Attachment
{
    std::string sha256;
    std::string mime;
    int width = 0;
    int height = 0;
    std::int64_t size = 0;
};

// What the KV cache did during one turn (see cache/: Budget, CacheStats).
struct TurnStats
{
    std::string policy;
    std::optional<double> budgetRatio;
    std::optional<std::int64_t> budgetBytes;
    std::int64_t entriesBefore = 0;
    std::int64_t entriesAfter = 0;
    std::int64_t bytesBefore = 0;
    std::int64_t bytesAfter = 0;
    std::int64_t merged = 0;
    std::int64_t evicted = 0;
    double prefillMs = 0;
    double compactionMs = 0;
    std::int64_t decodeTokens = 0;
    double decodeMs = 0;
    std::int64_t peakMemoryBytes = 0;
    std::string device; // "cpu", "cuda:0 (NVIDIA H200)", ...
};

struct Message
{
    std::int64_t id = 0;
    std::int64_t conversationId = 0;
    std::int64_t seq = 0;
    Role role = Role::User;
    std::string text;
    std::int64_t createdAt = 0;
    std::int64_t updatedAt = 0;
    std::optional<std::int64_t> promptTokens;
    std::optional<std::int64_t> completionTokens;
    MessageStatus status = MessageStatus::Complete;
    std::string error;
    std::vector<Attachment> attachments;
    std::optional<TurnStats> stats;
};

struct ConversationDetail
{
    Conversation conversation;
    std::vector<Message> messages;
};

// Totals over a conversation's turns.
struct ConversationStats
{
    std::int64_t turns = 0; // assistant answers with statistics
    std::int64_t messages = 0;
    std::int64_t images = 0;
    std::int64_t decodeTokens = 0;
    double decodeMs = 0;
    double prefillMs = 0;
    double compactionMs = 0;
    std::int64_t merged = 0;
    std::int64_t evicted = 0;
    std::int64_t peakMemoryBytes = 0; // the largest of the turns
    std::int64_t lastEntriesAfter = 0;
    std::int64_t lastBytesAfter = 0;
};

// Totals over the whole store.
struct StoreStats
{
    std::int64_t conversations = 0;
    std::int64_t messages = 0;
    std::int64_t images = 0;
    std::int64_t imageBytes = 0;
    std::int64_t fileBytes = 0;
    int schemaVersion = 0;
};

} // namespace ec::history
