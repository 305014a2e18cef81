#include "lab/eval/shard.h"

#include <charconv>
#include <stdexcept>

namespace ec::eval {

namespace {

bool parseInt(std::string_view text, int64_t &value)
{
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

} // namespace

Shard parseShard(const std::string &text)
{
    const auto slash = text.find('/');
    Shard shard;
    if (slash == std::string::npos ||
        !parseInt(std::string_view(text).substr(0, slash), shard.index) ||
        !parseInt(std::string_view(text).substr(slash + 1), shard.count))
        throw std::invalid_argument("--shard expects i/n (e.g. 0/4), got '" + text + "'");
    if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count)
        throw std::invalid_argument("--shard " + text + ": need 0 <= i < n");
    return shard;
}

} // namespace ec::eval
