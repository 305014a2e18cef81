// --shard i/n: sample k belongs to shard k mod n, so that every shard gets a mix of short and
// long samples and n independent jobs (e.g. a Slurm array) cover the dataset exactly once.
#pragma once

#include <cstdint>
#include <string>

namespace ec::eval {

struct Shard
{
    int64_t index = 0;
    int64_t count = 1;

    bool contains(int64_t sampleIndex) const { return sampleIndex % count == index; }
};

// "i/n" with 0 <= i < n; throws std::invalid_argument with the reason otherwise.
Shard parseShard(const std::string &text);

} // namespace ec::eval
